"""A third-party package adds rules through the `tfa_lint.rules` entry-point group."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import scan_tree, write_tree

from tfa_lint.cli import cli
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


LIBCST_PLUGIN = '''
from tfa_lint.rule import PythonRule
'''


def test_a_plugin_written_for_the_libcst_engine_is_told_what_replaces_it(tmp_path: Path, monkeypatch, tree) -> None:
    """``PythonRule`` and ``FactCollector`` went with the libcst engine (0.2): a plugin that
    still imports one stops the run with one line saying which plugin, and what to use."""
    write_tree(tmp_path / "site", {
        "old_rules/__init__.py": LIBCST_PLUGIN,
        "old_rules-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: old-rules\nVersion: 1.0\n",
        "old_rules-1.0.dist-info/entry_points.txt": "[tfa_lint.rules]\nold = old_rules\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    load_rules.cache_clear()
    try:
        with pytest.raises(RuleError, match=r"plugin old \(old_rules\) failed to load: .*subclass AstRule"):
            load_rules()
        result = CliRunner().invoke(cli, [str(tree({"app.py": "x = 1\n"}))])
        assert result.exit_code == 2
        assert "subclass AstRule" in result.stderr and "Traceback" not in result.output
    finally:
        load_rules.cache_clear()
        sys.modules.pop("old_rules", None)


def test_the_removed_classes_name_their_replacements() -> None:
    import tfa_lint.rule as rule

    for removed, replacement in (("PythonRule", "AstRule"), ("FactCollector", "AstCollector")):
        with pytest.raises(ImportError, match=f"subclass {replacement}"):
            getattr(rule, removed)
    with pytest.raises(AttributeError):
        rule.NoSuchThing  # noqa: B018
