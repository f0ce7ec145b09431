"""What a secret looks like: provider token formats, secret-ish names, and the guards that
keep placeholders and tests' fake keys out of the findings."""

from __future__ import annotations

import base64
import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from tfa_lint.redact import PROVIDER_PATTERNS

_PREFIX_RE = re.compile(r"^(sk-ant-(?:api|admin)\d\d-|sk-or-v1-|sk-(?:proj-|svcacct-|admin-|None-)?|hf_|gsk_|AIza|"
                        r"AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|[sr]k_live_|lsv2_(?:pt|sk)_|tvly-|r8_|"
                        r"xai-|pplx-|SG\.)")

_SECRET_NAME_RE = re.compile(
    r"(?i)(api_?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|private_?key|access_?key|credential|"
    r"auth_?key|signing_?key|encryption_?key|bearer)")
_NOT_SECRET_NAME_RE = re.compile(
    r"(?i)((max|min|num|total|n|count|input|output|prompt|completion|context|reasoning|cached|remaining|"
    r"bos|eos|pad|unk|sep|cls|mask|special|start|end|stop|image|audio|video|system|user|assistant|tool)_?tokens?$"
    r"|tokens?_?(count|limit|usage|budget|type|len|length|ids?|per\w*|cost|estimate|counter|index|expir\w*|ttl)$"
    r"|(_|^)(url|uri|endpoint|path|file|filename|dir|name|env|env_var|var|field|header|type|id|prefix|suffix|"
    r"key_name|length|len|min_length|pattern|regex|label|help|description|param|placeholder)$"
    r"|tokeniz|^tokens?$|secret_?name|token_?name|password_?(field|prompt|input|hash|policy))")
_PLACEHOLDER_RE = re.compile(
    r"(?i)(your|example|dummy|fake|placeholder|replace|redacted|sample|changeme|change_me|change-me|"
    r"insert|xxxx|\.\.\.|\*\*\*|<[^>]*>|\$\{|\{\{|^\$[A-Z_]|test|mock|invalid|not[-_]?a[-_]?real|"
    r"here|todo|secret|password|passwd|token|api[-_]?key)")
_SEQUENCES = ("0123456789", "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9876543210")


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_fake(value: str) -> bool:
    """Placeholders and the fake values tests use: marker words, runs like ``123456`` or
    ``abcdef``, or one character repeated."""
    if _PLACEHOLDER_RE.search(_PREFIX_RE.sub("", value)):
        return True
    for seq in _SEQUENCES:
        for i in range(len(seq) - 5):
            if seq[i:i + 6] in value:
                return True
    return bool(re.search(r"(.)\1{5,}", value))


def looks_random(token: str) -> bool:
    """Enough variety for a generated key: real keys are long random strings."""
    body = _PREFIX_RE.sub("", token)
    return len(set(body)) >= max(6, len(body) // 5) and entropy(body) >= 3.0


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME_RE.search(name)) and not _NOT_SECRET_NAME_RE.search(name)


#: Keys meant to ship inside clients: publishable, write-only or public by design.
_PUBLIC_KEY_RE = re.compile(r"^(phc_|pk_live_|pk_test_|pk\.eyJ|NEXT_PUBLIC_)")


def _anon_jwt(value: str) -> bool:
    """A JWT whose claims say it is the anonymous client key (Supabase ``"role": "anon"``): public by design."""
    parts = value.split(".")
    if len(parts) != 3 or not value.startswith("eyJ"):
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(claims, dict) and claims.get("role") == "anon"


def plausible_secret(value: str) -> bool:
    """A literal that could be a real credential, not a placeholder, path, URL, word, or a
    key that is public by design (PostHog ``phc_``, Stripe ``pk_``, Mapbox ``pk.``, Supabase anon JWT)."""
    if _PUBLIC_KEY_RE.match(value) or _anon_jwt(value):
        return False
    if len(value) < 8 or len(value) > 512 or any(c.isspace() for c in value):
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9_]+", value):  # an env var's name
        return False
    if re.match(r"^[a-z][a-z0-9+.-]*://", value) and "@" not in value:  # a URL without userinfo
        return False
    if value.startswith(("/", "./", "~/", "../")) or re.fullmatch(r"[\w./-]+\.\w{1,5}", value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    if classes < 2 or looks_fake(value):
        return False
    return entropy(value) >= 3.0


@dataclass(frozen=True)
class TokenHit:
    provider: str
    value: str
    start: int  # offset in the scanned text
    end: int


def _has_pem_body(text: str, start: int) -> bool:
    """A PEM header at ``start`` is followed by base64 key material (real keys run to hundreds of chars)."""
    stop = text.find("-----END", start, start + 20000)
    body = text[start:stop if stop != -1 else start + 400]
    body = re.sub(r"\\[nr]|[\s\"'+]", "", body)
    return re.search(r"[A-Za-z0-9/]{40}", body) is not None


def provider_tokens(text: str) -> Iterator[TokenHit]:
    """Provider-format tokens in ``text`` that do not look like placeholders or fakes."""
    taken: list[tuple[int, int]] = []
    for provider, pattern in PROVIDER_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            value = match.group(0)
            if text.startswith("...", end):
                continue  # an elided example (`xoxp-1-Mi0y...NGU0ZA`), not a usable token
            if provider == "private key" and not _has_pem_body(text, end):
                continue  # a header with no key under it (`-----BEGIN PRIVATE KEY-----\nfake\n…`)
            if provider != "private key":
                if looks_fake(value) or not looks_random(value) or not re.search(r"\d", value) or not re.search(r"[A-Za-z]", _PREFIX_RE.sub("", value)):
                    continue
                if re.fullmatch(r"[a-z]+(-[a-z]+)+", _PREFIX_RE.sub("", value)):  # kebab-case words
                    continue
            taken.append((start, end))
            yield TokenHit(provider, value, start, end)


#: ``scheme://user:password@host``; a password that is a reference or placeholder is skipped.
URL_CREDENTIALS_RE = re.compile(
    r"\b([a-z][a-z0-9+.-]{1,20})://([^\s:/@'\"`]{1,128}):([^\s@/'\"`]{1,256})@([^\s/'\"`?#]+)")
_DEV_PASSWORDS = frozenset({
    "postgres", "password", "pass", "admin", "root", "guest", "test", "dev", "example", "user", "secret",
    "mysql", "redis", "rabbitmq", "minio", "minioadmin", "neo4j", "changeme", "default", "local", "docker",
})


def url_password_is_real(user: str, password: str) -> bool:
    if password.lower() in _DEV_PASSWORDS or password == user:
        return False
    if re.search(r"[${}<>%*]", password) or looks_fake(password):
        return False
    return len(password) >= 6
