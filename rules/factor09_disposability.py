"""Factor IX — Disposability: fast start-up, graceful shutdown on SIGTERM."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import ArtifactRule, Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile

from ._processes import ProcessFacts, commands, long_running_reason, traits

_INITS = ("tini", "dumb-init", "s6-svscan", "/init", "catatonit")


class NoSigtermHandler(RepoRule):
    id = "TFA0901"
    name = "no-sigterm-handler"
    factor = 9
    severity = Severity.WARNING
    title = "Long-running process without SIGTERM handling"
    collectors = (ProcessFacts,)
    what = """
        A process that runs until it is killed — a `while True` service loop, `serve_forever()`,
        `run_forever()` or Flask's development server — started from a declared entry
        (Procfile, Dockerfile `CMD`, compose `command`) or a `__main__` block, in a repository
        that installs no SIGTERM handler anywhere. Processes run by a server that handles
        SIGTERM itself (uvicorn, gunicorn, celery, aiohttp's `run_app`, python-telegram-bot's
        `run_polling`…) are not reported.
    """
    why = """
        Platforms stop processes with SIGTERM (`docker stop`, Kubernetes, Heroku, a
        scale-down) and SIGKILL them after a grace period. Without a handler the in-flight
        job or request is cut off mid-way; worse, as PID 1 in a container Python ignores
        SIGTERM altogether, so every deploy waits out the grace period and then kills the
        process anyway. Disposable processes finish or hand back their current work and exit.
    """
    fix = """
        Install a handler that stops taking new work, finishes (or re-queues) the current
        job and exits: `signal.signal(signal.SIGTERM, handler)` or, in asyncio,
        `loop.add_signal_handler(signal.SIGTERM, stop.set)`. Or run the app under a server
        that does this for you (uvicorn, gunicorn).
    """
    invalid = (
        Example.of("""
            import time

            from agent import run_next_job


            def main():
                while True:
                    run_next_job()
                    time.sleep(1)


            if __name__ == "__main__":
                main()
        """, "worker.py", lines=(7,)),
        Example.of("""
            from agent.web import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=5000)
        """, "main.py", lines=(6,)),
        Example.of("""
            from flask import Flask
            from flask_socketio import SocketIO

            app = Flask(__name__)
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0")
        """, "devika.py", lines=(8,)),
        Example.repo({
            "Procfile": "web: python server.py\n",
            "server.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler

                HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()
            """,
        }, lines=(3,)),
    )
    valid = (
        Example.of("""
            import signal
            import time

            from agent import run_next_job

            running = True


            def stop(signum, frame):
                global running
                running = False


            def main():
                signal.signal(signal.SIGTERM, stop)
                while running:
                    run_next_job()
                    time.sleep(1)


            if __name__ == "__main__":
                main()
        """, "worker.py"),
        Example.of("""
            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=8000)
        """, "server.py"),
        Example.of("""
            def chat():
                while True:
                    question = input("> ")
                    print(answer(question))


            if __name__ == "__main__":
                chat()
        """, "cli.py"),
        Example.repo({
            "Procfile": "web: uvicorn app:app\n",
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run()
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        runtime = [f for f in repo.all_facts if path_role(f.path) in ("src", "script")]
        if any(f.kind == "sigterm-handler" for f in runtime):
            return
        declared = bool(commands(repo))
        entries = traits(repo).entry_files
        for fact in runtime:
            if fact.kind not in ("loop", "server-run") or not fact.data.get("reachable"):
                continue
            if fact.data.get("handles_sigterm"):
                continue
            if (declared and fact.path not in entries) or (not declared and path_role(fact.path) != "src"):
                continue  # not what the declared processes run
            where = {"<module>": "at module level", "<main>": "in the `__main__` block"}.get(
                fact.data["scope"], f"in `{fact.data['scope']}()`")
            if fact.kind == "loop":
                what = f"Service loop {where} runs until killed"
            else:
                what = f"`{fact.data['runner']}` {where} serves until killed"
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"{what}, and no SIGTERM handler is installed: on stop or scale-down the in-flight "
                "work is cut off (as PID 1 the process ignores SIGTERM and is SIGKILLed). Install "
                "`signal.signal(signal.SIGTERM, handler)` that finishes the current job and exits.")


class ShellFormCommand(ArtifactRule):
    id = "TFA0902"
    name = "shell-form-cmd"
    factor = 9
    severity = Severity.WARNING
    title = "Shell-form CMD/ENTRYPOINT keeps SIGTERM from the process"
    kinds = (FileKind.DOCKERFILE,)
    runtime_only = True
    what = """
        A final-stage `CMD` or `ENTRYPOINT` written in shell form (`CMD python app.py`), or in
        exec form around a shell (`["sh", "-c", "migrate && python app.py"]`), whose last
        command is not started with `exec`. Images whose exec-form `ENTRYPOINT` is an init
        (tini, dumb-init) are not reported.
    """
    why = """
        The shell form runs `/bin/sh -c "…"` as PID 1. The shell does not forward SIGTERM
        to its child, so the application never learns it should shut down and is SIGKILLed
        when the stop grace period ends (Docker's own build check `JSONArgsRecommended`).
    """
    fix = """
        Use the exec form: `CMD ["python", "-m", "agent.worker"]`. If you need shell
        features, end the script with `exec "$@"` or prefix the command with `exec`.
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD python /app/agent.py
        """, "Dockerfile", lines=(3,)),
        Example.of("""
            FROM python:3.12-slim
            ENTRYPOINT ["sh", "-c", "python migrate.py && python worker.py"]
        """, "Dockerfile", lines=(2,)),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD ["python", "/app/agent.py"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD exec uvicorn app:app --host 0.0.0.0 --port "$PORT"
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD ["sh", "-c", "python migrate.py && exec python worker.py"]
        """, "Dockerfile"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, Dockerfile)
        stage = artifact.final_stage
        if stage is None:
            return
        entry = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"][-1:]
        if entry and entry[0].exec_form and entry[0].exec_form[0].rsplit("/", 1)[-1] in _INITS:
            return
        for ins in entry + [i for i in stage.instructions if i.keyword == "CMD"][-1:]:
            args = ins.exec_form
            if args is None:
                script, form = ins.value, "Shell-form"
            elif len(args) >= 3 and args[0].rsplit("/", 1)[-1] in _SHELLS and args[1] == "-c":
                script, form = args[2], f"`{args[0]} -c`"
            else:
                continue
            if _EXEC_RE.search(script):
                continue
            yield self.finding(
                artifact.path, ins.line, 1,
                f"{form} {ins.keyword} makes a shell PID 1, and it does not pass SIGTERM on; {_advice(ins.keyword, script)}")


_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_EXEC_RE = re.compile(r"(^|&&|;|\|\|)\s*exec\s")
_SHELL_SYNTAX_RE = re.compile(r"&&|\|\||;|\||[<>`]|\$\(")


def _advice(keyword: str, script: str) -> str:
    if _SHELL_SYNTAX_RE.search(script):
        return ("start the last command with `exec` (`… && exec python worker.py`) or move the steps into an "
                'entrypoint script that ends with `exec "$@"`')
    if "$" in script:
        return f"keep the variables and prefix the command with `exec`: {keyword} exec {script.strip()}"
    try:
        return f"write it in exec form: {keyword} {json.dumps(shlex.split(script))}"
    except ValueError:
        return f"prefix the command with `exec`: {keyword} exec {script.strip()}"
