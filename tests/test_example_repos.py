"""The bundled example repos: the bad one trips every check, the clean one none."""

from __future__ import annotations

from conftest import REPO_ROOT, scan_tree
from tfa_lint.rule import load_rules
from tfa_lint.score import score

EXAMPLES = REPO_ROOT / "examples"


def test_bad_agent_trips_every_rule() -> None:
    result = scan_tree(EXAMPLES / "bad-agent")
    fired = {f.rule for f in result.findings}
    expected = {rule_id for rule_id, rule in load_rules().items() if not rule._meta}
    assert fired == expected
    card = score(result)
    assert card.overall == 0
    assert not result.diagnostics


def test_clean_agent_is_clean_and_scores_100() -> None:
    result = scan_tree(EXAMPLES / "clean-agent")
    assert result.findings == []
    card = score(result)
    assert card.overall == 100
    assessed = {f.factor for f in card.assessed}
    assert {2, 3, 6, 9, 11} <= assessed
    for factor in card.factors:
        if factor.score is None:
            assert factor.summary.startswith("n/a — ")
