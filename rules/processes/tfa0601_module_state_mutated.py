"""TFA0601 — Request handler keeps request data in a module-level variable."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import AstRule, Example
from tfa_lint.semantic import SemanticModel

from ..facts.ast_nodes import callee_name
from ..facts.processes import ProcessFacts, long_running_reason
from ._shared import is_single_literal

_CONTAINER_CALLS = {
    "builtins.dict", "builtins.list", "builtins.set", "collections.defaultdict", "collections.OrderedDict",
    "collections.deque", "collections.Counter",
}
#: Methods that store something in a container. Removals (pop, discard, clear…) store nothing.
_STORING_METHODS = {"append", "extend", "insert", "update", "setdefault", "add", "appendleft", "extendleft",
                    "__setitem__"}
_KEYED_METHODS = {"setdefault", "__setitem__"}  # first argument is the key
#: Look-ups that return the stored entry itself: mutating what they return grows that entry.
_ENTRY_METHODS = {"get", "setdefault"}
_STATE_NAME_RE = re.compile(r"(?i)(history|memory|conversation|session|chat|message|thread|context|state|store|"
                            r"user|current|last|counter|count|buffer|queue|result|pending|active|total)")
_INIT_NAME_RE = re.compile(r"(?i)(lifespan|startup|^_?init|^_?setup|initiali[sz]e|^_?load|^_?register|^_?configure|"
                           r"^__init_subclass__$)")
_INIT_DECORATOR_RE = re.compile(r"(on_event|before_first_request|before_serving|on_startup|listener|fixture)")
#: Annotations of per-process resources (locks, thread handles, connection engines), not application state.
_RESOURCE_ANNOTATION_RE = re.compile(r"\b(R?Lock|(Bounded)?Semaphore|Condition|Thread|(Async)?Engine|Redis)\b")
#: Decorators (``@<app>.<attr>(…)``) that run a function per request, event or job: FastAPI, Flask,
#: Starlette, Quart and Sanic routes and middleware, Socket.IO, Slack Bolt, Discord, aiogram and
#: pyTelegramBotAPI events, Celery, Huey and Dramatiq tasks, APScheduler's scheduled jobs.
_HANDLER_DECORATORS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket",
    "websocket_route", "middleware", "before_request", "after_request", "on", "event", "message",
    "message_handler", "callback_query_handler", "task", "actor", "scheduled_job",
})
_HANDLER_DECORATOR_NAMES = frozenset({"celery.shared_task", "dramatiq.actor", "rq.decorators.job"})
_HANDLER_DECORATOR_LAST = frozenset(n.rsplit(".", 1)[1] for n in _HANDLER_DECORATOR_NAMES)
#: Handlers of a socket's own life: a websocket route, Socket.IO's connect and disconnect events.
_CONNECTION_DECORATORS = frozenset({"websocket", "websocket_route"})
_CONNECTION_EVENTS = frozenset({"connect", "disconnect"})
_EMPTY_CALLS = frozenset({"dict", "list", "set", "deque", "defaultdict", "OrderedDict", "Counter"})
_REMOVING_METHODS = frozenset({"pop", "remove", "discard", "popitem", "clear"})
#: Frameworks that hand a handler its request as a module-level proxy: module -> proxy names.
_REQUEST_PROXIES = {"flask": {"request"}, "quart": {"request", "websocket"}}
#: Calls that register the function passed to them as a handler: Flask and Starlette routes,
#: Gradio interfaces and event listeners, python-telegram-bot handlers.
_REGISTRATIONS = frozenset({
    "add_url_rule", "add_api_route", "add_route", "add_websocket_route", "add_api_websocket_route",
    "ChatInterface", "Interface", "click", "submit", "change", "input", "select", "upload", "then",
    "success", "load", "CommandHandler", "MessageHandler", "CallbackQueryHandler",
})
#: Calls that run the function passed to them as a job, in a worker or on a schedule: RQ's
#: ``queue.enqueue(f, …)``, APScheduler's ``scheduler.add_job(f, …)``, and ``schedule``'s
#: ``every(…).do(f)`` (see ``_schedules``).
_JOB_REGISTRATIONS = frozenset({"enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "add_job"})
#: arq's worker declaration: ``class WorkerSettings: functions = [f, func(g, …)]; cron_jobs = [cron(h)]``.
_ARQ_SETTINGS_FIELDS = frozenset({"functions", "cron_jobs"})
#: Calls returning a live handle (a task, thread or future): a registry of them keeps them alive.
_HANDLE_CALLS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe", "submit", "Thread",
                           "Process", "Timer", "start_soon", "spawn"})
#: Clock readings: an entry holding one is a timestamp (a throttle, a TTL, a start time).
_CLOCK_CALLS = frozenset({"time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "now", "utcnow"})
#: The nodes whose ``value`` field libcst's ``Return`` reading looked through.
_VALUE_FIELD = (ast.Attribute, ast.Subscript, ast.NamedExpr, ast.Yield, ast.DictComp)


def _fills_template(target: ast.Subscript, semantic: SemanticModel) -> bool:
    """``SPEC["parameters"]["enum"] = …``: a fixed slot of a non-state container overwritten
    per call (a template), unlike ``sessions[sid] = …`` or ``STATE["user"] = …``."""
    node: ast.expr = target
    while isinstance(node, ast.Subscript):
        index = node.slice
        if not (isinstance(index, ast.Constant) and (
                type(index.value) is int
                or (isinstance(index.value, (str, bytes)) and is_single_literal(index, semantic)))):
            return False
        node = node.value
    return isinstance(node, ast.Name) and not _STATE_NAME_RE.search(node.id)


def _call_args(node: ast.Call) -> list[ast.expr]:
    """A call's argument values in source order, as libcst's ``Call.args`` lists them:
    positional, ``*args``, ``name=value`` and ``**kwargs`` alike (stars and names left off)."""
    if not node.keywords:
        return [a.value if isinstance(a, ast.Starred) else a for a in node.args]
    ordered = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))
    return [a.value if isinstance(a, (ast.Starred, ast.keyword)) else a for a in ordered]


def _entry_path(expr: ast.expr) -> tuple[ast.expr, int, list[ast.expr]]:
    """``C[k].items``, ``C.setdefault(k, [])`` → (``C``, how deep into it, the key expressions)."""
    depth, keys = 0, []
    while True:
        if isinstance(expr, ast.Subscript):
            keys.append(expr.slice)
            expr = expr.value
        elif isinstance(expr, ast.Attribute):
            expr = expr.value
        elif (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
              and expr.func.attr in _ENTRY_METHODS):
            keys += _call_args(expr)[:1]
            expr = expr.func.value
        else:
            return expr, depth, keys
        depth += 1


def _is_lookup_of(node: ast.AST, container: str | None) -> bool:
    """``C[k]`` or ``C.get(k, 0)``: reading the container's own entry."""
    if container is None:
        return False
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id == container
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == container)


def _constant_name(node: ast.AST) -> str | None:
    """``True``, ``False`` and ``None``: names in libcst, so a value's reads count them (a value
    of a handle and ``None`` is no handle alone)."""
    if isinstance(node, ast.Constant) and (node.value is None or node.value is True or node.value is False):
        return str(node.value)
    return None


@dataclass
class _Value:
    """What an expression reads: its names (a container's reads of itself left out), clocks, itself."""
    names: set[str] = field(default_factory=set)
    clock: bool = False
    self_ref: bool = False
    handle: bool = False


def _read(nodes: Iterable[ast.AST | None], container: str | None = None) -> _Value:
    value = _Value()
    stack = [n for n in nodes if n is not None]
    for node in stack:
        if isinstance(node, ast.Call) and callee_name(node.func) in _HANDLE_CALLS:
            value.handle = True
    while stack:
        node = stack.pop()
        if _is_lookup_of(node, container):
            value.self_ref = True
            continue
        if isinstance(node, ast.Name):
            value.names.add(node.id)
        elif isinstance(node, (ast.Attribute, ast.keyword)):  # a keyword's name is no read
            stack.append(node.value)
        elif isinstance(node, ast.Lambda):
            continue
        elif (constant := _constant_name(node)) is not None:
            value.names.add(constant)
        else:
            if isinstance(node, ast.Call) and callee_name(node.func) in _CLOCK_CALLS:
                value.clock = True
            stack.extend(ast.iter_child_nodes(node))
    return value


@dataclass
class _Frame:
    name: str
    params: set[str]
    init_time: bool
    parent: _Frame | None = None
    top_level: bool = False  # a module-level function, callable by its bare name
    handler: bool = False  # registered to run per request, event or job
    connection: bool = False  # runs for one socket's connection: a websocket route, connect/disconnect
    globals: set[str] = field(default_factory=set)
    returns_param: bool = False
    none_checked: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)  # module names the function returns
    callees: set[str] = field(default_factory=set)  # bare names it calls or passes on (callbacks)
    lookups: set[str] = field(default_factory=set)  # module containers it reads by key or tests membership of
    flows: list[tuple[set[str], ast.AST]] = field(default_factory=list)  # local targets <- value
    aliases: dict[str, tuple[str, list[ast.AST]]] = field(default_factory=dict)  # local -> container, keys
    tainted: set[str] = field(default_factory=set)  # names holding request input
    clocks: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)


@dataclass
class _Event:
    """A function storing into a module-level name. What the key and the value read is worked
    out only for the few events in functions that serve requests."""
    name: str
    frame: _Frame
    node: ast.AST
    key_nodes: list[ast.AST] = field(default_factory=list)
    value_nodes: list[ast.AST] = field(default_factory=list)
    depth: int = 1  # 1: an entry or element of the container; more: inside an entry (it grows)
    keyed: bool = False  # stored under a key (`C[k] = v`, `C.setdefault(k, v)`, `S.add(k)`), not appended
    rebinding: bool = False
    augmented: bool = False

    @functools.cached_property
    def keys(self) -> _Value:
        return _read(self.key_nodes)

    @functools.cached_property
    def value(self) -> _Value:
        return _read(self.value_nodes, None if self.rebinding else self.name)


class ModuleStateMutated(AstRule):
    id = "TFA0601"
    name = "module-state-mutated"
    factor = 6
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "Request handler keeps request data in a module-level variable"
    collectors = (ProcessFacts,)
    what = """
        A module-level container (`{}`, `[]`, `set()`, `defaultdict(…)`, `deque()`…) or
        variable that code serving requests fills with request data. Code serving requests is
        a function registered as a route, websocket, middleware, Socket.IO/Slack/Telegram event
        handler, Celery, Huey or Dramatiq task, RQ job (`queue.enqueue(f, …)`), arq function
        (`WorkerSettings.functions`), scheduled job (APScheduler's `add_job(f, …)` and
        `@scheduler.scheduled_job`, `schedule.every(…).do(f)`), or Gradio callback (a Celery
        `tasks.py` included); a function nested in one; and a
        function of the same file that one of those calls or queues by name
        (`background.add_task(run, job_id)`). Request data is what its parameters (and Flask's
        `request`) hold, and every local computed from them, stored as a value or used as a
        key: `history.append(message)`, `sessions[sid].append(…)`, `jobs[job_id]["status"] =
        …`, `global current_user; current_user = user`. Not reported, as per-process
        machinery: writes no request reaches (start-up, registries, command-line tools,
        libraries); caches that are looked up before they are filled and whose entries are
        never changed in place (memo, TTL and client caches, warn-once sets); counters and
        timestamps per key; sets that keep tasks alive (`task.add_done_callback(tasks.discard)`)
        and other live handles; registries of a socket emptied when it disconnects; lazy
        singletons; bounded containers (`deque(maxlen=…)`, `if len(x) > N`); templates a
        function fills in and returns; test, script and example files.
    """
    why = """
        Process memory is lost on every restart and deploy, and not shared between replicas:
        with two workers, half the requests see a conversation history the other half do not
        have, and a job created on one replica is unknown to the next poll on the other.
        Processes must be stateless so they can be scaled out and replaced at will.
    """
    fix = """
        Keep state in a backing service keyed by session or user (Redis, Postgres, a
        LangGraph checkpointer with a database), and pass what a request needs explicitly.
        Caches, counters and registries of this process's own tasks or sockets may stay.
    """
    invalid = (
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            conversations: dict[str, list[str]] = {}


            @app.post("/chat/{session_id}")
            def chat(session_id: str, message: str) -> dict:
                conversations.setdefault(session_id, []).append(message)
                return {"turns": len(conversations[session_id])}
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            current_context = {}


            @app.post("/chat")
            def chat(user_id: str) -> dict:
                current_context["user"] = user_id
                return {"ok": True}
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        # A closure of a route appends each request's message to one list every client shares.
        Example.of("""
            from fastapi import FastAPI
            from fastapi.responses import StreamingResponse

            transcript: list[dict] = []


            def serve():
                app = FastAPI()

                @app.post("/v1/chat")
                async def chat(body: dict):
                    async def stream():
                        transcript.append({"role": "user", "content": body["messages"][-1]["content"]})
                        yield "ok"

                    return StreamingResponse(stream())

                return app
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        # Looked up before it is filled, like a cache, but each entry then grows with requests.
        Example.of("""
            from flask import Flask, request

            app = Flask(__name__)
            sessions: dict[str, list[str]] = {}


            @app.route("/chat/<sid>", methods=["POST"])
            def chat(sid):
                if sid not in sessions:
                    sessions[sid] = []
                sessions[sid].append(request.json["message"])
                return {"turns": len(sessions[sid])}
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        # A route named like set-up code (`register`) still runs per request.
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            accounts: dict[str, dict] = {}


            @app.post("/register")
            def register(email: str, name: str) -> dict:
                accounts[email] = {"name": name}
                return {"ok": True}
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        # Flask hands the request over as a module-level proxy, not a parameter.
        Example.of("""
            from flask import Flask, request

            app = Flask(__name__)
            transcript = []


            @app.post("/chat")
            def chat():
                text = request.get_json()["message"]
                transcript.append(text)
                return {"turns": len(transcript)}
        """, "app.py", lines=(4,), columns=(1,), message="holds request state"),
        # Written by a helper the handler calls, and by the background task it queues.
        Example.of("""
            import uuid

            from fastapi import BackgroundTasks, FastAPI

            app = FastAPI()
            histories: dict[str, list[str]] = {}
            jobs: dict[str, dict] = {}


            def remember(user_id: str, text: str) -> None:
                histories.setdefault(user_id, []).append(text)


            def run_job(job_id: str) -> None:
                jobs[job_id]["status"] = "done"


            @app.post("/ask")
            def ask(user_id: str, question: str, background: BackgroundTasks) -> dict:
                remember(user_id, question)
                job_id = uuid.uuid4().hex
                jobs[job_id] = {"status": "queued"}
                background.add_task(run_job, job_id)
                return {"job": job_id}
        """, "app.py", lines=(6, 7), columns=(1, 1), message="holds request state"),
        # A Gradio chat function keeps one history for every visitor.
        Example.of("""
            import gradio as gr

            chat_log: list[tuple[str, str]] = []


            def respond(message, history):
                chat_log.append((message, message.upper()))
                return chat_log[-1][1]


            demo = gr.ChatInterface(respond)
        """, "app.py", lines=(3,), columns=(1,), message="holds request state"),
        # Task queues' jobs are handlers too: a Celery task, an RQ job enqueued by name, arq's
        # functions, and jobs APScheduler and `schedule` run. Each worker process has its own copy.
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/tasks.py": """
                from celery import Celery

                celery_app = Celery("app")
                SEEN: set[str] = set()


                @celery_app.task(bind=True, max_retries=3)
                def dedupe(self, item_id: str) -> None:
                    SEEN.add(item_id)
            """,
            "app/jobs.py": """
                from redis import Redis
                from rq import Queue

                queue = Queue(connection=Redis())
                summaries: dict[str, str] = {}


                def summarize(doc_id: str, text: str) -> None:
                    summaries[doc_id] = text[:200]


                def submit(doc_id: str, text: str) -> None:
                    queue.enqueue(summarize, doc_id, text, job_timeout=60)
            """,
            "app/crawler.py": """
                from arq import cron

                progress: dict[str, int] = {}


                async def crawl(ctx, url: str) -> None:
                    pages = await ctx["http"].get(url)
                    progress[url] = len(pages)


                class WorkerSettings:
                    functions = [crawl]
                    cron_jobs = [cron(crawl, minute=0)]
            """,
            "app/schedules.py": """
                import schedule
                from apscheduler.schedulers.background import BackgroundScheduler

                latest_prices: dict[str, float] = {}
                alerts: list[str] = []
                digests: list[str] = []
                scheduler = BackgroundScheduler()


                def poll_price(symbol: str, feed) -> None:
                    latest_prices[symbol] = feed.price(symbol)


                def raise_alert(symbol: str) -> None:
                    alerts.append(f"{symbol} moved")


                @scheduler.scheduled_job("cron", hour=7, args=["ops"])
                def digest(team: str) -> None:
                    digests.append(team)


                scheduler.add_job(poll_price, "interval", minutes=1, args=["ACME", None])
                schedule.every(5).minutes.do(raise_alert, "ACME")
            """,
        }, message="holds request state"),
    )
    valid = (
        Example.of("""
            import logging
            from contextlib import asynccontextmanager
            from functools import lru_cache

            from fastapi import FastAPI

            logger = logging.getLogger(__name__)
            MODELS = ("gpt-4o", "gpt-4o-mini")
            TOOLS = {}
            ml_models = {}
            _client = None
            _cache = {}


            def tool(fn):
                TOOLS[fn.__name__] = fn
                return fn


            @asynccontextmanager
            async def lifespan(app):
                ml_models["embedder"] = object()
                yield
                ml_models.clear()


            def get_client():
                global _client
                if _client is None:
                    _client = object()
                return _client


            def cached(key, value):
                if len(_cache) > 1000:
                    _cache.clear()
                _cache[key] = value


            app = FastAPI(lifespan=lifespan)


            @app.post("/chat")
            def chat(session_id: str) -> dict:
                history = []
                history.append(session_id)
                return {"n": len(history)}
        """, "app.py"),
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/tools.py": """
                TOOL_SPEC = {"name": "execute", "parameters": {"language": {"enum": []}}}
                FUNCTION_SCHEMA = {"name": "run", "parameters": {"properties": {"language": {}}}}


                def build_tools(languages):
                    TOOL_SPEC["parameters"]["language"]["enum"] = [lang.lower() for lang in languages]
                    return [TOOL_SPEC]


                def call_llm(llm, languages):
                    FUNCTION_SCHEMA["parameters"]["properties"]["language"]["enum"] = languages
                    return llm.complete(functions=[FUNCTION_SCHEMA])
            """,
        }),
        Example.of("""
            seen = set()


            def main():
                for line in open("urls.txt"):
                    seen.add(line)
        """, "cli.py"),
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/sync.py": """
                import asyncio
                import threading

                _REFRESH_LOCKS: dict[str, asyncio.Lock] = {}
                _worker: threading.Thread | None = None
                PLUGINS = {}


                def lock_for(key: str) -> asyncio.Lock:
                    lock = _REFRESH_LOCKS.get(key)
                    if lock is None:
                        lock = _REFRESH_LOCKS[key] = asyncio.Lock()
                    return lock


                def start_worker() -> None:
                    global _worker
                    _worker = threading.Thread(target=print, daemon=True)
                    _worker.start()


                class Plugin:
                    def __init_subclass__(cls, name: str = "", **kw):
                        super().__init_subclass__(**kw)
                        PLUGINS[name] = cls
            """,
        }),
        # Derived data: memo and TTL caches, clients cached per configuration, lazy singletons
        # and their reset, lazy holders. Rebuilt on a miss, identical in every replica.
        Example.repo({
            "app/server.py": """
                from fastapi import FastAPI

                from app.lookups import display_name

                app = FastAPI()
                _SUMMARIES: dict[str, str] = {}


                @app.get("/users/{user_id}/summary")
                def summary(user_id: str, text: str) -> dict:
                    if text not in _SUMMARIES:
                        _SUMMARIES[text] = text[:100]
                    return {"summary": _SUMMARIES[text], "name": display_name(user_id)}
            """,
            "app/lookups.py": """
                import time

                _NAMES: dict[str, str] = {}
                _TOKENS: dict[str, tuple[float, str]] = {}
                _CLIENTS: dict[tuple[str, str], object] = {}
                _HOLDER = {"model": None}
                _store = None


                def display_name(user_id, directory=None):
                    name = _NAMES.get(user_id)
                    if name is None:
                        name = _NAMES[user_id] = directory.lookup(user_id) if directory else user_id
                    return name


                def scoped_token(scope, mint):
                    cached = _TOKENS.get(scope)
                    now = time.monotonic()
                    if cached and cached[0] > now:
                        return cached[1]
                    token = mint(scope)
                    _TOKENS[scope] = (now + 300, token)
                    return token


                def client_for(api_key, base_url, factory):
                    key = (api_key, base_url)
                    if key not in _CLIENTS:
                        _CLIENTS[key] = factory(api_key=api_key, base_url=base_url)
                    return _CLIENTS[key]


                def embedder(factory):
                    if _HOLDER["model"] is None:
                        _HOLDER["model"] = factory()
                    return _HOLDER["model"]


                def store(factory):
                    global _store
                    if _store is None:
                        _store = factory()
                    return _store


                def reset_store():
                    global _store
                    if _store is not None:
                        _store.close()
                    _store = None
            """,
        }),
        # asyncio's documented way to keep fire-and-forget tasks alive, here in a route handler.
        Example.of("""
            import asyncio

            from fastapi import FastAPI

            app = FastAPI()
            _pending: set[asyncio.Task] = set()


            async def _reindex(doc_id: str) -> None:
                await asyncio.sleep(0)


            @app.post("/documents/{doc_id}/reindex")
            async def reindex(doc_id: str) -> dict:
                task = asyncio.create_task(_reindex(doc_id))
                _pending.add(task)
                task.add_done_callback(_pending.discard)
                return {"queued": doc_id}
        """, "app.py"),
        # Per-process bookkeeping: warn-once sets, cooldowns, metrics counters, id generators,
        # round-robin indexes, logger registries, toggles, thread and resource registries,
        # loaded strings, ports. Losing any of it on restart loses nothing a user owns.
        Example.repo({
            "app/server.py": """
                import logging
                import time

                from fastapi import FastAPI

                app = FastAPI()
                log = logging.getLogger(__name__)
                _WARNED: set[str] = set()
                _last_refresh = 0.0
                request_count = 0
                _started: dict[str, float] = {}
                _calls: dict[str, list[float]] = {}


                @app.get("/models/{name}")
                def model_info(name: str) -> dict:
                    global _last_refresh, request_count
                    request_count += 1
                    _started[name] = time.monotonic()
                    _calls.setdefault(name, []).append(time.monotonic())
                    if name not in _WARNED and name.startswith("legacy-"):
                        _WARNED.add(name)
                        log.warning("model %s is deprecated", name)
                    if time.monotonic() - _last_refresh > 60:
                        _last_refresh = time.monotonic()
                    return {"name": name}
            """,
            "app/runtime.py": """
                import logging
                import socket
                import threading
                import time

                _seq = 0
                _last_ms = 0
                _key_index = 0
                _LOGGERS: set[str] = set()
                _FILE_HANDLERS: dict[str, logging.Handler] = {}
                _DEBUG_AREAS: dict[str, bool] = {}
                _THREAD_KEYS: dict[int, str] = {}
                _BROWSERS: dict[str, object] = {}
                _message_catalog: dict[str, dict[str, str]] = {}
                _PORTS: set[int] = set()
                _call_counts: dict[str, int] = {}


                def next_id() -> int:
                    global _seq, _last_ms
                    now = int(time.time() * 1000)
                    if now == _last_ms:
                        _seq += 1
                    else:
                        _seq = 0
                        _last_ms = now
                    return (now << 12) | _seq


                def next_key(keys: list[str]) -> str:
                    global _key_index
                    _key_index = (_key_index + 1) % len(keys)
                    return keys[_key_index]


                def get_logger(name: str) -> logging.Logger:
                    logger = logging.getLogger(name)
                    if name not in _LOGGERS:
                        _LOGGERS.add(name)
                        logger.addHandler(logging.StreamHandler())
                    return logger


                def add_file_handler(path: str) -> None:
                    handler = logging.FileHandler(path)
                    _FILE_HANDLERS[path] = handler
                    logging.getLogger().addHandler(handler)


                def toggle(area: str, on: bool) -> None:
                    _DEBUG_AREAS[area] = on


                def key_for_thread(keys: list[str]) -> str:
                    return _THREAD_KEYS.setdefault(threading.get_ident(), keys[len(_THREAD_KEYS) % len(keys)])


                def register_browser(client_id: str, browser: object) -> None:
                    _BROWSERS[client_id] = browser


                def set_translations(lang: str, strings: dict[str, str]) -> None:
                    _message_catalog[lang] = strings


                def allocate_port() -> int:
                    with socket.socket() as sock:
                        sock.bind(("127.0.0.1", 0))
                        port = sock.getsockname()[1]
                    _PORTS.add(port)
                    return port


                def count_call(name: str) -> None:
                    _call_counts[name] = _call_counts.get(name, 0) + 1
            """,
        }),
        # Per-connection registries: filled when a socket connects, emptied when it disconnects.
        # The connection itself lives in this process, so its bookkeeping does too.
        Example.repo({
            "app/server.py": """
                import socketio
                from fastapi import FastAPI, WebSocket

                app = FastAPI()
                sio = socketio.AsyncServer(async_mode="asgi")
                _peers: dict[str, dict] = {}
                _sockets: dict[str, WebSocket] = {}


                @sio.on("connect")
                async def on_connect(sid, environ, auth):
                    _peers[sid] = {"addr": environ.get("REMOTE_ADDR"), "token": (auth or {}).get("token")}


                @sio.event
                async def disconnect(sid):
                    _peers.pop(sid, None)


                @app.websocket("/ws/{client_id}")
                async def stream(websocket: WebSocket, client_id: str) -> None:
                    await websocket.accept()
                    _sockets[client_id] = websocket
                    try:
                        while True:
                            await websocket.send_text(await websocket.receive_text())
                    finally:
                        del _sockets[client_id]
            """,
        }),
        # Code that serves no request (a command-line session, a library's helpers) and a local
        # fallback used only when no shared store is configured.
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/cli_session.py": """
                _current_session = None
                _user_state: dict[str, str] = {}


                def set_current_session(session) -> None:
                    global _current_session
                    _current_session = session


                def remember(user: str, value: str) -> None:
                    _user_state[user] = value
            """,
            "app/outcomes.py": """
                _LOCAL_OUTCOMES: dict[str, str] = {}


                def store_outcome(cache, run_id: str, outcome: str) -> None:
                    if cache is None or not cache.shared:
                        _LOCAL_OUTCOMES[run_id] = outcome
                    else:
                        cache.set(f"outcome:{run_id}", outcome, ex=3600)
            """,
        }),
        # Jobs that keep no job data: a scheduled refresh of loaded configuration (no argument
        # reaches it), a processed-jobs counter, invoke's `tasks.py` (a build script), and a
        # `.do(…)` that is no `schedule` chain.
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/refresh.py": """
                import yaml
                from apscheduler.schedulers.background import BackgroundScheduler

                PROMPTS: dict[str, str] = {}
                scheduler = BackgroundScheduler()


                def reload_prompts() -> None:
                    with open("prompts.yaml") as handle:
                        PROMPTS.update(yaml.safe_load(handle))


                scheduler.add_job(reload_prompts, "interval", minutes=10)
            """,
            "app/worker.py": """
                from celery import Celery

                celery_app = Celery("app")
                processed = 0


                @celery_app.task
                def embed(doc_id: str) -> None:
                    global processed
                    processed += 1
            """,
            "tasks.py": """
                from invoke import task

                BUILT: list[str] = []


                @task
                def build(c, target="wheel"):
                    BUILT.append(target)
            """,
            "app/pipeline.py": """
                steps: list[str] = []


                def add_step(name: str) -> None:
                    steps.append(name)


                def build(graph) -> None:
                    graph.node("start").do(add_step)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._frames: dict[ast.AST, _Frame] = {}  # function node -> its frame
        self._all_frames: list[_Frame] = []
        self._containers: dict[str, ast.AST] = {}
        self._module_names: dict[str, ast.AST] = {}
        self._events: list[_Event] = []
        self._bounded: set[str] = set()
        self._init_calls: set[str] = set()
        self._resources: set[str] = set()  # module names annotated as locks, threads, engines
        self._registered: set[str] = set()  # function names passed to a handler registration
        self._task_sets: set[str] = set()  # names a done-callback reads (`t.add_done_callback(S.discard)`)
        self._targets: set[int] = set()  # ids of subscripts being written, not read
        self._released: set[str] = set()  # module names a connection handler removes entries from
        self._proxies: set[str] = set()  # local names of request proxies (`from flask import request`)

    # -- scopes -------------------------------------------------------------------------------
    def _frame(self, node: ast.AST) -> _Frame | None:
        """The frame of the innermost function around ``node``, its decorators, defaults and
        annotations included (they were visited inside it)."""
        function = self.semantic.enclosing_def(node)
        return self._frames.get(function) if function is not None else None

    def _at_top(self, statement: ast.stmt) -> bool:
        """A statement outside every function and class body."""
        return self.semantic.enclosing_function(statement) is None and self.semantic.enclosing_class(statement) is None

    def _is_handler(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        for decorator in node.decorator_list:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(func, ast.Attribute) and func.attr in _HANDLER_DECORATORS:
                return True
            if (isinstance(func, ast.Name) and func.id in _HANDLER_DECORATOR_LAST
                    and self.qualified_names(func) & _HANDLER_DECORATOR_NAMES):
                return True
        return False

    def _is_connection_handler(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """``@app.websocket(…)``, ``@sio.on("connect")``, ``@sio.event async def disconnect(sid)``."""
        for call in node.decorator_list:
            func = call.func if isinstance(call, ast.Call) else call
            if not isinstance(func, ast.Attribute):
                continue
            if func.attr in _CONNECTION_DECORATORS:
                return True
            if func.attr in ("on", "event"):
                event: object = node.name
                first = _call_args(call)[:1] if isinstance(call, ast.Call) else []
                if (first and isinstance(first[0], ast.Constant) and isinstance(first[0].value, (str, bytes))
                        and is_single_literal(first[0], self.semantic)):
                    event = first[0].value
                if event in _CONNECTION_EVENTS:
                    return True
        return False

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        decorators = " ".join(self.source_of(d) for d in node.decorator_list)
        args = node.args
        params = {a.arg for a in (*args.args, *args.posonlyargs, *args.kwonlyargs)}
        for star in (args.vararg, args.kwarg):
            if star is not None:
                params.add(star.arg)
        params -= {"self", "cls"}
        init_decorator = bool(_INIT_DECORATOR_RE.search(decorators))
        handler = not init_decorator and self._is_handler(node)
        parent = self._frame(node)
        # A route named `register` or `load_file`, or defined inside a set-up function, still runs per request.
        init = init_decorator or (not handler and (bool(_INIT_NAME_RE.search(node.name))
                                                   or (parent is not None and parent.init_time)))
        connection = (handler and self._is_connection_handler(node)) or (parent is not None and parent.connection)
        frame = _Frame(node.name, params, init, parent=parent,
                       top_level=parent is None and self.semantic.enclosing_class(node) is None, handler=handler,
                       connection=connection)
        self._frames[node] = frame
        self._all_frames.append(frame)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Global(self, node: ast.Global) -> None:
        frame = self._frame(node)
        if frame is not None:
            frame.globals.update(node.names)

    def visit_Return(self, node: ast.Return) -> None:
        frame = self._frame(node)
        if frame is None or node.value is None:
            return
        if isinstance(node.value, ast.Name) and node.value.id in frame.params:
            frame.returns_param = True
        # `return [SPEC]`, `return SPEC`: the container is a template rebuilt on every call.
        value = node.value
        if isinstance(value, (ast.List, ast.Tuple)):
            exprs = [e.value if isinstance(e, ast.Starred) else e for e in value.elts]
        else:
            # As libcst read it, through its `value` field: `return C[k]` counts `C`, and a bare
            # `return SPEC` nothing (a Name's value is its text).
            exprs = [value.value] if isinstance(value, _VALUE_FIELD) else []
        for expr in exprs:
            if isinstance(expr, ast.Name):
                frame.returned.add(expr.id)

    def visit_Compare(self, node: ast.Compare) -> None:
        frame = self._frame(node)
        if frame is not None and isinstance(node.left, ast.Name) and any(
                isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            frame.none_checked.add(node.left.id)
        if frame is not None:
            for op, comparator in zip(node.ops, node.comparators):
                if isinstance(op, (ast.In, ast.NotIn)) and isinstance(comparator, ast.Name):
                    frame.lookups.add(comparator.id)
        for side in (node.left, *node.comparators):
            if isinstance(side, ast.Call) and isinstance(side.func, ast.Name) and side.func.id == "len":
                first = _call_args(side)[:1]
                if first and isinstance(first[0], ast.Name):
                    self._bounded.add(first[0].id)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Name):
            frame = self._frame(node)
            if frame is not None:
                frame.none_checked.add(node.operand.id)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if id(node) not in self._targets and isinstance(node.value, ast.Name):
            frame = self._frame(node)
            if frame is not None:
                frame.lookups.add(node.value.id)

    # -- definitions, data flow and writes --------------------------------------------------------
    def _is_global(self, name: ast.Name) -> bool:
        return name.id in self.qualified_names(name)

    def _defines(self, frame: _Frame | None, target: ast.expr, value: ast.expr | None, node: ast.stmt) -> None:
        if frame is not None or not isinstance(target, ast.Name) or not self._at_top(node):
            return
        self._module_names.setdefault(target.id, node)
        if value is not None and self._is_container(value):
            self._containers.setdefault(target.id, node)

    def _is_container(self, value: ast.expr) -> bool:
        if isinstance(value, (ast.Dict, ast.List, ast.Set)):
            return True
        if isinstance(value, ast.Call):
            names = self.qualified_names(value.func)
            if names & _CONTAINER_CALLS:
                return not any(k.arg == "maxlen" for k in value.keywords)
        return False

    def _flow(self, frame: _Frame | None, target: ast.expr, value: ast.expr | None) -> None:
        """Local ``target = value``: the target holds what the value reads; an entry of a module
        container becomes an alias of it."""
        if frame is None or value is None:
            return
        targets = {n.id for n in _names_in_target(target)}
        if not targets:
            return
        frame.flows.append((targets, value))
        if isinstance(target, ast.Name) and target.id not in frame.globals:
            base, depth, keys = _entry_path(value)
            if depth and isinstance(base, ast.Name) and self._is_global(base):
                frame.aliases[target.id] = (base.id, keys)

    def _store(self, frame: _Frame | None, target: ast.expr, node: ast.AST, values: Iterable[ast.AST], *,
               extra_keys: Iterable[ast.AST] = (), growth: int = 0, augmented: bool = False,
               keyed: bool = False) -> None:
        """A write into what ``target`` names: ``C[k] = v``, ``C[k].items.append(v)``, ``alias.x = v``.
        ``growth`` is 1 when the write changes ``target`` in place rather than replacing it."""
        if frame is None:
            return
        base, depth, keys = _entry_path(target)
        if not isinstance(base, ast.Name):
            return
        key_nodes: list[ast.AST] = [*keys, *extra_keys]
        if base.id in frame.aliases and base.id not in frame.globals:
            name, alias_keys = frame.aliases[base.id]
            key_nodes += alias_keys
            depth += 1
        elif self._is_global(base):
            name = base.id
        else:
            return
        self._events.append(_Event(name, frame, node, key_nodes, list(values), depth + growth, augmented=augmented,
                                   keyed=keyed or bool(keys)))

    def visit_Assign(self, node: ast.Assign) -> None:
        frame = self._frame(node)
        self._note_arq_functions(node)
        for target in node.targets:
            self._defines(frame, target, node.value, node)
            if isinstance(target, (ast.Subscript, ast.Attribute)):
                self._mark_target(target)
                if isinstance(target, ast.Subscript) and _fills_template(target, self.semantic):
                    continue
                self._store(frame, target, node, [node.value])
            elif isinstance(target, ast.Name) and frame is not None and target.id in frame.globals:
                self._events.append(_Event(target.id, frame, node, value_nodes=[node.value], rebinding=True))
            else:
                self._flow(frame, target, node.value)

    def _note_arq_functions(self, node: ast.Assign) -> None:
        """``functions = [f, func(g, timeout=60)]`` in ``class WorkerSettings``: arq's jobs."""
        owner = self.semantic.parent(node)
        if not (isinstance(owner, ast.ClassDef) and owner.name == "WorkerSettings"
                and any(isinstance(t, ast.Name) and t.id in _ARQ_SETTINGS_FIELDS for t in node.targets)
                and isinstance(node.value, (ast.List, ast.Tuple))):
            return
        for element in node.value.elts:
            if isinstance(element, ast.Call) and element.args:  # `func(g, …)`, `cron(h, …)`
                element = element.args[0]
            if isinstance(element, ast.Name):
                self._registered.add(element.id)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        frame = self._frame(node)
        self._defines(frame, node.target, node.value, node)
        if isinstance(node.target, ast.Subscript):
            self._mark_target(node.target)
            self._store(frame, node.target, node, [node.value] if node.value is not None else [])
        elif (isinstance(node.target, ast.Name) and frame is None and self._at_top(node)
              and _RESOURCE_ANNOTATION_RE.search(self.source_of(node.annotation))):
            self._resources.add(node.target.id)
        else:
            self._flow(frame, node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        frame = self._frame(node)
        if isinstance(node.target, (ast.Subscript, ast.Attribute)):
            self._mark_target(node.target)
            self._store(frame, node.target, node, [node.value], growth=1, augmented=True)
        elif isinstance(node.target, ast.Name) and frame is not None and node.target.id in frame.globals:
            self._events.append(_Event(node.target.id, frame, node, value_nodes=[node.value],
                                       rebinding=True, augmented=True))
        elif isinstance(node.target, ast.Name) and frame is not None:
            frame.flows.append(({node.target.id}, node.value))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module  # libcst's Name: one part, relative or not (`from .flask import request` too)
        proxies = _REQUEST_PROXIES.get(module) if module is not None and "." not in module else None
        if proxies:
            for alias in node.names:
                if alias.name in proxies:
                    self._proxies.add(alias.asname or alias.name)

    def visit_Delete(self, node: ast.Delete) -> None:
        # libcst read `del a[k], b[k]` as one tuple target, and let it be.
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            self._removes(self._frame(node), node.targets[0])

    def _removes(self, frame: _Frame | None, target: ast.expr) -> None:
        base = _entry_path(target)[0]
        if frame is not None and frame.connection and isinstance(base, ast.Name):
            self._released.add(base.id)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._flow(self._frame(node), node.target, node.iter)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._flow(self._frame(node), node.optional_vars, node.context_expr)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._flow(self._frame(node), node.target, node.value)

    def _mark_target(self, target: ast.expr) -> None:
        node = target
        while isinstance(node, (ast.Subscript, ast.Attribute)):
            self._targets.add(id(node))
            node = node.value

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        frame = self._frame(node)
        callee = callee_name(func)
        if isinstance(func, ast.Name):
            if frame is None:
                self._init_calls.add(func.id)
            else:
                frame.callees.add(func.id)
        args = _call_args(node)
        passed = {a.id for a in args if isinstance(a, ast.Name)}
        if frame is not None:
            frame.callees |= passed  # callbacks: `background.add_task(run, job_id)`, `Thread(target=run)`
        if callee in _REGISTRATIONS:
            self._registered |= passed
        if (callee in _JOB_REGISTRATIONS or (callee == "do" and _schedules(func))) and args:
            if isinstance(args[0], ast.Name):
                self._registered.add(args[0].id)  # the job; the rest are its arguments
        if callee == "add_done_callback":
            self._task_sets |= _all_names([*node.args, *node.keywords])
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        if method == "popitem" and isinstance(func.value, ast.Name):
            self._bounded.add(func.value.id)
        if method == "get" and frame is not None and isinstance(func.value, ast.Name):
            frame.lookups.add(func.value.id)
        if method in _REMOVING_METHODS:
            self._removes(frame, func.value)
        if method in _STORING_METHODS:
            keyed = method in _KEYED_METHODS
            keys = args[:1] if keyed else []
            values = args[1:] if keyed else args
            if method == "add":  # a set's element is its own key
                keys = args
            self._store(frame, func.value, node, values, extra_keys=keys, growth=1, keyed=keyed or method == "add")

    def leave_Module(self, module: ast.Module) -> None:
        if not self._events or not (self.file.role == "src" or self._is_task_module()):
            return
        reached = self._reached()
        for frame in self._all_frames:
            if id(frame) in reached:
                _propagate(frame, self._proxies)
        grown = {e.name for e in self._events if e.depth > 1}
        reported: set[str] = set()
        for event in self._events:
            name, frame = event.name, event.frame
            if (name in reported or id(frame) not in reached or name in self._resources or frame.init_time
                    or frame.returns_param or frame.name in self._init_calls or name in self._task_sets):
                continue
            if not self._holds_request_data(event, grown):
                continue
            reported.add(name)
            line = self.position(event.node)[0]
            self.report(self._module_names.get(name, event.node),
                        f"Module-level `{name}` holds request state: `{frame.name}()`, which serves requests or runs jobs, "
                        f"stores request data in it (line {line}). It is lost on restart and not shared between "
                        "replicas; keep it in a backing service keyed by session")

    def _is_task_module(self) -> bool:
        """``tasks.py`` is a script by its name (invoke's), and Celery's own module name: one
        that declares task-queue handlers (``@celery_app.task``, not invoke's ``@task``) is
        service code."""
        return (self.file.role == "script" and self.file.path.rsplit("/", 1)[-1] == "tasks.py"
                and any(frame.handler for frame in self._all_frames))

    def _holds_request_data(self, event: _Event, grown: set[str]) -> bool:
        """Request input stored as data, not a cache, counter, timestamp or live handle."""
        name, frame, value = event.name, event.frame, event.value
        value_input = bool(value.names & frame.tainted)
        if value.handle or (value.names and value.names <= frame.handles):
            return False
        if event.rebinding:  # `global current_user; current_user = user_id`
            return value_input and name not in self._containers and name not in frame.none_checked
        if name not in self._containers or name in self._bounded or name in frame.returned:
            return False
        if frame.connection and name in self._released:
            return False  # added when a socket connects, removed when it closes: the connection's own
        if event.augmented:  # `counts[user] += 1` counts; `history[user] += [message]` stores
            return value_input
        if not (value_input or event.keys.names & frame.tainted):
            return False
        if not value_input and (value.clock or value.self_ref or value.names & frame.clocks):
            return False  # a timestamp or a counter per key: `seen[user] = time.time()`
        if not value_input and all(_is_empty(v) for v in event.value_nodes):
            return False  # an empty slot (`C.setdefault(k, [])`): what is put in it is judged instead
        # Looked up, then filled with whole entries never changed in place: a cache or a seen-set.
        return not (event.keyed and event.depth == 1 and name in frame.lookups and name not in grown)

    def _reached(self) -> set[int]:
        """Frames that run per request: handlers, functions registered as handlers, what they call
        or pass on by name in this file, and the functions nested in any of those."""
        by_name: dict[str, list[_Frame]] = {}
        for frame in self._all_frames:
            if frame.top_level:
                by_name.setdefault(frame.name, []).append(frame)
        children: dict[int, list[_Frame]] = {}
        for frame in self._all_frames:
            if frame.parent is not None:
                children.setdefault(id(frame.parent), []).append(frame)
        todo = [f for f in self._all_frames if f.handler or (f.top_level and f.name in self._registered)]
        reached: set[int] = set()
        while todo:
            frame = todo.pop()
            if id(frame) in reached:
                continue
            reached.add(id(frame))
            todo += children.get(id(frame), [])
            for callee in frame.callees:
                todo += by_name.get(callee, [])
        return reached


def _schedules(func: ast.expr) -> bool:
    """``schedule.every(10).minutes.do``: a ``.do`` at the end of a chain that starts with ``every(…)``."""
    node = func.value if isinstance(func, ast.Attribute) else None
    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Call):
            if callee_name(node.func) == "every":
                return True
            node = node.func
        else:
            node = node.value
    return False


def _is_empty(node: ast.AST) -> bool:
    """``[]``, ``{}``, ``set()``, ``list()``, ``defaultdict(list)``…: a slot, not data yet."""
    if isinstance(node, (ast.List, ast.Set, ast.Tuple)):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return isinstance(node, ast.Call) and callee_name(node.func) in _EMPTY_CALLS and not (
        (node.args or node.keywords) and callee_name(node.func) != "defaultdict")


def _all_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Every name read in the nodes, lambdas included: ``S.discard``, ``lambda t: S.remove(t)``.
    As libcst's nodes held them, that is with keyword names and lambda parameters."""
    names: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            stack.append(node.value)
        else:
            if isinstance(node, (ast.keyword, ast.arg)) and node.arg is not None:
                names.add(node.arg)
            stack.extend(ast.iter_child_nodes(node))
    return names


def _names_in_target(target: ast.expr) -> list[ast.Name]:
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _names_in_target(e)]
    if isinstance(target, ast.Starred):
        return _names_in_target(target.value)
    return []


def _propagate(frame: _Frame, proxies: set[str]) -> None:
    """What holds request input in a frame that serves requests: its parameters, the framework's
    request proxy, what its enclosing function's hold, and every local computed from them; and
    which locals hold clock readings or live handles."""
    tainted = frame.params | proxies
    if frame.parent is not None:
        tainted |= frame.parent.tainted
    clocks: set[str] = set()
    handles: set[str] = set()
    reads: dict[int, _Value] = {}
    changed = True
    while changed:
        changed = False
        for targets, node in frame.flows:
            value = reads.get(id(node))
            if value is None:
                value = reads[id(node)] = _read([node])
            if value.names & tainted and not targets <= tainted:
                tainted |= targets
                changed = True
            if (value.clock or value.names & clocks) and not targets <= clocks:
                clocks |= targets
                changed = True
            if value.handle and not targets <= handles:
                handles |= targets
                changed = True
    frame.tainted, frame.clocks, frame.handles = tainted, clocks, handles
