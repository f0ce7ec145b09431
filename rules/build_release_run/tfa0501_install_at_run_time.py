"""TFA0501 — Packages installed or code fetched when the process starts."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.processes import Command, ProcessFacts, commands
from ..facts.start_scripts import start_steps
from ..facts.runtime_installs import RuntimeInstallFact, RuntimeInstallFacts, install_in

#: Compose files for local development, where a mounted source tree is installed on start.
_DEV_COMPOSE_RE = re.compile(r"(?i)(dev|local|test|override|debug)")


def _is_dev_process(command: Command) -> bool:
    """A service of a development compose file, or a dev/test service."""
    return command.path.endswith((".yml", ".yaml")) and bool(
        _DEV_COMPOSE_RE.search(posixpath.basename(command.path)) or _DEV_COMPOSE_RE.search(command.name))


def _download(program: tuple[str, ...]) -> str | None:
    """`curl -o model.bin https://…` or `wget https://…`: a file fetched from the network into the
    container (a health check or an API call that keeps no file is not a download)."""
    name = program[0].rsplit("/", 1)[-1] if program else ""
    urls = [w for w in program[1:] if w.startswith(("http://", "https://")) and not _LOCAL_URL_RE.match(w)]
    if not urls:
        return None
    if name == "wget" and not {"--spider", "-O-", "-qO-"} & set(program):
        return f"wget {urls[0]}"
    if name == "curl" and {"-o", "-O", "--output", "--remote-name"} & set(program):
        return f"curl {urls[0]}"
    return None


_LOCAL_URL_RE = re.compile(r"https?://(localhost|127\.0\.0\.1|0\.0\.0\.0|\$)")


class InstallAtRunTime(RepoRule):
    id = "TFA0501"
    name = "install-at-run-time"
    factor = 5
    severity = Severity.ERROR
    title = "Packages installed or code fetched when the process starts"
    collectors = (RuntimeInstallFacts, ProcessFacts)
    what = """
        A process that installs packages or fetches code as it runs: `pip install`,
        `uv pip install`, `apt-get install`, `npm install`, `git clone` of a fixed source or
        `git pull` — in the `CMD`/`ENTRYPOINT` of a Dockerfile's final stage, a Procfile line or a
        compose `command`, or run from source code through `subprocess`, `os.system` or
        `pip.main` (the `except ImportError: pip install …` auto-installer included). Not
        reported: scripts, `setup.py`/`noxfile.py`/`tasks.py`, `install*.py`/`bootstrap*.py`
        modules, tests and examples, commands run in another container or host
        (`docker exec`, `ssh`), `git clone` of a URL only known at run time, and
        development compose files and services (`docker-compose.dev.yml`, `…override.yml`, a
        `tests` service).
    """
    why = """
        The build stage turns a commit into an executable bundle; the run stage only runs it.
        An install at start-up makes every start a new, untested build: it resolves whatever
        versions the index serves that minute, fails when the index or network is down, slows
        every restart and scale-out, and means two replicas of one release may run different
        code.
    """
    fix = """
        Move the install into the build: a Dockerfile `RUN pip install -r requirements.txt`
        (or `uv sync --frozen`) and a `CMD` that only starts the app, or a declared dependency in
        `pyproject.toml`/`requirements.txt`. Delete auto-installers and let a missing
        dependency fail with a clear `ImportError`.
    """
    invalid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/docker/start.sh"]\n',
            "docker/start.sh": """
                #!/bin/bash
                set -e
                pip install --no-cache-dir 'agent[tools]'
                wget -q https://models.example.com/reranker.bin -P /models
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }, lines=(3, 4), columns=(1, 1), message="The start script `docker/start.sh` (started by the CMD/ENTRYPOINT"),
        Example.of("""
            FROM python:3.12.8-slim
            WORKDIR /app
            COPY . .
            CMD pip install -r requirements.txt && python agent.py
        """, "Dockerfile", lines=(4,), columns=(1,), message="runs `pip install` on every start"),
        Example.of("""
            import subprocess
            import sys

            try:
                import chromadb
            except ImportError:
                subprocess.check_call([sys.executable, "-m", "pip", "install", "chromadb"])
                import chromadb
        """, "agent/memory.py", lines=(7,), columns=(5,), message="runs `pip install` at run time"),
        Example.repo({
            "Procfile": "web: git pull && uvicorn app:app --port $PORT\n",
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(1,), columns=(1,), message="runs `git pull` on every start"),
        Example.of("""
            import os as system
            from subprocess import run as sh

            sh("apt-get install -y ffmpeg", shell=True)
            system.system("npm install --prefix ui")
        """, "agent/tools.py", lines=(4, 5), columns=(1, 1), message="install` at run time"),
        Example.repo({
            "deploy/supervisor/agent.conf": """
                [program:worker]
                command=bash -c "pip install -r requirements.txt && exec python -m agent.worker"
                autorestart=true
            """,
            "agent/worker.py": "while True:\n    pass\n",
        }, lines=(2,), columns=(1,), message="process `worker` runs `pip install` on every start"),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["./start.sh"]\n',
            "start.sh": """
                #!/bin/sh
                until curl -fsS http://localhost:6333/healthz; do sleep 1; done
                curl -fsS -X POST https://hooks.example.com/started
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }),
        Example.of("""
            FROM python:3.12.8-slim
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY agent agent
            CMD ["python", "-m", "agent"]
        """, "Dockerfile"),
        Example.repo({
            "scripts/setup_env.py": """
                import subprocess

                subprocess.run(["pip", "install", "-r", "requirements.txt"], check=True)
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "setup.py": 'import os\n\nos.system("pip install wheel")\n',
            "tests/conftest.py": 'import subprocess\n\nsubprocess.run("pip install pytest-xdist", shell=True)\n',
            "examples/demo.py": 'import os\n\nos.system("git clone https://github.com/acme/kb data")\n',
        }),
        Example.of("""
            import subprocess


            def checkout(repo_url: str, workdir: str) -> None:
                subprocess.run(["git", "clone", "--depth", "1", repo_url, workdir], check=True)
                subprocess.run(["git", "pull"], cwd=workdir, check=True)


            def run_in_sandbox(container: str, package: str) -> None:
                subprocess.run(["docker", "exec", container, "pip", "install", package], check=True)


            def pip_version() -> str:
                return subprocess.check_output(["pip", "--version"], text=True)
        """, "agent/tools/git.py"),
        Example.repo({
            "docker-compose.dev.yml": """
                services:
                  api:
                    build: .
                    command: sh -c "pip install -e . && uvicorn app:app --reload"
            """,
            "app.py": """
                def install(args):
                    return args


                install("pip install nothing")
            """,
        }),
        Example.of("""
            import subprocess


            class Shell:
                def run(self, command: str) -> str:
                    if command.startswith("apt-get install"):
                        return self.install_system_package(command.split()[-1])
                    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout

                def install_system_package(self, name: str) -> str:
                    subprocess.run(["sudo", "apt-get", "install", "-y", name], check=True)
                    return f"installed {name}"
        """, "agent/tools/shell.py"),
        Example.repo({  # the platform's build command runs once per build, not at every start
            ".do/app.yaml": """
                name: support-agent
                services:
                  - name: api
                    environment_slug: python
                    build_command: pip install -r requirements.txt
                    run_command: gunicorn --worker-class uvicorn.workers.UvicornWorker agent.app:app
                    http_port: 8080
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(path_role(p) == "src" for p in repo.files_of(FileKind.PYTHON)) or commands(repo):
            return None
        return "no source code or process declaration found outside tests, scripts and examples"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for fact in repo.facts(RuntimeInstallFact):
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"`{fact.data.via}` runs `{fact.data.what}` at run time: every start becomes an untested "
                "build. Declare the dependency and install it in the build (Dockerfile `RUN`, requirements), "
                "and let a missing package fail at import")
        for command in commands(repo):
            if _is_dev_process(command):
                continue  # a development file or a test/dev service
            what = install_in(" ".join(command.words))
            if what:
                label = "CMD/ENTRYPOINT" if command.name == "CMD" else f"process `{command.name}`"
                yield self.finding(
                    command.path, command.line, 1,
                    f"{label} runs `{what}` on every start: move it into the build (a Dockerfile `RUN` step "
                    "or the buildpack's install) and make the command only start the app")
        for start in start_steps(repo):
            if _is_dev_process(start.process):
                continue
            what = install_in(" ".join(start.step.words)) or _download(start.step.program)
            if what:
                yield self.finding(
                    start.script.path, start.step.line, start.step.column,
                    f"The start script {start.label} runs `{what}` on every start: move it into the build "
                    "(a Dockerfile `RUN` step) so every replica starts the same tested release")
