from __future__ import annotations

from pathlib import Path

from tfa_lint.engine import ScanResult
from tfa_lint.model import Finding
from tfa_lint.rule import load_rules
from tfa_lint.score import score

RULES = load_rules()


def result(findings: list[Finding], applicability: dict[str, str | None]) -> ScanResult:
    rules = [RULES[r] for r in applicability]
    return ScanResult(Path("."), rules, applicability, findings, [], [])


def finding(rule: str) -> Finding:
    return Finding("a.py", 1, 1, rule, "msg", 1, 1)


def test_weights_and_rounding() -> None:
    # Factor II: TFA0202, TFA0205, TFA0206, TFA0207 are warnings (weight 2 each).
    res = result([finding("TFA0202")], {"TFA0202": None, "TFA0205": None, "TFA0206": None, "TFA0207": None})
    card = score(res)
    factor = card.factors[1]
    assert factor.score == 8 and factor.fraction == 0.75  # 6 of 8 weight passes
    assert factor.summary.startswith("3 of 4 applicable checks pass; TFA0202 failed")
    assert card.overall == 75  # the only assessed factor


def test_not_applicable_is_na_never_ten() -> None:
    card = score(result([], {"TFA0901": "no long-running process found", "TFA0301": None}))
    disposability = card.factors[8]
    assert disposability.score is None
    assert disposability.summary == "n/a — no long-running process found"
    assert card.factors[0].summary == "n/a — not checked by this version of tfa-lint"
    assert card.overall == 100 and len(card.assessed) == 1


def test_no_assessed_factor_means_no_overall_score() -> None:
    assert score(result([], {})).overall is None
