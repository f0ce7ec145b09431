"""TFA0602 — In-process memory or checkpointer shared by every request."""

from __future__ import annotations

import ast
import re

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import Example

from ..facts.processes import ProcessFacts, long_running_reason
from ._shared import _ConsoleAware

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


def _in_memory_kind(names: frozenset[str]) -> tuple[str, str] | None:
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
        """, "agent/server.py", lines=(9,), columns=(38,), message="(checkpointer) created at import time"),
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
        """, "app.py", lines=(8,), columns=(10,), message="(conversation memory) created at import time"),
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
        """, "app.py", lines=(7,), columns=(9,), message="(vector store) created at import time"),
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
        self._stores: list[tuple[ast.Call, str, str]] = []  # (call, qualified name, kind)
        self._vector_names: dict[str, int] = {}  # module name -> index into _stores
        self._written: set[str] = set()  # vector store names a function adds to

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.semantic.at_module_level(node) and isinstance(node.value, ast.Call):
            found = _in_memory_kind(self.qualified_names(node.value.func))
            if found and found[1] == "vector store":
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self._vector_names[target.id] = len(self._stores)

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        self._note_call(node, names)
        func = node.func
        in_function = self._in_function(node)
        if (in_function and isinstance(func, ast.Attribute) and func.attr in _VECTOR_WRITES
                and isinstance(func.value, ast.Name)):
            self._written.add(func.value.id)
        if in_function:
            return
        found = _in_memory_kind(names)
        if found and not any(k.arg in _BACKED_BY for k in node.keywords):
            self._stores.append((node, *found))

    def leave_Module(self, module: ast.Module) -> None:
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
