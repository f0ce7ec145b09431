"""libcst's traversal for read-only visitors, without rebuilding every node on the way.

``CSTNode.visit`` walks a node's children through ``_visit_and_replace_children``, which
builds a new copy of the node even when the visitor is a plain ``CSTVisitor`` that can
change nothing; the copy is then thrown away. Every traversal of a scan pays for it: the
rules' batched traversal and the two that ``ScopeProvider`` makes (its own and
``ExpressionContextProvider``'s).

:func:`install` replaces ``CSTNode.visit`` with one that, for a ``CSTVisitor``, calls the
same hooks in the same order (``on_visit``, then per child field ``on_visit_attribute``,
the children, ``on_leave_attribute``, then ``on_leave``) without the copy. The field order is
read from each class's own ``_visit_and_replace_children``; a class whose method is more
than one constructor call of ``visit_*`` helpers keeps libcst's code. Transformers are
untouched. tests/test_fastvisit.py records every hook call over the rule examples and a
generated repo and proves the two traversals identical.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from libcst import CSTNode, CSTVisitor, MaybeSentinel

_ORIGINAL_VISIT = CSTNode.visit
_SINGLE, _OPTIONAL, _SENTINEL, _MANY = range(4)
_HELPERS = {"visit_required": _SINGLE, "visit_optional": _OPTIONAL, "visit_sentinel": _SENTINEL,
            "visit_sequence": _MANY, "visit_body_sequence": _MANY}
#: Per node class: its child fields in visiting order with how each is visited, or None
#: where libcst's own ``_visit_and_replace_children`` must run.
_PLANS: dict[type, tuple[tuple[int, str], ...] | None] = {}


def _plan(cls: type) -> tuple[tuple[int, str], ...] | None:
    try:
        source = textwrap.dedent(inspect.getsource(cls._visit_and_replace_children))
    except (OSError, TypeError):
        return None
    function = ast.parse(source).body[0]
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return):
        return None
    if isinstance(body[0].value, ast.Name) and body[0].value.id == "self":
        return ()  # a leaf: no children
    if not isinstance(body[0].value, ast.Call):
        return None
    call = body[0].value
    if call.args:
        return None
    plan = []
    for keyword in call.keywords:
        value = keyword.value
        if isinstance(value, ast.Attribute) and value.attr == keyword.arg:
            continue  # a plain value copied over, not a child
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _HELPERS
                and len(value.args) == 4 and isinstance(value.args[1], ast.Constant)
                and value.args[1].value == keyword.arg
                and isinstance(value.args[2], ast.Attribute) and value.args[2].attr == keyword.arg):
            return None
        plan.append((_HELPERS[value.func.id], keyword.arg))
    return tuple(plan)


#: Visitor classes by whether they are read-only (``isinstance`` on libcst's ABCs is slow).
_READ_ONLY: dict[type, bool] = {}
_NO_CHILD = MaybeSentinel.DEFAULT  # MaybeSentinel's only member


def _visit(self: CSTNode, visitor: Any) -> Any:
    kind = type(visitor)
    read_only = _READ_ONLY.get(kind)
    if read_only is None:
        read_only = _READ_ONLY.setdefault(kind, isinstance(visitor, CSTVisitor))
    if not read_only:
        return _ORIGINAL_VISIT(self, visitor)
    if visitor.on_visit(self):
        cls = type(self)
        plan = _PLANS[cls] if cls in _PLANS else _PLANS.setdefault(cls, _plan(cls))
        if plan is None:
            self._visit_and_replace_children(visitor)
        else:
            for how, field in plan:
                child = getattr(self, field)
                visitor.on_visit_attribute(self, field)
                if how == _MANY:
                    for item in child:
                        item.visit(visitor)
                elif child is not None and child is not _NO_CHILD:
                    child.visit(visitor)
                visitor.on_leave_attribute(self, field)
    visitor.on_leave(self)
    return self


def install() -> None:
    """Use the copy-free traversal for every read-only visitor in this process."""
    CSTNode.visit = _visit  # type: ignore[method-assign]


def uninstall() -> None:
    """libcst's own traversal again (the reference tests/test_fastvisit.py compares with)."""
    CSTNode.visit = _ORIGINAL_VISIT  # type: ignore[method-assign]
