"""TFA0302 — Hardcoded secret bound to a secret-named variable or argument."""

from __future__ import annotations

import ast
import re

from tfa_lint.model import Severity
from tfa_lint.redact import redact
from tfa_lint.rule import AstRule, Example

from ..facts.ast_nodes import string_value, target_name
from ..facts.ast_source import call_arguments
from ..facts.secrets import is_secret_name, plausible_secret, provider_tokens


class SecretNamedLiteral(AstRule):
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
        """, "agent/store.py", lines=(3,), columns=(46,), message="Secret default"),
        Example.of("""
            app.config["SECRET_KEY"] = "a8F5f1-67f44Xf4964e6Rc998dQe827110c"
        """, "app.py", lines=(1,), columns=(28,), message="Hardcoded secret"),
        Example.of("""
            db = connect(host=DB_HOST, user="agent", password="Zq8!rT4#pLm2")
        """, "agent/db.py", lines=(1,), columns=(51,), message="Hardcoded secret"),
        Example.of("""
            from pydantic_settings import BaseSettings

            DEFAULTS = {
                "SERVICE_NAME": "agent",
                "AES_ENCRYPTION_KEY": "7b1e9c04d5a26f83e0b4c9d17a5f2e68",
            }


            class Settings(BaseSettings):
                jwt_signing_key: str = "Xk29fJq7Lm3Vb8Rt1Zp6Wn4Hc0Ds5Ga2"


            token_request = {"clientId": "agent-cli", "clientSecret": "Rm4Tz8Qw2Lp6Vx0Nb3Kd7Hs1Jf5Gc9Ya"}
        """, "agent/config.py", lines=(5, 10, 13), columns=(27, 28, 59), message="Hardcoded secret"),
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

    def _check(self, node: ast.expr, name: str, *, default_of: str | None = None) -> None:
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

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            name = target_name(target)
            if name:
                self._check(node.value, name)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        name = target_name(node.target)
        if name and node.value is not None:
            self._check(node.value, name)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):  # a key of None is `**mapping`
            name = string_value(key)
            if name:
                self._check(value, name)

    def visit_Call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg is not None:
                self._check(keyword.value, keyword.arg)
        qnames = self.qualified_names(node.func)
        getter = qnames & {"os.getenv", "os.environ.get", "os.environ.setdefault"}
        if not getter:
            return
        arguments = call_arguments(node)  # in source order, keywords included: `os.getenv("X", default="…")`
        if len(arguments) >= 2:
            key = string_value(arguments[0].value)
            if key:
                self._check(arguments[1].value, key, default_of=min(getter))
