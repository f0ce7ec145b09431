"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding.

GitHub shows at most 10 annotations of each level per step, so the most severe come first;
every finding is still in the log, and the full set belongs in SARIF or the job summary.
Paths are relative to the checkout's top, where the runner resolves them, even when a
subdirectory was scanned.
Escaping follows the runner: ``%``, CR and LF in the message; also ``:`` and ``,`` in
property values, where a raw comma would end the value and could inject a parameter.
"""

from __future__ import annotations

from tfa_lint.engine import ScanResult
from tfa_lint.gate import failure_line
from tfa_lint.model import Severity
from tfa_lint.report import ReportOptions, priority
from tfa_lint.score import Scorecard

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    rules = {r.id: r for r in result.rules}
    ordered = sorted(result.findings, key=priority(rules))
    lines = []
    for f in ordered:
        rule = rules[f.rule]
        if f.path.startswith("../"):
            # A baseline kept outside the checkout: no file to annotate, so name it in the message.
            lines.append(f"::{_COMMAND[rule.severity]} title={escape_property(f'{rule.id} {rule.name}')}::"
                         f"{escape_data(f'{f.path}:{f.line}: {f.message}')}")
            continue
        props = [f"file={escape_property(result.checkout_prefix + f.path)}", f"line={f.line}"]
        if f.end_line > f.line:
            props.append(f"endLine={f.end_line}")
        else:  # the runner drops columns from multi-line annotations
            props.append(f"col={f.column}")
            if f.end_column > f.column:
                props.append(f"endColumn={f.end_column}")
        props.append(f"title={escape_property(f'{rule.id} {rule.name}')}")
        lines.append(f"::{_COMMAND[rule.severity]} {','.join(props)}::{escape_data(f.message)}")
    for d in result.diagnostics:
        where = "" if d.path in (".", "") else f"file={escape_property(result.checkout_prefix + d.path)},"
        lines.append(f"::warning {where}title=tfa-lint could not check a file::{escape_data(d.message)}")
    overall = "n/a" if card.overall is None else f"{card.overall}/100"
    lines.append(f"tfa-lint: {len(result.findings)} finding(s); twelve-factor score {overall}")
    if options.failures:  # the last line, an error annotation on the run: why the step fails
        lines.append(f"::error title=tfa-lint::{escape_data(failure_line(options.failures, exit_zero=options.exit_zero))}")
    return "\n".join(lines) + "\n"
