"""TFA1201 — Admin task run inside the serving process."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.admin_ops import AdminEntryFact, AdminFacts, StartupHookFact
from ._shared import admin_reason


def _module_file(qname: str, importer: str, files: list[str]) -> str | None:
    """The repo file that defines the module part of ``qname`` (``pkg.db.init_db``, ``.db.init_db``)."""
    module = qname.rpartition(".")[0]
    rest = module.lstrip(".")
    dots = len(module) - len(rest)
    rest = rest.replace(".", "/")
    if dots:
        base = posixpath.dirname(importer)
        for _ in range(dots - 1):
            base = posixpath.dirname(base)
        stem = posixpath.join(base, rest) if rest else base
        return next((c for c in (f"{stem}.py", f"{stem}/__init__.py") if c in files), None)
    if not rest:
        return None
    for path in files:
        for suffix in (f"{rest}.py", f"{rest}/__init__.py"):
            if path == suffix or path.endswith("/" + suffix):
                return path
    return None


class AdminInServingProcess(RepoRule):
    id = "TFA1201"
    name = "admin-task-in-serving-process"
    factor = 12
    severity = Severity.WARNING
    title = "Admin task run inside the serving process"
    collectors = (AdminFacts,)
    what = """
        A migration, a data-set build or other admin work run by the web process itself:
        `alembic.command.upgrade`, Django `call_command("migrate")` (also `collectstatic`,
        `createsuperuser`, `loaddata`), superuser seeding (`create_superuser`,
        `ensure_admin_user`…), an `ingest`/`reindex`/`build_index`-named call, or
        `from_documents`/`add_documents` over a corpus loaded from disk (`SimpleDirectoryReader`,
        `DirectoryLoader`, a glob) — at the top level of a module that creates a web app, or in
        a startup hook: a `lifespan` function or an `@asynccontextmanager` named for one
        (`app_lifespan`; what runs before its `yield`), a function passed as
        `FastAPI(lifespan=…)` or `on_startup=[…]`, `@app.on_event("startup")`,
        `before_first_request`, `before_serving`, Django `AppConfig.ready()`, or an app factory
        (`create_app()` building the app) — directly or through a function it calls, in its own
        file or, one call away, in another module of the repository. `Base.metadata.create_all`
        is not reported: it only creates missing tables, and running it at start is the
        documented pattern of SQLAlchemy, SQLModel and FastAPI. `__main__` blocks, tests and
        examples are not reported.
    """
    why = """
        Every replica repeats the task on every start, so scaling out or restarting races
        migrations against each other and re-embeds the corpus (slow starts, duplicate vectors,
        model bills). Admin tasks are one-off processes, run once per release against the same
        code and config.
    """
    fix = """
        Move the task into an admin command (`alembic upgrade head`, `python -m agent.ingest`)
        run once per release — a Procfile `release:` line, a Kubernetes Job, a compose one-off
        service — and have the server only open the already-built schema or index at start-up.
    """
    invalid = (
        Example.of("""
            from contextlib import asynccontextmanager

            from alembic import command
            from alembic.config import Config
            from fastapi import FastAPI
            from llama_index.core import SimpleDirectoryReader, VectorStoreIndex


            @asynccontextmanager
            async def serve_lifetime(app):
                command.upgrade(Config("alembic.ini"), "head")
                docs = SimpleDirectoryReader("docs").load_data()
                app.state.index = VectorStoreIndex.from_documents(docs)
                yield


            app = FastAPI(lifespan=serve_lifetime)
        """, "agent/app.py", lines=(11, 13), columns=(5, 23), message="runs inside the serving process"),
        # A lifespan defined apart from its app, and a migration one call away in another module.
        Example.repo({
            "api/lifespan.py": """
                from contextlib import asynccontextmanager

                from api.db import upgrade_schema


                @asynccontextmanager
                async def app_lifespan(app):
                    upgrade_schema()
                    yield
            """,
            "api/db.py": """
                from alembic import command
                from alembic.config import Config


                def upgrade_schema():
                    command.upgrade(Config("alembic.ini"), "head")
            """,
            "api/server.py": """
                from fastapi import FastAPI

                from api.lifespan import app_lifespan

                app = FastAPI(lifespan=app_lifespan)
            """,
        }, lines=(6,), columns=(5,), message="in the startup hook `app_lifespan` of api/lifespan.py"),
        # Followed one call away into the repository's own module.
        Example.repo({
            "app/main.py": """
                from fastapi import FastAPI

                from app.database import prepare_database

                app = FastAPI()


                @app.on_event("startup")
                def on_startup():
                    prepare_database()
            """,
            "app/database.py": """
                from alembic import command
                from alembic.config import Config


                def prepare_database():
                    command.upgrade(Config("alembic.ini"), "head")
            """,
        }, lines=(6,), columns=(5,), message="in the startup hook `on_startup` of app/main.py"),
        Example.of("""
            from alembic import command
            from alembic.config import Config
            from flask import Flask

            app = Flask(__name__)
            command.upgrade(Config("alembic.ini"), "head")
        """, "service.py", lines=(6,), columns=(1,), message="runs inside the serving process"),
        # Django runs `ready()` in every process that loads the app registry: each web worker.
        Example.of("""
            import os

            from django.apps import AppConfig
            from django.contrib.auth import get_user_model
            from django.core.management import call_command


            class DeskConfig(AppConfig):
                name = "desk"

                def ready(self):
                    call_command("migrate", interactive=False)
                    call_command("collectstatic", "--noinput")
                    users = get_user_model().objects
                    if not users.filter(username="admin").exists():
                        users.create_superuser("admin", "admin@example.org", os.environ["ADMIN_PASSWORD"])
        """, "desk/apps.py", lines=(12, 13, 16), columns=(9, 9, 13), message="(in the startup hook `ready`)"),
        # A Flask app factory is what gunicorn calls in each worker at start.
        Example.of("""
            from flask import Flask
            from flask_migrate import Migrate, upgrade

            from shop.models import db


            def create_app():
                app = Flask(__name__)
                db.init_app(app)
                Migrate(app, db)
                with app.app_context():
                    upgrade()
                return app
        """, "shop/__init__.py", lines=(12,), columns=(9,), message="in the startup hook `create_app`"),
    )
    valid = (
        Example.repo({
            "agent/app.py": """
                from contextlib import asynccontextmanager

                from fastapi import FastAPI
                from llama_index.core import StorageContext, load_index_from_storage


                @asynccontextmanager
                async def lifespan(app):
                    storage = StorageContext.from_defaults(persist_dir="storage")
                    app.state.index = load_index_from_storage(storage)
                    yield


                app = FastAPI(lifespan=lifespan)
            """,
            "agent/ingest.py": """
                from llama_index.core import SimpleDirectoryReader, VectorStoreIndex


                def main():
                    docs = SimpleDirectoryReader("docs").load_data()
                    VectorStoreIndex.from_documents(docs).storage_context.persist("storage")


                if __name__ == "__main__":
                    main()
            """,
        }),
        Example.of("""
            from fastapi import FastAPI

            from agent.db import Base, engine

            app = FastAPI()


            @app.post("/notes")
            def add_note(text: str, store=None):
                store.add_texts([text])
                return {"ok": True}


            if __name__ == "__main__":
                Base.metadata.create_all(engine)
        """, "agent/app.py"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            Base.metadata.create_all(engine)
        """, "tests/test_app.py"),
        Example.of("""
            import random

            from fastapi import FastAPI

            app = FastAPI()
            random.seed(7)


            @app.on_event("startup")
            def warm():
                seed_everything(7)
        """, "agent/app.py"),
            # The SQLModel tutorial's start-up: create the tables that are missing, change none.
        Example.repo({
            "app/main.py": """
                from fastapi import FastAPI

                from app.database import create_db_and_tables

                app = FastAPI()


                @app.on_event("startup")
                def on_startup():
                    create_db_and_tables()
            """,
            "app/database.py": """
                from sqlmodel import SQLModel, create_engine

                engine = create_engine(DATABASE_URL)


                def create_db_and_tables():
                    SQLModel.metadata.create_all(engine)
            """,
        }),
        # After its `yield` a lifespan runs at shutdown; a management command is a one-off process;
        # a `ready()` that only connects signals and an app factory that only registers blueprints.
        Example.repo({
            "desk/app.py": """
                from contextlib import asynccontextmanager

                from fastapi import FastAPI

                from desk.usage import backfill_usage_totals, open_pool


                @asynccontextmanager
                async def lifespan(app):
                    app.state.pool = await open_pool()
                    yield
                    await backfill_usage_totals(app.state.pool)


                app = FastAPI(lifespan=lifespan)
            """,
            "desk/apps.py": """
                from django.apps import AppConfig


                class DeskConfig(AppConfig):
                    name = "desk"

                    def ready(self):
                        from desk import signals  # noqa: F401
            """,
            "desk/management/commands/bootstrap.py": """
                from django.core.management import call_command
                from django.core.management.base import BaseCommand


                class Command(BaseCommand):
                    def handle(self, *args, **options):
                        call_command("migrate", interactive=False)
                        call_command("createsuperuser", "--noinput")
            """,
            "desk/web.py": """
                from flask import Flask

                from desk.views import pages


                def create_app():
                    app = Flask(__name__)
                    app.register_blueprint(pages)
                    return app
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        entries = {(f.path, f.data.function): f.data.ops for f in repo.facts(AdminEntryFact)
                   if path_role(f.path) in ("src", "script")}
        files = repo.files_of(FileKind.PYTHON)
        reported: set[tuple[str, int]] = set()
        for hook in sorted(repo.facts(StartupHookFact), key=lambda f: (f.path, f.data.function)):
            if path_role(hook.path) not in ("src", "script"):
                continue
            reached = [(hook.path, op) for op in entries.get((hook.path, hook.data.function), ())]
            for callee, qnames in hook.data.calls:
                for qname in qnames:
                    target = _module_file(qname, hook.path, files)
                    if target and target != hook.path:
                        reached += [(target, op) for op in entries.get((target, callee), ())]
            where = ("at import of the web app module" if hook.data.function == "<module>"
                     else f"in the startup hook `{hook.data.function}`")
            for path, op in reached:
                if op.get("creates_tables") or (path, op["line"]) in reported:
                    continue
                reported.add((path, op["line"]))
                origin = "" if path == hook.path else f" of {hook.path}"
                yield self.finding(path, op["line"], op["column"],
                                   f"`{op['op']}` runs inside the serving process ({where}{origin}): every replica "
                                   "repeats it on every start. Run it once per release as a one-off admin process "
                                   "(Procfile `release:`, a Job) and only open the result at start-up")
