"""The built-in rule pack: one module per factor, written against the public rule API only.

Installed as ``tfa_lint.rules``. To add a rule, see CONTRIBUTING.md.

Each rule's tier comes from ``field_precision.json``, which ``bench/precision.py report
--write`` measures on the field corpus: a rule is stable (on by default, scored) only when it
meets the bar of :class:`tfa_lint.rule.FieldPrecision`; every other rule, and any rule the file
does not list yet, is preview.
"""

import json
from importlib.resources import files

from tfa_lint.rule import FieldPrecision, rules_in
from tfa_lint.rules import (
    factor01_codebase,
    factor02_dependencies,
    factor03_config,
    factor04_backing_services,
    factor05_build_release_run,
    factor06_processes,
    factor07_port_binding,
    factor08_concurrency,
    factor09_disposability,
    factor10_parity,
    factor11_logs,
    factor12_admin,
)

MODULES = (factor01_codebase, factor02_dependencies, factor03_config, factor04_backing_services, factor05_build_release_run, factor06_processes, factor07_port_binding, factor08_concurrency, factor09_disposability, factor10_parity, factor11_logs, factor12_admin)

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
