"""The built wheel installs the pack as tfa_lint.rules (never a top-level `rules`) and runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from conftest import REPO_ROOT


#: What a source checkout may hold besides its sources; a build must never see them.
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", ".tfa-lint-cache",
                                     "__pycache__", ".pytest_cache", ".hypothesis")


def test_wheel_installs_into_a_fresh_venv_and_scans(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ beside the sources, and a build/lib left there
    # by an earlier build would ship modules deleted since (and the test must not write into
    # the checkout anyway).
    source = Path(shutil.copytree(REPO_ROOT, tmp_path / "source", ignore=_NOT_SOURCE))
    # Every step without the suite's PYTHONPATH (conftest.py), which puts this checkout first: pip
    # would find its tfa_lint.egg-info there and skip installing the wheel as already installed.
    installed = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(dist)], check=True, cwd=tmp_path, env=installed)
    wheel = next(dist.glob("tfa_lint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tfa_lint/rules/__init__.py" in names
    assert "tfa_lint/rules/config/tfa0301_hardcoded_provider_key.py" in names
    assert "tfa_lint/rules/facts/import_names.json" in names
    assert not any(n.startswith("rules/") for n in names)

    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    bindir = env / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True, env=installed).stdout.strip())
    # Dependencies come from this environment (no network); the wheel itself is installed fresh.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, env=installed)

    where = subprocess.run([str(python), "-c", "import tfa_lint.rules, tfa_lint; print(tfa_lint.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=installed).stdout
    assert where.startswith(str(site))
    proc = subprocess.run([str(bindir / "tfa-lint"), str(REPO_ROOT / "examples" / "clean-agent"), "--format", "json"],
                          capture_output=True, text=True, cwd=tmp_path, env=installed)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["score"] == 100
