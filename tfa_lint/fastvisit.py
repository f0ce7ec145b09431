"""libcst's traversal for read-only visitors, without rebuilding every node on the way.

``CSTNode.visit`` walks a node's children through ``_visit_and_replace_children``, which
builds a new copy of the node even when the visitor is a plain ``CSTVisitor`` that can
change nothing; the copy is then thrown away. Every traversal of a scan paid for it: the
rules' batched traversal and the qualified-name resolver's walk (tfa_lint/names.py).

:func:`install` replaces ``CSTNode.visit`` with one that, for a ``CSTVisitor``, calls the
same hooks in the same order (``on_visit``, then per child field ``on_visit_attribute``,
the children, ``on_leave_attribute``, then ``on_leave``) without the copy. The field order is
read from each class's own ``_visit_and_replace_children``; a class whose method is more
than one constructor call of ``visit_*`` helpers keeps libcst's code. Transformers are
untouched. ``CSTNode.children``, which libcst computes with such a visit, comes from the same
field order. tests/test_fastvisit.py records every hook call over the rule examples and a
generated repo and proves the two traversals, and the children, identical.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from typing import Any

from libcst import CSTNode, CSTVisitor, MaybeSentinel
from libcst import _batched_visitor

_ORIGINAL_VISIT = CSTNode.visit
_ORIGINAL_CHILDREN = CSTNode.children
_SINGLE, _OPTIONAL, _SENTINEL, _MANY = range(4)
_HELPERS = {"visit_required": _SINGLE, "visit_optional": _OPTIONAL, "visit_sentinel": _SENTINEL,
            "visit_sequence": _MANY, "visit_body_sequence": _MANY}
#: Per node class: its child fields in visiting order, each with how it is visited and the
#: names of its attribute hooks, or None where libcst's own ``_visit_and_replace_children`` runs.
Plan = tuple[tuple[int, str, str, str], ...]
_PLANS: dict[type, Plan | None] = {}


def _plan(cls: type) -> Plan | None:
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
        field = keyword.arg
        plan.append((_HELPERS[value.func.id], field, f"visit_{cls.__name__}_{field}", f"leave_{cls.__name__}_{field}"))
    return tuple(plan)


# How a visitor class dispatches its hooks: libcst's batched visitor looks them up in its own
# table, a plain CSTVisitor by method name; a class with its own on_visit… gets those called.
_NOT_READ_ONLY, _BATCHED, _PLAIN, _CUSTOM = range(4)
_MODES: dict[type, tuple[int, int, int]] = {}
#: Per node class: the names of its node hooks.
_HOOK_NAMES: dict[type, tuple[str, str]] = {}
#: (plain visitor class, hook name) -> whether the class has that hook (libcst's stubs do nothing).
_HAS_HOOK: dict[tuple[type, str], bool] = {}
_NO_CHILD = MaybeSentinel.DEFAULT  # MaybeSentinel's only member
_BATCHED_CLASS = getattr(_batched_visitor, "_BatchedCSTVisitor", None)


def _modes(kind: type) -> tuple[int, int, int]:
    """How ``kind`` dispatches its visit hooks, its leave hooks and its attribute hooks
    (``tfa_lint.names``' walker and libcst's ``ScopeProvider`` override ``on_leave`` only)."""
    if not issubclass(kind, CSTVisitor):
        return _NOT_READ_ONLY, _NOT_READ_ONLY, _NOT_READ_ONLY
    return (_dispatch(kind, "on_visit"), _dispatch(kind, "on_leave"),
            _dispatch(kind, "on_visit_attribute", "on_leave_attribute"))


def _dispatch(kind: type, *methods: str) -> int:
    found = tuple(getattr(kind, m) for m in methods)
    if _BATCHED_CLASS is not None and found == tuple(getattr(_BATCHED_CLASS, m) for m in methods):
        return _BATCHED
    if found == tuple(getattr(CSTVisitor, m) for m in methods):
        return _PLAIN
    return _CUSTOM


def _has_hook(kind: type, name: str) -> bool:
    key = (kind, name)
    found = _HAS_HOOK.get(key)
    if found is None:
        method = getattr(kind, name, None)
        found = _HAS_HOOK[key] = method is not None and not getattr(method, "_is_no_op", False)
    return found


def _visit(self: CSTNode, visitor: Any) -> Any:
    kind = type(visitor)
    modes = _MODES.get(kind)
    if modes is None:
        modes = _MODES[kind] = _modes(kind)
    visit_mode, leave_mode, attribute_mode = modes
    if visit_mode == _NOT_READ_ONLY:
        return _ORIGINAL_VISIT(self, visitor)
    cls = type(self)
    names = _HOOK_NAMES.get(cls)
    if names is None:
        names = _HOOK_NAMES[cls] = (f"visit_{cls.__name__}", f"leave_{cls.__name__}")
    table = visitor.visitor_methods if _BATCHED in modes else None

    if visit_mode == _BATCHED:
        if visitor.before_visit is not None:
            visitor.before_visit(self)
        for method in table.get(names[0], ()):
            method(self)
        descend = True
    elif visit_mode == _PLAIN:
        descend = not _has_hook(kind, names[0]) or getattr(visitor, names[0])(self) is not False
    else:
        descend = visitor.on_visit(self)

    if descend:
        plan = _PLANS[cls] if cls in _PLANS else _plan_of(cls)
        if plan is None:
            self._visit_and_replace_children(visitor)
        else:
            # The hooks before and after a field are dispatched inline, not through a shared
            # helper: this loop runs for every field of every node of every file.
            for how, field, visit_hook, leave_hook in plan:
                if attribute_mode == _BATCHED:
                    for method in table.get(visit_hook, ()):
                        method(self)
                elif attribute_mode == _PLAIN:
                    if _has_hook(kind, visit_hook):
                        getattr(visitor, visit_hook)(self)
                else:
                    visitor.on_visit_attribute(self, field)
                child = getattr(self, field)
                if how == _MANY:
                    for item in child:
                        item.visit(visitor)
                elif child is not None and child is not _NO_CHILD:
                    child.visit(visitor)
                if attribute_mode == _BATCHED:
                    for method in table.get(leave_hook, ()):
                        method(self)
                elif attribute_mode == _PLAIN:
                    if _has_hook(kind, leave_hook):
                        getattr(visitor, leave_hook)(self)
                else:
                    visitor.on_leave_attribute(self, field)

    if leave_mode == _BATCHED:
        for method in table.get(names[1], ()):
            method(self)
        if visitor.after_leave is not None:
            visitor.after_leave(self)
    elif leave_mode == _PLAIN:
        if _has_hook(kind, names[1]):
            getattr(visitor, names[1])(self)
    else:
        visitor.on_leave(self)
    return self


def _plan_of(cls: type) -> Plan | None:
    return _PLANS[cls] if cls in _PLANS else _PLANS.setdefault(cls, _plan(cls))


def _children(self: CSTNode) -> list[CSTNode]:
    """``node.children`` (libcst builds it by visiting, with a copy of the node) from the plan."""
    plan = _plan_of(type(self))
    if plan is None:
        return _ORIGINAL_CHILDREN.fget(self)
    out: list[CSTNode] = []
    for how, field, _, _ in plan:
        child = getattr(self, field)
        if how == _MANY:
            out.extend(child)
        elif child is not None and child is not _NO_CHILD:
            out.append(child)
    return out


def install() -> None:
    """Use the copy-free traversal for every read-only visitor in this process."""
    CSTNode.visit = _visit  # type: ignore[method-assign]
    CSTNode.children = property(_children)  # type: ignore[assignment]


def uninstall() -> None:
    """libcst's own traversal again (the reference tests/test_fastvisit.py compares with)."""
    CSTNode.visit = _ORIGINAL_VISIT  # type: ignore[method-assign]
    CSTNode.children = _ORIGINAL_CHILDREN  # type: ignore[assignment]
