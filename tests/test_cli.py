from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import click.testing
import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT

from tfa_lint import __version__
from tfa_lint.cli import cli
from tfa_lint.model import FACTOR_NAMES
from tfa_lint.report.text import wants_color
from tfa_lint.score import NOT_CHECKED

BAD = str(REPO_ROOT / "examples" / "bad-agent")
CLEAN = str(REPO_ROOT / "examples" / "clean-agent")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_exit_codes() -> None:
    assert run(CLEAN).exit_code == 0
    assert run(BAD).exit_code == 1
    assert run(BAD, "--fail-on", "error", "--select", "TFA0202").exit_code == 0  # warnings only
    assert run(CLEAN, "--fail-under", "100").exit_code == 0
    assert run(BAD, "--fail-on", "error", "--select", "TFA0202", "--fail-under", "50").exit_code == 1


def test_usage_and_config_errors_exit_2(tmp_path: Path) -> None:
    assert run("no/such/dir").exit_code == 2
    bad = run(BAD, "--select", "TFA9999")
    assert bad.exit_code == 2 and "unknown rule id" in bad.output
    (tmp_path / "pyproject.toml").write_text('[tool.tfa-lint]\nselct = ["TFA03"]\n')
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert "unknown key(s) in [tool.tfa-lint]: selct" in result.output
    assert "Traceback" not in result.output


def test_json_report_shape() -> None:
    result = run(BAD, "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["tool"] == {"name": "tfa-lint", "version": __version__}
    assert set(doc) >= {"tool", "findings", "factors", "score"}
    finding = doc["findings"][0]
    assert set(finding) == {"rule", "factor", "severity", "path", "line", "column", "end_line", "end_column",
                            "message", "fingerprint", "fix"}
    assert all(len(f["fingerprint"]) == 32 for f in doc["findings"])
    assert len({f["fingerprint"] for f in doc["findings"]}) == len(doc["findings"])
    assert all(not f["path"].startswith("/") and "\\" not in f["path"] for f in doc["findings"])
    assert [f["factor"] for f in doc["factors"]] == list(range(1, 13))
    assert all(f["score"] is None or 0 <= f["score"] <= 10 for f in doc["factors"])
    assert 0 <= doc["score"] <= 10


def test_output_file_and_select_ignore(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run(BAD, "--format", "json", "--output", str(out), "--select", "TFA03", "--ignore", "TFA0306")
    assert result.stdout == ""
    # The report in the file does not say why the run fails: stderr does, in one line.
    assert result.stderr == "tfa-lint: failed: 8 findings of severity warning or error (--fail-on warning)\n"
    doc = json.loads(out.read_text())
    rules = {f["rule"] for f in doc["findings"]}
    assert rules == {"TFA0301", "TFA0302", "TFA0303", "TFA0304", "TFA0305", "TFA0307", "TFA0308", "TFA0309", "TFA0310"}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left behind


def test_text_report_names_severity_and_scores() -> None:
    output = run(BAD, "--no-color").output
    assert "agent/llm.py:3:26 TFA0301 error: Hardcoded OpenAI API key" in output
    assert " 3 Config                0/10  0 of 8 applicable checks pass; TFA0301 failed" in output
    assert "Overall: " in output and "— 12 of 12 factors assessed" in output
    assert "\x1b[" not in output


def test_what_is_never_checked_statically_is_listed_with_verbose_only() -> None:
    """The same twelve lines on every run pushed the findings off screen: one hint line instead."""
    hint = "--verbose lists, per factor, what is never checked statically."
    for layout in ((), ("--select", "TFA03"), ("--statistics",)):
        output = run(BAD, "--no-color", *layout).output
        assert "Not checked statically" not in output and output.splitlines().count(hint) == 1
    for flag in ("--verbose", "-v"):
        output = run(BAD, "--no-color", flag).output
        assert output.count("Not checked statically (never scored):") == 1 and hint not in output
        flat = " ".join(output.split())
        assert all(f" {n:>2} {FACTOR_NAMES[n]} " in output and " ".join(text.split()) in flat
                   for n, text in NOT_CHECKED.items())


def test_rules_explain_version() -> None:
    listing = run("rules").output
    assert "TFA0301" in listing and "TFA1103" in listing
    rules = json.loads(run("rules", "--format", "json").stdout)
    assert {"id", "name", "factor", "severity", "title"} <= set(rules[0])
    doc = run("explain", "tfa0301").output
    for heading in ("### What it finds", "### Why is this bad?", "### How to fix", "### Example", "### Use instead"):
        assert heading in doc
    assert run("explain", "TFA9999").exit_code == 2
    assert __version__ in run("--version").output


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "tfa_lint", CLEAN, "--preview", "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["score"] == 100


def _repeated_cause(tree) -> Path:
    """One error, and one warning repeated seven times in one file (which the text report folds)."""
    requirements = "".join(f"package{i}>=1.0\n" for i in range(1, 8))
    return tree({"requirements.txt": requirements, "agent.py": (Path(BAD) / "agent" / "llm.py").read_text()})


def test_text_report_puts_errors_first_and_folds_one_cause_repeated_in_a_file(tree) -> None:
    root = _repeated_cause(tree)
    lines = run(str(root), "--no-color", "--no-cache", "--select", "TFA0202,TFA0301").output.splitlines()
    assert lines[0].startswith("agent.py:3:26 TFA0301 error: ")
    pins = [line for line in lines if " TFA0202 warning: " in line]
    assert [line.split()[0] for line in pins] == ["requirements.txt:1:1", "requirements.txt:2:1", "requirements.txt:3:1"]
    assert "  … and 4 more in requirements.txt (Requirement not pinned to an exact version): lines 4, 5, 6, 7" in lines
    # The summary counts every finding by severity, the folded ones too.
    assert lines[-2] == "8 findings (1 error, 7 warnings) in 2 files."
    doc = json.loads(run(str(root), "--no-cache", "--select", "TFA0202", "--format", "json").stdout)
    assert len(doc["findings"]) == 7  # machine-readable reports keep every finding


def test_statistics_counts_findings_per_rule(tree) -> None:
    root = tree({"requirements.txt": "a>=1\nb>=1\nc\n", "sub/requirements.txt": "d>=2\n"})
    output = run(str(root), "--no-color", "--no-cache", "--select", "TFA0202", "--statistics").output
    assert "     4  TFA0202  warning    2 files  Requirement not pinned to an exact version" in output
    assert "requirements.txt:1:1" not in output
    assert "\n4 findings (4 warnings) in 2 files.\nFailed: " in output


def test_colour_only_repeats_what_the_words_say(tree) -> None:
    """Severity is never shown by colour alone (a colour-blind reader, a log that drops ANSI):
    the coloured report, unstyled, is the plain one, whose lines name each severity."""
    root = _repeated_cause(tree)
    for layout in ((), ("--statistics",)):
        args = [str(root), "--no-cache", "--select", "TFA0202,TFA0301", *layout]
        coloured = CliRunner().invoke(cli, [*args, "--color"], color=True, catch_exceptions=False).output
        assert "\x1b[" in coloured
        assert click.unstyle(coloured) == run(*args, "--no-color").output


@pytest.mark.parametrize(("flag", "env", "isatty", "to_file", "coloured"), [
    (None, {}, True, False, True),  # a terminal
    (None, {}, False, False, False),  # a pipe
    (None, {"NO_COLOR": "1"}, True, False, False),
    (None, {"NO_COLOR": ""}, True, False, True),  # empty is unset (no-color.org)
    (None, {"FORCE_COLOR": "1"}, False, False, True),
    (None, {"FORCE_COLOR": "0"}, False, False, False),
    (None, {"FORCE_COLOR": ""}, False, False, False),
    (None, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False, False),
    (None, {"FORCE_COLOR": "1"}, True, True, False),  # a report file is plain unless --color
    (True, {"NO_COLOR": "1"}, False, True, True),
    (False, {"FORCE_COLOR": "1"}, True, False, False),
])
def test_colour_follows_the_flag_then_no_color_then_force_color_then_the_terminal(
        flag: bool | None, env: dict[str, str], isatty: bool, to_file: bool, coloured: bool) -> None:
    assert wants_color(flag, env, isatty=isatty, to_file=to_file) is coloured


def test_no_color_turns_colour_off_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # CliRunner's streams say they are no terminal, and with color=True it keeps every style.
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    terminal = CliRunner().invoke(cli, [BAD], color=True)
    assert "\x1b[" in terminal.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in CliRunner().invoke(cli, [BAD], color=True).stdout


def test_force_color_colours_a_pipe_and_loses_to_no_color(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # CliRunner without color=True is a pipe: click strips the styles of anything it echoes
    # unless the echo says the text is meant to be coloured.
    assert "\x1b[" not in run(BAD).output
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run(BAD).output
    assert "\x1b[" not in run(BAD, "--no-color").output
    report = tmp_path / "report.txt"
    run(BAD, "--format", f"text:{report}", "--format", "json")
    assert "\x1b[" not in report.read_text()  # a file only with --color
    run(BAD, "--format", f"text:{report}", "--format", "json", "--color")
    assert "\x1b[" in report.read_text()
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(BAD).output


def test_top_level_help_shows_the_scan_options_and_the_other_commands() -> None:
    text = run("--help").output
    assert text.startswith("Usage: tfa-lint [OPTIONS] [PATHS]...")
    for option in ("--format", "--select", "--fail-under", "--baseline", "--exit-zero", "--quiet", "--root",
                   "--statistics"):
        assert option in text
    assert "rules" in text and "explain RULE" in text
    assert run("-h").output == text


@pytest.mark.parametrize("table", ["[tool.tfa-lint]", "[tool.tfa_lint]"])
def test_both_spellings_of_the_table_are_read(tmp_path: Path, table: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'{table}\nselct = ["TFA03"]\n')
    result = run(str(tmp_path))
    assert result.exit_code == 2 and "unknown key(s)" in result.output and "selct" in result.output


@pytest.mark.parametrize(("pyproject", "message"), [
    ("[tool]\ntfa-lint = 3\n", "[tool.tfa-lint] must be a table of settings, not int 3"),
    ("tool = 3\n", "`tool` must be a table, not int"),
    ("[tool.tfa-lint]\n[tool.tfa_lint]\n", "both [tool.tfa-lint] and [tool.tfa_lint]"),
])
def test_a_misshapen_table_is_a_clear_error(tmp_path: Path, pyproject: str, message: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(pyproject)
    result = run(str(tmp_path), "--config", str(tmp_path / "pyproject.toml"))
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
