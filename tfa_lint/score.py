"""Per-factor score (0–10) and overall score (0–100), with one sentence per factor.

The formula (also in the README):

* A rule *applies* when it is selected and its ``applies`` predicate holds for the repo.
* Each applicable rule weighs by severity: error 3, warning 2, note 0 (advisory: shown,
  never scored).
* A rule *passes* when it has no finding left after suppressions.
* factor fraction = weight of passing applicable rules / weight of applicable rules;
  factor score = round(10 × fraction). A factor with no applicable scored rule is ``n/a``.
* overall = round(100 × mean of the assessed factors' fractions); ``None`` when no factor
  is assessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tfa_lint.engine import ScanResult
from tfa_lint.model import FACTOR_NAMES, Finding, Severity
from tfa_lint.rule import load_rules

WEIGHTS: dict[Severity, int] = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 0}


@dataclass(frozen=True)
class FactorScore:
    factor: int
    name: str
    score: int | None  # 0-10, None for n/a
    fraction: float | None
    summary: str
    passed: tuple[str, ...]
    failed: tuple[str, ...]


@dataclass(frozen=True)
class Scorecard:
    factors: tuple[FactorScore, ...]
    overall: int | None

    @property
    def assessed(self) -> list[FactorScore]:
        return [f for f in self.factors if f.score is not None]


def _covered_factors() -> set[int]:
    return {r.factor for r in load_rules().values()}


def score(result: ScanResult) -> Scorecard:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_rule[finding.rule].append(finding)
    rules_by_factor = defaultdict(list)
    for rule in result.rules:
        if rule.factor in FACTOR_NAMES:
            rules_by_factor[rule.factor].append(rule)

    factors = []
    for number, name in FACTOR_NAMES.items():
        rules = rules_by_factor.get(number, [])
        applicable = [r for r in rules if result.applicability.get(r.id) is None]
        scored = [r for r in applicable if WEIGHTS[r.severity] > 0]
        advisories = sum(len(by_rule[r.id]) for r in applicable if WEIGHTS[r.severity] == 0)
        if not scored:
            reasons = [result.applicability[r.id] for r in rules if result.applicability.get(r.id)]
            if reasons:
                reason = reasons[0]
            elif applicable:
                reason = "only advisory checks apply"
            elif number in _covered_factors():
                reason = "its checks are not selected"
            else:
                reason = "not checked by this version of tfa-lint"
            factors.append(FactorScore(number, name, None, None, f"n/a — {reason}", (), ()))
            continue
        passed = tuple(r.id for r in scored if not by_rule[r.id])
        failed = tuple(r.id for r in scored if by_rule[r.id])
        total = sum(WEIGHTS[r.severity] for r in scored)
        fraction = sum(WEIGHTS[r.severity] for r in scored if r.id in passed) / total
        summary = f"{len(passed)} of {len(scored)} applicable checks pass"
        if failed:
            titles = {r.id: r.title for r in scored}
            parts = []
            for rule_id in failed:
                hits = sorted(by_rule[rule_id])
                more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
                parts.append(f"{rule_id} failed ({titles[rule_id]}) at {hits[0].path}:{hits[0].line}{more}")
            summary += "; " + "; ".join(parts)
        if advisories:
            summary += f"; {advisories} advisory note(s)"
        factors.append(FactorScore(number, name, round(10 * fraction), fraction, summary, passed, failed))

    assessed = [f.fraction for f in factors if f.fraction is not None]
    overall = round(100 * sum(assessed) / len(assessed)) if assessed else None
    return Scorecard(tuple(factors), overall)
