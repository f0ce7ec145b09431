"""Factor X — Dev/prod parity: the same backing services, server and runtime everywhere."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import libcst as cst
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs
from tfa_lint.sources.envfile import EnvFile
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.toml_text import line_of

from .facts.config_reads import SETTINGS_BASES, env_prefix, settings_fields
from .facts.cst_nodes import string_value
from .facts.processes import ProcessFacts, commands, traits


def _runtime(repo: Repo, kind: FileKind) -> list[Artifact]:
    return [a for a in repo.artifacts(kind) if path_role(a.path) in ("src", "script")]




# -- TFA1001 ---------------------------------------------------------------------------------

_URL_VAR_RE = re.compile(r"(?i)(URL|URI|DSN|HOST)$")
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


class EnvDefaults(FactCollector):
    """Defaults that code gives URL-named environment variables: ``os.getenv(K, default)``,
    ``os.environ.get(K) or default`` and pydantic ``BaseSettings`` field defaults."""

    name = "env-defaults"

    def visit_Call(self, node: cst.Call) -> None:
        key = self._lookup(node)
        default = next((a.value for a in node.args[1:2] if a.keyword is None), None) or next(
            (a.value for a in node.args if a.keyword is not None and a.keyword.value == "default"), None)
        if key and string_value(default) is not None:
            self._record(key, default)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if isinstance(node.operator, cst.Or) and isinstance(node.left, cst.Call) and len(node.left.args) == 1:
            key = self._lookup(node.left)
            if key and string_value(node.right) is not None:
                self._record(key, node.right)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not any(self.qualified_names(b.value) & SETTINGS_BASES for b in node.bases):
            return
        prefix = env_prefix(node)
        for small, field in settings_fields(node):
            if small.value:
                name, default = _field(field, small.value)
                if default is not None:
                    self._record(name if name != field else prefix + name, default)

    def _lookup(self, node: cst.Call) -> str | None:
        if not node.args or not self.qualified_names(node.func) & {"os.getenv", "os.environ.get"}:
            return None
        return string_value(node.args[0].value)

    def _record(self, key: str, default: cst.BaseExpression) -> None:
        key = key.upper()
        if _URL_VAR_RE.search(key):
            self.record("env-default", default, var=key, value=string_value(default))


def _field(name: str, value: cst.BaseExpression) -> tuple[str, cst.BaseExpression | None]:
    """(variable name, default literal) of a settings field: ``x: str = "…"`` or ``Field("…", alias=…)``."""
    if string_value(value) is not None:
        return name, value
    if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
        callee = value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value
        if callee != "Field":
            return name, None
        default = None
        for arg in value.args:
            positional = arg.keyword is None and default is None
            if positional or (arg.keyword is not None and arg.keyword.value == "default"):
                default = arg.value
            elif arg.keyword is not None and arg.keyword.value in ("alias", "validation_alias") and string_value(arg.value):
                name = string_value(arg.value) or name
        return name, default if string_value(default) is not None else None
    return name, None


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
        }, lines=(5,)),
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
        }, lines=(7, 8)),
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
        defaults = [f for f in repo.facts("env-default") if path_role(f.path) in ("src", "script")]
        if defaults:
            places = {f.data["var"]: {f.path} for f in defaults}
            for setting in _settings(repo):
                places.setdefault(setting.var, set()).add(setting.path)
            if any(len(paths) >= 2 for paths in places.values()) or _compose_hosts(repo):
                return None
        return "only one environment's configuration is visible"

    def check(self, repo: Repo) -> Iterable[Finding]:
        hosts = _compose_hosts(repo)
        settings = _settings(repo)
        for fact in repo.facts("env-default"):
            if path_role(fact.path) not in ("src", "script"):
                continue
            mine = _family(fact.data["value"], hosts)
            if mine is None:
                continue
            clashes = []
            for setting in settings:
                theirs = _family(setting.value, hosts)
                if (setting.var == fact.data["var"] and theirs and theirs[1] != mine[1]
                        and (theirs[0] == mine[0] or "*" in (theirs[0], mine[0]))):
                    clashes.append(f"{setting.path}:{setting.line} sets {theirs[1]}")
            if clashes:
                yield self.finding(
                    fact.path, fact.line, fact.column,
                    f"`{fact.data['var']}` defaults to {mine[1]} here, but {'; '.join(clashes[:3])}: develop "
                    f"against the same kind of service (run it with compose and default to it) or require the "
                    f"variable with `os.environ[\"{fact.data['var']}\"]`")


# -- TFA1002 ---------------------------------------------------------------------------------

_DEV_NAME_RE = re.compile(r"(?i)((^|[._-])(dev|devel|development|local|debug)([._-]|$)|override)")
_DEBUG_TOOLS = {"flask", "hypercorn", "litestar", "sanic", "quart", "chainlit"}
_APP_CONSTRUCTORS = {"flask.Flask", "quart.Quart", "sanic.Sanic", "flask_socketio.SocketIO", "dash.Dash"}
_APP_NAME_RE = re.compile(r"(?i)^(app|application|server|socketio|\w+_app)$")
_DEBUG_KEYWORDS = {"debug", "use_reloader", "reload", "auto_reload", "dev"}


class DevServerFacts(FactCollector):
    """Servers started in code with a development flag, and Flask's built-in server."""

    name = "dev-server"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._apps: dict[str, str] = {}  # variable -> constructor

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            names = self.qualified_names(node.value.func) & _APP_CONSTRUCTORS
            for target in node.targets:
                if names and isinstance(target.target, cst.Name):
                    self._apps[target.target.value] = min(names)

    def visit_Call(self, node: cst.Call) -> None:
        flags = [a.keyword.value for a in node.args if a.keyword is not None and a.keyword.value in _DEBUG_KEYWORDS
                 and isinstance(a.value, cst.Name) and a.value.value == "True"]
        if "uvicorn.run" in self.qualified_names(node.func):
            if "reload" in flags:
                self.record("dev-server-call", node, what="`uvicorn.run(..., reload=True)`")
            return
        if not isinstance(node.func, cst.Attribute) or node.func.attr.value not in ("run", "run_server"):
            return
        receiver = node.func.value
        name = receiver.value if isinstance(receiver, cst.Name) else None
        if name is None or not (name in self._apps or _APP_NAME_RE.match(name)):
            return
        if flags:
            self.record("dev-server-call", node, what=f"`{name}.{node.func.attr.value}({flags[0]}=True)`")
        elif self._apps.get(name) == "flask.Flask":
            self.record("dev-server-call", node, what=f"Flask's development server (`{name}.run()`)")


def _is_dev_file(path: str) -> bool:
    return ".devcontainer/" in f"/{path}" or bool(_DEV_NAME_RE.search(posixpath.basename(path)))


def _expand(words: tuple[str, ...]) -> list[str]:
    """Command words, with the scripts of ``sh -c "…"`` split into words too."""
    out: list[str] = []
    for word in words:
        if " " in word:
            try:
                out += shlex.split(word)
            except ValueError:
                out += word.split()
        else:
            out.append(word)
    return out


def _dev_mode(words: list[str]) -> str | None:
    """What in a command starts a development server, if anything."""
    bases = [w.rsplit("/", 1)[-1] for w in words]
    for i, word in enumerate(bases):
        later = bases[i + 1:]
        if word == "flask" and "run" in later:
            return "`flask run` (Flask's development server)"
        if word == "fastapi" and later[:1] == ["dev"]:
            return "`fastapi dev` (auto-reload)"
        if word in ("manage.py", "django-admin") and "runserver" in later:
            return "`runserver` (Django's development server)"
        if word == "--reload" or word.startswith("--reload="):
            return "`--reload`"
        if word == "--debug" and set(bases[:i]) & _DEBUG_TOOLS:
            return "`--debug`"
        if word.startswith("--server.runOnSave") and "true" in (word + " ".join(later[:1])).lower():
            return "`--server.runOnSave true`"
        if word in ("-w", "--watch") and "chainlit" in bases[:i]:
            return f"`{word}` (chainlit watch mode)"
    return None


class DevServerInProduction(RepoRule):
    id = "TFA1002"
    name = "dev-server-in-production"
    factor = 10
    severity = Severity.WARNING
    title = "Development server or flags in the production entry"
    collectors = (ProcessFacts, DevServerFacts)
    what = """
        The command a deploy runs — final-stage Dockerfile `CMD`/`ENTRYPOINT`, Procfile, compose
        `command` — starts a development server or mode: `--reload`, `--debug`, `flask run`,
        `fastapi dev`, `manage.py runserver`, streamlit `--server.runOnSave true`; the image sets
        `FLASK_DEBUG=1` or `FLASK_ENV=development`; or the entry module it runs calls
        `uvicorn.run(..., reload=True)`, `app.run(debug=True)` or Flask's built-in `app.run()`.
        Files meant for development (`Dockerfile.dev`, `compose.override.yml`, `Procfile.dev`,
        `.devcontainer/`), dev-named services and compose services that mount the source tree
        are skipped; `debug=settings.debug` passes.
    """
    why = """
        Development servers trade safety and throughput for convenience: the reloader watches
        the file system and forks, Werkzeug's server handles one request at a time, debug mode
        returns tracebacks (Werkzeug's debugger runs code) to anyone who triggers an error.
        Running them in production makes production behave unlike every tested deploy.
    """
    fix = """
        Run the production server in the production entry (`uvicorn agent.app:app --host 0.0.0.0
        --port $PORT`, `gunicorn -k uvicorn.workers.UvicornWorker`, `gunicorn app:app` for
        Flask) and keep `--reload`/debug in a development-only file such as `compose.override.yml`.
    """
    invalid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                ENV FLASK_DEBUG=1
                CMD ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--reload"]
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(3, 4)),
        Example.repo({
            "Procfile": "web: python main.py\n",
            "main.py": """
                import uvicorn as server
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    server.run("main:app", host="0.0.0.0", reload=True)
            """,
        }, lines=(7,)),
        Example.repo({
            "Procfile": "web: flask --app agent.web run --host 0.0.0.0\n",
            "agent/web.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }, lines=(1,)),
    )
    valid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "Dockerfile.dev": "FROM python:3.12-slim\nCMD [\"uvicorn\", \"agent.app:app\", \"--reload\"]\n",
            "compose.override.yml": "services:\n  app:\n    command: uvicorn agent.app:app --reload\n",
            "docker-compose.yml": """
                services:
                  app:
                    build: .
                    command: uvicorn agent.app:app --host 0.0.0.0 --reload
                    volumes:
                      - ./agent:/app/agent
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "Procfile": "web: python main.py\n",
            "main.py": """
                import os

                import uvicorn
                from flask import Flask

                app = Flask(__name__)
                DEBUG = os.getenv("DEBUG") == "1"


                def reload(agent, debug=True):
                    return agent.run(debug=True)


                if __name__ == "__main__":
                    uvicorn.run("api:app", host="0.0.0.0", reload=DEBUG)
            """,
        }),
        Example.repo({
            "Procfile": "web: gunicorn agent.web:app\n",
            "agent/web.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(debug=True)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if traits(repo).is_service else "no web service found"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for cmd in commands(repo):
            if _is_dev_file(cmd.path) or _DEV_NAME_RE.search(cmd.name) or cmd.name in self._mounted(repo, cmd.path):
                continue
            mode = _dev_mode(_expand(cmd.words))
            if mode:
                yield self.finding(cmd.path, cmd.line, 1, f"The production command runs {mode}: {_ADVICE}")
        yield from self._dockerfile_env(repo)
        entries = {p for p in traits(repo).entry_files if not _is_dev_file(p)}
        for fact in repo.facts("dev-server-call"):
            if fact.path in entries:
                yield self.finding(fact.path, fact.line, fact.column,
                                   f"The production entry module starts {fact.data['what']}: {_ADVICE}")

    def _mounted(self, repo: Repo, path: str) -> set[str]:
        """Compose services that mount the source tree from the host: a live-reload dev setup."""
        art = repo.artifact(path)
        return {s.name for s in art.services if s.mounts_source} if isinstance(art, ComposeFile) else set()

    def _dockerfile_env(self, repo: Repo) -> Iterator[Finding]:
        for art in _runtime(repo, FileKind.DOCKERFILE):
            assert isinstance(art, Dockerfile)
            stage = art.final_stage
            if stage is None or _is_dev_file(art.path) or (stage.name and _DEV_NAME_RE.search(stage.name)):
                continue
            for ins in stage.instructions:
                if ins.keyword != "ENV":
                    continue
                for key, value in env_pairs(ins.value):
                    if (key == "FLASK_DEBUG" and value.lower() in ("1", "true", "yes")) or (
                            key == "FLASK_ENV" and value.lower() == "development"):
                        yield self.finding(art.path, ins.line, 1,
                                           f"The image sets `{key}={value}` (debug mode and the reloader): remove it "
                                           "from the production image and set it only in a development override")


_ADVICE = ("start the production server instead (e.g. `uvicorn app:app --host 0.0.0.0 --port $PORT` or "
           "`gunicorn app:app`) and keep reload/debug in a development-only file such as `compose.override.yml`")


# -- TFA1003 ---------------------------------------------------------------------------------

_PY_IMAGE_RE = re.compile(r"^(?:[\w.-]+(?::\d+)?/)*?(?:library/)?python:(\d+)\.(\d+)(?:\.(\d+))?")
_UV_IMAGE_RE = re.compile(r"^(?:[\w.-]+/)*uv:python(\d+)\.(\d+)")
_VERSION_RE = re.compile(r"^(?:python-?|cpython-?)?(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class _Declared:
    """One place that says which Python runs the app: a version, or a range of versions."""

    label: str
    path: str
    line: int
    version: str | None = None  # "3.12" or "3.12.8"
    spec: SpecifierSet | None = None

    @property
    def minor(self) -> str | None:
        return ".".join(self.version.split(".")[:2]) if self.version else None

    @property
    def project(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def is_image(self) -> bool:
        return self.label.startswith("`FROM")


def _declarations(repo: Repo) -> list[_Declared]:
    if "python-declarations" in repo.memo:
        return repo.memo["python-declarations"]
    ranges: list[_Declared] = []
    for art in _runtime(repo, FileKind.PYPROJECT):
        assert isinstance(art, Pyproject)
        project = art.data.get("project")
        value = project.get("requires-python") if isinstance(project, dict) else None
        spec = _specifier(value) if isinstance(value, str) else None
        if spec is not None:
            ranges.append(_Declared(f"`requires-python = \"{value}\"`", art.path,
                                    line_of(art.text, "project", "requires-python"), spec=spec))
    concrete: list[_Declared] = []
    for art in _runtime(repo, FileKind.RUNTIME):
        for number, raw in enumerate(art.lines, start=1):
            text = raw.split("#")[0].strip()
            if art.name == ".tool-versions":
                words = text.split()
                text = words[1] if len(words) > 1 and words[0] == "python" else ""
            match = _VERSION_RE.match(text)
            if match:
                version = ".".join(g for g in match.groups() if g)
                concrete.append(_Declared(f"{art.name} ({version})", art.path, number, version=version))
                break
    dockerfiles: list[_Declared] = []
    for art in _runtime(repo, FileKind.DOCKERFILE):
        assert isinstance(art, Dockerfile)
        if ".devcontainer/" in f"/{art.path}":
            continue
        for stage in art.stages:
            image = art.resolve(stage.image) or ""
            match = _PY_IMAGE_RE.match(image) or _UV_IMAGE_RE.match(image)
            if match:
                version = ".".join(g for g in match.groups() if g)
                dockerfiles.append(_Declared(f"`FROM {image}`", art.path, stage.line, version=version))
    result = ranges + concrete + dockerfiles
    repo.memo["python-declarations"] = result
    return result


def _specifier(value: str) -> SpecifierSet | None:
    """PEP 440 specifiers, plus Poetry's ``^3.11`` and ``~3.11`` shorthands."""
    value = value.strip()
    match = re.fullmatch(r"([\^~])(\d+)\.(\d+)(?:\.\d+)?", value)
    if match:
        major, minor = int(match.group(2)), int(match.group(3))
        value = f">={major}.{minor},<{major + 1}" if match.group(1) == "^" else f">={major}.{minor},<{major}.{minor + 1}"
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        return None


def _allows(spec: SpecifierSet, version: str) -> bool:
    """Whether ``spec`` admits ``version``; an X.Y version admits any of its patch releases."""
    if version.count(".") >= 2:
        return spec.contains(version, prereleases=True)
    return any(spec.contains(f"{version}.{patch}", prereleases=True) for patch in range(40))


def _conflict(earlier: _Declared, later: _Declared) -> bool:
    if earlier.spec is not None:
        return later.version is not None and not _allows(earlier.spec, later.version)
    return later.minor is not None and earlier.minor != later.minor


def _in_scope(earlier: _Declared, later: _Declared, roots: list[str], version_dirs: list[str]) -> bool:
    """Whether two declarations speak for the same app.

    ``requires-python`` covers its project (up to the next pyproject.toml below it); version
    files cover their directory and those below it up to the next version file, as pyenv reads
    them; two Dockerfiles, or two version files, are the same app's only side by side.
    """
    if earlier.spec is not None:
        return _project_of(later.path, roots) == earlier.project
    if earlier.is_image == later.is_image:
        return earlier.project == later.project
    image, version_file = (earlier, later) if earlier.is_image else (later, earlier)
    nearest = max((d for d in version_dirs if _under(image.project, d)), key=len, default=None)
    return nearest == version_file.project


def _under(directory: str, root: str) -> bool:
    return root == "" or directory == root or directory.startswith(root + "/")


def _project_of(path: str, roots: list[str]) -> str:
    """The directory of the nearest pyproject.toml at or above ``path`` ("" for the root)."""
    directory = posixpath.dirname(path)
    return max((r for r in roots if _under(directory, r)), key=len, default="")


class PythonVersionsDisagree(RepoRule):
    id = "TFA1003"
    name = "python-versions-disagree"
    factor = 10
    severity = Severity.WARNING
    title = "Runtime Python versions disagree"
    what = """
        The places that say which Python runs the app disagree: a Dockerfile `FROM python:X.Y`
        outside `[project].requires-python`, or two of the Dockerfile base image,
        `.python-version`, `runtime.txt` and `.tool-versions` naming different `X.Y` versions.
        Declarations are compared within the project (the nearest `pyproject.toml` above them);
        two Dockerfiles only when they sit side by side. Tests and examples are skipped.
    """
    why = """
        Developers run the version their tool picks (`.python-version`, `runtime.txt`), CI the one
        `requires-python` admits, production the image's. Code that works on 3.12 can fail on
        3.9 (syntax, typing, removed modules) and wheels differ per version: the bug shows up
        only in the environment nobody tested.
    """
    fix = """
        Pick one Python version and declare it everywhere: the same `X.Y` in the Dockerfile
        `FROM python:X.Y-slim`, `.python-version` and `runtime.txt`, inside
        `requires-python`.
    """
    invalid = (
        Example.repo({
            "Dockerfile": "FROM python:3.9-slim\nCOPY . /app\n",
            ".python-version": "3.12\n",
        }, lines=(1,)),
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n',
            "Dockerfile": "ARG PY=3.10\nFROM python:${PY}-slim AS build\nFROM python:3.12-slim\n",
            "runtime.txt": "python-3.11.9\n",
        }, lines=(2, 3)),
    )
    valid = (
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "0.1.0"\nrequires-python = ">=3.11,<3.13"\n',
            "Dockerfile": "FROM python:3.12.8-slim\n",
            ".python-version": "3.12.8\n",
        }),
        Example.repo({
            "pyproject.toml": '[tool.poetry]\nname = "agent"\n\n[project]\nname = "agent"\nrequires-python = ">=3.10"\n',
            "Dockerfile": "FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\n",
            ".tool-versions": "nodejs 20.1.0\npython 3.12.1\n",
        }),
        Example.repo({
            "services/api/Dockerfile": "FROM python:3.11-slim\n",
            "services/worker/Dockerfile": "FROM python:3.12-slim\n",
            "examples/demo/Dockerfile": "FROM python:3.9-slim\n",
            ".python-version": "3.12\n",
            "Dockerfile": "FROM python:3.12-slim\n",
            "frontend/runtime.txt": "python-3.10\n",
            "services/api/.python-version": "3.11.9\n",
            "services/api/pyproject.toml": '[project]\nname = "api"\nrequires-python = "~=3.11.0"\n',
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if len(_declarations(repo)) >= 2 else "Python version declared in at most one place"

    def check(self, repo: Repo) -> Iterable[Finding]:
        declared = _declarations(repo)
        roots = [posixpath.dirname(a.path) for a in _runtime(repo, FileKind.PYPROJECT)]
        version_dirs = [d.project for d in declared if d.version is not None and not d.is_image]
        for index, later in enumerate(declared):
            if later.version is None:
                continue
            clashes = [f"{e.label} in {e.path}" for e in declared[:index]
                       if _in_scope(e, later, roots, version_dirs) and _conflict(e, later)]
            if clashes:
                yield self.finding(
                    later.path, later.line, 1,
                    f"{later.label} names Python {later.version}, which disagrees with {'; '.join(clashes[:3])}: "
                    "use one Python version in every declaration")
