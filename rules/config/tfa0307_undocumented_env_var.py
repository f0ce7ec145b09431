"""TFA0307 — Required environment variable missing from the config contract."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from tfa_lint.fix import Edit, Fix
from tfa_lint.model import Fact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.config_reads import EnvReadFact, EnvReadFacts, EnvWriteFact, documented_variables, is_committed_env_file, is_env_name


class UndocumentedEnvVar(RepoRule):
    id = "TFA0307"
    name = "undocumented-env-var"
    factor = 3
    severity = Severity.WARNING
    title = "Required environment variable missing from the config contract"
    collectors = (EnvReadFacts,)
    fixable = """
        safe: `NAME=` is appended to the dotenv template the message names (created if missing),
        one line per undocumented variable, unless a compose file, Dockerfile, platform manifest or
        script loads that template (an empty value would then replace an unset one).
    """
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
        }, lines=(4, 5), columns=(18, 13), message="is required here but documented nowhere",
            fixed={".env.example": "OPENAI_API_KEY=\nTAVILY_API_KEY=\nREDIS_URL=\n"}),
        Example.repo({
            "README.md": "Set `OPENAI_API_KEY` before running.\n",
            "agent/settings.py": """
                from pydantic_settings import BaseSettings, SettingsConfigDict


                class Settings(BaseSettings):
                    model_config = SettingsConfigDict(env_prefix="AGENT_")

                    database_url: str
                    log_level: str = "INFO"
            """,
        }, lines=(7,), columns=(5,), message="is required here but documented nowhere",
            fixed={".env.example": "AGENT_DATABASE_URL=\n"}),
        # a sub-project's own template, created where the message says
        Example.repo({
            "README.md": "# agents\n",
            "services/indexer/pyproject.toml": '[project]\nname = "indexer"\ndependencies = ["qdrant-client>=1.12"]\n',
            "services/indexer/indexer/main.py": 'import os\n\nQDRANT_URL = os.environ["QDRANT_URL"]\n',
        }, lines=(3,), columns=(14,), message="add `QDRANT_URL=` to services/indexer/.env.example",
            fixed={"services/indexer/.env.example": "QDRANT_URL=\n"}),
        # must not fix: compose loads the template, so a line there would set the variable, empty
        Example.repo({
            ".env.example": "OPENAI_API_KEY=\n",
            "compose.yaml": "services:\n  api:\n    build: .\n    env_file: .env.example\n",
            "agent/config.py": 'import os\n\nTAVILY_API_KEY = os.environ["TAVILY_API_KEY"]\n',
        }, lines=(3,), columns=(18,), message="is required here but documented nowhere", fixed={}),
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
        }, lines=(5, 6, 10, 18, 25), columns=(10, 15, 13, 35, 33), message="is required here but documented nowhere"),
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
        if any(f.data.required and path_role(f.path) == "src" for f in repo.facts(EnvReadFact)):
            return None
        return "the source reads no required environment variable"

    def check(self, repo: Repo) -> Iterable[Finding]:
        documented = {n.upper() for n in documented_variables(repo)}
        # A variable whose presence the code tests (`if os.getenv("X")`, `"X" in os.environ`) is optional.
        optional = {f.data.name for f in repo.facts(EnvReadFact) if f.data.presence}
        # A variable the program sets itself (`os.environ["X"] = …`, `env={**os.environ, "X": …}`).
        written = {f.data.name for f in repo.facts(EnvWriteFact) if path_role(f.path) != "test"}
        first: dict[str, Fact[EnvReadFact]] = {}
        for fact in repo.facts(EnvReadFact):
            name = fact.data.name
            if (not fact.data.required or path_role(fact.path) != "src" or _is_job_file(fact.path)
                    or not is_env_name(name) or _is_platform_variable(name) or name.upper() in documented
                    or name in optional or name in written
                    or any(a.upper() in documented for a in fact.data.alternatives)):
                continue  # (an alternative name of an `or` chain documented: this one is its alias)
            if name not in first or (fact.path, fact.line) < (first[name].path, first[name].line):
                first[name] = fact
        templates = [p for p in repo.files_of(FileKind.ENV) if not is_committed_env_file(p)]
        roots = sorted({_directory(p) for kind in (FileKind.PYPROJECT, FileKind.REQUIREMENTS, FileKind.SETUP_CFG)
                        for p in repo.files_of(kind) if path_role(p) == "src"})
        ordered = sorted(first.items(), key=lambda kv: (kv[1].path, kv[1].line))
        contracts = {name: _contract_for(fact.path, templates, roots) for name, fact in ordered}
        missing: dict[str, list[str]] = {}
        for name, contract in contracts.items():
            missing.setdefault(contract, []).append(name)
        for name, fact in ordered:
            contract = contracts[name]
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"`{name}` is required here but documented nowhere (no dotenv template, compose, Dockerfile or "
                f"README mentions it): add `{name}=` to {contract}",
                fix=None if _loaded_by_deploy_file(repo, contract) else _document(contract, missing[contract]))


def _document(contract: str, names: list[str]) -> Fix:
    """`NAME=` lines at the end of the dotenv template (created if missing), one per variable.
    Every finding whose variable belongs in that template carries the same edit, with all of them:
    one change adds them all, instead of appends at one place waiting for a pass each."""
    listed = ", ".join(f"`{n}`" for n in names)
    return Fix(f"Add {listed} to `{contract}`", (Edit.append(contract, "".join(f"{n}=\n" for n in names)),))


def _loaded_by_deploy_file(repo: Repo, template: str) -> bool:
    """Whether a compose file, Dockerfile, platform manifest or script names the template (`env_file:
    .env.example`, `COPY .env.example .env`): a line added there would set the variable, empty, where it
    was unset, so the fix would change what runs."""
    name = posixpath.basename(template)
    return any(name in artifact.text for kind in _DEPLOY_KINDS for artifact in repo.artifacts(kind))


_DEPLOY_KINDS = (FileKind.COMPOSE, FileKind.DOCKERFILE, FileKind.PLATFORM, FileKind.PROCFILE, FileKind.SHELL)


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
