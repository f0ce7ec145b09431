"""The repository's process model, shared by the factor modules.

``ProcessFacts`` records, per Python file: web/worker apps, servers started by hand, service
loops reachable from the file's entry, and SIGTERM handlers. ``commands`` reads the process
declarations (Procfile, the final Dockerfile stage's CMD/ENTRYPOINT, compose commands).
``traits`` joins both into the two questions most rules ask: is this repo a service, and does
it run long-lived processes at all?

Runner facts are data, checked against the library versions named beside them.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass

from tfa_lint.model import Artifact, FileKind, Repo, path_role
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.sources.compose import ComposeFile, Service
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.platform import PlatformManifest
from tfa_lint.sources.procfile import Procfile

from .ast_nodes import CallGraphScopes, callee_name
from .commandline import tokens

#: Web app constructors (qualified names) -> framework.
APP_CONSTRUCTORS = {
    "fastapi.FastAPI": "fastapi",
    "flask.Flask": "flask",
    "starlette.applications.Starlette": "starlette",
    "quart.Quart": "quart",
    "sanic.Sanic": "sanic",
    "litestar.Litestar": "litestar",
    "aiohttp.web.Application": "aiohttp",
    "gradio.Blocks": "gradio",
    "gradio.Interface": "gradio",
    "gradio.ChatInterface": "gradio",
    "mcp.server.fastmcp.FastMCP": "mcp",
}
#: Calls that start a server or worker and install their own SIGTERM handling
#: (uvicorn 0.30: Server.capture_signals; aiohttp 3.9: run_app handle_signals=True;
#: python-telegram-bot 21: run_polling stop_signals).
SELF_HANDLING_RUNS = {"uvicorn.run", "uvicorn.Server", "aiohttp.web.run_app"}
SELF_HANDLING_METHODS = {"run_polling", "run_webhook"}
#: Blocking calls that serve forever with the default SIGTERM disposition. As PID 1 in a
#: container such a process ignores SIGTERM and is SIGKILLed after the grace period.
FOREVER_METHODS = {"serve_forever", "run_forever"}
#: Command-line runners that own SIGTERM (graceful shutdown) -> kind of process.
RUNNERS = {
    "uvicorn": "web", "gunicorn": "web", "hypercorn": "web", "daphne": "web", "granian": "web",
    "streamlit": "web", "chainlit": "web", "fastapi": "web", "litestar": "web",
    "celery": "worker", "rq": "worker", "arq": "worker", "dramatiq": "worker", "huey_consumer": "worker",
    "faust": "worker", "taskiq": "worker",
}
_PYTHON_RE = re.compile(r"^(?:.*/)?python(?:\d(?:\.\d+)?)?$")
#: Loop flags of a service: ``while running``, ``while not self.stop``.
_SERVICE_FLAG_RE = re.compile(r"(?i)(running|alive|stop|shutdown|exit|active|keep_going)")


@dataclass(frozen=True)
class MainGuardFact(FactData):
    """An ``if __name__ == "__main__":`` statement."""

    kind = "main-guard"


@dataclass(frozen=True)
class AppFact(FactData):
    """A web or worker app constructed (``FastAPI()``, ``Celery()``)."""

    kind = "app"
    framework: str


@dataclass(frozen=True)
class SigtermHandlerFact(FactData):
    """A signal handler installed in a file that names SIGTERM: at the first installing call."""

    kind = "sigterm-handler"


@dataclass(frozen=True)
class ServerRunFact(FactData):
    """A server started by hand (``uvicorn.run``, ``serve_forever``)."""

    kind = "server-run"
    reachable: bool  # from the file's entry: module level or its `__main__` block
    scope: str  # the function it is in, "<module>" or "<main>"
    runner: str
    handles_sigterm: bool  # the runner stops cleanly on SIGTERM by itself


@dataclass(frozen=True)
class LoopFact(FactData):
    """A service loop: ``while`` on a running flag or forever, not left by break, return or input."""

    kind = "loop"
    reachable: bool
    scope: str
    how: str


class ProcessFacts(AstCollector):
    name = "processes"
    records = (MainGuardFact, AppFact, SigtermHandlerFact, ServerRunFact, LoopFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._loops: list[dict] = []  # open while/for loops, innermost last
        self._calls: dict[str, set[str]] = {}
        # (what, where, scope, fields): recorded at the end, once the scopes reachable are known
        self._pending: list[tuple[type[ServerRunFact | LoopFact], ast.AST, str, dict]] = []
        self._mentions_sigterm = False
        self._installs_handler: ast.AST | None = None
        self._flask_apps: set[str] = set()
        self._scope = CallGraphScopes(self.semantic, is_main_guard)

    def _before(self, node: ast.AST, other: ast.AST) -> bool:
        return self.position(node)[:2] < self.position(other)[:2]

    def visit_If(self, node: ast.If) -> None:
        if is_main_guard(node):
            self.record(MainGuardFact(), node)

    def visit_While(self, node: ast.While) -> None:
        self._loops.append({"node": node, "fn": self.semantic.enclosing_function(node), "exits": False,
                            "interactive": False, "service": is_service_loop_test(node.test)})

    def leave_While(self, node: ast.While) -> None:
        loop = self._loops.pop()
        if loop["service"] and not loop["exits"] and not loop["interactive"]:
            self._pending.append((LoopFact, node, self._scope(node), {"how": "while loop"}))

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._loops.append({"node": node, "fn": self.semantic.enclosing_function(node), "exits": False,
                            "interactive": False, "service": False})

    def leave_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._loops.pop()

    visit_AsyncFor = visit_For
    leave_AsyncFor = leave_For

    def visit_Break(self, node: ast.Break) -> None:
        if self._loops:
            self._loops[-1]["exits"] = True

    def visit_Return(self, node: ast.Return) -> None:
        function = self.semantic.enclosing_function(node)
        for loop in self._loops:
            if loop["fn"] is function:
                loop["exits"] = True

    # -- SIGTERM named anywhere: every identifier libcst held as a Name node --------------
    def _mentions(self, *names: str | None) -> None:
        if "SIGTERM" in names:
            self._mentions_sigterm = True

    def visit_Name(self, node: ast.Name) -> None:
        self._mentions(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._mentions(node.attr)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._mentions(node.name)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_arg(self, node: ast.arg) -> None:
        self._mentions(node.arg)

    def visit_keyword(self, node: ast.keyword) -> None:
        self._mentions(node.arg)

    def visit_alias(self, node: ast.alias) -> None:
        self._mentions(*node.name.split("."), node.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._mentions(*(node.module or "").split("."))

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        self._mentions(*node.names)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._mentions(node.name)

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> None:
        self._mentions(node.name)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self._mentions(node.rest)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        self._mentions(*node.kwd_attrs)

    # -- apps and servers ------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        if not isinstance(node.value, ast.Call):
            return
        names = self.qualified_names(node.value.func)
        factory = callee_name(node.value.func) in ("create_app", "make_app")
        if names & {"flask.Flask", "flask_socketio.SocketIO"} or factory:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self._flask_apps.add(target.id)

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        callee = callee_name(node.func)
        scope = self._scope(node)
        if callee:
            self._calls.setdefault(scope, set()).add(callee)
        if callee in ("input", "getpass") or "builtins.input" in names:
            for loop in self._loops:
                loop["interactive"] = True
        installs = names & {"signal.signal", "signal.set_wakeup_fd", "anyio.open_signal_receiver", "aiorun.run"} or (
            callee == "add_signal_handler")
        if installs and (self._installs_handler is None or self._before(node, self._installs_handler)):
            self._installs_handler = node  # the first in source order
        for qname in names:
            if qname in APP_CONSTRUCTORS:
                self.record(AppFact(framework=APP_CONSTRUCTORS[qname]), node)
            if qname in SELF_HANDLING_RUNS:
                self._pending.append((ServerRunFact, node, scope, {"runner": qname, "handles_sigterm": True}))
        if isinstance(node.func, ast.Attribute):
            method = node.func.attr
            receiver = node.func.value
            if method in SELF_HANDLING_METHODS:
                self._pending.append((ServerRunFact, node, scope, {"runner": method, "handles_sigterm": True}))
            elif method in FOREVER_METHODS:
                self._pending.append((ServerRunFact, node, scope, {"runner": method, "handles_sigterm": False}))
            elif method == "run" and isinstance(receiver, ast.Name) and (
                    receiver.id in self._flask_apps or receiver.id == "socketio"):
                self._pending.append((ServerRunFact, node, scope,
                                      {"runner": f"{receiver.id}.run()", "handles_sigterm": False}))

    def leave_Module(self, node: ast.Module) -> None:
        # In source order, as libcst's walk met them: ast's walks a function's decorators and
        # defaults after its body, and a call's keywords after its starred arguments.
        self.facts.sort(key=lambda fact: (fact.line, fact.column))
        if self._mentions_sigterm and self._installs_handler is not None:
            self.record(SigtermHandlerFact(), self._installs_handler)
        reachable = _reachable(self._calls, {"<main>", "<module>"})
        for payload, found, scope, data in sorted(self._pending, key=self._met):
            self.record(payload(reachable=scope in reachable or scope in ("<main>", "<module>"), scope=scope, **data),
                        found)

    def _met(self, pending: tuple[type[ServerRunFact | LoopFact], ast.AST, str, dict]) -> tuple[int, int]:
        """When a walk in source order meets a pending fact: a call where it starts, a loop
        once all of it is read (where it ends)."""
        line, column, end_line, end_column = self.position(pending[1])
        return (end_line, end_column) if pending[0] is LoopFact else (line, column)


def is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":``, either way round and with any one comparison operator."""
    test = node.test
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))]
    return names == ["__name__"] and strings == ["__main__"]


def is_service_loop_test(test: ast.expr) -> bool:
    """``while True``/``while 1`` or a flag (``while running``, ``while not self.stop``)."""
    if isinstance(test, ast.Constant) and (test.value is True or (type(test.value) is int and test.value == 1)):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, (ast.Name, ast.Attribute)):
        name = test.id if isinstance(test, ast.Name) else test.attr
        return bool(_SERVICE_FLAG_RE.search(name))
    return False


def _reachable(calls: dict[str, set[str]], roots: set[str]) -> set[str]:
    seen = set(roots)
    todo = list(roots)
    while todo:
        for callee in calls.get(todo.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return seen


# -- process declarations ----------------------------------------------------------------------

@dataclass(frozen=True)
class Command:
    """A process some file declares: a Procfile line, a Dockerfile CMD, a compose command, a
    platform manifest's process (fly.toml, render.yaml, Kubernetes, supervisord…)."""

    path: str
    line: int
    words: tuple[str, ...]
    name: str  # Procfile process type, compose service, platform process, or "CMD"/"ENTRYPOINT"

    @property
    def runner(self) -> str | None:
        """The first SIGTERM-owning runner the command starts, if any (inside `sh -c "…"` too)."""
        for word in tokens(self.words):
            base = word.rsplit("/", 1)[-1]
            if base in RUNNERS:
                return base
            if base == "flask":
                return None  # `flask run` is the development server
        if "-m" in self.words:
            module = self.words[self.words.index("-m") + 1] if self.words.index("-m") + 1 < len(self.words) else ""
            if module.split(".")[0] in RUNNERS:
                return module.split(".")[0]
        return None

    def app_targets(self) -> list[str]:
        """Module paths a server command imports its app from (``uvicorn pkg.main:app``)."""
        if not self.runner:
            return []
        return [w.split(":")[0].replace(".", "/") + ".py" for w in self.words
                if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?", w)]

    def python_targets(self) -> list[str]:
        """Module paths this command runs as ``python file.py`` or ``python -m pkg.mod``."""
        targets: list[str] = []
        words = list(self.words)
        for i, word in enumerate(words):
            if not _PYTHON_RE.match(word):
                continue
            rest = words[i + 1:]
            while rest and rest[0].startswith("-") and rest[0] != "-m":
                rest = rest[1:]
            if len(rest) >= 2 and rest[0] == "-m":
                mod = rest[1].replace(".", "/")
                targets += [f"{mod}.py", f"{mod}/__main__.py"]
            elif rest and rest[0].endswith(".py"):
                targets.append(rest[0].lstrip("./"))
        return targets


def service_words(service: Service) -> tuple[str, ...]:
    """The words a compose service runs: its entrypoint's, then its command's."""
    return _words(service.entrypoint) + _words(service.command)


def _words(command: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if command is None:
        return ()
    if isinstance(command, (tuple, list)):
        return tuple(command)
    try:
        return tuple(shlex.split(command))
    except ValueError:
        return tuple(command.split())


def _runtime_artifacts(repo: Repo, kind: FileKind) -> list[Artifact]:
    """Manifests of the repository's own processes: not those of its tests or examples."""
    return [a for a in repo.artifacts(kind) if path_role(a.path) in ("src", "script")]


def commands(repo: Repo) -> list[Command]:
    """Every declared process of the repo, in file order."""
    if "commands" in repo.memo:
        return repo.memo["commands"]
    out: list[Command] = []
    for art in _runtime_artifacts(repo, FileKind.PROCFILE):
        assert isinstance(art, Procfile)
        out += [Command(art.path, p.line, _words(p.command), p.name) for p in art.processes]
    for art in _runtime_artifacts(repo, FileKind.DOCKERFILE):
        assert isinstance(art, Dockerfile)
        stage = art.final_stage
        if stage is None:
            continue
        entry = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"][-1:]
        cmd = [i for i in stage.instructions if i.keyword == "CMD"][-1:]
        words: tuple[str, ...] = ()
        for ins in entry + cmd:
            words += _words(ins.exec_form if ins.exec_form is not None else ins.value)
        if entry or cmd:
            out.append(Command(art.path, (entry + cmd)[-1].line, words, "CMD"))
    for art in _runtime_artifacts(repo, FileKind.COMPOSE):
        assert isinstance(art, ComposeFile)
        for svc in art.services:
            words = service_words(svc)
            if words:
                out.append(Command(art.path, svc.command_line, words, svc.name))
    for art in _runtime_artifacts(repo, FileKind.PLATFORM):
        assert isinstance(art, PlatformManifest)
        # A pre-deploy or release command is named "release", as Procfile's release phase is.
        out += [Command(art.path, p.line, _words(p.command), p.name) for p in art.processes if p.command]
    repo.memo["commands"] = out
    return out


def resolve_module(repo: Repo, target: str) -> str | None:
    """The repo's Python file a command's ``file.py`` or module path names, if any."""
    python_files = repo.files_of(FileKind.PYTHON)
    for path in python_files:
        if path == target or path.endswith("/" + target):
            return path
    return None


@dataclass(frozen=True)
class Traits:
    is_service: bool
    is_long_running: bool
    entry_files: frozenset[str]  # Python files declared processes run
    app_files: frozenset[str]  # Python files declared servers import their app from


def traits(repo: Repo) -> Traits:
    if "traits" in repo.memo:
        return repo.memo["traits"]
    from .start_scripts import script_commands  # the scripts' own module reads commands() from here

    cmds = commands(repo) + script_commands(repo)
    apps = any(path_role(f.path) == "src" for f in repo.facts(AppFact))
    runs = any(f.data.reachable and path_role(f.path) in ("src", "script") for f in repo.facts(ServerRunFact))
    loops = any(f.data.reachable and path_role(f.path) in ("src", "script") for f in repo.facts(LoopFact))
    exposes = any(i.keyword == "EXPOSE" for d in _runtime_artifacts(repo, FileKind.DOCKERFILE)
                  if isinstance(d, Dockerfile) for i in d.instructions)
    web_runner = any(c.runner and RUNNERS[c.runner] == "web" for c in cmds)
    procfile_web = any(c.name == "web" and c.path.rsplit("/", 1)[-1].startswith("Procfile") for c in cmds)
    is_service = apps or exposes or web_runner or procfile_web
    entries = frozenset(p for c in cmds for t in c.python_targets() if (p := resolve_module(repo, t)))
    result = Traits(
        is_service=is_service,
        is_long_running=is_service or runs or loops or any(c.runner for c in cmds) or bool(entries),
        entry_files=entries,
        app_files=frozenset(p for c in cmds for t in c.app_targets() if (p := resolve_module(repo, t))),
    )
    repo.memo["traits"] = result
    return result


NOT_LONG_RUNNING = ("no long-running process found (no web app, server, worker loop "
                    "or process declaration)")


def long_running_reason(repo: Repo) -> str | None:
    """``applies`` helper: None for repos with long-running processes, else the reason."""
    return None if traits(repo).is_long_running else NOT_LONG_RUNNING
