"""Per-factor score (0–10) and overall score (0–100), with one sentence per factor.

The formula (also in the README):

* A rule *applies* when it is selected and its ``applies`` predicate holds for the repo.
  Preview rules (``--preview``) are reported, never scored: only rules measured at the
  stable bar on the field corpus count.
* Each applicable rule weighs by severity: error 3, warning 2, note 0 (advisory: shown,
  not scored). ``[tool.tfa-lint.severity-weights]`` overrides these defaults.
* A rule *passes* when it has no finding left after suppressions.
* factor fraction = weight of passing applicable rules / weight of applicable rules;
  factor score = round(10 × fraction). A factor with no applicable scored rule is ``n/a``.
* overall = round(100 × mean of the assessed factors' fractions); ``None`` when no factor
  is assessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from tfa_lint.engine import ScanResult
from tfa_lint.model import FACTOR_NAMES, SEVERITY_WEIGHTS, Finding, Severity
from tfa_lint.rule import load_rules

#: First locations named per failing rule in a factor's explanation.
LOCATIONS_SHOWN = 3

#: What each factor asks that no file in a repository can show. Always reported, never scored,
#: so a perfect score is not read as "fully twelve-factor".
NOT_CHECKED: dict[int, str] = {
    1: "one codebase per app and many deploys of it (deploy records live outside the repo)",
    2: "runtime isolation actually used (inferred only from Dockerfile and lock files)",
    3: "per-environment values (they live in the platform, not the repo)",
    4: "attaching and detaching services without a code change (needs two backends and a run)",
    5: "immutable, uniquely identified releases and a separate release stage (CI and registry)",
    6: "sticky sessions at the load balancer (infrastructure)",
    7: "service discovery and load balancing (infrastructure)",
    8: "actual horizontal scaling and autoscaling (orchestrator)",
    9: "startup latency, crash recovery and re-queued in-flight work (needs a run)",
    10: "deploy frequency and the same services in staging and production (environment inventory)",
    11: "log aggregation and end-to-end correlation ids (infrastructure)",
    12: "admin tasks run as one-off processes in the production environment (operator practice)",
}


@dataclass(frozen=True)
class FactorScore:
    factor: int
    name: str
    score: int | None  # 0-10, None for n/a
    fraction: float | None
    summary: str
    passed: tuple[str, ...]
    failed: tuple[str, ...]
    not_checked: str = ""


@dataclass(frozen=True)
class Scorecard:
    factors: tuple[FactorScore, ...]
    overall: int | None

    @property
    def assessed(self) -> list[FactorScore]:
        return [f for f in self.factors if f.score is not None]


def _covered_factors() -> set[int]:
    return {r.factor for r in load_rules().values()}


def score(result: ScanResult, weights: Mapping[Severity, int] = SEVERITY_WEIGHTS) -> Scorecard:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.all_findings:
        by_rule[finding.rule].append(finding)
    rules_by_factor = defaultdict(list)
    for rule in result.rules:
        if rule.factor in FACTOR_NAMES:
            rules_by_factor[rule.factor].append(rule)

    factors = []
    for number, name in FACTOR_NAMES.items():
        rules = rules_by_factor.get(number, [])
        applicable = [r for r in rules if result.applicability.get(r.id) is None]
        scored = [r for r in applicable if weights[r.severity] > 0 and not r.preview]
        advisories = sum(len(by_rule[r.id]) for r in applicable if weights[r.severity] == 0 and not r.preview)
        previews = sum(len(by_rule[r.id]) for r in applicable if r.preview)
        if not scored:
            reasons = [result.applicability[r.id] for r in rules if result.applicability.get(r.id)]
            if reasons:
                reason = reasons[0]
            elif any(not r.preview for r in applicable):
                reason = "only advisory checks apply"
            elif applicable:
                reason = "only preview checks apply, and they are not scored"
            elif number in _covered_factors():
                reason = "its checks are not selected"
            else:
                reason = "not checked by this version of tfa-lint"
            factors.append(FactorScore(number, name, None, None, f"n/a — {reason}", (), (), NOT_CHECKED[number]))
            continue
        passed = tuple(r.id for r in scored if not by_rule[r.id])
        failed = tuple(r.id for r in scored if by_rule[r.id])
        total = sum(weights[r.severity] for r in scored)
        fraction = sum(weights[r.severity] for r in scored if r.id in passed) / total
        summary = f"{len(passed)} of {len(scored)} applicable checks pass"
        if failed:
            titles = {r.id: r.title for r in scored}
            parts = []
            for rule_id in failed:
                hits = sorted(by_rule[rule_id])
                where = ", ".join(f"{h.path}:{h.line}" for h in hits[:LOCATIONS_SHOWN])
                more = f" (+{len(hits) - LOCATIONS_SHOWN} more)" if len(hits) > LOCATIONS_SHOWN else ""
                parts.append(f"{rule_id} failed ({titles[rule_id]}) at {where}{more}")
            summary += "; " + "; ".join(parts)
        if advisories:
            summary += f"; {advisories} advisory note(s)"
        if previews:
            summary += f"; {previews} preview finding(s), not scored"
        factors.append(FactorScore(number, name, round(10 * fraction), fraction, summary, passed, failed,
                                   NOT_CHECKED[number]))

    assessed = [f.fraction for f in factors if f.fraction is not None]
    overall = round(100 * sum(assessed) / len(assessed)) if assessed else None
    return Scorecard(tuple(factors), overall)
