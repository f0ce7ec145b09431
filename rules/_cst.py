"""Small libcst helpers several factor modules share."""

from __future__ import annotations

import libcst as cst


def string_value(node: cst.CSTNode | None) -> str | None:
    """The value of a plain or implicitly concatenated string literal (not f-strings or bytes)."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def target_name(node: cst.BaseExpression) -> str | None:
    """The name an assignment target binds: ``x``, ``obj.x`` or ``d["x"]`` -> ``x``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return string_value(index.value)
    return None
