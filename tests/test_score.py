from __future__ import annotations

from pathlib import Path

from tfa_lint.engine import ScanResult
from tfa_lint.model import Finding, Severity
from tfa_lint.rule import load_rules
from tfa_lint.score import score

RULES = load_rules()


def result(findings: list[Finding], applicability: dict[str, str | None]) -> ScanResult:
    rules = [RULES[r] for r in applicability]
    return ScanResult(Path("."), rules, applicability, findings, [], [], all_findings=findings)


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
    assert card.factors[0].summary == "n/a — its checks are not selected"
    assert card.overall == 100 and len(card.assessed) == 1


def test_no_assessed_factor_means_no_overall_score() -> None:
    assert score(result([], {})).overall is None


def test_severity_weights_are_configurable() -> None:
    # TFA0204 (warning) fails, TFA0203 (error) passes, TFA0305-like notes count only when weighted.
    res = result([finding("TFA0204"), finding("TFA0305")],
                 {"TFA0203": None, "TFA0204": None, "TFA0305": None, "TFA0307": None})
    default = score(res)
    assert default.factors[1].fraction == 3 / 5  # error 3 passes, warning 2 fails
    assert "advisory" in default.factors[2].summary and default.factors[2].fraction == 1.0
    heavy = score(res, {Severity.ERROR: 1, Severity.WARNING: 1, Severity.NOTE: 1})
    assert heavy.factors[1].fraction == 0.5
    assert heavy.factors[2].fraction == 0.5  # the note now counts: TFA0305 fails, TFA0307 passes


def test_factor_summary_names_failing_rules_and_first_locations() -> None:
    hits = [Finding(f"m{i}.py", i, 1, "TFA0204", "msg", i, 1) for i in range(1, 6)]
    card = score(result(hits, {"TFA0204": None}))
    assert "TFA0204 failed (Imported third-party package not declared) at m1.py:1, m2.py:2, m3.py:3 (+2 more)" \
        in card.factors[1].summary
    assert card.factors[1].not_checked
