"""Every rule's own examples: the invalid ones must fire (at the pinned lines, when given),
the valid ones must not. One parametrised test for the whole pack, as in Fixit."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import scan_tree, write_tree

from tfa_lint.config import build_config, find_config
from tfa_lint.fixer import plan
from tfa_lint.project import config_file_in
from tfa_lint.rule import Example, Rule, RuleSet, load_rules

RULES = load_rules()


def _cases(kind: str):
    for rule in RULES.values():
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.id}-{kind}-{index}")


def _findings(rule: type[Rule], example: Example, tmp_path: Path):
    root = write_tree(tmp_path / "repo", dict(example.files))
    # Meta rules judge other rules' findings, so they run with the whole pack.
    selection = list(RULES.values()) if rule._meta else [rule]
    # An example is a repository, so its own [tool.tfa-lint] table applies (e.g. a baseline).
    table, source = find_config(config_file_in(root), None)
    result = scan_tree(root, selection, build_config(table, source, RULES))
    crashes = [d for d in result.diagnostics if "internal error" in d.message]
    assert not crashes, crashes
    return [f for f in result.findings if f.rule == rule.id], result


@pytest.mark.parametrize(("rule", "example"), list(_cases("invalid")))
def test_invalid_example_fires(rule: type[Rule], example: Example, tmp_path: Path) -> None:
    hits, result = _findings(rule, example, tmp_path)
    assert hits, f"{rule.id} did not fire on {dict(example.files)}; applicability: {result.applicability[rule.id]}"
    if example.lines:
        assert sorted({f.line for f in hits}) == sorted(example.lines), hits
    if example.columns:
        assert sorted((f.line, f.column) for f in hits) == sorted(zip(example.lines, example.columns)), hits
    if example.message:
        assert all(example.message in f.message for f in hits), (example.message, [f.message for f in hits])


FIX_CASES = [case for case in _cases("invalid") if case.values[1].fixed is not None]


@pytest.mark.parametrize(("rule", "example"), FIX_CASES)
def test_invalid_example_is_fixed_as_pinned(rule: type[Rule], example: Example, tmp_path: Path) -> None:
    """One pass of the rule's fixes, safe and unsafe, gives exactly the pinned files; ``{}``
    pins that the rule offers no fix there."""
    hits, result = _findings(rule, example, tmp_path)
    step = plan(result.root, hits, unsafe=True, fixable=lambda rule_id: True)
    assert not step.diagnostics, step.diagnostics
    assert {path: new for path, (_, new) in step.changes.items()} == dict(example.fixed), step.changes
    if not example.fixed:
        assert not any(f.fix for f in hits), [f.fix for f in hits]


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_a_rule_that_fixes_says_so_and_pins_a_fix(rule: type[Rule]) -> None:
    """``fixable`` (what explain says) and the examples' ``fixed`` go together."""
    pins = [e for e in rule.invalid if e.fixed]
    assert bool(rule.fixable) == bool(pins), (rule.id, rule.fixable, len(pins))


def test_an_example_can_pin_message_and_columns(tmp_path: Path) -> None:
    """The pins above are checked, not decorative: a wrong column or message fails."""
    rule = RULES["TFA0301"]
    code = 'from openai import OpenAI\nclient = OpenAI(api_key="sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '")\n'
    for example, holds in ((Example.of(code, lines=(2,), columns=(26,), message="Hardcoded OpenAI API key"), True),
                           (Example.of(code, lines=(2,), columns=(1,)), False),
                           (Example.of(code, message="no such words"), False)):
        try:
            test_invalid_example_fires(rule, example, tmp_path / str(len(example.message)) / str(example.columns))
        except AssertionError:
            assert not holds, example
        else:
            assert holds, example


@pytest.mark.parametrize(("rule", "example"), list(_cases("valid")))
def test_valid_example_is_clean(rule: type[Rule], example: Example, tmp_path: Path) -> None:
    hits, _ = _findings(rule, example, tmp_path)
    assert not hits, hits


#: Every fact collector some built-in rule names.
ALL_COLLECTORS = sorted({c for rule in RULES.values() for c in rule.collectors}, key=lambda c: c.name)


@pytest.mark.parametrize(("rule", "example"), [*_cases("invalid"), *_cases("valid")])
def test_a_rule_names_every_collector_it_reads(rule: type[Rule], example: Example, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule run alone gets only the collectors it names in ``collectors``. One that reads
    facts of another (often in ``applies``, through ``processes.traits``) would judge a
    service a single short-lived process, and say so as its n/a reason: the same rule with
    every collector running must answer the same, or the declaration is missing one."""
    if rule._meta:
        pytest.skip("meta rules run with the whole pack")
    declared, declared_result = _findings(rule, example, tmp_path / "declared")
    monkeypatch.setattr(RuleSet, "collectors", property(lambda self: ALL_COLLECTORS))
    everything, everything_result = _findings(rule, example, tmp_path / "everything")
    assert (declared, declared_result.applicability[rule.id]) == (
        everything, everything_result.applicability[rule.id]), (
        f"{rule.id} answers differently when every collector runs: it reads facts of a collector "
        f"it does not name in `collectors` ({', '.join(c.__name__ for c in rule.collectors) or 'none named'})")


def test_every_rule_has_docs_and_examples() -> None:
    for rule in RULES.values():
        assert rule.invalid and rule.valid, rule.id
        for part in (rule.what, rule.why, rule.fix, rule.title):
            assert part.strip(), rule.id
        assert rule.docs_markdown().count("###") == 5
