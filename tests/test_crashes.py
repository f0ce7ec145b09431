"""A rule that crashes, or a scan that is interrupted, loses nothing silently: exit code 2,
the other rules' findings still reported, and never half a report."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_tree

from tfa_lint import parallel
from tfa_lint.cli import cli
from tfa_lint.discover import discover
from tfa_lint.model import Severity
from tfa_lint.rule import AstRule, Example, RuleSet, load_rules

#: Shaped like an OpenAI key (not a real one): a crashing rule's message must not carry it.
LEAKY = "sk-proj-" + "Zq7" * 14

CRASHING_PLUGIN = f'''
import ast
from tfa_lint.model import Severity
from tfa_lint.rule import Example, AstRule


class CrashesOnCalls(AstRule):
    id = "TFA0898"
    name = "crashes-on-calls"
    factor = 8
    severity = Severity.WARNING
    title = "A rule with a bug"
    what = "Crashes on every call."
    why = "To prove a crash loses nothing."
    fix = "None."
    invalid = (Example.of("f()\\n", "app.py"),)
    valid = (Example.of("x = 1\\n", "app.py"),)

    def visit_Call(self, node: ast.Call) -> None:
        raise RuntimeError("bad state near {LEAKY}")
'''


@pytest.fixture
def crashing_rule(tmp_path: Path, monkeypatch):
    write_tree(tmp_path / "site", {
        "crashy/__init__.py": CRASHING_PLUGIN,
        "crashy-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: crashy\nVersion: 1.0\n",
        "crashy-1.0.dist-info/entry_points.txt": "[tfa_lint.rules]\ncrashy = crashy\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    load_rules.cache_clear()
    yield
    load_rules.cache_clear()
    sys.modules.pop("crashy", None)


def test_a_crashing_rule_is_reported_and_exits_2(crashing_rule, tree, tmp_path: Path) -> None:
    root = tree({"app/main.py": "def handler():\n    print('hello')\n",
                 "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "-m", "app.main"]\n'})
    sarif = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, [str(root), "--no-cache", "--format", "json", "--format", f"sarif:{sarif}"])
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.stdout)
    crashes = [d for d in report["diagnostics"] if d["message"].startswith("internal error")]
    assert [(d["path"], d["message"].split(":")[0]) for d in crashes] == [
        ("app/main.py", "internal error in TFA0898")]
    assert "TFA1101" in {f["rule"] for f in report["findings"]}  # the other rules still ran
    assert sarif.exists()  # the reports are written before exiting 2
    for text in (result.stdout, result.stderr, sarif.read_text(encoding="utf-8")):
        assert LEAKY not in text and LEAKY[8:20] not in text


def _wait_for_workers(pid: int) -> None:
    """Until the process has children (its pool), read from /proc; a fixed pause elsewhere."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists():
        time.sleep(2.0)
        return
    deadline = time.monotonic() + 30
    while not children.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_scan_exits_128_plus_the_signal_and_writes_no_report(tmp_path: Path, signum: int) -> None:
    root = tmp_path / "repo"
    for i in range(400):  # long enough to be interrupted mid-scan
        write_tree(root, {f"pkg{i % 20}/mod{i}.py": textwrap.dedent(f"""
            import os
            def handler_{i}(event):
                print(os.environ.get("KEY_{i}"), event)
                return [x * {i} for x in range(10)]
        """) * 20})
    report = tmp_path / "report.json"
    proc = subprocess.Popen([sys.executable, "-m", "tfa_lint", str(root), "--preview", "--no-cache", "--jobs", "2",
                             "--format", f"json:{report}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    _wait_for_workers(proc.pid)  # mid-scan: the handlers are in place and the pool is running
    assert proc.poll() is None, "the scan ended before it could be interrupted"
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)  # Ctrl-C: the whole process group, pool workers included
    else:
        os.kill(proc.pid, signum)  # a cancelled CI job: the main process
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err.decode()  # 130 on Ctrl-C, 143 on SIGTERM, as a shell says
    assert out == b""
    assert not report.exists()
    assert not list(tmp_path.glob(".report.json.*"))  # no temporary file left either
    assert b"interrupted" in err and b"Traceback" not in err


class MisbehavesOnMarkers(AstRule):
    """Reports every ``print()``; kills its own process at ``die_here()``, loops at
    ``spin_here()``, and loops deaf to the alarm (as native code would) at ``stuck_here()``."""

    id = "TFA0897"
    name = "misbehaves-on-markers"
    factor = 8
    severity = Severity.WARNING
    title = "A rule that crashes, loops and hangs"
    what = why = fix = "Test only."
    invalid = (Example.of("print(1)\n"),)
    valid = (Example.of("x = 1\n"),)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name == "print":
            self.report(node, "print")
        elif name == "die_here":
            os.kill(os.getpid(), signal.SIGKILL)
        elif name == "spin_here":
            while True:
                pass
        elif name == "stuck_here":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            while True:
                time.sleep(0.01)


@pytest.mark.skipif(sys.platform != "linux", reason="the pool forks with the test's rule class in place")
def test_a_worker_that_dies_or_hangs_costs_its_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"app/ok{i}.py": f"def f{i}():\n    print({i})\n" for i in range(30)}
    files |= {"app/die.py": "die_here()\n", "app/spin.py": "spin_here()\n", "app/stuck.py": "stuck_here()\n"}
    root = write_tree(tmp_path / "repo", files)
    monkeypatch.setattr(parallel, "GRACE_SECONDS", 2.0)
    listed, _ = discover([root], root)
    start = time.monotonic()
    results = {r.path: r for r in parallel.analyze_files(listed, RuleSet.of([MisbehavesOnMarkers]), jobs=2,
                                                          file_timeout=1.0)}
    assert time.monotonic() - start < 60
    assert [d.message for d in results["app/die.py"].diagnostics] == [
        "the analysis process died on it (a crash in native code, or out of memory): skipped"]
    assert [d.message for d in results["app/spin.py"].diagnostics] == ["analysis took over 1 s: skipped"]
    assert [d.message for d in results["app/stuck.py"].diagnostics] == [
        "analysis took over 1 s and did not stop: skipped"]
    for i in range(30):
        ok = results[f"app/ok{i}.py"]
        assert (ok.diagnostics, [(f.rule, f.line) for f in ok.findings]) == ([], [("TFA0897", 2)])
