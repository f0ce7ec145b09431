"""Typed facts: every payload class of the pack survives the cache, a collector records only
the payloads it declares, and the registry keeps one class per kind."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from tfa_lint.analysis import analyze_file
from tfa_lint.cache import ResultCache, decode_result, encode_result
from tfa_lint.facts import FACT_CLASSES, FactError
from tfa_lint.model import Fact, FileKind
from tfa_lint.rule import AstCollector, FactData, PythonFile, RuleSet, load_rules
from tfa_lint.semantic import SemanticModel

#: Facts the pack's collectors record on their rules' examples and the example repositories.
_RULES = RuleSet.of(load_rules(plugins=False).values())


def _pack_facts() -> list[Fact]:
    sources = {f"{rule.id}/{n}/{path}": text for rule in _RULES.all
               for n, example in enumerate((*rule.invalid, *rule.valid)) for path, text in example.files.items()}
    sources.update({str(p.relative_to(REPO_ROOT)): p.read_text(encoding="utf-8")
                    for p in (REPO_ROOT / "examples").rglob("*.py")})
    facts: list[Fact] = []
    for path, text in sorted(sources.items()):
        if path.endswith(".py"):
            facts += analyze_file(path, FileKind.PYTHON, text.encode("utf-8"), _RULES).facts
    return facts


def test_every_payload_class_of_the_pack_round_trips_through_the_cache() -> None:
    facts = _pack_facts()
    pack_kinds = {kind for kind, cls in FACT_CLASSES.items() if cls.__module__.startswith("tfa_lint.rules.")}
    assert pack_kinds - {f.kind for f in facts} == set(), "no example records these kinds: add one"
    for fact in facts:
        encoded = encode_result([], [fact], [], [])
        # What ResultCache.put stores, and its check that JSON gives the same value back.
        assert json.loads(json.dumps(encoded)) == encoded, f"{fact.kind} holds a value JSON changes: {fact.data}"
        decoded = decode_result(fact.path, json.loads(json.dumps(encoded)))[1]
        assert decoded == [fact] and type(decoded[0].data) is type(fact.data)


@dataclass(frozen=True)
class TupleFact(FactData):
    kind = "test-tuple"
    pair: tuple[int, int]


def test_a_payload_json_would_change_is_never_cached(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "salt", b"secret")
    fact = Fact(TupleFact.kind, "app.py", 1, 1, TupleFact(pair=(1, 2)))
    cache.put("k" * 64, encode_result([], [fact], [], []))
    assert cache.get("k" * 64) is None  # a list would come back: recomputed instead


def test_an_unknown_kind_or_foreign_fields_make_a_cache_entry_malformed() -> None:
    empty = {"findings": [], "suppressions": [], "diagnostics": []}
    with pytest.raises(ValueError, match="unknown fact kind 'no-such-kind'"):
        decode_result("app.py", {**empty, "facts": [["no-such-kind", 1, 1, {}]]})
    with pytest.raises(ValueError, match="fields of a 'import' fact"):
        decode_result("app.py", {**empty, "facts": [["import", 1, 1, {"module": "x"}]]})


@dataclass(frozen=True)
class DeclaredFact(FactData):
    kind = "test-declared"


@dataclass(frozen=True)
class UndeclaredFact(FactData):
    kind = "test-undeclared"


class Careless(AstCollector):
    name = "careless"
    records = (DeclaredFact,)

    def visit_Module(self, node: ast.Module) -> None:
        self.record(DeclaredFact(), node)
        self.record(UndeclaredFact(), node)


def test_recording_an_undeclared_payload_fails_and_says_how_to_fix_it() -> None:
    tree = ast.parse("x = 1\n")
    collector = Careless(PythonFile(path="app.py", text="x = 1\n", role="src", tree=tree,
                                    semantic=SemanticModel(tree, "x = 1\n")))
    with pytest.raises(FactError, match=r"Careless records a UndeclaredFact fact but does not declare it: "
                                        r"add it to Careless.records"):
        collector.visit_Module(tree)


def test_a_kind_is_claimed_once_and_must_be_named() -> None:
    with pytest.raises(FactError, match="fact kind 'import' is claimed by tfa_lint.rules.facts.manifests.ImportFact"):
        @dataclass(frozen=True)
        class Again(FactData):
            kind = "import"
    with pytest.raises(FactError, match="Nameless must set kind"):
        @dataclass(frozen=True)
        class Nameless(FactData):
            pass
    assert FACT_CLASSES["import"].__name__ == "ImportFact"
