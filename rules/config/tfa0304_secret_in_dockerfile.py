"""TFA0304 — Secret baked into a Dockerfile ENV or ARG."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Artifact, FileKind, Finding, Severity
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs

from ..facts.secrets import is_secret_name, plausible_secret, provider_tokens


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
        """, "Dockerfile", lines=(2,), columns=(1,), message="bakes a secret into the image"),
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
