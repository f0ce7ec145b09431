"""TFA0802 — Background or scheduled work runs inside the web process."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import AstRule, Example

from ..facts.ast_nodes import callee_name, keyword
from ..facts.ast_source import argument_values
from ..facts.ports import CstSource
from ..facts.processes import APP_CONSTRUCTORS, ProcessFacts
from ._shared import _applies

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
    node: ast.Call
    how: str
    runs: bool  # it runs a function (thread, process, task) rather than being the background work itself
    target: str | None = None  # that function, when it is a name of this module


def _is_forever(source: str, test: ast.expr) -> bool:
    """``while True`` / ``while 1``. Flag loops (``while not self.exit_flag``) are left out: in a
    web process they are as often a per-process helper (a watchdog, a flusher) as a job runner."""
    return (isinstance(test, ast.Constant) and test.value is True) or source == "1"


def _function_name(expr: ast.expr | None) -> str | None:
    return callee_name(expr) if expr is not None else None


class BackgroundWorkInWebProcess(AstRule):
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
        """, "app.py", lines=(20,), columns=(5,), message="starts a thread running `poll_forever()`"),
        Example.of("""
            from apscheduler.schedulers.background import BackgroundScheduler as Scheduler
            from flask import Flask

            from agent import refresh_index

            app = Flask(__name__)
            scheduler = Scheduler()
            scheduler.add_job(refresh_index, "interval", minutes=10)
            scheduler.start()
        """, "web.py", lines=(9,), columns=(1,), message="starts an APScheduler scheduler"),
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
        """, "main.py", lines=(15,), columns=(12,), message="starts an asyncio task running `sync_feeds()`"),
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
        self._hooks: dict[ast.AST, tuple[bool, bool]] = {}  # def -> (startup/lifespan hook, request handler)
        self._loops: dict[str, bool] = {}  # function name -> contains a service loop
        self._schedulers: set[str] = set()  # names holding a background scheduler
        self._starts: list[tuple[_Start, bool]] = []  # (start, inside a hook)
        self._cst_source = CstSource(file)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._loops.setdefault(node.name, False)
        decorators = " ".join(self.source_of(d) for d in node.decorator_list)
        hook = node.name == "lifespan" or (
            _HOOK_DECORATOR_RE.search(decorators) is not None and (
                "startup" in decorators or "before" in decorators or "lifespan" in decorators))
        self._hooks[node] = (hook, _HANDLER_DECORATOR_RE.search(decorators) is not None)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_While(self, node: ast.While) -> None:
        function = self.semantic.enclosing_function(node)
        if function is not None and _is_forever(self.source_of(node.test), node.test):
            self._loops[function.name] = True  # type: ignore[union-attr]

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and self._is_scheduler(node.value):
            for target in node.targets:
                self._schedulers.add(self._cst_source(target))

    def _is_scheduler(self, call: ast.Call) -> bool:
        return any(_SCHEDULER_RE.match(n) for n in self.qualified_names(call.func))

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        if names & APP_CONSTRUCTORS.keys():
            self._has_app = True
        start: _Start | None = None
        if kind := next((_THREADS[n] for n in names if n in _THREADS), None):
            start = _Start(node, f"a {kind}", True, _function_name(keyword(node, "target")))
        elif names & _TASKS or (isinstance(node.func, ast.Attribute) and node.func.attr == "create_task"):
            args = argument_values(node)
            coroutine = args[0] if args else None
            if isinstance(coroutine, ast.Call):
                start = _Start(node, "an asyncio task", True, _function_name(coroutine.func))
        elif "schedule.every" in names:
            start = _Start(node, "`schedule` jobs", False)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("start", "start_in_background"):
            receiver = node.func.value
            if (isinstance(receiver, ast.Call) and self._is_scheduler(receiver)) or (
                    self._schedulers and self._cst_source(receiver) in self._schedulers):
                start = _Start(node, "an APScheduler scheduler", False)
        if start is not None and self.file.role == "src":
            # Inside a def (its decorators and defaults too): a startup hook's, or a request
            # handler's, whose work ends with its request.
            in_hook = in_handler = False
            for ancestor in self.semantic.ancestors(node):
                if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    hook, handler = self._hooks[ancestor]
                    in_hook, in_handler = in_hook or hook, in_handler or handler
            if not in_handler:
                self._starts.append((start, in_hook))

    def leave_Module(self, node: ast.Module) -> None:
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
