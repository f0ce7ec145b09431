"""Code that detaches the process from its supervisor or writes a PID file (``DaemonFacts``)."""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

_PID_RE = re.compile(r"\.pid['\"]?$")
_DAEMON_CALLS = {"daemon.DaemonContext": "daemon.DaemonContext", "daemon.runner.DaemonRunner": "daemon.runner",
                 "daemonize.Daemonize": "daemonize.Daemonize"}


class DaemonFacts(FactCollector):
    """Code that detaches the process from its supervisor or writes a PID file."""

    name = "daemonize"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._functions: list[dict[str, cst.CSTNode]] = [{}]  # per function: os.fork / os.setsid calls
        self._pid_names: set[str] = set()  # module names holding a "*.pid" path
        self._gunicorn_conf = re.search(r"(^|/)gunicorn[\w.-]*\.py$", file.path) is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append({})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._check_fork(self._functions.pop())

    def leave_Module(self, original_node: cst.Module) -> None:
        self._check_fork(self._functions[0])

    def _check_fork(self, calls: dict[str, cst.CSTNode]) -> None:
        if "os.fork" in calls and "os.setsid" in calls:
            self.record("daemonize", calls["os.setsid"], how="`os.fork()` + `os.setsid()` detach the process")

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._pid_path(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self._pid_names.add(target.target.value)
        if (self._gunicorn_conf and len(self._functions) == 1 and isinstance(node.value, cst.Name)
                and node.value.value == "True" and any(isinstance(t.target, cst.Name) and t.target.value == "daemon"
                                                       for t in node.targets)):
            self.record("daemonize", node, how="gunicorn `daemon = True` detaches the server")

    def _pid_path(self, expr: cst.BaseExpression) -> bool:
        """A path ending in ``.pid``: a literal, an f-string, ``os.path.join(…, "x.pid")``, a ``/`` join."""
        if isinstance(expr, cst.Name):
            return expr.value in self._pid_names
        strings = [expr] if isinstance(expr, (cst.SimpleString, cst.FormattedString)) else []
        if isinstance(expr, cst.Call) and expr.args:
            strings = [expr.args[-1].value]
        if isinstance(expr, cst.BinaryOperation):
            strings = [expr.right]
        return any(isinstance(s, (cst.SimpleString, cst.FormattedString)) and _PID_RE.search(self.source_of(s))
                   for s in strings)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        for name in names & {"os.fork", "os.setsid"}:
            self._functions[-1].setdefault(name, node)
        for name in names & _DAEMON_CALLS.keys():
            self.record("daemonize", node, how=f"`{_DAEMON_CALLS[name]}` detaches the process")
        if names & {"builtins.open", "os.open"} and node.args and self._pid_path(node.args[0].value):
            mode = next((a.value for a in node.args[1:2] if a.keyword is None), None) or next(
                (a.value for a in node.args if a.keyword is not None and a.keyword.value in ("mode", "flags")), None)
            if mode is not None and re.search(r"[wax]|O_CREAT|O_WRONLY", self.source_of(mode)):
                self.record("pid-file", node, how="writes a PID file")
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("write_text", "write_bytes"):
            path = node.func.value
            if isinstance(path, cst.Call) and path.args and self._pid_path(path.args[0].value):
                self.record("pid-file", node, how="writes a PID file")
