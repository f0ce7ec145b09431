"""One module per output format. Each takes a finished scan and its scorecard and returns text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tfa_lint.engine import ScanResult
from tfa_lint.model import Finding
from tfa_lint.rule import Rule
from tfa_lint.score import Scorecard


#: Columns of a text report with no terminal to measure: a pipe with no ``COLUMNS``, or a file.
DEFAULT_WIDTH = 100


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    #: Columns the text report's own sentences (the factor table) wrap to; finding lines never wrap.
    width: int = DEFAULT_WIDTH
    #: SARIF ``automationDetails.id`` category: distinct per analysis of the same commit.
    sarif_category: str = "tfa-lint"
    #: The text report shows counts per rule (ruff's ``--statistics``) instead of each finding.
    statistics: bool = False
    #: Text report: the findings and why the run failed, nothing else (ruff's ``--quiet``).
    quiet: bool = False
    #: Text report: each finding's source line, with a caret under its columns (ruff's ``--show-source``).
    show_source: bool = False
    #: Why the run fails (:func:`tfa_lint.gate.gate`); the reports that people read end with it.
    failures: tuple[str, ...] = ()
    #: ``--exit-zero``: the run exits 0 whatever the failures.
    exit_zero: bool = False
    #: The text report also lists, per factor, what no static check can see (``FactorScore.not_checked``).
    verbose: bool = False


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
