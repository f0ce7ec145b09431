"""Small ``ast`` helpers the rules share. Context (the enclosing function, import time, the
``__main__`` guard) is not here: ask the file's semantic model (``self.semantic``), which
:class:`CallGraphScopes` does for the call-graph collectors."""

from __future__ import annotations

import ast
from collections.abc import Callable

from tfa_lint.semantic import SemanticModel


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


class CallGraphScopes:
    """The scope a call-graph collector files a call under: ``<main>`` anywhere in an
    ``if __name__ == "__main__":`` statement (its test, body or ``else``), else the name of the
    innermost ``def`` around the node (its decorators and defaults included), else
    ``<module>``. Which ``if`` statements count as the guard is the collector's own test (they
    differ on purpose, as the libcst collectors did); they are found once per file."""

    def __init__(self, semantic: SemanticModel, is_main_guard: Callable[[ast.If], bool]) -> None:
        self._semantic = semantic
        self._is_main_guard = is_main_guard
        self._main_blocks: list[ast.If] | None = None

    def __call__(self, node: ast.AST) -> str:
        if self._main_blocks is None:
            self._main_blocks = [n for n in self._semantic.ifs if self._is_main_guard(n)]
        if self._semantic.within_any(node, self._main_blocks):
            return "<main>"
        function = self._semantic.enclosing_def(node)
        return function.name if function is not None else "<module>"
