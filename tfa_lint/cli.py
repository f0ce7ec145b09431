"""The command line: ``tfa-lint [PATHS]``, ``tfa-lint rules``, ``tfa-lint explain ID``.

Exit codes: 0 clean; 1 findings at or above ``--fail-on`` (default: warning) or a score under
``--fail-under``; 2 usage, configuration or internal error (one line; ``--debug`` for the
traceback).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from tfa_lint import __version__
from tfa_lint.config import (
    ConfigError,
    build_config,
    check_score,
    check_severity,
    expand_selector,
    find_config,
    selected,
)
from tfa_lint.docs import rules_markdown
from tfa_lint.engine import scan
from tfa_lint.model import FACTOR_NAMES
from tfa_lint.report import renderers
from tfa_lint.rule import RuleError, load_rules
from tfa_lint.score import score

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _DefaultToCheck(click.Group):
    """``tfa-lint PATH`` means ``tfa-lint check PATH``, as ``ruff PATH`` once did."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tfa-lint")
def cli() -> None:
    """Score an LLM-agent repository against the twelve factors, and say what to change."""


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _project_root(paths: list[Path]) -> Path:
    if len(paths) == 1 and paths[0].is_dir():
        return paths[0].resolve()
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if all(p == cwd or cwd in p.parents for p in resolved):
        return cwd
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in resolved]))


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader never sees half a report."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE instead of stdout (atomically).")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated).")
@click.option("--fail-under", type=int, help="Exit 1 when the overall score is below SCORE (0-100).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]),
              help="Lowest severity whose findings make the exit code 1 [default: warning].")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read [tool.tfa-lint] from this file instead of <root>/pyproject.toml.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: when a terminal).")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def check(paths: tuple[Path, ...], fmt: str, output: Path | None, select: tuple[str, ...],
          ignore: tuple[str, ...], fail_under: int | None, fail_on: str | None, config_file: Path | None,
          color: bool | None, debug: bool) -> None:
    """Scan PATHS (default: the current directory) and report."""
    try:
        code = _check(list(paths) or [Path(".")], fmt, output, select, ignore, fail_under, fail_on,
                      config_file, color)
    except (ConfigError, RuleError) as exc:
        click.echo(f"tfa-lint: error: {exc}", err=True)
        code = EXIT_ERROR
    except Exception as exc:  # anything else is our bug: say so in one line
        if debug:
            traceback.print_exc()
        click.echo(f"tfa-lint: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
                   err=True)
        code = EXIT_ERROR
    sys.exit(code)


def _check(paths: list[Path], fmt: str, output: Path | None, select: tuple[str, ...], ignore: tuple[str, ...],
           fail_under: int | None, fail_on: str | None, config_file: Path | None, color: bool | None) -> int:
    registry = load_rules()
    known = list(registry)
    root = _project_root(paths)
    table, source = find_config(root, config_file)
    config = build_config(table, source, known)
    if select:
        config.select = [expand_selector(s, known, "--select") for s in _split(select)]
    if ignore:
        config.ignore = [*config.ignore, *(expand_selector(s, known, "--ignore") for s in _split(ignore))]
    if fail_under is not None:
        config.fail_under = check_score(fail_under, "--fail-under")
    if fail_on is not None:
        config.fail_on = check_severity(fail_on, "--fail-on")

    ids = selected(known, config.select, config.ignore)
    rules = [registry[i] for i in known if i in ids]
    result = scan(paths, root, config, rules)
    card = score(result, config.weights)
    use_color = (output is None and sys.stdout.isatty()) if color is None else color
    report = renderers()[fmt](result, card, use_color and fmt == "text")
    if output is not None:
        write_atomically(output, report)
    else:
        click.echo(report, nl=False)

    severities = {r.id: r.severity for r in rules}
    failing = [f for f in result.findings if severities[f.rule].rank >= config.fail_on.rank]
    under = config.fail_under is not None and card.overall is not None and card.overall < config.fail_under
    return EXIT_FINDINGS if failing or under else EXIT_CLEAN


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
             "precision": r.precision, "security": r.security, "security_severity": r.security_severity}
            for r in registry.values()], indent=2))
        return
    for r in registry.values():
        factor = f"{r.factor:>2} {FACTOR_NAMES.get(r.factor, 'tool')}"
        click.echo(f"{r.id}  {factor:<24} {r.severity.value:<8} {r.title}")


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
