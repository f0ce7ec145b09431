"""One module per output format. Each takes a finished scan and its scorecard and returns text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tfa_lint.engine import ScanResult
from tfa_lint.model import Finding
from tfa_lint.rule import Rule
from tfa_lint.score import Scorecard


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    #: SARIF ``automationDetails.id`` category: distinct per analysis of the same commit.
    sarif_category: str = "tfa-lint"
    #: The text report shows counts per rule (ruff's ``--statistics``) instead of each finding.
    statistics: bool = False


def priority(rules: dict[str, type[Rule]]) -> Callable[[Finding], tuple]:
    """Sort key putting what to fix first first: errors, then warnings, then notes; security
    findings ahead of others of the same severity; then by file, rule and line, so that the
    findings of one rule in one file sit together."""
    def key(finding: Finding) -> tuple:
        rule = rules[finding.rule]
        return (-rule.severity.rank, not rule.security, finding.path, finding.rule, finding.line, finding.column)
    return key


Renderer = Callable[[ScanResult, Scorecard, ReportOptions], str]

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")


def renderers() -> dict[str, Renderer]:
    from tfa_lint.report import github, gitlab, json_report, markdown, sarif, text

    return {"text": text.render, "json": json_report.render, "sarif": sarif.render,
            "github": github.render, "gitlab": gitlab.render, "markdown": markdown.render}
