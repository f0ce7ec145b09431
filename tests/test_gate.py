"""A failed run says why, in its last line, in every report people read; the gate's options."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT

from tfa_lint.cli import cli

BAD = REPO_ROOT / "examples" / "bad-agent"
CLEAN = REPO_ROOT / "examples" / "clean-agent"


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_a_failed_gate_ends_with_its_reasons(fmt: str) -> None:
    result = run(BAD, "--format", fmt, "--fail-under", 90)
    assert result.exit_code == 1
    last = result.stdout.rstrip("\n").splitlines()[-1]
    assert re.search(r"(?i)failed: \d+ findings of severity warning or error \(--fail-on warning\); "
                     r"score \d+ is under --fail-under 90\b", last), last
    assert result.stderr == ""  # said once, in the report


def test_only_the_score_can_fail_the_run() -> None:
    result = run(BAD, "--fail-on", "error", "--select", "TFA0202", "--fail-under", 50)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Failed: score 0 is under --fail-under 50"


def test_a_machine_report_on_stdout_leaves_the_reason_to_stderr() -> None:
    result = run(BAD, "--format", "json", "--fail-under", 90)
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    failing = sum(f["severity"] != "note" for f in doc["findings"])
    assert doc["failed"] == [f"{failing} findings of severity warning or error (--fail-on warning)",
                             f"score {doc['score']} is under --fail-under 90"]
    assert result.stderr == f"tfa-lint: failed: {'; '.join(doc['failed'])}\n"


def test_a_passing_run_says_nothing_of_the_gate() -> None:
    result = run(CLEAN, "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["failed"] == [] and result.stderr == ""
    assert "Failed" not in run(CLEAN).stdout


def test_exit_zero_reports_the_failure_and_exits_0() -> None:
    result = run(BAD, "--exit-zero")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith("(exit code 0: --exit-zero)")
    assert run("no/such/dir", "--exit-zero").exit_code == 2  # errors still fail


def test_quiet_prints_the_findings_and_the_verdict_only(tmp_path: Path) -> None:
    result = run(BAD, "--quiet", "--cache-dir", tmp_path / "f" / "cache-is-a-file")
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert all(" TFA" in line or line.startswith(("  … and", "Failed:")) for line in lines), lines
    assert lines[-1].startswith("Failed: ")
    assert "Twelve-factor score" not in result.stdout and "Overall" not in result.stdout
    assert run(CLEAN, "--quiet").stdout == ""
