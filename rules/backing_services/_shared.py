"""When the backing-service rules apply, and how they name a client constructor."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from tfa_lint.model import Repo, path_role

from ..facts.backing_clients import _PLACEHOLDER_HOST_RE, BackingClientFact, BackingUrlFact, _shown, _templated, service_url

_URL_NAME_RE = re.compile(r"(?i)(url|uri|dsn|conn(ection)?_?str(ing)?|broker|backend)")
_NOT_DEPLOY_NAME_RE = re.compile(r"(?i)(test|example|sample|default|fallback)")  # not what a deploy uses
_INTERNAL_SUFFIXES = (".local", ".internal", ".lan", ".localdomain", ".svc", ".cluster.local", ".home.arpa",
                      ".corp", ".intranet")
#: A label naming one environment of one deployment (`api.staging.acme.io`, `llm-prod.acme.com`).
_DEPLOY_LABEL_RE = re.compile(r"(?i)(^|[.-])(staging|stage|stg|preprod|prod|production|prd|uat)(\d*)([.-]|$)")
_HOST_PORT_RE = re.compile(r"^[\w.-]+:\d+(/.*)?$")
#: Addresses a server binds to, never one a client connects to.
_BIND_ADDRESSES = {"0.0.0.0", "::", ""}


def _short(ctor: str) -> str:
    """``openai.AsyncOpenAI`` and ``openai.OpenAI`` are the same client for TFA0402."""
    return re.sub(r"^Async", "", ctor.rsplit(".", 1)[-1])


NO_BACKING = "no backing-service clients found"


def backing_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when the repo's own code talks to a backing service."""
    found = any(path_role(f.path) in ("src", "script") for f in repo.facts(BackingClientFact, BackingUrlFact))
    return None if found else NO_BACKING


def host_of(value: str) -> str | None:
    """The host of a URL or of a bare ``host[:port]``."""
    try:
        parts = urlsplit(value if "://" in value else f"//{value}")
        return parts.hostname
    except ValueError:
        return None


def literal_host(value: str) -> str | None:
    """The displayable locator when ``value`` names a host or a network URL (not a local file or
    ``:memory:``)."""
    value = value.strip()
    if (not value or _templated(value) or value == ":memory:" or any(c.isspace() for c in value)
            or value.startswith(("/", "./", "~", "file:")) or value.endswith((".db", ".sqlite"))):
        return None
    host = host_of(value.split(",")[0])
    if not host or _PLACEHOLDER_HOST_RE.match(host):
        return None
    return _shown(value) if "://" in value else value


def private_host(host: str) -> bool:
    """A local, private or internal host: localhost, any literal IP, a bare service name
    (``ollama``, ``vllm``) or an internal domain. Public API hosts are not private."""
    host = host.lower().strip("[]")
    if host in ("localhost", "host.docker.internal") or host.endswith(_INTERNAL_SUFFIXES):
        return True
    try:
        ipaddress.ip_address(host)
        return True  # a literal address names one machine of one deploy
    except ValueError:
        return "." not in host


def deploy_endpoint(value: str) -> str | None:
    """The displayable endpoint when ``value`` (a URL or a bare host) points at one deploy's
    machine: a local, private or internal host, or a staging or production host. A public API
    host (an SDK's own default) and the addresses a server binds to are none."""
    value = value.strip()
    shown = literal_host(value)
    host = host_of(value.split(",")[0]) if shown else None
    if not host or host.strip("[]") in _BIND_ADDRESSES:
        return None
    if not ("://" in value or _HOST_PORT_RE.match(value) or host == "localhost" or _is_address(host)):
        return None  # a bare word (`"REDIS_HOST"`, `"ollama"`) is a host only where a client expects one
    return shown if private_host(host) or _DEPLOY_LABEL_RE.search(host) else None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def bound_locator(name: str, value: str) -> str | None:
    """The displayable locator when a literal service URL is bound to a locator name
    (``BROKER_URL = "amqp://…"``), as TFA0401 reports it; None for a name that says it is not
    what a deploy uses (``TEST_DATABASE_URL``, ``DEFAULT_REDIS_URL``)."""
    if not _URL_NAME_RE.search(name) or _NOT_DEPLOY_NAME_RE.search(name):
        return None
    return service_url(value)
