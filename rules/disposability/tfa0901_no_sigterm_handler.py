"""TFA0901 — Long-running process without SIGTERM handling."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.processes import LoopFact, ServerRunFact, SigtermHandlerFact, commands, long_running_reason, traits
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import application_reason, projects


class NoSigtermHandler(RepoRule):
    id = "TFA0901"
    name = "no-sigterm-handler"
    factor = 9
    severity = Severity.WARNING
    title = "Long-running process without SIGTERM handling"
    collectors = PROJECT_COLLECTORS
    what = """
        A process that runs until it is killed — a `while True` service loop, `serve_forever()`,
        `run_forever()` or Flask's development server — started from a declared entry
        (Procfile, Dockerfile `CMD`, compose `command`) or a `__main__` block, in a repository
        that installs no SIGTERM handler anywhere. Processes run by a server that handles
        SIGTERM itself (uvicorn, gunicorn, celery, aiohttp's `run_app`, python-telegram-bot's
        `run_polling`…) are not reported, nor is code of a published library or CLI that
        deploys no service of its own (a demo entry, a local viewer a subcommand serves until
        Ctrl-C): only application projects are judged.
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
        """, "worker.py", lines=(7,), columns=(5,), message="no SIGTERM handler is installed"),
        Example.of("""
            from agent.web import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=5000)
        """, "main.py", lines=(6,), columns=(5,), message="no SIGTERM handler is installed"),
        Example.of("""
            from flask import Flask
            from flask_socketio import SocketIO

            app = Flask(__name__)
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0")
        """, "devika.py", lines=(8,), columns=(5,), message="no SIGTERM handler is installed"),
        Example.repo({
            "Procfile": "web: python server.py\n",
            "server.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler

                HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()
            """,
        }, lines=(3,), columns=(1,), message="no SIGTERM handler is installed"),
        # Published as a package, and deployed: the image runs the package's server module.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "trace-hub"
                version = "2.0.0"
                classifiers = ["Framework :: AsyncIO"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\nCMD ["python", "-m", "trace_hub.server"]\n',
            "trace_hub/server.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler


                def main():
                    HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()


                if __name__ == "__main__":
                    main()
            """,
        }, lines=(5,), columns=(5,), message="no SIGTERM handler is installed"),
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
        # A published CLI's local viewer, served from one of its subcommands until Ctrl-C.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "trace-runner"
                version = "1.2.0"
                classifiers = ["Environment :: Console"]

                [project.scripts]
                trace-runner = "trace_runner.cli:main"
            """,
            "trace_runner/viewer.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler


                def main():
                    HTTPServer(("127.0.0.1", 8000), SimpleHTTPRequestHandler).serve_forever()


                if __name__ == "__main__":
                    main()
            """,
        }),
        # A published library's demo entry, run on a laptop or a hosted notebook.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
            "main.py": """
                import flowboard

                app = flowboard.create_app()

                if __name__ == "__main__":
                    app.run(host="0.0.0.0", port=8080)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo) or application_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(path_role(f.path) in ("src", "script") for f in repo.facts(SigtermHandlerFact)):
            return
        declared = bool(commands(repo))
        entries = traits(repo).entry_files
        found = projects(repo)
        for fact in repo.facts(LoopFact, ServerRunFact):
            if path_role(fact.path) not in ("src", "script") or not fact.data.reachable:
                continue
            if not found.is_application(fact.path):
                continue  # a library's demo or a CLI's local viewer: not a deployed process
            if isinstance(fact.data, ServerRunFact) and fact.data.handles_sigterm:
                continue
            if (declared and fact.path not in entries) or (not declared and path_role(fact.path) != "src"):
                continue  # not what the declared processes run
            where = {"<module>": "at module level", "<main>": "in the `__main__` block"}.get(
                fact.data.scope, f"in `{fact.data.scope}()`")
            if isinstance(fact.data, ServerRunFact):
                what = f"`{fact.data.runner}` {where} serves until killed"
            else:
                what = f"Service loop {where} runs until killed"
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"{what}, and no SIGTERM handler is installed: on stop or scale-down the in-flight "
                "work is cut off (as PID 1 the process ignores SIGTERM and is SIGKILLed). Install "
                "`signal.signal(signal.SIGTERM, handler)` that finishes the current job and exits.")
