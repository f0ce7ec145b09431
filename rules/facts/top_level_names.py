"""The functions and classes each module defines at top level, which TFA0102 compares
between per-environment copies of a module.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ast_source import source

#: From a definition's start to its name: ``async``, ``def`` or ``class``, and the space or
#: backslash-continued line breaks after them.
_TO_NAME_RE = re.compile(r"(?:async(?:[ \t\f]|\\\r?\n|\\\r)+)?(?:def|class)(?:[ \t\f]|\\\r?\n|\\\r)+")


@dataclass(frozen=True)
class TopLevelNamesFact(FactData):
    """A module's top-level functions and classes: each name and the line of its first definition."""

    kind = "top-level-names"
    names: dict[str, int]


class TopLevelNames(AstCollector):
    """The functions and classes each module defines at top level, with their lines."""

    name = "top-level-names"
    records = (TopLevelNamesFact,)

    def visit_Module(self, node: ast.Module) -> None:
        names: dict[str, int] = {}
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.setdefault(statement.name, self._name_line(statement))
        if names:
            self.record(TopLevelNamesFact(names=names))

    def _name_line(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
        """The line of the definition's name (``ast`` gives the line of its ``def``)."""
        src = source(self.file.text)
        start = src.offset(node.lineno, node.col_offset)
        match = _TO_NAME_RE.match(src.text, start)
        if match is None:
            return node.lineno
        prefix = match.group()
        return node.lineno + prefix.count("\n") + prefix.replace("\r\n", "\n").count("\r")
