"""TFA0301 — Hardcoded provider credential."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.fix import Fix
from tfa_lint.model import Artifact, FileKind, Finding, Severity
from tfa_lint.redact import redact
from tfa_lint.rule import ArtifactRule, Example

from ..facts.config_reads import is_committed_env_file
from ..facts.secrets import PROVIDER_VARIABLES, TokenHit, provider_tokens
from ._shared import _OPENAI, _TEXT_KINDS

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_AWS = "AKIA" + "Q7XJ2M4KT9ZP3WRB"
_AWS_SESSION = "ASIA" + "V3NM8KQ2XZ7TD5RH"
_HF = "hf_" + "Vb7Kq2Lm9Xw4Rt6Zp1Nc8Hs3Jd5Gf0Ya"
_TAVILY = "tvly-" + "dev-7Kq2Lm9Xw4Rt6Zp1Nc8Hs3Jd5Gf0Y"
_PEM_HEAD = "-----BEGIN " + "PRIVATE KEY-----"
_PEM_BODY = "qSWBAnprGPPfNCaMt/Tzbxzf1+yD8HuOqKphPOvOabCIhS23IPovqrVxbPYhIcwG"


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
    fixable = """
        unsafe, for a key written as a whole string literal in Python code: it becomes
        `os.environ["OPENAI_API_KEY"]` (the variable the provider's SDK reads), `import os` is
        added where isort puts it, and the variable is appended to `.env.example` (created if
        missing; a file that names it already gets it twice). The key must still be revoked.
    """
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
        """, "agent/llm.py", lines=(3,), columns=(26,), message="Hardcoded OpenAI API key", fixed={
            "agent/llm.py": """
                import os

                from openai import OpenAI

                client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
            """,
            ".env.example": "OPENAI_API_KEY=\n",
        }),
        # two keys of two providers, `os` imported already, an .env.example without a final line break
        Example.repo({
            "agent/settings.py": f"""
                \"\"\"Model settings.\"\"\"
                import os

                MODEL = os.environ.get("MODEL", "gpt-4o-mini")
                OPENAI_KEY = '{_OPENAI}'
                SEARCH = {{"provider": "tavily", "api_key": "{_TAVILY}"}}
            """,
            ".env.example": "MODEL=gpt-4o-mini",
        }, lines=(5, 6), columns=(15, 45), message="revoke the key", fixed={
            "agent/settings.py": """
                \"\"\"Model settings.\"\"\"
                import os

                MODEL = os.environ.get("MODEL", "gpt-4o-mini")
                OPENAI_KEY = os.environ["OPENAI_API_KEY"]
                SEARCH = {"provider": "tavily", "api_key": os.environ["TAVILY_API_KEY"]}
            """,
            ".env.example": "MODEL=gpt-4o-mini\nOPENAI_API_KEY=\nTAVILY_API_KEY=\n",
        }),
        # must not fix: a key inside a longer text, in a comment, or as a read's default
        Example.of(f"""
            import os

            # fallback key: {_OPENAI}
            URL = "https://api.tavily.com/search?api_key={_TAVILY}"
            KEY = os.getenv("OPENAI_API_KEY", "{_OPENAI}")
        """, "agent/search.py", lines=(3, 4, 5), columns=(17, 46, 36), message="revoke the key", fixed={}),
        Example.of(f"""
            FROM python:3.12-slim
            ENV AWS_ACCESS_KEY_ID={_AWS}
        """, "Dockerfile", lines=(2,), columns=(23,), message="Hardcoded AWS access key id"),
        Example.of(f"""
            # token for the embeddings model: {_HF}
            EMBEDDINGS = "BAAI/bge-small-en-v1.5"
        """, "agent/embed.py", lines=(1,), columns=(35,), message="Hardcoded Hugging Face token"),
        Example.of(f"""
            SIGNING_KEY = (
                "{_PEM_HEAD}\\n"
                "{_PEM_BODY}\\n"
            )
        """, "agent/sign.py", lines=(2,), columns=(6,), message="Hardcoded private key"),
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
        hits = list(provider_tokens(artifact.text))
        fixes = _fixes(artifact, hits) if artifact.kind is FileKind.PYTHON and hits else [None] * len(hits)
        for hit, fix in zip(hits, fixes):
            line, column = artifact.position(hit.start)
            end_line, end_column = artifact.position(hit.end)
            yield self.finding(
                artifact.path, line, column,
                f"Hardcoded {hit.provider} `{redact(hit.value)}`: read it from the environment, "
                "delete the literal and revoke the key (git history keeps it)",
                end_line=end_line, end_column=end_column, fix=fix)


def _fixes(artifact: Artifact, hits: list[TokenHit]) -> list[Fix | None]:
    """The fix of each key of a Python file: parsed with libcst here, for a file with keys, and
    only then (without libcst: no fix)."""
    keys = [(hit.start, hit.end, hit.value, PROVIDER_VARIABLES[hit.provider])
            for hit in hits if hit.provider in PROVIDER_VARIABLES]
    if not keys:
        return [None] * len(hits)
    try:
        from tfa_lint.pyfix import PythonSource, optional_fix

        from ._key_fix import key_fixes
    except ImportError:
        return [None] * len(hits)
    source = PythonSource.parse(artifact.path, artifact.text)
    nothing = [None] * len(keys)
    fixes = iter(optional_fix(lambda: key_fixes(source, keys), nothing) if source is not None else nothing)
    return [next(fixes) if hit.provider in PROVIDER_VARIABLES else None for hit in hits]
