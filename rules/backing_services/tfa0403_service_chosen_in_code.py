"""TFA0403 — Backing service chosen by a code constant, not by attached resource."""

from __future__ import annotations

from collections import defaultdict

import libcst as cst

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import Example, PythonRule

from ..facts.backing_clients import BackingFacts, client_for
from ..facts.cst_nodes import NestingDepth, string_value
from ._shared import _short, backing_reason


class ServiceChosenInCode(NestingDepth, PythonRule):
    id = "TFA0403"
    name = "service-chosen-in-code"
    factor = 4
    severity = Severity.NOTE
    title = "Backing service chosen by a code constant, not by attached resource"
    collectors = (BackingFacts,)
    what = """
        An `if`/`elif` chain that tests a module-level constant holding a literal
        (`VECTOR_DB = "chroma"`, `USE_PINECONE = True`) and constructs a different client of
        the same kind of backing service in its branches. A constant assigned more than once
        (overridden from the environment) or a test on a value read from configuration is not
        reported, nor are tests and examples.
    """
    why = """
        Switching the service then takes a code edit and a new release, and every deploy
        runs the same choice. An attached resource is chosen by each deploy's configuration.
    """
    fix = """
        Select the service from configuration: read a URL or kind from the environment
        (`make_store(os.environ["VECTOR_STORE_URL"])`, dispatching on its scheme) and keep the
        branches in that factory.
    """
    invalid = (
        Example.of("""
            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = "qdrant"


            def make_store():
                if VECTOR_DB == "chroma":
                    return chromadb.PersistentClient(path="index")
                elif VECTOR_DB == "qdrant":
                    return QdrantClient(url=QDRANT_URL)
        """, "agent/store.py", lines=(8,)),
        Example.of("""
            from langchain_openai import ChatOpenAI
            from langchain_ollama import ChatOllama

            USE_LOCAL_MODEL = True

            if USE_LOCAL_MODEL:
                llm = ChatOllama(model="llama3.1")
            else:
                llm = ChatOpenAI(model="gpt-4o-mini")
        """, "agent/llm.py", lines=(6,)),
    )
    valid = (
        Example.of("""
            import os

            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = os.getenv("VECTOR_DB", "chroma")


            def make_store():
                if VECTOR_DB == "chroma":
                    return chromadb.PersistentClient(path="index")
                return QdrantClient(url=os.environ["QDRANT_URL"])
        """, "agent/store.py"),
        Example.of("""
            import os

            from langchain_openai import ChatOpenAI
            from langchain_ollama import ChatOllama

            USE_LOCAL_MODEL = False
            if os.getenv("LOCAL"):
                USE_LOCAL_MODEL = True

            if USE_LOCAL_MODEL:
                llm = ChatOllama(model="llama3.1")
            else:
                llm = ChatOpenAI(model="gpt-4o-mini")
        """, "agent/llm.py"),
        Example.of("""
            from openai import OpenAI

            DEBUG = True

            if DEBUG:
                client = OpenAI(timeout=5)
            else:
                client = OpenAI(timeout=60)
        """, "agent/llm.py"),
        Example.of("""
            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = "qdrant"
            if VECTOR_DB == "chroma":
                store = chromadb.PersistentClient(path="index")
            else:
                store = QdrantClient(":memory:")
        """, "tests/test_store.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._constants: dict[str, str] = {}  # module-level literal constants -> their source
        self._assigned: dict[str, int] = defaultdict(int)  # every binding of a name, anywhere
        self._elifs: set[int] = set()
        self._chains: list[cst.If] = []
        self._clients: list[tuple[int, str, str]] = []  # (line, family, constructor)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._assigned[name] += 1
                value = node.value
                if not self._depth and (string_value(value) is not None or isinstance(value, cst.Integer) or (
                        isinstance(value, cst.Name) and value.value in ("True", "False"))):
                    self._constants[name] = self.source_of(value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._assigned[node.target.value] += 1

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if id(node) not in self._elifs:
            self._chains.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        found = client_for(self.qualified_names(node.func))
        if found:
            self._clients.append((self.position(node)[0], found[1].family, _short(found[0])))

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.file.role in ("test", "example"):
            return
        constants = {n: v for n, v in self._constants.items() if self._assigned[n] == 1}
        for chain in self._chains:
            name = self._constant_tested(chain, constants)
            if name is None:
                continue
            families: dict[str, set[str]] = defaultdict(set)
            for first, last in self._branches(chain):
                for line, family, ctor in self._clients:
                    if first <= line <= last:
                        families[family].add(ctor)
            chosen = next(((f, c) for f, c in sorted(families.items()) if len(c) >= 2), None)
            if chosen:
                family, ctors = chosen
                self.report(chain.test, f"The {family} ({' or '.join(sorted(ctors))}) is chosen by editing "
                                        f"`{name} = {constants[name]}` in code: select it from configuration "
                                        "(e.g. a URL read from the environment) so each deploy attaches its own")

    def _constant_tested(self, chain: cst.If, constants: dict[str, str]) -> str | None:
        test: cst.BaseExpression = chain.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        sides = [test.left, *(c.comparator for c in test.comparisons)] if isinstance(test, cst.Comparison) else [test]
        names = [s.value for s in sides if isinstance(s, cst.Name) and s.value in constants]
        return names[0] if names else None

    def _branches(self, chain: cst.If) -> list[tuple[int, int]]:
        """(first line, last line) of each branch body of an if/elif/else chain."""
        out: list[tuple[int, int]] = []
        node: cst.If | cst.Else | None = chain
        while node is not None:
            _, _, end, _ = self.position(node.body)
            out.append((self.position(node.body)[0], end))
            node = node.orelse if isinstance(node, cst.If) else None
        return out
