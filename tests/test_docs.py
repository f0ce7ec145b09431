"""The rules reference is generated from the rule classes; the committed copy must match."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT

from tfa_lint.cli import cli
from tfa_lint.docs import rules_markdown
from tfa_lint.rule import load_rules


@pytest.mark.real_tiers
def test_docs_rules_md_is_in_sync() -> None:
    committed = (REPO_ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(load_rules(plugins=False)), (
        "docs/rules.md is stale: run `tfa-lint rules --format markdown > docs/rules.md`")


def test_rules_json_lists_every_rule() -> None:
    result = CliRunner().invoke(cli, ["rules", "--format", "json"])
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == list(load_rules())
    assert set(rows[0]) == {"id", "name", "factor", "factor_name", "severity", "title", "status", "precision",
                            "field_precision", "security", "security_severity"}


def test_every_factor_has_at_least_three_rules() -> None:
    per_factor = Counter(r.factor for r in load_rules(plugins=False).values() if not r._meta)
    assert all(per_factor[n] >= 3 for n in range(1, 13)), per_factor
    assert sum(per_factor.values()) >= 40


def test_the_readme_counts_the_rules_there_are() -> None:
    # The README said "47 rules" while `tfa-lint rules` listed 49 (two are about tfa-lint
    # itself): every count of rules it gives is checked against the registry.
    registry = load_rules(plugins=False)
    tool = sum(r.factor == 0 for r in registry.values())
    counts = {"rules": len(registry), "over the twelve factors": len(registry) - tool, "about tfa-lint itself": tool}
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.findall(rf"\b(\d+) ({'|'.join(counts)})\b", readme)
    assert {phrase for _, phrase in stated} == set(counts), stated
    assert all(int(number) == counts[phrase] for number, phrase in stated), (stated, counts)


def test_explain_prints_docs_with_examples() -> None:
    result = CliRunner().invoke(cli, ["explain", "tfa0301"])
    assert result.exit_code == 0
    for heading in ("### What it finds", "### Why is this bad?", "### How to fix", "### Example", "### Use instead"):
        assert heading in result.output
