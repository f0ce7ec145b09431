"""The bundled example repos: the bad one trips every check, the clean one none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO_ROOT, scan_tree

from tfa_lint.cli import cli
from tfa_lint.rule import load_rules
from tfa_lint.score import score

EXAMPLES = REPO_ROOT / "examples"
#: Rules one repository cannot trip together with the others, each with the reason.
MUTUALLY_EXCLUSIVE = {
    "TFA0201": "no manifest at all, while TFA0202-TFA0206 need manifests",
    "TFA0801": "no declared process, while TFA0205/TFA0901/TFA0902 need a Procfile and a CMD",
}


@pytest.mark.real_tiers
def test_bad_agent_trips_every_stable_rule_by_default(tmp_path: Path) -> None:
    """What a user gets from `tfa-lint examples/bad-agent`: every stable rule fires, no preview one."""
    copy = shutil.copytree(EXAMPLES / "bad-agent", tmp_path / "bad-agent")
    result = CliRunner().invoke(cli, [str(copy), "--format", "json", "--no-cache"])
    assert result.exit_code == 1, result.output
    fired = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    stable = {rule_id for rule_id, rule in load_rules().items() if not rule._meta and not rule.preview}
    assert fired == stable - set(MUTUALLY_EXCLUSIVE), (sorted(stable - fired), sorted(fired - stable))


def test_bad_agent_trips_every_rule(tmp_path: Path) -> None:
    # Copied out of this git checkout, so the repository-without-VCS rule (TFA0101) can fire too.
    copy = shutil.copytree(EXAMPLES / "bad-agent", tmp_path / "bad-agent")
    result = scan_tree(copy)
    fired = {f.rule for f in result.findings}
    expected = {rule_id for rule_id, rule in load_rules().items() if not rule._meta} - set(MUTUALLY_EXCLUSIVE)
    assert fired == expected, f"missing: {sorted(expected - fired)}; unexpected: {sorted(fired - expected)}"
    card = score(result)
    # Factors holding a mutually exclusive rule keep its weight as a pass; every other one is 0.
    spared = {int(rule_id[3:5]) for rule_id in MUTUALLY_EXCLUSIVE}
    assert all(f.score == 0 for f in card.assessed if f.factor not in spared), card.factors
    assert not result.diagnostics


def test_mutually_exclusive_rules_fire_on_their_own_repo(tree) -> None:
    root = tree({"agent.py": "import openai\nfrom fastapi import FastAPI\n\napp = FastAPI()\n"}, vcs=False)
    fired = {f.rule for f in scan_tree(root).findings}
    assert set(MUTUALLY_EXCLUSIVE) | {"TFA0101"} <= fired


@pytest.mark.real_tiers
def test_clean_agent_scores_100_by_default() -> None:
    result = CliRunner().invoke(cli, [str(EXAMPLES / "clean-agent"), "--format", "json", "--no-cache"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["findings"] == [] and report["score"] == 100


def test_clean_agent_is_clean_and_scores_100() -> None:
    result = scan_tree(EXAMPLES / "clean-agent")
    assert result.findings == []
    card = score(result)
    assert card.overall == 100
    assessed = {f.factor for f in card.assessed}
    assert set(range(1, 12)) <= assessed
    for factor in card.factors:
        if factor.score is None:
            assert factor.summary.startswith("n/a — ")
