"""TFA0603 — Conversation or agent state kept on the local disk."""

from __future__ import annotations

import ast
import re

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import Example

from ..facts.processes import ProcessFacts, long_running_reason
from ._shared import _ConsoleAware, fstring_text, is_single_literal

_STATE_PATH_RE = re.compile(r"(?i)(^|[/_.\-{}\s])(memory|memories|histor(y|ies)|sessions?|conversations?|chats?|"
                            r"states?|threads?|checkpoints?)([/_.\-{}\s]|$)")
_SQLITE_CONNECT = {"sqlite3.connect", "aiosqlite.connect"}
_SQLITE_SAVERS = {"langgraph.checkpoint.sqlite.SqliteSaver", "langgraph.checkpoint.sqlite.aio.AsyncSqliteSaver"}
_SQL_WRITE_RE = re.compile(r"(?i)\b(insert\s+(or\s+\w+\s+)?into|update\s+\w+\s+set|delete\s+from|create\s+table|"
                           r"replace\s+into)\b|\.commit\(")
_CHROMA = ("langchain_chroma.Chroma", "langchain_chroma.vectorstores.Chroma", "langchain_community.vectorstores.Chroma",
           "langchain_community.vectorstores.chroma.Chroma", "langchain.vectorstores.Chroma")
_DISKCACHE = {"diskcache.Cache", "diskcache.FanoutCache", "diskcache.Index", "diskcache.Deque"}
_PATH_CALLS = {"os.path.join", "pathlib.Path", "pathlib.PurePath", "os.path.dirname", "os.path.abspath",
               "os.path.realpath", "os.path.expanduser", "os.path.normpath"}
_MEMORY_PATHS = (":memory:", "file::memory:", "")


def _writes(mode: str) -> bool:
    return any(c in mode for c in "wax+")


def _arg(node: ast.Call, position: int, *keywords: str) -> ast.expr | None:
    for k in node.keywords:
        if k.arg in keywords:
            return k.value
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    return positional[position] if len(positional) > position else None


class LocalFilesystemState(_ConsoleAware):
    id = "TFA0603"
    name = "local-filesystem-state"
    factor = 6
    severity = Severity.WARNING
    title = "Conversation or agent state kept on the local disk"
    collectors = (ProcessFacts,)
    what = """
        Service or worker code that keeps durable state in files next to the process: a SQLite
        database it writes (`sqlite3.connect("app.db")` with inserts or commits), a
        `SqliteSaver` checkpointer on a file, a Chroma `PersistentClient(path=…)` or
        `Chroma(persist_directory=…)`, FAISS `save_local(…)`, LlamaIndex
        `storage_context.persist(…)`, a `diskcache.Cache(dir)`, `shelve`, or `open(…, "w"/"a")`
        and `Path(…).write_text` on a path named for memory, history, sessions, chats, threads
        or state. Paths are judged when literal or module constants. Not reported: paths from
        the environment or config (a mounted volume may be meant), `tempfile` and `/tmp`,
        `:memory:` databases, read-only SQLite, console chats, Streamlit scripts, one-off
        commands (a `__main__` block, no server or service loop), and tests, scripts and examples.
    """
    why = """
        A container's or dyno's filesystem is ephemeral and private: the file disappears on
        the next deploy or restart, and each replica writes its own copy, so users see
        different histories depending on which process serves them. Durable state belongs in a
        backing service that every process reaches through a URL.
    """
    fix = """
        Store it in a backing service named in config: Postgres or Redis for sessions and
        checkpoints (`PostgresSaver`), a vector database server (Chroma `HttpClient`, pgvector,
        Qdrant) for indexes, object storage for files. If a mounted volume is really meant,
        read its path from the environment.
    """
    invalid = (
        Example.of("""
            import json

            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat/{session_id}")
            def chat(session_id: str, message: str) -> dict:
                with open(f"sessions/{session_id}.json", "a") as fh:
                    json.dump({"message": message}, fh)
                return {"ok": True}
        """, "app.py", lines=(10,), columns=(10,), message="State kept on the local disk"),
        Example.of("""
            import sqlite3 as sql

            import chromadb
            from fastapi import FastAPI
            from langgraph.checkpoint.sqlite import SqliteSaver

            DB_PATH = "data/agent.db"
            app = FastAPI()
            client = chromadb.PersistentClient(path="./chroma_db")
            checkpointer = SqliteSaver.from_conn_string("checkpoints.sqlite")


            @app.post("/feedback")
            def feedback(text: str) -> dict:
                conn = sql.connect(DB_PATH)
                conn.execute("INSERT INTO feedback VALUES (?)", (text,))
                conn.commit()
                return {"ok": True}
        """, "app.py", lines=(9, 10, 15), columns=(10, 16, 12), message="State kept on the local disk"),
    )
    valid = (
        Example.of("""
            import json
            import os
            import sqlite3
            import tempfile

            import chromadb
            from fastapi import FastAPI

            DATA_DIR = os.environ["DATA_DIR"]
            app = FastAPI()
            client = chromadb.PersistentClient(path=os.environ["CHROMA_PATH"])


            @app.post("/chat/{session_id}")
            def chat(session_id: str, message: str) -> dict:
                with open(os.path.join(DATA_DIR, f"{session_id}.history.json"), "w") as fh:
                    json.dump({"message": message}, fh)
                with open("/tmp/chat_state.json", "w") as fh:
                    fh.write(message)
                with tempfile.NamedTemporaryFile("w", suffix="session.json") as fh:
                    fh.write(message)
                with open("history.json") as fh:
                    return json.load(fh)


            def lookup(album: str) -> list:
                return sqlite3.connect("Chinook.db").execute("SELECT * FROM albums WHERE title = ?", (album,)).fetchall()


            cache = sqlite3.connect(":memory:")
        """, "app.py"),
        Example.repo({
            "Procfile": "worker: python -m agent.worker\n",
            "agent/worker.py": """
                import json
                import os


                def save_report(report: dict) -> None:
                    with open("report.json", "w") as fh:
                        json.dump(report, fh)


                def open_session(storage_context) -> None:
                    storage_context.persist(persist_dir=os.environ["INDEX_DIR"])
            """,
        }),
        Example.repo({
            "Procfile": "web: uvicorn agent.app:app\n",
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "scripts/build_index.py": """
                from langchain_community.vectorstores import FAISS

                FAISS.from_texts(["a"], None).save_local("faiss_index")
            """,
            "agent/chat_cli.py": """
                history = []
                while True:
                    history.append(input("> "))
                    with open("chat_history.txt", "a") as fh:
                        fh.write(history[-1])
            """,
            "tests/test_store.py": 'import sqlite3\n\nsqlite3.connect("test.db").commit()\n',
            "agent/ingest.py": """
                from llama_index.core import VectorStoreIndex


                def build(docs):
                    VectorStoreIndex.from_documents(docs).storage_context.persist("./storage")


                if __name__ == "__main__":
                    build([])
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._constants: dict[str, ast.expr] = {}
        # (call, path expression or None for the library's default, what, path must name state)
        self._candidates: list[tuple[ast.Call, ast.expr | None, str, bool]] = []
        self._sqlite: list[tuple[ast.Call, ast.expr]] = []

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.semantic.at_module_level(node) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self._constants.setdefault(node.targets[0].id, node.value)

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        self._note_call(node, names)
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else None
        if names & _SQLITE_CONNECT:
            path = _arg(node, 0, "database")
            if path is not None:
                self._sqlite.append((node, path))
        elif any(n.endswith(".from_conn_string") and n.rsplit(".", 1)[0] in _SQLITE_SAVERS for n in names):
            self._candidates.append((node, _arg(node, 0, "conn_string"), "a SqliteSaver checkpointer", False))
        elif names & _SQLITE_SAVERS:
            inner = _arg(node, 0, "conn")
            if isinstance(inner, ast.Call) and self.qualified_names(inner.func) & _SQLITE_CONNECT:
                self._candidates.append((node, _arg(inner, 0, "database"), "a SqliteSaver checkpointer", False))
        elif "chromadb.PersistentClient" in names:
            self._candidates.append((node, _arg(node, 0, "path") or ast.Constant("./chroma"),
                                     "a Chroma PersistentClient", False))
        elif any(n.startswith(_CHROMA) for n in names):
            path = _arg(node, 99, "persist_directory")
            if path is not None:
                self._candidates.append((node, path, "a Chroma persist_directory", False))
        elif names & _DISKCACHE:
            path = _arg(node, 0, "directory")
            if path is not None:
                self._candidates.append((node, path, "a diskcache", False))
        elif "shelve.open" in names:
            self._candidates.append((node, _arg(node, 0, "filename"), "a shelve", False))
        elif method == "save_local" and _arg(node, 0, "folder_path") is not None:
            self._candidates.append((node, _arg(node, 0, "folder_path"), "a FAISS index saved", False))
        elif method == "persist" and self._is_storage_context(func.value):  # type: ignore[union-attr]
            path = _arg(node, 0, "persist_dir") or ast.Constant("./storage")
            self._candidates.append((node, path, "a LlamaIndex storage context persisted", False))
        elif "builtins.open" in names:
            mode = _arg(node, 1, "mode")
            if (isinstance(mode, ast.Constant) and isinstance(mode.value, (str, bytes))
                    and is_single_literal(mode, self.semantic) and _writes(str(mode.value))):
                self._candidates.append((node, _arg(node, 0, "file"), "a file written", True))
        elif method in ("write_text", "write_bytes") and isinstance(func.value, ast.Call):  # type: ignore[union-attr]
            inner = func.value  # type: ignore[union-attr]
            if self.qualified_names(inner.func) & {"pathlib.Path", "pathlib.PurePath"}:
                self._candidates.append((node, inner, "a file written", True))

    @staticmethod
    def _is_storage_context(receiver: ast.expr) -> bool:
        name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", None)
        return name == "storage_context"

    def _path(self, node: ast.expr | None, depth: int = 0) -> str | None:
        """A path as text when it is built from literals and module constants ("{}" for
        interpolated values); None when any part comes from elsewhere (env, config, a call).
        Only a single literal counts: libcst read an implicit concatenation as no path."""
        if node is None or depth > 8:
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str) and is_single_literal(node, self.semantic):
                return node.value
            return None
        if isinstance(node, ast.JoinedStr):
            return fstring_text(node, self.semantic) if is_single_literal(node, self.semantic) else None
        if isinstance(node, ast.Name):
            if node.id == "__file__":
                return "."
            const = self._constants.get(node.id)
            return self._path(const, depth + 1) if const is not None and const is not node else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
            left, right = self._path(node.left, depth + 1), self._path(node.right, depth + 1)
            if left is None or right is None:
                return None
            return f"{left}/{right}" if isinstance(node.op, ast.Div) else left + right
        if isinstance(node, ast.Attribute) and node.attr in ("parent", "stem"):
            return self._path(node.value, depth + 1)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("resolve", "absolute", "expanduser"):
                return self._path(func.value, depth + 1)
            if self.qualified_names(func) & _PATH_CALLS:
                # libcst's arguments without a name: positional, then ``*args``, then ``**kwargs``.
                unnamed = [a.value if isinstance(a, ast.Starred) else a for a in node.args]
                unnamed += [k.value for k in node.keywords if k.arg is None]
                parts = [self._path(a, depth + 1) for a in unnamed]
                return None if not parts or any(p is None for p in parts) else "/".join(parts)  # type: ignore[arg-type]
        return None

    def _local(self, path: str | None) -> bool:
        """A path on this machine's disk that no configuration chose."""
        if path is None or path.startswith("{}"):
            return False  # from the environment or config: perhaps a mounted volume
        return path not in _MEMORY_PATHS and not path.startswith(("/tmp", "/var/tmp", "/dev/", "file::memory"))

    def leave_Module(self, module: ast.Module) -> None:
        if self._skipped:
            return
        writes_sql = bool(_SQL_WRITE_RE.search(self.file.text))
        # A SQLite file only counts when the module writes to it (text-to-SQL agents read sample databases).
        found = [(node, path, "a SQLite database written", False) for node, path in self._sqlite
                 if writes_sql and "mode=ro" not in (self._path(path) or "")] + self._candidates
        reported: set[int] = set()
        for node, expr, what, named in found:
            path = self._path(expr)
            if not self._local(path) or (named and not _STATE_PATH_RE.search(path or "")):
                continue
            line = self.position(node)[0]
            if line in reported:
                continue
            reported.add(line)
            self.report(node, f"State kept on the local disk ({what}: `{path}`): it disappears on redeploy and "
                              "each replica has its own copy. Keep it in a backing service whose URL comes from "
                              "config (Postgres, Redis, a vector database server)")
