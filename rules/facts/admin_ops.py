"""Admin operations and what reaches them, startup hooks, and admin-looking routes
(``AdminFacts``).

Hook and route shapes are data, checked against FastAPI 0.115, Starlette 0.41, Flask 3,
Quart 0.19, Sanic 24 and aiohttp 3.9.
"""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

from .cst_nodes import callee_name, string_value
from .processes import APP_CONSTRUCTORS, is_main_guard

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
