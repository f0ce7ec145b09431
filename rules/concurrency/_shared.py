"""When the concurrency rules apply: to repositories that run a long-lived process."""

from __future__ import annotations

from tfa_lint.model import Repo

from ..facts.processes import traits

NOT_LONG_RUNNING = "single short-lived process"


def _applies(repo: Repo) -> str | None:
    return None if traits(repo).is_long_running else NOT_LONG_RUNNING
