"""Backing-service clients: which constructors build one (``CLIENTS``), service-URL literals,
and ``BackingFacts``, which records both for applicability and the backing-service rules.

Client constructors are data (qualified names as their libraries export them: SQLAlchemy 2.0,
redis-py 5, pymongo 4, qdrant-client 1.12, chromadb 0.5, pymilvus 2.4, weaviate-client 4,
openai 1.x, langchain-openai/-ollama 0.2, llama-index 0.11).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from urllib.parse import urlsplit

from tfa_lint.model import Fact
from tfa_lint.rule import AstCollector, FactData

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
_PLACEHOLDER_HOST_RE = re.compile(r"(?i)^(host|hostname|server|your[-_]\w*|x+|example\.(com|org|net)|.*\.example)$")


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


def client_for(qnames: set[str]) -> tuple[str, Client] | None:
    """The backing-service client a call constructs, by qualified name (``Chroma.from_documents`` too)."""
    for name in sorted(qnames):
        if name in CLIENTS:
            return name, CLIENTS[name]
        owner, _, method = name.rpartition(".")
        if method in _BUILDERS and owner in CLIENTS:
            return owner, CLIENTS[owner]
    return None


def _source_order(position: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A sort key putting nodes in the order a libcst walk met them: by start, an enclosing node
    before what it encloses. The ast walk visits some fields out of source order (decorators
    after the body, keyword arguments after ``*args``, dict keys before values)."""
    line, column, end_line, end_column = position
    return line, column, -end_line, -end_column


@dataclass(frozen=True)
class BackingClientFact(FactData):
    """A backing-service client constructed."""

    kind = "backing-client"
    ctor: str  # the qualified name of what is called: "redis.Redis"
    family: str  # the service it talks to: "redis"
    function: str  # the function it is in, or "<module>"


@dataclass(frozen=True)
class BackingUrlFact(FactData):
    """The first service URL literal of a file (``postgresql://…``)."""

    kind = "backing-url"


class BackingFacts(AstCollector):
    """Backing-service client constructions and service-URL literals, for applicability and TFA0402."""

    name = "backing"
    records = (BackingClientFact, BackingUrlFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._clients: list[tuple[tuple[int, int, int, int], Fact]] = []
        self._url: tuple[tuple[int, int, int, int], Fact] | None = None  # the first in the source

    def visit_Call(self, node: ast.Call) -> None:
        found = client_for(self.qualified_names(node.func))
        if found:
            function = self.semantic.enclosing_def(node)
            position = self.position(node)
            self._clients.append((_source_order(position), self.fact(
                BackingClientFact(ctor=found[0], family=found[1].family,
                                  function=function.name if function is not None else "<module>"),
                *position[:2])))

    def visit_Constant(self, node: ast.Constant) -> None:
        # Literal text of an f-string is not a string literal of its own (visit_JoinedStr).
        if isinstance(node.value, str) and "://" in node.value and not isinstance(
                self.semantic.parent(node), ast.JoinedStr):
            self._literals(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        # `"postgresql://db/" f"{name}"`: the plain literal joined to an f-string is one of its own.
        if not isinstance(self.semantic.parent(node), ast.FormattedValue) and any(
                isinstance(v, ast.Constant) and "://" in v.value for v in node.values):
            self._literals(node)

    def _literals(self, node: ast.Constant | ast.JoinedStr) -> None:
        """The service URL among the plain string literals ``node`` was joined from (ast joins
        ``"a" "b"``; each was a string node of its own to libcst), if it comes first so far."""
        literals = _string_literals(self.source_of(node), self.position(node))
        if isinstance(node, ast.Constant) and "".join(value for _, value in literals) != node.value:
            literals = [(self.position(node), node.value)]  # not where ast says it is: taken whole
        for position, value in literals:
            if service_url(value) and (self._url is None or _source_order(position) < self._url[0]):
                self._url = (_source_order(position), self.fact(BackingUrlFact(), *position[:2]))

    def leave_Module(self, node: ast.Module) -> None:
        found = self._clients + ([self._url] if self._url is not None else [])
        self.facts.extend(fact for _, fact in sorted(found, key=lambda item: item[0]))


def _string_literals(code: str, position: tuple[int, int, int, int]) -> list[tuple[tuple[int, int, int, int], str]]:
    """The plain (not f-) string literals in ``code``, the source of a string node at
    ``position``, with their own positions and values."""
    line, column = position[:2]
    found: list[tuple[tuple[int, int, int, int], str]] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(f"({code})").readline):
            if token.type != tokenize.STRING or "f" in token.string[:token.string.index(token.string[-1])].lower():
                continue
            value = ast.literal_eval(token.string)
            if not isinstance(value, str):
                continue
            (start_line, start_col), (end_line, end_col) = token.start, token.end
            found.append(((line + start_line - 1, start_col + (column - 1 if start_line == 1 else 1),
                           line + end_line - 1, end_col + (column - 1 if end_line == 1 else 1)), value))
    except (tokenize.TokenError, SyntaxError, ValueError, IndentationError):
        return []
    return found
