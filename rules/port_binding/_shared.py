"""What each process binds, for the port-binding rules: binds in code (from ``PortFacts``) and
on server command lines (``uvicorn … --port 8000``, ``gunicorn -b 0.0.0.0:8000``, read from
``commands(repo)``), and when the rules apply.

Server command-line defaults are data, checked against the versions named beside them.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tfa_lint.model import Fact, FileKind, Repo, path_role
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs
from tfa_lint.sources.platform import PlatformManifest

from ..facts.commandline import segments
from ..facts.ports import BindFact, CallGraphFact
from ..facts.processes import Command, resolve_module, traits

NOT_A_SERVICE = "no web service found (no web app, server call, EXPOSE or Procfile web process)"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


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
_PYTHON_RE = re.compile(r"^python(\d(\.\d+)?)?$")


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
    host_span: tuple[int, int] | None = None  # the host literal's text in the code (BindFact.host_span)

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


def _code_listen(fact: Fact[BindFact]) -> Listen:
    d = fact.data
    return Listen(fact.path, fact.line, fact.column, d.via, d.port, d.host, d.loopback_default,
                  d.default_port, d.host_env, d.port_env, in_code=True, port_keyword=d.port_keyword,
                  port_at=(d.port_line, d.port_column) if d.port_line is not None else None,  # type: ignore[arg-type]
                  host_at=(d.host_line, d.host_column) if d.host_line is not None else None,  # type: ignore[arg-type]
                  host_span=(d.host_span[0], d.host_span[1]) if d.host_span else None)


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
        repo.memo["ports.graphs"] = {f.path: f.data for f in repo.facts(CallGraphFact)}
    graphs = repo.memo["ports.graphs"]
    seen: dict[str, set[str]] = {}
    todo = [(path, scope) for path, scopes in roots.items() for scope in scopes]
    while todo:
        path, scope = todo.pop()
        if scope in seen.setdefault(path, set()):
            continue
        seen[path].add(scope)
        graph: CallGraphFact | None = graphs.get(path)
        if graph is None:
            continue
        todo += [(path, callee) for callee in graph.calls.get(scope, ())]
        for qname in graph.imported.get(scope, ()):
            target = _function_file(repo, path, qname)
            if target:
                todo.append(target)
    return seen


def _binds_from(repo: Repo, roots: dict[str, set[str]]) -> list[Listen]:
    reach = _reachable(repo, roots)
    return [_code_listen(f) for f in repo.facts(BindFact)
            if path_role(f.path) in ("src", "script") and f.data.scope in reach.get(f.path, ())]


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


def _kind(repo: Repo, cmd: Command) -> FileKind | None:
    art = repo.artifact(cmd.path)
    return art.kind if art is not None else None


def in_container(repo: Repo, cmd: Command) -> bool:
    """Whether the command runs in a container whose network only its ports reach: a
    Dockerfile's, a compose service's, or a container platform's process (Kubernetes, fly,
    Render, DigitalOcean, Railway, Heroku; supervisord may run on a host). A container of a
    Kubernetes pod with sidecars is not counted: they share its loopback."""
    art = repo.artifact(cmd.path)
    if isinstance(art, PlatformManifest):
        process = next((p for p in art.processes if p.line == cmd.line and p.name == cmd.name), None)
        return art.platform != "supervisord" and process is not None and not process.shares_network
    return _kind(repo, cmd) in (FileKind.DOCKERFILE, FileKind.COMPOSE)


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
    for art in repo.artifacts(FileKind.PLATFORM):
        if isinstance(art, PlatformManifest) and path_role(art.path) in ("src", "script"):
            names.update(e.key for process in art.processes for e in process.environment)
    return names


def _service_reason(repo: Repo) -> str | None:
    return None if traits(repo).is_service else NOT_A_SERVICE
