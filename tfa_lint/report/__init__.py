"""One module per output format. Each takes a finished scan and its scorecard and returns text."""

from __future__ import annotations

from collections.abc import Callable

from tfa_lint.engine import ScanResult
from tfa_lint.score import Scorecard

Renderer = Callable[[ScanResult, Scorecard, bool], str]


def renderers() -> dict[str, Renderer]:
    from tfa_lint.report import json_report, text

    return {"text": text.render, "json": json_report.render}
