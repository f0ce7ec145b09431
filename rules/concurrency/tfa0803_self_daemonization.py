"""TFA0803 — Process daemonizes itself or writes a PID file."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.commandline import Segment, segments
from ..facts.daemons import DaemonFacts, DaemonizeFact, PidFileFact
from ..facts.processes import ProcessFacts, commands
from ..facts.start_scripts import StartStep, runs_until_stopped, start_steps
from ._shared import _applies


class SelfDaemonization(RepoRule):
    id = "TFA0803"
    name = "self-daemonization"
    factor = 8
    severity = Severity.WARNING
    title = "Process daemonizes itself or writes a PID file"
    collectors = (DaemonFacts, ProcessFacts)
    what = """
        Code that detaches from its parent — `os.fork()` and `os.setsid()` in one function,
        python-daemon's `DaemonContext`, `daemonize.Daemonize`, gunicorn `daemon = True` — or
        writes a `*.pid` file; and declared commands (Procfile, Dockerfile `CMD`/`ENTRYPOINT`,
        compose `command`) that run a process with `nohup`, in the background with `&`, or
        `gunicorn --daemon`/`-D`, `celery multi`. `threading.Thread(daemon=True)` is not
        daemonization and is not reported; neither are tests and examples.
    """
    why = """
        Twelve-factor processes never daemonize or write PID files: the platform's process
        manager (systemd, Docker, Kubernetes, the Procfile runner) starts them in the
        foreground, watches them, restarts them and collects their output. A detached process
        escapes all of that — the container's main process exits (or is a shell that is not
        waiting), crashes go unnoticed, SIGTERM never reaches it and its logs are lost; a stale
        PID file blocks the next start.
    """
    fix = """
        Run the process in the foreground and let the platform supervise it: drop `nohup`,
        `&`, `--daemon` and the fork/`DaemonContext` code, and run one process per container
        (`CMD ["gunicorn", "agent.app:app"]`); start a second process as its own process type.
    """
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    unpinned_columns = {
        2: "its findings sit in two files (Procfile, agent/service.py): lines and columns cannot say which",
    }
    invalid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/start.sh"]\n',
            "start.sh": """
                #!/bin/bash
                redis-server --daemonize yes
                qdrant --config-path /app/qdrant.yaml &
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }, lines=(2, 3), columns=(1, 1), message="a second service inside the container"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                WORKDIR /app
                COPY . .
                CMD nohup python agent.py &
            """,
            "agent.py": "while True:\n    step()\n",
        }, lines=(4,), columns=(1,), message="under `nohup`"),
        Example.repo({
            "Procfile": "web: gunicorn -D -b 0.0.0.0:$PORT agent.app:app\n",
            "agent/service.py": """
                import os
                import sys

                PID_FILE = "/var/run/agent.pid"


                def detach():
                    if os.fork():
                        sys.exit(0)
                    os.setsid()
                    with open(PID_FILE, "w") as fh:
                        fh.write(str(os.getpid()))
            """,
        }, lines=(1, 10, 11), message="in the foreground"),
        Example.repo({
            "docker-compose.yml": """
                services:
                  agent:
                    build: .
                    command: ["sh", "-c", "ollama serve & python -m agent.worker"]
            """,
            "agent/worker.py": "while True:\n    step()\n",
        }, lines=(4,), columns=(5,), message="in the background with `&`"),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/start.sh"]\n',
            "start.sh": """
                #!/bin/bash
                apt-get update > /dev/null 2>&1 &
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/start.sh"]\n',
            "start.sh": """
                #!/bin/bash
                trap 'kill -TERM "$pid"' TERM
                python -m agent.worker &
                pid=$!
                wait "$pid"
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["sh", "-c", "python migrate.py && exec python -m agent.worker 2>&1"]
            """,
            "agent/worker.py": """
                import threading

                threading.Thread(target=heartbeat, daemon=True).start()
                while True:
                    step()
            """,
        }),
        Example.repo({
            "Procfile": "web: gunicorn -b 0.0.0.0:$PORT agent.app:app\n",
            "agent/app.py": """
                import os
                import subprocess

                from flask import Flask

                app = Flask(__name__)


                def run_tool(argv):
                    return subprocess.run(argv, preexec_fn=os.setsid, check=False)


                def pid_of(path):
                    with open(path.with_suffix(".pid")) as fh:
                        return int(fh.read())
            """,
        }),
        Example.repo({
            "docker-compose.yml": """
                services:
                  refresher:
                    image: agent:1.0
                    entrypoint: "sh -c 'trap exit TERM; while true; do python -m agent.refresh; sleep 1h & wait $$!; done'"
            """,
            "agent/refresh.py": "refresh_index()\n",
        }),
        Example.repo({
            "docker-compose.yml": """
                services:
                  models:
                    image: ollama/ollama:0.5.7
                    entrypoint: ["/bin/sh", "-c"]
                    command:
                      - |
                        ollama serve &
                        sleep 5
                        ollama pull small-model
                        wait
                  agent:
                    build: .
                    command: ["python", "-m", "agent.worker"]
            """,
            "agent/worker.py": "while True:\n    step()\n",
        }),
        Example.repo({
            "Procfile": "web: uvicorn agent.app:app --host 0.0.0.0 --port $PORT\n",
            "tests/test_daemon.py": """
                import daemon

                with daemon.DaemonContext():
                    pass
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for fact in repo.facts(DaemonizeFact, PidFileFact):
            if path_role(fact.path) in ("src", "script"):
                yield self.finding(fact.path, fact.line, fact.column,
                                   f"{fact.data.how[0].upper()}{fact.data.how[1:]}: a twelve-factor process "
                                   "runs in the foreground and leaves supervision to the platform (Docker, "
                                   "Kubernetes, the Procfile runner): remove it")
        for cmd in commands(repo):
            detached = _detaches(segments(cmd.words))
            if detached:
                where = repo.artifact(cmd.path)
                yield self.finding(cmd.path, cmd.line, where.column_of(cmd.line) if where is not None else 1,
                                   f"{cmd.name} {detached[1]}: the platform can no longer supervise, signal or restart "
                                   "it. Run one process per process type, in the foreground")
        by_script: dict[str, list[StartStep]] = {}
        for start in start_steps(repo):
            by_script.setdefault(start.script.path, []).append(start)
        for steps in by_script.values():
            rest = steps
            while detached := _detaches([s.segment for s in rest]):
                start = rest[detached[0]]
                rest = rest[detached[0] + 1:]
                if start.step.background and not runs_until_stopped(repo, start.step.program):
                    continue  # `apt-get update &`: a one-off job sent to the background, not a service
                yield self.finding(start.script.path, start.step.line, start.step.column,
                                   f"The start script {start.label} {detached[1]}: a second service inside the "
                                   "container that nothing supervises, signals or restarts. Run each service as "
                                   "its own process type or container, in the foreground")


def _detaches(parts: list[Segment]) -> tuple[int, str] | None:
    """Which simple command of a command line or script detaches a process from its
    supervisor, and how, if one does."""
    for index, segment in enumerate(parts):
        program = segment.program
        name = program[0].rsplit("/", 1)[-1] if program else ""
        if any(w == "nohup" for w in segment.words[: len(segment.words) - len(program)]):
            return index, f"runs `{name}` under `nohup`"
        # `sleep 1h & wait $!`, or `server & …; wait`: the shell still waits for it (and can trap TERM),
        # so the job stays under the container's supervision, even if the shell does not pass SIGTERM on.
        waited = (index + 1 < len(parts) and parts[index + 1].program[:1] == ("wait",)) or any(
            later.program[:1] == ("wait",) for later in parts[index + 1:])
        if segment.background and not waited:
            return index, f"runs `{name}` in the background with `&`"
        if name == "gunicorn" and any(w in ("-D", "--daemon") for w in program):
            return index, "runs gunicorn with `--daemon`"
        if name == "celery" and len(program) > 1 and "multi" in program[1:3]:
            return index, "runs `celery multi`, which daemonizes its workers"
        if name == "redis-server" and any(w == "--daemonize" and n == "yes" for w, n in zip(program, program[1:])):
            return index, "runs `redis-server --daemonize yes`"
        if name == "service" and program[2:3] in (("start",), ("restart",)):
            return index, f"starts the system service `{program[1]}`"
    return None
