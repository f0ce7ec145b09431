"""rules/facts/ast_source.py reads a literal, a test's parentheses and a call's arguments as
libcst did, so that the collectors moved to ``ast`` record what they recorded."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from conftest import cst_find_all

from tfa_lint.rules.facts import ast_source

LITERALS = [
    '"a"', "'a.b'", 'b"x"', 'r"\\d"', '"""doc"""', '"a" "b"', '("a"  # note\n   "b:c")', '"" "pip"',
    'f"x{y}"', '"a.b" f"{c}"', 'f"{a}" f"{b}"', 'f"{a}" "b" \'c\'', '"q\\"" "r"', 'u"é" "ü"',
]


def _expression(code: str) -> tuple[ast_source.Source, ast.expr, cst.BaseExpression]:
    text = f"x = {code}\n"
    return ast_source.Source(text), ast.parse(text).body[0].value, cst.parse_expression(code)


@pytest.mark.parametrize("code", LITERALS)
def test_a_literal_reads_as_libcst_simple_strings(code: str) -> None:
    src, tree, node = _expression(code)
    plain = [(s.value, s.evaluated_value) for s in cst_find_all(node, cst.SimpleString)]
    assert ast_source.string_tokens(src, tree) == plain
    assert ast_source.concatenated(src, tree) == isinstance(node, cst.ConcatenatedString)
    assert ast_source.simple_string(src, tree) == (node.evaluated_value if isinstance(node, cst.SimpleString) else None)


@pytest.mark.parametrize("code", [
    'f"pip install {pkg}"', 'f"a\\tb{{c}}{x!r:>{w}}\\N{DASH}"', 'rf"\\{x}"', "f\"{d['}']} x\"", 'F"""{a}\n"""',
    'f"apt-get install -y \\"{pkg}\\""', 'f""',
])
def test_an_fstring_reads_as_libcst_text_and_fields(code: str) -> None:
    parts = cst.parse_expression(code).parts
    expected = "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in parts)
    assert ast_source.fstring_text(code) == expected


@pytest.mark.parametrize("code", [
    'ENV == "prod"', '(ENV == "prod")', '( ENV != "dev" )', '((a in b))', '(a) == b', '(\n    a == b\n)',
])
def test_a_test_keeps_its_own_parentheses(code: str) -> None:
    text = f"if {code}:\n    pass\n"
    src, test = ast_source.Source(text), ast.parse(text).body[0].test
    assert ast_source.Source.segment_with_parens(src, test) == cst.Module([]).code_for_node(
        cst.parse_module(text).body[0].test)


def test_call_arguments_in_source_order() -> None:
    call = ast.parse("f(a, k=1, *rest, **kw)").body[0].value
    assert [(a.keyword, a.star, ast.unparse(a.value)) for a in ast_source.call_arguments(call)] == [
        (None, "", "a"), ("k", "", "1"), (None, "*", "rest"), (None, "**", "kw")]


def test_names_are_the_identifiers_libcst_held_as_names() -> None:
    code = "(errors.Interrupt, make(flag=1), lambda p: q)"
    names = {n.value for n in cst_find_all(cst.parse_expression(code), cst.Name)}
    assert ast_source.names_in(ast.parse(code, mode="eval").body) == names


def test_offsets_count_characters_and_only_python_line_breaks() -> None:
    text = 'a = 1\x0c\nb = "é"; c = "ü"\r\nd = 2\n'
    src, tree = ast_source.Source(text), ast.parse(text)
    assert [src.segment(node.value) for node in tree.body] == ["1", '"é"', '"ü"', "2"]
