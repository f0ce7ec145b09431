"""pip requirements files (``requirements*.txt``, ``*.in``, constraints), read with ``packaging``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from tfa_lint.model import Artifact, FileKind

_COMMENT_RE = re.compile(r"(^|\s)#.*$")
_PER_REQ_OPTION_RE = re.compile(r"\s--(hash|global-option|config-settings|install-option)(=|\s+)\S+")


@dataclass(frozen=True)
class RequirementLine:
    """One logical line. Exactly one of ``requirement``, ``option``, ``reference`` or
    ``error`` describes it."""

    line: int
    text: str  # the logical line, comment removed
    requirement: Requirement | None = None
    hashed: bool = False
    option: str | None = None  # "-r", "-c", "--index-url", ... for option lines
    option_value: str = ""
    reference: str | None = None  # a path or URL installed as is (".", "-e .", "git+https://...")
    error: str | None = None

    @property
    def pinned(self) -> bool:
        """An exact ``==``/``===`` pin (no wildcard), or a hash that fixes the artifact."""
        if self.hashed:
            return True
        if self.requirement is None:
            return False
        if self.requirement.url:
            return bool(re.search(r"@[0-9a-f]{40}\b", self.requirement.url))
        specs = list(self.requirement.specifier)
        return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version


@dataclass(frozen=True)
class RequirementsFile(Artifact):
    entries: tuple[RequirementLine, ...]

    @property
    def requirements(self) -> list[RequirementLine]:
        return [e for e in self.entries if e.requirement is not None]

    def problems(self) -> list[str]:
        return [f"line {e.line}: not a requirement pip can read ({e.error}): ignored"
                for e in self.entries if e.error is not None]


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with comments stripped and backslash continuations joined."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT_RE.sub("", raw).rstrip()
        if not buf:
            start = number
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = " ".join(part.strip() for part in buf).strip()
        buf = []
        if joined:
            out.append((start, joined))
    if buf:
        joined = " ".join(part.strip() for part in buf).strip()
        if joined:
            out.append((start, joined))
    return out


def parse(path: str, text: str) -> RequirementsFile:
    entries = [_parse_line(number, line) for number, line in logical_lines(text)]
    return RequirementsFile(path=path, kind=FileKind.REQUIREMENTS, text=text, entries=tuple(entries))


def _parse_line(number: int, line: str) -> RequirementLine:
    if line.startswith("-"):
        option, _, value = line.partition(" ") if " " in line else line.partition("=")
        if option in ("-e", "--editable"):
            return RequirementLine(number, line, reference=value.strip())
        return RequirementLine(number, line, option=option, option_value=value.strip())
    hashed = "--hash" in line
    spec = _PER_REQ_OPTION_RE.sub("", " " + line).strip()
    if spec.startswith((".", "/", "file:")) or re.match(r"^[a-z+]+://", spec) or spec.endswith((".whl", ".tar.gz", ".zip")):
        return RequirementLine(number, line, reference=spec, hashed=hashed)
    try:
        return RequirementLine(number, line, requirement=Requirement(spec), hashed=hashed)
    except InvalidRequirement as exc:
        return RequirementLine(number, line, error=str(exc).splitlines()[0])
