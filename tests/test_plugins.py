"""A third-party package adds rules through the `tfa_lint.rules` entry-point group."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from conftest import scan_tree, write_tree

from tfa_lint.rule import RuleError, load_rules

PLUGIN = '''
from tfa_lint.model import FileKind, Severity
from tfa_lint.rule import ArtifactRule, Example


class NoTodoInProcfile(ArtifactRule):
    id = "TFA0899"
    name = "todo-in-procfile"
    factor = 8
    severity = Severity.WARNING
    title = "TODO left in a Procfile"
    kinds = (FileKind.PROCFILE,)
    what = "A Procfile line that contains TODO."
    why = "Process types are the contract with the platform."
    fix = "Finish the process declaration."
    invalid = (Example.of("web: TODO\\n", "Procfile"),)
    valid = (Example.of("web: uvicorn app:app\\n", "Procfile"),)

    def check(self, artifact):
        for p in artifact.processes:
            if "TODO" in p.command:
                yield self.finding(artifact.path, p.line, 1, "finish this process declaration")
'''


@pytest.fixture
def plugin_on_path(tmp_path: Path, monkeypatch):
    def install(entry: str) -> None:
        write_tree(tmp_path / "site", {
            "acme_rules/__init__.py": PLUGIN,
            "acme_rules-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: acme-rules\nVersion: 1.0\n",
            "acme_rules-1.0.dist-info/entry_points.txt": textwrap.dedent(f"""
                [tfa_lint.rules]
                acme = {entry}
            """),
        })
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        load_rules.cache_clear()

    yield install
    load_rules.cache_clear()
    sys.modules.pop("acme_rules", None)


def test_entry_point_module_adds_its_rules(plugin_on_path, tree) -> None:
    plugin_on_path("acme_rules")
    rules = load_rules()
    assert "TFA0899" in rules
    result = scan_tree(tree({"Procfile": "web: TODO\n"}), [rules["TFA0899"]])
    assert [(f.rule, f.line) for f in result.findings] == [("TFA0899", 1)]


def test_a_plugin_cannot_take_a_builtin_id(plugin_on_path, monkeypatch) -> None:
    plugin_on_path("acme_rules")
    import acme_rules

    monkeypatch.setattr(acme_rules.NoTodoInProcfile, "id", "TFA0301")
    load_rules.cache_clear()
    with pytest.raises(RuleError, match="claimed twice"):
        load_rules()


@pytest.mark.parametrize(("attrs", "message"), [
    ({"precision": "certain"}, "precision must be one of"),
    ({"security": True}, "sets security_severity"),
    ({"security_severity": 5.0}, "sets security_severity"),
    ({"security": True, "security_severity": 12.0}, r"must be in \(0, 10\]"),
])
def test_rule_metadata_for_sarif_is_validated(attrs: dict, message: str) -> None:
    namespace: dict = {}
    exec(PLUGIN, namespace)  # noqa: S102 - our own test source
    base = namespace["NoTodoInProcfile"]
    with pytest.raises(RuleError, match=message):
        type("Broken", (base,), {**attrs, "id": "TFA0898"})
