"""TFA1002 — Development server or flags in the production entry."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs

from ..facts.dev_servers import DevServerCallFact, DevServerFacts
from ..facts.processes import ProcessFacts, commands, traits
from ..facts.start_scripts import start_steps
from ._shared import _runtime

_DEV_NAME_RE = re.compile(r"(?i)((^|[._-])(dev|devel|development|local|debug)([._-]|$)|override)")
_DEBUG_TOOLS = {"flask", "hypercorn", "litestar", "sanic", "quart", "chainlit"}


def _is_dev_file(path: str) -> bool:
    return ".devcontainer/" in f"/{path}" or bool(_DEV_NAME_RE.search(posixpath.basename(path)))


def _expand(words: tuple[str, ...]) -> list[str]:
    """Command words, with the scripts of ``sh -c "…"`` split into words too."""
    out: list[str] = []
    for word in words:
        if " " in word:
            try:
                out += shlex.split(word)
            except ValueError:
                out += word.split()
        else:
            out.append(word)
    return out


def _dev_mode(words: list[str]) -> str | None:
    """What in a command starts a development server, if anything."""
    bases = [w.rsplit("/", 1)[-1] for w in words]
    for i, word in enumerate(bases):
        later = bases[i + 1:]
        if word == "flask" and "run" in later:
            return "`flask run` (Flask's development server)"
        if word == "fastapi" and later[:1] == ["dev"]:
            return "`fastapi dev` (auto-reload)"
        if word in ("manage.py", "django-admin") and "runserver" in later:
            return "`runserver` (Django's development server)"
        if word == "--reload" or word.startswith("--reload="):
            return "`--reload`"
        if word == "--debug" and set(bases[:i]) & _DEBUG_TOOLS:
            return "`--debug`"
        if word.startswith("--server.runOnSave") and "true" in (word + " ".join(later[:1])).lower():
            return "`--server.runOnSave true`"
        if word in ("-w", "--watch") and "chainlit" in bases[:i]:
            return f"`{word}` (chainlit watch mode)"
    return None


class DevServerInProduction(RepoRule):
    id = "TFA1002"
    name = "dev-server-in-production"
    factor = 10
    severity = Severity.WARNING
    title = "Development server or flags in the production entry"
    collectors = (ProcessFacts, DevServerFacts)
    what = """
        The command a deploy runs — final-stage Dockerfile `CMD`/`ENTRYPOINT`, Procfile, compose
        `command` — starts a development server or mode: `--reload`, `--debug`, `flask run`,
        `fastapi dev`, `manage.py runserver`, streamlit `--server.runOnSave true`; the image sets
        `FLASK_DEBUG=1` or `FLASK_ENV=development`; or the entry module it runs calls
        `uvicorn.run(..., reload=True)`, `app.run(debug=True)` or Flask's built-in `app.run()`.
        Files meant for development (`Dockerfile.dev`, `compose.override.yml`, `Procfile.dev`,
        `.devcontainer/`), dev-named services and compose services that mount the source tree
        are skipped; `debug=settings.debug` passes.
    """
    why = """
        Development servers trade safety and throughput for convenience: the reloader watches
        the file system and forks, Werkzeug's server handles one request at a time, debug mode
        returns tracebacks (Werkzeug's debugger runs code) to anyone who triggers an error.
        Running them in production makes production behave unlike every tested deploy.
    """
    fix = """
        Run the production server in the production entry (`uvicorn agent.app:app --host 0.0.0.0
        --port $PORT`, `gunicorn -k uvicorn.workers.UvicornWorker`, `gunicorn app:app` for
        Flask) and keep `--reload`/debug in a development-only file such as `compose.override.yml`.
    """
    invalid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nENTRYPOINT ["/srv/bin/serve.sh"]\n',
            "bin/serve.sh": """
                #!/bin/sh
                cd /srv
                exec uvicorn agent.api:app --host 0.0.0.0 --port 8000 --reload
            """,
        }, lines=(3,), columns=(1,), message="The start script `bin/serve.sh` (started by the CMD/ENTRYPOINT of `Dockerfile`) runs `--reload`"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                ENV FLASK_DEBUG=1
                CMD ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--reload"]
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(3, 4), columns=(1, 1), message="production"),
        Example.repo({
            "Procfile": "web: python main.py\n",
            "main.py": """
                import uvicorn as server
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    server.run("main:app", host="0.0.0.0", reload=True)
            """,
        }, lines=(7,), columns=(5,), message="starts `uvicorn.run(..., reload=True)`"),
        Example.repo({
            "Procfile": "web: flask --app agent.web run --host 0.0.0.0\n",
            "agent/web.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }, lines=(1,), columns=(1,), message="runs `flask run` (Flask's development server)"),
        Example.repo({
            "fly.toml": """
                app = "support-agent"

                [processes]
                app = "uvicorn agent.app:app --host 0.0.0.0 --port 8080 --reload"

                [http_service]
                internal_port = 8080
                processes = ["app"]
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(4,), columns=(1,), message="The production command runs"),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /srv\nCMD ["/srv/start.sh"]\n',
            "start.sh": "#!/bin/sh\nexec uvicorn agent.api:app --host 0.0.0.0 --port 8000\n",
            "start-dev.sh": "#!/bin/sh\nexec uvicorn agent.api:app --reload\n",
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "Dockerfile.dev": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"agent.app:app\", \"--reload\"]\n",
            "compose.override.yml": "services:\n  app:\n    command: uvicorn agent.app:app --reload\n",
            "docker-compose.yml": """
                services:
                  app:
                    build: .
                    command: uvicorn agent.app:app --host 0.0.0.0 --reload
                    volumes:
                      - ./agent:/app/agent
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "Procfile": "web: python main.py\n",
            "main.py": """
                import os

                import uvicorn
                from flask import Flask

                app = Flask(__name__)
                DEBUG = os.getenv("DEBUG") == "1"


                def reload(agent, debug=True):
                    return agent.run(debug=True)


                if __name__ == "__main__":
                    uvicorn.run("api:app", host="0.0.0.0", reload=DEBUG)
            """,
        }),
        Example.repo({
            "Procfile": "web: gunicorn agent.web:app\n",
            "agent/web.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(debug=True)
            """,
        }),
        Example.repo({  # a Helm template's conditional flag is no flag: its value is chosen at deploy time
            "deploy/chart/templates/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {{ include "agent.fullname" . }}
                spec:
                  replicas: {{ .Values.replicaCount }}
                  template:
                    spec:
                      containers:
                        - name: api
                          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                          command:
                            - uvicorn
                            - agent.app:app
                            - --host=0.0.0.0
                            {{- if .Values.devMode }}
                            - --reload
                            {{- end }}
                          ports:
                            - containerPort: 8000
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if traits(repo).is_service else "no web service found"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for cmd in commands(repo):
            if _is_dev_file(cmd.path) or _DEV_NAME_RE.search(cmd.name) or cmd.name in self._mounted(repo, cmd.path):
                continue
            mode = _dev_mode(_expand(cmd.words))
            if mode:
                yield self.finding(cmd.path, cmd.line, 1, f"The production command runs {mode}: {_ADVICE}")
        for start in start_steps(repo):
            process = start.process
            if _is_dev_file(start.script.path) or _is_dev_file(process.path) or _DEV_NAME_RE.search(process.name):
                continue
            mode = _dev_mode(_expand(start.step.words))
            if mode:
                yield self.finding(start.script.path, start.step.line, start.step.column,
                                   f"The start script {start.label} runs {mode}: {_ADVICE}")
        yield from self._dockerfile_env(repo)
        entries = {p for p in traits(repo).entry_files if not _is_dev_file(p)}
        for fact in repo.facts(DevServerCallFact):
            if fact.path in entries:
                yield self.finding(fact.path, fact.line, fact.column,
                                   f"The production entry module starts {fact.data.what}: {_ADVICE}")

    def _mounted(self, repo: Repo, path: str) -> set[str]:
        """Compose services that mount the source tree from the host: a live-reload dev setup."""
        art = repo.artifact(path)
        return {s.name for s in art.services if s.mounts_source} if isinstance(art, ComposeFile) else set()

    def _dockerfile_env(self, repo: Repo) -> Iterator[Finding]:
        for art in _runtime(repo, FileKind.DOCKERFILE):
            assert isinstance(art, Dockerfile)
            stage = art.final_stage
            if stage is None or _is_dev_file(art.path) or (stage.name and _DEV_NAME_RE.search(stage.name)):
                continue
            for ins in stage.instructions:
                if ins.keyword != "ENV":
                    continue
                for key, value in env_pairs(ins.value):
                    if (key == "FLASK_DEBUG" and value.lower() in ("1", "true", "yes")) or (
                            key == "FLASK_ENV" and value.lower() == "development"):
                        yield self.finding(art.path, ins.line, 1,
                                           f"The image sets `{key}={value}` (debug mode and the reloader): remove it "
                                           "from the production image and set it only in a development override")


_ADVICE = ("start the production server instead (e.g. `uvicorn app:app --host 0.0.0.0 --port $PORT` or "
           "`gunicorn app:app`) and keep reload/debug in a development-only file such as `compose.override.yml`")
