"""Small ``ast`` helpers the rules share. Context (the enclosing function, import time, the ``__main__`` guard) is not here:
ask the file's semantic model (``self.semantic``)."""

from __future__ import annotations

import ast


def string_value(node: ast.AST | None) -> str | None:
    """The value of a plain string literal, implicit concatenations included (ast joins them);
    not f-strings or bytes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def target_name(node: ast.expr) -> str | None:
    """The name an assignment target binds: ``x``, ``obj.x`` or ``d["x"]`` -> ``x``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return string_value(node.slice)
    return None


def callee_name(func: ast.expr) -> str | None:
    """The last name of what a call calls: ``f(…)`` -> ``f``, ``obj.method(…)`` -> ``method``."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def find_all(node: ast.AST, types: type | tuple[type, ...]) -> list:
    """Every node of ``types`` in ``node``'s subtree, itself included, in source order
    (iterative: no nesting the parser accepts is too deep)."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, types):
            found.append(current)
        stack.extend(reversed(list(ast.iter_child_nodes(current))))
    return found


def is_named(node: ast.AST, name: str) -> bool:
    """``name`` or ``anything.name``."""
    if isinstance(node, ast.Attribute):
        return node.attr == name
    return isinstance(node, ast.Name) and node.id == name


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value of keyword argument ``name`` of ``call``, or None."""
    return next((k.value for k in call.keywords if k.arg == name), None)
