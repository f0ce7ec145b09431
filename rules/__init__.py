"""The built-in rule pack: one package per factor, one module per rule, written against the
public rule API only.

Installed as ``tfa_lint.rules``. Each rule is the one rule class of its module,
``<factor package>/tfaNNNN_<name>.py`` (``config/tfa0301_hardcoded_provider_key.py``); the
registry finds the modules by walking the packages, so adding a rule is adding its file (see
CONTRIBUTING.md). ``facts/`` holds what rules of several factors read, and no rule.

Each rule's tier comes from ``field_precision.json``, which ``bench/precision.py report
--write`` measures on the field corpus: a rule is stable (on by default, scored) only when it
meets the bar of :class:`tfa_lint.rule.FieldPrecision`; every other rule, and any rule the file
does not list yet, is preview.
"""

import json
import pkgutil
from importlib import import_module
from importlib.resources import files
from types import ModuleType

from tfa_lint.rule import FieldPrecision, rules_in

#: Packages of the pack that hold no rule.
SHARED_PACKAGES = frozenset({"facts"})
#: A rule module's name starts so: ``tfa`` + the id's digits + ``_`` + the rule's name.
RULE_MODULE_PREFIX = "tfa"


def _rule_modules() -> tuple[ModuleType, ...]:
    """Every rule module of the factor packages, imported, in id order (the order of their names)."""
    names = []
    for package in pkgutil.iter_modules(__path__):
        if package.ispkg and package.name not in SHARED_PACKAGES:
            factor = import_module(f"{__name__}.{package.name}")
            names += [f"{factor.__name__}.{module.name}" for module in pkgutil.iter_modules(factor.__path__)
                      if not module.ispkg and module.name.startswith(RULE_MODULE_PREFIX)]
    return tuple(import_module(name) for name in sorted(names, key=lambda name: name.rsplit(".", 1)[1]))


MODULES = _rule_modules()

#: Ids of rules taken out of the pack, with why. They stay listed and are never reused.
RETIRED: dict[str, str] = {}


def _measured() -> dict[str, FieldPrecision]:
    data = json.loads(files(__name__).joinpath("field_precision.json").read_text("utf-8"))
    return {rule_id: FieldPrecision(**counts) for rule_id, counts in data["rules"].items()}


def _apply_measurements() -> None:
    measured = _measured()
    for module in MODULES:
        for rule in rules_in(module):
            rule.field_precision = measured.get(rule.id)
            rule.preview = rule.field_precision is None or not rule.field_precision.qualifies


_apply_measurements()
