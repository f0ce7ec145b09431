"""``PortFacts`` records where Python code binds a listening socket (``uvicorn.run``, Flask's
``app.run``, gradio ``launch``…), with the port and host as literals, ``"env"`` when they come
from the environment, settings or a variable, or absent; plus each file's call graph, so the
port-binding rules can tell which binds the declared processes actually execute.

Framework defaults are data, checked against the versions named beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import QualifiedNameSource

from tfa_lint.rule import FactCollector

from .processes import is_main_guard


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


class PortFacts(FactCollector):
    """Binds of listening sockets, reads of ``PORT`` from the environment, and the call graph."""

    name = "ports"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._functions: list[str] = []
        self._main_depth = 0
        self._apps: dict[str, str] = {}  # receiver source ("app", "self.app") -> constructor
        self._values: dict[str, list[cst.BaseExpression]] = {}  # name -> every value assigned to it
        self._binds: list[tuple[cst.Call, BindSpec, str]] = []
        self._calls: dict[str, set[str]] = {}
        self._imported: dict[str, set[str]] = {}

    @property
    def _scope(self) -> str:
        if self._main_depth:
            return "<main>"
        return self._functions[-1] if self._functions else "<module>"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        for param in (*node.params.params, *node.params.kwonly_params):
            self._values.setdefault(param.name.value, []).append(cst.Name("__param__"))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node):
            self._main_depth += 1

    def leave_If(self, original_node: cst.If) -> None:
        if is_main_guard(original_node):
            self._main_depth -= 1

    # Values of names, and which names hold app objects.
    def _assigned(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self._values.setdefault(target.value, []).append(value if value is not None else cst.Name("__unknown__"))
        if value is not None and isinstance(target, (cst.Name, cst.Attribute)):
            ctor = self._app_constructor(value)
            if ctor:
                self._apps[self.source_of(target)] = ctor

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._assigned(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._assigned(node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, (cst.Name, cst.Attribute)):
            self._assigned(node.asname.name, node.item)

    def _app_constructor(self, value: cst.BaseExpression) -> str | None:
        if not isinstance(value, cst.Call):
            return None
        for name in self.qualified_names(value.func):
            if name in RECEIVERS:
                return name
        func = value.func
        callee = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        return "flask.Flask" if callee in _FACTORIES else None

    # Calls: the call graph, PORT reads, and binds.
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name):
            self._calls.setdefault(self._scope, set()).add(func.value)
        elif isinstance(func, cst.Attribute):
            self._calls.setdefault(self._scope, set()).add(func.attr.value)
        for qname in self.resolved_names(func):
            if qname.source is QualifiedNameSource.IMPORT and "." in qname.name.strip("."):
                self._imported.setdefault(self._scope, set()).add(qname.name)
        names = self.qualified_names(func)
        if names & {"os.getenv", "os.environ.get", "os.environ.setdefault"} and node.args:
            self._env_read(node.args[0].value, node)
        for name in names:
            if name in BIND_CALLS:
                self._binds.append((node, BIND_CALLS[name], self._scope))
                return
            if name in ADDRESS_SERVERS and node.args:
                self._binds.append((node, BindSpec(f"{name.rsplit('.', 1)[-1]}()", None, None, False, None),
                                    self._scope))
                return
        if isinstance(func, cst.Attribute) and func.attr.value in ("run", "launch"):
            self._method_bind(node, func)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if "os.environ" in self.qualified_names(node.value) and len(node.slice) == 1:
            index = node.slice[0].slice
            if isinstance(index, cst.Index):
                self._env_read(index.value, node)

    def _env_read(self, key: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(key, cst.SimpleString) and _PORT_ENV_RE.search(str(key.evaluated_value)):
            self.record("port-env-read", node, name=str(key.evaluated_value))

    def _method_bind(self, node: cst.Call, func: cst.Attribute) -> None:
        receiver = func.value
        while (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute)
               and receiver.func.attr.value in _CHAIN):
            receiver = receiver.func.value
        ctor = self._app_constructor(receiver) or (
            self._apps.get(self.source_of(receiver)) if isinstance(receiver, (cst.Name, cst.Attribute)) else None)
        if ctor:
            if _METHOD.get(ctor, "run") == func.attr.value:
                self._binds.append((node, RECEIVERS[ctor], self._scope))
            return
        # An app imported from elsewhere (`from web import app; app.run(port=5000)`): a server
        # for sure when it is given a port, but of unknown defaults (gradio's names are its own).
        keywords = {a.keyword.value for a in node.args if a.keyword is not None}
        if "server_port" in keywords and func.attr.value == "launch":
            self._binds.append((node, RECEIVERS["gradio.Blocks"], self._scope))
        elif "port" in keywords:
            label = f"{self.source_of(func)}()"
            self._binds.append((node, BindSpec(label, ("host", None), ("port", None), False, None), self._scope))

    def _resolve(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """A name assigned exactly once in this file stands for its value."""
        if isinstance(expr, cst.Name):
            values = self._values.get(expr.value, [])
            if len(values) == 1 and not isinstance(values[0], cst.Name):
                return values[0]
        return expr

    def _literal(self, expr: cst.BaseExpression, kind: type) -> int | str:
        """The literal port or host, or "env" when the value comes from anywhere else."""
        value = self._resolve(expr)
        if kind is int and isinstance(value, cst.Integer):
            return int(value.evaluated_value)
        if kind is str and isinstance(value, cst.SimpleString):
            return str(value.evaluated_value)
        return "env"

    def _address(self, node: cst.Call, spec: BindSpec) -> dict:
        """Host and port of a bind call, with where they are written."""
        if spec.host is None and spec.port is None:  # a (host, port) tuple server
            address = self._resolve(node.args[0].value)
            if not (isinstance(address, cst.Tuple) and len(address.elements) == 2):
                return {"host": "env", "port": "env"}
            host_arg, port_arg = (e.value for e in address.elements)
        else:
            host_arg, port_arg = _argument(node, spec.host), _argument(node, spec.port)
        data: dict = {}
        for key, arg, kind in (("host", host_arg, str), ("port", port_arg, int)):
            data[key] = None if arg is None else self._literal(arg, kind)
            if arg is not None:
                line, column = self.position(arg)[:2]
                data.update({f"{key}_line": line, f"{key}_column": column})
        return data

    def leave_Module(self, original_node: cst.Module) -> None:
        # Resolved at the end: module constants may be assigned after the function using them.
        for node, spec, scope in self._binds:
            self.record("bind", node, via=spec.label, scope=scope, loopback_default=spec.loopback_default,
                        port_keyword=spec.port[0] if spec.port else None,
                        default_port=spec.default_port, host_env=spec.host_env, port_env=spec.port_env,
                        **self._address(node, spec))
        self.record("call-graph", None, calls={k: sorted(v) for k, v in self._calls.items()},
                    imported={k: sorted(v) for k, v in self._imported.items()})


def _argument(node: cst.Call, param: tuple[str, int | None] | None) -> cst.BaseExpression | None:
    if param is None:
        return None
    keyword, position = param
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in node.args if a.keyword is None and not a.star]
    if position is not None and position < len(positional):
        return positional[position].value
    return None
