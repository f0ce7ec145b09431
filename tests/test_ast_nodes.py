"""The small ast helpers the rules share (rules/facts/ast_nodes.py)."""

from __future__ import annotations

import ast

import pytest

from tfa_lint.rules.facts import ast_nodes

# code, string_value, target_name, callee_name, is_named(…, "x"): the answers the helpers'
# libcst versions gave, which the rules were written against.
CASES = [
    ('"a" "b"', "ab", None, None, False),
    ("'x'", "x", None, None, False),
    ("f'x{y}'", None, None, None, False),
    ("b'x'", None, None, None, False),
    ("1", None, None, None, False),
    ("x", None, "x", "x", True),
    ("obj.x", None, "x", "x", True),
    ('d["x"]', None, "x", None, False),
    ("d[0]", None, None, None, False),
    ("f()", None, None, None, False),
    ("a.b.c", None, "c", "c", False),
]


@pytest.mark.parametrize(("code", "string", "target", "callee", "named_x"), CASES)
def test_helpers_answer(code: str, string: str | None, target: str | None, callee: str | None,
                        named_x: bool) -> None:
    tree = ast.parse(code, mode="eval").body
    assert ast_nodes.string_value(tree) == string
    assert ast_nodes.target_name(tree) == target
    assert ast_nodes.callee_name(tree) == callee
    assert ast_nodes.is_named(tree, "x") is named_x


def test_find_all_in_source_order_and_keywords() -> None:
    call = ast.parse("f(g(1), h(2), key=k(3))").body[0].value
    assert [n.func.id for n in ast_nodes.find_all(call, ast.Call)] == ["f", "g", "h", "k"]
    assert ast_nodes.keyword(call, "key").func.id == "k" and ast_nodes.keyword(call, "nope") is None
