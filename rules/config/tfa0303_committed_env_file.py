"""TFA0303 — Credential-bearing .env file not ignored."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.fix import Edit, Fix
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
    fixable = """
        safe: the file's path is added to the root `.gitignore` (created if missing). Untracking
        it (`git rm --cached`) and rotating its keys stay with you.
    """
    what = """
        A dotenv file (`.env`, `.env.production`, `prod.env`…) that `.gitignore` does not
        exclude, reported once for each real-looking secret it holds, at that key's line: a
        provider-format key, or a secret-named variable (`*_API_KEY`, `*_SECRET`, `*_PASSWORD`,
        `*_TOKEN`) with a non-placeholder value. Each key is rotated on its own, so code scanning
        and the baseline track each one. Templates (`.env.example`, `.env.sample`,
        `.env.template`) are the good practice and are not reported.
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
            LOG_LEVEL=info
              export WEBHOOK_SIGNING_SECRET="Hv3Qp9Lx2Tz7Wm4Rk8Ns"
        """, ".env", lines=(2, 3, 5), columns=(1, 1, 10), message="is not ignored by .gitignore and holds the secret",
           fixed={".gitignore": ".env\n"}),
        # the ignore line joins the root .gitignore, anchored at the file's path
        Example.repo({
            "deploy/prod.env": "SESSION_SECRET=Bq7Xz2Lm9Tw4Rv8K\n",
            ".gitignore": "__pycache__/\n*.log",
        }, lines=(1,), columns=(1,), message="rotate this key",
            fixed={".gitignore": "__pycache__/\n*.log\ndeploy/prod.env\n"}),
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
        # One finding per key, at the key: each key is rotated on its own, and code scanning and
        # the baseline track each one (a single finding for the file hid every key but the first).
        for entry in artifact.entries:
            if any(provider_tokens(entry.value)) or (is_secret_name(entry.key) and plausible_secret(entry.value)):
                yield self.finding(
                    artifact.path, entry.line, entry.key_column,
                    f"`{artifact.name}` is not ignored by .gitignore and holds the secret "
                    f"{entry.key}={redact(entry.value)}: remove the file from the repository, ignore it, commit "
                    "a `.env.example` without values, and rotate this key", fix=_ignore(artifact.path))


def _ignore(path: str) -> Fix:
    """The root `.gitignore` line that ignores the file (a path with a slash is anchored at the root).
    It keeps behaviour, so it is safe; untracking the file and rotating its keys stay with the user."""
    return Fix(f"Add `{path}` to .gitignore (then `git rm --cached {path}`, and rotate its keys)",
               (Edit.append(".gitignore", f"{path}\n"),))
