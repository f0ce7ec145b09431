"""The ast helpers answer as their libcst counterparts do, on the same code."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from tfa_lint.rules.facts import ast_nodes, cst_nodes

CASES = ['"a" "b"', "'x'", "f'x{y}'", "b'x'", "1", "x", "obj.x", 'd["x"]', "d[0]", "f()", "a.b.c"]


@pytest.mark.parametrize("code", CASES)
def test_same_answers_as_the_libcst_helpers(code: str) -> None:
    tree, module = ast.parse(code, mode="eval").body, cst.parse_expression(code)
    assert ast_nodes.string_value(tree) == cst_nodes.string_value(module)
    assert ast_nodes.target_name(tree) == cst_nodes.target_name(module)
    assert ast_nodes.callee_name(tree) == cst_nodes.callee_name(module)
    assert ast_nodes.is_named(tree, "x") == cst_nodes.is_named(module, "x")


def test_find_all_in_source_order_and_keywords() -> None:
    call = ast.parse("f(g(1), h(2), key=k(3))").body[0].value
    assert [n.func.id for n in ast_nodes.find_all(call, ast.Call)] == ["f", "g", "h", "k"]
    assert ast_nodes.keyword(call, "key").func.id == "k" and ast_nodes.keyword(call, "nope") is None
