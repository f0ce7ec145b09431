"""Factor IV — Backing services: databases, queues, vector stores and model endpoints are
attached resources, located by configuration and swappable without a code change.

Client constructors are data (qualified names as their libraries export them: SQLAlchemy 2.0,
redis-py 5, pymongo 4, qdrant-client 1.12, chromadb 0.5, pymilvus 2.4, weaviate-client 4,
openai 1.x, langchain-openai/-ollama 0.2, llama-index 0.11).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import libcst as cst

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, PythonRule, RepoRule

from .facts.cst_nodes import NestingDepth, string_value, target_name

SQL, MONGO, REDIS, BROKER, GRAPH, VECTOR, SEARCH, LLM = (
    "SQL database", "MongoDB", "Redis", "message broker", "graph database", "vector store", "search engine",
    "LLM provider")


@dataclass(frozen=True)
class Client:
    """A backing-service client constructor and the arguments that locate its service.

    ``urls``: a literal there is reported when it is a service URL (``redis://…``);
    ``hosts``: any literal host or URL is reported; ``endpoints``: a literal URL is reported
    only when it points at a non-public host (a local or internal model server).
    ``"#0"`` names the first positional argument.
    """

    family: str
    env: str
    urls: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()


def _table(names: str, client: Client) -> dict[str, Client]:
    return {name: client for name in names.split()}


_SQL_URL = Client(SQL, "DATABASE_URL", urls=("#0", "url", "dsn", "conninfo", "conn_string"), hosts=("host",))
_REDIS_URL = Client(REDIS, "REDIS_URL", urls=("#0", "url", "conn_string"))
_OPENAI = Client(LLM, "OPENAI_BASE_URL", endpoints=("base_url", "openai_api_base", "api_base"))
_AZURE = Client(LLM, "AZURE_OPENAI_ENDPOINT", endpoints=("azure_endpoint", "base_url"))
_OLLAMA = Client(LLM, "OLLAMA_BASE_URL", endpoints=("base_url", "host", "#0"))
_GENERIC_LLM = Client(LLM, "LLM_BASE_URL", endpoints=("base_url", "api_base", "server_url"))
_FAMILY_ONLY_VECTOR = Client(VECTOR, "VECTOR_STORE_URL")

CLIENTS: dict[str, Client] = {
    **_table("sqlalchemy.create_engine sqlalchemy.engine.create_engine sqlalchemy.ext.asyncio.create_async_engine "
             "sqlmodel.create_engine psycopg.connect psycopg.AsyncConnection.connect psycopg2.connect "
             "psycopg_pool.ConnectionPool psycopg_pool.AsyncConnectionPool asyncpg.connect asyncpg.create_pool "
             "pymysql.connect aiomysql.connect aiomysql.create_pool "
             "langgraph.checkpoint.postgres.PostgresSaver.from_conn_string "
             "langgraph.checkpoint.postgres.aio.AsyncPostgresSaver.from_conn_string", _SQL_URL),
    **_table("pymongo.MongoClient motor.motor_asyncio.AsyncIOMotorClient",
             Client(MONGO, "MONGODB_URL", hosts=("#0", "host"))),
    **_table("redis.Redis redis.StrictRedis redis.client.Redis redis.asyncio.Redis redis.asyncio.StrictRedis",
             Client(REDIS, "REDIS_URL", hosts=("#0", "host"))),
    **_table("redis.from_url redis.Redis.from_url redis.StrictRedis.from_url redis.asyncio.from_url "
             "redis.asyncio.Redis.from_url redis.asyncio.StrictRedis.from_url "
             "langgraph.checkpoint.redis.RedisSaver.from_conn_string", _REDIS_URL),
    **_table("celery.Celery", Client(BROKER, "CELERY_BROKER_URL", urls=("broker", "backend"))),
    **_table("kombu.Connection pika.URLParameters aio_pika.connect aio_pika.connect_robust",
             Client(BROKER, "BROKER_URL", urls=("#0", "url", "hostname"))),
    **_table("pika.ConnectionParameters", Client(BROKER, "BROKER_URL", hosts=("host",))),
    **_table("kafka.KafkaProducer kafka.KafkaConsumer aiokafka.AIOKafkaProducer aiokafka.AIOKafkaConsumer",
             Client(BROKER, "KAFKA_BOOTSTRAP_SERVERS", hosts=("bootstrap_servers",))),
    **_table("neo4j.GraphDatabase.driver neo4j.AsyncGraphDatabase.driver",
             Client(GRAPH, "NEO4J_URI", urls=("#0", "uri"))),
    **_table("qdrant_client.QdrantClient qdrant_client.AsyncQdrantClient",
             Client(VECTOR, "QDRANT_URL", hosts=("#0", "location", "url", "host"))),
    **_table("chromadb.HttpClient chromadb.AsyncHttpClient", Client(VECTOR, "CHROMA_HOST", hosts=("#0", "host"))),
    **_table("weaviate.connect_to_custom", Client(VECTOR, "WEAVIATE_URL", hosts=("http_host", "grpc_host"))),
    **_table("weaviate.connect_to_local", Client(VECTOR, "WEAVIATE_URL", hosts=("host",))),
    **_table("weaviate.Client", Client(VECTOR, "WEAVIATE_URL", hosts=("#0", "url"))),
    **_table("pymilvus.connections.connect", Client(VECTOR, "MILVUS_URI", hosts=("host", "uri"))),
    **_table("pymilvus.MilvusClient", Client(VECTOR, "MILVUS_URI", hosts=("#0", "uri"))),
    **_table("elasticsearch.Elasticsearch elasticsearch.AsyncElasticsearch",
             Client(SEARCH, "ELASTICSEARCH_URL", hosts=("#0", "hosts"))),
    # Vector stores whose locator is not a plain argument: counted for TFA0402/TFA0403 only.
    **_table("pinecone.Pinecone pinecone.grpc.PineconeGRPC chromadb.PersistentClient chromadb.Client "
             "langchain_chroma.Chroma langchain_community.vectorstores.Chroma langchain_community.vectorstores.FAISS "
             "langchain_community.vectorstores.Qdrant langchain_community.vectorstores.Pinecone "
             "langchain_community.vectorstores.PGVector langchain_community.vectorstores.Weaviate "
             "langchain_community.vectorstores.Milvus langchain_community.vectorstores.Redis "
             "langchain_community.vectorstores.ElasticsearchStore langchain_qdrant.QdrantVectorStore "
             "langchain_pinecone.PineconeVectorStore langchain_milvus.Milvus langchain_weaviate.WeaviateVectorStore "
             "llama_index.vector_stores.chroma.ChromaVectorStore llama_index.vector_stores.qdrant.QdrantVectorStore "
             "llama_index.vector_stores.pinecone.PineconeVectorStore", _FAMILY_ONLY_VECTOR),
    **_table("langchain_postgres.PGVector", Client(VECTOR, "DATABASE_URL", urls=("connection",))),
    **_table("openai.OpenAI openai.AsyncOpenAI langchain_openai.ChatOpenAI langchain_openai.OpenAIEmbeddings "
             "langchain_openai.OpenAI langchain_community.chat_models.ChatOpenAI llama_index.llms.openai.OpenAI "
             "llama_index.llms.openai_like.OpenAILike smolagents.OpenAIServerModel", _OPENAI),
    **_table("openai.AzureOpenAI openai.AsyncAzureOpenAI langchain_openai.AzureChatOpenAI "
             "langchain_openai.AzureOpenAIEmbeddings", _AZURE),
    **_table("langchain_ollama.ChatOllama langchain_ollama.OllamaEmbeddings langchain_ollama.OllamaLLM "
             "langchain_community.chat_models.ChatOllama langchain_community.llms.Ollama "
             "langchain_community.embeddings.OllamaEmbeddings llama_index.llms.ollama.Ollama "
             "llama_index.embeddings.ollama.OllamaEmbedding ollama.Client ollama.AsyncClient", _OLLAMA),
    **_table("anthropic.Anthropic anthropic.AsyncAnthropic langchain_anthropic.ChatAnthropic crewai.LLM "
             "smolagents.LiteLLMModel groq.Groq groq.AsyncGroq mistralai.Mistral cohere.Client cohere.ClientV2 "
             "google.genai.Client langchain_google_genai.ChatGoogleGenerativeAI litellm.Router", _GENERIC_LLM),
}
#: Class methods that build a client, as in ``Chroma.from_documents(...)``.
_BUILDERS = {"from_documents", "from_texts", "from_existing_index", "from_existing_collection", "from_url",
             "from_conn_string", "from_connection_string", "from_client", "from_params"}

_SERVICE_URL_RE = re.compile(
    r"^(?P<scheme>(?:postgres(?:ql)?|mysql|mariadb|mssql|oracle|cockroachdb|mongodb|redis|rediss|valkey|amqps?|kafka|"
    r"nats|neo4j|bolt|clickhouse|elasticsearch)(?:\+[\w-]+)?)://(?P<rest>.+)$", re.IGNORECASE)
_SQLITE_FILE_RE = re.compile(r"^sqlite(?:\+\w+)?:///(?P<path>.+)$", re.IGNORECASE)
_URL_NAME_RE = re.compile(r"(?i)(url|uri|dsn|conn(ection)?_?str(ing)?|broker|backend)")
_NOT_DEPLOY_NAME_RE = re.compile(r"(?i)(test|example|sample|default|fallback)")  # not what a deploy uses
_PLACEHOLDER_HOST_RE = re.compile(r"(?i)^(host|hostname|server|your[-_]\w*|x+|example\.(com|org|net)|.*\.example)$")
_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".localdomain", ".svc", ".cluster.local", ".home.arpa",
                      ".corp", ".intranet")
_ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.__getitem__"}
_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_TARGET_RE = re.compile(r"(?i)(^|_)env(iron(ment)?)?s?($|_)")




def _templated(value: str) -> bool:
    return any(mark in value for mark in ("{", "$", "<", "...", "%s", "%("))


def _shown(url: str) -> str:
    """The URL without user, password or query: only the locator (TFA0306 reports passwords)."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url


def service_url(value: str) -> str | None:
    """The displayable locator when ``value`` is a backing-service URL or an SQLite file URL."""
    value = value.strip()
    if _templated(value):
        return None
    sqlite = _SQLITE_FILE_RE.match(value)
    if sqlite:
        return None if sqlite["path"].strip("/") in (":memory:", "") else value
    match = _SERVICE_URL_RE.match(value)
    if not match:
        return None
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return None
    if not host or _PLACEHOLDER_HOST_RE.match(host):
        return None
    return _shown(value)


def _host_of(value: str) -> str | None:
    try:
        parts = urlsplit(value if "://" in value else f"//{value}")
        return parts.hostname
    except ValueError:
        return None


def literal_host(value: str) -> str | None:
    """The displayable locator when ``value`` names a host or a network URL (not a local file or
    ``:memory:``)."""
    value = value.strip()
    if (not value or _templated(value) or value == ":memory:" or any(c.isspace() for c in value)
            or value.startswith(("/", "./", "~", "file:")) or value.endswith((".db", ".sqlite"))):
        return None
    host = _host_of(value.split(",")[0])
    if not host or _PLACEHOLDER_HOST_RE.match(host):
        return None
    return _shown(value) if "://" in value else value


def private_host(host: str) -> bool:
    """A local, private or internal host: localhost, any literal IP, a bare service name
    (``ollama``, ``vllm``) or an internal domain. Public API hosts are not private."""
    host = host.lower().strip("[]")
    if host in ("localhost", "host.docker.internal") or host.endswith(_INTERNAL_SUFFIXES):
        return True
    try:
        ipaddress.ip_address(host)
        return True  # a literal address names one machine of one deploy
    except ValueError:
        return "." not in host


def client_for(qnames: set[str]) -> tuple[str, Client] | None:
    """The backing-service client a call constructs, by qualified name (``Chroma.from_documents`` too)."""
    for name in sorted(qnames):
        if name in CLIENTS:
            return name, CLIENTS[name]
        owner, _, method = name.rpartition(".")
        if method in _BUILDERS and owner in CLIENTS:
            return owner, CLIENTS[owner]
    return None


def _short(ctor: str) -> str:
    """``openai.AsyncOpenAI`` and ``openai.OpenAI`` are the same client for TFA0402."""
    return re.sub(r"^Async", "", ctor.rsplit(".", 1)[-1])


class BackingFacts(FactCollector):
    """Backing-service client constructions and service-URL literals, for applicability and TFA0402."""

    name = "backing"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._url_seen = False
        self._functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_Call(self, node: cst.Call) -> None:
        found = client_for(self.qualified_names(node.func))
        if found:
            self.record("backing-client", node, ctor=found[0], family=found[1].family,
                        function=self._functions[-1] if self._functions else "<module>")

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self._url_seen:
            return
        value = string_value(node)
        if value and service_url(value):
            self._url_seen = True
            self.record("backing-url", node)


NO_BACKING = "no backing-service clients found"


def backing_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when the repo's own code talks to a backing service."""
    found = any(f.kind in ("backing-client", "backing-url") and path_role(f.path) in ("src", "script")
                for f in repo.all_facts)
    return None if found else NO_BACKING


class HardcodedServiceLocator(PythonRule):
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
        internal host. Not reported: the default of an environment lookup
        (`os.getenv("REDIS_URL", "redis://localhost")`) or of a `BaseSettings` field,
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
        """, "agent/db.py", lines=(4, 5, 6)),
        Example.of("""
            from openai import OpenAI
            from langchain_ollama import ChatOllama

            client = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
            chat = ChatOllama(model="llama3.1", base_url="http://ollama:11434")
        """, "agent/llm.py", lines=(4, 5)),
        Example.of("""
            from qdrant_client import QdrantClient

            class Store:
                def __init__(self):
                    self.client = QdrantClient(url="http://192.168.1.20:6333")
                    self.db_url = "sqlite:///./agent.db"
        """, "agent/store.py", lines=(5, 6)),
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._settings_classes: list[bool] = []  # one per enclosing class: is it a BaseSettings?
        self._functions = 0
        self._env_defaults: set[str] = set()  # names used as the default of an environment lookup
        self._pending: list[tuple[cst.CSTNode, str, str | None]] = []  # node, message, bound name
        self._seen: set[int] = set()
        # Dicts that set a process's environment (`environment = {"REDIS_URI": …}`, `env={…}`): the
        # locator is configuration handed to another process there, which is where it belongs.
        self._env_dicts: set[int] = set()
        self._dicts: list[bool] = []
        # Names only ever interpolated into f-strings (`f"DATABASE_URI: {postgres_uri}"`): the locator is
        # text rendered into a generated file (a compose file, a manifest), not a connection this code opens.
        self._fstring_depth = 0
        self._target_ids: set[int] = set()
        self._rendered: set[str] = set()
        self._loaded: set[str] = set()

    def _flag(self, node: cst.CSTNode, message: str, name: str | None = None) -> None:
        if id(node) not in self._seen:
            self._seen.add(id(node))
            self._pending.append((node, message, name))

    # -- where a literal stands --------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {q for b in node.bases for q in self.qualified_names(b.value)} | {
            self.source_of(b.value) for b in node.bases}
        self._settings_classes.append(any(b.endswith("Settings") for b in bases))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._settings_classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions -= 1

    def _in_settings_body(self) -> bool:
        return bool(self._settings_classes) and self._settings_classes[-1] and not self._functions

    # -- literals bound to locator names ----------------------------------------------------
    def _check_bound(self, value: cst.BaseExpression | None, name: str | None) -> None:
        if value is None or not name or not _URL_NAME_RE.search(name) or _NOT_DEPLOY_NAME_RE.search(name):
            return
        literal = string_value(value)
        shown = service_url(literal) if literal else None
        if shown:
            env = name.upper() if _ENV_NAME_RE.match(name.upper()) else "SERVICE_URL"
            self._flag(value, f"Backing-service locator `{shown}` hardcoded in `{name}`: read it from the "
                              f"environment (`os.environ[\"{env}\"]`) so each deploy attaches its own service", name)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._target_ids.update(id(t.target) for t in node.targets)
        if self._in_settings_body():
            return
        for target in node.targets:
            name = target_name(target.target)
            if name and _ENV_TARGET_RE.search(name) and isinstance(node.value, cst.Dict):
                self._env_dicts.add(id(node.value))
            self._check_bound(node.value, name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self._in_settings_body():
            self._check_bound(node.value, target_name(node.target))

    def visit_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        self._fstring_depth += 1

    def leave_FormattedStringExpression(self, original_node: cst.FormattedStringExpression) -> None:
        self._fstring_depth -= 1

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._target_ids:
            (self._rendered if self._fstring_depth else self._loaded).add(node.value)

    def visit_Dict(self, node: cst.Dict) -> None:
        self._dicts.append(id(node) in self._env_dicts)

    def leave_Dict(self, original_node: cst.Dict) -> None:
        self._dicts.pop()

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if not (self._dicts and self._dicts[-1]):
            self._check_bound(node.value, string_value(node.key))

    # -- literals passed to clients ---------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        qnames = self.qualified_names(node.func)
        self._note_env_default(node, qnames)
        found = client_for(qnames)
        if found:
            self._check_client(node, *found)
        for arg in node.args:
            if arg.keyword is not None:
                if _ENV_TARGET_RE.search(arg.keyword.value) and isinstance(arg.value, cst.Dict):
                    self._env_dicts.add(id(arg.value))
                self._check_bound(arg.value, arg.keyword.value)

    def _check_client(self, node: cst.Call, ctor: str, client: Client) -> None:
        short = ctor.rsplit(".", 1)[-1] if "." in ctor else ctor
        positional = [a for a in node.args if a.keyword is None and not a.star]
        for slot in (*client.urls, *client.hosts, *client.endpoints):
            if slot == "#0":
                arg = positional[0] if positional else None
            else:
                arg = next((a for a in node.args if a.keyword is not None and a.keyword.value == slot), None)
            literal = string_value(arg.value) if arg is not None else None
            if arg is None or literal is None:
                continue
            where = f"`{short}({'' if slot == '#0' else slot + '='}…)`"
            if slot in client.urls:
                shown = service_url(literal)
            elif slot in client.hosts:
                shown = literal_host(literal)
            else:
                host = _host_of(literal)
                shown = literal if host and not _templated(literal) and private_host(host) else None
            if shown:
                kind = "endpoint" if slot in client.endpoints else "locator"
                family = client.family[0].upper() + client.family[1:]
                self._flag(arg.value, f"{family} {kind} `{shown}` hardcoded in {where}: read it from the environment "
                                      f"(e.g. `os.environ[\"{client.env}\"]`) so each deploy attaches its own service")

    def _note_env_default(self, node: cst.Call, qnames: set[str]) -> None:
        """``os.getenv("REDIS_URL", DEFAULT_REDIS_URL)``, ``config("DATABASE_URL", default=LOCAL_DB)``:
        the named literal is a development default, which is allowed."""
        positional = [a for a in node.args if a.keyword is None]
        key = string_value(positional[0].value) if positional else None
        if not (qnames & _ENV_GETTERS or (key and _ENV_NAME_RE.match(key))):
            return
        defaults = [a.value for a in positional[1:2]] + [a.value for a in node.args
                                                       if a.keyword is not None and a.keyword.value == "default"]
        self._env_defaults.update(d.value for d in defaults if isinstance(d, cst.Name))

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        # `os.environ.get("REDIS_URL") or LOCAL_REDIS_URL`
        if isinstance(node.operator, cst.Or) and isinstance(node.right, cst.Name) and re.search(
                r"getenv|environ", self.source_of(node.left)):
            self._env_defaults.add(node.right.value)

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.file.role in ("test", "example"):
            return
        for node, message, name in self._pending:
            if name is not None and name in self._rendered and name not in self._loaded:
                continue  # only rendered into generated text
            if name is None or name not in self._env_defaults:
                self.report(node, message)




class AdHocClients(RepoRule):
    id = "TFA0402"
    name = "ad-hoc-service-clients"
    factor = 4
    severity = Severity.NOTE
    title = "Backing-service clients constructed ad hoc across modules"
    collectors = (BackingFacts,)
    what = """
        Three or more source modules each construct their own client of the same kind of
        backing service — an LLM provider, a vector store, an SQL engine, Redis, a message
        broker — and at least one constructor recurs. A set of adapter modules that each
        wrap a different provider is not reported; nor are tests, examples and scripts.
    """
    why = """
        When every module builds its own client, the locator, credentials, timeouts and
        retries are decided in several places. Attaching a different service then means
        finding and editing each one, and they drift apart.
    """
    fix = """
        Build each backing-service client once, in one factory module, from configuration
        (`def get_vector_store(settings) -> VectorStore`), and import it (or inject it) where
        it is used.
    """
    invalid = (
        Example.repo({
            "agent/ingest.py": "from qdrant_client import QdrantClient\n\nclient = QdrantClient(url=URL)\n",
            "agent/search.py": "import qdrant_client\n\nstore = qdrant_client.QdrantClient(url=URL)\n",
            "agent/tools/rag.py": """
                from qdrant_client import AsyncQdrantClient


                async def lookup(q):
                    client = AsyncQdrantClient(url=URL)
                    return await client.query_points("docs", query=q)
            """,
        }, lines=(3,)),
        Example.repo({
            "app/chat.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "app/summary.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "app/agents/planner.py": "from openai import AsyncOpenAI\n\nclient = AsyncOpenAI()\n",
        }, lines=(3,)),
    )
    valid = (
        Example.repo({
            "agent/clients.py": """
                import os

                from openai import OpenAI
                from qdrant_client import QdrantClient

                llm = OpenAI()
                store = QdrantClient(url=os.environ["QDRANT_URL"])
            """,
            "agent/ingest.py": "from agent.clients import store\n",
            "agent/search.py": "from agent.clients import llm, store\n",
        }),
        Example.repo({
            "agent/providers/openai_provider.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "agent/providers/anthropic_provider.py": "from anthropic import Anthropic\n\nclient = Anthropic()\n",
            "agent/providers/ollama_provider.py": "from ollama import Client\n\nclient = Client()\n",
        }),
        Example.repo({
            "agent/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "tests/test_llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "examples/demo.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "scripts/backfill.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
        Example.repo({
            "apps/chat_bot/requirements.txt": "openai==1.55.0\n",
            "apps/chat_bot/bot.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "apps/summariser/requirements.txt": "openai==1.55.0\n",
            "apps/summariser/main.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "apps/tutor/requirements.txt": "openai==1.55.0\n",
            "apps/tutor/tutor.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        roots = _project_roots(repo)
        by_family: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for fact in repo.facts("backing-client"):
            dirs = fact.path.split("/")[:-1]
            if (path_role(fact.path) != "src" or fact.data["ctor"] in _APPS_NOT_CLIENTS
                    or fact.data["function"].startswith("from_") or {"alembic", "migrations"} & set(dirs)):
                continue  # `from_*` class methods are the factory; alembic builds its own engine by design
            project = max((r for r in roots if not r or fact.path.startswith(r + "/")), key=len)
            # modules of one providers/ or clients/ package are one factory, not ad hoc constructions
            parent = "/".join(dirs)
            place = parent if dirs and _FACTORY_DIR_RE.match(dirs[-1]) else fact.path
            by_family[(project, fact.data["family"])][place].append(fact)
        for (_, family), places in sorted(by_family.items()):
            if len(places) < 3:
                continue
            ctor_places: dict[str, set[str]] = defaultdict(set)
            for place, facts in places.items():
                for fact in facts:
                    ctor_places[_short(fact.data["ctor"])].add(place)
            if max(len(p) for p in ctor_places.values()) < 2:
                continue  # one module per provider: an adapter set, not duplication
            modules: dict[str, list] = defaultdict(list)
            for facts in places.values():
                for fact in facts:
                    modules[fact.path].append(fact)
            paths = sorted(modules)
            first = min(modules[paths[0]], key=lambda f: (f.line, f.column))
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            yield self.finding(first.path, first.line, first.column,
                               f"{len(paths)} modules construct their own {family} client ({shown}): build it once "
                               "in one factory module from configuration and import it where it is used")


_APPS_NOT_CLIENTS = {"celery.Celery"}  # one Celery app per worker type is by design
_FACTORY_DIR_RE = re.compile(r"(?i)^(providers?|llms?|clients?|adapters?|backends?|integrations?|connectors?|"
                             r"vector_?stores?|stores?|engines?|drivers?|db|database)$")


def _project_roots(repo: Repo) -> set[str]:
    """Directories holding a dependency manifest: each is its own project in a monorepo."""
    manifests = [*repo.files_of(FileKind.REQUIREMENTS), *repo.files_of(FileKind.PYPROJECT),
                 *repo.files_of(FileKind.SETUP_CFG)]
    return {""} | {posixpath.dirname(p) for p in manifests if path_role(p) in ("src", "script")}


class ServiceChosenInCode(NestingDepth, PythonRule):
    id = "TFA0403"
    name = "service-chosen-in-code"
    factor = 4
    severity = Severity.NOTE
    title = "Backing service chosen by a code constant, not by attached resource"
    collectors = (BackingFacts,)
    what = """
        An `if`/`elif` chain that tests a module-level constant holding a literal
        (`VECTOR_DB = "chroma"`, `USE_PINECONE = True`) and constructs a different client of
        the same kind of backing service in its branches. A constant assigned more than once
        (overridden from the environment) or a test on a value read from configuration is not
        reported, nor are tests and examples.
    """
    why = """
        Switching the service then takes a code edit and a new release, and every deploy
        runs the same choice. An attached resource is chosen by each deploy's configuration.
    """
    fix = """
        Select the service from configuration: read a URL or kind from the environment
        (`make_store(os.environ["VECTOR_STORE_URL"])`, dispatching on its scheme) and keep the
        branches in that factory.
    """
    invalid = (
        Example.of("""
            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = "qdrant"


            def make_store():
                if VECTOR_DB == "chroma":
                    return chromadb.PersistentClient(path="index")
                elif VECTOR_DB == "qdrant":
                    return QdrantClient(url=QDRANT_URL)
        """, "agent/store.py", lines=(8,)),
        Example.of("""
            from langchain_openai import ChatOpenAI
            from langchain_ollama import ChatOllama

            USE_LOCAL_MODEL = True

            if USE_LOCAL_MODEL:
                llm = ChatOllama(model="llama3.1")
            else:
                llm = ChatOpenAI(model="gpt-4o-mini")
        """, "agent/llm.py", lines=(6,)),
    )
    valid = (
        Example.of("""
            import os

            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = os.getenv("VECTOR_DB", "chroma")


            def make_store():
                if VECTOR_DB == "chroma":
                    return chromadb.PersistentClient(path="index")
                return QdrantClient(url=os.environ["QDRANT_URL"])
        """, "agent/store.py"),
        Example.of("""
            import os

            from langchain_openai import ChatOpenAI
            from langchain_ollama import ChatOllama

            USE_LOCAL_MODEL = False
            if os.getenv("LOCAL"):
                USE_LOCAL_MODEL = True

            if USE_LOCAL_MODEL:
                llm = ChatOllama(model="llama3.1")
            else:
                llm = ChatOpenAI(model="gpt-4o-mini")
        """, "agent/llm.py"),
        Example.of("""
            from openai import OpenAI

            DEBUG = True

            if DEBUG:
                client = OpenAI(timeout=5)
            else:
                client = OpenAI(timeout=60)
        """, "agent/llm.py"),
        Example.of("""
            import chromadb
            from qdrant_client import QdrantClient

            VECTOR_DB = "qdrant"
            if VECTOR_DB == "chroma":
                store = chromadb.PersistentClient(path="index")
            else:
                store = QdrantClient(":memory:")
        """, "tests/test_store.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._constants: dict[str, str] = {}  # module-level literal constants -> their source
        self._assigned: dict[str, int] = defaultdict(int)  # every binding of a name, anywhere
        self._elifs: set[int] = set()
        self._chains: list[cst.If] = []
        self._clients: list[tuple[int, str, str]] = []  # (line, family, constructor)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._assigned[name] += 1
                value = node.value
                if not self._depth and (string_value(value) is not None or isinstance(value, cst.Integer) or (
                        isinstance(value, cst.Name) and value.value in ("True", "False"))):
                    self._constants[name] = self.source_of(value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._assigned[node.target.value] += 1

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))
        if id(node) not in self._elifs:
            self._chains.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        found = client_for(self.qualified_names(node.func))
        if found:
            self._clients.append((self.position(node)[0], found[1].family, _short(found[0])))

    def leave_Module(self, original_node: cst.Module) -> None:
        if self.file.role in ("test", "example"):
            return
        constants = {n: v for n, v in self._constants.items() if self._assigned[n] == 1}
        for chain in self._chains:
            name = self._constant_tested(chain, constants)
            if name is None:
                continue
            families: dict[str, set[str]] = defaultdict(set)
            for first, last in self._branches(chain):
                for line, family, ctor in self._clients:
                    if first <= line <= last:
                        families[family].add(ctor)
            chosen = next(((f, c) for f, c in sorted(families.items()) if len(c) >= 2), None)
            if chosen:
                family, ctors = chosen
                self.report(chain.test, f"The {family} ({' or '.join(sorted(ctors))}) is chosen by editing "
                                        f"`{name} = {constants[name]}` in code: select it from configuration "
                                        "(e.g. a URL read from the environment) so each deploy attaches its own")

    def _constant_tested(self, chain: cst.If, constants: dict[str, str]) -> str | None:
        test: cst.BaseExpression = chain.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        sides = [test.left, *(c.comparator for c in test.comparisons)] if isinstance(test, cst.Comparison) else [test]
        names = [s.value for s in sides if isinstance(s, cst.Name) and s.value in constants]
        return names[0] if names else None

    def _branches(self, chain: cst.If) -> list[tuple[int, int]]:
        """(first line, last line) of each branch body of an if/elif/else chain."""
        out: list[tuple[int, int]] = []
        node: cst.If | cst.Else | None = chain
        while node is not None:
            _, _, end, _ = self.position(node.body)
            out.append((self.position(node.body)[0], end))
            node = node.orelse if isinstance(node, cst.If) else None
        return out
