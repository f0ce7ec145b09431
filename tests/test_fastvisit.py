"""The copy-free traversal (tfa_lint/fastvisit.py) calls every hook libcst's own would, in order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pytest

from tfa_lint import fastvisit

from conftest import python_corpus as corpus


class Recorder(cst.CSTVisitor):
    """Logs every hook call, attribute hooks included (a visitor overriding libcst's dispatch)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, ...]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.log.append(("visit", type(node).__name__))
        return not isinstance(node, cst.Lambda)  # a subtree skipped, as visitors may

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.log.append(("leave", type(original_node).__name__))

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("visit-attribute", type(node).__name__, attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("leave-attribute", type(original_node).__name__, attribute))


class TypedHooks(cst.BatchableCSTVisitor):
    """Node and attribute hooks as rules declare them, run in a batched traversal."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def visit_If_body(self, node: cst.If) -> None:
        self.log.append("If.body")

    def leave_If_orelse(self, node: cst.If) -> None:
        self.log.append("If.orelse done")

    def visit_Call(self, node: cst.Call) -> None:
        self.log.append("Call")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.log.append("FunctionDef done")


class PlainHooks(cst.CSTVisitor):
    """A plain visitor with attribute hooks, as libcst's metadata providers are."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def visit_Call_func(self, node: cst.Call) -> None:
        self.log.append("Call.func")

    def leave_Call_args(self, node: cst.Call) -> None:
        self.log.append("Call.args done")

    def visit_Name(self, node: cst.Name) -> bool:
        self.log.append(node.value)
        return True


class LeaveOverridden(PlainHooks):
    """Plain visit hooks, its own ``on_leave``: the shape of libcst's scope visitor."""

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.log.append(f"left {type(original_node).__name__}")
        super().on_leave(original_node)

    def leave_Call(self, original_node: cst.Call) -> None:
        self.log.append("Call done")


def traces(module: cst.Module) -> tuple[list, ...]:
    recorder, typed, plain, leave = Recorder(), TypedHooks(), PlainHooks(), LeaveOverridden()
    module.visit(recorder)
    module.visit(plain)
    module.visit(leave)
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([typed])
    return recorder.log, typed.log, plain.log, leave.log


def same_both_ways(tmp_path: Path, measure: Callable[[cst.Module], object]) -> list[str]:
    """Asserts ``measure`` of every corpus module is the same under libcst's traversal and the
    fast one; returns the labels compared. The fast traversal stays installed afterwards."""
    compared = []
    try:
        for label, module in corpus(tmp_path):
            fastvisit.uninstall()
            expected = measure(module)
            fastvisit.install()
            assert measure(module) == expected, label
            compared.append(label)
    finally:
        fastvisit.install()
    return compared


def test_every_hook_in_the_same_order(tmp_path: Path) -> None:
    compared = same_both_ways(tmp_path, traces)
    assert len(compared) > 250 and "edge.py" in compared


def all_children(module: cst.Module) -> list[tuple[int, list[int]]]:
    out, stack = [], [module]
    while stack:
        node = stack.pop()
        children = node.children
        out.append((id(node), [id(c) for c in children]))
        stack.extend(children)
    return out


def test_children_are_libcsts(tmp_path: Path) -> None:
    assert len(same_both_ways(tmp_path, all_children)) > 250


def test_transformers_keep_libcsts_traversal() -> None:
    class Rename(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=updated_node.value.upper())

    fastvisit.install()
    assert cst.parse_module("a = b(c)\n").visit(Rename()).code == "A = B(C)\n"


@pytest.mark.parametrize("node_class", [cst.Module, cst.Name, cst.Attribute, cst.Call, cst.SimpleStatementLine,
                                        cst.Expr, cst.Assign, cst.If, cst.FunctionDef, cst.SimpleWhitespace])
def test_common_nodes_take_the_fast_path(node_class: type) -> None:
    """What the speed rests on: libcst changing these methods' shape would silently slow scans."""
    assert fastvisit._plan(node_class) is not None
