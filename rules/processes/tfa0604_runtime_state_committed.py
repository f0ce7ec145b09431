"""TFA0604 — Runtime state files kept in the repository."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, FileRef, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

_FIXTURE_DIRS = {"fixtures", "fixture", "testdata", "test_data"}
_SEED_DIRS = {"data", "seed", "seeds", "fixtures", "sample_data"}
#: Committed on purpose: sample databases for SQL agents, trained models (built, not runtime state).
_SAMPLE_DB_RE = re.compile(r"(?i)(chinook|northwind|sakila|pagila|sample|example|demo)")
_MODEL_FILE_RE = re.compile(r"(?i)(model|classifier|clf|vectori[sz]er|encoder|scaler|tokenizer|weights|pipeline)")
_PICKLES = (".pkl", ".pickle", ".joblib")


def _committed_state(ref: FileRef) -> bool:
    if path_role(ref.path) in ("test", "example"):
        return False
    dirs = {d.lower() for d in ref.path.split("/")[:-1]}
    name = posixpath.basename(ref.path)
    if dirs & _FIXTURE_DIRS or (ref.size < 4096 and dirs & _SEED_DIRS):
        return False
    if _SAMPLE_DB_RE.search(name):
        return False
    return not (name.lower().endswith(_PICKLES) and _MODEL_FILE_RE.search(ref.path))


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KiB"


class RuntimeStateCommitted(RepoRule):
    id = "TFA0604"
    name = "runtime-state-committed"
    factor = 6
    severity = Severity.NOTE
    title = "Runtime state files kept in the repository"
    what = """
        Files a running agent writes — vector indexes (`*.faiss`, `chroma.sqlite3`,
        LlamaIndex `docstore.json`), SQLite databases (`*.db`, `*.sqlite`), pickled memory
        (`*.pkl`) — that are in the source tree and not ignored, reported once per directory.
        Not reported: tests, examples and `fixtures/`, small files (< 4 KiB) under `data/` or
        `seed/`, well-known sample databases (Chinook, Northwind…) and pickled models.
        Advisory.
    """
    why = """
        State written by one run and committed becomes part of every release: deploys ship a
        stale snapshot, each environment starts from the developer's data, and concurrent
        processes diverge from it at once. The code is stateless only if its state lives
        elsewhere.
    """
    fix = """
        Delete the files from the repository, add their paths to `.gitignore`, and build the
        index or database in an admin process (factor XII) into a backing service the app
        reaches by URL.
    """
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    unpinned_columns = {
        0: "its findings sit in two files (chroma_db/, faiss_index/): lines and columns cannot say which",
    }
    invalid = (
        Example.repo({
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "chroma_db/chroma.sqlite3": "SQLite format 3\n",
            "faiss_index/index.faiss": "faiss\n",
            "faiss_index/index.pkl": "pickle\n",
        }, lines=(1,), message="holds runtime state in the source tree"),
        Example.repo({"memory/checkpoints.sqlite": "SQLite format 3\n"}, lines=(1,), columns=(1,),
            message="holds runtime state in the source tree"),
    )
    valid = (
        Example.repo({
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "tests/fixtures/index.faiss": "faiss\n",
            "data/seed.db": "SQLite format 3\n",
            "sql_agent/Chinook.db": "SQLite format 3\n",
            "models/intent_classifier.pkl": "pickle\n",
            "examples/rag/chroma.sqlite3": "SQLite format 3\n",
        }),
        Example.repo({"agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n"}),
        Example.repo({
            ".gitignore": "chroma_db/\n*.sqlite3\n",
            "chroma_db/chroma.sqlite3": "SQLite format 3\n",
            "agent/app.py": "import chromadb\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None  # a tree without runtime state files passes

    def check(self, repo: Repo) -> Iterable[Finding]:
        by_dir: dict[str, list[FileRef]] = {}
        for ref in repo.files:
            if ref.kind is FileKind.STATE and _committed_state(ref):
                by_dir.setdefault(posixpath.dirname(ref.path), []).append(ref)
        for directory, refs in sorted(by_dir.items()):
            shown = ", ".join(f"`{posixpath.basename(r.path)}` ({_size(r.size)})" for r in refs[:5])
            more = f" and {len(refs) - 5} more" if len(refs) > 5 else ""
            where = f"`{directory}/`" if directory else "The repository root"
            yield self.finding(
                refs[0].path, 1, 1,
                f"{where} holds runtime state in the source tree: {shown}{more}. Remove it, ignore the path in "
                ".gitignore, and build it in an admin process into a backing service")
