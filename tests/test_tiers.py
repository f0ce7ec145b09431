"""Stable and preview rules: the bar, where a rule's tier comes from, what each tier does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, scan_tree

from tfa_lint.cli import cli
from tfa_lint.config import ConfigError, build_config, selected
from tfa_lint.rule import FieldPrecision, RepoRule, RuleError, load_rules
from tfa_lint.rules import RETIRED, _measured
from tfa_lint.score import score

BUILTIN = {i: r for i, r in load_rules(plugins=False).items() if not r._meta}


@pytest.mark.parametrize(("counts", "qualifies"), [
    (dict(findings=40, true=18, false=2), True),        # 90% of 20 judged
    (dict(findings=40, true=17, false=2), False),       # 89% of 19 judged: under 20, one false is too many
    (dict(findings=40, true=27, false=3), True),        # 90% of 30
    (dict(findings=40, true=26, false=4), False),       # 87% of 30
    (dict(findings=5, true=3, false=0, debatable=2), True),  # debatable ones are left out
    (dict(findings=5, true=4, false=1), False),
    (dict(findings=0), True),                            # nothing false on the corpus
    (dict(findings=30, true=20, false=0, unlabeled=3), False),  # sampled findings not yet read
])
def test_the_stable_bar(counts: dict, qualifies: bool) -> None:
    assert FieldPrecision(**counts).qualifies is qualifies


def test_describe_says_what_was_measured() -> None:
    assert FieldPrecision(findings=120, true=29, false=2, debatable=3).describe() == \
        "94% of 31 judged (3 debatable; 120 findings)"
    assert FieldPrecision().describe() == "no finding on the field corpus"


@pytest.mark.real_tiers
def test_every_builtin_rule_is_measured_and_its_tier_follows_the_measurement() -> None:
    measured = _measured()
    assert set(measured) == set(BUILTIN), "run `python bench/precision.py report --write`"
    for rule_id, rule in BUILTIN.items():
        assert rule.field_precision == measured[rule_id]
        assert rule.preview is not measured[rule_id].qualifies, rule_id


@pytest.mark.real_tiers
def test_the_measurements_come_from_labels_in_the_repository() -> None:
    """Every judged finding counted in rules/field_precision.json has its label in bench/labels/."""
    verdicts: dict[str, dict[str, int]] = {}
    for path in (REPO_ROOT / "bench" / "labels").glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            label = json.loads(line)
            assert label["verdict"] in ("true", "false", "debatable") and label["reason"].strip(), label
            counts = verdicts.setdefault(label["rule"], {"true": 0, "false": 0, "debatable": 0})
            counts[label["verdict"]] += 1
    for rule_id, m in _measured().items():
        have = verdicts.get(rule_id, {"true": 0, "false": 0, "debatable": 0})
        assert m.true <= have["true"] and m.false <= have["false"] and m.debatable <= have["debatable"], rule_id


def _two_rule_registry() -> tuple[list[str], list[str]]:
    known = sorted(BUILTIN)
    return known, [known[1], known[2]]


def test_preview_rules_are_held_back_unless_asked_for() -> None:
    known, preview = _two_rule_registry()
    default = selected(known, None, [], preview_ids=preview)
    assert default == set(known) - set(preview)
    assert selected(known, None, [], preview_ids=preview, preview=True) == set(known)
    # A prefix or ALL never turns a preview rule on; its exact id does.
    assert preview[0] not in selected(known, [preview[0][:5]], [], preview_ids=preview)
    assert preview[0] not in selected(known, ["ALL"], [], preview_ids=preview)
    assert selected(known, [preview[0]], [], preview_ids=preview) == {preview[0]}


def test_preview_is_a_config_key_and_must_be_a_boolean() -> None:
    assert build_config({"preview": True}, "pyproject.toml", BUILTIN).preview is True
    with pytest.raises(ConfigError, match="preview must be true or false"):
        build_config({"preview": "yes"}, "pyproject.toml", BUILTIN)


def test_preview_findings_are_reported_but_never_scored(tree, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree({"app.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\ndef index():\n"
                           "    print('hello')\n    return {}\n"})
    rule = BUILTIN["TFA1101"]
    result = scan_tree(root, [rule])
    assert [f.rule for f in result.findings] == ["TFA1101"]
    assert score(result).overall == 0
    monkeypatch.setattr(rule, "preview", True)
    card = score(result)
    assert card.overall is None
    logs = next(f for f in card.factors if f.factor == 11)
    assert logs.summary == "n/a — only preview checks apply, and they are not scored"


@pytest.mark.real_tiers
def test_the_command_line_runs_preview_rules_only_with_preview(tmp_path) -> None:
    preview = sorted(i for i, r in BUILTIN.items() if r.preview)
    if not preview:
        pytest.skip("every rule is stable")
    bad = REPO_ROOT / "examples" / "bad-agent"
    default = CliRunner().invoke(cli, [str(bad), "--format", "json", "--no-cache"])
    with_preview = CliRunner().invoke(cli, [str(bad), "--format", "json", "--no-cache", "--preview"])
    fired_default = {f["rule"] for f in json.loads(default.stdout)["findings"]}
    fired_preview = {f["rule"] for f in json.loads(with_preview.stdout)["findings"]}
    assert not fired_default & set(preview)
    assert fired_preview & set(preview)
    # Turning preview on never changes the score: preview rules are not scored.
    assert json.loads(default.stdout)["score"] == json.loads(with_preview.stdout)["score"]


@pytest.mark.real_tiers
def test_listing_explain_and_sarif_show_the_tier() -> None:
    rule = next(r for r in BUILTIN.values() if r.field_precision and r.field_precision.judged)
    listing = CliRunner().invoke(cli, ["rules"]).output
    line = next(text for text in listing.splitlines() if text.startswith(rule.id))
    assert rule.status() in line and f"{rule.field_precision.precision:.0%}/{rule.field_precision.judged}" in line
    explained = CliRunner().invoke(cli, ["explain", rule.id]).output
    assert f"{rule.status()} · field precision {rule.field_precision.describe()}" in explained
    rows = json.loads(CliRunner().invoke(cli, ["rules", "--format", "json"]).stdout)
    row = next(r for r in rows if r["id"] == rule.id)
    assert row["status"] == rule.status() and row["field_precision"]["true"] == rule.field_precision.true


def test_a_retired_id_is_never_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    from tfa_lint import rules as builtin

    monkeypatch.setitem(builtin.RETIRED, "TFA0999", "test: retired")

    class Reuser(RepoRule):
        id = "TFA0999"
        name = "reuser"
        factor = 9
        severity = BUILTIN["TFA0901"].severity
        title = what = why = fix = "x"
        invalid = valid = BUILTIN["TFA0901"].valid

    module = builtin.MODULES[0]  # any module the registry walks
    monkeypatch.setattr(module, "Reuser", Reuser, raising=False)
    Reuser.__module__ = module.__name__
    load_rules.cache_clear()
    try:
        with pytest.raises(RuleError, match="retired and never reused"):
            load_rules(plugins=False)
    finally:
        monkeypatch.undo()
        load_rules.cache_clear()
    assert "TFA0999" not in RETIRED


def test_the_field_trials_table_is_generated_from_the_measurements() -> None:
    import precision  # bench/precision.py

    data = json.loads((REPO_ROOT / "rules" / "field_precision.json").read_text("utf-8"))
    text = (REPO_ROOT / "docs" / "field-trials.md").read_text("utf-8")
    assert precision.precision_table(data, precision.corpus()) in text, \
        "docs/field-trials.md is stale: run `python bench/precision.py report --write`"
