"""Factor III — Config: configuration, and above all credentials, live in the environment.

Every rule here shows a secret only through ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from tfa_lint.model import Artifact, Fact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example, PythonRule, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs
from tfa_lint.sources.envfile import EnvFile

from .facts.config_reads import EnvReadFacts, documented_variables, is_committed_env_file, is_env_name
from .facts.cst_nodes import string_value, target_name
from .facts.secrets import (
    URL_CREDENTIALS_RE,
    is_secret_name,
    plausible_secret,
    provider_tokens,
    url_password_is_real,
)

_TEXT_KINDS = (FileKind.PYTHON, FileKind.DOCKERFILE, FileKind.REQUIREMENTS, FileKind.PYPROJECT,
               FileKind.PROCFILE, FileKind.COMPOSE, FileKind.ENV)

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_OPENAI = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + "Kp3Lw7Xa2"
_AWS = "AKIA" + "Q7XJ2M4KT9ZP3WRB"
_AWS_SESSION = "ASIA" + "V3NM8KQ2XZ7TD5RH"
_HF = "hf_" + "Vb7Kq2Lm9Xw4Rt6Zp1Nc8Hs3Jd5Gf0Ya"
_PEM_HEAD = "-----BEGIN " + "PRIVATE KEY-----"
_PEM_BODY = "qSWBAnprGPPfNCaMt/Tzbxzf1+yD8HuOqKphPOvOabCIhS23IPovqrVxbPYhIcwG"
_DB_URL = "postgresql://agent:" + "Zq8rT4pLm2xW" + "@10.0.0.5/agent"


class HardcodedProviderKey(ArtifactRule):
    id = "TFA0301"
    name = "hardcoded-provider-key"
    factor = 3
    severity = Severity.ERROR
    security = True
    security_severity = 8.5
    title = "Hardcoded provider credential"
    kinds = _TEXT_KINDS
    text_only = True
    what = """
        A token in a provider's own format — OpenAI, Anthropic, AWS, GitHub, Slack, Google,
        Hugging Face, Stripe, Groq, LangSmith, Tavily, Replicate and others, or a PEM private
        key — anywhere in Python, Dockerfiles, compose, requirements or pyproject files
        (comments included). Placeholders (`sk-...`, `your-key-here`, `<key>`) and the fake
        keys tests use (`sk-test-…`, `sk-1234567890…`, repeated characters, a body made of
        words and version numbers after the prefix, or marked `DO-NOT-LEAK`) are skipped, as are PEM
        headers over a stub body (under 60 characters, or padded with filler like
        `testonlytestonly`) and the key ids of temporary AWS credentials (`ASIA…`: no secret,
        and their session expires within hours). Committed `.env` files are reported once, by
        TFA0303.
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
        Example.of(f"""
            SIGNING_KEY = (
                "{_PEM_HEAD}\\n"
                "{_PEM_BODY}\\n"
            )
        """, "agent/sign.py", lines=(2,)),
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
        Example.of(f"""
            STUB_KEY = b"{_PEM_HEAD}\\nstub-key\\n-----END PRIVATE KEY-----\\n"
            SAMPLE_BOT_TOKEN = "xoxb-1-Q2x3Rt7Lk9Vb...kZ9mWq7"
        """, "tests/test_signing.py"),
        Example.of(f"""
            LEAK_PROBE = "sk-crm-4b7e-DO-NOT-LEAK"


            def test_refresh_flow(monkeypatch):
                monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "sk-ant-oat01-refresh-flow")
                assert load().token == "sk-ant-oat01-refresh-flow"


            def test_scanner_blocks_key(tmp_path):
                (tmp_path / "SKILL.md").write_text("{_PEM_HEAD}\\nMIIEpAIBAAKCAQEAfillerfillerfillerfiller\\n")
        """, "tests/test_leak_guard.py"),
        Example.of(f"""
            import sys

            # the recorded session's temporary key id must be gone once the cassette is scrubbed
            if "{_AWS_SESSION}" in open("cassette.yaml").read():
                sys.exit("cassette still holds the session key id")
        """, "scripts/check_scrub.py"),
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
    security_severity = 7.5
    title = "Hardcoded secret bound to a secret-named variable or argument"
    what = """
        A string literal that looks like a real credential (long enough, varied enough, not a
        placeholder, path, URL, regex, environment-variable name, or words joined by
        separators such as a module path `.signing_secret`, a key name or a sentinel
        `%%AGENT-EXIT%%`) assigned to a name such as `api_key`, `SECRET_KEY`, `password`,
        `access_token`; passed as such a keyword argument; put under such a key in a dict or in
        `os.environ`; or used as the default of `os.getenv("…_API_KEY", "…")`.
        Names match on whole words (snake_case and camelCase parts) and on their head, the last
        word before any preposition: `SECRET_MASK_FILTER`, `MODEL_FOR_API_KEY_CHECK`,
        `credential_key` and `page_token` name no secret; `…_key` is one only as an API,
        secret, private, access, auth, signing or encryption key. Keys public by design
        (`public`/`publishable`/`anon` in the name, analytics project tokens such as
        Mixpanel's) are skipped. Test files are skipped; provider-format keys are TFA0301's.
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
        Example.of("""
            from pydantic_settings import BaseSettings

            DEFAULTS = {
                "SERVICE_NAME": "agent",
                "AES_ENCRYPTION_KEY": "7b1e9c04d5a26f83e0b4c9d17a5f2e68",
            }


            class Settings(BaseSettings):
                jwt_signing_key: str = "Xk29fJq7Lm3Vb8Rt1Zp6Wn4Hc0Ds5Ga2"


            token_request = {"clientId": "agent-cli", "clientSecret": "Rm4Tz8Qw2Lp6Vx0Nb3Kd7Hs1Jf5Gc9Ya"}
        """, "agent/config.py", lines=(5, 10, 13)),
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
        Example.of("""
            import enum

            SERVICE_ACCOUNT_KEY = "vendor_service_account_key"
            TOKEN_AUDIENCE = "agent:session-handoff"
            transport = BearerTransport(tokenUrl="auth/session/login")


            class Event(enum.Enum):
                CREDENTIAL_ROTATED = "credential.rotated"
        """, "agent/auth.py"),
        Example.of("""
            import importlib

            # generated client: exported name -> module that defines it, imported on first use
            _lazy_exports = {
                "VaultSecretRef": ".vault_secret_ref",
                "OAuthCredentialGrant": ".oauth_credential_grant",
                "RotateApiKeyRequest": "agentkit.client.rotate_api_key_request",
            }


            def __getattr__(name):
                return getattr(importlib.import_module(_lazy_exports[name], __package__), name)
        """, "agentkit/client/__init__.py"),
        Example.of("""
            HANDOFF_DONE_TOKEN = "%%AGENT-HANDOFF-COMPLETE%%"
            SCRATCH_MOUNT_CREDENTIAL_KEY = "__agentkit_scratch_mount_credential"
            SAFETY_SCREEN_SECRET_TURN = "[SCREENING_UNAVAILABLE_TRY_AGAIN]"
            HEADER_TOKEN = r"[A-Za-z0-9._~+-]+"
            SECRET_FIELD_MASK_FILTER = "blur(4px)"
            MODEL_FOR_API_KEY_CHECK = "gpt-4o-mini-2024-07-18"
        """, "agent/constants.py"),
        Example.of("""
            # product analytics: the project token ships in every client and only lets events be sent
            mixpanel_project_token = "3f9a1c7e52b84d06a9e1f2c3b4d5e6f7"
            SEARCH_PUBLIC_API_KEY = "Qm7kT2vX9pL4zR8wN3cY6hJ1dF5sG0bA"
        """, "agent/telemetry.py"),
        Example.of("""
            # usage analytics; the anon key is the public client key, guarded by row-level security
            SUPABASE_ANON_KEY = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImRlbW9hZ2VudHByb2plY3QiLCJyb2xlIjoiYW5vbiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoyMDAwMDAwMDAwfQ.Qm9yZWFsLXNpZ25hdHVyZS1ub3QtcmVhbDEyMzQ1Njc4OQ"
        """, "agent/telemetry.py"),
    )

    def _check(self, node: cst.BaseExpression, name: str, *, default_of: str | None = None) -> None:
        if self.file.role == "test" or not is_secret_name(name):
            return
        value = string_value(node)
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
            name = target_name(target.target)
            if name:
                self._check(node.value, name)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        name = target_name(node.target)
        if name and node.value is not None:
            self._check(node.value, name)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = string_value(node.key)
        if key:
            self._check(node.value, key)

    def visit_Call(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is not None:
                self._check(arg.value, arg.keyword.value)
        qnames = self.qualified_names(node.func)
        getter = qnames & {"os.getenv", "os.environ.get", "os.environ.setdefault"}
        if getter and len(node.args) >= 2:
            key = string_value(node.args[0].value)
            if key:
                self._check(node.args[1].value, key, default_of=min(getter))






class CommittedEnvFile(ArtifactRule):
    id = "TFA0303"
    name = "committed-env-file"
    factor = 3
    severity = Severity.ERROR
    security = True
    security_severity = 8.0
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
    security_severity = 8.0
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


class HardcodedModelName(RepoRule):
    id = "TFA0305"
    name = "hardcoded-model-name"
    factor = 3
    severity = Severity.NOTE
    title = "Model name hardcoded at several LLM call sites"
    collectors = (EnvReadFacts,)
    what = """
        The same literal model name (`model="gpt-4o"`, `model_name=…`, `azure_deployment=…`)
        passed to LLM clients or calls (OpenAI, Anthropic, LangChain chat models, LiteLLM,
        CrewAI, smolagents, pydantic-ai) at two or more call sites of the repository's own
        source. One finding per model name, at its first site. Advisory: not scored.
    """
    why = """
        Which model an agent uses is deploy configuration: staging may run a cheaper model,
        production a pinned snapshot, an incident may need a fallback. Spread across call
        sites, switching it is a code change and a redeploy, and the sites drift apart.
    """
    fix = """
        Read the model name once from configuration (`MODEL_NAME = os.getenv("MODEL_NAME",
        "gpt-4o")` in a settings module, or a `BaseSettings` field) and pass that everywhere.
    """
    invalid = (
        Example.repo({
            "agent/plan.py": """
                from openai import OpenAI

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model="gpt-4o", messages=[task])
            """,
            "agent/act.py": """
                from langchain_openai import ChatOpenAI as Chat

                llm = Chat(model="gpt-4o", temperature=0)
            """,
        }, lines=(3,)),
    )
    valid = (
        Example.repo({
            "agent/config.py": 'import os\n\nMODEL_NAME = os.getenv("MODEL_NAME", "gpt-4o")\n',
            "agent/plan.py": """
                from openai import OpenAI

                from agent.config import MODEL_NAME

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model=MODEL_NAME, messages=[task])
            """,
        }),
        Example.repo({
            "agent/plan.py": """
                from openai import OpenAI

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model="gpt-4o", messages=[task])
            """,
            "examples/demo.py": 'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="gpt-4o")\n',
        }),
        Example.of("""
            def create(model="gpt-4o"):
                return model


            a = create(model="gpt-4o")
            b = create(model="gpt-4o")
        """, "agent/models.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(path_role(f.path) == "src" for f in repo.facts("model-literal")):
            return None
        return "no LLM call with a literal model name in the source"

    def check(self, repo: Repo) -> Iterable[Finding]:
        sites: dict[str, list[Fact]] = {}
        for fact in repo.facts("model-literal"):
            if path_role(fact.path) == "src":
                sites.setdefault(fact.data["value"], []).append(fact)
        for value, facts in sorted(sites.items()):
            if len(facts) < 2:
                continue
            first = min(facts, key=lambda f: (f.path, f.line))
            modules = len({f.path for f in facts})
            yield self.finding(
                first.path, first.line, first.column,
                f"model `{value}` is hardcoded at {len(facts)} call sites in {modules} module(s): read it once "
                "from configuration (e.g. a MODEL_NAME environment variable) and pass that")


class UndocumentedEnvVar(RepoRule):
    id = "TFA0307"
    name = "undocumented-env-var"
    factor = 3
    severity = Severity.WARNING
    title = "Required environment variable missing from the config contract"
    collectors = (EnvReadFacts,)
    what = """
        A variable the source requires that appears nowhere an operator would look: no
        `.env.example` (or other dotenv file), no compose `environment` key or `${X}` reference,
        no Dockerfile `ENV`/`ARG`, no README or other Markdown/MDX/reST documentation.

        Required means the code cannot run without it: `os.environ["X"]`, a `BaseSettings` field
        with no default, or `os.getenv("X")` / `os.environ.get("X")` with no default where the code
        shows it needs the value — an `if` whose unset branch raises, or only warns naming `X` (on
        the call, or on the name or attribute it was assigned to, later in the same block); a use
        that breaks on None (`os.getenv("X").split(",")`, `int(os.getenv("X"))`, `… + os.getenv("X")`);
        or a client's credential keyword (`api_key=os.getenv("X")`). A read that returns None when
        unset and is tested before use, falls back (`given or os.getenv("X")`, an unset branch that
        assigns a default), is passed on as None or only logged, is optional and not reported.

        Not reported either: platform variables (`PORT`, `HOME`, `PATH`, `CI`, Kubernetes'
        `POD_NAMESPACE`, Windows' `PROGRAMFILES`…); variables the program sets itself
        (`os.environ["X"] = …`, `env={**os.environ, "X": …}`, `env["X"] = …` on a copy of
        `os.environ`); an old name read as the default of the new one (`os.getenv("NEW",
        os.getenv("OLD"))`), or one of an `or` chain of alternatives (`os.getenv("NEW") or
        os.getenv("OLD")`) when another is documented;
        fields of a pydantic-settings class configured as a command line (`cli_…` settings);
        reads in tests, examples, scripts, CI scripts (`.github/`…), database migrations, a
        `__main__` block or a function only that block calls. One finding per variable, at its
        first read.
    """
    why = """
        Config in the environment only works if the deployer knows what to set. A variable
        that is read but never documented is found by the first crash in a new environment —
        or worse, by a `None` that silently disables a feature.
    """
    fix = """
        Add the variable to the dotenv template of the sub-project that reads it (the message
        names the nearest one above the code, or where to create one) — empty or with a safe
        sample value — and a line to the README; give it a default in code if it is optional.
    """
    invalid = (
        Example.repo({
            ".env.example": "OPENAI_API_KEY=\n",
            "agent/config.py": """
                import os

                OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
                TAVILY_API_KEY = os.environ["TAVILY_API_KEY"]
                REDIS_URL = os.getenv("REDIS_URL")
                if not REDIS_URL:
                    raise SystemExit("REDIS_URL is required")
            """,
        }, lines=(4, 5)),
        Example.repo({
            "README.md": "Set `OPENAI_API_KEY` before running.\n",
            "agent/settings.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict


                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="AGENT_")

                    database_url: str
                    log_level: str = "INFO"
            """,
        }, lines=(7,)),
        # Reads with no default that the code cannot do without: it raises or warns when they are unset, or
        # uses the value where None breaks, or hands it to a client as its credential.
        Example.repo({
            "README.md": "# agent\n",
            "agent/session.py": """
                import logging
                import os

                log = logging.getLogger(__name__)
                REGION = os.getenv("DEPLOY_REGION").lower()
                TIMEOUT = int(os.environ.get("UPSTREAM_TIMEOUT_S"))


                def secret():
                    value = os.getenv("SESSION_SECRET")
                    if value is None:
                        raise RuntimeError("SESSION_SECRET is not set")
                    return value


                class Images:
                    def __init__(self, api_key=None):
                        self.api_key = api_key or os.getenv("IMAGE_API_KEY")
                        self.size = 512
                        if not self.api_key:
                            log.warning("Set IMAGE_API_KEY to enable images")


                def store(client_class):
                    return client_class(api_key=os.environ.get("VECTOR_STORE_KEY"))
            """,
        }, lines=(5, 6, 10, 18, 25)),
    )
    valid = (
        Example.repo({
            ".env.example": "OPENAI_API_KEY=\nAGENT_DATABASE_URL=postgresql://localhost/agent\n",
            "docker-compose.yml": "services:\n  app:\n    environment:\n      REDIS_URL: ${REDIS_URL}\n",
            "agent/config.py": """
                import os

                from pydantic_settings import BaseSettings, SettingsConfigDict

                OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
                REDIS_URL = os.getenv("REDIS_URL")
                MODEL = os.getenv("MODEL_NAME", "gpt-4o")
                PORT = int(os.environ["PORT"])


                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="AGENT_")

                    database_url: str
            """,
        }),
        Example.repo({
            "README.md": "# agent\n\nSee docs/configuration.md.\n",
            "docs/configuration.md": "| variable | meaning |\n|---|---|\n| `RETRIEVER` | search backend |\n",
            "agent/search.py": 'import os\n\nRETRIEVER = os.environ["RETRIEVER"]\n',
        }),
        Example.repo({
            "README.md": "# agent\n\nExport `SLACK_BOT_TOKEN` and run `python bot.py`.\n",
            "bot.py": 'import os\n\nTOKEN = os.environ["SLACK_BOT_TOKEN"]\n',
            "tests/test_bot.py": 'import os\n\nos.environ["TEST_ONLY"]\n',
        }),
        Example.repo({
            "README.md": "# agent\n",
            "agent.py": 'import os\n\nkey = os.environ[name]\nhome = os.environ["HOME"]\n',
        }),
        Example.repo({
            "README.md": "# agent\n",
            "agent/history.py": """
                import os


                def history_dir():
                    owner = os.environ.get("SUDO_USER") if os.geteuid() == 0 else None
                    return os.path.expanduser(f"~{owner}" if owner else "~")
            """,
        }),
        Example.repo({
            ".env.example": "OPENAI_API_KEY=\n# optional: route through a proxy\n# LLM_PROXY_URL=\n",
            "agent/llm.py": """
                import os

                os.environ["GRPC_VERBOSITY"] = "ERROR"
                OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
                PROXY = os.environ["LLM_PROXY_URL"]
            """,
            "agent/sources/wiki.py": """
                import os


                def fetch(base_url, token):
                    return [base_url, token]


                if __name__ == "__main__":
                    print(fetch(os.environ["WIKI_URL"], os.getenv("WIKI_TOKEN")))
            """,
        }),
        Example.repo({
            "README.md": "# agent\n",
            "agent/providers.py": """
                import os


                def pick(region=None):
                    if os.getenv("LEGACY_PROVIDER") is not None:
                        print("LEGACY_PROVIDER is deprecated")
                    region = region or os.getenv("SEARCH_REGION") or "us"
                    rate = float(os.environ["RATE_LIMIT"]) if "RATE_LIMIT" in os.environ else 1.0
                    host = os.environ.get("LOCAL_LLM_HOST")
                    if not host:
                        host = "http://localhost:8080"
                    raw = os.getenv("ALLOWED_HOSTS")
                    hosts = raw.split(",") if raw else ["localhost"]
                    return region, rate, host, hosts
            """,
        }),
        # Reads with no default that the code copes without: tested before use, used as a fallback, passed on
        # as None, or only logged. None of them is required.
        Example.repo({
            "README.md": "# agent\n",
            "agent/tracing.py": """
                import logging
                import os
                from pathlib import Path

                log = logging.getLogger(__name__)
                TRACE_SAMPLE_RATE = os.environ.get("TRACE_SAMPLE_RATE")
                log.info(f"build {os.getenv('BUILD_TAG')}")


                def dump_dir():
                    target = os.getenv("TRACE_DUMP_DIR")
                    if not target or TRACE_SAMPLE_RATE == "0":
                        return None
                    return Path(target)


                def workers():
                    raw = os.environ.get("TRACE_WORKERS")
                    log.debug("picking workers")
                    if raw is not None:
                        return int(raw)
                    return 4


                def exporter(endpoint=None):
                    endpoint = endpoint or os.getenv("TRACE_ENDPOINT")
                    return {"endpoint": endpoint, "region": os.getenv("TRACE_REGION")}
            """,
        }),
        # A variable the program sets itself, for its own later reads or for a child process it starts.
        Example.repo({
            "README.md": "# agent\n",
            "agent/launcher.py": """
                import os
                import subprocess

                os.environ["AGENT_RUN_MODE"] = "batch"


                def spawn(index):
                    subprocess.run(["python", "-m", "agent.worker"], env={**os.environ, "WORKER_SLOT": str(index)})
                    env = os.environ.copy()
                    env["SHARD_COUNT"] = "4"
                    subprocess.run(["python", "-m", "agent.shard"], env=env)
            """,
            "agent/worker.py": """
                import os

                MODE = os.environ["AGENT_RUN_MODE"]
                SLOT = int(os.environ["WORKER_SLOT"])
                SHARDS = int(os.environ["SHARD_COUNT"])
            """,
        }),
        # Variables the platform or the CI job sets, and one-off jobs that are not the service.
        Example.repo({
            "README.md": "# agent\n",
            "agent/runtime.py": """
                import os

                NAMESPACE = os.environ["POD_NAMESPACE"]
                BROWSER_DIR = os.path.join(os.environ["PROGRAMFILES"], "Browser")
            """,
            ".github/scripts/comment_preview.py": """
                import os

                print(os.environ["PREVIEW_URL"])
            """,
            "agent/migrations/versions/0007_resize_vectors.py": """
                import os

                DIMENSION = int(os.environ["NEW_VECTOR_DIMENSION"])
            """,
        }),
        # A read kept as a legacy alias in the default of the documented name's read.
        Example.repo({
            ".env.example": "AGENT_GATEWAY_KEY=\n",
            "agent/gateway.py": """
                import os


                def gateway_key():
                    if not os.getenv("AGENT_GATEWAY_KEY", os.getenv("OLD_GATEWAY_KEY")):
                        raise RuntimeError("set AGENT_GATEWAY_KEY")
                    return os.getenv("AGENT_GATEWAY_KEY", os.getenv("OLD_GATEWAY_KEY"))
            """,
        }),
        # A pydantic-settings class that is a command line: its fields come as flags, not variables.
        Example.repo({
            "README.md": "# agent\n",
            "agent/cli.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict


                class RunConfig(BaseSettings, cli_parse_args=True):
                    model_config = SettingsConfigDict(env_prefix="AGENT_")

                    task_file: str


                class ReplayConfig(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="AGENT_", cli_implicit_flags=True)

                    trajectory: str
            """,
        }),
        # More of the same: an `or` chain of alternative names one of which is documented, an unset branch that
        # falls back (and raises only when the fallback fails too), a warning that is not about the variable,
        # a helper only the module's own `__main__` harness calls, and a variable documented in MDX docs.
        Example.repo({
            ".env.example": "SEARCH_API_KEY=\n",
            "docs/deploy.mdx": "<Tip>Set `LICENSE_KEY_PEM` to the key you were sent.</Tip>\n",
            "agent/search.py": """
                import json
                import logging
                import os
                from pathlib import Path

                log = logging.getLogger(__name__)


                class Search:
                    def __init__(self, api_key=None):
                        self.api_key = api_key or os.getenv("SEARCH_API_KEY") or os.getenv("LEGACY_SEARCH_KEY")
                        if not self.api_key:
                            log.warning("No search key: set SEARCH_API_KEY or LEGACY_SEARCH_KEY")


                def ca_bundle():
                    bundle = os.environ.get("SEARCH_CA_BUNDLE")
                    if not bundle:
                        default = Path("/etc/ssl/search.pem")
                        if not default.exists():
                            raise FileNotFoundError(default)
                        bundle = str(default)
                    return bundle


                def license_key():
                    key = os.environ.get("LICENSE_KEY_PEM")
                    if key is None:
                        raise RuntimeError("LICENSE_KEY_PEM is not set")
                    return key


                def report(error):
                    if os.environ.get("SEARCH_QUIET_FD") is None:
                        print(str(error))


                def credentials_from_env():
                    return json.loads(os.environ["SEARCH_DEBUG_CREDENTIALS"])


                if __name__ == "__main__":
                    print(Search(credentials_from_env()))
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(f.data["required"] and path_role(f.path) == "src" for f in repo.facts("env-read")):
            return None
        return "the source reads no required environment variable"

    def check(self, repo: Repo) -> Iterable[Finding]:
        documented = {n.upper() for n in documented_variables(repo)}
        # A variable whose presence the code tests (`if os.getenv("X")`, `"X" in os.environ`) is optional.
        optional = {f.data["name"] for f in repo.facts("env-read") if f.data.get("presence")}
        # A variable the program sets itself (`os.environ["X"] = …`, `env={**os.environ, "X": …}`).
        written = {f.data["name"] for f in repo.facts("env-write") if path_role(f.path) != "test"}
        first: dict[str, Fact] = {}
        for fact in repo.facts("env-read"):
            name = fact.data["name"]
            if (not fact.data["required"] or path_role(fact.path) != "src" or _is_job_file(fact.path)
                    or not is_env_name(name) or _is_platform_variable(name) or name.upper() in documented
                    or name in optional or name in written
                    or any(a.upper() in documented for a in fact.data.get("alternatives", ()))):
                continue  # (an alternative name of an `or` chain documented: this one is its alias)
            if name not in first or (fact.path, fact.line) < (first[name].path, first[name].line):
                first[name] = fact
        templates = [p for p in repo.files_of(FileKind.ENV) if not is_committed_env_file(p)]
        roots = sorted({_directory(p) for kind in (FileKind.PYPROJECT, FileKind.REQUIREMENTS, FileKind.SETUP_CFG)
                        for p in repo.files_of(kind) if path_role(p) == "src"})
        for name, fact in sorted(first.items(), key=lambda kv: (kv[1].path, kv[1].line)):
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"`{name}` is required here but documented nowhere (no dotenv template, compose, Dockerfile or "
                f"README mentions it): add `{name}=` to {_contract_for(fact.path, templates, roots)}")


def _is_job_file(path: str) -> bool:
    """CI scripts (their variables come from the workflow step) and database migrations (one-off jobs)."""
    dirs = {part.lower() for part in path.split("/")[:-1]}
    return bool(dirs & _JOB_DIRS)


_JOB_DIRS = frozenset({".github", ".gitlab", ".circleci", "migrations", "alembic"})


def _contract_for(path: str, templates: list[str], roots: list[str]) -> str:
    """Where the variable read in ``path`` belongs: the nearest dotenv template in a directory above it;
    else one inside the sub-project that holds it (the deepest directory above it with a pyproject.toml
    or requirements file); else a new ``.env.example`` at that sub-project's top. In a monorepo, an
    other app's template is not this code's contract."""
    here = _directory(path)
    above = [t for t in templates if _within(here, _directory(t))]
    if above:
        return max(above, key=lambda t: (len(_directory(t)), t))
    root = max((r for r in roots if _within(here, r)), key=len, default="")
    inside = sorted((t for t in templates if _within(_directory(t), root)), key=lambda t: (t.count("/"), t))
    return inside[0] if inside else f"{root}/.env.example" if root else ".env.example"


def _directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _within(directory: str, top: str) -> bool:
    return not top or directory == top or directory.startswith(top + "/")


_PLATFORM_VARIABLES = frozenset({
    "PORT", "HOST", "HOSTNAME", "HOME", "PATH", "USER", "USERNAME", "LOGNAME", "PWD", "SHELL", "TERM", "LANG",
    "LC_ALL", "TZ", "TMPDIR", "TEMP", "TMP", "CI", "VIRTUAL_ENV", "CONDA_PREFIX", "WEB_CONCURRENCY", "DYNO",
    "NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "DISPLAY", "APPDATA", "LOCALAPPDATA", "USERPROFILE",
    "SYSTEMROOT", "EDITOR", "VISUAL", "PAGER", "SUDO_USER", "K_SERVICE", "LAMBDA_TASK_ROOT", "KUBERNETES_SERVICE_HOST",
    # Kubernetes' downward API and Cloud Run set these; Windows sets the rest.
    "POD_NAME", "POD_NAMESPACE", "POD_IP", "NODE_NAME", "K_REVISION", "K_CONFIGURATION",
    "PROGRAMFILES", "PROGRAMDATA", "PROGRAMW6432", "WINDIR", "COMSPEC", "SYSTEMDRIVE", "COMPUTERNAME",
})
_PLATFORM_PREFIXES = ("PYTHON", "GITHUB_", "RUNNER_", "XDG_", "RAILWAY_", "FLY_", "RENDER_", "VERCEL_",
                      "AWS_LAMBDA_", "LC_", "SSH_", "DOCKER_", "HF_HUB_", "CUDA_")


def _is_platform_variable(name: str) -> bool:
    upper = name.upper()
    return upper in _PLATFORM_VARIABLES or upper.startswith(_PLATFORM_PREFIXES)
