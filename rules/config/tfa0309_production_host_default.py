"""TFA0309 — Production or staging host as the default of a setting."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile

from ..facts.env_defaults import EnvDefaultFact, EnvDefaults, is_url_named
from ._shared import COMPOSE_DEFAULT_RE, dockerfile_env_values

#: Host labels that name a deploy environment other than a developer's own.
_DEPLOY_LABELS = {"prod": "production", "production": "production", "prd": "production", "live": "production",
                  "staging": "staging", "stage": "staging", "stg": "staging", "preprod": "staging", "uat": "staging"}
#: Schemes of backing services: a database or broker at a public domain name is a deployed one.
_BACKING_SCHEME_RE = re.compile(r"^(postgres(ql)?|mysql|mariadb|mongodb|redis|rediss|amqps?|neo4j|bolt|mssql|"
                                r"oracle|clickhouse|cockroachdb|nats|kafka)(\+[\w+]+)?$")
#: Domains that are never a deploy: reserved for examples and documentation, or local by definition.
_NOT_A_DEPLOY_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local", ".internal", ".lan",
                          ".localdomain", ".home.arpa", ".svc", ".cluster.local", "example.com", "example.org",
                          "example.net", ".nip.io", ".sslip.io")


def _host(value: str) -> tuple[str, str] | None:
    """(scheme, host) of a URL, or ("", host) of a bare host name; None for anything else."""
    value = value.strip()
    if not value or any(c.isspace() or c in "${}<>" for c in value):
        return None
    try:
        parts = urlsplit(value if "://" in value else f"//{value}")
        host = parts.hostname
    except ValueError:
        return None
    return (parts.scheme.lower(), host.lower().rstrip(".")) if host else None


def deployed_host(value: str) -> tuple[str, str] | None:
    """(environment, host) when ``value`` locates a production or staging deploy: a host with
    a ``prod``/``staging`` label (``api.prod.acme.io``, ``staging-db.acme.io``), or a database or
    broker URL at a public domain name (nobody develops against one). Public API endpoints
    (``https://api.openai.com/v1``) are an SDK's own default, not a deploy of this project."""
    found = _host(value)
    if found is None:
        return None
    scheme, host = found
    if "." not in host or host.endswith(_NOT_A_DEPLOY_SUFFIXES) or host == "localhost":
        return None
    try:
        ipaddress.ip_address(host)
        return None  # a literal address is TFA0401's (private) or nobody's default
    except ValueError:
        pass
    labels = re.split(r"[.-]", host)[:-1]  # never the top-level domain (`.live`)
    environment = next((_DEPLOY_LABELS[label] for label in labels if label in _DEPLOY_LABELS), None)
    if environment:
        return environment, host
    if _BACKING_SCHEME_RE.match(scheme):
        return "deployed", host
    return None


class ProductionHostDefault(RepoRule):
    id = "TFA0309"
    name = "production-host-default"
    factor = 3
    severity = Severity.WARNING
    title = "Production or staging host as the default of a setting"
    collectors = (EnvDefaults,)
    what = """
        The default of a setting (`os.getenv("API_BASE", "https://api.prod.acme.io")`,
        `os.environ.get(…) or "…"`, a pydantic `BaseSettings` field, compose
        `${VAR:-default}`, a Dockerfile `ENV`, which every container of the image inherits) locates a deployed environment: a host with a `prod`, `production`,
        `staging`, `stage`, `uat` label, or a database or broker URL (`postgresql://`,
        `redis://`, `mongodb+srv://`, `amqp://`…) at a public domain name such as a managed
        database's. Not reported: public API endpoints (`https://api.openai.com/v1` is the
        SDK's own default), local, private and internal hosts (`localhost`, `db`,
        `*.internal`, literal IPs: TFA0401 and TFA1001 look at those), reserved example
        domains, tests and examples.
    """
    why = """
        A default is what runs when the variable is missing. A laptop, a CI job or a new
        deploy that forgot it talks to production (or staging) without anybody choosing to:
        test data lands in the real database, and a staging deploy writes to production.
    """
    fix = """
        Require the variable (`os.environ["DATABASE_URL"]`, a settings field without a
        default, compose `${DATABASE_URL:?set DATABASE_URL}`), or default to a local service
        (`postgresql://localhost/agent`).
    """
    invalid = (
        Example.of("""
            import os

            from pydantic_settings import BaseSettings

            API_BASE = os.getenv("API_BASE", "https://api.prod.acme-agents.io/v2")
            DATABASE_URL = os.environ.get("DATABASE_URL") or "postgresql://agent@main-db.acme-agents.io:5432/agent"


            class Settings(BaseSettings):
                search_endpoint: str = "https://staging-search.acme-agents.io"
        """, "agent/config.py", lines=(5, 6, 10), columns=(34, 50, 28), message="defaults to the"),
        Example.repo({
            "compose.yaml": """
                services:
                  worker:
                    build: .
                    environment:
                      BROKER_URL: ${BROKER_URL:-amqps://jobs.acme-agents.io:5671}
            """,
        }, lines=(5,), columns=(19,), message="compose refuses to start"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                ENV PORT=8000 \\
                    AGENT_API_URL=https://agents.prod.acme-agents.io \\
                    REDIS_HOST=redis.stg.acme-agents.io
                CMD ["python", "-m", "agent"]
            """,
        }, lines=(3, 4), columns=(5, 5), message="set it per deploy"),
    )
    valid = (
        Example.of("""
            import os

            OPENAI_BASE_URL = os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
            ANTHROPIC_API_URL = os.getenv("ANTHROPIC_API_URL", "https://api.anthropic.com")
            DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://agent@localhost:5432/agent")
            REDIS_URL = os.getenv("REDIS_URL", "redis://redis:6379/0")
            VLLM_URL = os.getenv("VLLM_URL", "http://10.0.3.7:8000/v1")
            DOCS_URL = os.getenv("DOCS_URL", "https://docs.example.com/agent")
            STATUS_URL = os.getenv("STATUS_URL", "https://status.acme-agents.live")
            QUEUE_URL = os.getenv("QUEUE_URL", "amqp://guest@rabbitmq.internal:5672//")
            TEMPLATE_URL = os.getenv("TEMPLATE_URL", "https://${TENANT}.prod.acme-agents.io")
        """, "agent/config.py"),
        Example.of("""
            import os

            DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://agent@staging-db.acme-agents.io/agent")
        """, "tests/test_db.py"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                ARG API_URL=https://api.prod.acme-agents.io
                ENV API_URL=$API_URL HF_ENDPOINT=https://huggingface.co DATABASE_HOST=db
            """,
        }),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        for path, line, column, var, value, where in _url_defaults(repo):
            if "://" not in value and not is_url_named(var):
                continue  # a bare host name only where the variable says it is one (`DB_HOST`)
            deployed = deployed_host(value)
            if deployed is not None:
                environment, host = deployed
                yield self.finding(
                    path, line, column,
                    f"`{var}` defaults to the {environment} host `{host}`: a laptop, a CI job or a deploy that "
                    f"forgets to set it talks to it silently; {where}")


def _url_defaults(repo: Repo) -> Iterator[tuple[str, int, int, str, str, str]]:
    """Every literal default of a setting in deployed code and compose files: (path, line,
    column, variable, value, how to require the variable there)."""
    for fact in repo.facts(EnvDefaultFact):
        if path_role(fact.path) in ("src", "script"):
            yield (fact.path, fact.line, fact.column, fact.data.var, fact.data.value,
                   f"require it (`os.environ[\"{fact.data.var}\"]`) or default to a local service")
    for art in repo.artifacts(FileKind.COMPOSE):
        assert isinstance(art, ComposeFile)
        if path_role(art.path) not in ("src", "script"):
            continue
        for service in art.services:
            for entry in service.environment:
                interpolated = COMPOSE_DEFAULT_RE.match(entry.value.strip())
                if interpolated:
                    yield (art.path, entry.line, entry.column, entry.key, interpolated.group(1),
                           f"require it (`${{{entry.key}:?set {entry.key}}}`) so compose refuses to start "
                           "without it")
    # An image is promoted from staging to production unchanged: a deployed host in its `ENV`
    # follows it everywhere unless every deploy remembers to override it.
    for path, line, column, key, value in dockerfile_env_values(repo):
        yield (path, line, column, key, value,
               "drop the `ENV` and set it per deploy (`docker run -e`, the orchestrator's config)")
