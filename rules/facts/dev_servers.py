"""Servers started in code with a development flag, and Flask's built-in server
(``DevServerFacts``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData, PythonFile

_APP_CONSTRUCTORS = {"flask.Flask", "quart.Quart", "sanic.Sanic", "flask_socketio.SocketIO", "dash.Dash"}
_APP_NAME_RE = re.compile(r"(?i)^(app|application|server|socketio|\w+_app)$")
_DEBUG_KEYWORDS = {"debug", "use_reloader", "reload", "auto_reload", "dev"}


@dataclass(frozen=True)
class DevServerCallFact(FactData):
    """A server started with a development flag, or Flask's built-in server."""

    kind = "dev-server-call"
    what: str  # the call, as a message shows it: "`uvicorn.run(..., reload=True)`"


class DevServerFacts(AstCollector):
    """Servers started in code with a development flag, and Flask's built-in server."""

    name = "dev-server"
    records = (DevServerCallFact,)

    def __init__(self, file: PythonFile) -> None:
        super().__init__(file)
        self._apps: dict[str, str] = {}  # variable -> constructor

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call):
            names = self.qualified_names(node.value.func) & _APP_CONSTRUCTORS
            for target in node.targets:
                if names and isinstance(target, ast.Name):
                    self._apps[target.id] = min(names)

    def visit_Call(self, node: ast.Call) -> None:
        flags = [k.arg for k in node.keywords if k.arg in _DEBUG_KEYWORDS
                 and isinstance(k.value, ast.Constant) and k.value.value is True]
        if "uvicorn.run" in self.qualified_names(node.func):
            if "reload" in flags:
                self.record(DevServerCallFact(what="`uvicorn.run(..., reload=True)`"), node)
            return
        if not isinstance(node.func, ast.Attribute) or node.func.attr not in ("run", "run_server"):
            return
        receiver = node.func.value
        name = receiver.id if isinstance(receiver, ast.Name) else None
        if name is None or not (name in self._apps or _APP_NAME_RE.match(name)):
            return
        if flags:
            self.record(DevServerCallFact(what=f"`{name}.{node.func.attr}({flags[0]}=True)`"), node)
        elif self._apps.get(name) == "flask.Flask":
            self.record(DevServerCallFact(what=f"Flask's development server (`{name}.run()`)"), node)
