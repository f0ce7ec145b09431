"""Where reports go: regular files are replaced atomically; a character device or a FIFO is
written in place and stays what it was; anything else is refused with the path the user gave."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT

from tfa_lint.cli import cli

CLEAN = str(REPO_ROOT / "examples" / "clean-agent")


def run(*args: str):
    return CliRunner().invoke(cli, [*args, "--no-cache"], catch_exceptions=False)


def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(CLEAN, "--format", f"json:{fifo}")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith(b"{")


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    result = run(CLEAN, "-o", str(fifo))
    assert result.exit_code == 2
    assert f"cannot write {fifo}: no process is reading this FIFO" in result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["report.fifo"]  # no temporary file left behind


def test_a_character_device_stays_a_device(tmp_path: Path) -> None:
    null = tmp_path / "null"
    try:  # a private /dev/null (1, 3): only root may make one
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a character device here: {exc}")
    result = run(CLEAN, "-o", str(null), "--format", f"sarif:{null}x")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert (tmp_path / "nullx").is_file()


def test_dev_null_as_an_output(tmp_path: Path) -> None:
    """Whoever runs the suite: /dev/null is written into, never replaced or needing its directory."""
    before = os.stat("/dev/null")
    result = run(CLEAN, "--format", "sarif:/dev/null")
    assert result.exit_code == 0, result.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_directory_is_refused_by_name(tmp_path: Path) -> None:
    result = run(CLEAN, "--format", f"json:{tmp_path}")
    assert result.exit_code == 2
    assert f"cannot write {tmp_path}: it is a directory" in result.output


def test_a_missing_output_directory_names_the_path_given(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "report.json"
    result = run(CLEAN, "--format", f"json:{target}")
    assert result.exit_code == 2
    assert f"cannot write {target}: its directory {target.parent} does not exist" in result.output
    assert ".report.json." not in result.output  # never the temporary file's name


def test_a_regular_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old and much longer than the new report " * 100)
    result = run(CLEAN, "--format", f"json:{target}")
    assert result.exit_code == 0
    assert target.read_text().startswith("{") and "old and" not in target.read_text()
