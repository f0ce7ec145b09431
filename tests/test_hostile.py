"""A hostile repository (tests/hostile) is scanned to the end: every file tfa-lint could not
check is named with a reason, every ordinary file is checked, every report stays valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tfa_lint.config import Config
from tfa_lint.discover import discover
from tfa_lint.engine import scan
from tfa_lint.parallel import analyze_files
from tfa_lint.rule import RuleSet, load_rules

from conftest import assert_valid_sarif
from hostile import build

#: Generous for a 2-core machine: the scan itself takes about 7 s.
WALL_SECONDS = 120


def test_hostile_repository_is_scanned_to_the_end(tmp_path: Path) -> None:
    plan = build(tmp_path / "repo")
    sarif, github = tmp_path / "report.sarif", tmp_path / "annotations.txt"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "tfa_lint", str(plan.root), "--preview", "--no-cache", "--jobs", "2", "--format", "json",
         "--format", f"sarif:{sarif}", "--format", f"github:{github}"],
        capture_output=True, timeout=WALL_SECONDS * 2, check=False)
    elapsed = time.monotonic() - start
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert elapsed < WALL_SECONDS
    assert b"Traceback" not in proc.stderr

    report = json.loads(proc.stdout.decode("utf-8"))  # valid UTF-8, whatever the file names
    reasons: dict[str, list[str]] = {}
    for diagnostic in report["diagnostics"]:
        reasons.setdefault(diagnostic["path"], []).append(diagnostic["message"])
    missing = {path: (reason, reasons.get(path)) for path, reason in plan.hostile.items()
               if not any(reason in message for message in reasons.get(path, []))}
    assert missing == {}

    reported = {(f["path"], f["rule"], f["line"]) for f in report["findings"]}
    assert plan.findings <= reported

    assert_valid_sarif(sarif)
    for line in github.read_text(encoding="utf-8").splitlines():
        if line.startswith("::"):
            command, _, _ = line[2:].partition("::")
            assert "\n" not in command and "\r" not in command
            properties = command.partition(" ")[2].split(",")
            assert all("=" in p for p in properties), line  # no injected or broken parameter


def test_ordinary_files_next_to_hostile_ones_are_checked(tmp_path: Path) -> None:
    plan = build(tmp_path / "repo")
    result = scan([plan.root], plan.root, Config(), list(load_rules().values()), jobs=2)
    checked = {ref.path for ref in result.files}
    assert plan.normal - checked == set()
    skipped = {d.path for d in result.diagnostics if d.skipped}
    assert plan.normal & skipped == set()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_files_that_change_between_listing_and_reading(tmp_path: Path) -> None:
    """Deleted, swapped for a FIFO, or grown past the cap after discovery listed them: each is
    named with a reason, nothing blocks, and the others are analysed."""
    root = tmp_path / "repo"
    for name in ("gone", "fifo", "grown", "kept"):
        (root / "app").mkdir(parents=True, exist_ok=True)
        (root / "app" / f"{name}.py").write_text("def f():\n    print('x')\n")
    listed, _ = discover([root], root)
    (root / "app/gone.py").unlink()
    (root / "app/fifo.py").unlink()
    os.mkfifo(root / "app/fifo.py")
    (root / "app/grown.py").write_bytes(b"#" * (2 * 1024 * 1024))
    results = {r.path: r for r in analyze_files(listed, RuleSet.of(load_rules().values()), jobs=1)}
    reasons = {path: [d.message for d in r.diagnostics] for path, r in results.items()}
    assert reasons["app/gone.py"] == ["could not be read: No such file or directory"]
    assert reasons["app/fifo.py"] == ["could not be read: no longer a regular file (changed during the scan)"]
    assert reasons["app/grown.py"] == ["could not be read: grew past the size cap during the scan"]
    assert reasons["app/kept.py"] == [] and results["app/kept.py"].checked
