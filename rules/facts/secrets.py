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

from tfa_lint.redact import PROVIDER_PATTERNS, find_keys

_PREFIX_RE = re.compile(r"^(sk-ant-(?:api|admin)\d\d-|sk-or-v1-|sk-(?:proj-|svcacct-|admin-|None-)?|hf_|gsk_|AIza|"
                        r"AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|[sr]k_live_|lsv2_(?:pt|sk)_|tvly-|r8_|"
                        r"xai-|pplx-|SG\.)")

#: A name's whole words: snake_case, kebab-case, dotted and camelCase parts (``APIKeyHeader`` ->
#: api, key, header); digits stand alone.
_NAME_PART_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
#: Head words that name a secret by themselves.
_SECRET_HEADS = frozenset({"secret", "secrets", "password", "passwords", "passwd", "pwd", "passphrase",
                           "credential", "credentials", "bearer"})
#: ``…_key`` is a secret only as one of these kinds of key (``api_key``, ``SECRET_KEY``,
#: ``signing_key``); ``credential_key``, ``cache_key`` or ``authority_key`` name a lookup key.
_KEY_KINDS = frozenset({"api", "secret", "private", "access", "auth", "signing", "encryption", "master", "hmac",
                        "fernet"})
#: One-word spellings: ``apikey``, ``OPENAI_APIKEY``, ``accesstoken``.
_COMPOUND_RE = re.compile(r"[a-z]*(apikey|secretkey|privatekey|accesskey|authkey|signingkey|encryptionkey)s?"
                          r"|(access|auth|refresh|api|bot|session|bearer|oauth)token")
#: ``…_token`` words that say the token is no credential: LLM vocabulary and budgets, pagination,
#: lock ownership, cancellation and correlation handles, identity claims, stream chunks, markers.
_TOKEN_KINDS_NOT_CREDENTIAL = frozenset({
    "max", "min", "num", "total", "n", "count", "input", "output", "prompt", "completion", "context", "reasoning",
    "cached", "remaining", "bos", "eos", "pad", "unk", "sep", "cls", "mask", "special", "start", "end", "stop",
    "image", "audio", "video", "system", "user", "assistant", "tool", "vocab", "word", "subword", "llm",
    "page", "next", "prev", "previous", "continuation", "cursor", "sync", "lock", "lease", "mutex", "cancel",
    "cancellation", "claims", "claim", "stream", "chunk", "exit", "sentinel", "marker", "control", "delimiter",
    "separator", "split"})
#: Words before the head that say the value is not the secret itself.
_NOT_THE_VALUE = frozenset({"hashed", "masked", "redacted", "obfuscated"})
#: Keys that ship inside clients by design: public, publishable, anonymous, and the project tokens
#: of product-analytics services (they only let a client send events).
_PUBLIC_WORDS = frozenset({"public", "publishable", "anon", "anonymous", "mixpanel", "amplitude", "posthog"})
#: Words that end a name's head: ``MODEL_FOR_API_KEY_CHECK`` is a model, ``cost_per_token`` a cost.
_PREPOSITIONS = frozenset({"for", "per", "after", "before", "from", "to", "of", "in", "by", "with", "at", "via",
                           "into"})
#: Words after the head that keep it a secret: the form, the deploy, the slot (``API_KEY_PROD``,
#: ``password_raw``, ``TOKEN_2``).
_QUALIFIER_TAILS = frozenset({"value", "val", "str", "string", "raw", "plain", "plaintext", "bytes", "b64",
                              "base64", "hex", "literal", "default", "fallback", "override", "prod", "production",
                              "dev", "development", "staging", "stage", "live", "primary", "secondary", "backup",
                              "old", "new", "legacy", "current"})


def name_words(name: str) -> list[str]:
    """The whole words of an identifier, a dict key or a header name, lowercased."""
    return [part.lower() for part in _NAME_PART_RE.findall(name)]


def secret_head(name: str) -> str | None:
    """What kind of secret ``name`` names (``key``, ``token``, ``secret``, ``password``…), or None.

    Names match on whole words, never substrings (``CREDENTIALLESS_…``, ``tiktoken`` and
    ``tokenizer`` name no secret), and on their head: the last word, before any preposition and
    after dropping a trailing form or deploy qualifier. ``api_key_header``, ``secret_refs``,
    ``token_count``, ``credential_ids`` and ``cost_per_token`` name something else."""
    words = name_words(name)
    if _PUBLIC_WORDS.intersection(words):
        return None
    for i, word in enumerate(words):
        if i and word in _PREPOSITIONS:
            words = words[:i]
            break
    while len(words) > 1 and (words[-1].isdigit() or words[-1] in _QUALIFIER_TAILS):
        words.pop()
    if not words:
        return None
    head, kind = words[-1], words[-2] if len(words) > 1 else ""
    if kind in _NOT_THE_VALUE:
        return None
    if head in ("key", "keys"):
        return "key" if kind in _KEY_KINDS else None
    if head == "token":  # a bare ``token`` says too little: LLM, lock, page and auth tokens share it
        return "token" if kind and not kind.isdigit() and kind not in _TOKEN_KINDS_NOT_CREDENTIAL else None
    if head in _SECRET_HEADS:
        return head
    match = _COMPOUND_RE.fullmatch(head)
    if match:
        return "key" if match.group(1) else "token"
    return None


_PLACEHOLDER_RE = re.compile(
    r"(?i)(your|example|dummy|fake|placeholder|replace|redacted|sample|changeme|change_me|change-me|"
    r"insert|xxxx|\.\.\.|\*\*\*|<[^>]*>|\$\{|\{\{|^\$[A-Z_]|test|mock|invalid|not[-_]?a[-_]?real|"
    r"here|todo|secret|password|passwd|token|api[-_]?key|do[-_]?not[-_]?(?:leak|use|commit|share))")
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


_VOWEL_RE = re.compile(r"[aeiouyAEIOUY]")


def _word_segment(segment: str) -> bool:
    """A piece between separators that reads as a word: ``action``, ``FORFEIT``, ``Credential``,
    ``oat01``, an acronym (``crm``, ``SWE``), or camelCase words; not random characters."""
    if re.fullmatch(r"[a-z]{2,4}|[A-Z]{2,4}", segment):
        return True
    parts = _NAME_PART_RE.findall(segment)
    letters = [p for p in parts if p.isalpha()]
    digits = [p for p in parts if p.isdigit()]
    return (bool(letters) and all(len(p) >= 2 and _VOWEL_RE.search(p) for p in letters)
            and all(len(d) <= 4 for d in digits) and sum(map(len, digits)) * 2 <= sum(map(len, letters)))


def made_of_words(text: str) -> bool:
    """Words joined by separators, not a generated key: a module path (``.vault_secret_ref``), an
    event or key name (``credential.rotated``), a sentinel (``###AGENT-EXIT###``), or a test's
    fake (``sk-ant-oat01-refresh-flow``). At least 70% of its letters and digits are in words."""
    segments = [seg for seg in re.split(r"[^A-Za-z0-9]+", text) if seg]
    total = sum(map(len, segments))
    return total > 0 and sum(len(seg) for seg in segments if _word_segment(seg)) >= 0.7 * total


def looks_regex(text: str) -> bool:
    """A regular expression: a character class with a range and a quantifier (``[A-Za-z0-9._-]+``)."""
    return re.search(r"\[\^?[^\]]*\w-\w[^\]]*\][+*?{]", text) is not None


def looks_random(token: str) -> bool:
    """Enough variety for a generated key: real keys are long random strings."""
    body = _PREFIX_RE.sub("", token)
    return len(set(body)) >= max(6, len(body) // 5) and entropy(body) >= 3.0


def is_secret_name(name: str) -> bool:
    """Whether ``name`` names a secret value (see :func:`secret_head`)."""
    return secret_head(name) is not None


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
    """A literal that could be a real credential, not a placeholder, path, URL, regex, words joined
    by separators (module paths, key names, sentinels), or a key that is public by design (PostHog ``phc_``, Stripe ``pk_``, Mapbox ``pk.``, Supabase anon JWT)."""
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
    if classes < 2 or looks_fake(value) or made_of_words(value) or looks_regex(value):
        return False
    return entropy(value) >= 3.0


#: The environment variable each provider's key is read from, by the provider's own SDK where it
#: reads one (`OpenAI()` reads OPENAI_API_KEY), else by the name its documentation uses.
PROVIDER_VARIABLES = {
    "Anthropic API key": "ANTHROPIC_API_KEY",
    "OpenRouter API key": "OPENROUTER_API_KEY",
    "OpenAI API key": "OPENAI_API_KEY",
    "Hugging Face token": "HF_TOKEN",
    "Groq API key": "GROQ_API_KEY",
    "Google API key": "GOOGLE_API_KEY",
    "AWS access key id": "AWS_ACCESS_KEY_ID",
    "GitHub token": "GITHUB_TOKEN",
    "Slack token": "SLACK_TOKEN",
    "Stripe secret key": "STRIPE_SECRET_KEY",
    "LangSmith API key": "LANGSMITH_API_KEY",
    "Tavily API key": "TAVILY_API_KEY",
    "Replicate API token": "REPLICATE_API_TOKEN",
    "xAI API key": "XAI_API_KEY",
    "Perplexity API key": "PERPLEXITY_API_KEY",
    "SendGrid API key": "SENDGRID_API_KEY",
}


@dataclass(frozen=True)
class TokenHit:
    provider: str
    value: str
    start: int  # offset in the scanned text
    end: int


def _has_pem_body(text: str, start: int) -> bool:
    """A PEM header at ``start`` is followed by base64 key material: at least 60 characters (the
    smallest real key, Ed25519, has 64; RSA keys run to hundreds), not filler (``…testonlytestonly``,
    ``…fakekey…``) a test pads a stub with."""
    stop = text.find("-----END", start, start + 20000)
    body = text[start:stop if stop != -1 else start + 400]
    body = re.sub(r"\\[nr]|[\s\"'+]", "", body)
    material = re.search(r"[A-Za-z0-9/+=]{60,}", body)
    if material is None:
        return False
    return not (re.search(r"test|fake|dummy|example|sample|placeholder|invalid|TEST|FAKE|DUMMY|EXAMPLE|SAMPLE",
                          material.group(0))
                or re.search(r"(.{4,})\1\1", material.group(0)))


def provider_tokens(text: str) -> Iterator[TokenHit]:
    """Provider-format tokens in ``text`` that do not look like placeholders or fakes."""
    taken: list[tuple[int, int]] = []
    for provider, pattern in PROVIDER_PATTERNS:
        for match in find_keys(pattern, text):
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
                if made_of_words(_PREFIX_RE.sub("", value)):  # `sk-ant-oat01-refresh-flow`: a test's made-up value
                    continue
            if provider == "AWS access key id" and value.startswith("ASIA"):
                continue  # the key id of temporary credentials: not secret, and its session expires within hours
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
