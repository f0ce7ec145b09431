"""bench/libcst_names.py's NameResolver answers as libcst's ScopeProvider does, node by node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from libcst.metadata import QualifiedNameSource

from libcst_names import NameResolver

from conftest import SCOPE_EDGES, python_corpus
from names_check import differences


def test_same_qualified_names_as_scope_provider(tmp_path: Path) -> None:
    compared = 0
    disagreements = []
    for label, module in python_corpus(tmp_path):
        compared += 1
        disagreements += [f"{label}: {line}" for line in differences(module)]
    assert compared > 200
    assert disagreements == []


def _names_of(source: str, code: str) -> list[set[str]]:
    """The qualified names of each name or attribute whose code is ``code``, in source order."""
    module = cst.parse_module(source)
    resolver = NameResolver(module)
    found: list[set[str]] = []

    class Find(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.Name, cst.Attribute)) and module.code_for_node(node) == code:
                found.append({q.name for q in resolver.qualified_names(node)})
            return True

    module.visit(Find())
    return found


def test_answers_are_the_ones_rules_rely_on() -> None:
    """The comparison above would pass if both answered nothing: pin what they answer."""
    assert _names_of("import os.path as p\np.join('a')\n", "p.join") == [{"os.path.join"}]
    assert _names_of("from os import environ as env\nenv.get('K')\n", "env.get") == [{"os.environ.get"}]
    assert _names_of("def f():\n    import requests\n    requests.get('u')\n", "requests.get") == [
        {"requests.get"}]
    # A read before a module-level redefinition still means the builtin.
    assert _names_of("print('x')\ndef print(): ...\nprint('y')\n", "print")[0] == {"builtins.print"}
    # A class attribute shadows the import in the class body, but not in its methods.
    source = "import os\nclass C:\n    os = 1\n    a = os.sep\n    def m(self):\n        return os.sep\n"
    assert _names_of(source, "os.sep") == [{"C.os.sep"}, {"os.sep"}]
    # A parameter shadows it too.
    assert _names_of(SCOPE_EDGES, "os.getenv") == [{"Settings.method.<locals>.os.getenv"}]


def test_import_source_is_kept() -> None:
    module = cst.parse_module("from .pkg import mod\nmod.run()\n")
    call = module.body[1].body[0].value
    assert {(q.name, q.source) for q in NameResolver(module).qualified_names(call.func)} == {
        (".pkg.mod.run", QualifiedNameSource.IMPORT)}
