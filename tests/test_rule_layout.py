"""The built-in pack's layout: one rule per module, named for the rule's id and name, in the
package of its factor. The registry finds rules by walking those packages, so a rule that
breaks the layout would be registered under a misleading name, or silently not at all."""

from __future__ import annotations

import pkgutil
from collections import Counter
from importlib import import_module
from types import ModuleType

from conftest import REPO_ROOT

from tfa_lint import rules as pack
from tfa_lint.rule import load_rules, rules_in
from tfa_lint.sources.toml_text import load

#: The package that holds each factor's rules.
FACTOR_PACKAGES = {
    "codebase": 1, "dependencies": 2, "config": 3, "backing_services": 4, "build_release_run": 5,
    "processes": 6, "port_binding": 7, "concurrency": 8, "disposability": 9, "parity": 10, "logs": 11,
    "admin": 12,
}


def _subpackages() -> list[str]:
    return sorted(p.name for p in pkgutil.iter_modules(pack.__path__) if p.ispkg)


def _every_module() -> list[ModuleType]:
    """Every module of the pack, rule modules, helpers and facts alike."""
    return [import_module(info.name) for info in pkgutil.walk_packages(pack.__path__, f"{pack.__name__}.")]


def test_every_rule_package_is_a_factor_package_holding_that_factors_rules() -> None:
    assert set(_subpackages()) - pack.SHARED_PACKAGES == set(FACTOR_PACKAGES)
    for module in pack.MODULES:
        package = module.__name__.split(".")[2]
        assert [rule.factor for rule in rules_in(module)] == [FACTOR_PACKAGES[package]], module.__name__


def test_each_rule_module_holds_one_rule_named_for_its_id_and_name() -> None:
    assert pack.MODULES, "the package walk found no rule module"
    for module in pack.MODULES:
        rules = list(rules_in(module))
        assert len(rules) == 1, f"{module.__name__} defines {[r.__name__ for r in rules]}"
        rule = rules[0]
        expected = f"tfa{rule.id.removeprefix('TFA')}_{rule.name.replace('-', '_')}"
        assert module.__name__.rsplit(".", 1)[1] == expected, f"{rule.id} {rule.name} lives in {module.__name__}"


def test_modules_of_a_factor_package_are_rules_or_private_helpers() -> None:
    # A module named otherwise would be skipped by the walk, and its rule never run.
    for package in set(_subpackages()) - pack.SHARED_PACKAGES:
        path = [str(p) for p in import_module(f"{pack.__name__}.{package}").__path__]
        for info in pkgutil.iter_modules(path):
            assert not info.ispkg and info.name.startswith((pack.RULE_MODULE_PREFIX, "_")), f"{package}/{info.name}"


def test_no_rule_is_defined_outside_a_rule_module() -> None:
    rule_modules = {m.__name__ for m in pack.MODULES}
    for module in _every_module():
        if module.__name__ not in rule_modules:
            assert not list(rules_in(module)), f"{module.__name__} defines a rule the registry never loads"


def test_rule_ids_are_unique_and_never_retired_ones() -> None:
    ids = Counter(rule.id for module in pack.MODULES for rule in rules_in(module))
    assert [i for i, n in ids.items() if n > 1] == []
    assert not set(ids) & set(pack.RETIRED)


def test_every_package_of_the_pack_ships_in_the_wheel() -> None:
    pyproject = load((REPO_ROOT / "pyproject.toml").read_text("utf-8"), "pyproject.toml")
    shipped = set(pyproject["tool"]["setuptools"]["packages"])
    assert {f"{pack.__name__}.{p}" for p in _subpackages()} <= shipped


def test_every_invalid_example_pins_its_message_and_columns() -> None:
    # As Fixit's expected_message and range: a change that rewords a finding or moves its
    # column fails the rule's own examples. An example that pins lines may leave columns out
    # only where its rule lists it in ``unpinned_columns``, saying why; once its columns are
    # pinned, the exemption has to go.
    for rule in load_rules(plugins=False).values():
        exempt = rule.unpinned_columns
        assert set(exempt) <= set(range(len(rule.invalid))), f"{rule.id} exempts an example it does not have"
        for index, example in enumerate(rule.invalid):
            where = f"{rule.id} invalid[{index}]"
            assert example.message.strip(), f"{where} pins no message"
            if index in exempt:
                assert example.lines and not example.columns, f"{where}: drop its unpinned_columns entry"
                assert exempt[index].strip(), f"{where}: say why its columns are not pinned"
            elif example.lines:
                assert example.columns, f"{where} pins lines but not columns"
