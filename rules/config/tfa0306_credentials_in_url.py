"""TFA0306 — Password embedded in a connection URL."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Artifact, Finding, Severity, path_role
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example

from ..facts.secrets import URL_CREDENTIALS_RE, url_password_is_real
from ._shared import _TEXT_KINDS

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_DB_URL = "postgresql://agent:" + "Zq8rT4pLm2xW" + "@10.0.0.5/agent"


class CredentialsInUrl(ArtifactRule):
    id = "TFA0306"
    name = "credentials-in-url"
    factor = 3
    severity = Severity.ERROR
    security = True
    security_severity = 7.5
    title = "Password embedded in a connection URL"
    kinds = _TEXT_KINDS
    text_only = True
    what = """
        A URL with a password in it (`postgresql://agent:<password>@db/agent`,
        `https://user:<token>@host/…`) in code, Dockerfiles, compose, requirements or `.env`
        files. References (`${DB_PASSWORD}`, `{password}`), placeholders and the stock
        passwords of local development containers (`postgres:postgres`, `guest:guest`) are
        skipped, as are test files.
    """
    why = """
        The URL carries the credential wherever it goes: into the repository, logs and error
        messages. Backing services are attached resources: their whole locator belongs in the
        environment, so another deploy can attach another database without a code change.
    """
    fix = """
        Put the whole URL in an environment variable (`DATABASE_URL`, `REDIS_URL`) and read it
        at start-up; rotate the committed password.
    """
    invalid = (
        Example.of(f"""
            from sqlalchemy import create_engine

            engine = create_engine("{_DB_URL}")
        """, "agent/db.py", lines=(3,), columns=(25,), message="Password in"),
    )
    valid = (
        Example.of("""
            import os

            from sqlalchemy import create_engine

            engine = create_engine(os.environ["DATABASE_URL"])
            LOCAL_DEFAULT = "postgresql://postgres:postgres@localhost:5432/agent"
            TEMPLATE = f"postgresql://{user}:{password}@{host}/agent"
        """, "agent/db.py"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        if path_role(artifact.path) == "test":
            return
        for match in URL_CREDENTIALS_RE.finditer(artifact.text):
            scheme, user, password, host = match.groups()
            if not url_password_is_real(user, password):
                continue
            line, column = artifact.position(match.start())
            variable = _URL_VARIABLES.get(scheme.split("+")[0].lower(), "SERVICE_URL")
            yield self.finding(
                artifact.path, line, column,
                f"Password in `{scheme}://{user}:{redact(password)}@{host}`: put the whole URL in an environment "
                f"variable (e.g. {variable}) and rotate the password")


_URL_VARIABLES = {
    "postgres": "DATABASE_URL", "postgresql": "DATABASE_URL", "mysql": "DATABASE_URL", "mariadb": "DATABASE_URL",
    "mssql": "DATABASE_URL", "oracle": "DATABASE_URL", "redis": "REDIS_URL", "rediss": "REDIS_URL",
    "amqp": "BROKER_URL", "amqps": "BROKER_URL", "mongodb": "MONGODB_URL", "neo4j": "NEO4J_URL", "bolt": "NEO4J_URL",
}
