"""TFA0103 — Behaviour branched on environment name."""

from __future__ import annotations

import ast
import re

from tfa_lint.model import Severity
from tfa_lint.rule import AstRule, Example

from ..facts.ast_nodes import callee_name, string_value, target_name
from ..facts.ast_source import call_arguments, source, string_tokens

_ENV_VARS = {"ENV", "ENVIRONMENT", "APP_ENV", "APP_ENVIRONMENT", "STAGE", "APP_STAGE", "DEPLOY_ENV",
             "DEPLOYMENT_ENV", "DEPLOYMENT_ENVIRONMENT", "PYTHON_ENV", "FLASK_ENV", "DJANGO_ENV", "RUN_ENV",
             "RUNTIME_ENV", "ENV_NAME", "ENVIRONMENT_NAME", "SERVICE_ENV"}
_ENV_NAMES = {v.lower() for v in _ENV_VARS}
_ENV_VALUES = {"dev", "development", "local", "staging", "stage", "prod", "production"}
_ENV_READERS = {"os.getenv", "os.environ.get", "decouple.config"}
_NORMALISERS = {"lower", "upper", "strip", "casefold"}

#: Constructors of LLM clients and backing-service clients (qualified names).
CLIENT_CONSTRUCTORS = frozenset({
    "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
    "anthropic.Anthropic", "anthropic.AsyncAnthropic", "anthropic.AnthropicBedrock", "anthropic.AnthropicVertex",
    "langchain_openai.ChatOpenAI", "langchain_openai.AzureChatOpenAI", "langchain_openai.OpenAIEmbeddings",
    "langchain_anthropic.ChatAnthropic", "langchain_google_genai.ChatGoogleGenerativeAI",
    "langchain_ollama.ChatOllama", "langchain_community.chat_models.ChatOllama", "litellm.Router", "crewai.LLM",
    "smolagents.OpenAIServerModel", "smolagents.LiteLLMModel", "smolagents.InferenceClientModel",
    "smolagents.HfApiModel", "groq.Groq", "mistralai.Mistral", "cohere.Client", "cohere.ClientV2",
    "google.genai.Client", "ollama.Client", "ollama.AsyncClient",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url", "redis.asyncio.Redis",
    "redis.asyncio.from_url", "redis.asyncio.Redis.from_url", "sqlalchemy.create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine", "sqlite3.connect", "psycopg.connect", "psycopg2.connect",
    "asyncpg.connect", "asyncpg.create_pool", "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient",
    "qdrant_client.QdrantClient", "qdrant_client.AsyncQdrantClient", "chromadb.Client", "chromadb.PersistentClient",
    "chromadb.EphemeralClient", "chromadb.HttpClient", "chromadb.AsyncHttpClient", "pinecone.Pinecone",
    "weaviate.Client", "weaviate.connect_to_local", "weaviate.connect_to_weaviate_cloud",
    "elasticsearch.Elasticsearch", "neo4j.GraphDatabase.driver", "pika.BlockingConnection",
})
#: Targets, keywords and keys whose values are feature toggles, not a fork of the code.
_TOGGLE_RE = re.compile(r"(?i)(origin|cors|debug|log|reload|docs|openapi|redoc|swagger|allowed_hosts|trusted_hosts|"
                        r"csrf|cookie|verbose|echo)")
_TOGGLE_CALLS = {"add_middleware", "CORS", "CORSMiddleware", "basicConfig", "setLevel"}
_HOST_NAME_RE = re.compile(r"(?i)(^|_)(host|hostname|server|endpoint|domain|addr|address|api_base|base_url)s?$")
_MODEL_NAME_RE = re.compile(r"(?i)(model|^engine$|^llm$|deployment_name)")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_HOST_RE = re.compile(r"^(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)(:\d+)?$")
_MODEL_RE = re.compile(r"^[\w./:@-]{2,}$")
#: Where a server listens is a deploy detail of the process, not a backing service.
_BIND_ADDRESSES = {"0.0.0.0", "127.0.0.1", "::"}


class EnvironmentNameBranch(AstRule):
    id = "TFA0103"
    name = "environment-name-branch"
    factor = 1
    severity = Severity.WARNING
    title = "Behaviour branched on environment name"
    what = """
        An `if` statement or conditional expression that compares the environment's name —
        `os.getenv("ENV")`, `os.environ["APP_ENV"]`, `settings.ENVIRONMENT`, `STAGE`… — with
        `"dev"`, `"local"`, `"staging"` or `"prod"`, and whose branches bind different literal
        URLs, hosts or model names, or construct different LLM or backing-service clients.
        Branches that only toggle debug, log level, reload, API docs or CORS are not reported,
        nor are tests and examples.
    """
    why = """
        Each deploy should run the same code with its own config. A branch on the environment
        name forks the codebase: the production path runs only in production, so it is never
        exercised in development or CI, and a new environment (a second staging, a customer
        deploy) needs a code change instead of a config change.
    """
    fix = """
        Replace the branch with the value it selects, read from the environment:
        `db_url = os.environ["DATABASE_URL"]`, `model = os.environ["MODEL"]`,
        `OpenAI(base_url=os.getenv("OPENAI_BASE_URL"))`. Each deploy sets its own value.
    """
    invalid = (
        Example.of("""
            import os

            if os.getenv("ENV") == "prod":
                db_url = "postgresql://prod-db.internal/agent"
            else:
                db_url = "sqlite:///dev.db"
        """, "agent/db.py", lines=(3,), columns=(4,), message="Code branches on the environment name"),
        Example.of("""
            from langchain_ollama import ChatOllama
            from langchain_openai import ChatOpenAI

            from agent.config import settings

            llm = ChatOllama(model="llama3") if settings.ENVIRONMENT in ("dev", "local") else ChatOpenAI()
        """, "agent/llm.py", lines=(6,), columns=(37,), message="Code branches on the environment name"),
        Example.of("""
            import os as system

            ENV = system.environ.get("APP_ENV", "dev").lower()
            if ENV != "production":
                MODEL = "gpt-4o-mini"
            else:
                MODEL = "gpt-4o"
        """, "agent/models.py", lines=(4,), columns=(4,), message="Code branches on the environment name"),
    )
    valid = (
        Example.of("""
            import os

            db_url = os.environ["DATABASE_URL"]
            model = os.getenv("MODEL", "gpt-4o-mini")
        """, "agent/db.py"),
        Example.of("""
            import logging
            import os

            from fastapi import FastAPI
            from fastapi.middleware.cors import CORSMiddleware

            ENV = os.getenv("ENV", "dev")
            app = FastAPI(docs_url="/docs" if ENV == "dev" else None)
            if ENV == "dev":
                logging.basicConfig(level=logging.DEBUG)
                origins = ["http://localhost:3000"]
                app.add_middleware(CORSMiddleware, allow_origins=["http://localhost:5173"])
        """, "agent/app.py"),
        Example.of("""
            import os

            from sqlalchemy import create_engine

            if os.getenv("ENV") == "prod":
                engine = create_engine(os.environ["DATABASE_URL"], pool_size=20)
            else:
                engine = create_engine(os.environ["DATABASE_URL"])
        """, "agent/db.py"),
        Example.of("""
            import os

            if os.getenv("ENV") == "prod":
                db_url = "postgresql://prod-db.internal/agent"
            else:
                db_url = "sqlite:///dev.db"
        """, "tests/test_db.py"),
        Example.of("""
            mode = "prod"
            if mode == "prod":
                url = "https://api.example.com"
        """, "agent/client.py"),
    )

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._elifs: set[int] = set()  # elif clauses of a reported branch
        self._source = source(file.text)

    def _elif(self, node: ast.If) -> ast.If | None:
        """The ``elif`` clause of ``node`` (ast nests it in ``orelse`` as it does ``else: if``)."""
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            clause = node.orelse[0]
            start = self._source.offset(clause.lineno, clause.col_offset)
            if self._source.text.startswith("elif", start):
                return clause
        return None

    def visit_If(self, node: ast.If) -> None:
        if id(node) in self._elifs:
            return
        chain = self._elif(node)
        if self._check(node.test, node.body, [chain] if chain is not None else node.orelse) and chain is not None:
            while chain is not None:
                self._elifs.add(id(chain))
                chain = self._elif(chain)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._check(node.test, [node.body], [node.orelse])

    def _check(self, test: ast.expr, body: list[ast.AST], orelse: list[ast.AST]) -> bool:
        if self.file.role in ("test", "example"):
            return False
        shown = self._env_test(test)
        if shown is None:
            return False
        chosen = self._choices(body)
        other = self._choices(orelse)
        if chosen == other or not chosen | other:
            return False
        kinds = sorted({kind for kind, _ in chosen ^ other})
        self.report(test, f"Code branches on the environment name (`{shown}`) to pick {_describe(kinds)}: "
                          "read that value from an environment variable each deploy sets (e.g. `DATABASE_URL`, "
                          "`MODEL`) and run the same code everywhere")
        return True

    # -- the test ----------------------------------------------------------------------------
    def _env_test(self, test: ast.expr) -> str | None:
        """The comparison's source (with its parentheses) when ``test`` compares the environment
        name with a literal."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self._env_test(test.operand)
        if isinstance(test, ast.BoolOp):
            return next((shown for value in test.values if (shown := self._env_test(value))), None)
        if not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return None
        if not isinstance(test.ops[0], (ast.Eq, ast.NotEq, ast.In, ast.NotIn)):
            return None
        comparator = test.comparators[0]
        for read, literal in ((test.left, comparator), (comparator, test.left)):
            if self._is_env_read(read) and _names_environment(literal):
                return self._source.segment_with_parens(test)
        return None

    def _is_env_read(self, expr: ast.expr) -> bool:
        while (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
               and expr.func.attr in _NORMALISERS and not expr.args and not expr.keywords):
            expr = expr.func.value  # os.getenv("ENV", "dev").lower()
        if isinstance(expr, ast.Call) and self.qualified_names(expr.func) & _ENV_READERS and (
                expr.args or expr.keywords):
            return string_value(call_arguments(expr)[0].value) in _ENV_VARS
        if isinstance(expr, ast.Subscript) and "os.environ" in self.qualified_names(expr.value):
            return string_value(expr.slice) in _ENV_VARS
        if isinstance(expr, ast.Name):
            return expr.id.lower() in _ENV_NAMES
        if isinstance(expr, ast.Attribute):
            return expr.attr.lower() in _ENV_NAMES
        return False

    # -- the branches ------------------------------------------------------------------------
    def _choices(self, nodes: list[ast.AST]) -> set[tuple[str, str]]:
        """What a branch selects: literal URLs, hosts and model names, and client constructors."""
        found: set[tuple[str, str]] = set()
        for node in nodes:
            self._walk(node, None, found)
        return found

    def _walk(self, node: ast.AST, context: str | None, found: set[tuple[str, str]]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return  # definitions do not run in the branch
        if isinstance(node, ast.Call):
            if callee_name(node.func) in _TOGGLE_CALLS:
                return
            names = self.qualified_names(node.func) & CLIENT_CONSTRUCTORS
            if names:
                found.add(("client", min(names)))
        name = _bound_name(node)
        if name is not None:
            if _TOGGLE_RE.search(name):
                return
            context = name
        if isinstance(node, ast.Constant):
            value = string_value(node)
            if value is not None:
                self._literal(value, context, found)
            return
        if isinstance(node, ast.JoinedStr):
            # libcst looked into an f-string's fields, and at the plain strings written beside it.
            for _, part in string_tokens(self._source, node):
                if isinstance(part, str):
                    self._literal(part, context, found)
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    self._walk(value, context, found)
            return
        if isinstance(node, ast.FormattedValue):
            self._walk(node.value, context, found)
            if node.format_spec is not None:  # a spec's text is no literal; its fields are code
                for value in node.format_spec.values:
                    if isinstance(value, ast.FormattedValue):
                        self._walk(value, context, found)
            return
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):  # each entry binds its value to its key
                self._walk_entry(key, value, context, found)
            return
        for child in ast.iter_child_nodes(node):
            self._walk(child, context, found)

    def _walk_entry(self, key: ast.expr | None, value: ast.expr, context: str | None,
                    found: set[tuple[str, str]]) -> None:
        if key is None:  # **mapping
            self._walk(value, context, found)
            return
        name = string_value(key)
        if name is not None:
            if _TOGGLE_RE.search(name):
                return
            context = name
        self._walk(key, context, found)
        self._walk(value, context, found)

    @staticmethod
    def _literal(value: str, context: str | None, found: set[tuple[str, str]]) -> None:
        kind = _literal_kind(value, context)
        if kind:
            found.add((kind, value))


def _bound_name(node: ast.AST) -> str | None:
    """The name a node binds its value to: assignment target, keyword or env var (a dict key:
    see ``_walk_entry``)."""
    if isinstance(node, ast.Assign):
        return target_name(node.targets[-1])  # os.environ["OPENAI_BASE_URL"] = ...
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return target_name(node.target)
    if isinstance(node, ast.keyword):
        return node.arg
    return None


def _literal_kind(value: str, context: str | None) -> str | None:
    if _URL_RE.match(value):
        return "url"
    if context and _HOST_NAME_RE.search(context) and _HOST_RE.match(value) and value not in _BIND_ADDRESSES:
        return "host"
    if context and _MODEL_NAME_RE.search(context) and _MODEL_RE.match(value):
        return "model"
    return None


def _describe(kinds: list[str]) -> str:
    words = {"client": "a different client", "host": "a different host", "model": "a different model",
             "url": "a different URL"}
    return " and ".join(words[k] for k in kinds)


def _names_environment(node: ast.expr) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_environment(e.value if isinstance(e, ast.Starred) else e) for e in node.elts)
    value = string_value(node)
    return value is not None and value.lower() in _ENV_VALUES
