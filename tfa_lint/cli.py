"""The command line: ``tfa-lint [PATHS]``, ``tfa-lint rules``, ``tfa-lint explain ID``.

Exit codes: 0 clean (or a baseline written, or ``--exit-zero``); 1 findings at or above
``--fail-on`` (default: warning) that the baseline does not record, a score under
``--fail-under``, or stale baseline entries with ``--fail-on-stale`` — always with one line
saying why; 2 usage, configuration or internal error (one line; ``--debug`` for the
traceback), or a rule that crashed on some file (the reports are still written, naming the
rule and the file); 128 + the signal when interrupted (130 on Ctrl-C, 143 on SIGTERM).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import click

from tfa_lint import __version__
from tfa_lint.atomic import write_atomically
from tfa_lint.baseline import BaselineError, StaleBaselineEntry
from tfa_lint.baseline import render as baseline_file
from tfa_lint.cache import CACHE_DIR_NAME, ResultCache, cache_for, user_cache_dir
from tfa_lint.config import (
    Config,
    ConfigError,
    build_config,
    check_score,
    check_severity,
    expand_selector,
    find_config,
    selected,
)
from tfa_lint.docs import rules_markdown
from tfa_lint.gate import failure_line, gate
from tfa_lint.engine import ScanResult, report_scope, scan
from tfa_lint.fix import Applicability
from tfa_lint.fixer import MAX_PASSES, plan, unified_diff, write
from tfa_lint.model import FACTOR_NAMES, Diagnostic, Finding
from tfa_lint.parallel import available_cores
from tfa_lint.progress import ProgressLine
from tfa_lint.project import Marker, Project, ProjectError, project_for
from tfa_lint.redact import redact_known_keys
from tfa_lint.report import FORMATS, ReportOptions, renderers
from tfa_lint.report.text import report_width, wants_color
from tfa_lint.rule import FieldPrecision, RepoRule, RuleError, RuleSet, load_rules
from tfa_lint.rules import RETIRED
from tfa_lint.score import score

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: A run stopped by a signal exits 128 + its number, as a shell reports it: 130 on Ctrl-C,
#: 143 when a CI job is cancelled (SIGTERM).
EXIT_INTERRUPTED = 128


class _DefaultToCheck(click.Group):
    """``tfa-lint PATH`` means ``tfa-lint check PATH``, as ``ruff PATH`` once did; and
    ``tfa-lint --help`` is the scan's help, since scanning is what the command is for."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] != "--version":
            args = ["check", *args]
        return super().parse_args(ctx, args)


class _ScanCommand(click.Command):
    """The scan, documented as the top-level command it is used as, with the other commands
    listed after its options."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        name = ctx.find_root().info_name or "tfa-lint"
        formatter.write_usage(name, "[OPTIONS] [PATHS]...")
        formatter.write_text(f"       {name} rules | explain RULE | check [OPTIONS] [PATHS]...")

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Other commands"):
            formatter.write_dl([("rules", "List every rule: id, factor, severity, status, precision."),
                                ("explain RULE", "Print a rule's docs, with examples."),
                                ("--version", "Print the version.")])


@click.group("tfa-lint", cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfa-lint")
def cli() -> None:
    """Score an LLM-agent repository against the twelve factors, and say what to change."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _parse_formats(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, Path | None]]:
    """``--format FMT`` (stdout) or ``--format FMT:FILE``, repeatable."""
    out = []
    for value in values:
        name, sep, target = value.partition(":")
        if name not in FORMATS:
            raise click.BadParameter(f"{name!r} is not one of {', '.join(FORMATS)} (use FMT or FMT:FILE)")
        if sep and not target:
            raise click.BadParameter(f"{value!r} names no file after the colon")
        out.append((name, Path(target) if sep else None))
    return out


@cli.command(cls=_ScanCommand)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "formats", multiple=True, callback=_parse_formats, metavar="FMT[:FILE]",
              help=f"Report format: {', '.join(FORMATS)} [default: text]. FMT:FILE writes that format to FILE; "
                   "repeat to get several reports from one scan.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the --format report that has no FILE to this file instead of stdout.")
@click.option("--output-sarif", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write SARIF to FILE (same as --format sarif:FILE).")
@click.option("--sarif-category", default="tfa-lint", show_default=True,
              help="SARIF automationDetails category: give each analysis of one commit its own.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Hide the findings this baseline file records; report its stale entries (TFA0002).")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record every current finding in FILE, then exit 0.")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated).")
@click.option("--preview/--no-preview", default=None,
              help="Also run the preview rules: those not yet measured at 90% precision on the field "
                   "corpus. They are reported, never scored.")
@click.option("--fail-under", type=int, help="Exit 1 when the overall score is below SCORE (0-100).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]),
              help="Lowest severity whose findings make the exit code 1 [default: warning].")
@click.option("--fail-on-stale", is_flag=True, default=None,
              help="Also exit 1 on stale baseline entries (TFA0002): recorded debt that was paid.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when findings or the score would fail the run (errors still exit 2).")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The project root [default: walking up from PATHS, the nearest directory with tfa-lint's "
                   "configuration, else the top of the git (or hg, svn, jj) checkout].")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the configuration from this file; its directory is the root unless --root is given.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Processes analysing files; 0 uses every available core.")
@click.option("--no-cache", is_flag=True, help="Analyse every file again; neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help=f"Where to cache per-file results [default: <root>/{CACHE_DIR_NAME}].")
@click.option("--statistics", is_flag=True,
              help="Text report: count findings per rule, most first, instead of listing each one.")
@click.option("--quiet", "-q", is_flag=True,
              help="Text report: the findings and why the run failed, nothing else; no warnings on stderr.")
@click.option("--show-source", is_flag=True,
              help="Text report: show each finding's source line, with a caret under it (never a line "
                   "that holds a secret).")
@click.option("--verbose", "-v", is_flag=True,
              help="Text report: also list, per factor, what is never checked statically (never scored).")
@click.option("--color/--no-color", default=None,
              help="Colour the text report [default: on a terminal, unless NO_COLOR is set; FORCE_COLOR "
                   "colours it through a pipe; a report written to a file only with --color].")
@click.option("--fix", "fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, also apply the fixes that change behaviour (review them).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing.")
@click.option("--fix-only", is_flag=True, help="Apply the fixes and report nothing else (exit 0 unless a fix failed).")
@click.option("--show-fixes", is_flag=True, help="List the findings the fixes removed.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(paths: tuple[Path, ...], formats: list[tuple[str, Path | None]], output: Path | None,
          output_sarif: Path | None, sarif_category: str, baseline: Path | None, write_baseline: Path | None,
          select: tuple[str, ...], ignore: tuple[str, ...], preview: bool | None, fail_under: int | None,
          fail_on: str | None, fail_on_stale: bool | None, exit_zero: bool, root: Path | None,
          config_file: Path | None, jobs: int, no_cache: bool, cache_dir: Path | None, statistics: bool,
          quiet: bool, show_source: bool, verbose: bool, color: bool | None, fix: bool, unsafe_fixes: bool,
          diff: bool, fix_only: bool, show_fixes: bool, debug: bool) -> None:
    """Score an LLM-agent repository against the twelve factors, and say what to change.

    Scans the project PATHS belong to (default: the current directory's) and reports on
    PATHS. The whole project is always read, because many checks join several files; PATHS
    only narrow which findings are reported (pre-commit passes the staged files).
    """
    previous = signal.signal(signal.SIGTERM, _interrupt) if hasattr(signal, "SIGTERM") else None
    try:
        targets = _targets(formats, output, output_sarif)
        options = _Options(select, ignore, preview, fail_under, fail_on, fail_on_stale, exit_zero, root, config_file,
                           baseline, write_baseline, jobs or available_cores(),
                           None if no_cache else (cache_dir or True), quiet,
                           _FixOptions(fix or fix_only, unsafe_fixes, diff, fix_only, show_fixes))
        code = _check(list(paths) or [Path(".")], targets, options,
                      ReportOptions(sarif_category=sarif_category, statistics=statistics, quiet=quiet,
                                    show_source=show_source, verbose=verbose), color)
    except click.UsageError:
        raise
    except KeyboardInterrupt:
        click.echo("tfa-lint: interrupted: no report written", err=True)
        code = EXIT_INTERRUPTED + _interrupted_by
    except (ConfigError, RuleError, BaselineError, ProjectError) as exc:
        click.echo(f"tfa-lint: error: {exc}", err=True)
        code = EXIT_ERROR
    except OSError as exc:  # a report or baseline that cannot be written
        click.echo(f"tfa-lint: error: cannot write {exc.filename or 'a report'}: {exc.strerror or exc}", err=True)
        code = EXIT_ERROR
    except Exception as exc:  # anything else is our bug: say so in one line
        if debug:
            click.echo(_safe_output(traceback.format_exc()), err=True, nl=False)
        click.echo(_safe_output(f"tfa-lint: internal error: {type(exc).__name__}: {exc} "
                                "(rerun with --debug for details)"), err=True)
        code = EXIT_ERROR
    finally:
        if previous is not None:  # a cancelled CI job ends as on Ctrl-C while the scan runs
            signal.signal(signal.SIGTERM, previous)
    sys.exit(code)


_interrupted_by = signal.SIGINT  # the signal that stopped the scan, for the exit code


def _interrupt(signum: int, frame: object) -> None:
    global _interrupted_by
    _interrupted_by = signum
    raise KeyboardInterrupt


def _targets(formats: list[tuple[str, Path | None]], output: Path | None,
             output_sarif: Path | None) -> list[tuple[str, Path | None]]:
    """(format, file or None for stdout) for every report of the run; at most one on stdout."""
    targets = list(formats)
    if not any(path is None for _, path in targets):
        targets.insert(0, ("text", None))
    if output_sarif is not None:
        targets.append(("sarif", output_sarif))
    stdout = [name for name, path in targets if path is None]
    if len(stdout) > 1:
        raise click.UsageError(f"only one report can go to stdout, got {', '.join(stdout)}: "
                               "give the others a file (--format FMT:FILE)")
    if output is not None:
        targets = [(name, output if path is None else path) for name, path in targets]
    files = [path.resolve() for _, path in targets if path is not None]
    if len(files) != len(set(files)):
        raise click.UsageError("two reports would be written to the same file")
    return targets


@dataclass(frozen=True)
class _Options:
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    preview: bool | None
    fail_under: int | None
    fail_on: str | None
    fail_on_stale: bool | None
    exit_zero: bool
    root: Path | None
    config_file: Path | None
    baseline: Path | None
    write_baseline: Path | None
    jobs: int
    cache: Path | bool | None  # a directory, True for the configured one, None for no cache
    quiet: bool
    fixes: _FixOptions


@dataclass(frozen=True)
class _FixOptions:
    apply: bool  # --fix (or --fix-only): write the fixes
    unsafe: bool  # --unsafe-fixes: the ones that change behaviour too
    diff: bool  # --diff: print them, change nothing
    only: bool  # --fix-only: report nothing but the fixing
    show: bool  # --show-fixes: list what was fixed

    @property
    def wanted(self) -> bool:
        return self.apply or self.diff


def _open_cache(wanted: Path | bool | None, project: Project, config: Config, rules: list,
                quiet: bool = False) -> ResultCache | None:
    """The cache of this run, or None; a cache that cannot be used is a warning, not an error.
    A cache directory inside the root is excluded from the scan, whatever its name.

    tfa-lint writes its cache inside a project only: a directory that is neither a checkout
    nor configured (``/etc``, a home directory) gets the user cache directory, and files read
    alone get no cache."""
    if wanted is None or (project.marker is Marker.LOOSE and not isinstance(wanted, Path)):
        return None
    root = project.root
    if isinstance(wanted, Path):
        directory = wanted
    elif config.cache_dir is not None:
        directory = config.cache_dir
    elif project.in_project:
        directory = root / CACHE_DIR_NAME
    else:
        directory = user_cache_dir() / "results"
    directory = directory.resolve()
    try:
        config.extend_exclude.append(directory.relative_to(root).as_posix() + "/")
    except ValueError:
        pass  # outside the root: nothing to exclude
    cache, why = cache_for(directory, RuleSet.of(rules))
    if cache is None:
        _warn(f"running without a cache: {why}", quiet=quiet)
    return cache


def _show_progress(targets: list[tuple[str, Path | None]]) -> bool:
    """On a terminal only, and never mixed into a machine-readable report on stdout."""
    on_stdout = [name for name, path in targets if path is None]
    return sys.stderr.isatty() and all(name == "text" for name in on_stdout)


def _configure(paths: list[Path], opts: _Options, known: list[str]) -> tuple[Project, Config]:
    """The project of the run, and its configuration with the command line's overrides."""
    project = project_for(paths, root=opts.root, config=opts.config_file)
    table, source = find_config(project.config, opts.config_file)
    config = build_config(table, source, known)
    if opts.select:
        config.select = [expand_selector(s, known, "--select") for s in _split(opts.select)]
    if opts.ignore:
        config.ignore = [*config.ignore, *(expand_selector(s, known, "--ignore") for s in _split(opts.ignore))]
    if opts.preview is not None:
        config.preview = opts.preview
    if opts.fail_under is not None:
        config.fail_under = check_score(opts.fail_under, "--fail-under")
    if opts.fail_on is not None:
        config.fail_on = check_severity(opts.fail_on, "--fail-on")
    if opts.fail_on_stale is not None:
        config.fail_on_stale = opts.fail_on_stale
    if opts.baseline is not None:
        config.baseline = opts.baseline
    if opts.write_baseline is not None:
        if report_scope(paths, project.root) is not None:
            raise ConfigError("--write-baseline records the whole repository: run it without paths")
        config.baseline = None  # every finding is recorded, so the old baseline (if any) is not read
    return project, config


def _check(paths: list[Path], targets: list[tuple[str, Path | None]], opts: _Options,
           report_options: ReportOptions, color_flag: bool | None) -> int:
    registry = load_rules()
    known = list(registry)
    project, config = _configure(paths, opts, known)
    root = project.root
    ids = selected(known, config.select, config.ignore, preview=config.preview,
                   preview_ids=[i for i, r in registry.items() if r.preview])
    rules = [registry[i] for i in known if i in ids]
    if project.marker is Marker.LOOSE:  # files read alone: no repository for a repository rule to judge
        rules = [r for r in rules if not issubclass(r, RepoRule)]
    cache = _open_cache(opts.cache, project, config, rules, opts.quiet)
    progress = ProgressLine() if _show_progress(targets) else None
    def run_scan() -> ScanResult:
        return scan(paths, root, config, rules, jobs=opts.jobs, cache=cache, progress=progress,
                    read_whole=project.marker is not Marker.LOOSE)

    try:
        result = run_scan()
        if opts.fixes.wanted:
            if opts.write_baseline is not None:
                raise ConfigError("--fix and --diff do not combine with --write-baseline: fix first, then record")
            result, fixing = _fix(root, result, run_scan, opts.fixes, config)
            if opts.fixes.diff or opts.fixes.only:
                code = _report_fixing(fixing, opts.fixes)
                return _crashed(result) or code
    finally:
        if progress is not None:
            progress.close()
    card = score(result, config.weights)
    failures = () if opts.write_baseline is not None else gate(result, card, config)

    # Render every report before writing any, so a failure leaves no report half-done.
    render = renderers()
    reports = []
    stdout_color = False
    for name, path in targets:
        color = name == "text" and wants_color(color_flag, os.environ, isatty=sys.stdout.isatty(),
                                               to_file=path is not None)
        stdout_color = stdout_color or (color and path is None)
        options = replace(report_options, color=color, width=report_width(to_file=path is not None),
                          failures=failures, exit_zero=opts.exit_zero)
        reports.append((_safe_output(render[name](result, card, options)), path))
    if opts.write_baseline is not None:
        recorded = [f for f in [*result.findings, *result.baselined] if f.rule != StaleBaselineEntry.id]
        fingerprints = {f: result.identities[f].fingerprint for f in recorded}
        reports.append((_safe_output(baseline_file(recorded, fingerprints)), opts.write_baseline))
    write_atomically([(path, text) for text, path in reports if path is not None])
    for text, path in reports:
        if path is None:  # click strips styles from a pipe unless told the report is coloured
            click.echo(text, nl=False, color=stdout_color)
    if _crashed(result):
        return EXIT_ERROR
    if opts.write_baseline is not None:
        _warn(f"wrote {len(recorded)} finding(s) to the baseline {opts.write_baseline}", quiet=opts.quiet, label="")
        return EXIT_CLEAN
    if opts.fixes.wanted:
        _report_fixing(fixing, opts.fixes)
    if failures and not any(name in _STATES_FAILURES for name, path in targets if path is None):
        # The report on stdout does not say why the run fails (or it goes to a file): stderr does.
        click.echo(f"tfa-lint: {failure_line(failures, exit_zero=opts.exit_zero)}", err=True)
    return EXIT_FINDINGS if failures and not opts.exit_zero else EXIT_CLEAN


def _crashed(result: ScanResult) -> int:
    """EXIT_ERROR, said on stderr, when a rule crashed during the scan; 0 otherwise."""
    crashed = [d for d in result.diagnostics if d.internal]
    if not crashed:
        return 0
    click.echo(f"tfa-lint: {len(crashed)} internal error(s): a rule crashed; the report lists where "
               "(please report it)", err=True)
    for diagnostic in crashed:
        click.echo(_safe_output(f"tfa-lint: {diagnostic.path}: {diagnostic.message}"), err=True)
    return EXIT_ERROR


@dataclass
class _Fixing:
    """What --fix did (or --diff would do) over all its passes."""

    fixed: list[Finding]
    diagnostics: list[Diagnostic]
    diff: str = ""
    remaining_unsafe: int = 0  # findings whose fix is unsafe and was not asked for


def _fix(root: Path, result: ScanResult, rescan: Callable[[], ScanResult], options: _FixOptions,
         config: Config) -> tuple[ScanResult, _Fixing]:
    """Apply fix passes until none changes anything (at most MAX_PASSES), rescanning after
    each; with --diff, compute the first pass and write nothing. The result returned is the
    scan of the files as they are left."""
    fixing = _Fixing([], [])
    for _ in range(MAX_PASSES):
        step = plan(root, result.findings, unsafe=options.unsafe, fixable=config.may_fix)
        fixing.diagnostics += step.diagnostics
        if not step.changes:
            break
        if options.diff:
            security = {r.id for r in result.rules if r.security}
            fixing.diff = unified_diff(step.changes, {(f.path, f.line) for f in [*result.all_findings, *result.baselined]
                                                      if f.rule in security})
            fixing.fixed = step.applied
            break
        failed = write(root, step.changes)
        fixing.diagnostics += failed
        fixing.fixed += [f for f in step.applied if not {d.path for d in failed} & set(f.fix.paths)]  # type: ignore[union-attr]
        result = rescan()
    fixing.remaining_unsafe = sum(1 for f in result.findings
                                  if f.fix is not None and f.fix.applicability is Applicability.UNSAFE and f not in fixing.fixed)
    return result, fixing


def _report_fixing(fixing: _Fixing, options: _FixOptions) -> int:
    """The diff (stdout), what was fixed and what could not be (stderr); the exit code of
    --diff (1 when there is something to fix) and --fix-only (0 unless a fix failed)."""
    if options.diff and fixing.diff:
        click.echo(_safe_output(fixing.diff), nl=False)
    verb = "Would fix" if options.diff else "Fixed"
    if options.show or options.diff:
        for finding in sorted(fixing.fixed):
            assert finding.fix is not None
            click.echo(_safe_output(f"  {finding.path}:{finding.line}:{finding.column} {finding.rule} "
                                    f"({finding.fix.applicability.value}): {finding.fix.title}"), err=True)
    for diagnostic in fixing.diagnostics:
        click.echo(_safe_output(f"tfa-lint: {diagnostic.path}: {diagnostic.message}"), err=True)
    hidden = f" ({fixing.remaining_unsafe} more with --unsafe-fixes)" if fixing.remaining_unsafe and not options.unsafe else ""
    click.echo(f"tfa-lint: {verb} {len(fixing.fixed)} finding(s){hidden}.", err=True)
    if options.diff:
        return EXIT_FINDINGS if fixing.fixed else EXIT_CLEAN
    return EXIT_ERROR if any("not fixed" in d.message for d in fixing.diagnostics) and options.only else EXIT_CLEAN


#: Reports that end with the line saying why the run fails, when it does.
_STATES_FAILURES = ("text", "markdown", "github")


def _warn(message: str, *, quiet: bool, label: str = "warning: ") -> None:
    if not quiet:
        click.echo(f"tfa-lint: {label}{message}", err=True)


def _safe_output(text: str) -> str:
    """What tfa-lint writes anywhere. Rules redact the secrets they report; this redacts, once
    more, anything shaped like a provider key that reached a report another way (an exception's
    message, a file name). And it is valid UTF-8 whatever the file names: a name that is not
    UTF-8 reaches us with its bad bytes as lone surrogates, which become ``\\udcff`` (in JSON
    and SARIF an escape that decodes back to the same name)."""
    return redact_known_keys(text).encode("utf-8", "backslashreplace").decode("utf-8")


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: the full reference, as in docs/rules.md.")
def list_rules(fmt: str) -> None:
    """List every rule: id, factor, severity, title."""
    registry = load_rules()
    if fmt == "markdown":
        click.echo(rules_markdown(registry), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps([
            {"id": r.id, "name": r.name, "factor": r.factor, "factor_name": FACTOR_NAMES.get(r.factor, "tool"),
             "severity": r.severity.value, "title": r.title,
             "status": r.status(), "precision": r.precision_level(),
             "field_precision": _field_json(r.field_precision),
             "security": r.security, "security_severity": r.security_severity}
            for r in registry.values()], indent=2))
        return
    for r in registry.values():
        factor = f"{r.factor:>2} {FACTOR_NAMES.get(r.factor, 'tool')}"
        measured = r.field_precision
        figure = f"{measured.precision:.0%}/{measured.judged}" if measured and measured.judged else "-"
        click.echo(f"{r.id}  {factor:<24} {r.severity.value:<8} {r.status():<8} {figure:>8}  {r.title}")
    for rule_id, why in RETIRED.items():
        click.echo(f"{rule_id}  retired: {why}")
    click.echo("\nstatus: stable rules run by default and are scored; preview rules run with --preview and "
               "are never scored. Precision/judged: measured on the field corpus (docs/field-trials.md).")


def _field_json(measured: FieldPrecision | None) -> dict | None:
    if measured is None:
        return None
    return {"findings": measured.findings, "true": measured.true, "false": measured.false,
            "debatable": measured.debatable, "unlabeled": measured.unlabeled, "precision": measured.precision}


@cli.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Print a rule's docs: what it finds, why it matters, how to fix, with examples."""
    registry = load_rules()
    rule = registry.get(rule_id.upper())
    if rule is None:
        click.echo(f"tfa-lint: error: unknown rule {rule_id!r} (see `tfa-lint rules`)", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule.docs_markdown())


def main() -> None:
    cli(prog_name="tfa-lint")
