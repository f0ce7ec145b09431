"""A pool of processes and the cache change how fast a scan is, never what it reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tfa_lint import parallel
from tfa_lint.cli import cli
from tfa_lint.progress import ProgressLine

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
from synthetic import generate  # noqa: E402


def report(path: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, [str(path), "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def synthetic_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("synthetic"), 24, seed=7)


@pytest.mark.parametrize("name", ["bad-agent", "clean-agent", "synthetic"])
def test_two_processes_report_what_one_does(name: str, synthetic_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES_FOR_POOL", 2)  # the small examples go through the pool too
    path = synthetic_repo if name == "synthetic" else REPO_ROOT / "examples" / name
    serial = report(path, "--jobs", "1", "--no-cache")
    pooled = report(path, "--jobs", "2", "--no-cache")
    assert pooled == serial
    assert serial["findings"] or name == "clean-agent"


def test_the_pool_runs_in_other_processes(synthetic_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from tfa_lint.discover import discover
    from tfa_lint.rule import RuleSet, load_rules

    files, _ = discover([synthetic_repo], synthetic_repo)
    rules = RuleSet.of(load_rules().values())
    expected = parallel.analyze_files(files, rules, jobs=1)
    analyze = parallel._analyze

    def tagged(sf, rule_set, budget):  # the workers are forked with this in place: it tells who ran
        result, digest = analyze(sf, rule_set, budget)
        result.size = os.getpid()
        return result, digest

    monkeypatch.setattr(parallel, "_analyze", tagged)
    ticks: list[tuple[int, int]] = []
    results = parallel.analyze_files(files, rules, jobs=2, progress=lambda d, t: ticks.append((d, t)))
    pids = {r.size for r in results if r.kind.read}
    assert os.getpid() not in pids and len(pids) == 2
    assert [(r.path, r.findings, r.facts) for r in results] == [(r.path, r.findings, r.facts) for r in expected]
    assert ticks[-1] == (len(files), len(files)) and len(ticks) == len(files) + 1


def test_progress_line_waits_a_second_and_erases_itself() -> None:
    import io

    now = [0.0]
    out = io.StringIO()
    line = ProgressLine(out, clock=lambda: now[0])
    line(10, 100)
    assert out.getvalue() == ""  # a fast scan draws nothing
    now[0] = 1.5
    line(20, 100)
    assert out.getvalue() == "\rtfa-lint: 20/100 files"
    line(21, 100)  # too soon to redraw
    now[0] = 1.7
    line(100, 100)  # finished: nothing left to show
    line.close()
    assert out.getvalue().endswith("\r\033[K")


def test_no_progress_in_a_machine_report_on_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    from tfa_lint import cli as cli_module

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli_module._show_progress([("text", None)])
    assert cli_module._show_progress([("text", None), ("sarif", Path("out.sarif"))])
    assert not cli_module._show_progress([("json", None)])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not cli_module._show_progress([("text", None)])
