"""The functions and classes each module defines at top level, which TFA0102 compares
between per-environment copies of a module.
"""

from __future__ import annotations

import libcst as cst

from tfa_lint.rule import FactCollector


class TopLevelNames(FactCollector):
    """The functions and classes each module defines at top level, with their lines."""

    name = "top-level-names"

    def visit_Module(self, node: cst.Module) -> None:
        names: dict[str, int] = {}
        for statement in node.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                names.setdefault(statement.name.value, self.position(statement.name)[0])
        if names:
            self.record("top-level-names", None, names=names)
