"""The terminal report: findings grouped by file, the factor table, the overall score."""

from __future__ import annotations

from itertools import groupby

import click

from tfa_lint.engine import ScanResult
from tfa_lint.model import Severity
from tfa_lint.report import ReportOptions
from tfa_lint.score import Scorecard

_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    color = options.color

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    rules = {r.id: r for r in result.rules}
    out: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.path):
        for f in group:
            sev = rules[f.rule].severity
            out.append(f"{style(path, bold=True)}:{f.line}:{f.column} "
                       f"{style(f.rule, fg=_SEVERITY_COLOR[sev], bold=True)} {f.message}")
        out.append("")

    overall = "n/a (no factor could be assessed)" if card.overall is None else f"{card.overall}/100"
    if result.scope is None:
        out.extend(_factor_table(card, style))
        out.append(style(f"Overall: {overall}", bold=True) + f" — {len(card.assessed)} of 12 factors assessed")
    else:
        # Paths were named (pre-commit passes the staged files): the findings are about them,
        # the score is about the whole repository, so only its total is shown.
        out.append(style(f"Overall: {overall}", bold=True) + " for the whole repository "
                   "(run `tfa-lint` with no paths for the factor table)")
        if result.unreported:
            out.append(f"{len(result.unreported)} more finding(s) in files outside the given paths are not "
                       "shown: run `tfa-lint` with no paths (or the tfa-lint-repo hook) to see them.")

    counts = {s: 0 for s in Severity}
    for f in result.findings:
        counts[rules[f.rule].severity] += 1
    noun = "finding" if len(result.findings) == 1 else "findings"
    detail = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    line = f"{len(result.findings)} {noun}" + (f" ({detail})" if detail else "")
    line += f" in {len(result.files)} files"
    if result.suppressed:
        line += f"; {result.suppressed} suppressed"
    if result.baselined:
        line += f"; {len(result.baselined)} known, hidden by the baseline"
    out.append(line + ".")
    if result.diagnostics:
        out.append("")
        out.append(style(f"{len(result.diagnostics)} file(s) not fully checked:", bold=True))
        out.extend(f"  {d.path}: {d.message}" for d in result.diagnostics)
    return "\n".join(out) + "\n"


def _factor_table(card: Scorecard, style) -> list[str]:
    out = [style("Twelve-factor score", bold=True)]
    width = max(len(f.name) for f in card.factors)
    for f in card.factors:
        label = f"{f.factor:>2} {f.name:<{width}}"
        if f.score is None:
            out.append(f"  {label}    —   {style(f.summary, dim=True)}")
        else:
            fg = "green" if f.score == 10 else "yellow" if f.score >= 5 else "red"
            out.append(f"  {label}  {style(f'{f.score:>2}/10', fg=fg)}  {f.summary}")
    out.append("")
    out.append(style("Not checked statically (never scored):", bold=True))
    out.extend(f"  {f.factor:>2} {f.name:<{width}}  {style(f.not_checked, dim=True)}" for f in card.factors)
    out.append("")
    return out
