"""Where logging is used, and whether a structured (JSON) formatter is configured
(``LoggingFacts``).
"""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

_JSON_LOGGING = re.compile(r"(pythonjsonlogger|JsonFormatter|JSONRenderer|StdlibFormatter|json_logs|JSONFormatter)")
#: Calls that show a module logs: the standard library's loggers and handlers, loguru, structlog.
_LOGGING_APIS = ("logging.", "loguru.logger.", "structlog.")


class LoggingFacts(FactCollector):
    """Where logging is used, and whether a structured (JSON) formatter is configured."""

    name = "logging"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._logs = False

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if any(_JSON_LOGGING.search(n) for n in names) or names & {"logfire.configure", "ecs_logging.StdlibFormatter"}:
            self.record("json-logging", node, how=min(names))
        elif any(a.keyword is not None and a.keyword.value == "serialize" and isinstance(a.value, cst.Name)
                 and a.value.value == "True" for a in node.args):
            self.record("json-logging", node, how="loguru serialize=True")
        elif names & {"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig"}:
            self.record("logging-setup", node, how=min(names))
        elif not self._logs and any(n.startswith(_LOGGING_APIS) for n in names):
            self._logs = True  # once a file: the module logs (a program may do no logging at all)
            self.record("logs", node, how=min(names))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if _JSON_LOGGING.search(node.value):
            self.record("json-logging", node, how="formatter named in configuration")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = " ".join(self.source_of(b.value) for b in node.bases)
        if "Formatter" in bases and "json.dumps" in self.source_of(node.body):
            self.record("json-logging", node, how=f"{node.name.value} formats records with json.dumps")
