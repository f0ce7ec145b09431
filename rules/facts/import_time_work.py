"""Slow work that runs when a module is imported — model loads, downloads, index builds —
and the modules each module imports at module scope (``ImportTimeWork``).
"""

from __future__ import annotations

import posixpath

import libcst as cst

from tfa_lint.rule import FactCollector

from .processes import is_main_guard

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


class ImportTimeWork(FactCollector):
    """Slow calls that run when a module is imported, and the modules it imports at module scope."""

    name = "import-time-work"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._deferred = 0  # function bodies, lambdas and the __main__ block do not run at start-up
        self._statement: list[tuple[cst.Call, str, str]] = []  # slow calls of the current simple statement
        self._in_statement = False
        self._exact: list[str] = []  # relative imports: module paths without .py
        self._absolute: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._deferred += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._deferred -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._deferred += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._deferred -= 1

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node):
            self._deferred += 1

    def leave_If(self, original_node: cst.If) -> None:
        if is_main_guard(original_node):
            self._deferred -= 1

    def visit_While(self, node: cst.While) -> None:
        self._deferred += 1  # a module-level `while` loop is the process's work, not its start-up

    def leave_While(self, original_node: cst.While) -> None:
        self._deferred -= 1

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._in_statement = True

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        # One fact per statement: `from_documents(SimpleDirectoryReader(...).load_data())` is one piece of work.
        if self._statement:
            node, kind, _ = self._statement[0]
            labels = list(dict.fromkeys(label for _, _, label in self._statement))
            self.record("import-time-call", node, work=kind, calls=labels)
        self._statement = []
        self._in_statement = False

    def visit_Call(self, node: cst.Call) -> None:
        if self._deferred:
            return
        for qname in sorted(self.qualified_names(node.func)):
            kind = startup_work(qname)
            if kind is None:
                continue
            label = ".".join(qname.split(".")[-2:]) if kind in ("model", "index") else qname
            if self._in_statement:
                self._statement.append((node, kind, label))
            else:
                self.record("import-time-call", node, work=kind, calls=[label])
            return

    def visit_Import(self, node: cst.Import) -> None:
        if not self._deferred:
            self._absolute += [_dotted(alias.name).replace(".", "/") for alias in node.names]

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if self._deferred:
            return
        module = _dotted(node.module).replace(".", "/") if node.module is not None else ""
        names = [] if isinstance(node.names, cst.ImportStar) else [_dotted(a.name) for a in node.names]
        if node.relative:
            base = posixpath.dirname(self.file.path)
            for _ in range(len(node.relative) - 1):
                base = posixpath.dirname(base)
            prefix = posixpath.join(base, module) if module else base
            self._exact += [prefix, *(posixpath.join(prefix, n) for n in names)]
        elif module:
            self._absolute += [module, *(f"{module}/{n}" for n in names)]

    def leave_Module(self, original_node: cst.Module) -> None:
        if self._exact or self._absolute:
            self.record("module-imports", exact=self._exact, absolute=self._absolute)


def _dotted(node: cst.BaseExpression) -> str:
    return cst.helpers.get_full_name_for_node(node) or ""
