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
    unreadable: tuple[int, ...] = ()  # lines that declare no process

    def problems(self) -> list[str]:
        return [f"line {n}: not a `name: command` declaration: ignored" for n in self.unreadable]


def parse(path: str, text: str) -> Procfile:
    processes = []
    unreadable = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE_RE.match(raw.strip())
        if match and match.group(2):
            processes.append(Process(match.group(1), match.group(2), number, raw.index(match.group(2)) + 1))
        else:
            unreadable.append(number)
    return Procfile(path=path, kind=FileKind.PROCFILE, text=text, processes=tuple(processes),
                    unreadable=tuple(unreadable))
