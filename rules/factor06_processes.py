"""Factor VI — Processes: stateless, share-nothing; state lives in backing services."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import libcst as cst

from tfa_lint.model import FileKind, FileRef, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, PythonRule, RepoRule

from ._processes import (
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
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add", "remove", "discard", "clear",
             "pop", "popitem", "appendleft", "extendleft", "__setitem__"}
_STATE_NAME_RE = re.compile(r"(?i)(history|memory|conversation|session|chat|message|thread|context|state|store|"
                            r"user|current|last|counter|count|buffer|queue|result|pending|active|total)")
_INIT_NAME_RE = re.compile(r"(?i)(lifespan|startup|^_?init|^_?setup|initiali[sz]e|^_?load|^_?register|^_?configure|"
                           r"^__init_subclass__$)")
_INIT_DECORATOR_RE = re.compile(r"(on_event|before_first_request|before_serving|on_startup|listener|fixture)")
#: Annotations of per-process resources (locks, thread handles, connection engines), not application state.
_RESOURCE_ANNOTATION_RE = re.compile(r"\b(R?Lock|(Bounded)?Semaphore|Condition|Thread|(Async)?Engine|Redis)\b")


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


@dataclass
class _Frame:
    name: str
    params: set[str]
    init_time: bool
    globals: set[str] = field(default_factory=set)
    returns_param: bool = False
    none_checked: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)  # module names the function returns


@dataclass
class _Event:
    name: str
    frame: _Frame
    node: cst.CSTNode
    rebinding: bool = False
    augmented: bool = False


class ModuleStateMutated(PythonRule):
    id = "TFA0601"
    name = "module-state-mutated"
    factor = 6
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "Module-level variable holds state that functions change"
    collectors = (ProcessFacts,)
    what = """
        A module-level container (`{}`, `[]`, `set()`, `defaultdict(…)`, `deque()`…) that a
        function mutates (`x[k] = …`, `.append`, `.update`, `del x[k]`…), or a module-level
        variable a function rebinds through `global` as a counter or a piece of
        request/session state — in a service or worker. Not reported: constants, registries
        filled at import or start-up (decorators, `lifespan`, functions called at module
        level), lazy initialisation (`if _client is None: _client = …`), bounded caches
        (`if len(cache) > N`), `deque(maxlen=…)`, templates a function fills in and returns
        (`SPEC["enum"] = …; return [SPEC]`), and test, script and example files.
    """
    why = """
        Process memory is lost on every restart and deploy, and not shared between replicas:
        with two workers, half the requests see a conversation history the other half do not
        have. Processes must be stateless so they can be scaled out and replaced at will.
    """
    fix = """
        Keep state in a backing service keyed by session or user (Redis, Postgres, a
        LangGraph checkpointer with a database), and pass what a request needs explicitly.
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
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()
            request_count = 0


            @app.get("/health")
            def health() -> dict:
                global request_count
                request_count += 1
                return {"ok": True}
        """, "app.py", lines=(4,)),
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._frames: list[_Frame] = []
        self._class_depth = 0
        self._containers: dict[str, cst.CSTNode] = {}
        self._module_names: dict[str, cst.CSTNode] = {}
        self._events: list[_Event] = []
        self._bounded: set[str] = set()
        self._init_calls: set[str] = set()
        self._resources: set[str] = set()  # module names annotated as locks, threads, engines

    # -- scopes -------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = " ".join(self.source_of(d.decorator) for d in node.decorators)
        params = {p.name.value for p in (*node.params.params, *node.params.posonly_params, *node.params.kwonly_params)}
        init = bool(_INIT_NAME_RE.search(node.name.value) or _INIT_DECORATOR_RE.search(decorators))
        self._frames.append(_Frame(node.name.value, params, init or any(f.init_time for f in self._frames)))

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
        for side in (node.left, *(c.comparator for c in node.comparisons)):
            if (isinstance(side, cst.Call) and isinstance(side.func, cst.Name) and side.func.value == "len"
                    and side.args and isinstance(side.args[0].value, cst.Name)):
                self._bounded.add(side.args[0].value.value)

    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> None:
        if self._frames and isinstance(node.operator, cst.Not) and isinstance(node.expression, cst.Name):
            self._frames[-1].none_checked.add(node.expression.value)

    # -- definitions and mutations --------------------------------------------------------------
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

    def _mutated(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        base = target
        while isinstance(base, cst.Subscript):
            base = base.value
        if self._frames and isinstance(base, cst.Name) and self._is_global(base):
            self._events.append(_Event(base.value, self._frames[-1], node))

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._defines(t.target, node.value, node)
            if isinstance(t.target, cst.Subscript):
                if _fills_template(t.target):
                    continue
                self._mutated(t.target, node)
            elif isinstance(t.target, cst.Name) and self._frames and t.target.value in self._frames[-1].globals:
                self._events.append(_Event(t.target.value, self._frames[-1], node, rebinding=True))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._defines(node.target, node.value, node)
        if isinstance(node.target, cst.Subscript):
            self._mutated(node.target, node)
        elif (isinstance(node.target, cst.Name) and not self._frames and not self._class_depth
              and _RESOURCE_ANNOTATION_RE.search(self.source_of(node.annotation.annotation))):
            self._resources.add(node.target.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Subscript):
            self._mutated(node.target, node)
        elif isinstance(node.target, cst.Name) and self._frames and node.target.value in self._frames[-1].globals:
            self._events.append(_Event(node.target.value, self._frames[-1], node, rebinding=True, augmented=True))

    def visit_Del(self, node: cst.Del) -> None:
        if isinstance(node.target, cst.Subscript):
            self._mutated(node.target, node)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not self._frames and isinstance(func, cst.Name):
            self._init_calls.add(func.value)
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATORS:
            if func.attr.value == "popitem" and isinstance(func.value, cst.Name):
                self._bounded.add(func.value.value)
            self._mutated(func.value, node)

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.file.role != "src":
            return
        reported: set[str] = set()
        for event in self._events:
            name, frame = event.name, event.frame
            if (name in reported or name in self._resources or frame.init_time or frame.returns_param
                    or frame.name in self._init_calls):
                continue
            if event.rebinding:
                if name in self._containers or name in frame.none_checked:
                    continue
                if not (event.augmented or _STATE_NAME_RE.search(name)):
                    continue
                how = "rebinds it through `global`"
            else:
                if name not in self._containers or name in self._bounded or name in frame.returned:
                    continue
                how = "mutates it"
            reported.add(name)
            line = self.position(event.node)[0]
            self.report(self._module_names.get(name, event.node),
                        f"Module-level `{name}` holds state: `{frame.name}()` {how} (line {line}). It is lost on "
                        "restart and not shared between replicas; keep it in a backing service keyed by session")


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
