"""The JSON report. Its shape is documented in the README and kept stable:

``{"tool": {"name", "version"}, "findings": [...], "factors": [...], "score", "diagnostics",
"baselined", "scope", "unreported", "projects", "failed"}``. ``failed`` lists why the run fails
(empty when it passes). Each finding has a ``fingerprint`` that survives line moves (the
baseline's key).
"""

from __future__ import annotations

import json

from tfa_lint import __version__
from tfa_lint.engine import ScanResult
from tfa_lint.report import ReportOptions
from tfa_lint.score import Scorecard


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    rules = {r.id: r for r in result.rules}
    doc = {
        "tool": {"name": "tfa-lint", "version": __version__},
        "findings": [
            {
                "rule": f.rule,
                "factor": rules[f.rule].factor,
                "severity": rules[f.rule].severity.value,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "message": f.message,
                "fingerprint": result.identities[f].fingerprint if f in result.identities else None,
                "fix": f.fix.to_json(for_report=True) if f.fix is not None else None,
            }
            for f in result.findings
        ],
        "factors": [
            {"factor": f.factor, "name": f.name, "score": f.score, "summary": f.summary,
             "failed_rules": list(f.failed), "passed_rules": list(f.passed), "not_checked": f.not_checked}
            for f in card.factors
        ],
        "score": card.overall,
        "diagnostics": [{"path": d.path, "message": d.message, "skipped": d.skipped} for d in result.diagnostics],
        "baselined": len(result.baselined),
        "scope": list(result.scope) if result.scope is not None else None,
        "unreported": len(result.unreported),
        "projects": [{"path": p.path, "kind": p.kind, "evidence": p.evidence} for p in result.projects],
        "failed": list(options.failures),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
