"""What a rule offers to change: a fix is edits to one or more files, safe or unsafe.

The terms are ruff's. A *safe* fix keeps what the program does (``CMD python app.py`` →
``CMD ["python", "app.py"]``); an *unsafe* one changes it in a way a person should review
(a hardcoded key replaced by an environment read). ``--fix`` applies safe fixes,
``--unsafe-fixes`` the others too.

An edit replaces a range of a file's text, given in characters of the decoded text (what a
rule sees; the file's encoding, byte-order mark and line endings are kept when it is
written). It carries a digest of the text it replaces, so a file that changed since it was
read is never edited: the digest would not match. An edit at 0..0 of a file that does not
exist creates it (a `.gitignore`, a `.env.example`). An edit can also *append* lines to a file
a rule has not read (an ArtifactRule sees one file): it is placed at the end when applied,
after a line break if the file does not end with one, and creates the file if missing.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


#: The offset of an edit that appends to the end of its file (resolved when it is applied).
APPEND = -1


class Applicability(str, enum.Enum):
    SAFE = "safe"  # keeps behaviour: applied by --fix
    UNSAFE = "unsafe"  # changes behaviour a person should review: applied with --unsafe-fixes


@dataclass(frozen=True)
class Edit:
    path: str  # relative to the root, posix
    start: int  # character offsets into the decoded text, end exclusive
    end: int
    content: str
    expect: str  # sha256 of the text it replaces (of "" for an insertion)

    @classmethod
    def replace(cls, path: str, text: str, start: int, end: int, content: str) -> Edit:
        return cls(path, start, end, content, digest(text[start:end]))

    @classmethod
    def insert(cls, path: str, text: str, at: int, content: str) -> Edit:
        return cls(path, at, at, content, digest(""))

    @classmethod
    def append(cls, path: str, lines: str) -> Edit:
        """Add ``lines`` (ending with a line break) at the end of the file at ``path``."""
        return cls(path, APPEND, APPEND, lines, digest(""))

    @classmethod
    def lines(cls, path: str, text: str, first: int, last: int, content: str) -> Edit:
        """Replace 1-based lines ``first``..``last`` (their line breaks kept) with ``content``."""
        start = offset_of_line(text, first)
        end = offset_of_line(text, last + 1)
        body = text[start:end]
        ending = body[len(body.rstrip("\r\n")):]
        return cls.replace(path, text, start, end - len(ending), content)

    def overlaps(self, other: Edit) -> bool:
        if self.path != other.path:
            return False
        if self.start == self.end == other.start == other.end:
            return True  # two insertions at one place: their order would be a guess
        return self.start < other.end and other.start < self.end

    def to_json(self, *, for_report: bool = False) -> dict:
        """As data. A report leaves out ``expect``: a digest of the replaced text, which for a weak
        password (`postgres`) would give it away."""
        data = {"path": self.path, "start": self.start, "end": self.end, "content": self.content}
        return data if for_report else {**data, "expect": self.expect}

    @classmethod
    def from_json(cls, data: dict) -> Edit:
        return cls(str(data["path"]), int(data["start"]), int(data["end"]), str(data["content"]),
                   str(data["expect"]))


@dataclass(frozen=True)
class Fix:
    title: str  # what it does, imperative: "Write the CMD in exec form"
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    @property
    def paths(self) -> list[str]:
        return sorted({e.path for e in self.edits})

    def to_json(self, *, for_report: bool = False) -> dict:
        return {"title": self.title, "applicability": self.applicability.value,
                "edits": [e.to_json(for_report=for_report) for e in self.edits]}

    @classmethod
    def from_json(cls, data: dict) -> Fix:
        return cls(str(data["title"]), tuple(Edit.from_json(e) for e in data["edits"]),
                   Applicability(data["applicability"]))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def offset_of_line(text: str, line: int) -> int:
    """The character offset where 1-based ``line`` starts (the end of the text past the last line)."""
    offset = 0
    for _ in range(line - 1):
        found = text.find("\n", offset)
        if found < 0:
            return len(text)
        offset = found + 1
    return offset


def resolved(text: str, edit: Edit) -> Edit:
    """``edit`` with an append placed at the end of ``text``, after a line break if it lacks one."""
    if edit.start != APPEND:
        return edit
    separator = "\n" if text and not text.endswith("\n") else ""
    return Edit(edit.path, len(text), len(text), separator + edit.content, edit.expect)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` of one file applied (each checked by the caller)."""
    edits = [resolved(text, e) for e in edits]
    out = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[position:edit.start])
        out.append(edit.content)
        position = edit.end
    out.append(text[position:])
    return "".join(out)
