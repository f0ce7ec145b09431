"""Factor VIII — Concurrency: scale out through declared process types, one job per process."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, PythonRule, RepoRule
from tfa_lint.sources.pyproject import Pyproject

from .facts.commandline import segments
from .facts.processes import APP_CONSTRUCTORS, ProcessFacts, commands, traits
from .facts.projects import COLLECTORS as PROJECT_COLLECTORS
from .facts.projects import application_reason, projects

NOT_LONG_RUNNING = "single short-lived process"


def _applies(repo: Repo) -> str | None:
    return None if traits(repo).is_long_running else NOT_LONG_RUNNING


# -- TFA0801 ------------------------------------------------------------------------------------

def _declares_scripts(repo: Repo) -> bool:
    """Entry points packaged with the project: ``[project.scripts]``, Poetry scripts, console_scripts."""
    for art in repo.artifacts(FileKind.PYPROJECT):
        if isinstance(art, Pyproject):
            project = art.data.get("project")
            tool = art.data.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            if (isinstance(project, dict) and (project.get("scripts") or project.get("gui-scripts"))) or (
                    isinstance(poetry, dict) and poetry.get("scripts")):
                return True
    setup = [a for a in repo.artifacts(FileKind.SETUP_CFG)] + [
        a for a in repo.artifacts(FileKind.PYTHON) if a.name == "setup.py"]
    return any("console_scripts" in a.text for a in setup)


class NoDeclaredProcessTypes(RepoRule):
    id = "TFA0801"
    name = "no-declared-process-types"
    factor = 8
    severity = Severity.NOTE
    title = "No declared process types"
    collectors = PROJECT_COLLECTORS
    what = """
        The repository has a long-running entry — a web app object, or a module that starts a
        server or a service loop when run — but declares no process anywhere: no Procfile, no
        Dockerfile `CMD`/`ENTRYPOINT`, no compose `command`, no `[project.scripts]` (or Poetry
        scripts, `console_scripts`). Apps in tests, scripts and examples do not count, nor do
        those of a published library (an app factory its users embed and run themselves).
    """
    why = """
        The process model scales by process *type*: `web` runs 3 copies, `worker` 10. A
        repository that only says "run `python bot.py` in tmux" in its README leaves each
        operator to guess what to start, how, and how many — nothing a process manager can scale.
    """
    fix = """
        Declare each process type once, where the platform reads it: a Procfile
        (`web: uvicorn agent.app:app --host 0.0.0.0 --port $PORT`, `worker: python -m agent.worker`),
        the Dockerfile's `CMD`, compose `command`s, or `[project.scripts]` entry points.
    """
    invalid = (
        Example.repo({
            "bot.py": """
                import time

                from agent import handle_next_message


                def main():
                    while True:
                        handle_next_message()
                        time.sleep(1)


                if __name__ == "__main__":
                    main()
            """,
            "README.md": "Run `python bot.py` in tmux.\n",
        }, lines=(7,)),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/health")
            def health() -> dict:
                return {"ok": True}
        """, "agent/api.py", lines=(3,)),
    )
    valid = (
        Example.repo({
            "Procfile": "web: uvicorn agent.api:app --host 0.0.0.0 --port $PORT\nworker: python -m agent.worker\n",
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "1.0"\n\n[project.scripts]\nagent-serve = "agent.api:main"\n',
            "agent/api.py": """
                import os

                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()


                def main():
                    uvicorn.run(app, host="0.0.0.0", port=int(os.getenv("PORT", "8000")))
            """,
        }),
        Example.repo({
            "summarise.py": """
                import sys

                from agent import summarise

                if __name__ == "__main__":
                    print(summarise(sys.stdin.read()))
            """,
            "examples/demo_app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        # A published library's app factory: the embedding application declares the processes.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": """
                from flask import Flask


                def create_app(prefix="/"):
                    app = Flask(__name__)
                    app.config["PREFIX"] = prefix
                    return app
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo) or application_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if commands(repo) or _declares_scripts(repo):
            return
        found = projects(repo)
        entries = sorted((f for f in repo.all_facts if path_role(f.path) == "src" and (
            f.kind == "app" or (f.kind in ("server-run", "loop") and f.data.get("reachable")))
            and found.is_application(f.path)),  # a library's app factory is the embedding app's to run
            key=lambda f: (f.kind != "app", f.path, f.line))
        if not entries:
            return
        first = entries[0]
        what = {"app": f"defines a `{first.data.get('framework', 'web')}` app", "server-run": "starts a server",
                "loop": "runs a service loop"}[first.kind]
        others = len({f.path for f in entries}) - 1
        more = f" (and {others} more file{'s' if others > 1 else ''})" if others else ""
        yield self.finding(first.path, first.line, first.column,
                           f"{first.path} {what}{more}, but no process type is declared: add a Procfile "
                           "(`web: …`, `worker: …`), a Dockerfile CMD or `[project.scripts]` so the platform "
                           "knows what to run and can scale each type")


# -- TFA0802 ------------------------------------------------------------------------------------

_HOOK_DECORATOR_RE = re.compile(r"(on_event|on_startup|before_serving|before_first_request|listener|lifespan)")
#: A request or connection handler's decorator (`@app.get("/")`, `@router.websocket("/ws")`): work it
#: starts lives and ends with that request, once per request, not once per process.
_HANDLER_DECORATOR_RE = re.compile(r"\.(get|post|put|patch|delete|route|api_route|websocket|websocket_route)\(")
_SCHEDULER_RE = re.compile(r"^apscheduler\..*(Background|AsyncIO|Async|Gevent|Tornado|Twisted|Qt)Scheduler$")
_THREADS = {"threading.Thread": "thread", "multiprocessing.Process": "process",
            "multiprocessing.context.Process": "process"}
_TASKS = {"asyncio.create_task", "asyncio.ensure_future"}


@dataclass
class _Start:
    node: cst.CSTNode
    how: str
    runs: bool  # it runs a function (thread, process, task) rather than being the background work itself
    target: str | None = None  # that function, when it is a name of this module


def _is_forever(test: cst.BaseExpression) -> bool:
    """``while True`` / ``while 1``. Flag loops (``while not self.exit_flag``) are left out: in a
    web process they are as often a per-process helper (a watchdog, a flusher) as a job runner."""
    return (isinstance(test, cst.Name) and test.value == "True") or (
        isinstance(test, cst.Integer) and test.value == "1")


def _function_name(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


class BackgroundWorkInWebProcess(PythonRule):
    id = "TFA0802"
    name = "background-work-in-web-process"
    factor = 8
    severity = Severity.WARNING
    title = "Background or scheduled work runs inside the web process"
    collectors = (ProcessFacts,)
    what = """
        In a module that creates a web app (FastAPI, Flask, Starlette, gradio…), or in a
        startup/lifespan hook: an APScheduler `BackgroundScheduler`/`AsyncIOScheduler` started,
        `schedule.every(…)` jobs, or a `threading.Thread`, `multiprocessing.Process`,
        `asyncio.create_task` running a function of the same module that loops forever
        (`while True`). Not reported: one-shot tasks (no loop in the target, or a lambda per
        request), loops that end on a flag (`while not self.exit_flag`: often a per-process
        watchdog), tasks a request or WebSocket handler starts for its own connection (they end
        with it), FastAPI `BackgroundTasks.add_task`, worker modules that create no app, and
        tests, scripts and examples.
    """
    why = """
        A loop or scheduler inside the web process runs once per web replica: scale `web` to 4
        and the poller runs 4 times, each job is done 4 times, and scaling `web` down to 0 stops
        the background work. It also competes with requests for the same CPU and event loop,
        and dies with every deploy of the web tier.
    """
    fix = """
        Move the loop into its own process type (`worker: python -m agent.poller`, or a
        celery/arq/rq worker with a beat/cron scheduler) and let the web process only enqueue
        work; scale each type independently.
    """
    invalid = (
        Example.of("""
            import threading
            import time

            from fastapi import FastAPI

            from agent import poll_inbox, run_agent

            app = FastAPI()


            def poll_forever():
                while True:
                    for message in poll_inbox():
                        run_agent(message)
                    time.sleep(30)


            @app.on_event("startup")
            def start_poller():
                threading.Thread(target=poll_forever, daemon=True).start()
        """, "app.py", lines=(20,)),
        Example.of("""
            from apscheduler.schedulers.background import BackgroundScheduler as Scheduler
            from flask import Flask

            from agent import refresh_index

            app = Flask(__name__)
            scheduler = Scheduler()
            scheduler.add_job(refresh_index, "interval", minutes=10)
            scheduler.start()
        """, "web.py", lines=(9,)),
        Example.of("""
            import asyncio
            from contextlib import asynccontextmanager

            from fastapi import FastAPI


            async def sync_feeds():
                while True:
                    await refresh()
                    await asyncio.sleep(60)


            @asynccontextmanager
            async def lifespan(app: FastAPI):
                task = asyncio.create_task(sync_feeds())
                yield
                task.cancel()


            app = FastAPI(lifespan=lifespan)
        """, "main.py", lines=(15,)),
    )
    valid = (
        Example.of("""
            import asyncio

            from fastapi import BackgroundTasks, FastAPI

            app = FastAPI()


            async def warm_cache():
                await load_prompts()


            def send_summary(email: str) -> None:
                mail(email)


            @app.on_event("startup")
            async def startup():
                asyncio.create_task(warm_cache())


            @app.post("/summary")
            def summary(email: str, tasks: BackgroundTasks) -> dict:
                tasks.add_task(send_summary, email)
                return {"queued": True}
        """, "app.py"),
        Example.repo({
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/worker.py": """
                import threading
                import time

                from apscheduler.schedulers.background import BackgroundScheduler


                def heartbeat():
                    while True:
                        ping()
                        time.sleep(5)


                threading.Thread(target=heartbeat, daemon=True).start()
                scheduler = BackgroundScheduler()
                scheduler.start()
            """,
        }),
        Example.repo({
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "tests/test_app.py": """
                import threading

                from fastapi import FastAPI

                app = FastAPI()


                def serve():
                    while True:
                        pass


                threading.Thread(target=serve).start()
            """,
        }),
        Example.of("""
            import asyncio

            from fastapi import FastAPI, WebSocket

            app = FastAPI()


            async def pump_audio(ws: WebSocket, queue: asyncio.Queue) -> None:
                while True:
                    await ws.send_bytes(await queue.get())


            @app.websocket("/call")
            async def call(ws: WebSocket) -> None:
                await ws.accept()
                queue: asyncio.Queue = asyncio.Queue()
                sender = asyncio.create_task(pump_audio(ws, queue))
                try:
                    await converse(ws, queue)
                finally:
                    sender.cancel()
        """, "server.py"),
        Example.of("""
            import threading

            from flask import Flask

            app = Flask(__name__)


            exit_flag = False


            def watch_memory():
                while not exit_flag:
                    check_rss()


            def handle(job):
                threading.Thread(target=job.run).start()
                threading.Thread(target=lambda: job.retry(times=3)).start()


            threading.Thread(target=watch_memory, daemon=True).start()
        """, "api.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._has_app = False
        self._functions: list[str] = []
        self._hooks = 0  # depth of startup/lifespan hooks we are in
        self._handlers = 0  # depth of request/connection handlers we are in
        self._loops: dict[str, bool] = {}  # function name -> contains a service loop
        self._schedulers: set[str] = set()  # names holding a background scheduler
        self._starts: list[tuple[_Start, bool]] = []  # (start, inside a hook)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        self._loops.setdefault(node.name.value, False)
        decorators = " ".join(self.source_of(d.decorator) for d in node.decorators)
        hook = node.name.value == "lifespan" or (
            _HOOK_DECORATOR_RE.search(decorators) is not None and (
                "startup" in decorators or "before" in decorators or "lifespan" in decorators))
        self._hooks += hook
        self._handlers += _HANDLER_DECORATOR_RE.search(decorators) is not None

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        decorators = " ".join(self.source_of(d.decorator) for d in original_node.decorators)
        hook = original_node.name.value == "lifespan" or (
            _HOOK_DECORATOR_RE.search(decorators) is not None and (
                "startup" in decorators or "before" in decorators or "lifespan" in decorators))
        self._hooks -= hook
        self._handlers -= _HANDLER_DECORATOR_RE.search(decorators) is not None
        self._functions.pop()

    def visit_While(self, node: cst.While) -> None:
        if self._functions and _is_forever(node.test):
            self._loops[self._functions[-1]] = True

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call) and self._is_scheduler(node.value):
            for target in node.targets:
                self._schedulers.add(self.source_of(target.target))

    def _is_scheduler(self, call: cst.Call) -> bool:
        return any(_SCHEDULER_RE.match(n) for n in self.qualified_names(call.func))

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if names & APP_CONSTRUCTORS.keys():
            self._has_app = True
        start: _Start | None = None
        if kind := next((_THREADS[n] for n in names if n in _THREADS), None):
            target = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "target"), None)
            start = _Start(node, f"a {kind}", True, _function_name(target))
        elif names & _TASKS or (isinstance(node.func, cst.Attribute) and node.func.attr.value == "create_task"):
            coroutine = node.args[0].value if node.args else None
            if isinstance(coroutine, cst.Call):
                start = _Start(node, "an asyncio task", True, _function_name(coroutine.func))
        elif "schedule.every" in names:
            start = _Start(node, "`schedule` jobs", False)
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("start", "start_in_background"):
            receiver = node.func.value
            if (isinstance(receiver, cst.Call) and self._is_scheduler(receiver)) or (
                    self.source_of(receiver) in self._schedulers):
                start = _Start(node, "an APScheduler scheduler", False)
        if start is not None and self.file.role == "src" and not self._handlers:
            self._starts.append((start, self._hooks > 0))

    def leave_Module(self, original_node: cst.Module) -> None:
        for start, in_hook in self._starts:
            if not (self._has_app or in_hook):
                continue  # a worker module: background loops are its job
            if start.runs and not (start.target and self._loops.get(start.target)):
                continue  # a one-shot task, a lambda, or a target defined elsewhere
            runs = f" running `{start.target}()`, which loops forever," if start.target else ""
            self.report(start.node,
                        f"The web process starts {start.how}{runs} in the background: every web replica runs "
                        "it again and it stops when web is scaled down. Move it to its own process type "
                        "(e.g. `worker: python -m agent.poller`) and enqueue work from the web process")


# -- TFA0803 ------------------------------------------------------------------------------------

_PID_RE = re.compile(r"\.pid['\"]?$")
_DAEMON_CALLS = {"daemon.DaemonContext": "daemon.DaemonContext", "daemon.runner.DaemonRunner": "daemon.runner",
                 "daemonize.Daemonize": "daemonize.Daemonize"}


class DaemonFacts(FactCollector):
    """Code that detaches the process from its supervisor or writes a PID file."""

    name = "daemonize"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._functions: list[dict[str, cst.CSTNode]] = [{}]  # per function: os.fork / os.setsid calls
        self._pid_names: set[str] = set()  # module names holding a "*.pid" path
        self._gunicorn_conf = re.search(r"(^|/)gunicorn[\w.-]*\.py$", file.path) is not None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append({})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._check_fork(self._functions.pop())

    def leave_Module(self, original_node: cst.Module) -> None:
        self._check_fork(self._functions[0])

    def _check_fork(self, calls: dict[str, cst.CSTNode]) -> None:
        if "os.fork" in calls and "os.setsid" in calls:
            self.record("daemonize", calls["os.setsid"], how="`os.fork()` + `os.setsid()` detach the process")

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._pid_path(node.value):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self._pid_names.add(target.target.value)
        if (self._gunicorn_conf and len(self._functions) == 1 and isinstance(node.value, cst.Name)
                and node.value.value == "True" and any(isinstance(t.target, cst.Name) and t.target.value == "daemon"
                                                       for t in node.targets)):
            self.record("daemonize", node, how="gunicorn `daemon = True` detaches the server")

    def _pid_path(self, expr: cst.BaseExpression) -> bool:
        """A path ending in ``.pid``: a literal, an f-string, ``os.path.join(…, "x.pid")``, a ``/`` join."""
        if isinstance(expr, cst.Name):
            return expr.value in self._pid_names
        strings = [expr] if isinstance(expr, (cst.SimpleString, cst.FormattedString)) else []
        if isinstance(expr, cst.Call) and expr.args:
            strings = [expr.args[-1].value]
        if isinstance(expr, cst.BinaryOperation):
            strings = [expr.right]
        return any(isinstance(s, (cst.SimpleString, cst.FormattedString)) and _PID_RE.search(self.source_of(s))
                   for s in strings)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        for name in names & {"os.fork", "os.setsid"}:
            self._functions[-1].setdefault(name, node)
        for name in names & _DAEMON_CALLS.keys():
            self.record("daemonize", node, how=f"`{_DAEMON_CALLS[name]}` detaches the process")
        if names & {"builtins.open", "os.open"} and node.args and self._pid_path(node.args[0].value):
            mode = next((a.value for a in node.args[1:2] if a.keyword is None), None) or next(
                (a.value for a in node.args if a.keyword is not None and a.keyword.value in ("mode", "flags")), None)
            if mode is not None and re.search(r"[wax]|O_CREAT|O_WRONLY", self.source_of(mode)):
                self.record("pid-file", node, how="writes a PID file")
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("write_text", "write_bytes"):
            path = node.func.value
            if isinstance(path, cst.Call) and path.args and self._pid_path(path.args[0].value):
                self.record("pid-file", node, how="writes a PID file")


class SelfDaemonization(RepoRule):
    id = "TFA0803"
    name = "self-daemonization"
    factor = 8
    severity = Severity.WARNING
    title = "Process daemonizes itself or writes a PID file"
    collectors = (DaemonFacts, ProcessFacts)
    what = """
        Code that detaches from its parent — `os.fork()` and `os.setsid()` in one function,
        python-daemon's `DaemonContext`, `daemonize.Daemonize`, gunicorn `daemon = True` — or
        writes a `*.pid` file; and declared commands (Procfile, Dockerfile `CMD`/`ENTRYPOINT`,
        compose `command`) that run a process with `nohup`, in the background with `&`, or
        `gunicorn --daemon`/`-D`, `celery multi`. `threading.Thread(daemon=True)` is not
        daemonization and is not reported; neither are tests and examples.
    """
    why = """
        Twelve-factor processes never daemonize or write PID files: the platform's process
        manager (systemd, Docker, Kubernetes, the Procfile runner) starts them in the
        foreground, watches them, restarts them and collects their output. A detached process
        escapes all of that — the container's main process exits (or is a shell that is not
        waiting), crashes go unnoticed, SIGTERM never reaches it and its logs are lost; a stale
        PID file blocks the next start.
    """
    fix = """
        Run the process in the foreground and let the platform supervise it: drop `nohup`,
        `&`, `--daemon` and the fork/`DaemonContext` code, and run one process per container
        (`CMD ["gunicorn", "agent.app:app"]`); start a second process as its own process type.
    """
    invalid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                WORKDIR /app
                COPY . .
                CMD nohup python agent.py &
            """,
            "agent.py": "while True:\n    step()\n",
        }, lines=(4,)),
        Example.repo({
            "Procfile": "web: gunicorn -D -b 0.0.0.0:$PORT agent.app:app\n",
            "agent/service.py": """
                import os
                import sys

                PID_FILE = "/var/run/agent.pid"


                def detach():
                    if os.fork():
                        sys.exit(0)
                    os.setsid()
                    with open(PID_FILE, "w") as fh:
                        fh.write(str(os.getpid()))
            """,
        }, lines=(1, 10, 11)),
        Example.repo({
            "docker-compose.yml": """
                services:
                  agent:
                    build: .
                    command: ["sh", "-c", "ollama serve & python -m agent.worker"]
            """,
            "agent/worker.py": "while True:\n    step()\n",
        }, lines=(4,)),
    )
    valid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["sh", "-c", "python migrate.py && exec python -m agent.worker 2>&1"]
            """,
            "agent/worker.py": """
                import threading

                threading.Thread(target=heartbeat, daemon=True).start()
                while True:
                    step()
            """,
        }),
        Example.repo({
            "Procfile": "web: gunicorn -b 0.0.0.0:$PORT agent.app:app\n",
            "agent/app.py": """
                import os
                import subprocess

                from flask import Flask

                app = Flask(__name__)


                def run_tool(argv):
                    return subprocess.run(argv, preexec_fn=os.setsid, check=False)


                def pid_of(path):
                    with open(path.with_suffix(".pid")) as fh:
                        return int(fh.read())
            """,
        }),
        Example.repo({
            "docker-compose.yml": """
                services:
                  refresher:
                    image: agent:1.0
                    entrypoint: "sh -c 'trap exit TERM; while true; do python -m agent.refresh; sleep 1h & wait $$!; done'"
            """,
            "agent/refresh.py": "refresh_index()\n",
        }),
        Example.repo({
            "docker-compose.yml": """
                services:
                  models:
                    image: ollama/ollama:0.5.7
                    entrypoint: ["/bin/sh", "-c"]
                    command:
                      - |
                        ollama serve &
                        sleep 5
                        ollama pull small-model
                        wait
                  agent:
                    build: .
                    command: ["python", "-m", "agent.worker"]
            """,
            "agent/worker.py": "while True:\n    step()\n",
        }),
        Example.repo({
            "Procfile": "web: uvicorn agent.app:app --host 0.0.0.0 --port $PORT\n",
            "tests/test_daemon.py": """
                import daemon

                with daemon.DaemonContext():
                    pass
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for fact in repo.all_facts:
            if fact.kind in ("daemonize", "pid-file") and path_role(fact.path) in ("src", "script"):
                yield self.finding(fact.path, fact.line, fact.column,
                                   f"{fact.data['how'][0].upper()}{fact.data['how'][1:]}: a twelve-factor process "
                                   "runs in the foreground and leaves supervision to the platform (Docker, "
                                   "Kubernetes, the Procfile runner): remove it")
        for cmd in commands(repo):
            how = _detaches(cmd.words)
            if how:
                yield self.finding(cmd.path, cmd.line, 1,
                                   f"{cmd.name} {how}: the platform can no longer supervise, signal or restart "
                                   "it. Run one process per process type, in the foreground")


def _detaches(words: tuple[str, ...]) -> str | None:
    """How a command line detaches a process from its supervisor, if it does."""
    parts = segments(words)
    for index, segment in enumerate(parts):
        program = segment.program
        name = program[0].rsplit("/", 1)[-1] if program else ""
        if any(w == "nohup" for w in segment.words[: len(segment.words) - len(program)]):
            return f"runs `{name}` under `nohup`"
        # `sleep 1h & wait $!`, or `server & …; wait`: the shell still waits for it (and can trap TERM),
        # so the job stays under the container's supervision, even if the shell does not pass SIGTERM on.
        waited = (index + 1 < len(parts) and parts[index + 1].program[:1] == ("wait",)) or any(
            later.program == ("wait",) for later in parts[index + 1:])
        if segment.background and not waited:
            return f"runs `{name}` in the background with `&`"
        if name == "gunicorn" and any(w in ("-D", "--daemon") for w in program):
            return "runs gunicorn with `--daemon`"
        if name == "celery" and len(program) > 1 and "multi" in program[1:3]:
            return "runs `celery multi`, which daemonizes its workers"
    return None
