"""TFA0303 — Credential-bearing .env file not ignored."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Artifact, FileKind, Finding, Severity
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example
from tfa_lint.sources.envfile import EnvFile

from ..facts.config_reads import is_committed_env_file
from ..facts.secrets import is_secret_name, plausible_secret, provider_tokens
from ._shared import _OPENAI


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
        """, ".env", lines=(2,), columns=(16,), message="is not ignored by .gitignore and holds secrets"),
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
