"""TFA0801 — No declared process types."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.pyproject import Pyproject

from ..facts.processes import AppFact, LoopFact, ServerRunFact, commands
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import application_reason, projects
from ._shared import _applies


def _declares_scripts(repo: Repo) -> bool:
    """Entry points packaged with the project: ``[project.scripts]``, Poetry scripts, console_scripts."""
    for art in repo.artifacts(FileKind.PYPROJECT):
        if isinstance(art, Pyproject):
            project = art.data.get("project")
            tool = art.data.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            if (isinstance(project, dict) and (project.get("scripts") or project.get("gui-scripts"))) or (
                    isinstance(poetry, dict) and poetry.get("scripts")):
                return True
    setup = [a for a in repo.artifacts(FileKind.SETUP_CFG)] + [
        a for a in repo.artifacts(FileKind.PYTHON) if a.name == "setup.py"]
    return any("console_scripts" in a.text for a in setup)


class NoDeclaredProcessTypes(RepoRule):
    id = "TFA0801"
    name = "no-declared-process-types"
    factor = 8
    severity = Severity.NOTE
    title = "No declared process types"
    collectors = PROJECT_COLLECTORS
    what = """
        The repository has a long-running entry — a web app object, or a module that starts a
        server or a service loop when run — but declares no process anywhere: no Procfile, no
        Dockerfile `CMD`/`ENTRYPOINT`, no compose `command`, no `[project.scripts]` (or Poetry
        scripts, `console_scripts`). Apps in tests, scripts and examples do not count, nor do
        those of a published library (an app factory its users embed and run themselves).
    """
    why = """
        The process model scales by process *type*: `web` runs 3 copies, `worker` 10. A
        repository that only says "run `python bot.py` in tmux" in its README leaves each
        operator to guess what to start, how, and how many — nothing a process manager can scale.
    """
    fix = """
        Declare each process type once, where the platform reads it: a Procfile
        (`web: uvicorn agent.app:app --host 0.0.0.0 --port $PORT`, `worker: python -m agent.worker`),
        the Dockerfile's `CMD`, compose `command`s, or `[project.scripts]` entry points.
    """
    invalid = (
        Example.repo({
            "bot.py": """
                import time

                from agent import handle_next_message


                def main():
                    while True:
                        handle_next_message()
                        time.sleep(1)


                if __name__ == "__main__":
                    main()
            """,
            "README.md": "Run `python bot.py` in tmux.\n",
        }, lines=(7,), columns=(5,), message="runs a service loop, but no process type is declared"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/health")
            def health() -> dict:
                return {"ok": True}
        """, "agent/api.py", lines=(3,), columns=(7,),
            message="defines a `fastapi` app, but no process type is declared"),
    )
    valid = (
        Example.repo({
            "Procfile": "web: uvicorn agent.api:app --host 0.0.0.0 --port $PORT\nworker: python -m agent.worker\n",
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "1.0"\n\n[project.scripts]\nagent-serve = "agent.api:main"\n',
            "agent/api.py": """
                import os

                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()


                def main():
                    uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))
            """,
        }),
        Example.repo({
            "summarise.py": """
                import sys

                from agent import summarise

                if __name__ == "__main__":
                    print(summarise(sys.stdin.read()))
            """,
            "examples/demo_app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        # A published library's app factory: the embedding application declares the processes.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": """
                from flask import Flask


                def create_app(prefix="/"):
                    app = Flask(__name__)
                    app.config["PREFIX"] = prefix
                    return app
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo) or application_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if commands(repo) or _declares_scripts(repo):
            return
        found = projects(repo)
        entries = sorted((f for f in repo.facts(AppFact, ServerRunFact, LoopFact) if path_role(f.path) == "src" and (
            isinstance(f.data, AppFact) or f.data.reachable)
            and found.is_application(f.path)),  # a library's app factory is the embedding app's to run
            key=lambda f: (not isinstance(f.data, AppFact), f.path, f.line))
        if not entries:
            return
        first = entries[0]
        what = (f"defines a `{first.data.framework}` app" if isinstance(first.data, AppFact)
                else "starts a server" if isinstance(first.data, ServerRunFact) else "runs a service loop")
        others = len({f.path for f in entries}) - 1
        more = f" (and {others} more file{'s' if others > 1 else ''})" if others else ""
        yield self.finding(first.path, first.line, first.column,
                           f"{first.path} {what}{more}, but no process type is declared: add a Procfile "
                           "(`web: …`, `worker: …`), a Dockerfile CMD or `[project.scripts]` so the platform "
                           "knows what to run and can scale each type")
