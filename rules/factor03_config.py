"""Factor III — Config: configuration, and above all credentials, live in the environment.

Every rule here shows a secret only through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from tfa_lint.model import Artifact, FileKind, Finding, Severity, path_role
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example, PythonRule
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs
from tfa_lint.sources.envfile import EnvFile

from ._secrets import URL_CREDENTIALS_RE, is_secret_name, plausible_secret, provider_tokens, url_password_is_real

_TEXT_KINDS = (FileKind.PYTHON, FileKind.DOCKERFILE, FileKind.REQUIREMENTS, FileKind.PYPROJECT,
               FileKind.PROCFILE, FileKind.COMPOSE, FileKind.ENV)
_EXAMPLE_ENV_RE = re.compile(r"(?i)(example|sample|template|dist|defaults?|tpl)")

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_OPENAI = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + "Kp3Lw7Xa2"
_AWS = "AKIA" + "Q7XJ2M4KT9ZP3WRB"
_HF = "hf_" + "Vb7Kq2Lm9Xw4Rt6Zp1Nc8Hs3Jd5Gf0Ya"
_DB_URL = "postgresql://agent:" + "Zq8rT4pLm2xW" + "@10.0.0.5/agent"


def is_committed_env_file(path: str) -> bool:
    """A dotenv file with real values, as opposed to a documented template."""
    name = path.rsplit("/", 1)[-1]
    return not _EXAMPLE_ENV_RE.search(name)


class HardcodedProviderKey(ArtifactRule):
    id = "TFA0301"
    name = "hardcoded-provider-key"
    factor = 3
    severity = Severity.ERROR
    security = True
    title = "Hardcoded provider credential"
    kinds = _TEXT_KINDS
    text_only = True
    what = """
        A token in a provider's own format — OpenAI, Anthropic, AWS, GitHub, Slack, Google,
        Hugging Face, Stripe, Groq, LangSmith, Tavily, Replicate and others, or a PEM private
        key — anywhere in Python, Dockerfiles, compose, requirements or pyproject files
        (comments included). Placeholders (`sk-...`, `your-key-here`, `<key>`) and the fake
        keys tests use (`sk-test-…`, `sk-1234567890…`, repeated characters) are skipped.
        Committed `.env` files are reported once, by TFA0303.
    """
    why = """
        A key in the repository is a key in every clone, fork, CI log and container layer,
        forever: git history keeps it after the line is deleted. It also ties one deploy's
        credentials to the code, so staging and production cannot differ.
    """
    fix = """
        Read the key from the environment (`OpenAI()` reads `OPENAI_API_KEY` by itself;
        otherwise `os.environ["OPENAI_API_KEY"]`), delete the literal, and revoke the key at
        the provider: it stays in the git history.
    """
    invalid = (
        Example.of(f"""
            from openai import OpenAI

            client = OpenAI(api_key="{_OPENAI}")
        """, "agent/llm.py", lines=(3,)),
        Example.of(f"""
            FROM python:3.12-slim
            ENV AWS_ACCESS_KEY_ID={_AWS}
        """, "Dockerfile", lines=(2,)),
        Example.of(f"""
            # token for the embeddings model: {_HF}
            EMBEDDINGS = "BAAI/bge-small-en-v1.5"
        """, "agent/embed.py", lines=(1,)),
    )
    valid = (
        Example.of("""
            from openai import OpenAI

            client = OpenAI()  # reads OPENAI_API_KEY from the environment
        """, "agent/llm.py"),
        Example.of("""
            OPENAI_API_KEY = "sk-..."
            ANTHROPIC_API_KEY = "your-anthropic-key-here"
        """, "agent/settings.py"),
        Example.of("""
            def test_client_uses_key(monkeypatch):
                monkeypatch.setenv("OPENAI_API_KEY", "sk-test-1234567890abcdefghijklmnop")
        """, "tests/test_llm.py"),
        Example.of("""
            TASK_NAME = "sk-learn-pipeline-stage-runner"
        """, "agent/tasks.py"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        if artifact.kind is FileKind.ENV and is_committed_env_file(artifact.path):
            return  # TFA0303 reports the whole file once
        for hit in provider_tokens(artifact.text):
            line, column = artifact.position(hit.start)
            end_line, end_column = artifact.position(hit.end)
            yield self.finding(
                artifact.path, line, column,
                f"Hardcoded {hit.provider} `{redact(hit.value)}`: read it from the environment, "
                "delete the literal and revoke the key (git history keeps it)",
                end_line=end_line, end_column=end_column)


class SecretNamedLiteral(PythonRule):
    id = "TFA0302"
    name = "secret-named-literal"
    factor = 3
    severity = Severity.ERROR
    security = True
    title = "Hardcoded secret bound to a secret-named variable or argument"
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)
    what = """
        A string literal that looks like a real credential (long enough, varied enough, not a
        placeholder, path, URL or environment-variable name) assigned to a name such as
        `api_key`, `SECRET_KEY`, `password`, `token`; passed as such a keyword argument; put
        under such a key in a dict or in `os.environ`; or used as the default of
        `os.getenv("…_API_KEY", "…")`. Test files are skipped; provider-format keys are
        TFA0301's.
    """
    why = """
        Secrets in code are shared with everyone who can read the repository and cannot differ
        between deploys. A secret default in `os.getenv` is worse than none: a deploy that
        forgot to set the variable silently runs with the committed value.
    """
    fix = """
        Read the value from the environment and fail fast when it is missing:
        `os.environ["PINECONE_API_KEY"]`, or a `pydantic-settings` field without a default.
        Rotate the committed value.
    """
    invalid = (
        Example.of("""
            import os

            pinecone_key = os.getenv("PINECONE_API_KEY", "4f9c2b1e-7d3a-48e5-b6f0-93ad7c21e8b4")
        """, "agent/store.py", lines=(3,)),
        Example.of("""
            app.config["SECRET_KEY"] = "a8F5f1-67f44Xf4964e6Rc998dQe827110c"
        """, "app.py", lines=(1,)),
        Example.of("""
            db = connect(host=DB_HOST, user="agent", password="Zq8!rT4#pLm2")
        """, "agent/db.py", lines=(1,)),
    )
    valid = (
        Example.of("""
            import os

            pinecone_key = os.environ["PINECONE_API_KEY"]
            API_KEY_ENV = "PINECONE_API_KEY"
            token_url = "https://auth.example.com/oauth/token"
            max_tokens = 512
            tokenizer = "cl100k_base"
            eos_token = "<|endoftext|>"
        """, "agent/store.py"),
        Example.of("""
            client = make_client(api_key="Zq8rT4pLm2Xw9Kd3Vb7n")
        """, "tests/test_client.py"),
        Example.of("""
            def capture(event: str) -> dict:
                return {"api_key": "phc_Q7vLm2Rk9TzXw4BnYc8HdJf3Ps6AeUg1KoNi5WqZt0r", "event": event}
        """, "app/telemetry.py"),
        Example.of("""
            SECRET_KEY = "change-me-in-production"
            password = "password123"
        """, "app.py"),
    )

    def _check(self, node: cst.BaseExpression, name: str, *, default_of: str | None = None) -> None:
        if self.file.role == "test" or not is_secret_name(name):
            return
        value = _literal(node)
        if value is None or not plausible_secret(value) or any(provider_tokens(value)):
            return
        env = re.sub(r"\W", "_", name).upper()
        if default_of:
            self.report(node, f"Secret default `{redact(value)}` for `{name}` in `{default_of}`: use "
                              f"`os.environ[\"{name}\"]` so a missing value fails fast, and rotate this one")
        else:
            self.report(node, f"Hardcoded secret `{redact(value)}` in `{name}`: read it from the environment "
                              f"(e.g. `os.environ[\"{env}\"]`) and rotate it")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = _target_name(target.target)
            if name:
                self._check(node.value, name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = _target_name(node.target)
        if name and node.value is not None:
            self._check(node.value, name)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = _literal(node.key)
        if key:
            self._check(node.value, key)

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is not None:
                self._check(arg.value, arg.keyword.value)
        qnames = self.qualified_names(node.func)
        getter = qnames & {"os.getenv", "os.environ.get", "os.environ.setdefault"}
        if getter and len(node.args) >= 2:
            key = _literal(node.args[0].value)
            if key:
                self._check(node.args[1].value, key, default_of=sorted(getter)[0])


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _literal(node.left), _literal(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _target_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return _literal(index.value)
    return None


class CommittedEnvFile(ArtifactRule):
    id = "TFA0303"
    name = "committed-env-file"
    factor = 3
    severity = Severity.ERROR
    security = True
    title = "Credential-bearing .env file not ignored"
    kinds = (FileKind.ENV,)
    what = """
        A dotenv file (`.env`, `.env.production`, `prod.env`…) that `.gitignore` does not
        exclude and that holds at least one real-looking secret: a provider-format key, or a
        secret-named variable (`*_API_KEY`, `*_SECRET`, `*_PASSWORD`, `*_TOKEN`) with a
        non-placeholder value. Templates (`.env.example`, `.env.sample`, `.env.template`) are
        the good practice and are not reported.
    """
    why = """
        `.env` files exist to keep per-deploy values out of the code. Committed, they put the
        secrets in the repository's history and tie every deploy to one set of values.
    """
    fix = """
        Remove the file from the repository (`git rm --cached .env`), add `.env` to
        `.gitignore`, commit a `.env.example` with the variable names and empty values, and
        rotate every key the file held.
    """
    invalid = (
        Example.of(f"""
            MODEL_NAME=gpt-4o-mini
            OPENAI_API_KEY={_OPENAI}
            DATABASE_PASSWORD=Zq8!rT4#pLm2xW
        """, ".env", lines=(2,)),
    )
    valid = (
        Example.of("""
            MODEL_NAME=gpt-4o-mini
            OPENAI_API_KEY=
            DATABASE_PASSWORD=change-me
        """, ".env.example"),
        Example.repo({".gitignore": ".env\n", ".env": f"OPENAI_API_KEY={_OPENAI}\n"}),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, EnvFile)
        if not is_committed_env_file(artifact.path):
            return
        secrets = [e for e in artifact.entries
                   if any(provider_tokens(e.value)) or (is_secret_name(e.key) and plausible_secret(e.value))]
        if not secrets:
            return
        shown = ", ".join(f"{e.key}={redact(e.value)}" for e in secrets[:3])
        more = f" and {len(secrets) - 3} more" if len(secrets) > 3 else ""
        yield self.finding(
            artifact.path, secrets[0].line, secrets[0].column,
            f"`{artifact.name}` is not ignored by .gitignore and holds secrets ({shown}{more}): remove it from "
            "the repository, ignore it, commit a `.env.example` without values, and rotate the keys")


class SecretInDockerfile(ArtifactRule):
    id = "TFA0304"
    name = "secret-in-dockerfile"
    factor = 3
    severity = Severity.ERROR
    security = True
    title = "Secret baked into a Dockerfile ENV or ARG"
    kinds = (FileKind.DOCKERFILE,)
    what = """
        `ENV` or `ARG` with a secret-named key (`*_API_KEY`, `*_TOKEN`, `*_PASSWORD`,
        `*_SECRET`) and a literal, non-placeholder value. References (`ENV KEY=$KEY`) and
        empty values are not reported; provider-format keys are TFA0301's.
    """
    why = """
        `ENV` and `ARG` values are stored in the image's metadata and history: anyone who can
        pull the image can read them, and every deploy of that image shares them.
    """
    fix = """
        Pass secrets at run time (`docker run -e OPENAI_API_KEY`, the orchestrator's secret
        store). For build-time secrets use `RUN --mount=type=secret,id=…`.
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            ENV DATABASE_PASSWORD=Zq8!rT4#pLm2xW
        """, "Dockerfile", lines=(2,)),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            ARG PIP_INDEX_TOKEN
            ENV LOG_LEVEL=info \\
                DATABASE_PASSWORD=""
            RUN --mount=type=secret,id=hf_token HF_TOKEN=$(cat /run/secrets/hf_token) python fetch.py
        """, "Dockerfile"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, Dockerfile)
        for ins in artifact.instructions:
            if ins.keyword == "ENV":
                pairs = env_pairs(ins.value)
            elif ins.keyword == "ARG":
                pairs = [(k, v) for k, v in arg_pairs(ins.value) if v is not None]
            else:
                continue
            for key, value in pairs:
                if is_secret_name(key) and plausible_secret(value) and not any(provider_tokens(value)):
                    yield self.finding(
                        artifact.path, ins.line, 1,
                        f"{ins.keyword} {key}=`{redact(value)}` bakes a secret into the image: pass it at run "
                        "time (`docker run -e`) or use `RUN --mount=type=secret`, and rotate it")


class CredentialsInUrl(ArtifactRule):
    id = "TFA0306"
    name = "credentials-in-url"
    factor = 3
    severity = Severity.ERROR
    security = True
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
        """, "agent/db.py", lines=(3,)),
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
