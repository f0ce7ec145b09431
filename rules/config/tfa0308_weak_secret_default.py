"""TFA0308 — Secret-named setting with a default a deploy would use silently."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.redact import redact
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.envfile import EnvFile
from tfa_lint.sources.pyproject import Pyproject

from ..facts.config_reads import is_committed_env_file
from ..facts.env_defaults import EnvDefaultFact, EnvDefaults
from ..facts.secrets import name_words, plausible_secret, provider_tokens, secret_head
from ._shared import COMPOSE_DEFAULT_RE, dockerfile_env_values

#: Secrets the application itself checks or signs with (a password it creates or presents, a
#: signing or encryption key): any literal default is accepted, so a deploy that forgot the
#: variable runs with it and nothing fails. Tokens and API keys are issued by someone else: a
#: made-up default fails loudly at the issuer, so only the well-known weak values are reported.
_SELF_CHECKED_WORDS = frozenset({"secret", "secrets", "password", "passwords", "passwd", "pwd", "passphrase",
                                 "private", "signing", "encryption", "hmac", "fernet", "master"})
#: Values nobody should accept as a credential; compared lowercased, without separators.
_WELL_KNOWN_WEAK = frozenset({
    "password", "passwd", "pass", "secret", "supersecret", "changeme", "changeit", "admin", "administrator",
    "root", "toor", "letmein", "qwerty", "123456", "12345678", "123456789", "default", "guest", "postgres",
    "mysql", "redis", "minioadmin", "neo4j", "rabbitmq", "secretkey", "mysecret", "mypassword", "adminadmin",
})
#: Words that are no credential value: flags, nulls.
_NOT_A_VALUE = frozenset({"true", "false", "none", "null", "nil", "undefined", "yes", "no", "on", "off"})
#: Compose and dotenv files for tests, CI, local development, tutorials and tooling, by a word of their
#: name or of a directory above them (`docker-compose.search-testing.yml`, `integration/`,
#: `rag_tutorials/`, `profiling/`): their defaults never reach a deploy.
_NOT_DEPLOYED_RE = re.compile(
    r"(?i)(^|[._-])(tests?|testing|integration|e2e|ci|dev|development|local|examples?|samples?|tutorials?|"
    r"demos?|profiling|bench|benchmarks?)([._-]|$)")


def _normalized(value: str) -> str:
    return re.sub(r"[\W_]+", "", value.lower())


def _is_reference(value: str) -> bool:
    """A value that names where the secret comes from rather than being it: an interpolation, a
    path or URL, another variable's name."""
    return (re.search(r"\$|\{\{|%\(", value) is not None
            or value.startswith(("/", "./", "../", "~/", "file:"))
            or re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) is not None
            or re.fullmatch(r"[\w.-]+\.(pem|key|crt|cer|p12|pfx|json|txt|jks|der)", value, re.IGNORECASE) is not None
            or re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", value) is not None)


def own_names(repo: Repo) -> set[str]:
    """The project's own names (``[project].name``, ``[tool.poetry].name``), normalized: a
    secret defaulting to the app's name is as guessable as ``admin``."""
    names: set[str] = set()
    for art in repo.artifacts(FileKind.PYPROJECT):
        assert isinstance(art, Pyproject)
        for table in (art.data.get("project"), (art.data.get("tool") or {}).get("poetry")):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                names.add(_normalized(table["name"]))
    return {n for n in names if len(n) >= 3}


def weakness(var: str, value: str, own: set[str], *, real_ones_reported: bool = True) -> str | None:
    """Why the default ``value`` of the secret-named ``var`` is weak, or None when it is no
    finding: not secret-named, empty, a reference, a provider-format key (TFA0301's), a
    real-looking secret where another rule reports those (``real_ones_reported``: TFA0302 in
    Python, TFA0303 in dotenv files, TFA0304 in Dockerfiles; none does in compose files), or a
    made-up token/API-key default that would fail at its issuer."""
    value = value.strip()
    if secret_head(var) is None or not value or value.lower() in _NOT_A_VALUE or _is_reference(value):
        return None
    if any(provider_tokens(value)):
        return None
    if plausible_secret(value):
        return None if real_ones_reported else "a hardcoded secret, to rotate"
    normalized = _normalized(value)
    if normalized in _WELL_KNOWN_WEAK or (normalized and normalized in own):
        return "a well-known weak value"
    if _SELF_CHECKED_WORDS.intersection(name_words(var)):
        return "a literal the application accepts as is"
    return None


class WeakSecretDefault(RepoRule):
    id = "TFA0308"
    name = "weak-secret-default"
    factor = 3
    severity = Severity.WARNING
    security = True
    security_severity = 7.0
    title = "Secret-named setting with a default a deploy would use silently"
    collectors = (EnvDefaults,)
    what = """
        The default given to a secret-named setting (`*_PASSWORD`, `*_SECRET`, `SECRET_KEY`,
        `*_SIGNING_KEY`, `*_TOKEN`, `*_API_KEY`…): `os.getenv("APP_SECRET_KEY", "!secret")`,
        `os.environ.get(…)`, `os.environ.setdefault(…)`, `os.environ.get(…) or "…"`, a pydantic
        `BaseSettings` field default, a compose `environment` value or `${VAR:-default}`, a
        Dockerfile `ENV`, a committed dotenv file that is no template (`docker/env/db.env`
        loaded by compose's `env_file:`). Passwords, secrets and signing or encryption keys are checked by the
        application itself, so any literal default is reported, placeholders included
        (`"change-me"` signs tokens as well as any key). Tokens and API keys are issued by
        someone else and a made-up default fails loudly at the issuer (`"EMPTY"`, `"dummy"` for
        a keyless local server), so only well-known weak values are reported there (`admin`,
        `password`, `changeme`, `postgres`, `123456`, the project's own name…). Not reported:
        empty and `None` defaults, references (`${VAR}`, paths, URLs, another variable's
        name), settings that are not secrets (`MAX_TOKENS`, `PASSWORD_MIN_LENGTH`,
        `KEY_PREFIX`, `api_key_header`), tests, examples and scripts (a launcher's
        `os.environ.setdefault` configures a local or CI run), `.env.example`-style templates,
        compose files for tests, CI, local development, tutorials or tooling, by a word of their
        name or directory (`docker-compose.dev.yml`, `integration/`, `profiling/`). A
        default that looks like a real secret is TFA0302's (Python), TFA0303's (dotenv) or
        TFA0304's (Dockerfile); in compose files, which those do not read, it is this rule's.
        A provider-format key is TFA0301's everywhere.
    """
    why = """
        A secret with a default is never missing: a deploy that forgot to set it starts, and
        signs sessions with a key anyone can read in the repository, or opens the database
        and the admin account with a password anyone can guess. Nothing fails, so nobody
        notices.
    """
    fix = """
        Drop the default and fail at startup when the value is missing:
        `os.environ["APP_SECRET_KEY"]`, a pydantic-settings field without a default, compose
        `${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}`, no `ENV` for secrets in the image. Keep
        development values in an ignored `.env` or a dev-only compose file.
    """
    invalid = (
        Example.repo({
            "pyproject.toml": '[project]\nname = "harbor-agent"\nversion = "1.0"\n',
            "harbor/settings.py": """
                import os

                from pydantic import Field, SecretStr
                from pydantic_settings import BaseSettings

                SIGNING_SECRET = os.getenv("APP_SECRET_KEY", "!secret")
                db_password = os.environ.get("POSTGRES_PASSWORD", "postgres")
                os.environ.setdefault("SESSION_SECRET", "dev-session-secret")
                ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN") or "harbor-agent"


                class Settings(BaseSettings):
                    jwt_secret: str = "changeme"
                    webhook_api_key: str = "admin"
                    fernet_key: SecretStr = SecretStr("not-configured")
                    smtp_password: SecretStr = Field(default=SecretStr("mail"), alias="MAIL_PASSWORD")
            """,
        }, lines=(6, 7, 8, 9, 13, 14, 15, 16), columns=(46, 51, 41, 48, 23, 28, 39, 56),
            message="runs with it silently"),
        Example.repo({
            "docker-compose.yml": """
                services:
                  app:
                    build: .
                    environment:
                      ADMIN_PASSWORD: password
                      LOG_LEVEL: info
                      WEBHOOK_SECRET: Hv3Qp9Lx2Tz7Wm4Rk8Ns
                  db:
                    image: postgres:16
                    environment:
                      - POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-hunter2}
            """,
            "Dockerfile": "FROM python:3.12-slim\nENV PORT=8000 \\\n    SECRET_KEY=insecure-dev-key\n",
            "deploy/env/minio.env": "MINIO_ROOT_USER=minioadmin\nMINIO_ROOT_PASSWORD=minioadmin\n",
        }, lines=(5, 7, 11, 3, 2), columns=(23, 23, 27, 5, 21), message="defaults to"),
    )
    valid = (
        Example.repo({
            "agent/settings.py": """
                import os

                from pydantic import Field
                from pydantic_settings import BaseSettings

                SECRET_KEY = os.environ["SECRET_KEY"]
                DB_PASSWORD = os.getenv("DB_PASSWORD", "")
                REDIS_PASSWORD = os.getenv("REDIS_PASSWORD")
                TOKEN_LIMIT = os.getenv("TOKEN_LIMIT", "4096")
                MAX_TOKENS = int(os.getenv("MAX_TOKENS", "1024"))
                PASSWORD_MIN_LENGTH = os.getenv("PASSWORD_MIN_LENGTH", "12")
                KEY_PREFIX = os.getenv("KEY_PREFIX", "agent:")
                PRIVATE_KEY_PATH = os.getenv("PRIVATE_KEY", "/run/secrets/signing.pem")
                OPENAI_API_KEY = os.getenv("OPENAI_API_KEY", "EMPTY")
                LOCAL_LLM_API_KEY = os.getenv("LOCAL_LLM_API_KEY", "dummy")
                AUTH_SECRET_ENV = os.getenv("AUTH_SECRET_VAR", "AUTH_SECRET_VALUE")


                class Settings(BaseSettings):
                    api_key_header: str = "X-API-Key"
                    jwt_secret: str | None = None
                    admin_password: str = Field(default="")
                    require_password: bool = False
            """,
        }),
        Example.repo({
            "tests/conftest.py": """
                import os

                os.environ.setdefault("JWT_SECRET", "test-secret")
            """,
            "examples/quickstart.py": """
                import os

                PASSWORD = os.getenv("DEMO_PASSWORD", "demo")
            """,
            ".env.example": "POSTGRES_PASSWORD=postgres\nSECRET_KEY=change-me\n",
            "deploy/env/ci.env": "POSTGRES_PASSWORD=postgres\n",
            "scripts/record_session.py": """
                import os
                import subprocess

                os.environ.setdefault("AUTH_JWT_SECRET", "record-run-secret")
                subprocess.run(["uvicorn", "agent.app:app"], check=True)
            """,
            "deploy/load-testing/compose.yaml": """
                services:
                  grafana:
                    image: grafana/grafana:11.2.0
                    environment:
                      GF_SECURITY_ADMIN_PASSWORD: ${GF_ADMIN_PASSWORD:-admin}
            """,
            "docker-compose.dev.yml": """
                services:
                  db:
                    image: postgres:16
                    environment:
                      POSTGRES_PASSWORD: postgres
            """,
            "docker-compose.yml": """
                services:
                  db:
                    image: postgres:16
                    environment:
                      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}
                      POSTGRES_USER: ${POSTGRES_USER:-agent}
                      REPLICA_PASSWORD: ${REPLICA_PASSWORD}
                      BACKUP_PASSWORD: ${BACKUP_PASSWORD:-}
            """,
            "Dockerfile": "FROM python:3.12-slim\nARG SECRET_KEY\nENV SECRET_KEY=$SECRET_KEY PASSWORD_MIN_LENGTH=12\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        kinds = (FileKind.PYTHON, FileKind.COMPOSE, FileKind.DOCKERFILE)
        if any(path_role(path) in ("src", "script") for kind in kinds for path in repo.files_of(kind)):
            return None
        return "no Python file, compose file or Dockerfile outside tests and examples"

    def check(self, repo: Repo) -> Iterable[Finding]:
        own = own_names(repo)
        for default in _secret_defaults(repo):
            why = weakness(default.var, default.value, own, real_ones_reported=default.real_ones_reported)
            if why is not None:
                yield self.finding(
                    default.path, default.line, default.column,
                    f"`{default.var}` defaults to `{redact(default.value)}` ({why}): a deploy that forgets to set "
                    f"it runs with it silently; {default.fix}")


class _Default(NamedTuple):
    """One setting's default in deployed code or configuration, and how to require it there."""

    path: str
    line: int
    column: int
    var: str
    value: str
    fix: str
    #: Whether another rule reports a real-looking secret here (TFA0302, TFA0303, TFA0304).
    real_ones_reported: bool = True


def _secret_defaults(repo: Repo) -> Iterator[_Default]:
    """Every default of a setting in deployed code and configuration."""
    for fact in repo.facts(EnvDefaultFact):
        # Scripts are excluded too: a launcher that sets a default for the local or CI run it
        # starts (`os.environ.setdefault("JWT_SECRET", "ci-secret")`) configures no deploy.
        if path_role(fact.path) == "src":
            yield _Default(fact.path, fact.line, fact.column, fact.data.var, fact.data.value,
                           f"require it (`os.environ[\"{fact.data.var}\"]`, a settings field without a default) "
                           "so a missing value fails at startup")
    for art in repo.artifacts(FileKind.COMPOSE):
        assert isinstance(art, ComposeFile)
        if not _deployed(art.path):
            continue
        for service in art.services:
            for entry in service.environment:
                interpolated = COMPOSE_DEFAULT_RE.match(entry.value.strip())
                yield _Default(art.path, entry.line, entry.column, entry.key,
                               interpolated.group(1) if interpolated else entry.value,
                               f"require it (`${{{entry.key}:?set {entry.key}}}`) so compose refuses to start "
                               "without it", real_ones_reported=False)
    for art in repo.artifacts(FileKind.ENV):
        # A committed dotenv file (not a template) that compose's `env_file:` or a deploy loads
        # ships its values as the deploy's; real-looking secrets there are TFA0303's.
        assert isinstance(art, EnvFile)
        if is_committed_env_file(art.path) and _deployed(art.path):
            for entry in art.entries:
                yield _Default(art.path, entry.line, entry.column, entry.key, entry.value,
                               "remove the file from the repository, ignore it, and commit a `.env.example` "
                               "without values")
    for path, line, column, key, value in dockerfile_env_values(repo):
        yield _Default(path, line, column, key, value,
                       "drop the `ENV` and pass it at run time (`docker run -e`, the orchestrator's secrets)")


def _deployed(path: str) -> bool:
    """A configuration file a deploy may read: not a test, example or script, and not under a
    name or directory for tests, CI, local development, tutorials or tooling."""
    return path_role(path) in ("src", "script") and not any(
        _NOT_DEPLOYED_RE.search(part) for part in path.split("/"))
