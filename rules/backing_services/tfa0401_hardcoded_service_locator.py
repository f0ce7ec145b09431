"""TFA0401 — Backing-service locator hardcoded in code."""

from __future__ import annotations

import ast
import re

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import AstRule, Example

from ..facts.ast_nodes import string_value, target_name
from ..facts.backing_clients import BackingFacts, Client, _templated, client_for, service_url
from ._shared import backing_reason, bound_locator, deploy_endpoint, host_of, literal_host, private_host

_ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.__getitem__"}
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_TARGET_RE = re.compile(r"(?i)(^|_)env(iron(ment)?)?s?($|_)")
#: Attributes that hold where a client connects: overwriting one with a literal hardcodes it.
_ENDPOINT_ATTRIBUTES = {"base_url", "api_base", "openai_api_base", "azure_endpoint", "endpoint", "api_endpoint",
                        "base_uri", "server_url", "api_url"}


class HardcodedServiceLocator(AstRule):
    id = "TFA0401"
    name = "hardcoded-service-locator"
    factor = 4
    severity = Severity.WARNING
    title = "Backing-service locator hardcoded in code"
    collectors = (BackingFacts,)
    what = """
        A literal database, cache, broker or graph URL (`postgresql://…`, `redis://…`,
        `amqp://…`, `mongodb+srv://…`, `neo4j://…`, `sqlite:///app.db`) passed to a client
        (`create_engine`, `psycopg.connect`, `asyncpg.create_pool`, `Redis.from_url`,
        `MongoClient`, `Celery(broker=…)`, `GraphDatabase.driver`…) or assigned to a `*_url`,
        `*_uri`, `dsn`, `broker` or `backend` name; a literal `host=`/`url=` of a vector
        store, Redis, Milvus, Weaviate or Elasticsearch client; and a literal `base_url=`,
        `api_base=` or `azure_endpoint=` of an LLM client pointing at a local, private or
        internal host; an endpoint attribute overwritten with a literal local, private,
        internal, staging or production URL (`openai.api_base = "http://localhost:1234/v1"`,
        `client.base_url = "http://10.0.0.5:8000"`, `settings.endpoint = …`). Not reported:
        the default of an environment lookup (`os.getenv("REDIS_URL", "redis://localhost")`)
        or of a `BaseSettings` field,
        `sqlite:///:memory:`, public API hosts, tests and examples.
    """
    why = """
        A backing service is an attached resource: each deploy (a laptop, staging,
        production) attaches its own database, queue or model server. A locator in code ties
        every deploy to one machine, and swapping the service means editing and releasing
        code instead of changing configuration.
    """
    fix = """
        Read the locator from the environment at start-up — `create_engine(os.environ["DATABASE_URL"])`,
        `Redis.from_url(os.environ["REDIS_URL"])`, `OpenAI(base_url=os.environ["OPENAI_BASE_URL"])` —
        or from a `pydantic-settings` field; keep a local development value only as the
        default of that lookup.
    """
    invalid = (
        Example.of("""
            from sqlalchemy import create_engine as make_engine
            import redis

            engine = make_engine("postgresql+psycopg://10.0.0.5:5432/agent")
            cache = redis.Redis(host="10.0.4.12", port=6379)
            BROKER_URL = "amqp://rabbitmq.prod.internal:5672//"
        """, "agent/db.py", lines=(4, 5, 6), columns=(22, 26, 14), message="hardcoded in"),
        Example.of("""
            from openai import OpenAI
            from langchain_ollama import ChatOllama

            client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
            chat = ChatOllama(model="llama3.1", base_url="http://ollama:11434")
        """, "agent/llm.py", lines=(4, 5), columns=(26, 46), message="LLM provider endpoint"),
        Example.of("""
            from qdrant_client import QdrantClient

            class Store:
                def __init__(self):
                    self.client = QdrantClient(url="http://192.168.1.20:6333")
                    self.db_url = "sqlite:///./agent.db"
        """, "agent/store.py", lines=(5, 6), columns=(40, 23), message="hardcoded in"),
        Example.of("""
            import openai

            from agent.settings import settings

            openai.api_base = "http://localhost:1234/v1"


            def connect():
                client = openai.OpenAI()
                client.base_url = "http://10.0.0.5:8000"
                settings.endpoint = "https://llm.prod.acme.io/v1"
                return client
        """, "agent/llm_setup.py", lines=(5, 10, 11), columns=(19, 23, 25), message="overwritten with the literal endpoint"),
    )
    valid = (
        Example.of("""
            import os

            import redis
            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"])
            REDIS_URL = os.getenv("REDIS_URL", "redis://localhost:6379/0")
            cache = redis.Redis.from_url(REDIS_URL)
            memory = create_engine("sqlite:///:memory:")
            LOCAL_BROKER_URL = "amqp://localhost:5672//"
            broker_url = os.environ.get("BROKER_URL", LOCAL_BROKER_URL)
        """, "agent/db.py"),
        Example.of("""
            from openai import OpenAI
            from pydantic_settings import BaseSettings


            class Settings(BaseSettings):
                database_url: str = "postgresql://localhost:5432/agent"
                qdrant_url: str = "http://localhost:6333"


            client = OpenAI(base_url="https://api.openai.com/v1")
            router = OpenAI(base_url="https://openrouter.ai/api/v1")
        """, "agent/config.py"),
        Example.of("""
            import redis

            cache = redis.Redis(host="localhost", port=6379)
            DATABASE_URL = "postgresql://localhost:5432/test_agent"
        """, "tests/conftest.py"),
        Example.of("""
            def create_engine(url):
                return url


            engine = create_engine("postgresql://db.internal/agent")
            template = "postgresql://{user}@{host}/agent"
            help_text = "a URL such as postgresql://host/db"
            connection_url = "postgresql://user:password@host:5432/dbname"
            service_environment = {"REDIS_URI": "redis://redis:6379", "POSTGRES_URI": "postgres://db:5432/agent"}
        """, "agent/util.py"),
        Example.of("""
            def compose_file(image: str) -> str:
                redis_url = "redis://cache:6379/0"
                return f\"\"\"services:
              worker:
                image: {image}
                environment:
                  REDIS_URL: {redis_url}
            \"\"\"
        """, "agent_cli/scaffold.py"),
        Example.of("""
            import os

            import openai


            def connect(base_url=None):
                client = openai.OpenAI()
                openai.api_base = "https://api.openai.com/v1"
                client.base_url = base_url or os.environ.get("LLM_BASE_URL", "http://localhost:8000")
                client.endpoint = "/v1/chat/completions"
                client.host = "0.0.0.0"
        """, "agent/llm_setup.py"),
        Example.of("""
            import openai


            def patch():
                client = openai.OpenAI()
                client.base_url = "http://localhost:8000"
        """, "tests/test_client.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._settings_classes: set[ast.ClassDef] = set()  # classes deriving from a BaseSettings
        self._env_defaults: set[str] = set()  # names used as the default of an environment lookup
        self._pending: list[tuple[ast.AST, str, str | None]] = []  # node, message, bound name
        self._seen: set[int] = set()
        # Dicts that set a process's environment (`environment = {"REDIS_URI": …}`, `env={…}`): the
        # locator is configuration handed to another process there, which is where it belongs.
        self._env_dicts: set[int] = set()
        # Names only ever interpolated into f-strings (`f"DATABASE_URI: {postgres_uri}"`): the locator is
        # text rendered into a generated file (a compose file, a manifest), not a connection this code opens.
        # Every identifier counts as a use (attribute names, parameters, keywords, imports), as libcst's
        # name nodes did, except a name assigned to directly.
        self._fstring_depth = 0
        self._target_ids: set[int] = set()
        self._rendered: set[str] = set()
        self._loaded: set[str] = set()

    def _flag(self, node: ast.AST, message: str, name: str | None = None) -> None:
        if id(node) not in self._seen:
            self._seen.add(id(node))
            self._pending.append((node, message, name))

    # -- where a literal stands --------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._used(node.name)
        bases = [b.value if isinstance(b, ast.Starred) else b for b in node.bases]
        names = {q for b in bases for q in self.qualified_names(b)} | {self.source_of(b) for b in bases}
        if any(b.endswith("Settings") for b in names):
            self._settings_classes.add(node)

    def _in_settings_body(self, node: ast.stmt) -> bool:
        """A statement of a settings class's own body (not of a method, nor of a class inside it)."""
        if self.semantic.enclosing_function(node) is not None:
            return False
        return self.semantic.enclosing_class(node) in self._settings_classes

    # -- literals bound to locator names ----------------------------------------------------
    def _check_bound(self, value: ast.expr | None, name: str | None) -> None:
        literal = string_value(value)
        shown = bound_locator(name, literal) if name and literal is not None else None
        if shown:
            env = name.upper() if _ENV_NAME_RE.match(name.upper()) else "SERVICE_URL"
            self._flag(value, f"Backing-service locator `{shown}` hardcoded in `{name}`: read it from the "
                              f"environment (`os.environ[\"{env}\"]`) so each deploy attaches its own service", name)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._target_ids.update(id(t) for t in node.targets)
        if self._in_settings_body(node):
            return
        for target in node.targets:
            name = target_name(target)
            if name and _ENV_TARGET_RE.search(name) and isinstance(node.value, ast.Dict):
                self._env_dicts.add(id(node.value))
            self._check_bound(node.value, name)
            self._check_overwritten(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if not self._in_settings_body(node):
            self._check_bound(node.value, target_name(node.target))
            self._check_overwritten(node.target, node.value)

    def _check_overwritten(self, target: ast.expr, value: ast.expr | None) -> None:
        """``openai.api_base = "http://localhost:1234/v1"``, ``client.base_url = "http://10.0.0.5"``:
        an object's or module's endpoint set to a literal pointing at one deploy's machine."""
        if not isinstance(target, ast.Attribute) or target.attr not in _ENDPOINT_ATTRIBUTES:
            return
        literal = string_value(value)
        shown = deploy_endpoint(literal) if literal else None
        if value is None or not shown:
            return
        owner = target.value
        module = owner.id.upper() + "_" if isinstance(owner, ast.Name) and self.semantic.imported_names(owner) else ""
        self._flag(value, f"`{self.source_of(target)}` overwritten with the literal endpoint `{shown}`: read it "
                          f"from the environment (`os.environ[\"{module}{target.attr.upper()}\"]`) so each deploy "
                          "attaches its own service")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        self._fstring_depth += 1

    def leave_FormattedValue(self, node: ast.FormattedValue) -> None:
        self._fstring_depth -= 1

    def _used(self, name: str | None) -> None:
        if name:
            (self._rendered if self._fstring_depth else self._loaded).add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if id(node) not in self._target_ids:
            self._used(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._used(node.attr)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._used(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node: ast.arg) -> None:
        self._used(node.arg)

    def visit_keyword(self, node: ast.keyword) -> None:
        self._used(node.arg)

    def visit_alias(self, node: ast.alias) -> None:
        for part in node.name.split("."):
            self._used(part if part != "*" else None)
        self._used(node.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for part in (node.module or "").split("."):
            self._used(part)

    def visit_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        for name in node.names:
            self._used(name)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._used(node.name)

    def visit_MatchAs(self, node: ast.MatchAs | ast.MatchStar) -> None:
        self._used(node.name)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self._used(node.rest)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        for name in node.kwd_attrs:
            self._used(name)

    def visit_Dict(self, node: ast.Dict) -> None:
        if id(node) in self._env_dicts:
            return
        for key, value in zip(node.keys, node.values):
            if key is not None:  # not `**mapping`
                self._check_bound(value, string_value(key))

    # -- literals passed to clients ---------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        qnames = self.qualified_names(node.func)
        self._note_env_default(node, qnames)
        found = client_for(qnames)
        if found:
            self._check_client(node, *found)
        for keyword in node.keywords:
            if keyword.arg is not None:
                if _ENV_TARGET_RE.search(keyword.arg) and isinstance(keyword.value, ast.Dict):
                    self._env_dicts.add(id(keyword.value))
                self._check_bound(keyword.value, keyword.arg)

    def _check_client(self, node: ast.Call, ctor: str, client: Client) -> None:
        short = ctor.rsplit(".", 1)[-1] if "." in ctor else ctor
        positional = [a for a in node.args if not isinstance(a, ast.Starred)]
        for slot in (*client.urls, *client.hosts, *client.endpoints):
            if slot == "#0":
                value = positional[0] if positional else None
            else:
                value = next((k.value for k in node.keywords if k.arg == slot), None)
            literal = string_value(value)
            if value is None or literal is None:
                continue
            where = f"`{short}({'' if slot == '#0' else slot + '='}…)`"
            if slot in client.urls:
                shown = service_url(literal)
            elif slot in client.hosts:
                shown = literal_host(literal)
            else:
                host = host_of(literal)
                shown = literal if host and not _templated(literal) and private_host(host) else None
            if shown:
                kind = "endpoint" if slot in client.endpoints else "locator"
                family = client.family[0].upper() + client.family[1:]
                self._flag(value, f"{family} {kind} `{shown}` hardcoded in {where}: read it from the environment "
                                  f"(e.g. `os.environ[\"{client.env}\"]`) so each deploy attaches its own service")

    def _note_env_default(self, node: ast.Call, qnames: frozenset[str]) -> None:
        """``os.getenv("REDIS_URL", DEFAULT_REDIS_URL)``, ``config("DATABASE_URL", default=LOCAL_DB)``:
        the named literal is a development default, which is allowed."""
        # Arguments without a keyword, in source order: `*args` values, then `**kwargs` ones.
        positional = [a.value if isinstance(a, ast.Starred) else a for a in node.args] + [
            k.value for k in node.keywords if k.arg is None]
        key = string_value(positional[0]) if positional else None
        if not (qnames & _ENV_GETTERS or (key and _ENV_NAME_RE.match(key))):
            return
        defaults = positional[1:2] + [k.value for k in node.keywords if k.arg == "default"]
        self._env_defaults.update(d.id for d in defaults if isinstance(d, ast.Name))

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # `os.environ.get("REDIS_URL") or LOCAL_REDIS_URL`; `a or b or c` is (a or b) or c, each `or`
        # read with all it follows.
        if not isinstance(node.op, ast.Or):
            return
        first = node.values[0]
        for before, right in zip(node.values, node.values[1:]):
            if isinstance(right, ast.Name) and re.search(r"getenv|environ", self.source_of(ast.Pass(
                    lineno=first.lineno, col_offset=first.col_offset, end_lineno=before.end_lineno,
                    end_col_offset=before.end_col_offset))):
                self._env_defaults.add(right.id)

    def leave_Module(self, node: ast.Module) -> None:
        if self.file.role in ("test", "example"):
            return
        for flagged, message, name in self._pending:
            if name is not None and name in self._rendered and name not in self._loaded:
                continue  # only rendered into generated text
            if name is None or name not in self._env_defaults:
                self.report(flagged, message)

