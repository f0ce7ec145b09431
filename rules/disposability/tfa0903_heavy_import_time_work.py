"""TFA0903 — Heavy work at import time of the serving process."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.import_time_work import ImportTimeCallFact, ImportTimeWork, ModuleImportsFact
from ..facts.processes import AppFact, Command, ProcessFacts, commands, long_running_reason, resolve_module, traits

#: Declared processes that exist to do heavy one-off work (factor XII's admin processes).
_ADMIN_RE = re.compile(r"(?i)(release|migrat|ingest|index|embed|seed|backfill|cleanup|purge|load|build|setup|"
                       r"init|download|prepare|bootstrap)")
_STEP_SEPARATORS = {"&&", "||", ";", "|"}


def _last_step(words: tuple[str, ...]) -> tuple[str, ...]:
    """The process a command ends up running: `python ingest.py && python -m app` runs `app`."""
    last: list[str] = []
    for word in words:
        last = [] if word in _STEP_SEPARATORS else [*last, word]
    return tuple(last)


def _serving_modules(repo: Repo) -> dict[str, str | None]:
    """Modules a serving or long-running process imports at start: its entry and app modules
    (value None) and the repository modules those import at module scope (value: the importer)."""
    if "serving-modules" in repo.memo:
        return repo.memo["serving-modules"]
    entries = set(traits(repo).app_files) | {f.path for f in repo.facts(AppFact)}
    for cmd in commands(repo):
        if _ADMIN_RE.search(cmd.name):
            continue  # a release/ingest process is where heavy one-off work belongs
        step = Command(cmd.path, cmd.line, _last_step(cmd.words), cmd.name)
        for target in step.python_targets():
            path = resolve_module(repo, target)
            if path and not _ADMIN_RE.search(posixpath.basename(path)):
                entries.add(path)
    out: dict[str, str | None] = {p: None for p in entries if path_role(p) == "src"}
    python = set(repo.files_of(FileKind.PYTHON))
    by_suffix = _paths_by_suffix(python)
    for fact in repo.facts(ModuleImportsFact):
        if fact.path not in entries or path_role(fact.path) != "src":
            continue
        for path in _resolve_imports(fact.path, fact.data.exact, fact.data.absolute, python, by_suffix):
            if path_role(path) == "src":
                out.setdefault(path, fact.path)
    repo.memo["serving-modules"] = out
    return out


def _paths_by_suffix(paths: set[str]) -> dict[str, list[str]]:
    """Each path under every tail of it that starts after a "/" (``a/b/c.py``: ``b/c.py``, ``c.py``)."""
    index: dict[str, list[str]] = {}
    for path in paths:
        cut = path.find("/")
        while cut != -1:
            index.setdefault(path[cut + 1:], []).append(path)
            cut = path.find("/", cut + 1)
    return index


def _resolve_imports(importer: str, exact: list[str], absolute: list[str], python: set[str],
                     by_suffix: dict[str, list[str]]) -> set[str]:
    found: set[str] = set()
    here = posixpath.dirname(importer)
    for module in exact:
        found |= {c for c in (f"{module}.py", f"{module}/__init__.py") if c in python}
    for module in absolute:
        for cand in (f"{module}.py", f"{module}/__init__.py"):
            local = posixpath.join(here, cand) if here else cand
            if cand in python or local in python:
                found.add(cand if cand in python else local)
            elif "/" in module:  # a src/ layout: only a dotted path is specific enough to match by suffix
                matches = by_suffix.get(cand, [])
                if len(matches) == 1:
                    found.add(matches[0])
    found.discard(importer)
    return found


_WORK_ADVICE = {
    "model": ("loads a model",
              ("Load it in a lifespan/startup hook (and bake the weights into the image) so the server binds its "
               "port at once and a readiness probe reports when the model is ready")),
    "index": ("builds an index from documents",
              ("Build and persist the index in an admin process (a one-off job) and have the app load the "
               "prebuilt index from a backing service")),
    "fetch": ("calls the network",
              ("Fetch at build time (a Dockerfile `RUN`) or in a lifespan/startup hook with a timeout, so a "
               "readiness probe can report the dependency")),
    "sleep": ("sleeps",
              ("Wait for dependencies with retries in a lifespan/startup hook and let a readiness probe report "
               "not-ready meanwhile")),
}


class ImportTimeStartupWork(RepoRule):
    id = "TFA0903"
    name = "heavy-import-time-work"
    factor = 9
    severity = Severity.NOTE
    title = "Heavy work at import time of the serving process"
    collectors = (ProcessFacts, ImportTimeWork)
    what = """
        A module-scope call (not in a function, not under `if __name__ == "__main__":`) that
        loads a model (`transformers` `from_pretrained`/`pipeline`, `SentenceTransformer`,
        `spacy.load`), builds a vector index from documents (LangChain `from_documents`/`from_texts`,
        LlamaIndex `VectorStoreIndex.from_documents`, `SimpleDirectoryReader(...).load_data()`),
        calls the network (`requests`/`httpx` `get`/`post`, `nltk.download`) or sleeps, in a
        module a declared server or worker imports at start: its app or entry module, or a
        repository module those import at module scope. Declared admin processes (`release:`,
        ingest or migrate jobs) and tests, scripts and examples are not reported. Advisory.
    """
    why = """
        Disposable processes start in seconds. Work done while the app module is imported runs
        before the server even binds its port: every start, restart and scale-out waits for it,
        readiness and liveness probes fail or time out meanwhile, and each replica repeats the
        same download or indexing.
    """
    fix = """
        Move model loading into a lifespan/startup hook (FastAPI `lifespan`) so the process binds
        at once and a readiness probe reports when it is ready; build indexes in an admin process
        and load the persisted result; download data at build time.
    """
    invalid = (
        Example.repo({
            "Procfile": "web: uvicorn app:app --port $PORT\n",
            "app.py": """
                from fastapi import FastAPI
                from llama_index.core import SimpleDirectoryReader, VectorStoreIndex

                index = VectorStoreIndex.from_documents(SimpleDirectoryReader("docs").load_data())
                app = FastAPI()
            """,
        }, lines=(4,), columns=(9,), message="builds an index from documents when the process starts"),
        Example.repo({
            "agent/server.py": """
                from fastapi import FastAPI

                from agent.embed import encode

                app = FastAPI()
            """,
            "agent/embed.py": """
                from sentence_transformers import SentenceTransformer as ST

                model = ST("all-MiniLM-L6-v2")


                def encode(text: str) -> list[float]:
                    return model.encode(text).tolist()
            """,
        }, lines=(3,), columns=(9,), message="loads a model when the process starts"),
    )
    valid = (
        Example.of("""
            from contextlib import asynccontextmanager

            from fastapi import FastAPI
            from sentence_transformers import SentenceTransformer

            models = {}


            @asynccontextmanager
            async def lifespan(app: FastAPI):
                models["embed"] = SentenceTransformer("all-MiniLM-L6-v2")
                yield


            app = FastAPI(lifespan=lifespan)
        """, "app.py"),
        Example.repo({
            "Procfile": "release: python ingest.py\nweb: uvicorn app:app\n",
            "ingest.py": """
                from langchain_community.vectorstores import FAISS
                from langchain_openai import OpenAIEmbeddings

                from loaders import load_docs

                FAISS.from_documents(load_docs(), OpenAIEmbeddings()).save_local("index")
            """,
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "Procfile": "worker: python poller.py\n",
            "poller.py": """
                import time

                import requests

                while True:
                    requests.post("http://localhost:8000/tick", timeout=5)
                    time.sleep(5)
            """,
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "scripts/warm_cache.py": """
                import requests

                requests.get("http://localhost:8000/health")
            """,
            "tests/test_app.py": """
                from transformers import pipeline

                classifier = pipeline("sentiment-analysis")
            """,
        }),
        Example.of("""
            import time

            import requests
            from fastapi import FastAPI

            app = FastAPI()


            def sleep(seconds: float) -> None:
                time.sleep(seconds)


            @app.get("/weather")
            def weather(city: str) -> dict:
                return requests.get("https://wttr.in/" + city, timeout=5).json()


            if __name__ == "__main__":
                requests.post("https://hooks.example.com/started", timeout=5)
        """, "app.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        serving = _serving_modules(repo)
        for fact in repo.facts(ImportTimeCallFact):
            if fact.path not in serving:
                continue
            importer = serving[fact.path]
            does, advice = _WORK_ADVICE[fact.data.work]
            calls = ", ".join(f"`{c}`" for c in fact.data.calls)
            where = f"`{fact.path}` is imported by `{importer}`, so this" if importer else "This"
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"{where} module-scope call {calls} {does} when the process starts, before it can serve "
                f"requests; readiness probes fail until it is done. {advice}.")
