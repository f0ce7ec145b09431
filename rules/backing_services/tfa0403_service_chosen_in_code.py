"""TFA0403 — Backing service chosen by a code constant, not by attached resource."""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import AstRule, Example

from ..facts.backing_clients import BackingFacts, client_for
from ._shared import _short, backing_reason


class ServiceChosenInCode(AstRule):
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
        """, "agent/store.py", lines=(8,), columns=(8,), message="is chosen by editing `VECTOR_DB"),
        Example.of("""
            from langchain_openai import ChatOpenAI
            from langchain_ollama import ChatOllama

            USE_LOCAL_MODEL = True

            if USE_LOCAL_MODEL:
                llm = ChatOllama(model="llama3.1")
            else:
                llm = ChatOpenAI(model="gpt-4o-mini")
        """, "agent/llm.py", lines=(6,), columns=(4,), message="is chosen by editing `USE_LOCAL_MODEL"),
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
        self._constants: dict[str, ast.Assign] = {}  # module-level literal constants -> their assignment
        self._assigned: dict[str, int] = defaultdict(int)  # every binding of a name, anywhere
        self._chains: list[ast.If] = []
        self._clients: list[tuple[int, str, str]] = []  # (line, family, constructor)

    def visit_Assign(self, node: ast.Assign) -> None:
        # Outside every def and class: a module's own constant.
        top = self.semantic.enclosing_function(node) is None and self.semantic.enclosing_class(node) is None
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._assigned[target.id] += 1
                value = node.value
                # a string, a number or True/False (bool is an int); not bytes, floats or None
                if top and isinstance(value, ast.Constant) and isinstance(value.value, (str, int)):
                    self._constants[target.id] = node

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._assigned[node.target.id] += 1

    def visit_If(self, node: ast.If) -> None:
        if not self._is_elif(node):
            self._chains.append(node)

    def _is_elif(self, node: ast.If) -> bool:
        """``elif`` (not an ``if`` alone in an ``else:`` block): the ``if`` it continues is at its column."""
        parent = self.semantic.parent(node)
        return (isinstance(parent, ast.If) and len(parent.orelse) == 1 and parent.orelse[0] is node
                and node.col_offset == parent.col_offset)

    def visit_Call(self, node: ast.Call) -> None:
        found = client_for(self.qualified_names(node.func))
        if found:
            self._clients.append((self.position(node)[0], found[1].family, _short(found[0])))

    def leave_Module(self, node: ast.Module) -> None:
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
                                        f"`{name} = {self._value_code(constants[name])}` in code: select it from "
                                        "configuration (e.g. a URL read from the environment) so each deploy "
                                        "attaches its own")

    def _constant_tested(self, chain: ast.If, constants: dict[str, ast.Assign]) -> str | None:
        test: ast.expr = chain.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test = test.operand
        sides = [test.left, *test.comparators] if isinstance(test, ast.Compare) else [test]
        names = [s.id for s in sides if isinstance(s, ast.Name) and s.id in constants]
        return names[0] if names else None

    def _branches(self, chain: ast.If) -> list[tuple[int, int]]:
        """(first line, last line) of each branch body of an if/elif/else chain."""
        out: list[tuple[int, int]] = []
        node: ast.If | None = chain
        while node is not None:
            out.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
            orelse = node.orelse
            node = None
            if orelse and isinstance(orelse[0], ast.If) and self._is_elif(orelse[0]):
                node = orelse[0]
            elif orelse:
                out.append((orelse[0].lineno, orelse[-1].end_lineno or orelse[-1].lineno))
        return out

    def _value_code(self, assign: ast.Assign) -> str:
        """The assigned value as written, with the parentheses around it (libcst's code for it)."""
        target, value = assign.targets[-1], assign.value
        before = self._text(target.end_lineno, target.end_col_offset, value.lineno, value.col_offset)
        after = self._text(value.end_lineno, value.end_col_offset, assign.end_lineno, assign.end_col_offset)
        opened = re.sub(r"^(?:\s|\\\r?\n)+", "", before[before.rindex("=") + 1:])  # after `=` and its spaces
        return opened + self.source_of(value) + after

    def _text(self, line: int | None, column: int | None, end_line: int | None, end_column: int | None) -> str:
        return self.source_of(ast.Pass(lineno=line, col_offset=column, end_lineno=end_line, end_col_offset=end_column))
