"""The terminal report: findings most severe first, the factor table, the overall score.

Findings are ordered by what to fix first (:func:`tfa_lint.report.priority`): errors, security
first, then warnings and notes. One cause repeated in one file (fifteen unpinned requirements)
shows its first ``FOLD_AFTER`` findings, then one line naming the lines of the rest; the JSON,
SARIF and GitHub reports keep every finding. ``--statistics`` shows a count per rule instead.

The factor table, what the repository was judged to be and the count of findings outside the
named paths wrap to ``ReportOptions.width``, further lines indented under where the text began.
Finding lines never wrap: one finding, one line, as editors and grep expect ``path:line:col``."""

from __future__ import annotations

import shutil
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping
from itertools import groupby

import click

from tfa_lint.engine import ScanResult
from tfa_lint.gate import failure_line
from tfa_lint.model import Finding, Severity
from tfa_lint.report import DEFAULT_WIDTH, ReportOptions, priority
from tfa_lint.report.source import SourceLines
from tfa_lint.rule import Rule
from tfa_lint.score import FactorScore, Scorecard

_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
#: Findings of one rule in one file shown in full before the rest fold into one line.
FOLD_AFTER = 3
#: Line numbers a folded line names before it says how many more.
LINES_NAMED = 12
#: Columns a wrapped summary keeps however narrow the terminal: fewer would leave a word a line.
MIN_TEXT_WIDTH = 30
#: Shown instead of the not-checked list unless ``--verbose``.
NOT_CHECKED_HINT = "--verbose lists, per factor, what is never checked statically."


def wants_color(flag: bool | None, env: Mapping[str, str], isatty: bool, to_file: bool) -> bool:
    """Whether the text report is coloured. ``--color``/``--no-color`` decide when given. Else a
    report written to a file is plain; ``NO_COLOR`` set to anything but "" turns colour off
    (no-color.org); ``FORCE_COLOR`` set to anything but "" or "0" turns it on even through a pipe
    (``| less -R``, CI logs that render ANSI); and without either, colour goes to a terminal only."""
    if flag is not None:
        return flag
    if to_file or env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return isatty


def report_width(to_file: bool) -> int:
    """Columns to wrap to: the terminal's, or ``COLUMNS`` when set; ``DEFAULT_WIDTH`` on a pipe
    without ``COLUMNS`` and for a report written to a file, which no terminal shows as it is."""
    if to_file:
        return DEFAULT_WIDTH
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    color = options.color

    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    rules = {r.id: r for r in result.rules}
    out: list[str] = []
    if options.statistics:
        out.extend(_statistics(result, rules, style))
    else:
        ordered = sorted(result.findings, key=priority(rules))
        source = SourceLines(result) if options.show_source else None
        for (rule_id, path), group in groupby(ordered, key=lambda f: (f.rule, f.path)):
            found = list(group)
            sev = rules[rule_id].severity
            level = sev.value + (" (preview)" if rules[rule_id].preview else "")
            for f in found[:FOLD_AFTER]:
                # `[*]` marks a finding --fix (or --unsafe-fixes) can fix, as ruff marks it
                fixable = " [*]" if f.fix is not None else ""
                out.append(f"{style(path, bold=True)}:{f.line}:{f.column} "
                           f"{style(f.rule, fg=_SEVERITY_COLOR[sev], bold=True)}{fixable} {level}: {f.message}")
                if source is not None:
                    out.extend(style(line, dim=True) for line in source.excerpt(f))
            if len(found) > FOLD_AFTER:
                out.append("  " + style(_folded(found[FOLD_AFTER:], rules[rule_id].title, path), dim=True))
    if options.quiet:  # the findings and the verdict, nothing else
        return "\n".join([*out, *_failed(options, style)]) + "\n" if out or options.failures else ""
    if out:
        out.append("")

    overall = "n/a (no factor could be assessed)" if card.overall is None else f"{card.overall}/100"
    if result.scope is None:
        out.extend(_factor_table(card, style, options.width))
        if options.verbose:
            out.extend(_not_checked(card, style, options.width))
        else:  # the same twelve lines on every run hid the findings; one line says where they are
            out += [style(NOT_CHECKED_HINT, dim=True), ""]
        if result.projects:
            out.extend(_hanging_wrap("Judged as: ", _projects_text(result), options.width))
        out.append(style(f"Overall: {overall}", bold=True) + f" — {len(card.assessed)} of 12 factors assessed")
    else:
        # Paths were named (pre-commit passes the staged files): the findings are about them,
        # the score is about the whole repository, so only its total is shown.
        whole = f"`tfa-lint {result.root}`"
        out.append(style(f"Overall: {overall}", bold=True) + f" for the whole project (run {whole} "
                   "for the factor table)")
        if result.unreported:
            hidden = (f"{len(result.unreported)} more finding(s) in files outside the given paths are not "
                      f"shown: run {whole} (or the tfa-lint-repo hook) to see them.")
            out.extend(_hanging_wrap("", hidden, options.width))

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
    out.extend(_failed(options, style))
    return "\n".join(out) + "\n"


def _failed(options: ReportOptions, style) -> list[str]:
    """The last line of a failed run: why it fails."""
    if not options.failures:
        return []
    return [style(failure_line(options.failures, exit_zero=options.exit_zero).capitalize(), fg="red", bold=True)]


def _projects_text(result: ScanResult) -> str:
    """What the repository was judged to be: one project with its evidence, or counts."""
    if len(result.projects) == 1:
        p = result.projects[0]
        return f"{p.kind} — {p.evidence}"
    counts = Counter(p.kind for p in result.projects)
    kinds = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(counts.items()))
    return f"{len(result.projects)} projects ({kinds}; see the JSON report's `projects`)"


def _hanging_wrap(first: str, text: str, width: int, style_text: Callable[[str], str] = str) -> list[str]:
    """``first``, then ``text`` wrapped to ``width`` with its further lines indented to where it
    began. Only visible characters count: ``first`` may hold style codes, and ``style_text`` is
    applied after wrapping. Words are never cut: a path wider than the column overflows rather
    than becoming two halves that neither copy nor click."""
    indent = len(click.unstyle(first))
    lines = textwrap.wrap(text, max(width - indent, MIN_TEXT_WIDTH),
                          break_long_words=False, break_on_hyphens=False) or [""]
    return [first + style_text(lines[0]), *(" " * indent + style_text(line) for line in lines[1:])]


def _label(card: Scorecard, factor: FactorScore) -> str:
    """``   3 Config               ``: number and name, padded to the longest name."""
    return f"  {factor.factor:>2} {factor.name:<{max(len(f.name) for f in card.factors)}}  "


def _factor_table(card: Scorecard, style, width: int) -> list[str]:
    out = [style("Twelve-factor score", bold=True)]
    for f in card.factors:
        if f.score is None:  # the dash centred in the score's five columns, so summaries align
            out.extend(_hanging_wrap(f"{_label(card, f)}{'—':^5}  ", f.summary, width,
                                     lambda text: style(text, dim=True)))
        else:
            fg = "green" if f.score == 10 else "yellow" if f.score >= 5 else "red"
            score = style(f"{f.score:>2}/10", fg=fg)
            out.extend(_hanging_wrap(f"{_label(card, f)}{score}  ", f.summary, width))
    out.append("")
    return out


def _not_checked(card: Scorecard, style, width: int) -> list[str]:
    out = [style("Not checked statically (never scored):", bold=True)]
    for f in card.factors:
        out.extend(_hanging_wrap(_label(card, f), f.not_checked, width, lambda text: style(text, dim=True)))
    out.append("")
    return out


def _folded(rest: list[Finding], title: str, path: str) -> str:
    """``… and 12 more in requirements.txt (Requirement not pinned…): lines 7, 9, 12, …``"""
    lines = [str(f.line) for f in rest]
    named = ", ".join(lines[:LINES_NAMED]) + (f" and {len(lines) - LINES_NAMED} more" if len(lines) > LINES_NAMED else "")
    return f"… and {len(rest)} more in {path} ({title}): line{'s' if len(lines) != 1 else ''} {named}"


def _statistics(result: ScanResult, rules: dict[str, type[Rule]], style) -> list[str]:
    """One line per rule with findings, most findings first: count, id, severity, files, title."""
    counts = Counter(f.rule for f in result.findings)
    paths: dict[str, set[str]] = {}
    for f in result.findings:
        paths.setdefault(f.rule, set()).add(f.path)
    files = {rule_id: len(found) for rule_id, found in paths.items()}
    out = []
    for rule_id, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        rule = rules[rule_id]
        where = f"{files[rule_id]} file{'s' if files[rule_id] != 1 else ''}"
        out.append(f"{count:>6}  {style(rule_id, fg=_SEVERITY_COLOR[rule.severity], bold=True)}  "
                   f"{rule.severity.value:<7}  {where:>9}  {rule.title}")
    return out
