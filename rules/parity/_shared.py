"""What several parity rules share: the artifacts of a kind that the running code uses (path
role ``src`` or ``script``, not tests or examples).
"""

from __future__ import annotations

from tfa_lint.model import Artifact, FileKind, Repo, path_role


def _runtime(repo: Repo, kind: FileKind) -> list[Artifact]:
    return [a for a in repo.artifacts(kind) if path_role(a.path) in ("src", "script")]
