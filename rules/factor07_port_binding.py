"""Factor VII — Port binding: the service exports HTTP by binding the port it is given.

``PortFacts`` records where Python code binds a listening socket (``uvicorn.run``, Flask's
``app.run``, gradio ``launch``…), with the port and host as literals, ``"env"`` when they come
from the environment, settings or a variable, or absent; plus each file's call graph, so the
rules can tell which binds the declared processes actually execute. Server command lines
(``uvicorn … --port 8000``, ``gunicorn -b 0.0.0.0:8000``) are read from ``commands(repo)``.

Framework defaults are data, checked against the versions named beside them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import QualifiedNameSource

from tfa_lint.model import Fact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs
from tfa_lint.sources.pyproject import Pyproject

from .facts.commandline import segments
from .facts.processes import (
    Command,
    ProcessFacts,
    commands,
    is_main_guard,
    resolve_module,
    traits,
)

NOT_A_SERVICE = "no web service found (no web app, server call, EXPOSE or Procfile web process)"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


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


@dataclass(frozen=True)
class CliSpec:
    """A server's command line: its port and host flags, defaults and environment overrides."""

    port_flags: tuple[str, ...]
    host_flags: tuple[str, ...]
    bind_flags: tuple[str, ...]  # HOST:PORT
    loopback_default: bool
    default_port: int | None
    host_env: str | None = None
    port_env: str | None = None
    reads_port: bool = False  # binds $PORT by itself when the platform sets it


# uvicorn 0.30 (click, UVICORN_ prefix), gunicorn 22 (no --bind: $PORT or a config file),
# hypercorn 0.17 (127.0.0.1:8000), daphne 4 (127.0.0.1:8000), granian 1 (127.0.0.1:8000),
# streamlit 1.3x (all interfaces, 8501), flask 3 `flask run` (127.0.0.1:5000),
# fastapi-cli 0.0.5 (`run` 0.0.0.0, `dev` 127.0.0.1), chainlit 1 (port 8000).
CLI = {
    "uvicorn": CliSpec(("--port",), ("--host",), (), True, 8000, "UVICORN_HOST", "UVICORN_PORT"),
    "gunicorn": CliSpec((), (), ("-b", "--bind"), False, None, reads_port=True),
    "hypercorn": CliSpec((), (), ("-b", "--bind"), True, 8000),
    "daphne": CliSpec(("-p", "--port"), ("-b", "--bind"), (), True, 8000),
    "granian": CliSpec(("--port",), ("--host",), (), True, 8000, "GRANIAN_HOST", "GRANIAN_PORT"),
    "streamlit": CliSpec(("--server.port",), ("--server.address",), (), False, 8501,
                         "STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_PORT"),
    "flask": CliSpec(("-p", "--port"), ("-h", "--host"), (), True, 5000, "FLASK_RUN_HOST", "FLASK_RUN_PORT"),
    "fastapi-run": CliSpec(("--port",), ("--host",), (), False, 8000),
    "fastapi-dev": CliSpec(("--port",), ("--host",), (), True, 8000),
    "chainlit": CliSpec(("--port",), ("--host",), (), False, 8000, "CHAINLIT_HOST", "CHAINLIT_PORT"),
}
_PROXIES = {"nginx", "caddy", "traefik", "envoy", "haproxy"}
_PORT_ENV_RE = re.compile(r"(?i)(^|_)PORT$")
_PYTHON_RE = re.compile(r"^python(\d(\.\d+)?)?$")


# -- facts -------------------------------------------------------------------------------------

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


# -- what each process binds -------------------------------------------------------------------

@dataclass(frozen=True)
class Listen:
    """One way a process listens: a bind in code, or a server's command line."""

    path: str
    line: int  # the bind call, or the command
    column: int
    source: str  # "uvicorn.run()", "uvicorn command"…
    port: int | str | None  # literal, "env", or None (the server's default)
    host: str | None  # literal, "env", or None (the server's default)
    loopback_default: bool
    default_port: int | None
    host_env: str | None = None
    port_env: str | None = None
    in_code: bool = False
    reads_port: bool = False
    port_at: tuple[int, int] | None = None  # where the port / host argument is written
    host_at: tuple[int, int] | None = None
    port_keyword: str | None = None  # how the code passes the port, for the fix

    @property
    def runner(self) -> str:
        return self.source.split()[0]

    def bound_port(self, env: set[str]) -> int | str | None:
        """The port it listens on: a literal, "env" when the environment decides, or None if unknown."""
        if self.port is not None:
            return self.port
        if (self.port_env and self.port_env in env) or self.reads_port:
            return "env"
        return self.default_port

    def binds_loopback(self, env: set[str]) -> bool:
        if isinstance(self.host, str) and self.host in LOOPBACK:
            return True
        return self.host is None and self.loopback_default and not (self.host_env and self.host_env in env)


def _cli_listens(cmd: Command) -> list[Listen]:
    out = []
    for segment in segments(cmd.words):
        words = list(segment.program)
        if len(words) >= 3 and _PYTHON_RE.match(words[0].rsplit("/", 1)[-1]) and words[1] == "-m":
            words = words[2:]  # python -m uvicorn …
        if not words:
            continue
        runner, args = words[0].rsplit("/", 1)[-1], words[1:]
        if runner == "fastapi" and args and args[0] in ("run", "dev"):
            runner, args = f"fastapi-{args[0]}", args[1:]
        elif runner == "flask":
            if "run" not in args:
                continue
            args = args[args.index("run") + 1:]
        if runner in CLI:
            listen = _parse_cli(cmd, runner, args)
            if listen is not None:
                out.append(listen)
    return out


def _parse_cli(cmd: Command, runner: str, args: list[str]) -> Listen | None:
    spec = CLI[runner]
    port: int | str | None = None
    host: str | None = None
    for i, arg in enumerate(args):
        flag, eq, inline = arg.partition("=")
        if flag.startswith("-b") and len(flag) > 2 and not flag.startswith("--"):
            flag, inline, eq = "-b", arg[2:], "="  # -b0.0.0.0:8000
        value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
        if flag in ("--uds", "--fd", "-u", "--unix-socket") or value.startswith(("unix:", "fd://")):
            return None  # a socket file, not a port
        if flag in ("-c", "--config") and runner in ("gunicorn", "hypercorn"):
            return None  # the config file decides
        if flag in spec.port_flags:
            port = _port_word(value)
        elif flag in spec.host_flags:
            host = "env" if "$" in value else value
        elif flag in spec.bind_flags:
            address, _, port_text = value.rpartition(":")
            port = _port_word(port_text)
            host = "env" if "$" in address else address or "0.0.0.0"
    return Listen(cmd.path, cmd.line, 1, runner.replace("-", " "), port, host, spec.loopback_default,
                  spec.default_port, spec.host_env, spec.port_env, reads_port=spec.reads_port)


def _port_word(text: str) -> int | str:
    return int(text) if text.isdigit() else "env"


def _code_listen(fact: Fact) -> Listen:
    d = fact.data
    return Listen(fact.path, fact.line, fact.column, d["via"], d["port"], d["host"], d["loopback_default"],
                  d["default_port"], d["host_env"], d["port_env"], in_code=True, port_keyword=d["port_keyword"],
                  port_at=(d["port_line"], d["port_column"]) if "port_line" in d else None,
                  host_at=(d["host_line"], d["host_column"]) if "host_line" in d else None)


def _resolve(repo: Repo, target: str) -> str | None:
    """``resolve_module``, also for paths inside the image (`/app/main.py` -> `main.py`)."""
    parts = target.split("/")
    for i in range(len(parts)):
        found = resolve_module(repo, "/".join(parts[i:]))
        if found:
            return found
    return None


def _module_index(repo: Repo) -> dict[str, list[str]]:
    """Last dotted component -> the repo's Python files whose module path ends with it."""
    if "ports.modules" not in repo.memo:
        index: dict[str, list[str]] = {}
        for path in repo.files_of(FileKind.PYTHON):
            mod = path[:-3].replace("/", ".")
            mod = mod.removesuffix(".__init__")
            index.setdefault(mod.rsplit(".", 1)[-1], []).append(path)
        repo.memo["ports.modules"] = index
    return repo.memo["ports.modules"]


def _function_file(repo: Repo, importer: str, qname: str) -> tuple[str, str] | None:
    """The repo file and function a qualified name from ``importer`` points at."""
    dots = len(qname) - len(qname.lstrip("."))
    if dots:
        package = posixpath.dirname(importer).split("/") if posixpath.dirname(importer) else []
        package = package[: len(package) - (dots - 1)] if dots > 1 else package
        qname = ".".join([*package, qname.lstrip(".")])
    module, _, func = qname.rpartition(".")
    if not module:
        return None
    for path in _module_index(repo).get(module.rsplit(".", 1)[-1], []):
        mod = path[:-3].replace("/", ".").removesuffix(".__init__")
        if mod == module or mod.endswith("." + module):
            return path, func
    return None


def _reachable(repo: Repo, roots: dict[str, set[str]]) -> dict[str, set[str]]:
    """Scopes reachable from ``roots`` (file -> scopes), following calls within a file and
    calls of functions imported from the repo's own modules."""
    if "ports.graphs" not in repo.memo:
        repo.memo["ports.graphs"] = {f.path: f.data for f in repo.facts("call-graph")}
    graphs = repo.memo["ports.graphs"]
    seen: dict[str, set[str]] = {}
    todo = [(path, scope) for path, scopes in roots.items() for scope in scopes]
    while todo:
        path, scope = todo.pop()
        if scope in seen.setdefault(path, set()):
            continue
        seen[path].add(scope)
        graph = graphs.get(path, {})
        todo += [(path, callee) for callee in graph.get("calls", {}).get(scope, ())]
        for qname in graph.get("imported", {}).get(scope, ()):
            target = _function_file(repo, path, qname)
            if target:
                todo.append(target)
    return seen


def _project_scripts(repo: Repo) -> dict[str, set[str]]:
    roots: dict[str, set[str]] = {}
    for art in repo.artifacts(FileKind.PYPROJECT):
        if not isinstance(art, Pyproject) or path_role(art.path) not in ("src", "script"):
            continue
        project = art.data.get("project") if isinstance(art.data.get("project"), dict) else {}
        scripts = project.get("scripts") if isinstance(project.get("scripts"), dict) else {}
        for target in scripts.values():
            if isinstance(target, str) and ":" in target:
                module, _, func = target.partition(":")
                found = _function_file(repo, art.path, f"{module}.{func.split('.')[0]}")
                if found:
                    roots.setdefault(found[0], set()).update({found[1], "<module>"})
    return roots


def _binds_from(repo: Repo, roots: dict[str, set[str]]) -> list[Listen]:
    reach = _reachable(repo, roots)
    return [_code_listen(f) for f in repo.facts("bind")
            if path_role(f.path) in ("src", "script") and f.data["scope"] in reach.get(f.path, ())]


def listens(repo: Repo, cmd: Command) -> list[Listen]:
    """How the process ``cmd`` declares listens: its command line and the code it runs."""
    roots: dict[str, set[str]] = {}
    for target in cmd.python_targets():
        path = _resolve(repo, target)
        if path:
            roots.setdefault(path, set()).update({"<main>", "<module>"})
    for target in cmd.app_targets():
        path = _resolve(repo, target)
        if path:  # imported by the server: its `__main__` block never runs
            roots.setdefault(path, set()).add("<module>")
    return _cli_listens(cmd) + (_binds_from(repo, roots) if roots else [])


def undeclared_listens(repo: Repo) -> list[Listen]:
    """With no declared process: the binds reachable from the repo's own entry points."""
    roots = _project_scripts(repo)
    for fact in repo.facts("call-graph"):
        if path_role(fact.path) == "src":
            roots.setdefault(fact.path, set()).update({"<main>", "<module>"})
    return _binds_from(repo, roots)


def _kind(repo: Repo, cmd: Command) -> FileKind | None:
    art = repo.artifact(cmd.path)
    return art.kind if art is not None else None


def _dockerfile_ports(art: Dockerfile) -> tuple[set[int], bool, int]:
    """EXPOSEd ports of the final stage, whether any is env-driven, and the first EXPOSE line."""
    ports: set[int] = set()
    dynamic = False
    line = 0
    stage = art.final_stage
    for ins in stage.instructions if stage else ():
        if ins.keyword != "EXPOSE":
            continue
        line = line or ins.line
        for word in ins.value.split():
            number = word.split("/")[0]
            if number.isdigit():
                ports.add(int(number))
            elif "-" in number and all(p.isdigit() for p in number.split("-")):
                low, high = (int(p) for p in number.split("-"))
                ports.update(range(low, high + 1))
            else:
                dynamic = True
    return ports, dynamic, line


def _container_env(repo: Repo) -> set[str]:
    """Variables the runtime Dockerfiles' final stages and compose services set."""
    names: set[str] = set()
    for art in repo.artifacts(FileKind.DOCKERFILE):
        if isinstance(art, Dockerfile) and path_role(art.path) in ("src", "script") and art.final_stage:
            for ins in art.final_stage.instructions:
                if ins.keyword == "ENV":
                    names.update(k for k, _ in env_pairs(ins.value))
    for art in repo.artifacts(FileKind.COMPOSE):
        if isinstance(art, ComposeFile):
            names.update(e.key for svc in art.services for e in svc.environment)
    return names


def _port_env_read(repo: Repo, paths: set[str]) -> bool:
    return any(f.path in paths for f in repo.facts("port-env-read"))


def _service_reason(repo: Repo) -> str | None:
    return None if traits(repo).is_service else NOT_A_SERVICE


# -- rules ------------------------------------------------------------------------------------

class ListenPortHardcoded(RepoRule):
    id = "TFA0701"
    name = "listen-port-hardcoded"
    factor = 7
    severity = Severity.WARNING
    title = "Listen port hardcoded"
    collectors = (PortFacts, ProcessFacts)
    what = """
        The process a repository declares (Procfile, Dockerfile `CMD`, or its `__main__`
        entry when nothing is declared) listens on a port written as a literal: `uvicorn.run(app,
        port=8000)`, `app.run(port=5000)`, `demo.launch(server_port=7860)`, `HTTPServer(("", 8000), …)`;
        a Procfile `web:` command that ignores `$PORT`; a Dockerfile `CMD` with `--port 8000` or
        `-b 0.0.0.0:8000` in an image that `EXPOSE`s no port. Not reported: ports read from the
        environment, settings or a variable; `gunicorn` without `--bind` (it binds `$PORT`); servers
        left on their default outside a Procfile; the `__main__` block of a module a server command
        imports (`uvicorn mod:app` never runs it); compose `command`s (deployment configuration).
    """
    why = """
        A twelve-factor service is handed its port by the environment: Heroku, Cloud Run, Render
        and local process managers set `PORT` and route traffic to it. A port fixed in code cannot
        be changed without a rebuild, so two services collide, and on a platform that assigns the
        port the process boots, listens on the wrong one and is killed for not binding in time.
    """
    fix = """
        Read the port from the environment with the current value as the default:
        `uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))`; in a Procfile
        pass `--port $PORT` (`--bind 0.0.0.0:$PORT`, `--server.port $PORT`); in a Dockerfile use
        `CMD exec uvicorn app:app --host 0.0.0.0 --port ${PORT:-8000}` or `EXPOSE` the port you fix.
    """
    invalid = (
        Example.of("""
            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=8000)
        """, "server.py", lines=(7,)),
        Example.repo({
            "Procfile": "web: uvicorn agent.api:app --host 0.0.0.0 --port 8000\nworker: python -m agent.worker\n",
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(1,)),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["python", "/app/main.py"]
            """,
            "main.py": """
                import gradio as gr

                from agent import respond

                LISTEN_PORT = 7860

                with gr.Blocks() as demo:
                    gr.ChatInterface(respond)


                def serve():
                    demo.queue().launch(server_name="0.0.0.0", server_port=LISTEN_PORT)


                serve()
            """,
        }, lines=(12,)),
        Example.repo({
            "Procfile": "web: python app.py\n",
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(host="0.0.0.0")
            """,
        }, lines=(1,)),
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "agent.api:app"]
        """, "Dockerfile", lines=(3,)),
    )
    valid = (
        Example.of("""
            import os

            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))
        """, "server.py"),
        Example.repo({
            "Procfile": "web: gunicorn -k uvicorn.workers.UvicornWorker agent.api:app\n",
            "Dockerfile": """
                FROM python:3.12-slim
                EXPOSE 8000
                CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "agent/api.py": """
                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app, port=8000)
            """,
        }),
        Example.repo({
            "app.py": """
                from flask import Flask

                from agent.config import settings

                app = Flask(__name__)


                def main(port: int = 5000):
                    app.run(host=settings.host, port=port)


                if __name__ == "__main__":
                    main()
            """,
            "tests/test_app.py": """
                from app import app

                app.run(port=5001)
            """,
            "scripts/dev_server.py": """
                import uvicorn

                uvicorn.run("agent.api:app", port=8000, reload=True)
            """,
        }),
        Example.repo({
            "Procfile": "web: streamlit run app.py --server.port $PORT --server.address 0.0.0.0\n",
            "app.py": "import streamlit as st\n\nst.title('agent')\n",
            "ui.py": """
                import gradio as gr

                demo = gr.Interface(fn=str.upper, inputs="text", outputs="text")
                demo.launch(server_name="0.0.0.0")
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _service_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        cmds = commands(repo)
        found: list[Finding] = []
        for cmd in cmds:
            found += self._check_command(repo, cmd)
        if not cmds:
            found += [self._in_code(listen) for listen in undeclared_listens(repo) if isinstance(listen.port, int)]
        seen: set[tuple[str, int, int]] = set()
        for finding in found:
            if (finding.path, finding.line, finding.column) not in seen:
                seen.add((finding.path, finding.line, finding.column))
                yield finding

    def _check_command(self, repo: Repo, cmd: Command) -> list[Finding]:
        kind = _kind(repo, cmd)
        procfile_web = kind is FileKind.PROCFILE and cmd.name == "web"
        mentions_port = any("PORT" in w for w in cmd.words)
        out = []
        for listen in listens(repo, cmd):
            if listen.in_code:
                if isinstance(listen.port, int):
                    out.append(self._in_code(listen))
                elif (procfile_web and listen.port is None and not mentions_port
                      and not _port_env_read(repo, {listen.path})):
                    default = f" (its default, {listen.default_port})" if listen.default_port else ""
                    out.append(self.finding(
                        cmd.path, cmd.line, 1,
                        f"The Procfile `web` process runs `{listen.source}` ({listen.path}:{listen.line}) without a "
                        f"port, so it listens on a fixed port{default} instead of the `$PORT` the platform assigns: "
                        f'pass `{listen.port_keyword or "port"}=int(os.environ["PORT"])`'))
            elif procfile_web and not mentions_port and (
                    isinstance(listen.port, int) or (listen.port is None and not listen.reads_port)):
                fixed = listen.port if isinstance(listen.port, int) else f"its default {listen.default_port}"
                out.append(self.finding(
                    cmd.path, cmd.line, 1,
                    f"The Procfile `web` process listens on port {fixed} instead of the `$PORT` the platform "
                    f"assigns: pass `{_port_hint(listen)}`"))
            elif kind is FileKind.DOCKERFILE and isinstance(listen.port, int):
                art = repo.artifact(cmd.path)
                # With an EXPOSE the port is the image's declared contract (a mismatch is TFA0703's).
                if isinstance(art, Dockerfile) and not _dockerfile_ports(art)[2]:
                    out.append(self.finding(
                        cmd.path, cmd.line, 1,
                        f"The image's {cmd.name} fixes the listen port to {listen.port} and declares no port: read "
                        f"it from the environment (`{_port_hint(listen)}`, in shell form with `exec`) or declare "
                        f"`EXPOSE {listen.port}`"))
        return out

    def _in_code(self, listen: Listen) -> Finding:
        line, column = listen.port_at or (listen.line, listen.column)
        read = f'int(os.getenv("PORT", "{listen.port}"))'
        fix = f"`{listen.port_keyword}={read}`" if listen.port_keyword else f"`{read}` in the address"
        return self.finding(listen.path, line, column,
                            f"`{listen.source}` listens on hardcoded port {listen.port}: read it from the "
                            f"environment, e.g. {fix}")


def _port_hint(listen: Listen) -> str:
    if listen.runner in ("gunicorn", "hypercorn"):
        return "--bind 0.0.0.0:$PORT"
    if listen.runner == "streamlit":
        return "--server.port $PORT"
    return "--port $PORT"


class LoopbackInContainer(RepoRule):
    id = "TFA0702"
    name = "loopback-bind-in-container"
    factor = 7
    severity = Severity.WARNING
    title = "Service binds loopback only inside a container"
    collectors = (PortFacts, ProcessFacts)
    what = """
        The process a container runs (the final Dockerfile stage's `CMD`/`ENTRYPOINT`, or a compose
        `command`) listens on `127.0.0.1`/`localhost`: explicitly (`host="127.0.0.1"`,
        `--host localhost`, `-b 127.0.0.1:8000`) or by the server's default — `uvicorn.run()`,
        Flask's `app.run()`, gradio `launch()` without a host, or the `uvicorn`, `flask run`,
        `hypercorn` commands without `--host`/`--bind`. Not reported: hosts read from the environment,
        defaults overridden by a container variable (`UVICORN_HOST`, `GRADIO_SERVER_NAME`…), a
        reverse proxy started by the same command, and compose `network_mode: host|service:…`.
    """
    why = """
        Inside a container, loopback is the container's own: a server bound to 127.0.0.1 cannot be
        reached through the published port, so the service starts, passes no request, and looks
        healthy from the inside only. The port binding the factor asks for is an address other
        processes can reach.
    """
    fix = """
        Bind all interfaces in the container: `--host 0.0.0.0` on the command line,
        `host="0.0.0.0"` (or `host=os.getenv("HOST", "0.0.0.0")`) in code,
        `server_name="0.0.0.0"` or `ENV GRADIO_SERVER_NAME=0.0.0.0` for gradio.
    """
    invalid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                WORKDIR /app
                CMD ["python", "app.py"]
            """,
            "app.py": """
                import os

                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(port=int(os.getenv("PORT", "5000")))
            """,
        }, lines=(8,)),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD uvicorn agent.api:app --port ${PORT:-8000}
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(3,)),
        Example.repo({
            "docker-compose.yml": """
                services:
                  agent:
                    build: .
                    command: ["python", "-m", "agent.serve"]
                    ports: ["8000:8000"]
            """,
            "agent/serve.py": """
                import uvicorn as server

                from agent.api import app

                server.run(app, host="localhost", port=8000)
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(5,)),
    )
    valid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "agent/api.py": """
                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app)
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                ENV GRADIO_SERVER_NAME=0.0.0.0
                COPY . /app
                CMD ["python", "/app/ui.py"]
            """,
            "ui.py": """
                import os

                import gradio as gr
                from flask import Flask

                demo = gr.Interface(fn=str.upper, inputs="text", outputs="text")
                admin = Flask(__name__)


                def serve_admin():
                    admin.run(host=os.getenv("ADMIN_HOST", "0.0.0.0"))


                if __name__ == "__main__":
                    demo.launch()
            """,
        }),
        Example.repo({
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run()
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["sh", "-c", "nginx && exec gunicorn -b 127.0.0.1:8001 agent.api:app"]
            """,
            "agent/api.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = _service_reason(repo)
        if reason:
            return reason
        if not any(_kind(repo, c) in (FileKind.DOCKERFILE, FileKind.COMPOSE) for c in commands(repo)):
            return "no container command found (no Dockerfile CMD/ENTRYPOINT or compose command)"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(re.search(r"(?m)^\s*network_mode:\s*[\"']?(host|service:)", a.text) for a in repo.artifacts(FileKind.COMPOSE)):
            return  # host networking or a sidecar: loopback is reachable by design
        env = _container_env(repo)
        seen: set[tuple[str, int]] = set()
        for cmd in commands(repo):
            if _kind(repo, cmd) not in (FileKind.DOCKERFILE, FileKind.COMPOSE):
                continue
            if any(s.program and s.program[0].rsplit("/", 1)[-1] in _PROXIES for s in segments(cmd.words)):
                continue  # a reverse proxy in the same container forwards to the loopback server
            for listen in listens(repo, cmd):
                if not listen.binds_loopback(env):
                    continue
                line, column = listen.host_at or (listen.line, listen.column)
                if (listen.path, line) in seen:
                    continue
                seen.add((listen.path, line))
                how = (f"`{listen.host}`" if listen.host else "loopback (its default when no host is given)"
                       if listen.in_code else "loopback (its default without `--host`/`--bind`)")
                yield self.finding(listen.path, line, column,
                                   f"`{listen.source}` binds {how} inside the container ({cmd.path}), where no "
                                   f"published port can reach it: {_host_hint(listen)}")


def _host_hint(listen: Listen) -> str:
    if not listen.in_code:
        return ("pass `--bind 0.0.0.0:$PORT`" if listen.runner in ("gunicorn", "hypercorn", "daphne")
                else "pass `--host 0.0.0.0`")
    if listen.host_env:
        return 'pass `server_name="0.0.0.0"` or set `ENV GRADIO_SERVER_NAME=0.0.0.0`'
    return 'pass `host="0.0.0.0"` (or `host=os.getenv("HOST", "0.0.0.0")`)'


class DeclaredPortMismatch(RepoRule):
    id = "TFA0703"
    name = "declared-port-mismatch"
    factor = 7
    severity = Severity.NOTE
    title = "Declared and bound ports disagree"
    collectors = (PortFacts, ProcessFacts)
    what = """
        The ports a container declares — Dockerfile `EXPOSE`, the container side of compose
        `ports` — share none with the port its process listens on: a literal in the command
        (`--port 8000`) or the code it runs (`port=8000`), or the server's default (uvicorn 8000,
        Flask 5000, gradio 7860, streamlit 8501) when none is given. Skipped whenever either side
        comes from the environment (`EXPOSE $PORT`, `--port $PORT`, `port=settings.port`,
        `UVICORN_PORT` set).
    """
    why = """
        `EXPOSE` and compose `ports` are how the image tells the platform where the service is.
        When they name another port, the published port forwards to nothing and health checks
        fail, while the process runs happily on a port nobody routes to.
    """
    fix = """
        Make both sides one value: `EXPOSE 8000` with `--port 8000`, or better, derive both from
        `PORT` (`ENV PORT=8000`, `EXPOSE $PORT`, `--port $PORT`).
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            EXPOSE 8080
            CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
        """, "Dockerfile", lines=(3,)),
        Example.repo({
            "docker-compose.yml": """
                services:
                  ui:
                    build: .
                    command: python ui.py
                    ports:
                      - "80:8000"
            """,
            "ui.py": """
                import gradio as gr

                gr.ChatInterface(lambda m, h: m).launch(server_name="0.0.0.0")
            """,
        }, lines=(6,)),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            EXPOSE 8000
            CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            ENV PORT=8080
            EXPOSE 8080
            CMD exec uvicorn agent.api:app --host 0.0.0.0 --port $PORT
        """, "Dockerfile"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                EXPOSE 8080
                CMD ["python", "main.py"]
            """,
            "main.py": """
                import os

                import uvicorn

                from agent.api import app

                uvicorn.run(app, host="0.0.0.0", port=int(os.environ["PORT"]))
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                EXPOSE 9000
                CMD ["gunicorn", "agent.api:app"]
            """,
            "docker-compose.yml": """
                services:
                  redis:
                    image: redis:7
                    ports: ["6379:6379"]
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = _service_reason(repo)
        if reason:
            return reason
        has_exposed = any(isinstance(a, Dockerfile) and _dockerfile_ports(a)[2] for a in repo.artifacts(FileKind.DOCKERFILE))
        has_ports = any(isinstance(a, ComposeFile) and any(s.ports for s in a.services)
                        for a in repo.artifacts(FileKind.COMPOSE))
        return None if has_exposed or has_ports else "no declared port (no Dockerfile EXPOSE or compose ports)"

    def check(self, repo: Repo) -> Iterable[Finding]:
        env = _container_env(repo)
        cmds = commands(repo)
        docker_cmds = {c.path: c for c in cmds if _kind(repo, c) is FileKind.DOCKERFILE}
        for path, cmd in docker_cmds.items():
            art = repo.artifact(path)
            assert isinstance(art, Dockerfile)
            exposed, dynamic, line = _dockerfile_ports(art)
            bound = self._bound(repo, cmd, env)
            if exposed and not dynamic and bound and not exposed & bound:
                yield self.finding(path, line, 1, self._message("EXPOSE", exposed, bound))
        only_image = next(iter(docker_cmds.values())) if len(docker_cmds) == 1 else None
        for art in repo.artifacts(FileKind.COMPOSE):
            if not isinstance(art, ComposeFile) or path_role(art.path) not in ("src", "script"):
                continue
            for svc in art.services:
                if not svc.ports:
                    continue
                cmd = next((c for c in cmds if c.path == art.path and c.name == svc.name), None)
                if cmd is None and svc.builds:
                    cmd = only_image
                container = [_container_port(p) for p, _ in svc.ports]
                if cmd is None or any(p is None for p in container):
                    continue
                bound = self._bound(repo, cmd, env)
                declared = {p for p in container if isinstance(p, int)}
                if declared and bound and not declared & bound:
                    yield self.finding(art.path, svc.ports[0][1], 1, self._message(f"`{svc.name}` ports", declared, bound))

    @staticmethod
    def _bound(repo: Repo, cmd: Command, env: set[str]) -> set[int]:
        """Literal ports the process listens on; empty when any is env-driven or unknown."""
        ports = [listen.bound_port(env) for listen in listens(repo, cmd)]
        if not ports or any(not isinstance(p, int) for p in ports):
            return set()
        return {p for p in ports if isinstance(p, int)}

    @staticmethod
    def _message(what: str, declared: set[int], bound: set[int]) -> str:
        return (f"{what} declares {', '.join(map(str, sorted(declared)))} but the process listens on "
                f"{', '.join(map(str, sorted(bound)))}: traffic to the declared port reaches nothing. Use one "
                "port on both sides, ideally from `PORT`")


def _container_port(mapping: str) -> int | None:
    """The container side of a compose port mapping (`"127.0.0.1:80:8000/tcp"` -> 8000)."""
    if "$" in mapping:
        return None
    side = mapping.rsplit(":", 1)[-1].split("/")[0]
    return int(side) if side.isdigit() else None
