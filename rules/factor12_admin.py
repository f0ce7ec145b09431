"""Factor XII — Admin processes: migrations, ingestion and other one-off tasks run as one-off
processes, in the app's environment, against its release — not inside the serving process.

Hook and route shapes are data, checked against FastAPI 0.115, Starlette 0.41, Flask 3,
Quart 0.19, Sanic 24 and aiohttp 3.9.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable

import libcst as cst

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, PythonRule, RepoRule

from .facts.commandline import is_admin_command, unwrap_command
from .facts.cst_nodes import callee_name, string_value
from .facts.processes import APP_CONSTRUCTORS, commands, is_main_guard

#: Calls that change a schema or a data set (qualified names).
_ADMIN_CALLS = {
    "alembic.command.upgrade": "alembic upgrade", "alembic.command.downgrade": "alembic downgrade",
    "alembic.command.stamp": "alembic stamp", "flask_migrate.upgrade": "flask_migrate.upgrade",
    "django.core.management.call_command": "call_command",
}
#: Methods that build an index from documents: admin work only over a loaded corpus.
_INGEST_METHODS = {"from_documents", "from_texts", "add_documents", "add_texts"}
#: Calls that name what they do.
_ADMIN_NAME_RE = re.compile(
    r"^(ingest\w*|run_migrations?|migrate(_\w+)?|upgrade_db|reindex\w*|rebuild_index\w*|build_(vector_)?index|"
    r"index_documents|embed_documents|backfill\w*|seed_(db|database|data)\w*|refresh_ref_docs)$")
#: Calls that load a corpus from disk: a directory walk or a document loader/reader.
_DIR_CALLS = {"os.listdir", "os.walk", "os.scandir", "glob.glob", "glob.iglob"}
_DIR_METHODS = {"glob", "rglob", "iterdir"}
#: Destructive calls that make a reset/ingest endpoint an admin operation.
_DESTRUCTIVE_METHODS = {"drop_all", "create_all", "delete_collection", "reset", "flushdb", "flushall",
                        "drop_collection", "drop_database", "truncate", "delete_index", "recreate_collection"}
_STARTUP_DECORATORS = {"before_first_request", "before_serving", "before_server_start", "main_process_start",
                       "on_startup", "startup"}
_ROUTE_METHODS = {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket"}
_WEB_MODULES = ("fastapi", "flask", "starlette", "quart", "sanic", "litestar", "aiohttp")
_ADMIN_ROUTE_RE = re.compile(r"(?i)/(admin|migrate|migrations?|reindex|reset|flush|purge|ingest|rebuild|seed)\b")
#: /reset and /ingest are user features too (a chat reset, an upload): they count with an admin call only.
_STRONG_ROUTE_RE = re.compile(r"(?i)/(admin|migrate|migrations?|reindex|flush|purge|rebuild|seed)\b")
_AUTH_RE = re.compile(r"(?i)(auth|login|current_user|get_user|requires?_|permission|api_?key|x-api-key|bearer|jwt|"
                      r"oauth|verify|principal|is_admin|admin_user|credential|security|token)")
_ADMIN_MODULE_RE = re.compile(r"(?i)^(migrat\w*|ingest\w*|index_\w+|indexer|indexing|embed|embed_\w+|seed\w*|"
                              r"backfill\w*|reindex\w*|cleanup\w*|purge\w*|load_docs\w*|build_\w+)$")
_SCRIPT_MODULE_RE = re.compile(r"(?i)^(migrat|ingest|seed|backfill|reindex)")
_SYSTEM_PYTHON_RE = re.compile(r"^#!\s*(/usr/bin/|/usr/local/bin/|/bin/|/opt/homebrew/bin/|/home/|/Users/)\S*python")




class _Scope:
    """What one function (or the module's top level) does that matters for admin work."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ops: list[tuple[cst.CSTNode, str]] = []  # admin operations, found directly
        self.ingests: list[tuple[cst.CSTNode, str]] = []  # index builds; admin only over a loaded corpus
        self.loads_corpus = False
        self.destructive = False
        self.calls: dict[str, set[str]] = {}  # callee short name -> qualified names


class AdminFacts(FactCollector):
    """Admin operations and what reaches them, startup hooks, and admin-looking routes.

    Facts: ``admin-op`` (every admin operation), ``admin-entry`` (a function or ``<module>``
    and the admin operations it reaches inside its file), ``startup-hook`` (a hook and the
    calls it makes), ``admin-route`` (a route to an admin-looking path, with ``authed``) and
    ``auth-guard`` (app-wide authentication).
    """

    name = "admin"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._module = _Scope("<module>")
        self._stack: list[_Scope] = [self._module]
        self._functions: dict[str, tuple[cst.FunctionDef, _Scope]] = {}
        self._classes = 0
        self._main_depth = 0
        self._hooks: set[str] = set()
        self._has_app = False
        self._web = False
        self._routes: list[tuple[cst.FunctionDef, str]] = []

    @property
    def _scope(self) -> _Scope | None:
        """The scope admin work is attributed to; None in class bodies and ``__main__`` blocks."""
        if self._main_depth and self._stack[-1] is self._module:
            return None
        if self._classes and self._stack[-1] is self._module:
            return None
        return self._stack[-1]

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if self.source_of(alias.name).split(".")[0] in _WEB_MODULES:
                self._web = True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None and self.source_of(node.module).split(".")[0] in _WEB_MODULES:
            self._web = True

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes -= 1

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node):
            self._main_depth += 1

    def leave_If(self, original_node: cst.If) -> None:
        if is_main_guard(original_node):
            self._main_depth -= 1

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = _Scope(node.name.value)
        self._stack.append(scope)
        self._functions.setdefault(node.name.value, (node, scope))
        if node.name.value == "lifespan":
            self._hooks.add(node.name.value)
        for decorator in node.decorators:
            expr = decorator.decorator
            func = expr.func if isinstance(expr, cst.Call) else expr
            attr = callee_name(func)
            args = expr.args if isinstance(expr, cst.Call) else ()
            if attr in _STARTUP_DECORATORS or (
                    attr == "on_event" and args and string_value(args[0].value) == "startup"):
                self._hooks.add(node.name.value)
            if attr in ("middleware", "before_request") and _AUTH_RE.search(self.source_of(node)):
                self.record("auth-guard", node, how=f"{attr} {node.name.value}")
            path = string_value(args[0].value) if args and args[0].keyword is None else None
            if path and path.startswith("/") and (attr in _ROUTE_METHODS or any(
                    q.startswith("litestar.") for q in self.qualified_names(func))):
                self._routes.append((node, path))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        # `Base.metadata.create_all(engine)` and `conn.run_sync(Base.metadata.create_all)`
        scope = self._scope
        if scope is not None and node.attr.value == "create_all" and isinstance(node.value, cst.Attribute) and (
                node.value.attr.value == "metadata"):
            scope.ops.append((node, self.source_of(node)))

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if names & APP_CONSTRUCTORS.keys():
            self._has_app = True
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in ("lifespan", "on_startup"):
                    self._hooks.update(_names_in(arg.value))
        callee = callee_name(node.func)
        if callee == "add_middleware" and node.args and _AUTH_RE.search(self.source_of(node.args[0].value)):
            self.record("auth-guard", node, how="middleware")
        for arg in node.args:
            if (arg.keyword is not None and arg.keyword.value == "dependencies"
                    and _AUTH_RE.search(self.source_of(arg.value))):
                self.record("auth-guard", node, how="dependencies")  # app-, router- or include-wide auth
        if callee == "add_event_handler" and node.args and string_value(node.args[0].value) == "startup":
            self._hooks.update(_names_in(node.args[-1].value))
        if callee == "append" and isinstance(node.func, cst.Attribute) and isinstance(
                node.func.value, cst.Attribute) and node.func.value.attr.value == "on_startup":
            self._hooks.update(_names_in(node.args[0].value) if node.args else set())
        scope = self._scope
        if scope is None or callee is None:
            return
        scope.calls.setdefault(callee, set()).update(names)
        admin = next((_ADMIN_CALLS[n] for n in sorted(names) if n in _ADMIN_CALLS), None)
        if admin == "call_command" and not (node.args and string_value(node.args[0].value) in ("migrate", "loaddata")):
            admin = None
        if admin is None and _ADMIN_NAME_RE.match(callee) and not names & {"random.seed", "numpy.random.seed"}:
            admin = f"{callee}()"
        if admin is None and self._runs_alembic(node, names):
            admin = "alembic upgrade"
        if admin:
            scope.ops.append((node, admin))
        if callee in _INGEST_METHODS and isinstance(node.func, cst.Attribute):
            scope.ingests.append((node, f"{self.source_of(node.func)}()"))
        if names & _DIR_CALLS or callee in _DIR_METHODS or re.search(r"[a-z](Loader|Reader)$", callee):
            scope.loads_corpus = True
        if callee in _DESTRUCTIVE_METHODS:
            scope.destructive = True

    @staticmethod
    def _runs_alembic(node: cst.Call, names: set[str]) -> bool:
        if not any(n.startswith("subprocess.") or n == "os.system" for n in names) or not node.args:
            return False
        words = re.findall(r"[\w-]+", AdminFacts.source_of(node.args[0].value))
        return "alembic" in words and "upgrade" in words

    def leave_Module(self, original_node: cst.Module) -> None:
        scopes = [self._module] + [s for _, s in self._functions.values()]
        for scope in scopes:
            if scope.loads_corpus:
                scope.ops += scope.ingests
            for node, op in scope.ops:
                self.record("admin-op", node, op=op, scope=scope.name)
        for scope in scopes:
            reached = self._reach(scope)
            if reached:
                self.record("admin-entry", None, function=scope.name,
                            ops=[{"line": self.position(n)[0], "column": self.position(n)[1], "op": op}
                                 for n, op in reached])
        hooks = [self._functions[h][1] for h in sorted(self._hooks) if h in self._functions]
        if self._has_app:
            hooks.append(self._module)
        for scope in hooks:
            self.record("startup-hook", None, function=scope.name,
                        calls=[[c, sorted(q)] for c, q in sorted(scope.calls.items())])
        self._record_routes()

    def _reach(self, scope: _Scope) -> list[tuple[cst.CSTNode, str]]:
        """Admin operations of ``scope`` and of the same-file functions it calls, transitively."""
        seen = {scope.name}
        todo, out = [scope], []
        while todo:
            current = todo.pop()
            out += current.ops
            for callee, names in current.calls.items():
                local = callee in self._functions and (not names or callee in names)
                if local and callee not in seen:
                    seen.add(callee)
                    todo.append(self._functions[callee][1])
        return out

    def _record_routes(self) -> None:
        if not self._web:
            return
        for node, path in self._routes:
            if not _ADMIN_ROUTE_RE.search(path):
                continue
            scope = self._functions.get(node.name.value, (None, None))[1]
            admin_work = bool(scope and (self._reach(scope) or scope.destructive or scope.loads_corpus))
            if not _STRONG_ROUTE_RE.search(path) and not admin_work:
                continue
            authed = bool(_AUTH_RE.search(self.source_of(node.params)) or any(
                _AUTH_RE.search(self.source_of(d.decorator)) for d in node.decorators)
                or _AUTH_RE.search(self.source_of(node.body)))
            self.record("admin-route", node, route=path, handler=node.name.value, authed=authed)


def _names_in(node: cst.BaseExpression) -> set[str]:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, (cst.List, cst.Tuple)):
        return {e.value.value for e in node.elements if isinstance(e.value, cst.Name)}
    return set()


# -- applicability ------------------------------------------------------------------------------

NO_ADMIN = "no admin or maintenance tasks found"


def admin_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when the repository has admin-type code."""
    if "admin_reason" in repo.memo:
        return repo.memo["admin_reason"]
    runtime = [f.path for f in repo.files if path_role(f.path) in ("src", "script")]
    found = (
        any({"alembic", "migrations"} & set(p.split("/")[:-1]) for p in runtime)
        or any(p.rsplit("/", 1)[-1] == "manage.py" for p in runtime)
        or any(_ADMIN_MODULE_RE.match(posixpath.splitext(p.rsplit("/", 1)[-1])[0])
               for p in runtime if p.endswith(".py"))
        or any(f.kind in ("admin-op", "admin-route") and path_role(f.path) in ("src", "script")
               for f in repo.all_facts)
        or bool(chained_admin(repo))
    )
    repo.memo["admin_reason"] = None if found else NO_ADMIN
    return repo.memo["admin_reason"]


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
        A migration or data-set build run by the web process itself: `alembic.command.upgrade`,
        `Base.metadata.create_all` (also as `conn.run_sync(Base.metadata.create_all)`), Django
        `call_command("migrate")`, an `ingest`/`reindex`/`build_index`-named call, or
        `from_documents`/`add_documents` over a corpus loaded from disk (`SimpleDirectoryReader`,
        `DirectoryLoader`, a glob) — at the top level of a module that creates a web app, or in
        a startup hook (`@app.on_event("startup")`, a `lifespan` function, `on_startup=[…]`,
        `before_first_request`, `before_serving`), directly or through a function it calls.
        `__main__` blocks, tests and examples are not reported.
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

            from fastapi import FastAPI
            from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

            from agent.db import Base, engine


            @asynccontextmanager
            async def lifespan(app):
                async with engine.begin() as conn:
                    await conn.run_sync(Base.metadata.create_all)
                docs = SimpleDirectoryReader("docs").load_data()
                app.state.index = VectorStoreIndex.from_documents(docs)
                yield


            app = FastAPI(lifespan=lifespan)
        """, "agent/app.py", lines=(12, 14)),
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
        }, lines=(7,)),
        Example.of("""
            from alembic import command
            from alembic.config import Config
            from flask import Flask

            app = Flask(__name__)
            command.upgrade(Config("alembic.ini"), "head")
        """, "service.py", lines=(6,)),
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        entries = {(f.path, f.data["function"]): f.data["ops"] for f in repo.facts("admin-entry")
                   if path_role(f.path) in ("src", "script")}
        files = repo.files_of(FileKind.PYTHON)
        reported: set[tuple[str, int]] = set()
        for hook in sorted(repo.facts("startup-hook"), key=lambda f: (f.path, f.data["function"])):
            if path_role(hook.path) not in ("src", "script"):
                continue
            reached = [(hook.path, op) for op in entries.get((hook.path, hook.data["function"]), ())]
            for callee, qnames in hook.data["calls"]:
                for qname in qnames:
                    target = _module_file(qname, hook.path, files)
                    if target and target != hook.path:
                        reached += [(target, op) for op in entries.get((target, callee), ())]
            where = ("at import of the web app module" if hook.data["function"] == "<module>"
                     else f"in the startup hook `{hook.data['function']}`")
            for path, op in reached:
                if (path, op["line"]) in reported:
                    continue
                reported.add((path, op["line"]))
                origin = "" if path == hook.path else f" of {hook.path}"
                yield self.finding(path, op["line"], op["column"],
                                   f"`{op['op']}` runs inside the serving process ({where}{origin}): every replica "
                                   "repeats it on every start. Run it once per release as a one-off admin process "
                                   "(Procfile `release:`, a Job) and only open the result at start-up")


class AdminScriptOutsideEnvironment(PythonRule):
    id = "TFA1202"
    name = "admin-script-outside-app-env"
    factor = 12
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "Admin script runs outside the app's environment"
    collectors = (AdminFacts,)
    what = """
        In an admin script (under `scripts/` or `bin/`, or a module named `migrate*`, `ingest*`,
        `seed*`, `backfill*`, `reindex*`): a shebang naming an absolute system or per-user
        interpreter (`#!/usr/bin/python3`, `#!/usr/local/bin/python3.11`) instead of
        `#!/usr/bin/env python3`, or a `sys.path.insert`/`append` that reaches up the tree
        (`".."`, `Path(__file__).parent.parent`, nested `os.path.dirname`) to import the app.
    """
    why = """
        Admin processes must run against the same code, dependencies and config as the app's
        release. A system interpreter does not see the app's virtualenv or lock file, and a
        path hack imports whatever checkout happens to sit next to the script, so the task can
        run different code from the release it administers.
    """
    fix = """
        Make the app an installable package and run the task inside its environment as a
        module: `python -m agent.scripts.reindex` (or a `[project.scripts]` entry point), with
        `#!/usr/bin/env python3` if the file must stay executable. Drop the `sys.path` edits.
    """
    invalid = (
        Example.of("""
            #!/usr/bin/python3
            import os
            import sys

            sys.path.append(os.path.join(os.path.dirname(__file__), ".."))

            from agent.store import rebuild

            rebuild()
        """, "scripts/reindex.py", lines=(1, 5)),
        Example.of("""
            import sys
            from pathlib import Path

            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

            from agent.db import migrate

            migrate()
        """, "agent/migrate_memory.py", lines=(4,)),
        Example.of("""
            import os
            import sys

            parent_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            sys.path.append(parent_dir)

            from agent.store import purge_orphans  # noqa: E402
        """, "backend/scripts/cleanup_orphans.py", lines=(5,)),
    )
    valid = (
        Example.of("""
            #!/usr/bin/env python3
            from agent.config import settings
            from agent.store import rebuild

            rebuild(settings.vector_url)
        """, "scripts/reindex.py"),
        Example.of("""
            #!/usr/bin/python3
            import os
            import sys

            sys.path.insert(0, os.path.dirname(__file__))
        """, "agent/server.py"),
        Example.of("""
            #!/usr/bin/python3
            import sys

            sys.path.append("..")
        """, "tests/seed_fixtures.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        stem = posixpath.splitext(file.path.rsplit("/", 1)[-1])[0]
        self._admin = file.role == "script" or (file.role == "src" and bool(_SCRIPT_MODULE_RE.match(stem)))
        self._up_names: set[str] = set()

    def visit_Module(self, node: cst.Module) -> None:
        first = self.file.lines[0] if self.file.lines else ""
        if self._admin and _SYSTEM_PYTHON_RE.match(first):
            self.findings.append(self.finding(
                self.file.path, 1, 1,
                f"`{first.strip()}` runs this admin script with a fixed interpreter, outside the app's "
                "environment: run it as `python -m <package>.<script>` in the app's environment "
                "(or use `#!/usr/bin/env python3`)", end_line=1, end_column=len(first) + 1))

    def visit_Assign(self, node: cst.Assign) -> None:
        # `parent_dir = os.path.dirname(os.path.dirname(__file__))` then `sys.path.append(parent_dir)`
        if self._admin and _reaches_up(self.source_of(node.value)):
            self._up_names.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def visit_Call(self, node: cst.Call) -> None:
        if not self._admin or not node.args or not self.qualified_names(node.func) & {
                "sys.path.insert", "sys.path.append"}:
            return
        value = node.args[-1].value
        if _reaches_up(self.source_of(value)) or (isinstance(value, cst.Name) and value.value in self._up_names):
            self.report(node, "`sys.path` edited to import the app from outside this script: install the app as a "
                              "package and run the script as `python -m <package>.<script>` in its environment")


def _reaches_up(code: str) -> bool:
    """A path expression that climbs out of the script's directory."""
    return bool(re.search(r"""["']\.\.(["'/\\]|$)|\.parent\.parent|\.parents\[""", code)) or code.count("dirname(") >= 2


class AdminEndpoint(RepoRule):
    id = "TFA1203"
    name = "unauthenticated-admin-endpoint"
    factor = 12
    severity = Severity.NOTE
    title = "Admin operation exposed as an unauthenticated web endpoint"
    collectors = (AdminFacts,)
    what = """
        A route whose path names an admin operation (`/admin`, `/migrate`, `/reindex`,
        `/rebuild`, `/purge`, `/flush`, `/seed`; `/reset` and `/ingest` only when the handler
        drops, wipes or re-builds data) with no sign of authentication: no auth-named
        `Depends`/`Security` parameter, no `@login_required`/`@requires` decorator, no
        credential check in the handler, and no authentication middleware or `dependencies=`
        anywhere in the repository.
    """
    why = """
        An admin task behind a public URL runs inside the serving process, at anyone's
        request: one call can wipe a collection or re-embed the whole corpus while the
        service is serving. Admin tasks are one-off processes run by operators.
    """
    fix = """
        Run the task as a one-off admin process (`python -m agent.admin reindex`). If it must
        be triggered over HTTP, require an admin credential (`Depends(require_admin)`) and
        only enqueue the job for a worker.
    """
    invalid = (
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/admin/reindex")
            def reindex():
                rebuild_index()
                return {"status": "done"}
        """, "agent/app.py", lines=(7,)),
        Example.of("""
            from flask import Flask

            app = Flask(__name__)


            @app.route("/reset", methods=["POST"])
            def reset():
                chroma_client.reset()
                return "ok"
        """, "agent/web.py", lines=(7,)),
    )
    valid = (
        Example.of("""
            from fastapi import Depends, FastAPI

            from agent.auth import require_admin

            app = FastAPI()


            @app.post("/admin/reindex")
            def reindex(user=Depends(require_admin)):
                queue.enqueue("reindex")
                return {"status": "queued"}
        """, "agent/app.py"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat/{session_id}/reset")
            def reset_chat(session_id: str):
                sessions.pop(session_id, None)
                return {"ok": True}


            @app.post("/ingest")
            async def ingest(file: bytes):
                store.add_texts([file.decode()])
                return {"ok": True}
        """, "agent/app.py"),
        Example.repo({
            "agent/app.py": """
                from fastapi import FastAPI

                from agent.security import ApiKeyMiddleware

                app = FastAPI()
                app.add_middleware(ApiKeyMiddleware)


                @app.post("/admin/purge")
                def purge():
                    store.delete_collection("docs")
            """,
            "tests/test_admin.py": """
                from fastapi import FastAPI

                app = FastAPI()


                @app.post("/admin/seed")
                def seed():
                    seed_db()
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(path_role(f.path) in ("src", "script") for f in repo.facts("auth-guard")):
            return
        for route in repo.facts("admin-route"):
            if path_role(route.path) != "src" or route.data["authed"]:
                continue
            yield self.finding(route.path, route.line, route.column,
                               f"`{route.data['route']}` (handler `{route.data['handler']}`) exposes an admin "
                               "operation with no authentication: run it as a one-off admin process, or require "
                               "an admin credential (e.g. `Depends(require_admin)`) and only enqueue the job")


# -- admin tasks chained into a process's start command ---------------------------------------------

def _segments(words: tuple[str, ...]) -> list[list[str]]:
    """The commands of a shell chain (``a && b; c``), with ``sh -c`` scripts split too."""
    tokens: list[str] = []
    for word in words:
        if " " in word:
            try:
                tokens += shlex.split(word)
            except ValueError:
                tokens += word.split()
        else:
            tokens.append(word)
    out: list[list[str]] = [[]]
    for token in tokens:
        if token in ("&&", ";", "||", "&"):
            out.append([])
        elif token.endswith(";"):
            out[-1].append(token[:-1])
            out.append([])
        else:
            out[-1].append(token)
    return [s for s in out if s]


def chained_admin(repo: Repo) -> list[tuple[str, int, str, str]]:
    """Declared processes whose command runs an admin task before the process itself:
    (path, line, process name, admin command)."""
    if "chained_admin" in repo.memo:
        return repo.memo["chained_admin"]
    out = []
    for command in commands(repo):
        if command.name == "release":
            continue  # Heroku's release phase: the right place
        segments = _segments(command.words)
        admin = next((i for i, s in enumerate(segments) if is_admin_command(s)), None)
        if admin is not None and any(not is_admin_command(s) for s in segments[admin + 1:]):
            out.append((command.path, command.line, command.name, " ".join(unwrap_command(segments[admin]))))
    repo.memo["chained_admin"] = out
    return out


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
        }, lines=(1,)),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . .
                CMD ["sh", "-c", "python ingest.py && uvicorn agent.app:app --host 0.0.0.0"]
            """,
            "ingest.py": "print('indexing')\n",
        }, lines=(3,)),
    )
    valid = (
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
        Example.repo({
            "examples/demo/Procfile": "web: alembic upgrade head && uvicorn app:app\n",
            "migrations/env.py": "from alembic import context\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path, line, name, admin in chained_admin(repo):
            yield self.finding(path, line, 1,
                               f"`{admin}` is chained into the start of the `{name}` process: every instance "
                               "repeats it on each start. Run it once per release as a one-off process "
                               "(Procfile `release:`, a Job) and start the process with the server alone")
