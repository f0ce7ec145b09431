"""dotenv files: ``KEY=value`` lines, with ``export`` prefixes, quotes and comments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tfa_lint.model import Artifact, FileKind

_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$")


@dataclass(frozen=True)
class EnvEntry:
    key: str
    value: str
    line: int
    column: int  # where the value starts
    key_column: int = 1  # where the key starts (after any `export`)


@dataclass(frozen=True)
class EnvFile(Artifact):
    entries: tuple[EnvEntry, ...]


def parse(path: str, text: str) -> EnvFile:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _LINE_RE.match(raw)
        if not match:
            continue
        value = match.group(2).strip()
        if value[:1] in ("'", '"') and value[0] in value[1:]:
            value = value[1:value.index(value[0], 1)]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        entries.append(EnvEntry(match.group(1), value, number, match.start(2) + 1, match.start(1) + 1))
    return EnvFile(path=path, kind=FileKind.ENV, text=text, entries=tuple(entries))
