"""TFA0701 — Listen port hardcoded."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.fix import Fix
from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.pyproject import Pyproject

from ..facts.ports import CallGraphFact, PortEnvReadFact, PortFacts
from ..facts.processes import Command, ProcessFacts, commands
from ._shared import Listen, _binds_from, _dockerfile_ports, _function_file, _kind, _service_reason, listens

_PORT_WORD_RE = re.compile(r"\bPORT\b")


def _project_scripts(repo: Repo) -> dict[str, set[str]]:
    roots: dict[str, set[str]] = {}
    for art in repo.artifacts(FileKind.PYPROJECT):
        if not isinstance(art, Pyproject) or path_role(art.path) not in ("src", "script"):
            continue
        project = art.data.get("project") if isinstance(art.data.get("project"), dict) else {}
        scripts = project.get("scripts") if isinstance(project.get("scripts"), dict) else {}
        for target in scripts.values():
            if isinstance(target, str) and ":" in target:
                module, _, func = target.partition(":")
                found = _function_file(repo, art.path, f"{module}.{func.split('.')[0]}")
                if found:
                    roots.setdefault(found[0], set()).update({found[1], "<module>"})
    return roots


def undeclared_listens(repo: Repo) -> list[Listen]:
    """With no declared process: the binds reachable from the repo's own entry points."""
    roots = _project_scripts(repo)
    for fact in repo.facts(CallGraphFact):
        if path_role(fact.path) == "src":
            roots.setdefault(fact.path, set()).update({"<main>", "<module>"})
    return _binds_from(repo, roots)


def _port_env_read(repo: Repo, paths: set[str]) -> bool:
    return any(f.path in paths for f in repo.facts(PortEnvReadFact))


class ListenPortHardcoded(RepoRule):
    id = "TFA0701"
    name = "listen-port-hardcoded"
    factor = 7
    severity = Severity.WARNING
    title = "Listen port hardcoded"
    collectors = (PortFacts, ProcessFacts)
    fixable = """
        safe, for a port written in Python code, when nothing else in the repository reads or
        sets `PORT` (code, Dockerfile, Procfile, compose, `.env`): the literal (or the constant's
        name) becomes `int(os.environ.get("PORT", "8000"))` with the same default, and `import
        os` is added where isort puts it; unsafe when something does, since `PORT` may then hold
        another port. Command lines in a Procfile or a Dockerfile are not fixed.
    """
    what = """
        The process a repository declares (Procfile, Dockerfile `CMD`, or its `__main__`
        entry when nothing is declared) listens on a port written as a literal: `uvicorn.run(app,
        port=8000)`, `app.run(port=5000)`, `demo.launch(server_port=7860)`, `HTTPServer(("", 8000), …)`;
        a Procfile `web:` command that ignores `$PORT`; a Dockerfile `CMD` with `--port 8000` or
        `-b 0.0.0.0:8000` in an image that `EXPOSE`s no port. Not reported: ports read from the
        environment, settings or a variable; `gunicorn` without `--bind` (it binds `$PORT`); servers
        left on their default outside a Procfile; the `__main__` block of a module a server command
        imports (`uvicorn mod:app` never runs it); compose `command`s (deployment configuration).
    """
    why = """
        A twelve-factor service is handed its port by the environment: Heroku, Cloud Run, Render
        and local process managers set `PORT` and route traffic to it. A port fixed in code cannot
        be changed without a rebuild, so two services collide, and on a platform that assigns the
        port the process boots, listens on the wrong one and is killed for not binding in time.
    """
    fix = """
        Read the port from the environment with the current value as the default:
        `uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))`; in a Procfile
        pass `--port $PORT` (`--bind 0.0.0.0:$PORT`, `--server.port $PORT`); in a Dockerfile use
        `CMD exec uvicorn app:app --host 0.0.0.0 --port ${PORT:-8000}` or `EXPOSE` the port you fix.
    """
    invalid = (
        Example.of("""
            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=8000)
        """, "server.py", lines=(7,), columns=(43,), message="listens on hardcoded port 8000", fixed="""
            import os

            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
        """),
        Example.repo({
            "Procfile": "web: uvicorn agent.api:app --host 0.0.0.0 --port 8000\nworker: python -m agent.worker\n",
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(1,), columns=(1,), message="listens on port 8000 instead of the `$PORT`", fixed={}),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["python", "/app/main.py"]
            """,
            "main.py": """
                import gradio as gr

                from agent import respond

                LISTEN_PORT = 7860

                with gr.Blocks() as demo:
                    gr.ChatInterface(respond)


                def serve():
                    demo.queue().launch(server_name="0.0.0.0", server_port=LISTEN_PORT)


                serve()
            """,
        }, lines=(12,), columns=(60,), message="listens on hardcoded port 7860", fixed={
            "main.py": """
                import os

                import gradio as gr

                from agent import respond

                LISTEN_PORT = 7860

                with gr.Blocks() as demo:
                    gr.ChatInterface(respond)


                def serve():
                    demo.queue().launch(server_name="0.0.0.0", server_port=int(os.environ.get("PORT", "7860")))


                serve()
            """,
        }),
        # unsafe (the image sets PORT, to another port): still offered, and `os` is imported already
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                ENV PORT=8080
                COPY . /app
                CMD ["python", "/app/app.py"]
            """,
            "app.py": """
                import os

                from flask import Flask

                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

                if __name__ == "__main__":
                    app.run(host="0.0.0.0", port=5000)
            """,
        }, lines=(9,), columns=(34,), message="listens on hardcoded port 5000", fixed={
            "app.py": """
                import os

                from flask import Flask

                app = Flask(__name__)
                app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]

                if __name__ == "__main__":
                    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
            """,
        }),
        # must not fix: `os` is a local name where the port is written
        Example.of("""
            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()


            def main():
                os = "linux"
                uvicorn.run(app, host="0.0.0.0", port=8000)


            if __name__ == "__main__":
                main()
        """, "server.py", lines=(9,), columns=(43,), message="listens on hardcoded port 8000", fixed={}),
        Example.repo({
            "Procfile": "web: python app.py\n",
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(host="0.0.0.0")
            """,
        }, lines=(1,), columns=(1,), message="without a port"),
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "agent.api:app"]
        """, "Dockerfile", lines=(3,), columns=(1,), message="fixes the listen port to 8000"),
    )
    valid = (
        Example.of("""
            import os

            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))
        """, "server.py"),
        Example.repo({
            "Procfile": "web: gunicorn -k uvicorn.workers.UvicornWorker agent.api:app\n",
            "Dockerfile": """
                FROM python:3.12-slim
                EXPOSE 8000
                CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "agent/api.py": """
                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app, port=8000)
            """,
        }),
        Example.repo({
            "app.py": """
                from flask import Flask

                from agent.config import settings

                app = Flask(__name__)


                def main(port: int = 5000):
                    app.run(host=settings.host, port=port)


                if __name__ == "__main__":
                    main()
            """,
            "tests/test_app.py": """
                from app import app

                app.run(port=5001)
            """,
            "scripts/dev_server.py": """
                import uvicorn

                uvicorn.run("agent.api:app", port=8000, reload=True)
            """,
        }),
        Example.repo({
            "Procfile": "web: streamlit run app.py --server.port $PORT --server.address 0.0.0.0\n",
            "app.py": "import streamlit as st\n\nst.title('agent')\n",
            "ui.py": """
                import gradio as gr

                demo = gr.Interface(fn=str.upper, inputs="text", outputs="text")
                demo.launch(server_name="0.0.0.0")
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _service_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        cmds = commands(repo)
        found: list[Finding] = []
        for cmd in cmds:
            found += self._check_command(repo, cmd)
        if not cmds:
            found += [self._in_code(repo, listen) for listen in undeclared_listens(repo) if isinstance(listen.port, int)]
        seen: set[tuple[str, int, int]] = set()
        for finding in found:
            if (finding.path, finding.line, finding.column) not in seen:
                seen.add((finding.path, finding.line, finding.column))
                yield finding

    def _check_command(self, repo: Repo, cmd: Command) -> list[Finding]:
        kind = _kind(repo, cmd)
        procfile_web = kind is FileKind.PROCFILE and cmd.name == "web"
        mentions_port = any("PORT" in w for w in cmd.words)
        out = []
        for listen in listens(repo, cmd):
            if listen.in_code:
                if isinstance(listen.port, int):
                    out.append(self._in_code(repo, listen))
                elif (procfile_web and listen.port is None and not mentions_port
                      and not _port_env_read(repo, {listen.path})):
                    default = f" (its default, {listen.default_port})" if listen.default_port else ""
                    out.append(self.finding(
                        cmd.path, cmd.line, 1,
                        f"The Procfile `web` process runs `{listen.source}` ({listen.path}:{listen.line}) without a "
                        f"port, so it listens on a fixed port{default} instead of the `$PORT` the platform assigns: "
                        f'pass `{listen.port_keyword or "port"}=int(os.environ["PORT"])`'))
            elif procfile_web and not mentions_port and (
                    isinstance(listen.port, int) or (listen.port is None and not listen.reads_port)):
                fixed = listen.port if isinstance(listen.port, int) else f"its default {listen.default_port}"
                out.append(self.finding(
                    cmd.path, cmd.line, 1,
                    f"The Procfile `web` process listens on port {fixed} instead of the `$PORT` the platform "
                    f"assigns: pass `{_port_hint(listen)}`"))
            elif kind is FileKind.DOCKERFILE and isinstance(listen.port, int):
                art = repo.artifact(cmd.path)
                # With an EXPOSE the port is the image's declared contract (a mismatch is TFA0703's).
                if isinstance(art, Dockerfile) and not _dockerfile_ports(art)[2]:
                    out.append(self.finding(
                        cmd.path, cmd.line, 1,
                        f"The image's {cmd.name} fixes the listen port to {listen.port} and declares no port: read "
                        f"it from the environment (`{_port_hint(listen)}`, in shell form with `exec`) or declare "
                        f"`EXPOSE {listen.port}`"))
        return out

    def _in_code(self, repo: Repo, listen: Listen) -> Finding:
        line, column = listen.port_at or (listen.line, listen.column)
        read = f'int(os.getenv("PORT", "{listen.port}"))'
        fix = f"`{listen.port_keyword}={read}`" if listen.port_keyword else f"`{read}` in the address"
        return self.finding(listen.path, line, column,
                            f"`{listen.source}` listens on hardcoded port {listen.port}: read it from the "
                            f"environment, e.g. {fix}",
                            fix=self._port_fix(repo, listen.path, line, column, listen.port)
                            if listen.port_at is not None and isinstance(listen.port, int) else None)

    def _port_fix(self, repo: Repo, path: str, line: int, column: int, port: int) -> Fix | None:
        """The port read from `PORT` with it as the default: the file is read again and parsed with
        libcst here, for a port the rule reports, and only then (without libcst: no fix)."""
        try:
            from tfa_lint.pyfix import PythonSource, optional_fix

            from ._port_fix import port_fix
        except ImportError:
            return None
        sources = repo.memo.setdefault(f"{self.id}:sources", {})
        if path not in sources:
            sources[path] = PythonSource.parse(path, repo.text_of(path))
        source = sources[path]
        if source is None:
            return None
        return optional_fix(lambda: port_fix(source, line, column, port, safe=not _port_set_or_read(repo)), None)


def _port_set_or_read(repo: Repo) -> bool:
    """Whether anything in the repository reads a `PORT` variable (code) or names one (a
    Dockerfile `ENV PORT`, a Procfile's `$PORT`, compose, `.env`): then reading `PORT` may
    give another port than the one written, and the fix is unsafe."""
    return any(repo.facts(PortEnvReadFact)) or any(
        _PORT_WORD_RE.search(artifact.text) for artifact in repo.artifacts_by_path.values())


def _port_hint(listen: Listen) -> str:
    if listen.runner in ("gunicorn", "hypercorn"):
        return "--bind 0.0.0.0:$PORT"
    if listen.runner == "streamlit":
        return "--server.port $PORT"
    return "--port $PORT"
