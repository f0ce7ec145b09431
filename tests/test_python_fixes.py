"""The safety labels of the Python fixes (the rules' examples pin what they change, not how
safely): TFA0701 is safe only when nothing else reads or sets PORT; TFA1101 and TFA0301 are
always unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scan_tree, write_tree

from tfa_lint.fix import Applicability
from tfa_lint.rule import load_rules

RULES = load_rules()


def _labels(rule_id: str, index: int, tmp_path: Path) -> list[Applicability]:
    example = RULES[rule_id].invalid[index]
    root = write_tree(tmp_path / "repo", dict(example.files))
    findings = [f for f in scan_tree(root, [RULES[rule_id]]).findings if f.rule == rule_id and f.fix]
    assert findings
    return [f.fix.applicability for f in findings]  # type: ignore[union-attr]


@pytest.mark.parametrize(("rule_id", "index", "label"), [
    ("TFA0701", 0, Applicability.SAFE),  # nothing else names PORT: the same port, unless PORT is set
    ("TFA0701", 2, Applicability.SAFE),
    ("TFA0701", 3, Applicability.UNSAFE),  # the image sets PORT=8080
    ("TFA1101", 5, Applicability.UNSAFE),  # a print to stdout becomes a record the logging setup routes
    ("TFA0301", 0, Applicability.UNSAFE),  # the program now needs the variable set
])
def test_a_python_fix_is_labelled_as_safe_as_it_is(rule_id: str, index: int, label: Applicability,
                                                  tmp_path: Path) -> None:
    assert set(_labels(rule_id, index, tmp_path)) == {label}
