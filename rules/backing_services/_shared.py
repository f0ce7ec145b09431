"""When the backing-service rules apply, and how they name a client constructor."""

from __future__ import annotations

import re

from tfa_lint.model import Repo, path_role

from ..facts.backing_clients import BackingClientFact, BackingUrlFact


def _short(ctor: str) -> str:
    """``openai.AsyncOpenAI`` and ``openai.OpenAI`` are the same client for TFA0402."""
    return re.sub(r"^Async", "", ctor.rsplit(".", 1)[-1])


NO_BACKING = "no backing-service clients found"


def backing_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when the repo's own code talks to a backing service."""
    found = any(path_role(f.path) in ("src", "script") for f in repo.facts(BackingClientFact, BackingUrlFact))
    return None if found else NO_BACKING
