"""Procfiles: ``name: command`` process declarations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tfa_lint.model import Artifact, FileKind

_LINE_RE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Process:
    name: str
    command: str
    line: int
    column: int  # where the command starts


@dataclass(frozen=True)
class Procfile(Artifact):
    processes: tuple[Process, ...]


def parse(path: str, text: str) -> Procfile:
    processes = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.lstrip().startswith("#"):
            continue
        match = _LINE_RE.match(raw.strip())
        if match and match.group(2):
            processes.append(Process(match.group(1), match.group(2), number, raw.index(match.group(2)) + 1))
    return Procfile(path=path, kind=FileKind.PROCFILE, text=text, processes=tuple(processes))
