"""A Markdown job summary for ``$GITHUB_STEP_SUMMARY`` (or a merge-request note): the overall
score, the factor table with what is never checked statically (collapsed), and the most severe
findings with links to their rule docs.

GitHub caps a step summary at 1 MiB, so the findings table stops at ``TOP_FINDINGS`` rows and
says how many more there are; the full list belongs in SARIF or JSON.
"""

from __future__ import annotations

import re
from collections import Counter

from tfa_lint.docs import rule_url
from tfa_lint.engine import ScanResult
from tfa_lint.gate import failure_line
from tfa_lint.model import Severity
from tfa_lint.report import ReportOptions, priority
from tfa_lint.score import Scorecard

TOP_FINDINGS = 25
_CODE_SPAN_RE = re.compile(r"(`[^`]*`)")
_ICON = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟠 warning", Severity.NOTE: "🔵 note"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipe or newline breaks the row, no HTML is rendered.

    Entities are decoded outside code spans only, so `<`, `>` and `&` are escaped there and
    left alone inside backticks (where an escape would show literally). A pipe ends a table
    cell even inside a code span, so it is always escaped.
    """
    parts = _CODE_SPAN_RE.split(text.replace("\r", " ").replace("\n", " "))
    for i in range(0, len(parts), 2):  # even indexes lie outside code spans
        parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(parts).replace("|", "\\|")


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    rules = {r.id: r for r in result.rules}
    overall = "n/a" if card.overall is None else f"{card.overall}/100"
    out = [f"## tfa-lint: twelve-factor score {overall}", ""]
    counts = Counter(rules[f.rule].severity for f in result.findings)
    tally = ", ".join(f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s])
    line = f"{len(result.findings)} finding(s)" + (f" ({tally})" if tally else "")
    line += f" in {len(result.files)} files; {len(card.assessed)} of 12 factors assessed."
    if result.baselined:
        line += f" {len(result.baselined)} known finding(s) hidden by the baseline."
    if result.scope is not None:
        line += (" Findings are reported for the given paths only; the score covers the whole repository"
                 f" ({len(result.unreported)} finding(s) elsewhere).")
    out += [line, "", "| # | Factor | Score | Why |", "|---:|---|---:|---|"]
    for f in card.factors:
        score = "n/a" if f.score is None else f"{f.score}/10"
        out.append(f"| {f.factor} | {cell(f.name)} | {score} | {cell(f.summary)} |")
    # Collapsed: the same twelve rows every run, read once, not scrolled past on each summary.
    out += ["", "<details><summary>Not checked statically (never scored)</summary>", "",
            "| # | Factor | What no file in the repository can show |", "|---:|---|---|"]
    out += [f"| {f.factor} | {cell(f.name)} | {cell(f.not_checked)} |" for f in card.factors]
    out += ["", "</details>"]

    if result.findings:
        ordered = sorted(result.findings, key=priority(rules))
        out += ["", "### Findings" + (f" (the {TOP_FINDINGS} most severe)" if len(ordered) > TOP_FINDINGS else ""),
                "", "| Severity | Rule | Location | Message |", "|---|---|---|---|"]
        for f in ordered[:TOP_FINDINGS]:
            rule = rules[f.rule]
            out.append(f"| {_ICON[rule.severity]} | [{rule.id}]({rule_url(rule.id)}) {cell(rule.title)} "
                       f"| {cell(f'`{f.path}:{f.line}`')} | {cell(f.message)} |")
        if len(ordered) > TOP_FINDINGS:
            out += ["", f"…and {len(ordered) - TOP_FINDINGS} more: see the SARIF or JSON report."]
    if result.diagnostics:
        out += ["", f"<details><summary>{len(result.diagnostics)} file(s) not fully checked</summary>", ""]
        out += [f"- {cell(f'`{d.path}`')}: {cell(d.message)}" for d in result.diagnostics]
        out += ["", "</details>"]
    if options.failures:
        out += ["", f"**tfa-lint {cell(failure_line(options.failures, exit_zero=options.exit_zero))}**"]
    return "\n".join(out) + "\n"
