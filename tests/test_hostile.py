"""A hostile repository (tests/hostile) is scanned to the end: every file tfa-lint could not
check is named with a reason, every ordinary file is checked, every report stays valid."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tfa_lint.config import Config
from tfa_lint.engine import scan
from tfa_lint.rule import load_rules

from conftest import assert_valid_sarif
from hostile import build

#: Generous for a 2-core machine: the scan itself takes about 3 s.
WALL_SECONDS = 120


def test_hostile_repository_is_scanned_to_the_end(tmp_path: Path) -> None:
    plan = build(tmp_path / "repo")
    sarif, github = tmp_path / "report.sarif", tmp_path / "annotations.txt"
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "tfa_lint", str(plan.root), "--no-cache", "--jobs", "2", "--format", "json",
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
