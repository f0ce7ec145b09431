"""One module per output format. Each takes a finished scan and its scorecard and returns text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tfa_lint.engine import ScanResult
from tfa_lint.score import Scorecard


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    #: SARIF ``automationDetails.id`` category: distinct per analysis of the same commit.
    sarif_category: str = "tfa-lint"


Renderer = Callable[[ScanResult, Scorecard, ReportOptions], str]

FORMATS = ("text", "json", "sarif", "github", "markdown")


def renderers() -> dict[str, Renderer]:
    from tfa_lint.report import github, json_report, markdown, sarif, text

    return {"text": text.render, "json": json_report.render, "sarif": sarif.render,
            "github": github.render, "markdown": markdown.render}
