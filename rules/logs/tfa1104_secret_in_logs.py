"""TFA1104 — Secret values sent to logs."""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from tfa_lint.model import Severity
from tfa_lint.rule import AstRule, Example

from ..facts.ast_nodes import callee_name, string_value
from ..facts.ast_source import Argument, call_arguments
from ..facts.log_sinks import (
    Source,
    _argument,
    _short,
    identifiers,
    string_texts,
)
from ..facts.secrets import is_secret_name, name_words, secret_head

_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "trace",
                "success", "msg"}
_LOGGING_FUNCTIONS = {f"logging.{m}" for m in _LOG_METHODS}
#: Calls that return a logger (stdlib, structlog, celery, project helpers named alike).
_LOGGER_FACTORIES = {"getLogger", "get_logger", "get_task_logger", "LoggerAdapter", "wrap_logger", "getChild"}
_LOGGER_DERIVATIONS = {"bind", "opt", "new", "patch", "contextualize"}
_CONVENTIONAL_LOGGERS = {"logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "_LOG"}
#: print()/log arguments that carry no value of their own.
_NON_VALUE_KEYWORDS = {"file", "sep", "end", "flush", "exc_info", "stack_info", "stacklevel", "level"}
#: Calls and methods that pass their argument's text through.
_TRANSPARENT_CALLS = {"str", "repr", "format", "ascii", "dict", "list", "tuple", "dumps", "pformat", "vars"}
_TRANSPARENT_METHODS = {"strip", "lstrip", "rstrip", "encode", "decode", "upper", "lower", "get_secret_value",
                        "replace", "format", "join", "copy", "items", "values", "model_dump", "dict", "to_dict"}
#: Methods that serialize a whole object: under a secret-named key (`{"secret": lease.model_dump()}`)
#: the object is a record about the secret; it leaks only when its own name says it is the secret.
_SERIALIZERS = {"model_dump", "dict", "to_dict", "json", "model_dump_json", "asdict"}
#: Names that match the secret pattern but hold a flag, a count or a masked form.
_NOT_A_VALUE_RE = re.compile(
    r"(?i)(^pwd$|tokens|page_?token|tiktoken|^(has|is|use|should|needs?|with|no|missing|requires?|enable|valid|masked|redacted|hashed|"
    r"obfuscated|num|n)_|_(set|present|configured|exists|provided|missing|valid|enabled|source|status|required|"
    r"loaded|ok|found|available|masked|redacted|preview|hint|last4|hash|hashed|fingerprint|count|expires\w*|manager|"
    r"client|provider|store|service|backend|handler|validator|factory|helper|class|module|scopes?|arn|version|"
    r"kind|mode|ttl|timeout|location|age|error)$|^credentials?$)")
_GENERATED_RE = re.compile(r"^_?(generate|gen|create|new|make|issue|mint|rotate)")
#: Calls whose result is a digest of their input, not the input: a hash of ids is no secret.
_DIGEST_RE = re.compile(r"^(hexdigest|digest|hash|sha\d*|md5|blake2[bs]?|xxh\d*)$")
#: A message about locks: the tokens it shows are lock-ownership ids.
_LOCK_WORDS = frozenset({"lock", "locks", "lease", "mutex", "semaphore"})
#: ``…_token`` kinds that are always credentials, whatever the message says.
_CREDENTIAL_TOKEN_KINDS = frozenset({"access", "auth", "refresh", "api", "bearer", "session", "oauth", "id", "bot",
                                     "jwt", "csrf"})
#: A flag asking the program to show a secret (``--print-token``): the output is the point.
_SHOW_WORDS = frozenset({"print", "show", "reveal", "display", "echo", "dump", "output", "export"})
_SHOWN_WORDS = frozenset({"token", "key", "secret", "secrets", "password", "credential", "credentials", "apikey"})
#: pydantic's masked types: ``str()`` of one is ``**********``.
_MASKED_TYPES = frozenset({"SecretStr", "SecretBytes"})

# -- data flow (a secret by where it comes from, whatever its name) -----------------------------
#: Calls whose result is a credential, each with the library that returns it and why: what an
#: auth library hands back is a bearer token, or a response (dict or object) holding one, and
#: anyone who reads it in a log can act as the user or the service until it expires. Matched on
#: the callee's own name: each is specific to token issuing (``get_token`` alone is not, see
#: ``_CREDENTIAL_RECEIVER_RE``).
_AUTH_TOKEN_CALLS: dict[str, str] = {
    "create_access_token": "flask-jwt-extended, fastapi-jwt-auth and FastAPI's tutorial: a signed access JWT",
    "create_refresh_token": "flask-jwt-extended and alike: a refresh JWT, which mints new access tokens",
    "fetch_token": "requests-oauthlib and Authlib OAuth2Session: the token response (access and refresh token)",
    "fetch_access_token": "Authlib OAuth clients: the token response",
    "authorize_access_token": "Authlib's Flask/Starlette/Django clients: the token response of a login",
    "refresh_access_token": "OAuth clients: a new token response",
    "get_access_token": "google-auth, MSAL wrappers and most SDK auth helpers: an access token",
    "acquire_token_for_client": "MSAL: a dict holding `access_token`",
    "acquire_token_silent": "MSAL: a dict holding `access_token` and `id_token`",
    "acquire_token_by_authorization_code": "MSAL: a dict holding `access_token`, `id_token`, `refresh_token`",
    "acquire_token_by_username_password": "MSAL: a dict holding `access_token`",
    "acquire_token_on_behalf_of": "MSAL: a dict holding `access_token`",
    "get_token": "azure-identity `TokenCredential.get_token`: an `AccessToken` whose repr shows the token",
}
#: Functions known by their qualified name, where the method name alone says too little.
_AUTH_TOKEN_FUNCTIONS: dict[str, str] = {
    "jwt.encode": "PyJWT: a signed JWT",
    "jose.jwt.encode": "python-jose: a signed JWT",
    "authlib.jose.jwt.encode": "Authlib: a signed JWT",
}
#: ``get_token`` is also shlex's and many tokenizers' (a word, not a credential): it counts only
#: on a receiver named like a credential (``credential.get_token(scope)``).
_CREDENTIAL_RECEIVER_RE = re.compile(r"(?i)(cred|auth|identity|oauth|msal|azure)")
#: Header names that carry credentials; others count when named like a secret (``X-Gitlab-Token``).
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key",
                           "x-auth-token", "x-access-token", "x-csrf-token", "x-xsrf-token"})
#: Cookie names that hold a session or credential; a cookie read by a non-literal name counts too.
_CREDENTIAL_COOKIE_WORDS = frozenset({"session", "sess", "sid", "sessionid", "auth", "token", "jwt", "csrf", "xsrf",
                                      "csrftoken", "access", "refresh", "login", "remember", "credential",
                                      "credentials", "secret", "key", "password", "bearer"})
#: Whose ``.headers``/``.cookies`` are a request's: Flask-like globals, or a receiver named so.
_REQUEST_GLOBALS = frozenset({"flask.request", "quart.request", "bottle.request", "sanic.request",
                              "werkzeug.local.request"})
_REQUEST_WORDS = frozenset({"request", "req", "websocket"})
#: Owners whose ``.request`` is one the program sent (``e.request``, ``response.request``): an
#: outgoing request's headers hold a credential only if the client put one there, which the
#: client's code decides, not the request.
_OUTGOING_OWNER_WORDS = frozenset({"e", "exc", "exception", "error", "err", "response", "resp", "res", "r"})
#: FastAPI's parameter markers that fill a parameter from the request, and what they read.
_FASTAPI_REQUEST_PARAMS = {"fastapi.Header": "headers", "fastapi.Cookie": "cookies",
                           "fastapi.params.Header": "headers", "fastapi.params.Cookie": "cookies"}
#: Methods that hand on their receiver's value (``token.strip()``, ``request.headers.items()``).
_FLOW_METHODS = frozenset({"strip", "lstrip", "rstrip", "encode", "decode", "upper", "lower", "replace", "split",
                           "rsplit", "partition", "rpartition", "removeprefix", "removesuffix", "copy", "items",
                           "values", "to_dict", "dict", "model_dump", "json"})
#: How many assignments a value is followed back through: simple flows, not a taint engine.
_FLOW_DEPTH = 6


class Leak(NamedTuple):
    """A secret value a log call passes on."""

    text: str  # the expression, as a message shows it
    root: str | None  # the name it is read through, for the exemptions a name can earn (literal, masked…)
    origin: str = ""  # where the value comes from, when data flow (not its name) says it is a secret


class Origin(NamedTuple):
    """Where a value comes from, when that makes it a secret."""

    kind: str  # "secret" (the value itself), "headers", "cookies" (all of them), "token" (an auth call's result)
    what: str  # as a message says it: "the `Authorization` header"


def _secret_name(name: str) -> bool:
    return is_secret_name(name) and not _NOT_A_VALUE_RE.search(name)


class SecretInLogs(AstRule):
    id = "TFA1104"
    name = "secret-in-logs"
    factor = 11
    severity = Severity.ERROR
    precision = "low"  # field trials: see docs/field-trials.md
    security = True
    security_severity = 6.5
    title = "Secret values sent to logs"
    what = """
        A `print()`, `logging.<level>()` or `<logger>.<level>()` call (a name bound to
        `logging.getLogger(…)`, structlog's `get_logger()`, loguru's `logger`, or conventionally
        named `logger`/`log`) whose message, %-format or `.format` arguments, f-string fields,
        keyword arguments or `extra` values reference a secret: a variable or attribute named
        like one (`api_key`, `OPENAI_API_KEY`, `self.password`, `client_secret`), `os.environ`
        as a whole, `os.environ["…_API_KEY"]`/`os.getenv("…_TOKEN")`, or `config["api_key"]`.
        Names match on whole words and on their head (the last word, before a preposition):
        `credential_key`, `credential_ids`, `secret_refs`, `api_key_debug_fields`,
        `token_count_after_trim` and `cost_per_token` name no secret; `…_key` is one only as an
        API, secret, private, access, auth, signing or encryption key; `…_token` is not one as a
        lock, page, cancel, claims or LLM token.
        Not reported: values wrapped in `len()`, `bool()`, `mask()`/`redact()`/`hash…()`, sliced
        (`key[:4]`) or compared (`key is None`); counts and flags (`max_tokens`, `has_api_key`);
        names assigned a digest (`hashlib.sha256(…).hexdigest()`); pydantic `SecretStr` values
        (they print `**********`) unless `.get_secret_value()` is called; tokens in a message
        about locks, or in a streamed `print(…, end="")`; `print(…, file=fh)` to a file; a
        `print()` under a flag that asks for it (`if args.print_token:`); secrets the same file
        generates and shows once (`secrets.token_urlsafe()`, `generate_…()`,
        `await create_…()`) or assigns from a literal; tests.

        Values are also followed by where they come from, whatever their name, within one
        function and across plain assignments (`c = request.cookies.get("auth")`,
        `hdrs = dict(request.headers)`, `bearer = f"Bearer {token}"`): a request's cookies and
        headers as a whole (`request.headers`, `dict(request.headers)`, Django's `request.META`),
        a credential cookie (`session`, `auth`, `csrftoken`…, or one read by a computed name),
        an auth header (`Authorization`, `Proxy-Authorization`, `Cookie`, `X-API-Key`, any
        header named like a secret) read from a request (`request`, `req`, `self.request`,
        `websocket`, Flask's global) or declared as a FastAPI parameter
        (`authorization: str = Header(None)`, `Annotated[str, Cookie(alias="session")]`),
        `….get_secret_value()`, and the token an auth call
        returns: `jwt.encode()`, `create_access_token()`, `create_refresh_token()`, OAuth
        `fetch_token()`/`authorize_access_token()`, MSAL `acquire_token_…()`,
        `get_access_token()`, and `get_token()` on a credential (azure-identity), with the
        token fields of their responses (`resp["access_token"]`, not `resp["expires_in"]`).
        Not followed: other headers and cookies (`User-Agent`, `theme`), header names
        (`request.headers.keys()`), filtered copies (`{k: v for … if k != "authorization"}`),
        `"Authorization" in request.headers`, and a token an auth call made that a script, an
        example or a `__main__` block prints for its operator.
    """
    why = """
        Logs are copied to terminals, CI output, aggregators and support tickets, kept for
        months and read by far more people than the secret store. A key written to the log
        stream once must be treated as leaked and rotated.
    """
    fix = """
        Log that the secret is present, never its value: `logger.info("openai_configured",
        extra={"key_set": bool(api_key)})`, or a masked form such as `api_key[:4] + "…"`.
        Remove whole-environment dumps (`print(os.environ)`).
    """
    invalid = (
        Example.of("""
            import logging
            import os

            log = logging.getLogger(__name__)
            OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]


            def connect(settings):
                log.info(f"Using key {OPENAI_API_KEY}")
                log.debug("env: %s", os.environ)
                print("token:", os.getenv("GITHUB_TOKEN"), sep=" ")
                logging.warning("auth failed for %s", settings.client_secret)
        """, "agent/llm.py", lines=(9, 10, 11, 12), columns=(5, 5, 5, 5),
            message="to the logs, where anyone who reads them can use it"),
        Example.of("""
            import structlog


            class Client:
                def __init__(self, api_key: str, config: dict) -> None:
                    self.logger = structlog.get_logger()
                    self.logger.info("client_ready", api_key=api_key)
                    self.logger.info("config {}".format(config["db_password"]))
        """, "agent/client.py", lines=(7, 8), columns=(9, 9),
            message="to the logs, where anyone who reads them can use it"),
        Example.of("""
            import json
            import logging

            from pydantic import SecretStr

            logger = logging.getLogger(__name__)


            def load_or_create_key(path):
                with open(path) as fh:
                    return json.load(fh)["key"]


            MASTER_ENCRYPTION_KEY = load_or_create_key("key.json")
            print(f"Using encryption key: {MASTER_ENCRYPTION_KEY}")


            def check_hook(request, store, verbose, api_key: SecretStr, session_token):
                hook_token = request.headers.get("X-Hook-Token")
                if not store.find(hook_token):
                    logger.warning(f"no secret for hook token {hook_token}")
                if verbose:
                    print("token:", hook_token)
                logger.info("lock held by session %s", session_token)
                print(f"key {api_key.get_secret_value()}", end="")
                logger.debug("hook", extra={"secret": hook_token.strip(), "kind": "gitlab"})
        """, "agent/hooks.py", lines=(15, 21, 23, 24, 25, 26), columns=(1, 9, 9, 5, 5, 5),
            message="to the logs, where anyone who reads them can use it"),
        Example.of("""
            import logging

            import jwt
            from flask import request

            log = logging.getLogger(__name__)


            def whoami(settings, oauth, credential):
                c = request.cookies.get("auth")
                log.debug("cookie %s", c)
                hdrs = dict(request.headers)
                log.info(f"incoming headers: {hdrs}")
                bearer = request.headers.get("Authorization")
                log.warning("rejected " + bearer.strip())
                log.debug("req", extra={"cookie": request.cookies.get("session_id")})
                plain = settings.llm_key.get_secret_value()
                log.info(f"using {plain}")
                signed = jwt.encode({"sub": "me"}, settings.signing)
                log.info("issued %s", signed)
                grant = oauth.fetch_token("https://idp.example/token", code="c")
                log.info("granted %s", grant["access_token"])
                print("azure:", credential.get_token("https://vault.azure.net/.default"))
        """, "agent/web.py", lines=(11, 13, 15, 16, 18, 20, 22, 23), columns=(5, 5, 5, 5, 5, 5, 5, 5),
            message="to the logs, where anyone who reads them can use it"),
        Example.of("""
            import logging
            from typing import Annotated

            from fastapi import Cookie, FastAPI, Header

            log = logging.getLogger(__name__)
            app = FastAPI()


            @app.get("/profile")
            async def profile(authorization: str = Header(None),
                              sid: Annotated[str | None, Cookie(alias="session")] = None,
                              user_agent: str = Header(None), theme: str = Cookie("light")):
                log.info("auth=%s", authorization)
                log.info("session=%s", sid)
                log.info("agent=%s theme=%s", user_agent, theme)
        """, "agent/profile.py", lines=(14, 15), columns=(5, 5), message="to the logs, where anyone who reads them can use it"),
    )
    valid = (
        Example.of("""
            import hashlib
            import logging

            from flask import request

            log = logging.getLogger(__name__)


            def audit(settings, oauth, lexer):
                log.info("theme %s", request.cookies.get("theme"))
                hdrs = dict(request.headers)
                log.info("agent %s", hdrs["User-Agent"])
                bearer = request.headers.get("Authorization", "")
                log.info("auth %d chars, starts %s", len(bearer), bearer[:7])
                log.info("auth sent: %s", "Authorization" in request.headers)
                log.info("auth set: %s", bool(request.headers.get("Authorization")))
                log.info("auth id %s", hashlib.sha256(bearer.encode()).hexdigest())
                log.info("header names %s", sorted(request.headers.keys()))
                safe = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
                log.info("headers %s", safe)
                grant = oauth.fetch_token("https://idp.example/token", code="c")
                log.info("expires in %s", grant["expires_in"])
                word = lexer.get_token()
                log.info("next word %s", word)
                key = settings.api_key
                log.info(f"using {key}")
        """, "agent/audit.py"),
        Example.of("""
            import logging

            import httpx

            logger = logging.getLogger(__name__)


            def fetch(client: httpx.Client, url: str):
                try:
                    response = client.get(url)
                    response.raise_for_status()
                except httpx.HTTPError as failure:
                    logger.error("GET %s failed, sent headers %s", failure.request.url, failure.request.headers)
                    raise
                logger.debug("sent %s", response.request.headers)
                return response
        """, "agent/index_client.py"),
        Example.of("""
            import jwt


            def main(secret):
                print(jwt.encode({"sub": "ops"}, secret))


            if __name__ == "__main__":
                token = jwt.encode({"sub": "ops"}, "from-vault")
                print(token)
        """, "scripts/issue_token.py"),
        Example.of("""
            import logging
            import os

            logger = logging.getLogger(__name__)
            api_key = os.getenv("OPENAI_API_KEY")
            logger.info("openai_configured", extra={"key_set": bool(api_key)})
            logger.info("key prefix %s…, %d chars", api_key[:4], len(api_key))
            logger.info(f"key missing: {api_key is None}")
            logger.info(f"{'set' if api_key else 'missing'} / {mask(api_key)}")
            logger.info("budget: %d", max_tokens, extra={"token_count": token_count})
            logger.info("env vars: %s", sorted(os.environ.keys()))
            print("HOME is", os.environ["HOME"])
        """, "agent/config.py"),
        Example.of("""
            import secrets


            def create_key(path: str) -> None:
                api_key = secrets.token_urlsafe(32)
                with open(path, "w") as fh:
                    print(f"API_KEY={api_key}", file=fh)
                print(f"Your new key (shown once): {api_key}")
        """, "agent/keys.py"),
        Example.of("""
            import logging

            log = logging.getLogger(__name__)


            def list_page(cursor, next_page_token, started):
                log.info("resuming from page token %s", cursor.pageToken)
                log.info("next: %s", next_page_token)
                token_age = now() - started
                log.warning("stale session: token_age=%s", token_age)
                try:
                    load_encoding()
                except Exception as token_error:
                    log.debug("no encoding: %s", token_error)
        """, "agent/pager.py"),
        Example.of("""
            def test_login(client):
                password = "hunter2-but-longer"
                print(client.login(password=password))
                print(f"password was {password}")
        """, "tests/test_login.py"),
        Example.of("""
            class Report:
                def info(self, text: str) -> None:
                    self.lines.append(text)


            def build(report: Report, api_key: str) -> None:
                report.info(f"key={api_key}")
                print(f"key length {len(api_key)}")
        """, "agent/report.py"),
        Example.of("""
            import structlog

            log = structlog.get_logger()


            def fill_otp(step, param_key, vault_ids, cleared_credential_ids, policy):
                log.info("otp filled", credential_key=param_key, credential_ids=vault_ids)
                log.info("profile detached", cleared_credential_ids=cleared_credential_ids)
                log.info("ask card", answerable=policy.credential_card_answerable)
                candidate_credential_keys = [k for k in step.params if k.startswith("cred_")]
                log.info("several candidates", keys=candidate_credential_keys)
        """, "agent/otp.py"),
        Example.of("""
            import logging

            logger = logging.getLogger(__name__)
            SUMMARY_TOKEN_RESERVE = 4000


            def trim(prompt, count_tokens, cost_per_token, raw_key, debug_fields):
                token_count_after_trim = count_tokens(prompt)
                logger.warning("still long: %d (reserve %d, %.6f/token)", token_count_after_trim,
                               SUMMARY_TOKEN_RESERVE, cost_per_token)
                logger.warning("bad key", extra={"api_key_length": len(raw_key),
                                                 "api_key_debug_fields": debug_fields})
        """, "agent/budget.py"),
        Example.of("""
            import hashlib
            import logging

            logger = logging.getLogger(__name__)


            def diagnose(lease, store, job_ids, cancel_token, claims_token):
                local_token = lease.local.token
                remote_token = store.get(lease.name)
                logger.warning("LeaseLock diagnostic: local_token=%s remote_token=%s", local_token, remote_token)
                logger.info("cancel requested", extra={"cancel_token": cancel_token})
                logger.error("no group id in claims token %s", claims_token)
                request_token = hashlib.sha256(",".join(job_ids).encode()).hexdigest()
                logger.info("dedupe key %s", request_token)
        """, "agent/locks.py"),
        Example.of("""
            import argparse
            import json


            def stream_answer(lines):
                for line in lines:
                    new_token = json.loads(line).get("delta")
                    if new_token:
                        print(new_token, end="", flush=True)


            def main(read_keychain):
                parser = argparse.ArgumentParser()
                parser.add_argument("--print-token", action="store_true")
                args = parser.parse_args()
                access_token = read_keychain()["oauth"]["accessToken"]
                if args.print_token:
                    print(access_token)
        """, "scripts/export_token.py"),
        Example.of("""
            async def create_service_token(org_id, issue_service_token, db):
                signed = issue_service_token(org_id)
                service_token = await db.create_service_token(org_id, token=signed)
                print(f"Created the token for {org_id} (shown once): {service_token}")
        """, "scripts/new_token.py"),
        Example.of("""
            from pydantic import BaseModel, SecretStr


            class Settings(BaseModel):
                api_key: SecretStr


            def show(settings: Settings, secret_result, session_state) -> None:
                print(f"settings: {settings.api_key}")
                print("secret bootstrap:", secret_result.model_dump(mode="json"))
                print("refs:", session_state.secret_refs)
                print("kept:", {"secret": secret_lease.model_dump(mode="json")})
        """, "examples/show_settings.py"),
    )

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self.source = Source(self.semantic)
        self._loggers: set[str] = set()  # names and attributes bound to a logger
        self._literal: set[str] = set()  # names assigned a literal: the value is in the source already
        self._generated: set[str] = set()  # names assigned a freshly generated secret
        self._derived: set[str] = set()  # names assigned a digest: not the secret
        self._masked: set[str] = set()  # names annotated SecretStr: printing one shows asterisks
        self._token_context = False  # the call's own words say its tokens are no credentials
        self._call: ast.Call | None = None  # the log call whose arguments are being read
        self._printing = False  # … and it is a print()
        self._pending: list[tuple[ast.Call, str, str | None, list[Leak]]] = []

    def source_of(self, node: ast.AST) -> str:
        """The node's code as libcst's ``code_for_node`` gave it (its grouping parentheses too)."""
        return self.source.code(node, self.semantic.parent(node))

    def visit_arg(self, node: ast.arg) -> None:
        if node.annotation is not None and _masked_annotation(node.annotation):
            self._masked.add(node.arg)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._bind(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if _masked_annotation(node.annotation):
            target = node.target
            name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
            if name is not None:
                self._masked.add(name)
        if node.value is not None:
            self._bind([node.target], node.value)

    def _bind(self, targets: list[ast.expr], value: ast.expr) -> None:
        names = [self.source_of(t) for t in targets if isinstance(t, (ast.Name, ast.Attribute))]
        if (isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes))) or (
                isinstance(value, ast.JoinedStr) and len(self.source.literal_pieces(value)) > 1):
            self._literal.update(names)  # a string literal, or one concatenated with f-strings
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return
        if _DIGEST_RE.match(callee_name(value.func) or "") or any(
                q.startswith("hashlib.") for q in self.qualified_names(value.func)):
            self._derived.update(names)
        callee = callee_name(value.func) or ""
        if callee in _LOGGER_FACTORIES or (callee in _LOGGER_DERIVATIONS and isinstance(value.func, ast.Attribute)
                                           and self._is_logger_expr(value.func.value)):
            self._loggers.update(names)
        qnames = self.qualified_names(value.func)
        if _GENERATED_RE.match(callee) or any(q.startswith(("secrets.", "uuid.")) for q in qnames):
            self._generated.update(names)

    def visit_Call(self, node: ast.Call) -> None:
        if self.file.role == "test":
            return
        names = self.qualified_names(node.func)
        receiver: str | None = None
        if "builtins.print" in names:
            label = "print()"
            target = _argument(node, None, "file")
            if target is not None and not self.qualified_names(target) & {"sys.stdout", "sys.stderr"}:
                return  # writing a file, not output
        elif names & _LOGGING_FUNCTIONS:
            label = f"{min(names & _LOGGING_FUNCTIONS)}()"
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _LOG_METHODS:
            value = node.func.value
            label = f"{_short(self.source_of(node.func), 40)}()"
            if not self._is_logger_expr(value):
                receiver = self.source_of(value)  # decided at the end of the module, once loggers are known
        else:
            return
        if label == "print()" and self._shown(node):
            return  # `if args.print_token: print(token)`: showing it is what the user asked for
        args = call_arguments(node)
        end = string_value(_argument(node, None, "end"))
        # A streamed print (`print(chunk, end="")`) shows LLM tokens; a lock message, lock tokens.
        self._token_context = (label == "print()" and end is not None and "\n" not in end) or bool(
            _LOCK_WORDS & set(name_words(" ".join(self._literal_text(args)))))
        leaks: list[Leak] = []
        self._call, self._printing = node, label == "print()"
        for arg in args:
            if arg.keyword is not None and arg.keyword in _NON_VALUE_KEYWORDS:
                continue
            forced = arg.keyword is not None and _secret_name(arg.keyword)
            self._leaks(arg.value, leaks, forced)
        self._token_context = False
        if leaks:
            self._pending.append((node, label, receiver, leaks))

    def _shown(self, node: ast.AST) -> bool:
        """In the (indented) body of an ``if`` whose flag asks to show a secret (``if args.print_token:``)."""
        child: ast.AST = node
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, ast.If) and any(s is child for s in ancestor.body) and (
                    self.source.indented(ancestor.body)):
                for name in identifiers(ancestor.test):
                    words = set(name_words(name))
                    if words & _SHOW_WORDS and words & _SHOWN_WORDS:
                        return True
            child = ancestor
        return False

    def leave_Module(self, node: ast.Module) -> None:
        for call, label, receiver, leaks in self._pending:
            if receiver is not None and not self._is_logger(receiver):
                continue
            # Printing a freshly generated key once is how it is handed over; a literal is in the source anyway.
            known = self._literal | self._derived | (self._generated if label == "print()" else set())
            leaks = [leak for leak in leaks if leak.root is None or (
                leak.root not in known and leak.root.rsplit(".", 1)[-1] not in self._masked)]
            if not leaks:
                continue
            shown = ", ".join(dict.fromkeys(f"`{leak.text}`" + (f" ({leak.origin})" if leak.origin else "")
                                            for leak in leaks[:3]))
            self.report(call, f"`{label}` writes {shown} to the logs, where anyone who reads them can use it: "
                              "log whether it is set (`bool(value)`) or a masked form (`value[:4] + '…'`) instead.")

    def _is_logger_expr(self, expr: ast.expr) -> bool:
        """loguru's logger, a logger factory's result (``structlog.get_logger().bind(…)``), or a bound name."""
        if "loguru.logger" in self.qualified_names(expr):
            return True
        if isinstance(expr, ast.Call):
            callee = callee_name(expr.func) or ""
            return callee in _LOGGER_FACTORIES or (
                callee in _LOGGER_DERIVATIONS and isinstance(expr.func, ast.Attribute)
                and self._is_logger_expr(expr.func.value))
        return self._is_logger(self.source_of(expr))

    def _is_logger(self, source: str) -> bool:
        bare = source.split(".", 1)[1] if source.startswith(("self.", "cls.")) else source
        return source in self._loggers or bare in self._loggers or bare in _CONVENTIONAL_LOGGERS

    def _leaks(self, expr: ast.expr, out: list[Leak], forced: bool = False) -> None:
        """Append a :class:`Leak` for each secret value ``expr`` passes on: by its name, or else
        by where its value comes from (:meth:`_origin`)."""
        found = len(out)
        self._named_leaks(expr, out, forced)
        if len(out) == found and isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Await)):
            origin = self._origin(expr, 0)
            if origin is not None and not (origin.kind == "token" and self._shown_once()):
                out.append(Leak(_short(self.source_of(expr)), None, origin.what))

    def _named_leaks(self, expr: ast.expr, out: list[Leak], forced: bool) -> None:
        """Append a :class:`Leak` for each secret value ``expr`` passes on by its name."""
        if isinstance(expr, (ast.Name, ast.Attribute)):
            if self.qualified_names(expr) & {"os.environ"}:
                out.append(Leak("os.environ", None))
            elif forced or self._names_secret(expr.id if isinstance(expr, ast.Name) else expr.attr):
                root = None if self._revealed else self.source_of(expr)
                out.append(Leak(_short(self.source_of(expr)), root))
        elif isinstance(expr, ast.Subscript):
            self._subscript_leaks(expr, out, forced)
        elif isinstance(expr, ast.Call):
            self._call_leaks(expr, out, forced)
        elif isinstance(expr, ast.JoinedStr):  # f-strings, with any strings concatenated to them
            for part in expr.values:
                if isinstance(part, ast.FormattedValue) and not _truncates(part):
                    self._leaks(part.value, out, forced)
        elif isinstance(expr, ast.BinOp):
            self._leaks(expr.left, out, forced)
            self._leaks(expr.right, out, forced)
        elif isinstance(expr, ast.BoolOp):
            for value in expr.values:
                self._leaks(value, out, forced)
        elif isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
            for element in expr.elts:
                self._leaks(element.value if isinstance(element, ast.Starred) else element, out, forced)
        elif isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values):
                key_forced = key is not None and (
                    (text := self.source.plain_string(key)) is not None and _secret_name(str(text)))
                self._leaks(value, out, forced or key_forced)
        elif isinstance(expr, ast.IfExp):
            self._leaks(expr.body, out, forced)
            self._leaks(expr.orelse, out, forced)
        elif isinstance(expr, ast.UnaryOp) and not isinstance(expr.op, ast.Not):
            self._leaks(expr.operand, out, forced)
        # Comparisons, `not x`, literals (None, True, False too) and lambdas carry no secret text.

    def _subscript_leaks(self, expr: ast.Subscript, out: list[Leak], forced: bool) -> None:
        index = expr.slice
        if isinstance(index, ast.Slice) or (isinstance(index, ast.Tuple) and any(
                isinstance(e, ast.Slice) for e in index.elts)):
            return  # key[:4]
        if isinstance(index, ast.Tuple) and len(index.elts) == 1 and not self.source.segment(index).startswith("("):
            index = index.elts[0]  # `d["key",]`: for libcst one subscript element, not a tuple
        key = self.source.plain_string(index)
        if key is not None:
            if _secret_name(str(key)) or (forced and not self._is_environ(expr.value)):
                out.append(Leak(_short(self.source_of(expr)), None))
        elif not self._is_environ(expr.value):
            self._leaks(expr.value, out, forced)

    def _call_leaks(self, expr: ast.Call, out: list[Leak], forced: bool) -> None:
        qnames = self.qualified_names(expr.func)
        callee = callee_name(expr.func) or ""
        args = call_arguments(expr)
        key = self.source.plain_string(args[0].value) if callee in ("getenv", "get") and args else None
        if key is not None:
            environ = "os.getenv" in qnames or (isinstance(expr.func, ast.Attribute) and self._is_environ(expr.func.value))
            if _secret_name(str(key)) or (forced and not environ):
                out.append(Leak(_short(self.source_of(expr)), None))
            return
        if qnames & _AUTH_TOKEN_FUNCTIONS.keys():
            return  # a JWT signed with the key, not the key (the token is followed by `_origin`)
        if isinstance(expr.func, ast.Attribute) and callee == "get_secret_value":
            self._revealed += 1  # the plain value, whatever the receiver's masked type
            self._leaks(expr.func.value, out, forced)
            self._revealed -= 1
        elif isinstance(expr.func, ast.Attribute) and callee in _TRANSPARENT_METHODS:
            self._leaks(expr.func.value, out, forced and callee not in _SERIALIZERS)
        elif callee not in _TRANSPARENT_CALLS:
            return  # what any other call returns (len, bool, mask, hashlib…) is not its argument
        for arg in args:
            self._leaks(arg.value, out, forced)

    def _is_environ(self, expr: ast.expr) -> bool:
        return bool(self.qualified_names(expr) & {"os.environ"})

    _revealed = 0  # inside `….get_secret_value()`

    # -- data flow: a secret by where its value comes from ---------------------------------
    def _origin(self, expr: ast.expr, depth: int) -> Origin | None:
        """Where ``expr``'s value comes from, when that makes it a secret: a request's cookies or
        headers (whole, or an auth header or credential cookie read from them), a
        ``.get_secret_value()``, an auth call's token (``_AUTH_TOKEN_CALLS``), or a name last
        assigned one of those in the same function, through calls and methods that pass the
        value on. Lengths, booleans, slices, comparisons and digests pass nothing on."""
        if depth > _FLOW_DEPTH:
            return None
        if isinstance(expr, ast.Await):
            return self._origin(expr.value, depth + 1)
        if isinstance(expr, ast.Name):
            value = self._assigned_value(expr)
            return self._origin(value, depth + 1) if value is not None else self._parameter_origin(expr)
        if isinstance(expr, ast.Attribute):
            if expr.attr in ("cookies", "COOKIES") and self._is_request(expr.value):
                return Origin("cookies", "the request's cookies")
            if expr.attr in ("headers", "META") and self._is_request(expr.value):
                return Origin("headers", "the request's headers, `Authorization` and `Cookie` too")
            return None  # an attribute of a secret is one only when named so (`token.access_token`)
        if isinstance(expr, ast.Subscript):
            index = expr.slice
            if isinstance(index, ast.Slice) or (isinstance(index, ast.Tuple) and any(
                    isinstance(e, ast.Slice) for e in index.elts)):
                return None  # token[:4]
            return self._member(self._origin(expr.value, depth + 1), index)
        if isinstance(expr, ast.Call):
            return self._call_origin(expr, depth)
        if isinstance(expr, ast.JoinedStr):  # f"Bearer {token}"
            parts = (p.value for p in expr.values if isinstance(p, ast.FormattedValue) and not _truncates(p))
            return next((Origin("secret", o.what) for p in parts if (o := self._origin(p, depth + 1))), None)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):  # "Bearer " + token
            found = self._origin(expr.left, depth + 1) or self._origin(expr.right, depth + 1)
            return Origin("secret", found.what) if found else None
        return None

    def _call_origin(self, expr: ast.Call, depth: int) -> Origin | None:
        func = expr.func
        callee = callee_name(func) or ""
        signer = self.qualified_names(func) & _AUTH_TOKEN_FUNCTIONS.keys()
        if signer:  # before `.encode()` passes its receiver on
            return Origin("token", f"a token from `{min(signer)}()`")
        if isinstance(func, ast.Attribute):
            if callee == "get_secret_value":
                return Origin("secret", "a `.get_secret_value()`")
            if callee in ("get", "getlist", "pop") and expr.args:  # headers.get("Authorization")
                return self._member(self._origin(func.value, depth + 1), expr.args[0])
            if callee in _FLOW_METHODS:
                return self._origin(func.value, depth + 1)
            if callee == "get_token" and not _CREDENTIAL_RECEIVER_RE.search(self.source_of(func.value)):
                return None
        if callee in _AUTH_TOKEN_CALLS:
            return Origin("token", f"a token from `{callee}()`")
        if callee in _TRANSPARENT_CALLS and isinstance(func, ast.Name):  # dict(request.headers)
            return next((o for a in expr.args if (o := self._origin(a, depth + 1))), None)
        return None

    def _member(self, container: Origin | None, key: ast.expr) -> Origin | None:
        """What ``container[key]`` or ``container.get(key)`` holds, when that is a secret."""
        name = self.source.plain_string(key)
        return self._named_member(container, name.decode("latin-1") if isinstance(name, bytes) else name)

    def _named_member(self, container: Origin | None, text: str | None) -> Origin | None:
        """What ``container`` holds under the literal key ``text`` (None: a computed key)."""
        if container is None:
            return None
        if container.kind == "headers":
            header = (text or "").lower().replace("_", "-").removeprefix("http-")  # Django's META
            if header in _AUTH_HEADERS or (text is not None and _secret_name(text)):
                return Origin("secret", f"the `{text}` request header")
            return None
        if container.kind == "cookies":
            if text is None:
                return Origin("secret", "a request cookie")
            words = set(name_words(text))
            return Origin("secret", f"the `{text}` cookie") if (
                words & _CREDENTIAL_COOKIE_WORDS or _secret_name(text)) else None
        if container.kind == "token":
            return Origin("secret", container.what) if text is not None and (
                _secret_name(text) or secret_head(text) == "token" or text == "token") else None
        return container if text is None else None  # parts[1] of a split secret

    def _assigned_value(self, name: ast.Name) -> ast.expr | None:
        """The value a name was last given before it is read, by a plain assignment
        (``c = …``, ``c: str = …``, ``(c := …)``) in the same function; None otherwise."""
        bindings = self.semantic.bindings_seen(name)
        if not bindings:
            return None
        node = bindings[-1].node
        statement = self.semantic.parent(node)
        if self.semantic.enclosing_function(node) is not self.semantic.enclosing_function(name):
            return None  # a closure's or the module's: what it holds when this runs is unknown
        if isinstance(statement, ast.Assign) and any(t is node for t in statement.targets):
            return statement.value
        if isinstance(statement, (ast.AnnAssign, ast.NamedExpr)) and statement.target is node:
            return statement.value
        return None

    def _parameter_origin(self, name: ast.Name) -> Origin | None:
        """A parameter FastAPI fills from the request: ``authorization: str = Header(None)``,
        ``session: Annotated[str, Cookie()]``; the header is the parameter's name with hyphens,
        or its ``alias``."""
        bindings = self.semantic.bindings_seen(name)
        param = bindings[-1].node if bindings else None
        if not isinstance(param, ast.arg):
            return None
        arguments = self.semantic.parent(param)
        if not isinstance(arguments, ast.arguments) or (
                self.semantic.parent(arguments) is not self.semantic.enclosing_function(name)):
            return None
        for marker in self._parameter_markers(param, arguments):
            source = self.qualified_names(marker.func) & _FASTAPI_REQUEST_PARAMS.keys()
            if source:
                alias = string_value(_argument(marker, None, "alias"))
                kind = _FASTAPI_REQUEST_PARAMS[min(source)]
                key = alias or (param.arg.replace("_", "-") if kind == "headers" else param.arg)
                return self._named_member(Origin(kind, ""), key)
        return None

    @staticmethod
    def _parameter_markers(param: ast.arg, arguments: ast.arguments) -> list[ast.Call]:
        """The calls a parameter's default or ``Annotated[…]`` metadata hold (``Header(None)``)."""
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = dict(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
        defaults.update((a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None)
        found = [defaults[param]] if param in defaults else []
        annotation = param.annotation
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
            found += annotation.slice.elts[1:]  # Annotated[str, Header()]
        return [call for call in found if isinstance(call, ast.Call)]

    def _is_request(self, expr: ast.expr) -> bool:
        """A request object: Flask's (or Quart's…) global, or a name or attribute called
        ``request``, ``req``, ``websocket``, ``http_request``, ``self.request``…"""
        if self.qualified_names(expr) & _REQUEST_GLOBALS:
            return True
        if isinstance(expr, ast.Attribute) and self._outgoing(expr.value):
            return False  # `e.request`, `response.request`: the program's own call, its headers its own choice
        last = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else ""
        words = name_words(last)
        return bool(words) and words[-1] in _REQUEST_WORDS

    def _outgoing(self, owner: ast.expr) -> bool:
        """Whether ``owner.request`` is a request the program sent: ``owner`` is a caught
        exception (httpx's and requests' errors carry the request that failed) or a response."""
        if isinstance(owner, ast.Name) and any(isinstance(b.node, ast.ExceptHandler)
                                               for b in self.semantic.bindings_seen(owner)):
            return True
        name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        return bool(set(name_words(name)) & _OUTGOING_OWNER_WORDS)

    def _shown_once(self) -> bool:
        """A print of an auth call's token by a script, an example or a ``__main__`` block: a
        command issuing a token shows it to the operator (a service's code logs it)."""
        call = self._call
        return call is not None and self._printing and (
            self.file.role != "src" or self.semantic.under_main_guard(call))


    def _names_secret(self, name: str) -> bool:
        if not _secret_name(name):
            return False
        if self._token_context and secret_head(name) == "token":
            words = name_words(name)
            return len(words) > 1 and words[-2] in _CREDENTIAL_TOKEN_KINDS
        return True

    def _literal_text(self, args: list[Argument]) -> list[str]:
        """The literal words of a call's arguments, as written: string constants and f-strings' text parts."""
        texts = []
        for arg in args:
            if any(isinstance(n, (ast.Constant, ast.JoinedStr)) for n in ast.walk(arg.value)):
                texts.extend(string_texts(self.source_of(arg.value)))
        return texts


def _masked_annotation(annotation: ast.expr) -> bool:
    return any(name in _MASKED_TYPES for name in identifiers(annotation))


def _truncates(part: ast.FormattedValue) -> bool:
    """``f"{key:.4}"`` shows a prefix only."""
    spec = part.format_spec
    text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in spec.values) if isinstance(
        spec, ast.JoinedStr) else ""
    return bool(re.search(r"\.\d", text))
