"""TFA1204 — Admin task chained into a process's start command."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

from ..facts.admin_ops import AdminFacts
from ._shared import admin_reason, chained_admin


class AdminChainedInStartCommand(RepoRule):
    id = "TFA1204"
    name = "admin-task-chained-in-start-command"
    factor = 12
    severity = Severity.NOTE
    title = "Admin task chained into a process's start command"
    collectors = (AdminFacts,)
    what = """
        A Procfile line (other than `release:`), the image's `CMD`/`ENTRYPOINT` or a compose
        `command` that runs a migration or ingestion (`alembic upgrade head`,
        `python manage.py migrate`, `flask db upgrade`, `python ingest.py`,
        `python -m agent.reindex`) and then starts the process (`&& uvicorn …`).
    """
    why = """
        Every instance repeats the task each time it starts: scaled out, the migrations race;
        restarted, the corpus is rebuilt; and a failed migration turns into a crash loop of the
        service. The task belongs to the release, run once, not to each process.
    """
    fix = """
        Run the task once per release as its own one-off process — a Procfile `release:` line,
        a Kubernetes Job or init container, a compose service that runs to completion — and
        start the process with the server command alone.
    """
    invalid = (
        Example.repo({
            "Procfile": "web: alembic upgrade head && uvicorn agent.app:app --host 0.0.0.0 --port $PORT\n",
            "alembic/env.py": "from alembic import context\n",
        }, lines=(1,), columns=(1,), message="`alembic upgrade head` is chained into the start"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . .
                CMD ["sh", "-c", "python ingest.py && uvicorn agent.app:app --host 0.0.0.0"]
            """,
            "ingest.py": "print('indexing')\n",
        }, lines=(3,), columns=(1,), message="`python ingest.py` is chained into the start"),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["bash", "deploy/start.sh"]\n',
            "deploy/start.sh": """
                #!/bin/bash
                set -e
                if [ "$SKIP_MIGRATIONS" != "1" ]; then
                  alembic upgrade head
                fi
                exec gunicorn agent.app:app -k uvicorn.workers.UvicornWorker
            """,
        }, lines=(4,), columns=(3,), message="`alembic upgrade head` is chained into the start of the `CMD` process"),
        Example.repo({
            "render.yaml": """
                services:
                  - type: web
                    name: api
                    runtime: python
                    startCommand: alembic upgrade head && gunicorn -k uvicorn.workers.UvicornWorker agent.app:app
            """,
            "alembic/env.py": "from alembic import context\n",
        }, lines=(5,), columns=(1,), message="chained into the start of the `api` process"),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . .\nCMD ["./migrate.sh"]\n',
            "migrate.sh": "#!/bin/sh\nset -e\nalembic upgrade head\npython -m agent.seed_demo_data\n",
        }),
        Example.repo({
            "Procfile": ("release: alembic upgrade head\n"
                         "web: uvicorn agent.app:app --host 0.0.0.0 --port $PORT\n"),
            "alembic/env.py": "from alembic import context\n",
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . .
                CMD ["sh", "-c", "python -m agent.check_env && exec uvicorn agent.app:app --host 0.0.0.0"]
            """,
            "agent/ingest.py": "print('indexing')\n",
        }),
        Example.repo({  # a pre-deploy command is the release phase: run once per deploy
            "render.yaml": """
                services:
                  - type: web
                    name: api
                    preDeployCommand: alembic upgrade head && python -m agent.seed_roles
                    startCommand: gunicorn -k uvicorn.workers.UvicornWorker agent.app:app
            """,
            "alembic/env.py": "from alembic import context\n",
        }),
        Example.repo({
            "examples/demo/Procfile": "web: alembic upgrade head && uvicorn app:app\n",
            "migrations/env.py": "from alembic import context\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path, line, column, name, admin in chained_admin(repo):
            yield self.finding(path, line, column,
                               f"`{admin}` is chained into the start of the `{name}` process: every instance "
                               "repeats it on each start. Run it once per release as a one-off process "
                               "(Procfile `release:`, a Job) and start the process with the server alone")
