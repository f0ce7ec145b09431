"""Slow work that runs when a module is imported — model loads, downloads, index builds —
and the modules each module imports at module scope (``ImportTimeWork``).
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ports import main_guard

#: Qualified names of calls that load a model when they run.
_MODEL_LOADS = {"transformers.pipeline", "sentence_transformers.SentenceTransformer",
                "sentence_transformers.CrossEncoder", "spacy.load",
                "langchain_huggingface.HuggingFaceEmbeddings", "langchain_community.embeddings.HuggingFaceEmbeddings",
                "langchain.embeddings.HuggingFaceEmbeddings"}
_FETCHES = {"nltk.download", "requests.get", "requests.post", "httpx.get", "httpx.post"}


def startup_work(qname: str) -> str | None:
    """The kind of slow start-up work a call does: model, index, fetch or sleep."""
    root = qname.split(".")[0]
    if qname in _MODEL_LOADS or (root == "transformers" and qname.endswith(".from_pretrained")):
        return "model"
    if root.startswith("langchain") and qname.endswith((".from_documents", ".from_texts")):
        return "index"
    if root == "llama_index" and qname.endswith((".from_documents", "SimpleDirectoryReader.load_data")):
        return "index"
    if qname in _FETCHES:
        return "fetch"
    if qname == "time.sleep":
        return "sleep"
    return None


#: Statements with a body: a call in one that is not in its body is in its header.
_COMPOUND = tuple(getattr(ast, name) for name in (
    "If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar", "FunctionDef", "AsyncFunctionDef",
    "ClassDef", "Match") if hasattr(ast, name))


@dataclass(frozen=True)
class ImportTimeCallFact(FactData):
    """Slow work a line of module-level code does when the module is imported."""

    kind = "import-time-call"
    work: str  # what sort of work, a key of TFA0903's advice: "model", "index"…
    calls: list[str]  # the calls of the line that do it, as labels, in source order


@dataclass(frozen=True)
class ModuleImportsFact(FactData):
    """The modules a module imports at module scope, as path stems for resolving to files."""

    kind = "module-imports"
    exact: list[str]  # relative imports, resolved against the file's directory
    absolute: list[str]  # absolute imports, "a/b" for `a.b`, matched against path suffixes


class ImportTimeWork(AstCollector):
    """Slow calls that run when a module is imported, and the modules it imports at module scope."""

    name = "import-time-work"
    records = (ImportTimeCallFact, ModuleImportsFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._work: list[tuple[ast.Call, str, str]] = []  # slow calls at import time, with kind and label
        self._exact: list[str] = []  # relative imports: module paths without .py
        self._absolute: list[str] = []
        self._lines: list[bytes] | None = None

    def _deferred(self, node: ast.AST) -> bool:
        """Function definitions (decorators and defaults included), lambdas and the whole
        ``__main__`` statement do not run at start-up; a module-level ``while`` loop is the
        process's work, not its start-up."""
        return any(isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.While))
                   or (isinstance(a, ast.If) and main_guard(a.test, self.semantic.source)) for a in self.semantic.ancestors(node))

    def visit_Call(self, node: ast.Call) -> None:
        for qname in sorted(self.qualified_names(node.func)):
            kind = startup_work(qname)
            if kind is None:
                continue
            if not self._deferred(node):
                label = ".".join(qname.split(".")[-2:]) if kind in ("model", "index") else qname
                self._work.append((node, kind, label))
            return

    def visit_Import(self, node: ast.Import) -> None:
        if not self._deferred(node):
            self._absolute += [alias.name.replace(".", "/") for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self._deferred(node):
            return
        module = node.module.replace(".", "/") if node.module is not None else ""
        names = [] if node.names[0].name == "*" else [a.name for a in node.names]
        if node.level:
            base = posixpath.dirname(self.file.path)
            for _ in range(node.level - 1):
                base = posixpath.dirname(base)
            prefix = posixpath.join(base, module) if module else base
            self._exact += [prefix, *(posixpath.join(prefix, n) for n in names)]
        elif module:
            self._absolute += [module, *(f"{module}/{n}" for n in names)]

    def leave_Module(self, node: ast.Module) -> None:
        # One fact per line of simple statements: `from_documents(SimpleDirectoryReader(...).load_data())`
        # is one piece of work. In source order (ast visits a class's decorators after its body).
        line: list[tuple[ast.Call, str, str]] = []
        line_start: ast.stmt | None = None
        for work in sorted(self._work, key=lambda w: (w[0].lineno, w[0].col_offset)):
            start = self._line_start(work[0])
            if start is None or start is not line_start:
                self._record_line(line)
                line, line_start = [], start
            if start is None:
                self.record(ImportTimeCallFact(work=work[1], calls=[work[2]]), work[0])
            else:
                line.append(work)
        self._record_line(line)
        if self._exact or self._absolute:
            self.record(ModuleImportsFact(exact=self._exact, absolute=self._absolute))

    def _record_line(self, line: list[tuple[ast.Call, str, str]]) -> None:
        if line:
            node, kind, _ = line[0]
            labels = list(dict.fromkeys(label for _, _, label in line))
            self.record(ImportTimeCallFact(work=kind, calls=labels), node)

    def _line_start(self, node: ast.AST) -> ast.stmt | None:
        """The first statement of the line of simple statements holding ``node`` (``a(); b()``
        is one line); None for a call in a compound statement's header, or in a body written
        on the line of its colon (``if ok: load()``): what libcst's ``SimpleStatementLine`` held."""
        statement = self.semantic.statement(node)
        if statement is None or isinstance(statement, _COMPOUND):
            return None
        parent = self.semantic.parent(statement)
        block = next((value for _, value in ast.iter_fields(parent)
                      if isinstance(value, list) and any(s is statement for s in value)), None)
        if not block:
            return None
        if self._source_line(block[0].lineno)[:block[0].col_offset].strip():
            return None  # the body follows its colon
        index = next(i for i, s in enumerate(block) if s is statement)
        while index and block[index - 1].end_lineno == block[index].lineno:
            index -= 1  # `a(); b()`
        return block[index]

    def _source_line(self, number: int) -> bytes:
        if self._lines is None:
            self._lines = self.file.text.encode("utf-8").splitlines()
        return self._lines[number - 1] if 0 < number <= len(self._lines) else b""
