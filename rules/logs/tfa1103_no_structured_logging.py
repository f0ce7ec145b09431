"""TFA1103 — No structured (JSON) logging configured for a long-running process."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.logging_setup import JsonLoggingFact, LoggingFacts, LoggingSetupFact, LogsFact
from ..facts.processes import AppFact, LoopFact, ServerRunFact, commands, long_running_reason, traits
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import Project, application_reason, projects

#: Alembic's env.py configures the migration tool's logging, not the service's.
_MIGRATIONS_RE = re.compile(r"(^|/)(migrations|alembic)/")


class NoStructuredLogging(RepoRule):
    id = "TFA1103"
    name = "no-structured-logging"
    factor = 11
    severity = Severity.WARNING
    title = "No structured (JSON) logging configured for a long-running process"
    collectors = (*PROJECT_COLLECTORS, LoggingFacts)
    what = """
        An application deployed by a file of its own (Dockerfile, Procfile, compose service)
        whose Python code runs as a service or worker (a web app, a server or a service loop,
        or a declared command that starts one) and logs (standard logging, loguru, structlog),
        but configures no machine-parseable log format: no
        python-json-logger `JsonFormatter`, structlog `JSONRenderer`, loguru `serialize=True`,
        `logging.Formatter` subclass emitting `json.dumps`, ecs-logging or logfire, and no
        `--log-config` handed to the server. Judged per project, so in a monorepo one app's
        JSON formatter does not cover another app (one set up in a shared library does).
        Reported once per application, at its logging set-up (`basicConfig`/`dictConfig`;
        never Alembic's `migrations/env.py`) or its process entry. Libraries, CLI tools, images
        that run no Python service, apps run only from their source (a tutorial's demo server)
        and programs that do no logging at all are not judged.
    """
    why = """
        Log aggregators index fields, not prose. Plain-text lines must be re-parsed with
        fragile patterns before anyone can ask "which session hit this tool error?"; JSON
        events carry the level, logger, session and trace ids as fields from the start.
    """
    fix = """
        Configure one handler on stdout with a JSON formatter at start-up, e.g.
        `handler.setFormatter(pythonjsonlogger.json.JsonFormatter())`, or structlog with
        `JSONRenderer()`, or loguru `logger.add(sys.stdout, serialize=True)`.
    """
    invalid = (
        Example.repo({
            "app.py": """
                import logging

                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
                app = FastAPI()
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0"]\n',
        }, lines=(5,), columns=(1,), message="No structured (JSON) logging is configured"),
        # A service that logs through module loggers, with Alembic's env.py beside it: reported
        # at the declared process, not at the migration tool's logging set-up.
        Example.repo({
            "Procfile": "web: uvicorn app:app --host 0.0.0.0 --port $PORT\n",
            "app.py": """
                import logging

                from fastapi import FastAPI

                log = logging.getLogger(__name__)
                app = FastAPI()
            """,
            "migrations/env.py": """
                from logging.config import fileConfig

                from alembic import context

                fileConfig(context.config.config_file_name)
            """,
        }, lines=(1,), columns=(1,), message="No structured (JSON) logging is configured"),
        # Monorepo: one app's JSON formatter does not cover another app that logs plain text.
        Example.repo({
            "apps/search/requirements.txt": "fastapi==0.115.6\npython-json-logger==3.2.1\n",
            "apps/search/main.py": """
                import logging

                from fastapi import FastAPI
                from pythonjsonlogger.json import JsonFormatter

                handler = logging.StreamHandler()
                handler.setFormatter(JsonFormatter())
                logging.basicConfig(handlers=[handler])
                app = FastAPI()
            """,
            "apps/chat/requirements.txt": "fastapi==0.115.6\n",
            "apps/chat/Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["uvicorn", "main:app"]\n',
            "apps/chat/main.py": """
                import logging

                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO)
                app = FastAPI()
            """,
        }, lines=(5,), columns=(1,), message="No structured (JSON) logging is configured"),
    )
    valid = (
        Example.of("""
            import logging
            import sys

            from fastapi import FastAPI
            from pythonjsonlogger.json import JsonFormatter

            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(JsonFormatter())
            logging.basicConfig(level=logging.INFO, handlers=[handler])
            app = FastAPI()
        """, "app.py"),
        Example.of("""
            import logging

            logging.basicConfig(level=logging.INFO)


            def summarise(text: str) -> str:
                return text[:100]
        """, "summarise.py"),
        # A published library's app factory: the embedding application chooses the log format.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": """
                import logging

                from flask import Flask


                def create_app():
                    logging.basicConfig(level=logging.INFO)
                    return Flask(__name__)
            """,
        }),
        # A demo service that does no logging at all: there is no log format to change.
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["streamlit", "run", "app.py"]\n',
            "app.py": """
                import streamlit as st

                st.title("Ask the docs")
                question = st.text_input("Question")
            """,
        }),
        # A command-line tool whose image only wraps its own console script.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=68"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "pair-coder"
                version = "1.0.0"
                classifiers = ["Environment :: Console"]

                [project.scripts]
                pair-coder = "pair_coder.main:main"
            """,
            "docker/Dockerfile": """
                FROM python:3.12-slim
                COPY . /src
                RUN pip install /src
                EXPOSE 8080
                ENTRYPOINT ["pair-coder", "--serve"]
            """,
            "pair_coder/main.py": """
                import logging


                def main():
                    logging.basicConfig(level=logging.WARNING)
            """,
        }),
        # The image runs a shell entry (an SSH dev box), no Python service; Alembic's env.py
        # configures the migration tool's own logging.
        Example.repo({
            "Dockerfile": 'FROM ubuntu:24.04\nEXPOSE 22 8000\nENTRYPOINT ["/entrypoint.sh"]\n',
            "requirements.txt": "alembic==1.13.2\n",
            "core/db/migrations/env.py": """
                from logging.config import fileConfig

                from alembic import context

                if context.config.config_file_name is not None:
                    fileConfig(context.config.config_file_name)
            """,
            "main.py": "from core.cli import run\n\nif __name__ == '__main__':\n    run()\n",
        }),
        # A tutorial's demo backend, run from its source on a laptop: no deploy file ships its logs
        # anywhere a log aggregator would parse them.
        Example.repo({
            "recipe_bot/requirements.txt": "fastapi==0.115.6\nuvicorn==0.32.1\n",
            "recipe_bot/server.py": """
                import logging

                import uvicorn
                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO)
                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app, host="127.0.0.1", port=8000)
            """,
        }),
        # Two independent apps of a monorepo: one logs JSON, the other does no logging at all.
        Example.repo({
            "apps/search/requirements.txt": "fastapi==0.115.6\npython-json-logger==3.2.1\n",
            "apps/search/main.py": """
                import logging

                from fastapi import FastAPI
                from pythonjsonlogger.json import JsonFormatter

                handler = logging.StreamHandler()
                handler.setFormatter(JsonFormatter())
                logging.basicConfig(handlers=[handler])
                app = FastAPI()
            """,
            "apps/chat/requirements.txt": "fastapi==0.115.6\n",
            "apps/chat/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = long_running_reason(repo)
        if reason is None and not _python_services(repo):
            reason = application_reason(repo) or "no deployed application runs a long-running Python process"
        return reason

    def check(self, repo: Repo) -> Iterable[Finding]:
        found = projects(repo)
        facts = [f for f in repo.facts(JsonLoggingFact, LoggingSetupFact, LogsFact, AppFact, ServerRunFact, LoopFact)
                 if path_role(f.path) in ("src", "script")
                 and not (isinstance(f.data, (LoggingSetupFact, LogsFact)) and _MIGRATIONS_RE.search(f.path))]
        owned: dict[str, list] = {}
        for fact in facts:
            owned.setdefault(found.owner(fact.path).root, []).append(fact)
        # JSON set up in a shared library of the repository, or above a project, covers it.
        json_roots = {found.owner(f.path) for f in facts if isinstance(f.data, JsonLoggingFact)}
        if any(not p.is_application for p in json_roots):
            return
        for project in _python_services(repo):
            if any(p.root == "" or project.root == p.root or project.root.startswith(p.root + "/")
                   for p in json_roots):
                continue
            finding = self._check_project(repo, project, owned.get(project.root, []))
            if finding is not None:
                yield finding

    def _check_project(self, repo: Repo, project: Project, facts: list) -> Finding | None:
        found = projects(repo)
        cmds = [c for c in commands(repo) if found.owner(c.path) is project]
        if any("--log-config" in w or "--log-config-json" in w for c in cmds for w in c.words):
            return None
        if not any(isinstance(f.data, (LoggingSetupFact, LogsFact)) for f in facts):
            return None  # it does no logging at all: there is no log format to change
        message = ("No structured (JSON) logging is configured for this long-running process: add a JSON "
                   "formatter on a stdout handler (python-json-logger, structlog JSONRenderer, loguru serialize=True)")
        t = traits(repo)
        entry_files = t.entry_files | t.app_files
        setup = sorted((f for f in facts if isinstance(f.data, LoggingSetupFact)),
                       key=lambda f: (f.path not in entry_files, f.path, f.line))
        if setup:
            return self.finding(setup[0].path, setup[0].line, setup[0].column, message)
        entries = sorted(p for p in t.entry_files if found.owner(p) is project)
        if entries:
            return self.finding(entries[0], 1, 1, message)
        if cmds:
            return self.finding(cmds[0].path, cmds[0].line, 1, message)
        anchor = sorted((f for f in facts if isinstance(f.data, (AppFact, ServerRunFact, LoopFact))),
                        key=lambda f: (f.path, f.line))
        if anchor:
            return self.finding(anchor[0].path, anchor[0].line, anchor[0].column, message)
        return None


def _python_services(repo: Repo) -> list[Project]:
    """Application projects (outside tests and examples) that a deploy file of their own ships
    and whose own Python code runs long: where logs reach an aggregator."""
    return [p for p in projects(repo).items if p.runtime and p.is_application and p.deployed and p.runs_python]
