"""Factor IX — Disposability: fast start-up, graceful shutdown on SIGTERM."""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable

import libcst as cst

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import ArtifactRule, Example, FactCollector, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile

from .facts.commandline import is_admin_command, segments
from .facts.processes import (
    Command,
    ProcessFacts,
    commands,
    is_main_guard,
    long_running_reason,
    resolve_module,
    traits,
)
from .facts.projects import COLLECTORS as PROJECT_COLLECTORS
from .facts.projects import application_reason, projects

_INITS = ("tini", "dumb-init", "s6-svscan", "/init", "catatonit")


class NoSigtermHandler(RepoRule):
    id = "TFA0901"
    name = "no-sigterm-handler"
    factor = 9
    severity = Severity.WARNING
    title = "Long-running process without SIGTERM handling"
    collectors = PROJECT_COLLECTORS
    what = """
        A process that runs until it is killed — a `while True` service loop, `serve_forever()`,
        `run_forever()` or Flask's development server — started from a declared entry
        (Procfile, Dockerfile `CMD`, compose `command`) or a `__main__` block, in a repository
        that installs no SIGTERM handler anywhere. Processes run by a server that handles
        SIGTERM itself (uvicorn, gunicorn, celery, aiohttp's `run_app`, python-telegram-bot's
        `run_polling`…) are not reported, nor is code of a published library or CLI that
        deploys no service of its own (a demo entry, a local viewer a subcommand serves until
        Ctrl-C): only application projects are judged.
    """
    why = """
        Platforms stop processes with SIGTERM (`docker stop`, Kubernetes, Heroku, a
        scale-down) and SIGKILL them after a grace period. Without a handler the in-flight
        job or request is cut off mid-way; worse, as PID 1 in a container Python ignores
        SIGTERM altogether, so every deploy waits out the grace period and then kills the
        process anyway. Disposable processes finish or hand back their current work and exit.
    """
    fix = """
        Install a handler that stops taking new work, finishes (or re-queues) the current
        job and exits: `signal.signal(signal.SIGTERM, handler)` or, in asyncio,
        `loop.add_signal_handler(signal.SIGTERM, stop.set)`. Or run the app under a server
        that does this for you (uvicorn, gunicorn).
    """
    invalid = (
        Example.of("""
            import time

            from agent import run_next_job


            def main():
                while True:
                    run_next_job()
                    time.sleep(1)


            if __name__ == "__main__":
                main()
        """, "worker.py", lines=(7,)),
        Example.of("""
            from agent.web import create_app

            app = create_app()

            if __name__ == "__main__":
                app.run(host="0.0.0.0", port=5000)
        """, "main.py", lines=(6,)),
        Example.of("""
            from flask import Flask
            from flask_socketio import SocketIO

            app = Flask(__name__)
            socketio = SocketIO(app)

            if __name__ == "__main__":
                socketio.run(app, host="0.0.0.0")
        """, "devika.py", lines=(8,)),
        Example.repo({
            "Procfile": "web: python server.py\n",
            "server.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler

                HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()
            """,
        }, lines=(3,)),
        # Published as a package, and deployed: the image runs the package's server module.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "trace-hub"
                version = "2.0.0"
                classifiers = ["Framework :: AsyncIO"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\nCMD ["python", "-m", "trace_hub.server"]\n',
            "trace_hub/server.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler


                def main():
                    HTTPServer(("", 8000), SimpleHTTPRequestHandler).serve_forever()


                if __name__ == "__main__":
                    main()
            """,
        }, lines=(5,)),
    )
    valid = (
        Example.of("""
            import signal
            import time

            from agent import run_next_job

            running = True


            def stop(signum, frame):
                global running
                running = False


            def main():
                signal.signal(signal.SIGTERM, stop)
                while running:
                    run_next_job()
                    time.sleep(1)


            if __name__ == "__main__":
                main()
        """, "worker.py"),
        Example.of("""
            import uvicorn
            from fastapi import FastAPI

            app = FastAPI()

            if __name__ == "__main__":
                uvicorn.run(app, host="0.0.0.0", port=8000)
        """, "server.py"),
        Example.of("""
            def chat():
                while True:
                    question = input("> ")
                    print(answer(question))


            if __name__ == "__main__":
                chat()
        """, "cli.py"),
        Example.repo({
            "Procfile": "web: uvicorn app:app\n",
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run()
            """,
        }),
        # A published CLI's local viewer, served from one of its subcommands until Ctrl-C.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "trace-runner"
                version = "1.2.0"
                classifiers = ["Environment :: Console"]

                [project.scripts]
                trace-runner = "trace_runner.cli:main"
            """,
            "trace_runner/viewer.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler


                def main():
                    HTTPServer(("127.0.0.1", 8000), SimpleHTTPRequestHandler).serve_forever()


                if __name__ == "__main__":
                    main()
            """,
        }),
        # A published library's demo entry, run on a laptop or a hosted notebook.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
            "main.py": """
                import flowboard

                app = flowboard.create_app()

                if __name__ == "__main__":
                    app.run(host="0.0.0.0", port=8080)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo) or application_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        runtime = [f for f in repo.all_facts if path_role(f.path) in ("src", "script")]
        if any(f.kind == "sigterm-handler" for f in runtime):
            return
        declared = bool(commands(repo))
        entries = traits(repo).entry_files
        found = projects(repo)
        for fact in runtime:
            if fact.kind not in ("loop", "server-run") or not fact.data.get("reachable"):
                continue
            if not found.is_application(fact.path):
                continue  # a library's demo or a CLI's local viewer: not a deployed process
            if fact.data.get("handles_sigterm"):
                continue
            if (declared and fact.path not in entries) or (not declared and path_role(fact.path) != "src"):
                continue  # not what the declared processes run
            where = {"<module>": "at module level", "<main>": "in the `__main__` block"}.get(
                fact.data["scope"], f"in `{fact.data['scope']}()`")
            if fact.kind == "loop":
                what = f"Service loop {where} runs until killed"
            else:
                what = f"`{fact.data['runner']}` {where} serves until killed"
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"{what}, and no SIGTERM handler is installed: on stop or scale-down the in-flight "
                "work is cut off (as PID 1 the process ignores SIGTERM and is SIGKILLed). Install "
                "`signal.signal(signal.SIGTERM, handler)` that finishes the current job and exits.")


class ShellFormCommand(ArtifactRule):
    id = "TFA0902"
    name = "shell-form-cmd"
    factor = 9
    severity = Severity.WARNING
    title = "Shell-form CMD/ENTRYPOINT keeps SIGTERM from the process"
    kinds = (FileKind.DOCKERFILE,)
    runtime_only = True
    what = """
        A final-stage `CMD` or `ENTRYPOINT` written in shell form (`CMD python app.py`), or in
        exec form around a shell (`["sh", "-c", "migrate && python app.py"]`), whose last
        command is not started with `exec`. Images whose exec-form `ENTRYPOINT` is an init
        (tini, dumb-init) are not reported, nor one-off job images whose every command is an
        admin task (`make migrate && python migrate_data.py`): they run to completion.
    """
    why = """
        The shell form runs `/bin/sh -c "…"` as PID 1. The shell does not forward SIGTERM
        to its child, so the application never learns it should shut down and is SIGKILLed
        when the stop grace period ends (Docker's own build check `JSONArgsRecommended`).
    """
    fix = """
        Use the exec form: `CMD ["python", "-m", "agent.worker"]`. If you need shell
        features, end the script with `exec "$@"` or prefix the command with `exec`.
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD python /app/agent.py
        """, "Dockerfile", lines=(3,)),
        Example.of("""
            FROM python:3.12-slim
            ENTRYPOINT ["sh", "-c", "python migrate.py && python worker.py"]
        """, "Dockerfile", lines=(2,)),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD ["python", "/app/agent.py"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD exec uvicorn app:app --host 0.0.0.0 --port "$PORT"
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD ["sh", "-c", "python migrate.py && exec python worker.py"]
        """, "Dockerfile"),
        Example.of("""
            FROM agent:1.4.2
            COPY copy_sessions.py .
            ENTRYPOINT sh -c "make migrate && python migrate_sessions.py"
        """, "jobs/session-migration/Dockerfile"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, Dockerfile)
        stage = artifact.final_stage
        if stage is None:
            return
        entry = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"][-1:]
        if entry and entry[0].exec_form and entry[0].exec_form[0].rsplit("/", 1)[-1] in _INITS:
            return
        for ins in entry + [i for i in stage.instructions if i.keyword == "CMD"][-1:]:
            args = ins.exec_form
            if args is None:
                script, form = ins.value, "Shell-form"
            elif len(args) >= 3 and args[0].rsplit("/", 1)[-1] in _SHELLS and args[1] == "-c":
                script, form = args[2], f"`{args[0]} -c`"
            else:
                continue
            if _EXEC_RE.search(script):
                continue
            steps = segments((script,))
            if steps and all(is_admin_command(step.words) for step in steps):
                continue  # a one-off job (migrations) that runs to completion: nothing to stop gracefully
            yield self.finding(
                artifact.path, ins.line, 1,
                f"{form} {ins.keyword} makes a shell PID 1, and it does not pass SIGTERM on; {_advice(ins.keyword, script)}")


_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_EXEC_RE = re.compile(r"(^|&&|;|\|\|)\s*exec\s")
_SHELL_SYNTAX_RE = re.compile(r"&&|\|\||;|\||[<>`]|\$\(")


def _advice(keyword: str, script: str) -> str:
    if _SHELL_SYNTAX_RE.search(script):
        return ("start the last command with `exec` (`… && exec python worker.py`) or move the steps into an "
                'entrypoint script that ends with `exec "$@"`')
    if "$" in script:
        return f"keep the variables and prefix the command with `exec`: {keyword} exec {script.strip()}"
    try:
        return f"write it in exec form: {keyword} {json.dumps(shlex.split(script))}"
    except ValueError:
        return f"prefix the command with `exec`: {keyword} exec {script.strip()}"


# -- TFA0903: heavy work at import time ----------------------------------------------------------

#: Qualified names of calls that load a model when they run.
_MODEL_LOADS = {"transformers.pipeline", "sentence_transformers.SentenceTransformer",
                "sentence_transformers.CrossEncoder", "spacy.load",
                "langchain_huggingface.HuggingFaceEmbeddings", "langchain_community.embeddings.HuggingFaceEmbeddings",
                "langchain.embeddings.HuggingFaceEmbeddings"}
_FETCHES = {"nltk.download", "requests.get", "requests.post", "httpx.get", "httpx.post"}
#: Declared processes that exist to do heavy one-off work (factor XII's admin processes).
_ADMIN_RE = re.compile(r"(?i)(release|migrat|ingest|index|embed|seed|backfill|cleanup|purge|load|build|setup|"
                       r"init|download|prepare|bootstrap)")
_STEP_SEPARATORS = {"&&", "||", ";", "|"}


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
    entries = set(traits(repo).app_files) | {f.path for f in repo.facts("app")}
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
    for fact in repo.facts("module-imports"):
        if fact.path not in entries or path_role(fact.path) != "src":
            continue
        for path in _resolve_imports(fact.path, fact.data["exact"], fact.data["absolute"], python, by_suffix):
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
        }, lines=(4,)),
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
        }, lines=(3,)),
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
        for fact in repo.facts("import-time-call"):
            if fact.path not in serving:
                continue
            importer = serving[fact.path]
            does, advice = _WORK_ADVICE[fact.data["work"]]
            calls = ", ".join(f"`{c}`" for c in fact.data["calls"])
            where = f"`{fact.path}` is imported by `{importer}`, so this" if importer else "This"
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"{where} module-scope call {calls} {does} when the process starts, before it can serve "
                f"requests; readiness probes fail until it is done. {advice}.")
