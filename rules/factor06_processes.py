"""Factor VI — Processes: stateless, share-nothing; state lives in backing services."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from tfa_lint.model import FileKind, FileRef, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, PythonRule, RepoRule

from .facts.cst_nodes import callee_name
from .facts.processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    SELF_HANDLING_METHODS,
    SELF_HANDLING_RUNS,
    ProcessFacts,
    is_main_guard,
    is_service_loop_test,
    long_running_reason,
)

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
#: pyTelegramBotAPI events, Celery and Dramatiq tasks.
_HANDLER_DECORATORS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket",
    "websocket_route", "middleware", "before_request", "after_request", "on", "event", "message",
    "message_handler", "callback_query_handler", "task", "actor",
})
_HANDLER_DECORATOR_NAMES = frozenset({"celery.shared_task", "dramatiq.actor"})
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
#: Calls returning a live handle (a task, thread or future): a registry of them keeps them alive.
_HANDLE_CALLS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe", "submit", "Thread",
                           "Process", "Timer", "start_soon", "spawn"})
#: Clock readings: an entry holding one is a timestamp (a throttle, a TTL, a start time).
_CLOCK_CALLS = frozenset({"time", "monotonic", "perf_counter", "time_ns", "monotonic_ns", "now", "utcnow"})


def _fills_template(target: cst.Subscript) -> bool:
    """``SPEC["parameters"]["enum"] = …``: a fixed slot of a non-state container overwritten
    per call (a template), unlike ``sessions[sid] = …`` or ``STATE["user"] = …``."""
    node: cst.BaseExpression = target
    while isinstance(node, cst.Subscript):
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if not (isinstance(index, cst.Index) and isinstance(index.value, (cst.SimpleString, cst.Integer))):
            return False
        node = node.value
    return isinstance(node, cst.Name) and not _STATE_NAME_RE.search(node.value)


def _entry_path(expr: cst.BaseExpression) -> tuple[cst.BaseExpression, int, list[cst.CSTNode]]:
    """``C[k].items``, ``C.setdefault(k, [])`` → (``C``, how deep into it, the key expressions)."""
    depth, keys = 0, []
    while True:
        if isinstance(expr, cst.Subscript):
            keys += [s.slice for s in expr.slice]
            expr = expr.value
        elif isinstance(expr, cst.Attribute):
            expr = expr.value
        elif (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
              and expr.func.attr.value in _ENTRY_METHODS):
            keys += [a.value for a in expr.args[:1]]
            expr = expr.func.value
        else:
            return expr, depth, keys
        depth += 1


def _is_lookup_of(node: cst.CSTNode, container: str | None) -> bool:
    """``C[k]`` or ``C.get(k, 0)``: reading the container's own entry."""
    if container is None:
        return False
    if isinstance(node, cst.Subscript):
        return isinstance(node.value, cst.Name) and node.value.value == container
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
            and isinstance(node.func.value, cst.Name) and node.func.value.value == container)


@dataclass
class _Value:
    """What an expression reads: its names (a container's reads of itself left out), clocks, itself."""
    names: set[str] = field(default_factory=set)
    clock: bool = False
    self_ref: bool = False
    handle: bool = False


def _read(nodes: Iterable[cst.CSTNode | None], container: str | None = None) -> _Value:
    value = _Value()
    stack = [n.value if isinstance(n, cst.Arg) else n for n in nodes if n is not None]
    for node in stack:
        if isinstance(node, cst.Call) and callee_name(node.func) in _HANDLE_CALLS:
            value.handle = True
    while stack:
        node = stack.pop()
        if _is_lookup_of(node, container):
            value.self_ref = True
            continue
        if isinstance(node, cst.Name):
            value.names.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        elif isinstance(node, cst.Arg):
            stack.append(node.value)
        elif isinstance(node, (cst.Lambda, cst.FunctionDef)):
            continue
        else:
            if isinstance(node, cst.Call) and callee_name(node.func) in _CLOCK_CALLS:
                value.clock = True
            stack.extend(node.children)
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
    flows: list[tuple[set[str], cst.CSTNode]] = field(default_factory=list)  # local targets <- value
    aliases: dict[str, tuple[str, list[cst.CSTNode]]] = field(default_factory=dict)  # local -> container, keys
    tainted: set[str] = field(default_factory=set)  # names holding request input
    clocks: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)


@dataclass
class _Event:
    """A function storing into a module-level name. What the key and the value read is worked
    out only for the few events in functions that serve requests."""
    name: str
    frame: _Frame
    node: cst.CSTNode
    key_nodes: list[cst.CSTNode] = field(default_factory=list)
    value_nodes: list[cst.CSTNode] = field(default_factory=list)
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


class ModuleStateMutated(PythonRule):
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
        handler, Celery or Dramatiq task, or Gradio callback; a function nested in one; and a
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
        """, "app.py", lines=(4,)),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            current_context = {}


            @app.post("/chat")
            def chat(user_id: str) -> dict:
                current_context["user"] = user_id
                return {"ok": True}
        """, "app.py", lines=(4,)),
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
        """, "app.py", lines=(4,)),
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
        """, "app.py", lines=(4,)),
        # A route named like set-up code (`register`) still runs per request.
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            accounts: dict[str, dict] = {}


            @app.post("/register")
            def register(email: str, name: str) -> dict:
                accounts[email] = {"name": name}
                return {"ok": True}
        """, "app.py", lines=(4,)),
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
        """, "app.py", lines=(4,)),
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
        """, "app.py", lines=(6, 7)),
        # A Gradio chat function keeps one history for every visitor.
        Example.of("""
            import gradio as gr

            chat_log: list[tuple[str, str]] = []


            def respond(message, history):
                chat_log.append((message, message.upper()))
                return chat_log[-1][1]


            demo = gr.ChatInterface(respond)
        """, "app.py", lines=(3,)),
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._frames: list[_Frame] = []
        self._all_frames: list[_Frame] = []
        self._class_depth = 0
        self._containers: dict[str, cst.CSTNode] = {}
        self._module_names: dict[str, cst.CSTNode] = {}
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
    def _is_handler(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            func = decorator.decorator
            func = func.func if isinstance(func, cst.Call) else func
            if isinstance(func, cst.Attribute) and func.attr.value in _HANDLER_DECORATORS:
                return True
            if (isinstance(func, cst.Name) and func.value in _HANDLER_DECORATOR_LAST
                    and self.qualified_names(func) & _HANDLER_DECORATOR_NAMES):
                return True
        return False

    @staticmethod
    def _is_connection_handler(node: cst.FunctionDef) -> bool:
        """``@app.websocket(…)``, ``@sio.on("connect")``, ``@sio.event async def disconnect(sid)``."""
        for decorator in node.decorators:
            call = decorator.decorator
            func = call.func if isinstance(call, cst.Call) else call
            if not isinstance(func, cst.Attribute):
                continue
            if func.attr.value in _CONNECTION_DECORATORS:
                return True
            if func.attr.value in ("on", "event"):
                event = node.name.value
                if isinstance(call, cst.Call) and call.args and isinstance(call.args[0].value, cst.SimpleString):
                    event = call.args[0].value.evaluated_value
                if event in _CONNECTION_EVENTS:
                    return True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = " ".join(self.source_of(d.decorator) for d in node.decorators)
        params = {p.name.value for p in (*node.params.params, *node.params.posonly_params, *node.params.kwonly_params)}
        for star in (node.params.star_arg, node.params.star_kwarg):
            if isinstance(star, cst.Param):
                params.add(star.name.value)
        params -= {"self", "cls"}
        init_decorator = bool(_INIT_DECORATOR_RE.search(decorators))
        handler = not init_decorator and self._is_handler(node)
        parent = self._frames[-1] if self._frames else None
        # A route named `register` or `load_file`, or defined inside a set-up function, still runs per request.
        init = init_decorator or (not handler and (bool(_INIT_NAME_RE.search(node.name.value))
                                                   or (parent is not None and parent.init_time)))
        connection = (handler and self._is_connection_handler(node)) or (parent is not None and parent.connection)
        frame = _Frame(node.name.value, params, init, parent=parent,
                       top_level=parent is None and not self._class_depth, handler=handler, connection=connection)
        self._frames.append(frame)
        self._all_frames.append(frame)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._frames.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_depth -= 1

    def visit_Global(self, node: cst.Global) -> None:
        if self._frames:
            self._frames[-1].globals.update(n.name.value for n in node.names)

    def visit_Return(self, node: cst.Return) -> None:
        if not self._frames or node.value is None:
            return
        if isinstance(node.value, cst.Name) and node.value.value in self._frames[-1].params:
            self._frames[-1].returns_param = True
        # `return [SPEC]`, `return SPEC`: the container is a template rebuilt on every call.
        value = node.value
        items = value.elements if isinstance(value, (cst.List, cst.Tuple)) else [value]
        for item in items:
            expr = getattr(item, "value", item)
            if isinstance(expr, cst.Name):
                self._frames[-1].returned.add(expr.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._frames and isinstance(node.left, cst.Name) and any(
                isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons):
            self._frames[-1].none_checked.add(node.left.value)
        if self._frames:
            for c in node.comparisons:
                if isinstance(c.operator, (cst.In, cst.NotIn)) and isinstance(c.comparator, cst.Name):
                    self._frames[-1].lookups.add(c.comparator.value)
        for side in (node.left, *(c.comparator for c in node.comparisons)):
            if (isinstance(side, cst.Call) and isinstance(side.func, cst.Name) and side.func.value == "len"
                    and side.args and isinstance(side.args[0].value, cst.Name)):
                self._bounded.add(side.args[0].value.value)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if self._frames and isinstance(node.operator, cst.Not) and isinstance(node.expression, cst.Name):
            self._frames[-1].none_checked.add(node.expression.value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._frames and id(node) not in self._targets and isinstance(node.value, cst.Name):
            self._frames[-1].lookups.add(node.value.value)

    # -- definitions, data flow and writes --------------------------------------------------------
    def _is_global(self, name: cst.Name) -> bool:
        return name.value in self.qualified_names(name)

    def _defines(self, target: cst.BaseExpression, value: cst.BaseExpression | None, node: cst.CSTNode) -> None:
        if self._frames or self._class_depth or not isinstance(target, cst.Name):
            return
        self._module_names.setdefault(target.value, node)
        if value is not None and self._is_container(value):
            self._containers.setdefault(target.value, node)

    def _is_container(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, (cst.Dict, cst.List, cst.Set)):
            return True
        if isinstance(value, cst.Call):
            names = self.qualified_names(value.func)
            if names & _CONTAINER_CALLS:
                return not any(a.keyword is not None and a.keyword.value == "maxlen" for a in value.args)
        return False

    def _flow(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        """Local ``target = value``: the target holds what the value reads; an entry of a module
        container becomes an alias of it."""
        if not self._frames or value is None:
            return
        frame = self._frames[-1]
        targets = {n.value for n in _names_in_target(target)}
        if not targets:
            return
        frame.flows.append((targets, value))
        if isinstance(target, cst.Name) and target.value not in frame.globals:
            base, depth, keys = _entry_path(value)
            if depth and isinstance(base, cst.Name) and self._is_global(base):
                frame.aliases[target.value] = (base.value, keys)

    def _store(self, target: cst.BaseExpression, node: cst.CSTNode, values: Iterable[cst.CSTNode], *,
               extra_keys: Iterable[cst.CSTNode] = (), growth: int = 0, augmented: bool = False,
               keyed: bool = False) -> None:
        """A write into what ``target`` names: ``C[k] = v``, ``C[k].items.append(v)``, ``alias.x = v``.
        ``growth`` is 1 when the write changes ``target`` in place rather than replacing it."""
        if not self._frames:
            return
        frame = self._frames[-1]
        base, depth, keys = _entry_path(target)
        if not isinstance(base, cst.Name):
            return
        key_nodes = [*keys, *extra_keys]
        if base.value in frame.aliases and base.value not in frame.globals:
            name, alias_keys = frame.aliases[base.value]
            key_nodes += alias_keys
            depth += 1
        elif self._is_global(base):
            name = base.value
        else:
            return
        self._events.append(_Event(name, frame, node, key_nodes, list(values), depth + growth, augmented=augmented,
                                   keyed=keyed or bool(keys)))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._defines(t.target, node.value, node)
            if isinstance(t.target, (cst.Subscript, cst.Attribute)):
                self._mark_target(t.target)
                if isinstance(t.target, cst.Subscript) and _fills_template(t.target):
                    continue
                self._store(t.target, node, [node.value])
            elif isinstance(t.target, cst.Name) and self._frames and t.target.value in self._frames[-1].globals:
                self._events.append(_Event(t.target.value, self._frames[-1], node, value_nodes=[node.value],
                                           rebinding=True))
            else:
                self._flow(t.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._defines(node.target, node.value, node)
        if isinstance(node.target, cst.Subscript):
            self._mark_target(node.target)
            self._store(node.target, node, [node.value] if node.value is not None else [])
        elif (isinstance(node.target, cst.Name) and not self._frames and not self._class_depth
              and _RESOURCE_ANNOTATION_RE.search(self.source_of(node.annotation.annotation))):
            self._resources.add(node.target.value)
        else:
            self._flow(node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, (cst.Subscript, cst.Attribute)):
            self._mark_target(node.target)
            self._store(node.target, node, [node.value], growth=1, augmented=True)
        elif isinstance(node.target, cst.Name) and self._frames and node.target.value in self._frames[-1].globals:
            self._events.append(_Event(node.target.value, self._frames[-1], node, value_nodes=[node.value],
                                       rebinding=True, augmented=True))
        elif isinstance(node.target, cst.Name) and self._frames:
            self._frames[-1].flows.append(({node.target.value}, node.value))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = node.module
        proxies = _REQUEST_PROXIES.get(module.value) if isinstance(module, cst.Name) else None
        if proxies and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if isinstance(alias.name, cst.Name) and alias.name.value in proxies:
                    self._proxies.add(alias.asname.name.value if alias.asname else alias.name.value)

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Subscript):
            self._removes(node.target)

    def _removes(self, target: cst.BaseExpression) -> None:
        base = _entry_path(target)[0]
        if self._frames and self._frames[-1].connection and isinstance(base, cst.Name):
            self._released.add(base.value)

    def visit_For(self, node: cst.For) -> None:
        self._flow(node.target, node.iter)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._flow(node.asname.name, node.item)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._flow(node.target, node.value)

    def _mark_target(self, target: cst.BaseExpression) -> None:
        node = target
        while isinstance(node, (cst.Subscript, cst.Attribute)):
            self._targets.add(id(node))
            node = node.value

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        frame = self._frames[-1] if self._frames else None
        callee = callee_name(func)
        if isinstance(func, cst.Name):
            if frame is None:
                self._init_calls.add(func.value)
            else:
                frame.callees.add(func.value)
        passed = {a.value.value for a in node.args if isinstance(a.value, cst.Name)}
        if frame is not None:
            frame.callees |= passed  # callbacks: `background.add_task(run, job_id)`, `Thread(target=run)`
        if callee in _REGISTRATIONS:
            self._registered |= passed
        if callee == "add_done_callback":
            self._task_sets |= _all_names(node.args)
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method == "popitem" and isinstance(func.value, cst.Name):
            self._bounded.add(func.value.value)
        if method == "get" and frame is not None and isinstance(func.value, cst.Name):
            frame.lookups.add(func.value.value)
        if method in _REMOVING_METHODS:
            self._removes(func.value)
        if method in _STORING_METHODS:
            keyed = method in _KEYED_METHODS
            keys = [a.value for a in node.args[:1]] if keyed else []
            values = node.args[1:] if keyed else node.args
            if method == "add":  # a set's element is its own key
                keys = [a.value for a in node.args]
            self._store(func.value, node, values, extra_keys=keys, growth=1, keyed=keyed or method == "add")

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.file.role != "src" or not self._events:
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
                        f"Module-level `{name}` holds request state: `{frame.name}()`, which serves requests, "
                        f"stores request data in it (line {line}). It is lost on restart and not shared between "
                        "replicas; keep it in a backing service keyed by session")

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


def _is_empty(node: cst.CSTNode) -> bool:
    """``[]``, ``{}``, ``set()``, ``list()``, ``defaultdict(list)``…: a slot, not data yet."""
    if isinstance(node, cst.Arg):
        node = node.value
    if isinstance(node, (cst.List, cst.Dict, cst.Set, cst.Tuple)):
        return not node.elements
    return isinstance(node, cst.Call) and callee_name(node.func) in _EMPTY_CALLS and not (
        node.args and callee_name(node.func) != "defaultdict")


def _all_names(nodes: Iterable[cst.CSTNode]) -> set[str]:
    """Every name read in the nodes, lambdas included: ``S.discard``, ``lambda t: S.remove(t)``."""
    names: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            names.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.append(node.value)
        else:
            stack.extend(node.children)
    return names


def _names_in_target(target: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in_target(e.value)]
    if isinstance(target, cst.StarredElement):
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


# -- TFA0602 -----------------------------------------------------------------------------------

#: In-process conversation memory, checkpointers and stores (langgraph 0.2-0.6, langchain 0.3,
#: llama-index 0.12): everything they hold lives in this process only.
_IN_MEMORY_STORES = {
    "langgraph.checkpoint.memory.MemorySaver": "checkpointer",
    "langgraph.checkpoint.memory.InMemorySaver": "checkpointer",
    "langgraph.store.memory.InMemoryStore": "store",
    "langchain_core.chat_history.InMemoryChatMessageHistory": "chat history",
    "langchain_community.chat_message_histories.ChatMessageHistory": "chat history",
    "langchain_community.chat_message_histories.in_memory.ChatMessageHistory": "chat history",
    "llama_index.core.memory.ChatMemoryBuffer": "chat memory",
    "llama_index.core.memory.chat_memory_buffer.ChatMemoryBuffer": "chat memory",
    "llama_index.memory.ChatMemoryBuffer": "chat memory",
    "llama_index.core.storage.chat_store.SimpleChatStore": "chat store",
    "llama_index.core.storage.chat_store.simple_chat_store.SimpleChatStore": "chat store",
}
_LANGCHAIN_MEMORY_RE = re.compile(r"^langchain(_classic)?\.memory(\.\w+)*\.(Conversation\w*Memory|ChatMessageHistory)$")
#: A vector store is often a read-only index built at start-up: only one that requests add to counts.
_IN_MEMORY_VECTOR_STORES = {"langchain_core.vectorstores.InMemoryVectorStore",
                            "langchain_core.vectorstores.in_memory.InMemoryVectorStore"}
_VECTOR_WRITES = {"add_documents", "aadd_documents", "add_texts", "aadd_texts", "upsert", "aupsert"}
_FACTORIES = (".from_defaults", ".from_documents", ".from_texts")
#: Persistent backends named in the same module: the in-memory one is a fallback or a default.
_PERSISTENT_RE = re.compile(r"(Postgres|Redis|Mongo|SQL|Sql|Sqlite|Dynamo|Firestore|Cosmos|Cassandra|Elasticsearch|"
                            r"Upstash|Zep|Momento|Neo4j|Astra)\w*(Saver|Store|History)\b")
#: Keyword arguments that hand the memory a backing store of its own.
_BACKED_BY = {"chat_memory", "chat_store"}


def _in_memory_kind(names: set[str]) -> tuple[str, str] | None:
    """(qualified name, kind) of the in-memory store a call constructs, if any."""
    for name in sorted(names):
        base = next((name[: -len(f)] for f in _FACTORIES if name.endswith(f)), name)
        if base in _IN_MEMORY_STORES:
            return base, _IN_MEMORY_STORES[base]
        if _LANGCHAIN_MEMORY_RE.match(base):
            return base, "conversation memory"
        if base in _IN_MEMORY_VECTOR_STORES:
            return base, "vector store"
    return None


class _ConsoleAware(PythonRule):
    """Skips files that serve one user or run once: a console chat (it prompts with
    ``input()``), a Streamlit script (re-run per session), or a command with a ``__main__``
    block that starts no server and runs no service loop (an admin or build script)."""

    _abstract = True

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._console = False
        self._main = False
        self._serves = False
        self._depth = 0  # function nesting: 0 is import time

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._depth -= 1

    def visit_If(self, node: cst.If) -> None:
        self._main = self._main or is_main_guard(node)

    def visit_While(self, node: cst.While) -> None:
        self._serves = self._serves or is_service_loop_test(node.test)

    def _note_call(self, node: cst.Call, names: set[str]) -> None:
        if names & {"builtins.input", "getpass.getpass", "rich.prompt.Prompt.ask", "click.prompt", "typer.prompt"}:
            self._console = True
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if names & (APP_CONSTRUCTORS.keys() | SELF_HANDLING_RUNS) or method in (
                FOREVER_METHODS | SELF_HANDLING_METHODS | {"launch"}):
            self._serves = True

    @property
    def _skipped(self) -> bool:
        text = self.file.text
        return (self.file.role != "src" or self._console or (self._main and not self._serves)
                or bool(re.search(r"^\s*(import|from)\s+streamlit\b", text, re.MULTILINE)))


class InMemoryConversationState(_ConsoleAware):
    id = "TFA0602"
    name = "in-memory-conversation-state"
    factor = 6
    severity = Severity.WARNING
    title = "In-process memory or checkpointer shared by every request"
    collectors = (ProcessFacts,)
    what = """
        An in-memory conversation store created at import time in a service or worker:
        LangGraph's `MemorySaver`/`InMemorySaver` and `InMemoryStore`, LangChain's
        `ConversationBufferMemory` and the other `Conversation…Memory` classes,
        `InMemoryChatMessageHistory`/`ChatMessageHistory`, LlamaIndex's `ChatMemoryBuffer` and
        `SimpleChatStore`, and an `InMemoryVectorStore` that functions add documents to. Not
        reported: instances created inside a function (per request), memories given a backing
        store (`chat_memory=`, `chat_store=`), modules that also name a persistent backend
        (`PostgresSaver`, `RedisChatMessageHistory`…, a configurable fallback), console chats
        (`input()`), Streamlit scripts, modules with a `__main__` block that start no server
        and run no service loop (one-off commands), and tests, scripts and examples.
    """
    why = """
        The object lives in one process's memory: a restart or deploy wipes every
        conversation, a second replica has a different set, and a load balancer sends the next
        turn of a thread to a process that has never seen it. A module-level memory is also
        shared by every user of the process unless each call keys it by thread.
    """
    fix = """
        Keep conversation state in a backing service whose URL comes from config: a
        `PostgresSaver`/`RedisSaver` checkpointer, `PostgresChatMessageHistory` or
        `RedisChatMessageHistory` keyed by session, or a `RedisChatStore` for LlamaIndex.
    """
    invalid = (
        Example.of("""
            from fastapi import FastAPI
            from langgraph.checkpoint.memory import MemorySaver
            from langgraph.graph import StateGraph

            from agent.state import State, call_model

            builder = StateGraph(State)
            builder.add_node("model", call_model)
            graph = builder.compile(checkpointer=MemorySaver())
            app = FastAPI()


            @app.post("/chat/{thread_id}")
            def chat(thread_id: str, message: str) -> dict:
                config = {"configurable": {"thread_id": thread_id}}
                return graph.invoke({"messages": [message]}, config)
        """, "agent/server.py", lines=(9,)),
        Example.of("""
            from flask import Flask, request
            from langchain.chains import ConversationChain
            from langchain.memory import ConversationBufferMemory as Memory

            from agent.llm import llm

            app = Flask(__name__)
            memory = Memory(return_messages=True)
            chain = ConversationChain(llm=llm, memory=memory)


            @app.post("/chat")
            def chat():
                return {"reply": chain.predict(input=request.json["message"])}
        """, "app.py", lines=(8,)),
        Example.of("""
            from fastapi import FastAPI
            from langchain_core.vectorstores import InMemoryVectorStore

            from agent.llm import embeddings

            app = FastAPI()
            notes = InMemoryVectorStore(embeddings)


            @app.post("/remember")
            def remember(text: str) -> dict:
                notes.add_texts([text])
                return {"ok": True}
        """, "app.py", lines=(7,)),
    )
    valid = (
        Example.of("""
            from fastapi import FastAPI
            from langchain_core.chat_history import InMemoryChatMessageHistory
            from langchain_core.vectorstores import InMemoryVectorStore

            from agent.llm import docs, embeddings

            index = InMemoryVectorStore.from_documents(docs, embeddings)
            app = FastAPI()


            @app.post("/summarise")
            def summarise(text: str) -> dict:
                history = InMemoryChatMessageHistory()
                history.add_user_message(text)
                return {"related": index.similarity_search(text)}
        """, "app.py"),
        Example.repo({
            "Procfile": "web: uvicorn agent.app:app\n",
            "agent/app.py": """
                import os

                from fastapi import FastAPI
                from langgraph.checkpoint.memory import MemorySaver
                from langgraph.checkpoint.postgres import PostgresSaver

                from agent.graph import builder

                if os.getenv("DATABASE_URL"):
                    checkpointer = PostgresSaver.from_conn_string(os.environ["DATABASE_URL"])
                else:
                    checkpointer = MemorySaver()
                graph = builder.compile(checkpointer=checkpointer)
                app = FastAPI()
            """,
            "agent/memory.py": """
                from langchain.memory import ConversationBufferMemory
                from langchain_community.chat_message_histories import RedisChatMessageHistory as History

                from agent.config import settings

                memory = ConversationBufferMemory(chat_memory=History(url=settings.redis_url, session_id="ops"))
            """,
        }),
        Example.repo({
            "Procfile": "web: uvicorn agent.app:app\n",
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/cli.py": """
                from langchain.memory import ConversationBufferMemory

                memory = ConversationBufferMemory()

                while True:
                    memory.save_context({"input": input("> ")}, {"output": "ok"})
            """,
            "tests/test_chat.py": "from langgraph.checkpoint.memory import MemorySaver\n\nsaver = MemorySaver()\n",
            "examples/quickstart.py": "from langgraph.store.memory import InMemoryStore\n\nstore = InMemoryStore()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._stores: list[tuple[cst.Call, str, str]] = []  # (call, qualified name, kind)
        self._vector_names: dict[str, int] = {}  # module name -> index into _stores
        self._written: set[str] = set()  # vector store names a function adds to

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._depth == 0 and isinstance(node.value, cst.Call):
            found = _in_memory_kind(self.qualified_names(node.value.func))
            if found and found[1] == "vector store":
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self._vector_names[target.target.value] = len(self._stores)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        self._note_call(node, names)
        func = node.func
        if (self._depth and isinstance(func, cst.Attribute) and func.attr.value in _VECTOR_WRITES
                and isinstance(func.value, cst.Name)):
            self._written.add(func.value.value)
        if self._depth:
            return
        found = _in_memory_kind(names)
        if found and not any(a.keyword is not None and a.keyword.value in _BACKED_BY for a in node.args):
            self._stores.append((node, *found))

    def leave_Module(self, original_node: cst.Module) -> None:
        if self._skipped or _PERSISTENT_RE.search(self.file.text):
            return
        written = {self._vector_names[n] for n in self._written if n in self._vector_names}
        for index, (node, qname, kind) in enumerate(self._stores):
            if kind == "vector store" and index not in written:
                continue  # an index built at start-up and only read
            short = qname.rsplit(".", 1)[-1]
            self.report(node, f"`{short}` ({kind}) created at import time keeps state in this process: it is lost "
                              "on restart and not shared between replicas. Use a database-backed one "
                              "(PostgresSaver, RedisChatMessageHistory…) whose URL comes from config")


# -- TFA0603 -----------------------------------------------------------------------------------

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


def _arg(node: cst.Call, position: int, *keywords: str) -> cst.BaseExpression | None:
    for a in node.args:
        if a.keyword is not None and a.keyword.value in keywords:
            return a.value
    positional = [a for a in node.args if a.keyword is None and a.star == ""]
    return positional[position].value if len(positional) > position else None


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
        """, "app.py", lines=(10,)),
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
        """, "app.py", lines=(9, 10, 15)),
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
        self._constants: dict[str, cst.BaseExpression] = {}
        # (call, path expression or None for the library's default, what, path must name state)
        self._candidates: list[tuple[cst.Call, cst.BaseExpression | None, str, bool]] = []
        self._sqlite: list[tuple[cst.Call, cst.BaseExpression]] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._depth == 0 and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._constants.setdefault(node.targets[0].target.value, node.value)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        self._note_call(node, names)
        func = node.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if names & _SQLITE_CONNECT:
            path = _arg(node, 0, "database")
            if path is not None:
                self._sqlite.append((node, path))
        elif any(n.endswith(".from_conn_string") and n.rsplit(".", 1)[0] in _SQLITE_SAVERS for n in names):
            self._candidates.append((node, _arg(node, 0, "conn_string"), "a SqliteSaver checkpointer", False))
        elif names & _SQLITE_SAVERS:
            inner = _arg(node, 0, "conn")
            if isinstance(inner, cst.Call) and self.qualified_names(inner.func) & _SQLITE_CONNECT:
                self._candidates.append((node, _arg(inner, 0, "database"), "a SqliteSaver checkpointer", False))
        elif "chromadb.PersistentClient" in names:
            self._candidates.append((node, _arg(node, 0, "path") or cst.SimpleString('"./chroma"'),
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
            path = _arg(node, 0, "persist_dir") or cst.SimpleString('"./storage"')
            self._candidates.append((node, path, "a LlamaIndex storage context persisted", False))
        elif "builtins.open" in names:
            mode = _arg(node, 1, "mode")
            if isinstance(mode, cst.SimpleString) and _writes(str(mode.evaluated_value)):
                self._candidates.append((node, _arg(node, 0, "file"), "a file written", True))
        elif method in ("write_text", "write_bytes") and isinstance(func.value, cst.Call):  # type: ignore[union-attr]
            inner = func.value  # type: ignore[union-attr]
            if self.qualified_names(inner.func) & {"pathlib.Path", "pathlib.PurePath"}:
                self._candidates.append((node, inner, "a file written", True))

    @staticmethod
    def _is_storage_context(receiver: cst.BaseExpression) -> bool:
        name = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", None)
        return name == "storage_context"

    def _path(self, node: cst.BaseExpression | None, depth: int = 0) -> str | None:
        """A path as text when it is built from literals and module constants ("{}" for
        interpolated values); None when any part comes from elsewhere (env, config, a call)."""
        if node is None or depth > 8:
            return None
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value if isinstance(value, str) else None
        if isinstance(node, cst.FormattedString):
            return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return "."
            const = self._constants.get(node.value)
            return self._path(const, depth + 1) if const is not None and const is not node else None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Divide, cst.Add)):
            left, right = self._path(node.left, depth + 1), self._path(node.right, depth + 1)
            if left is None or right is None:
                return None
            return f"{left}/{right}" if isinstance(node.operator, cst.Divide) else left + right
        if isinstance(node, cst.Attribute) and node.attr.value in ("parent", "stem"):
            return self._path(node.value, depth + 1)
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("resolve", "absolute", "expanduser"):
                return self._path(func.value, depth + 1)
            if self.qualified_names(func) & _PATH_CALLS:
                parts = [self._path(a.value, depth + 1) for a in node.args if a.keyword is None]
                return None if not parts or any(p is None for p in parts) else "/".join(parts)  # type: ignore[arg-type]
        return None

    def _local(self, path: str | None) -> bool:
        """A path on this machine's disk that no configuration chose."""
        if path is None or path.startswith("{}"):
            return False  # from the environment or config: perhaps a mounted volume
        return path not in _MEMORY_PATHS and not path.startswith(("/tmp", "/var/tmp", "/dev/", "file::memory"))

    def leave_Module(self, original_node: cst.Module) -> None:
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


# -- TFA0604 -----------------------------------------------------------------------------------

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
    invalid = (
        Example.repo({
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "chroma_db/chroma.sqlite3": "SQLite format 3\n",
            "faiss_index/index.faiss": "faiss\n",
            "faiss_index/index.pkl": "pickle\n",
        }, lines=(1,)),
        Example.repo({"memory/checkpoints.sqlite": "SQLite format 3\n"}, lines=(1,)),
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
