"""Backing-service clients: which constructors build one (``CLIENTS``), service-URL literals,
and ``BackingFacts``, which records both for applicability and the backing-service rules.

Client constructors are data (qualified names as their libraries export them: SQLAlchemy 2.0,
redis-py 5, pymongo 4, qdrant-client 1.12, chromadb 0.5, pymilvus 2.4, weaviate-client 4,
openai 1.x, langchain-openai/-ollama 0.2, llama-index 0.11).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import libcst as cst

from tfa_lint.rule import FactCollector

from .cst_nodes import string_value

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
