from __future__ import annotations

import pytest
from conftest import scan_tree

from tfa_lint.config import ConfigError, build_config, selected
from tfa_lint.rule import load_rules

KNOWN = list(load_rules())
KEY = "sk-proj-" + "Zt4Wq8Lm2Xp6Rv1Nc9Bk3Hj7Fd5Gs0Ya"


def test_unknown_keys_and_ids_are_errors() -> None:
    with pytest.raises(ConfigError, match="unknown key"):
        build_config({"selects": []}, "pyproject.toml", KNOWN)
    with pytest.raises(ConfigError, match="unknown rule id"):
        build_config({"ignore": ["TFA0399"]}, "pyproject.toml", KNOWN)
    with pytest.raises(ConfigError, match="fail-under"):
        build_config({"fail-under": 101}, "pyproject.toml", KNOWN)
    with pytest.raises(ConfigError, match="severity-weights"):
        build_config({"severity-weights": {"fatal": 3}}, "pyproject.toml", KNOWN)
    with pytest.raises(ConfigError, match="integer from 0 to 10"):
        build_config({"severity-weights": {"note": "high"}}, "pyproject.toml", KNOWN)


def test_severity_weights_override_only_what_they_name() -> None:
    from tfa_lint.model import Severity

    cfg = build_config({"severity-weights": {"note": 1}}, "pyproject.toml", KNOWN)
    assert cfg.weights == {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 1}


def test_select_and_ignore_take_prefixes() -> None:
    ids = selected(KNOWN, ["TFA030", "TFA0901"], ["TFA0306"])
    assert ids == {r for r in KNOWN if r.startswith("TFA030") and r != "TFA0306"} | {"TFA0901"}
    assert "TFA0301" in ids and "TFA0306" not in ids
    assert selected(KNOWN, None, ["ALL"]) == set()


def test_per_file_ignores_and_excludes(tree) -> None:
    root = tree({"agent/llm.py": f'KEY = "{KEY}"\n', "scripts/seed.py": f'KEY = "{KEY}"\n',
                 "vendor/x.py": f'KEY = "{KEY}"\n'})
    cfg = build_config({"per-file-ignores": {"scripts/*": ["TFA03"]}, "extend-exclude": ["vendor/"]},
                       "pyproject.toml", KNOWN)
    result = scan_tree(root, config=cfg)
    assert [(f.path, f.rule) for f in result.findings] == [("agent/llm.py", "TFA0301")]
    assert result.suppressed == 1


def test_config_is_read_from_the_scanned_root(tree) -> None:
    from click.testing import CliRunner

    from tfa_lint.cli import cli

    root = tree({"agent/llm.py": f'KEY = "{KEY}"\n',
                 "pyproject.toml": '[tool.tfa-lint]\nignore = ["TFA0301"]\n'})
    result = CliRunner().invoke(cli, [str(root)])
    assert result.exit_code == 0, result.output
