"""``PortFacts`` records where Python code binds a listening socket (``uvicorn.run``, Flask's
``app.run``, gradio ``launch``…), with the port and host as literals, ``"env"`` when they come
from the environment, settings or a variable, or absent; plus each file's call graph, so the
port-binding rules can tell which binds the declared processes actually execute.

Framework defaults are data, checked against the versions named beside them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

from tfa_lint.fix import offset_of_line
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.semantic import SemanticModel

from .ast_nodes import CallGraphScopes
from .ast_source import argument_values, one_literal


@dataclass(frozen=True)
class BindSpec:
    """How one server API takes its address, and what it binds when not told."""

    label: str
    host: tuple[str, int | None] | None  # keyword, position
    port: tuple[str, int | None] | None
    loopback_default: bool
    default_port: int | None
    host_env: str | None = None  # environment variable the API reads when no host is passed
    port_env: str | None = None


# uvicorn 0.30 (run/Config: host="127.0.0.1", port=8000; env vars are read by the CLI only),
# aiohttp 3.9 (run_app: all interfaces, 8080), waitress 3 (0.0.0.0:8080), Flask 3 / Quart 0.19
# (127.0.0.1:5000), Sanic 23 (127.0.0.1:8000), Flask-SocketIO 5 (127.0.0.1:5000),
# gradio 4 (GRADIO_SERVER_NAME or 127.0.0.1, GRADIO_SERVER_PORT or 7860).
BIND_CALLS = {
    "uvicorn.run": BindSpec("uvicorn.run()", ("host", None), ("port", None), True, 8000),
    "uvicorn.Config": BindSpec("uvicorn.Config()", ("host", 1), ("port", 2), True, 8000),
    "uvicorn.config.Config": BindSpec("uvicorn.Config()", ("host", 1), ("port", 2), True, 8000),
    "aiohttp.web.run_app": BindSpec("aiohttp run_app()", ("host", None), ("port", None), False, 8080),
    "waitress.serve": BindSpec("waitress.serve()", ("host", None), ("port", None), False, 8080),
    "wsgiref.simple_server.make_server": BindSpec("make_server()", ("host", 0), ("port", 1), False, None),
}
#: Servers constructed from a ``(host, port)`` address tuple.
ADDRESS_SERVERS = {"http.server.HTTPServer", "http.server.ThreadingHTTPServer", "socketserver.TCPServer",
                   "socketserver.ThreadingTCPServer"}
#: App objects whose ``.run()``/``.launch()`` starts a server.
RECEIVERS = {
    "flask.Flask": BindSpec("Flask app.run()", ("host", 0), ("port", 1), True, 5000),
    "quart.Quart": BindSpec("Quart app.run()", ("host", 0), ("port", 1), True, 5000),
    "sanic.Sanic": BindSpec("Sanic app.run()", ("host", 0), ("port", 1), True, 8000),
    "flask_socketio.SocketIO": BindSpec("socketio.run()", ("host", 1), ("port", 2), True, 5000),
    "gradio.Blocks": BindSpec("gradio launch()", ("server_name", None), ("server_port", None), True, 7860,
                              "GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT"),
}
for _ctor in ("gradio.Interface", "gradio.ChatInterface", "gradio.TabbedInterface"):
    RECEIVERS[_ctor] = RECEIVERS["gradio.Blocks"]
_METHOD = {"gradio.Blocks": "launch", "gradio.Interface": "launch", "gradio.ChatInterface": "launch",
           "gradio.TabbedInterface": "launch"}
_FACTORIES = ("create_app", "make_app")  # app factories: Flask's convention
_CHAIN = {"queue", "integrate"}  # gradio methods that return the app: demo.queue().launch()
_PORT_ENV_RE = re.compile(r"(?i)(^|_)PORT$")


#: What a name holds when no expression of this file gives its value.
_PARAM = ast.Name("__param__")
_UNKNOWN = ast.Name("__unknown__")


@dataclass(frozen=True)
class BindFact(FactData):
    """A call that binds a listening socket, with the address it binds and where that is written."""

    kind = "bind"
    via: str  # the server API, as messages name it: "uvicorn.run()"
    scope: str  # the function it is in, "<module>" or "<main>"
    loopback_default: bool  # binds 127.0.0.1 when not given a host
    port_keyword: str | None
    default_port: int | None
    host_env: str | None  # the environment variables the API reads when not given an address
    port_env: str | None
    host: str | None  # the literal host, "env" when it comes from elsewhere, None when not passed
    port: int | str | None  # the literal port, "env" or None, as for host
    host_line: int | None = None  # where the host argument is written, when passed
    host_column: int | None = None
    port_line: int | None = None
    port_column: int | None = None
    #: character offsets (start, end) of the host between its quotes, when the call itself passes
    #: it as one plain string literal (`host="127.0.0.1"`): what a fix may replace
    host_span: list[int] | None = None


@dataclass(frozen=True)
class PortEnvReadFact(FactData):
    """A read of a ``PORT``-named environment variable."""

    kind = "port-env-read"
    name: str


@dataclass(frozen=True)
class CallGraphFact(FactData):
    """One file's calls, by scope: for finding the binds its entry reaches."""

    kind = "call-graph"
    calls: dict[str, list[str]]  # scope -> the names it calls in the file, sorted
    imported: dict[str, list[str]]  # scope -> the qualified names it calls of imported functions


class PortFacts(AstCollector):
    """Binds of listening sockets, reads of ``PORT`` from the environment, and the call graph."""

    name = "ports"
    records = (BindFact, PortEnvReadFact, CallGraphFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._apps: dict[str, str] = {}  # receiver source ("app", "self.app") -> constructor
        self._values: dict[str, list[ast.expr]] = {}  # name -> every value assigned to it
        self._binds: list[tuple[ast.Call, BindSpec, str]] = []
        self._env_reads: list[tuple[ast.AST, str]] = []
        self._calls: dict[str, set[str]] = {}
        self._imported: dict[str, set[str]] = {}
        self._cst_source = CstSource(file)
        self._scope = CallGraphScopes(self.semantic, lambda n: main_guard(n.test, self.semantic.source))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for param in (*node.args.args, *node.args.kwonlyargs):
            self._values.setdefault(param.arg, []).append(_PARAM)

    visit_AsyncFunctionDef = visit_FunctionDef

    # Values of names, and which names hold app objects.
    def _assigned(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self._values.setdefault(target.id, []).append(value if value is not None else _UNKNOWN)
        if value is not None and isinstance(target, (ast.Name, ast.Attribute)):
            ctor = self._app_constructor(value)
            if ctor:
                self._apps[self._cst_source(target)] = ctor

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node.target, None)

    def visit_withitem(self, node: ast.withitem) -> None:
        if isinstance(node.optional_vars, (ast.Name, ast.Attribute)):
            self._assigned(node.optional_vars, node.context_expr)

    def _app_constructor(self, value: ast.expr) -> str | None:
        if not isinstance(value, ast.Call):
            return None
        for name in self.qualified_names(value.func):
            if name in RECEIVERS:
                return name
        func = value.func
        callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return "flask.Flask" if callee in _FACTORIES else None

    # Calls: the call graph, PORT reads, and binds.
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        scope = self._scope(node)
        if isinstance(func, ast.Name):
            self._calls.setdefault(scope, set()).add(func.id)
        elif isinstance(func, ast.Attribute):
            self._calls.setdefault(scope, set()).add(func.attr)
        for qname in self.semantic.imported_names(func):
            if "." in qname.strip("."):
                self._imported.setdefault(scope, set()).add(qname)
        names = self.qualified_names(func)
        args = argument_values(node)
        if names & {"os.getenv", "os.environ.get", "os.environ.setdefault"} and args:
            self._env_read(args[0], node)
        for name in names:
            if name in BIND_CALLS:
                self._binds.append((node, BIND_CALLS[name], scope))
                return
            if name in ADDRESS_SERVERS and args:
                self._binds.append((node, BindSpec(f"{name.rsplit('.', 1)[-1]}()", None, None, False, None), scope))
                return
        if isinstance(func, ast.Attribute) and func.attr in ("run", "launch"):
            self._method_bind(node, func, scope)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if "os.environ" in self.qualified_names(node.value):
            self._env_read(node.slice, node)

    def _env_read(self, key: ast.expr, node: ast.AST) -> None:
        value = self._string(key)
        if value is not None and _PORT_ENV_RE.search(value):
            self._env_reads.append((node, value))

    def _string(self, expr: ast.expr) -> str | None:
        """A single string or bytes literal as ``str()`` shows it (an implicit concatenation,
        or an f-string, is not one)."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)) and one_literal(self.source_of(expr)):
            return str(expr.value)
        return None

    def _method_bind(self, node: ast.Call, func: ast.Attribute, scope: str) -> None:
        receiver = func.value
        while (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
               and receiver.func.attr in _CHAIN):
            receiver = receiver.func.value
        ctor = self._app_constructor(receiver) or (
            self._apps.get(self._cst_source(receiver))
            if self._apps and isinstance(receiver, (ast.Name, ast.Attribute)) else None)
        if ctor:
            if _METHOD.get(ctor, "run") == func.attr:
                self._binds.append((node, RECEIVERS[ctor], scope))
            return
        # An app imported from elsewhere (`from web import app; app.run(port=5000)`): a server
        # for sure when it is given a port, but of unknown defaults (gradio's names are its own).
        keywords = {k.arg for k in node.keywords if k.arg is not None}
        if "server_port" in keywords and func.attr == "launch":
            self._binds.append((node, RECEIVERS["gradio.Blocks"], scope))
        elif "port" in keywords:
            label = f"{self._cst_source(func)}()"
            self._binds.append((node, BindSpec(label, ("host", None), ("port", None), False, None), scope))

    def _resolve(self, expr: ast.expr) -> ast.expr:
        """A name assigned exactly once in this file stands for its value."""
        if isinstance(expr, ast.Name):
            values = self._values.get(expr.id, [])
            if len(values) == 1 and not isinstance(values[0], ast.Name):
                return values[0]
        return expr

    def _literal(self, expr: ast.expr, kind: type) -> int | str:
        """The literal port or host, or "env" when the value comes from anywhere else."""
        value = self._resolve(expr)
        if kind is int and isinstance(value, ast.Constant) and type(value.value) is int:
            return value.value
        if kind is str:
            string = self._string(value)
            if string is not None:
                return string
        return "env"

    def _address(self, node: ast.Call, spec: BindSpec) -> dict:
        """Host and port of a bind call, with where they are written."""
        if spec.host is None and spec.port is None:  # a (host, port) tuple server
            address = self._resolve(argument_values(node)[0])
            if not (isinstance(address, ast.Tuple) and len(address.elts) == 2):
                return {"host": "env", "port": "env"}
            host_arg, port_arg = (e.value if isinstance(e, ast.Starred) else e for e in address.elts)
        else:
            host_arg, port_arg = _argument(node, spec.host), _argument(node, spec.port)
        data: dict = {}
        for key, arg, kind in (("host", host_arg, str), ("port", port_arg, int)):
            data[key] = None if arg is None else self._literal(arg, kind)
            if arg is not None:
                line, column = self.position(arg)[:2]
                data.update({f"{key}_line": line, f"{key}_column": column})
        if host_arg is not None and (span := self._plain_string_span(host_arg)) is not None:
            data["host_span"] = span
        return data

    def _plain_string_span(self, node: ast.expr) -> list[int] | None:
        """Where the text of a one-line string literal without prefix or escapes (`"127.0.0.1"`)
        sits in the file, between its quotes, as character offsets."""
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return None
        line, column, end_line, end_column = self.position(node)
        if line != end_line or not _PLAIN_STRING_RE.fullmatch(self.source_of(node)):
            return None
        start = offset_of_line(self.file.text, line) + column  # past the opening quote
        return [start, start + end_column - column - 2]

    def leave_Module(self, node: ast.Module) -> None:
        # In source order, as a traversal of the source records them (ast keeps a def's
        # decorators after its body, a call's keywords after its positional arguments).
        for read, name in sorted(self._env_reads, key=lambda r: _start(r[0])):
            self.record(PortEnvReadFact(name=name), read)
        # Resolved at the end: module constants may be assigned after the function using them.
        for call, spec, scope in sorted(self._binds, key=lambda b: _start(b[0])):
            self.record(BindFact(via=spec.label, scope=scope, loopback_default=spec.loopback_default,
                                 port_keyword=spec.port[0] if spec.port else None,
                                 default_port=spec.default_port, host_env=spec.host_env, port_env=spec.port_env,
                                 **self._address(call, spec)), call)
        self.record(CallGraphFact(calls={k: sorted(v) for k, v in self._calls.items()},
                                  imported={k: sorted(v) for k, v in self._imported.items()}))


#: A string literal whose text is its value: no prefix, no escape, no quote inside.
_PLAIN_STRING_RE = re.compile(r"""(["'])[^"'\\\n]*\1""")


def _argument(node: ast.Call, param: tuple[str, int | None] | None) -> ast.expr | None:
    if param is None:
        return None
    keyword, position = param
    for kw in node.keywords:
        if kw.arg == keyword:
            return kw.value
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if position is not None and position < len(positional):
        return positional[position]
    return None


def _start(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


class CstSource:
    """An expression's source as libcst's ``code_for_node`` gave it, with the parentheses
    around it: libcst made them part of the node (the receiver of ``(app).run()`` is ``(app)``,
    and ``("x.pid")`` ends in ``)``), ast leaves them out. The checks written on libcst
    compared and matched these texts."""

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        self._text: str = file.text
        self._semantic: SemanticModel = file.semantic
        self._lines: list[str] = []
        self._tokens: list[tokenize.TokenInfo] | None = None
        self._starts: dict[tuple[int, int], int] = {}
        self._ends: dict[tuple[int, int], int] = {}

    def __call__(self, node: ast.expr) -> str:
        if not self._lines:
            self._lines = re.split(r"\r\n|\r|\n", self._text)
        span = self._parenthesized(node)
        if span is None:
            source = ast.get_source_segment(self._text, node) or ""
            return re.sub(r"\r\n?", "\n", source) if "\r" in source else source
        (line, column), (end_line, end_column) = span
        if line == end_line:
            return self._lines[line - 1][column:end_column]
        # Line breaks as libcst wrote them: "\n" (what our libcst rules printed nodes with).
        return "\n".join([self._lines[line - 1][column:], *self._lines[line:end_line - 1],
                          self._lines[end_line - 1][:end_column]])

    def _parenthesized(self, node: ast.expr) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Where the parentheses that wrap ``node`` start and end, or None."""
        start, end = self._position(node.lineno, node.col_offset), self._position(node.end_lineno, node.end_col_offset)
        before = self._lines[start[0] - 1][:start[1]].rstrip(" \t\f")
        after = self._lines[end[0] - 1][end[1]:].lstrip(" \t\f")
        if before[-1:] not in ("(", "") or after[:1] not in (")", "", "#", "\\"):
            return None  # what precedes or follows on the line is no parenthesis
        self._tokenize()
        first, last = self._starts.get(start), self._ends.get(end)
        if first is None or last is None:
            return None
        tokens, wraps = self._tokens, 0
        while (first - wraps > 0 and last + wraps + 1 < len(tokens) and tokens[first - wraps - 1].string == "("
               and tokens[last + wraps + 1].string == ")"):
            wraps += 1
        parent = self._semantic.parent(node)
        if wraps and ((isinstance(parent, ast.Call) and parent.func is not node
                       and len(parent.args) + len(parent.keywords) == 1)
                      or (isinstance(parent, ast.ClassDef) and len(parent.bases) + len(parent.keywords) == 1)):
            wraps -= 1  # `f(x)`: the call's parentheses
        if not wraps:
            return None
        return tokens[first - wraps].start, tokens[last + wraps].end

    def _position(self, line: int, byte_column: int) -> tuple[int, int]:
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        return line, byte_column if text.isascii() else len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    def _tokenize(self) -> None:
        if self._tokens is not None:
            return
        self._tokens = []
        skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
        try:
            for token in tokenize.generate_tokens(io.StringIO(self._text, newline=None).readline):
                if token.type not in skip:
                    self._tokens.append(token)
        except (tokenize.TokenError, SyntaxError):
            self._tokens = []
        self._starts = {t.start: i for i, t in enumerate(self._tokens)}
        self._ends = {t.end: i for i, t in enumerate(self._tokens)}


def main_guard(test: ast.expr, source: Callable[[ast.AST], str]) -> bool:
    """``__name__`` compared with a ``"__main__"`` literal (``source`` gives a node's code: the
    semantic model's): the libcst collectors' test, which took any one comparison operator
    (``semantic.is_main_guard`` takes ``==`` only) but no implicit concatenation."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" and one_literal(source(s))
        for s in sides)
