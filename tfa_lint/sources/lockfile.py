"""Lock files (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pylock.toml): which packages they pin."""

from __future__ import annotations

import json
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError, toml_text

LOCK_FILE_NAMES = frozenset({"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml"})


@dataclass(frozen=True)
class LockFile(Artifact):
    packages: frozenset[str]  # canonical names


def parse(path: str, text: str) -> LockFile:
    name = path.rsplit("/", 1)[-1]
    packages: set[str] = set()
    if name == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"Pipfile.lock is not valid JSON: {exc}") from None
        for section in ("default", "develop"):
            if isinstance(data.get(section), dict):
                packages.update(data[section])
    else:
        data = toml_text.load(text, name)
        for entry in data.get("package", data.get("packages", [])) or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                packages.add(entry["name"])
    return LockFile(path=path, kind=FileKind.LOCKFILE, text=text,
                    packages=frozenset(canonicalize_name(p) for p in packages))
