"""Where logging is used, and whether a structured (JSON) formatter is configured
(``LoggingFacts``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .log_sinks import Source

_JSON_LOGGING = re.compile(r"(pythonjsonlogger|JsonFormatter|JSONRenderer|StdlibFormatter|json_logs|JSONFormatter)")
#: Calls that show a module logs: the standard library's loggers and handlers, loguru, structlog.
_LOGGING_APIS = ("logging.", "loguru.logger.", "structlog.")


@dataclass(frozen=True)
class JsonLoggingFact(FactData):
    """A structured (JSON) log formatter configured or named."""

    kind = "json-logging"
    how: str


@dataclass(frozen=True)
class LoggingSetupFact(FactData):
    """Logging configured: ``basicConfig``, ``dictConfig`` or ``fileConfig``."""

    kind = "logging-setup"
    how: str


@dataclass(frozen=True)
class LogsFact(FactData):
    """The module logs: its first call of a logging API."""

    kind = "logs"
    how: str


class LoggingFacts(AstCollector):
    """Where logging is used, and whether a structured (JSON) formatter is configured."""

    name = "logging"
    records = (JsonLoggingFact, LoggingSetupFact, LogsFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self.source = Source(self.semantic)
        self._logs = False

    def source_of(self, node: ast.AST) -> str:
        """The node's code as libcst's ``code_for_node`` gave it (its grouping parentheses too)."""
        return self.source.code(node, self.semantic.parent(node))

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        if any(_JSON_LOGGING.search(n) for n in names) or names & {"logfire.configure", "ecs_logging.StdlibFormatter"}:
            self.record(JsonLoggingFact(how=min(names)), node)
        elif any(k.arg == "serialize" and isinstance(k.value, ast.Constant) and k.value.value is True
                 for k in node.keywords):
            self.record(JsonLoggingFact(how="loguru serialize=True"), node)
        elif names & {"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig"}:
            self.record(LoggingSetupFact(how=min(names)), node)
        elif not self._logs and any(n.startswith(_LOGGING_APIS) for n in names):
            self._logs = True  # once a file: the module logs (a program may do no logging at all)
            self.record(LogsFact(how=min(names)), node)

    # A formatter named in a string: each string literal on its own, as written, implicit
    # concatenations and f-strings apart (ast joins them into one Constant or JoinedStr).
    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if not isinstance(value, (str, bytes)) or isinstance(self.semantic.parent(node), ast.JoinedStr):
            return  # not a string, or the text of an f-string
        if _JSON_LOGGING.search(value if isinstance(value, str) else value.decode("latin-1")):
            self._named_in_literals(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        parent = self.semantic.parent(node)
        if isinstance(parent, ast.FormattedValue) and parent.format_spec is node:
            return  # a format spec
        if any(isinstance(v, ast.Constant) and _JSON_LOGGING.search(v.value) for v in node.values):
            self._named_in_literals(node)  # the plain strings concatenated with the f-strings

    def _named_in_literals(self, node: ast.AST) -> None:
        for text, fstring, line, column in self.source.literal_pieces(node):
            if not fstring and _JSON_LOGGING.search(text):
                self.facts.append(self.fact(JsonLoggingFact(how="formatter named in configuration"), line, column + 1))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = " ".join(self.source_of(b.value if isinstance(b, ast.Starred) else b) for b in node.bases)
        if "Formatter" in bases and "json.dumps" in self._body_source(node):
            self.record(JsonLoggingFact(how=f"{node.name} formats records with json.dumps"), node)

    def _body_source(self, node: ast.ClassDef) -> str:
        """The class's code after its header's last base or keyword: its body, the comments in it too."""
        header = [*node.bases, *node.keywords]
        if not header:
            return self.source_of(node)
        last = max(header, key=lambda n: (n.end_lineno, n.end_col_offset))
        return self.source.span(last.end_lineno, last.end_col_offset, node.end_lineno, node.end_col_offset)
