"""scripts/new_rule.py starts a rule that the registry accepts, named as the layout wants,
with the next free id of its factor, and with examples that fail until they are written."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from tfa_lint.rule import ArtifactRule, AstRule, RepoRule

SCRIPT = REPO_ROOT / "scripts" / "new_rule.py"
sys.path.insert(0, str(SCRIPT.parent))
import new_rule  # noqa: E402


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"scaffolded_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("kind", "base"), [("python", AstRule), ("artifact", ArtifactRule), ("repo", RepoRule)])
def test_a_scaffolded_rule_is_a_rule_of_its_kind(tmp_path: Path, kind: str, base: type) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "tfa0301_hardcoded_provider_key.py").write_text("")
    path = new_rule.scaffold("config", "hardcoded-timeout", kind, tmp_path)
    assert path == tmp_path / "config" / "tfa0302_hardcoded_timeout.py"
    rule = _load(path).HardcodedTimeout  # the class definition passed the registry's checks
    assert issubclass(rule, base) and (rule.id, rule.name, rule.factor) == ("TFA0302", "hardcoded-timeout", 3)
    assert "TODO" in rule.what and "TODO" in rule.invalid[0].files["app.py"]
    # It pins what the layout test asks of every invalid example: the column and the message.
    assert rule.invalid[0].columns and rule.invalid[0].message.startswith("TODO")


def test_the_next_free_id_of_the_real_pack() -> None:
    ids = [p.name[:7].upper() for p in (REPO_ROOT / "rules" / "config").glob("tfa03*.py")]
    assert new_rule.next_id(3, REPO_ROOT / "rules") == f"TFA03{int(max(ids)[5:]) + 1:02d}"


@pytest.mark.parametrize(("args", "message"), [
    (["13", "x-y"], "unknown factor"),
    (["config", "Bad_Name"], "kebab-case"),
    (["config", "hardcoded-provider-key"], "exists already"),
])
def test_mistakes_are_refused(args: list[str], message: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), *args, "--rules-dir", str(REPO_ROOT / "rules")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0 and message in proc.stderr
    assert not list((REPO_ROOT / "rules").glob("*/tfa13*.py")) and not list((REPO_ROOT / "rules").glob("*/*bad_name*"))
