"""TFA0701's fix in Python code: the hardcoded port read from ``PORT`` with it as the default,
``int(os.environ.get("PORT", "8000"))``, and ``import os`` where isort puts it (libcst;
imported only when the rule reports a port in code).
"""

from __future__ import annotations

import libcst as cst

from tfa_lint.fix import Applicability, Fix
from tfa_lint.pyfix import PythonSource, merged


def port_fix(source: PythonSource, line: int, column: int, port: int, *, safe: bool) -> Fix | None:
    """The fix of the port written at ``line`` and 1-based ``column``: the literal itself, or
    the name of the constant that holds it (the constant stays for whoever else reads it)."""
    node = next(source.nodes_at(line, column, cst.BaseExpression), None)
    if isinstance(node, cst.Integer):
        if node.lpar or node.evaluated_value != port:
            return None
    elif not isinstance(node, cst.Name):
        return None
    if source.shadowed(node, "os") or (source.global_bindings("os") and not source.imports_module("os")):
        return None  # `os` is something else here
    read = f'int(os.environ.get("PORT", "{port}"))'
    edits = merged([source.add_import("os"), source.replace(node, read)])
    return Fix(f"Read the port from `PORT`, {port} by default",
               edits, Applicability.SAFE if safe else Applicability.UNSAFE)
