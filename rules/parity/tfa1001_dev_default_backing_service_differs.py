"""TFA1001 — Dev default uses a different kind of backing service."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs
from tfa_lint.sources.envfile import EnvFile

from ..facts.env_defaults import _URL_VAR_RE, EnvDefaultFact, EnvDefaults, is_url_named
from ._shared import _runtime

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_HOST_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/]*@)?([^:/?#]+)")
_INTERPOLATION_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}$")
#: URL scheme -> (kind of service, family). "*" is an in-memory stand-in for any kind.
_SCHEMES = {
    "sqlite": ("sql", "SQLite"), "duckdb": ("sql", "DuckDB"), "postgres": ("sql", "PostgreSQL"),
    "postgresql": ("sql", "PostgreSQL"), "cockroachdb": ("sql", "CockroachDB"), "mysql": ("sql", "MySQL"),
    "mariadb": ("sql", "MySQL"), "mssql": ("sql", "SQL Server"), "oracle": ("sql", "Oracle"),
    "redis": ("kv", "Redis"), "rediss": ("kv", "Redis"), "valkey": ("kv", "Redis"), "fakeredis": ("kv", "fakeredis"),
    "memcached": ("kv", "Memcached"), "amqp": ("broker", "RabbitMQ"), "amqps": ("broker", "RabbitMQ"),
    "pyamqp": ("broker", "RabbitMQ"), "sqs": ("broker", "SQS"), "kafka": ("broker", "Kafka"),
    "nats": ("broker", "NATS"), "mongodb": ("document", "MongoDB"), "neo4j": ("graph", "Neo4j"),
    "bolt": ("graph", "Neo4j"), "memory": ("*", "in-memory"),
}
#: Compose image repository (last path part) -> (kind of service, family).
_IMAGES = {
    "postgres": ("sql", "PostgreSQL"), "postgis": ("sql", "PostgreSQL"), "pgvector": ("sql", "PostgreSQL"),
    "timescaledb": ("sql", "PostgreSQL"), "timescaledb-ha": ("sql", "PostgreSQL"), "mysql": ("sql", "MySQL"),
    "mariadb": ("sql", "MySQL"), "redis": ("kv", "Redis"), "redis-stack": ("kv", "Redis"),
    "redis-stack-server": ("kv", "Redis"), "valkey": ("kv", "Redis"), "keydb": ("kv", "Redis"),
    "memcached": ("kv", "Memcached"), "rabbitmq": ("broker", "RabbitMQ"), "mongo": ("document", "MongoDB"),
    "neo4j": ("graph", "Neo4j"), "qdrant": ("vector", "Qdrant"), "chroma": ("vector", "Chroma"),
    "weaviate": ("vector", "Weaviate"), "milvus": ("vector", "Milvus"), "elasticsearch": ("search", "Elasticsearch"),
    "opensearch": ("search", "OpenSearch"),
}
_TEST_ENV_RE = re.compile(r"(?i)test")


def _family(value: str, hosts: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """What kind of service a URL names: by scheme, or by the compose service its host is."""
    if value.strip() == ":memory:":
        return ("*", "in-memory")
    match = _SCHEME_RE.match(value.strip())
    if not match:
        return None
    scheme = match.group(1).lower().split("+")[0]
    if scheme in _SCHEMES:
        return _SCHEMES[scheme]
    host = _HOST_RE.match(value.strip())
    return hosts.get(host.group(1).lower()) if host else None


def _image_family(image: str | None) -> tuple[str, str] | None:
    if not image:
        return None
    repository = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    return _IMAGES.get(repository)


@dataclass(frozen=True)
class _Setting:
    """A value some deploy configuration gives a variable."""

    var: str
    value: str
    path: str
    line: int


def _compose_hosts(repo: Repo) -> dict[str, tuple[str, str]]:
    """Compose service names -> the kind of service their image runs."""
    hosts: dict[str, tuple[str, str]] = {}
    for art in _runtime(repo, FileKind.COMPOSE):
        assert isinstance(art, ComposeFile)
        for svc in art.services:
            family = _image_family(svc.image)
            if family:
                hosts[svc.name.lower()] = family
    return hosts


def _settings(repo: Repo) -> list[_Setting]:
    """URL-named variables that compose, dotenv files and Dockerfile ``ENV`` set."""
    out: list[_Setting] = []
    for art in _runtime(repo, FileKind.COMPOSE):
        assert isinstance(art, ComposeFile)
        for svc in art.services:
            for entry in svc.environment:
                value = entry.value.strip()
                ref = _INTERPOLATION_RE.match(value)
                if ref:
                    value = ref.group(2) or ""
                out.append(_Setting(entry.key.upper(), value, art.path, entry.line))
    for art in _runtime(repo, FileKind.ENV):
        assert isinstance(art, EnvFile)
        if not _TEST_ENV_RE.search(art.name):
            out += [_Setting(e.key.upper(), e.value, art.path, e.line) for e in art.entries]
    for art in _runtime(repo, FileKind.DOCKERFILE):
        assert isinstance(art, Dockerfile)
        for ins in art.instructions:
            if ins.keyword == "ENV":
                out += [_Setting(k.upper(), v, art.path, ins.line) for k, v in env_pairs(ins.value) if "$" not in v]
    return [s for s in out if _URL_VAR_RE.search(s.var) and s.value]


class DevDefaultDiffersFromDeploy(RepoRule):
    id = "TFA1001"
    name = "dev-default-backing-service-differs"
    factor = 10
    severity = Severity.WARNING
    title = "Dev default uses a different kind of backing service"
    collectors = (EnvDefaults,)
    what = """
        The default that code gives a URL-named environment variable (`os.getenv("DATABASE_URL",
        "sqlite:///dev.db")`, `os.environ.get("REDIS_URL") or "memory://"`, a pydantic
        `BaseSettings` field default) names a different kind of service than the value the
        deploy configuration sets for the same variable — compose `environment`, `.env.example`,
        Dockerfile `ENV`, or the image of the compose service the URL points at. Same family with
        another host (`postgresql://localhost` vs `postgresql://db`) passes; tests are skipped.
    """
    why = """
        Dev/prod parity means developing against the same backing services that run in
        production. SQLite forgives what PostgreSQL rejects (types, locking, concurrent
        writers); an in-memory queue never loses a connection. Bugs that only the production
        service shows are then found in production.
    """
    fix = """
        Make the default point at the same kind of service the deploys use — run it locally
        with compose (`postgres:16`, `redis:7`) and default to `postgresql://localhost/agent` —
        or drop the default and require the variable: `os.environ["DATABASE_URL"]`.
    """
    invalid = (
        Example.repo({
            "agent/db.py": """
                import os

                from sqlalchemy import create_engine

                engine = create_engine(os.getenv("DATABASE_URL", "sqlite:///dev.db"))
            """,
            "docker-compose.yml": """
                services:
                  app:
                    build: .
                    environment:
                      DATABASE_URL: postgresql://agent@db:5432/agent
                  db:
                    image: postgres:16
            """,
        }, lines=(5,), columns=(50,), message="defaults to SQLite here"),
        Example.repo({
            "agent/settings.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict


                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="AGENT_")

                    vector_url: str = ":memory:"
                    broker_url: str = "memory://"
            """,
            ".env.example": "AGENT_VECTOR_URL=http://qdrant:6333\nAGENT_BROKER_URL=amqp://guest@rabbit:5672//\n",
            "compose.yaml": "services:\n  qdrant:\n    image: qdrant/qdrant:v1.12.0\n",
        }, lines=(7, 8), columns=(23, 23), message="defaults to in-memory here"),
    )
    valid = (
        Example.repo({
            "agent/db.py": """
                import os

                DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://agent@localhost:5432/agent")
            """,
            "docker-compose.yml": """
                services:
                  app:
                    environment:
                      - DATABASE_URL=postgresql://agent@db:5432/agent
                  db:
                    image: postgres:16
            """,
        }),
        Example.repo({
            "agent/db.py": """
                import os

                DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///dev.db")
                REDIS_URL = os.environ.get("REDIS_URL") or "redis://localhost:6379/0"
            """,
            ".env.example": "REDIS_URL=redis://cache:6379/0\nDATABASE_URL=${DATABASE_URL}\n",
        }),
        Example.repo({
            "tests/conftest.py": """
                import os

                DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///:memory:")
            """,
            "docker-compose.yml": """
                services:
                  app:
                    environment:
                      DATABASE_URL: postgresql://agent@db:5432/agent
            """,
        }),
        Example.repo({
            "agent/search.py": """
                import os

                SEARCH_URL = os.getenv("SEARCH_URL", "http://localhost:9200")
            """,
            "Dockerfile": "FROM python:3.12-slim\nENV SEARCH_URL=https://search.internal:9200\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        defaults = [f for f in repo.facts(EnvDefaultFact)
                    if path_role(f.path) in ("src", "script") and is_url_named(f.data.var)]
        if defaults:
            places = {f.data.var: {f.path} for f in defaults}
            for setting in _settings(repo):
                places.setdefault(setting.var, set()).add(setting.path)
            if any(len(paths) >= 2 for paths in places.values()) or _compose_hosts(repo):
                return None
        return "only one environment's configuration is visible"

    def check(self, repo: Repo) -> Iterable[Finding]:
        hosts = _compose_hosts(repo)
        settings = _settings(repo)
        for fact in repo.facts(EnvDefaultFact):
            if path_role(fact.path) not in ("src", "script") or not is_url_named(fact.data.var):
                continue
            mine = _family(fact.data.value, hosts)
            if mine is None:
                continue
            clashes = []
            for setting in settings:
                theirs = _family(setting.value, hosts)
                if (setting.var == fact.data.var and theirs and theirs[1] != mine[1]
                        and (theirs[0] == mine[0] or "*" in (theirs[0], mine[0]))):
                    clashes.append(f"{setting.path}:{setting.line} sets {theirs[1]}")
            if clashes:
                yield self.finding(
                    fact.path, fact.line, fact.column,
                    f"`{fact.data.var}` defaults to {mine[1]} here, but {'; '.join(clashes[:3])}: develop "
                    f"against the same kind of service (run it with compose and default to it) or require the "
                    f"variable with `os.environ[\"{fact.data.var}\"]`")
