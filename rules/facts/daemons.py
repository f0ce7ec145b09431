"""Code that detaches the process from its supervisor or writes a PID file (``DaemonFacts``)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ast_source import argument_values, one_literal
from .ports import CstSource

_PID_RE = re.compile(r"\.pid['\"]?$")
_DAEMON_CALLS = {"daemon.DaemonContext": "daemon.DaemonContext", "daemon.runner.DaemonRunner": "daemon.runner",
                 "daemonize.Daemonize": "daemonize.Daemonize"}


@dataclass(frozen=True)
class DaemonizeFact(FactData):
    """Code that detaches the process from its supervisor."""

    kind = "daemonize"
    how: str  # a sentence, lower-case first: "`os.fork()` + `os.setsid()` detach the process"


@dataclass(frozen=True)
class PidFileFact(FactData):
    """Code that writes a PID file."""

    kind = "pid-file"
    how: str


class DaemonFacts(AstCollector):
    """Code that detaches the process from its supervisor or writes a PID file."""

    name = "daemonize"
    records = (DaemonizeFact, PidFileFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        # per function (None: the module): its os.fork / os.setsid calls
        self._forks: dict[ast.AST | None, dict[str, ast.Call]] = {}
        self._pid_names: set[str] = set()  # module names holding a "*.pid" path
        self._gunicorn_conf = re.search(r"(^|/)gunicorn[\w.-]*\.py$", file.path) is not None
        self._cst_source = CstSource(file)

    def leave_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._check_fork(self._forks.pop(node, {}))

    leave_AsyncFunctionDef = leave_FunctionDef

    def leave_Module(self, node: ast.Module) -> None:
        self._check_fork(self._forks.pop(None, {}))

    def _check_fork(self, calls: dict[str, ast.Call]) -> None:
        if "os.fork" in calls and "os.setsid" in calls:
            self.record(DaemonizeFact(how="`os.fork()` + `os.setsid()` detach the process"), calls["os.setsid"])

    def visit_Assign(self, node: ast.Assign) -> None:
        if self._pid_path(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self._pid_names.add(target.id)
        if (self._gunicorn_conf and isinstance(node.value, ast.Constant) and node.value.value is True
                and any(isinstance(t, ast.Name) and t.id == "daemon" for t in node.targets)
                and self.semantic.enclosing_function(node) is None):
            self.record(DaemonizeFact(how="gunicorn `daemon = True` detaches the server"), node)

    def _pid_path(self, expr: ast.expr) -> bool:
        """A path ending in ``.pid``: a literal, an f-string, ``os.path.join(…, "x.pid")``, a ``/`` join."""
        if isinstance(expr, ast.Name):
            return expr.id in self._pid_names
        strings = [expr]
        if isinstance(expr, ast.Call):
            strings = argument_values(expr)[-1:]
        if isinstance(expr, ast.BinOp):
            strings = [expr.right]
        return any(_is_string(s) and _PID_RE.search(self.source_of(s)) and one_literal(self.source_of(s))
                   and _PID_RE.search(self._cst_source(s)) for s in strings)

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        for name in names & {"os.fork", "os.setsid"}:
            self._forks.setdefault(self.semantic.enclosing_def(node), {}).setdefault(name, node)
        for name in names & _DAEMON_CALLS.keys():
            self.record(DaemonizeFact(how=f"`{_DAEMON_CALLS[name]}` detaches the process"), node)
        if names & {"builtins.open", "os.open"}:
            args = argument_values(node)
            if args and self._pid_path(args[0]):
                mode = next((a for a in args[1:2] if not _is_keyword(node, a)), None) or next(
                    (k.value for k in node.keywords if k.arg in ("mode", "flags")), None)
                if mode is not None and re.search(r"[wax]|O_CREAT|O_WRONLY", self.source_of(mode)):
                    self.record(PidFileFact(how="writes a PID file"), node)
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("write_text", "write_bytes"):
            path = node.func.value
            if isinstance(path, ast.Call):
                args = argument_values(path)
                if args and self._pid_path(args[0]):
                    self.record(PidFileFact(how="writes a PID file"), node)


def _is_string(expr: ast.expr) -> bool:
    """A string or bytes literal or an f-string (:func:`one_literal` tells whether it is one)."""
    return (isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes))) or isinstance(expr, ast.JoinedStr)


def _is_keyword(call: ast.Call, value: ast.expr) -> bool:
    """``value`` is passed as ``name=value`` (``**kw`` is not a keyword argument)."""
    return any(k.value is value and k.arg is not None for k in call.keywords)
