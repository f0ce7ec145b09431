"""The ast answers the process rules (TFA0601-0603) rely on, checked against what libcst's nodes
said on the same code: the rules were written against those and must keep their findings."""

from __future__ import annotations

import ast

import libcst as cst
import pytest
from tfa_lint.rules.processes._shared import (
    fstring_text,
    is_main_guard,
    is_service_loop_test,
    is_single_literal,
)
from tfa_lint.semantic import SemanticModel


def _expression(code: str) -> tuple[ast.expr, SemanticModel]:
    """``code``, one expression, parsed as a file: its node and the file's semantic model."""
    tree = ast.parse(code)
    return tree.body[0].value, SemanticModel(tree, code)  # type: ignore[attr-defined]

LITERALS = ['"a"', "'a' 'b'", "f'x{y}'", "f'a' 'b'", "'a' f'{b}'", "b'x'", "rb'x' b'y'", '("a"\n "b")',
            "'''doc'''", "u'x'", "'a' \\\n 'b'", "'ü' 'é'"]


@pytest.mark.parametrize("code", LITERALS)
def test_one_literal_is_what_libcst_did_not_call_concatenated(code: str) -> None:
    expected = not isinstance(cst.parse_expression(code), cst.ConcatenatedString)
    assert is_single_literal(*_expression(code)) is expected


FSTRINGS = ["f'sessions/{sid}.json'", 'f"chat\\\\{x}{{y}}.txt"', "rf'a\\n{b!r:>{w}}c'", "f'{d[\"k\"]}/x'",
            "F'''{a}\n{b}'''", "f'{a:{b}.{c}}'", "f'{ {1: 2}[1] }z'", "f'ü{x}é'"]


@pytest.mark.parametrize("code", FSTRINGS)
def test_fstring_text_keeps_the_literal_parts_as_libcst_did(code: str) -> None:
    parts = cst.parse_expression(code).parts  # type: ignore[attr-defined]
    expected = "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in parts)
    assert fstring_text(*_expression(code)) == expected


@pytest.mark.parametrize(("code", "expected"), [
    ('__name__ == "__main__"', True), ("'__main__' == __name__", True), ('__name__ != "__main__"', True),
    ('__name__ == "__ma" "in__"', False), ('__name__ == b"__main__"', False), ("__name__ == main", False),
    ('__name__ == "__main__" == x', False), ('(__name__) == ("__main__")', True)])
def test_main_guard_reads_any_comparison_operator(code: str, expected: bool) -> None:
    assert is_main_guard(*_expression(code)) is expected


@pytest.mark.parametrize(("code", "expected"), [
    ("True", True), ("1", True), ("(1)", True), ("0x1", False), ("1.0", False), ("False", False),
    ("running", True), ("not self.stop_event", True), ("not True", False), ("self.queue", False), ("x > 1", False)])
def test_service_loop_test(code: str, expected: bool) -> None:
    assert is_service_loop_test(ast.parse(code, mode="eval").body) is expected

