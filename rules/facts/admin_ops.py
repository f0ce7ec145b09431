"""Admin operations and what reaches them, startup hooks, and admin-looking routes
(``AdminFacts``).

Hook and route shapes are data, checked against FastAPI 0.115, Starlette 0.41, Flask 3,
Quart 0.19, Sanic 24, aiohttp 3.9 and Django 5 (``AppConfig.ready``).
"""

from __future__ import annotations

import ast
import re
import tokenize
from dataclasses import dataclass
from typing import Any

from tfa_lint.model import Fact
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.semantic import SemanticModel

from .ast_nodes import callee_name, string_value
from .ast_source import Argument, call_arguments
from .processes import APP_CONSTRUCTORS

#: Calls that change a schema or a data set (qualified names).
_ADMIN_CALLS = {
    "alembic.command.upgrade": "alembic upgrade", "alembic.command.downgrade": "alembic downgrade",
    "alembic.command.stamp": "alembic stamp", "flask_migrate.upgrade": "flask_migrate.upgrade",
    "django.core.management.call_command": "call_command",
}
#: Django management commands that are admin work when code calls them (``call_command("migrate")``).
_ADMIN_MANAGEMENT_COMMANDS = ("migrate", "loaddata", "collectstatic", "createsuperuser")
#: Django's app registry hook: ``ready()`` of an ``AppConfig`` runs in every process that loads Django.
_APP_CONFIGS = {"django.apps.AppConfig", "django.apps.config.AppConfig"}
_CONTEXT_MANAGERS = {"contextlib.asynccontextmanager", "contextlib.contextmanager"}
#: Functions that build and return the web app (Flask's app factory, ``create_app()`` for FastAPI):
#: the server runs them at start, so their body is start-up code.
_APP_FACTORY_RE = re.compile(r"^_?((create|make|build|init|setup)_?(web_?)?(app|application|api|server)|app_factory)$")
#: Methods that build an index from documents: admin work only over a loaded corpus.
_INGEST_METHODS = {"from_documents", "from_texts", "add_documents", "add_texts"}
#: Calls that name what they do.
_ADMIN_NAME_RE = re.compile(
    r"^(ingest\w*|run_migrations?|migrate(_\w+)?|upgrade_db|reindex\w*|rebuild_index\w*|build_(vector_)?index|"
    r"index_documents|embed_documents|backfill\w*|seed_(db|database|data)\w*|refresh_ref_docs|"
    r"create_superuser|(create|ensure|seed)_(default_)?(super_?user|admin_user)s?)$")
#: Calls that load a corpus from disk: a directory walk or a document loader/reader.
_DIR_CALLS = {"os.listdir", "os.walk", "os.scandir", "glob.glob", "glob.iglob"}
_LOADER_RE = re.compile(r"[a-z](Loader|Reader)$")  # document loaders: `PyPDFLoader(...)`
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


Position = tuple[int, int, int, int]


class _Scope:
    """What one function (or the module's top level) does that matters for admin work."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ops: list[tuple[ast.AST, str]] = []  # admin operations, found directly
        self.ingests: list[tuple[ast.AST, str]] = []  # index builds; admin only over a loaded corpus
        self.loads_corpus = False
        self.destructive = False
        self.calls: dict[str, set[str]] = {}  # callee short name -> qualified names
        self.first_call: dict[str, Position] = {}  # callee short name -> where it is first called
        self.first_yield: Position | None = None  # a lifespan's start-up part ends at its first yield

    def startup_part(self) -> _Scope:
        """What runs before the first ``yield`` (all of it without one): a lifespan context
        manager's code after its ``yield`` runs at shutdown."""
        if self.first_yield is None:
            return self
        end = self.first_yield
        part = _Scope(self.name)
        part.ops = [op for op in self.ops if _where(op[0]) < end]
        part.calls = {c: names for c, names in self.calls.items() if self.first_call[c] < end}
        return part


@dataclass(frozen=True)
class AdminOpFact(FactData):
    """An admin operation: a migration, a schema creation, an index build."""

    kind = "admin-op"
    op: str  # as messages name it: "alembic upgrade"
    scope: str  # the function it is in, or "<module>"


@dataclass(frozen=True)
class AdminEntryFact(FactData):
    """A function (or ``<module>``) and the admin operations it reaches inside its file."""

    kind = "admin-entry"
    function: str
    ops: list[dict[str, Any]]  # each {"line", "column", "op", "creates_tables"}, in source order


@dataclass(frozen=True)
class StartupHookFact(FactData):
    """A startup hook (``lifespan``, ``on_startup`` …, or ``<module>`` of a web app) and what it calls."""

    kind = "startup-hook"
    function: str
    calls: list[list[Any]]  # each [callee short name, its qualified names sorted], by callee


@dataclass(frozen=True)
class AdminRouteFact(FactData):
    """A route to an admin-looking path."""

    kind = "admin-route"
    route: str
    handler: str
    authed: bool  # its parameters, decorators or body ask for authentication


@dataclass(frozen=True)
class AuthGuardFact(FactData):
    """Authentication applied app-wide (a middleware, a global dependency)."""

    kind = "auth-guard"
    how: str


class AdminFacts(AstCollector):
    """Admin operations and what reaches them, startup hooks, and admin-looking routes.

    Facts: ``admin-op`` (every admin operation), ``admin-entry`` (a function or ``<module>``
    and the admin operations it reaches inside its file), ``startup-hook`` (a hook and the
    calls it makes), ``admin-route`` (a route to an admin-looking path, with ``authed``) and
    ``auth-guard`` (app-wide authentication).

    Lists are kept in source order, the order the facts always had: the ast walk meets a
    def's decorators after its body, and a call's keywords after its ``*args``.
    """

    name = "admin"
    records = (AdminOpFact, AdminEntryFact, StartupHookFact, AdminRouteFact, AuthGuardFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._module = _Scope("<module>")
        self._scopes: dict[ast.AST, _Scope] = {}  # every def's
        self._functions: dict[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, _Scope]] = {}
        self._hooks: set[str] = set()
        self._has_app = False
        self._web = False
        self._routes: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
        self._guards: list[tuple[Position, Fact]] = []
        self._text: _Source | None = None

    def _scope(self, node: ast.AST) -> _Scope | None:
        """The scope admin work at ``node`` is attributed to: the innermost def around it (its
        decorators and defaults included), else the module; None in a class body or an
        ``if __name__ == "__main__":`` block (its test and ``else`` too) at the top level."""
        top = self._module
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return self._scopes[ancestor]
            if isinstance(ancestor, ast.ClassDef) or (isinstance(ancestor, ast.If) and _is_main_guard(ancestor.test)):
                top = None
        return top

    def _source(self) -> _Source:
        if self._text is None:
            self._text = _Source(self.semantic)
        return self._text

    def _guard(self, node: ast.AST, how: str, at: Position | None = None) -> None:
        position = self.position(node)
        self._guards.append((_order(at or position), self.fact(AuthGuardFact(how=how), *position[:2])))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] in _WEB_MODULES:
                self._web = True

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is not None and node.module.split(".")[0] in _WEB_MODULES:
            self._web = True

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        scope = _Scope(node.name)
        self._scopes[node] = scope
        self._functions.setdefault(node.name, (node, scope))
        if (node.name == "lifespan" or (node.name == "ready" and self._in_app_config(node))
                or ("lifespan" in node.name and self._is_context_manager(node))):
            self._hooks.add(node.name)
        # libcst met a def before its decorators: its facts go first.
        start = self.position(node.decorator_list[0])[:2] if node.decorator_list else self.position(node)[:2]
        at = (*start, *self.position(node)[2:])
        for expr in node.decorator_list:
            func = expr.func if isinstance(expr, ast.Call) else expr
            attr = callee_name(func)
            args = call_arguments(expr) if isinstance(expr, ast.Call) else []
            if attr in _STARTUP_DECORATORS or (
                    attr == "on_event" and args and string_value(args[0].value) == "startup"):
                self._hooks.add(node.name)
            if attr in ("middleware", "before_request") and _AUTH_RE.search(self._source().definition(node)):
                self._guard(node, f"{attr} {node.name}", at)
            path = string_value(args[0].value) if args and args[0].keyword is None else None
            if path and path.startswith("/") and (attr in _ROUTE_METHODS or any(
                    q.startswith("litestar.") for q in self.qualified_names(func))):
                self._routes.append((node, path))

    visit_AsyncFunctionDef = visit_FunctionDef

    def _in_app_config(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """A method of a Django ``AppConfig`` subclass."""
        owner = self.semantic.enclosing_class(node)
        return owner is not None and self.semantic.parent(node) is owner and any(
            self.qualified_names(base) & _APP_CONFIGS for base in owner.bases)

    def _is_context_manager(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """``@asynccontextmanager``/``@contextmanager``: a lifespan defined apart from its app
        (``app_lifespan`` in lifespan.py, passed to ``FastAPI(lifespan=…)`` in server.py)."""
        return any(self.qualified_names(d) & _CONTEXT_MANAGERS for d in node.decorator_list)

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        function = self.semantic.enclosing_def(node)
        scope = self._scopes.get(function) if function is not None else None
        if scope is not None and (scope.first_yield is None or _where(node) < scope.first_yield):
            scope.first_yield = _where(node)

    visit_YieldFrom = visit_Yield

    def visit_Attribute(self, node: ast.Attribute) -> None:
        # `Base.metadata.create_all(engine)` and `conn.run_sync(Base.metadata.create_all)`
        if node.attr == "create_all" and isinstance(node.value, ast.Attribute) and node.value.attr == "metadata":
            scope = self._scope(node)
            if scope is not None:
                scope.ops.append((node, self.source_of(node)))

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        args = call_arguments(node)
        if names & APP_CONSTRUCTORS.keys():
            self._has_app = True
            factory = self.semantic.enclosing_def(node)
            if factory is not None and _APP_FACTORY_RE.match(factory.name):
                self._hooks.add(factory.name)
            for keyword in node.keywords:
                if keyword.arg in ("lifespan", "on_startup"):
                    self._hooks.update(_names_in(keyword.value))
        callee = callee_name(node.func)
        if callee == "add_middleware" and args and _AUTH_RE.search(self.source_of(args[0].value)):
            self._guard(node, "middleware")
        for keyword in node.keywords:
            if keyword.arg == "dependencies" and _AUTH_RE.search(self.source_of(keyword.value)):
                self._guard(node, "dependencies")  # app-, router- or include-wide auth
        if callee == "add_event_handler" and args and string_value(args[0].value) == "startup":
            self._hooks.update(_names_in(args[-1].value))
        if callee == "append" and isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Attribute) and node.func.value.attr == "on_startup":
            self._hooks.update(_names_in(args[0].value) if args else set())
        if callee is None:
            return
        scope = self._scope(node)
        if scope is None:
            return
        scope.calls.setdefault(callee, set()).update(names)
        where = _where(node)
        if callee not in scope.first_call or where < scope.first_call[callee]:
            scope.first_call[callee] = where
        admin = None if names.isdisjoint(_ADMIN_CALLS) else next(
            _ADMIN_CALLS[n] for n in sorted(names) if n in _ADMIN_CALLS)
        if admin == "call_command":
            command = string_value(args[0].value) if args else None
            admin = f'call_command("{command}")' if command in _ADMIN_MANAGEMENT_COMMANDS else None
        if admin is None and _ADMIN_NAME_RE.match(callee) and not names & {"random.seed", "numpy.random.seed"}:
            admin = f"{callee}()"
        if admin is None and self._runs_alembic(args, names):
            admin = "alembic upgrade"
        if admin:
            scope.ops.append((node, admin))
        if callee in _INGEST_METHODS and isinstance(node.func, ast.Attribute):
            scope.ingests.append((node, f"{self.source_of(node.func)}()"))
        if not names.isdisjoint(_DIR_CALLS) or callee in _DIR_METHODS or _LOADER_RE.search(callee):
            scope.loads_corpus = True
        if callee in _DESTRUCTIVE_METHODS:
            scope.destructive = True

    def _runs_alembic(self, args: list[Argument], names: frozenset[str]) -> bool:
        if not any(n.startswith("subprocess.") or n == "os.system" for n in names) or not args:
            return False
        words = re.findall(r"[\w-]+", self.source_of(args[0].value))
        return "alembic" in words and "upgrade" in words

    def leave_Module(self, module: ast.Module) -> None:
        self.facts.extend(fact for _, fact in sorted(self._guards, key=lambda guard: guard[0]))
        scopes = [self._module] + [s for _, s in self._functions.values()]
        for scope in [self._module, *self._scopes.values()]:
            scope.ops.sort(key=lambda op: _order(self.position(op[0])))
            scope.ingests.sort(key=lambda op: _order(self.position(op[0])))
            scope.calls = {c: scope.calls[c] for c in sorted(scope.calls, key=scope.first_call.__getitem__)}
        for scope in scopes:
            if scope.loads_corpus:
                scope.ops += scope.ingests
            for node, op in scope.ops:
                self.record(AdminOpFact(op=op, scope=scope.name), node)
        for scope in scopes:
            # A hook is entered for what it runs at start: a lifespan's shutdown part is left out.
            reached = self._reach(scope.startup_part() if scope.name in self._hooks else scope)
            if reached:
                self.record(AdminEntryFact(function=scope.name, ops=[
                    {"line": self.position(n)[0], "column": self.position(n)[1], "op": op,
                     "creates_tables": _creates_tables(n)} for n, op in reached]))
        hooks = [self._functions[h][1].startup_part() for h in sorted(self._hooks) if h in self._functions]
        if self._has_app:
            hooks.append(self._module)
        for scope in hooks:
            self.record(StartupHookFact(function=scope.name, calls=[[c, sorted(q)] for c, q in sorted(scope.calls.items())]))
        self._record_routes()

    def _reach(self, scope: _Scope) -> list[tuple[ast.AST, str]]:
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
            scope = self._functions.get(node.name, (None, None))[1]
            admin_work = bool(scope and (self._reach(scope) or scope.destructive or scope.loads_corpus))
            if not _STRONG_ROUTE_RE.search(path) and not admin_work:
                continue
            source = self._source()
            authed = bool(_AUTH_RE.search(source.parameters(node)) or any(
                _AUTH_RE.search(self.source_of(d)) for d in node.decorator_list)
                or _AUTH_RE.search(source.body(node)))
            self.record(AdminRouteFact(route=path, handler=node.name, authed=authed), node)


def _where(node: ast.AST) -> Position:
    """Where a node is, comparable with other nodes of the file in source order (ast's byte
    offsets order them as characters would, without converting every position)."""
    return node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset  # type: ignore[attr-defined,operator]


def _creates_tables(node: ast.AST) -> bool:
    """``Base.metadata.create_all``: creates the tables that are missing and changes none."""
    return isinstance(node, ast.Attribute) and node.attr == "create_all"


def _order(position: Position) -> Position:
    """A sort key putting nodes in the order a libcst walk met them: by start, an enclosing node
    before what it encloses."""
    line, column, end_line, end_column = position
    return line, column, -end_line, -end_column


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__`` compared with ``"__main__"`` by any one operator, as the libcst check had it."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    return ([s.id for s in sides if isinstance(s, ast.Name)] == ["__name__"]
            and [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)] == ["__main__"])


def _names_in(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.List, ast.Tuple)):
        values = (e.value if isinstance(e, ast.Starred) else e for e in node.elts)  # `[*hooks]` too
        return {v.id for v in values if isinstance(v, ast.Name)}
    return set()


class _Source:
    """The code libcst gave for a def and for its parameters and body, comments included: the
    comment lines above the def and at the end of its body, the one after its colon. What the
    auth checks search; ``ast`` spans start at a node's first token and end at its last."""

    def __init__(self, semantic: SemanticModel) -> None:
        self.lines = semantic.lines
        self.semantic = semantic

    def definition(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        return "".join(self.lines[i - 1] for i in self._leading(node, first)) + "".join(
            self.lines[first - 1:self._end(node)])

    def parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        """Between the parentheses, less a comment right after ``(`` (libcst: the def's)."""
        header = self._header(node)
        return self._slice(header[0], header[1]) if header else ""

    def body(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
        """From the header's colon: its comment, the statements and the comments closing the block."""
        header = self._header(node)
        start = header[2] if header else (node.body[0].lineno, self._column(node.body[0]))
        return self._slice(start, (self._end(node) + 1, 0))

    # -- lines ---------------------------------------------------------------------------------
    def _column(self, node: ast.AST) -> int:
        line = self.lines[node.lineno - 1]  # type: ignore[attr-defined]
        return len(line.encode("utf-8")[:node.col_offset].decode("utf-8", "replace"))  # type: ignore[attr-defined]

    def _indent(self, node: ast.AST) -> str:
        return self.lines[node.lineno - 1][:self._column(node)]  # type: ignore[attr-defined]

    def _slice(self, start: tuple[int, int], end: tuple[int, int]) -> str:
        """The text from (line, column) to (line, column), lines 1-based, columns 0-based."""
        (line, column), (end_line, end_column) = start, end
        if line == end_line:
            return self.lines[line - 1][column:end_column]
        return "".join([self.lines[line - 1][column:], *self.lines[line:end_line - 1],
                        self.lines[end_line - 1][:end_column] if end_line <= len(self.lines) else ""])

    def _empty(self, line: int) -> bool:
        """A blank or comment-only line."""
        stripped = self.lines[line - 1].strip()
        return not stripped or stripped.startswith("#")

    def _end(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
        """The def's last line: its last statement's, then the comment lines at the block's
        indentation after it (libcst's block footer)."""
        end = node.end_lineno or node.lineno
        indent = self._indent(node.body[0])
        if indent.strip():
            return end  # `def f(): ...` on one line: no block
        line, last = end + 1, end
        while line <= len(self.lines) and self._empty(line):
            if self.lines[line - 1].startswith(indent):
                last = line
            line += 1
        return last

    def _leading(self, node: ast.stmt, first: int) -> list[int]:
        """The comment lines above ``node`` that libcst gave it: those after the statement before
        it, less the comments at the indentation of a block that statement closes."""
        gap = []
        line = first - 1
        while line >= 1 and self._empty(line):
            gap.insert(0, line)
            line -= 1
        parent = self.semantic.parent(node)
        siblings = next((v for _, v in ast.iter_fields(parent) if isinstance(v, list) and any(
            n is node for n in v)), []) if parent is not None else []
        index = next((i for i, n in enumerate(siblings) if n is node), 0)
        if index == 0:
            return [] if isinstance(parent, ast.Module) else gap  # libcst: the module's header
        indent = self._closing_indent(siblings[index - 1])
        claimed = [i for i in gap if indent is not None and self.lines[i - 1].startswith(indent)]
        return [i for i in gap if i > claimed[-1]] if claimed else gap

    def _closing_indent(self, stmt: ast.stmt) -> str | None:
        """The indentation of the outermost indented block that ends with ``stmt``, if any."""
        while True:
            children = [c for c in _child_statements(stmt)]
            if not children:
                return None
            last = max(children, key=lambda c: (c.lineno, c.col_offset))
            indent = self._indent(last)
            if indent.strip():
                return None  # `else: x = 1`
            if indent != self._indent(stmt):
                return indent
            stmt = last  # `elif`: a block of its own at the same indentation

    def _header(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[tuple[int, int], ...] | None:
        """Where the parameters start and end, and where the header's colon ends: (line, column)."""
        lines = iter(self.lines[node.lineno - 1:])
        depth, opened = 0, False
        start: tuple[int, int] | None = None
        end: tuple[int, int] | None = None
        try:
            for token in tokenize.generate_tokens(lambda: next(lines, "")):
                line = node.lineno + token.start[0] - 1
                if opened and start is None and token.type not in (tokenize.NL, tokenize.COMMENT):
                    start = (line, token.start[1])
                if token.type != tokenize.OP:
                    continue
                if token.string in ("(", "[", "{"):
                    opened = opened or (depth == 0 and token.string == "(")  # not `[T]` type parameters
                    depth += 1
                elif token.string in (")", "]", "}"):
                    depth -= 1
                    if depth == 0 and opened and end is None:
                        end = (line, token.start[1])
                elif token.string == ":" and depth == 0 and start is not None and end is not None:
                    return start, end, (line, token.end[1])
        except (tokenize.TokenError, SyntaxError):
            return None
        return None


def _child_statements(stmt: ast.stmt):  # type: ignore[no-untyped-def]
    for child in ast.iter_child_nodes(stmt):
        if isinstance(child, ast.stmt):
            yield child
        elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
            yield from child.body
