from __future__ import annotations

from pathlib import Path

import pytest

from tfa_lint.config import Config
from tfa_lint.engine import ScanResult, scan
from tfa_lint.rule import Rule, load_rules

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _own_cache_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's HMAC key lives in the user's cache directory: never the developer's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def scan_tree(root: Path, rules: list[type[Rule]] | None = None, config: Config | None = None) -> ScanResult:
    rules = list(load_rules().values()) if rules is None else rules
    return scan([root], root, config or Config(), rules)


@pytest.fixture
def tree(tmp_path: Path):
    """A small repository, checked out like a real one (with a `.git`, so TFA0101 stays quiet
    unless a test asks for a tree without version control)."""
    def make(files: dict[str, str], *, vcs: bool = True) -> Path:
        return write_tree(tmp_path / "repo", {".git/HEAD": "ref: refs/heads/main\n", **files} if vcs else files)

    return make


SARIF_VALIDATOR = SHARED / "tools" / "validate_sarif.py"


def assert_valid_sarif(path: Path) -> dict:
    """Every SARIF the suite produces goes through the shared validator (OASIS schema and
    GitHub's requirements), warnings included."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(SARIF_VALIDATOR), "--strict", str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(path.read_text(encoding="utf-8"))
