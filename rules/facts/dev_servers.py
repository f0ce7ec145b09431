"""Servers started in code with a development flag, and Flask's built-in server
(``DevServerFacts``).
"""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

_APP_CONSTRUCTORS = {"flask.Flask", "quart.Quart", "sanic.Sanic", "flask_socketio.SocketIO", "dash.Dash"}
_APP_NAME_RE = re.compile(r"(?i)^(app|application|server|socketio|\w+_app)$")
_DEBUG_KEYWORDS = {"debug", "use_reloader", "reload", "auto_reload", "dev"}


class DevServerFacts(FactCollector):
    """Servers started in code with a development flag, and Flask's built-in server."""

    name = "dev-server"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._apps: dict[str, str] = {}  # variable -> constructor

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            names = self.qualified_names(node.value.func) & _APP_CONSTRUCTORS
            for target in node.targets:
                if names and isinstance(target.target, cst.Name):
                    self._apps[target.target.value] = min(names)

    def visit_Call(self, node: cst.Call) -> None:
        flags = [a.keyword.value for a in node.args if a.keyword is not None and a.keyword.value in _DEBUG_KEYWORDS
                 and isinstance(a.value, cst.Name) and a.value.value == "True"]
        if "uvicorn.run" in self.qualified_names(node.func):
            if "reload" in flags:
                self.record("dev-server-call", node, what="`uvicorn.run(..., reload=True)`")
            return
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value not in ("run", "run_server"):
            return
        receiver = node.func.value
        name = receiver.value if isinstance(receiver, cst.Name) else None
        if name is None or not (name in self._apps or _APP_NAME_RE.match(name)):
            return
        if flags:
            self.record("dev-server-call", node, what=f"`{name}.{node.func.attr.value}({flags[0]}=True)`")
        elif self._apps.get(name) == "flask.Flask":
            self.record("dev-server-call", node, what=f"Flask's development server (`{name}.run()`)")
