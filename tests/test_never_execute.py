"""Nothing in a scanned repository runs: not its conftest.py or setup.py, not a YAML tag that
would call Python, not a .pth or sitecustomize file, not a dist-info declaring tfa-lint rules,
not a module shadowing one tfa-lint imports. Each would leave a marker file if it ran."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree


def _planted(root: Path, marker: Path) -> None:
    touch = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    yaml_tag = f"!!python/object/apply:builtins.exec [{touch.strip()!r}]"
    write_tree(root, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "conftest.py": touch,
        "setup.py": touch + "from setuptools import setup\nsetup(name='x')\n",
        "app/__init__.py": touch,
        "app/main.py": touch + "import app\n",
        "sitecustomize.py": touch,
        "usercustomize.py": touch,
        "evil.pth": f"import os; {touch.strip()}\n",
        # Modules tfa-lint imports, shadowed in the scanned directory.
        "click.py": touch,
        "yaml/__init__.py": touch,
        "libcst.py": touch,
        # A distribution declaring a tfa-lint rule pack.
        "evil_rules.py": touch,
        "evil_rules-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: evil-rules\nVersion: 1.0\n",
        "evil_rules-1.0.dist-info/entry_points.txt": "[tfa_lint.rules]\nevil = evil_rules\n",
        "docker-compose.yml": f"services:\n  web:\n    image: {yaml_tag}\n    environment:\n      K: {yaml_tag}\n",
        "docker-compose.override.yml": f"{yaml_tag}\n",
        "pyproject.toml": "[project]\nname = 'x'\nversion = '1'\n[build-system]\nbuild-backend = 'evil_rules'\n",
        "Procfile": f"web: python -c {touch.strip()!r}\n",
        "Dockerfile": f"FROM python:3.12\nRUN python -c {touch.strip()!r}\n",
        "requirements.txt": "-e .\n./\nfile:.\n",
    })


def _command() -> list[str]:
    script = Path(sys.executable).parent / "tfa-lint"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tfa_lint"]


@pytest.mark.parametrize("how", ["command", "python -m"])
def test_nothing_in_the_scanned_repository_runs(tmp_path: Path, how: str) -> None:
    root, marker = tmp_path / "repo", tmp_path / "marker"
    _planted(root, marker)
    command = _command() if how == "command" else [sys.executable, "-m", "tfa_lint"]
    for args in (["."], [".", "--jobs", "2", "--no-cache"], ["rules"], ["explain", "TFA0301"]):
        proc = subprocess.run([*command, *args], cwd=root, capture_output=True, timeout=120, check=False)
        assert proc.returncode in (0, 1), (args, proc.stderr.decode())
        assert not marker.exists(), (args, marker.read_text())
