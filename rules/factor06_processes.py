"""Factor VI — Processes: stateless, share-nothing; state lives in backing services."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import Example, PythonRule

from ._processes import ProcessFacts, long_running_reason

_CONTAINER_CALLS = {
    "builtins.dict", "builtins.list", "builtins.set", "collections.defaultdict", "collections.OrderedDict",
    "collections.deque", "collections.Counter",
}
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add", "remove", "discard", "clear",
             "pop", "popitem", "appendleft", "extendleft", "__setitem__"}
_STATE_NAME_RE = re.compile(r"(?i)(history|memory|conversation|session|chat|message|thread|context|state|store|"
                            r"user|current|last|counter|count|buffer|queue|result|pending|active|total)")
_INIT_NAME_RE = re.compile(r"(?i)(lifespan|startup|^_?init|^_?setup|initiali[sz]e|^_?load|^_?register|^_?configure)")
_INIT_DECORATOR_RE = re.compile(r"(on_event|before_first_request|before_serving|on_startup|listener|fixture)")


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
    title = "Module-level variable holds state that functions change"
    collectors = (ProcessFacts,)
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)
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
            if name in reported or frame.init_time or frame.returns_param or frame.name in self._init_calls:
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
