"""Finding identities that survive unrelated edits, for the baseline and for SARIF.

A finding's line number changes whenever someone edits the file above it, so neither the
baseline nor GitHub can key on it. Each finding gets two identities instead, both computed
from the text of the line it points at:

* ``fingerprint`` — ours (``tfaLintFingerprint/v1`` in SARIF, the key of a baseline entry): a hash of
  the rule id, the path, the line with all whitespace removed, and the finding's rank among
  findings sharing those three. Moving the line keeps it; editing the line changes it.
* ``line_hash`` — GitHub's ``primaryLocationLineHash`` of the same line, computed as the
  upload-sarif action would (see :mod:`tfa_lint.line_hash`), so the action keeps it
  without a warning and alerts match across commits.

Each file with findings is read once more here: only those files, after the scan, because
repo rules may point anywhere and most files have no finding at all.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tfa_lint.discover import LOCK_FILE_MAX_BYTES, read_listed
from tfa_lint.line_hash import line_hashes
from tfa_lint.model import FileKind, Finding
from tfa_lint.sources import SourceError, decode

_WHITESPACE_RE = re.compile(r"\s+")
# The line breaks libcst and the parsers count (str.splitlines would also split on \f, \x85…).
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


class _LineHashes:
    """GitHub's hash of every line of one file, computed on the first question: only the
    SARIF report asks, and hashing every line of every file with findings was a third of a
    warm scan (onyx, cProfile)."""

    def __init__(self, data: bytes | None) -> None:
        self._data = data
        self._hashes: dict[int, str] | None = None

    def get(self, line: int) -> str | None:
        if self._hashes is None:
            self._hashes = line_hashes(self._data.decode("utf-8", errors="replace")) if self._data is not None else {}
            self._data = None
        return self._hashes.get(line)


@dataclass(frozen=True)
class Identity:
    fingerprint: str
    line: int
    hashes: _LineHashes = field(repr=False, compare=False)

    @property
    def line_hash(self) -> str:
        """GitHub's ``primaryLocationLineHash`` of the finding's line. A file that is not text
        (runtime state is never read) still needs the hash GitHub requires: our own stable
        value, in GitHub's "hex:n" shape."""
        return self.hashes.get(self.line) or f"{self.fingerprint[:16]}:1"


def identify(root: Path, findings: Iterable[Finding], kinds: dict[str, FileKind]) -> dict[Finding, Identity]:
    """The identity of every finding; ``kinds`` maps each scanned path to its file kind."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_path[finding.path].append(finding)
    identities: dict[Finding, Identity] = {}
    for path, found in by_path.items():
        data = _read_bytes(root / path, kinds.get(path))
        lines = _lines(data, kinds.get(path)) if data is not None else []
        hashes = _LineHashes(data if lines else None)
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for finding in sorted(found, key=lambda f: (f.line, f.column, f.rule, f.message)):
            content = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
            key = (finding.rule, _WHITESPACE_RE.sub("", content))
            seen[key] += 1
            stable = fingerprint(finding.rule, path, key[1], seen[key])
            identities[finding] = Identity(stable, finding.line, hashes)
    return identities


def fingerprint(rule: str, path: str, content: str, occurrence: int) -> str:
    """Stable id of the ``occurrence``-th finding of ``rule`` on a line reading ``content``."""
    digest = hashlib.sha256("\0".join((rule, path, content, str(occurrence))).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _read_bytes(path: Path, kind: FileKind | None) -> bytes | None:
    if kind is None or not kind.read:
        return None
    try:
        return read_listed(path, LOCK_FILE_MAX_BYTES)  # non-blocking, regular files only
    except OSError:
        return None


def _lines(data: bytes, kind: FileKind) -> list[str]:
    """The file's lines as the rules numbered them, from the decoding the parsers used (GitHub's
    hash reads the bytes as the action does instead: Node's UTF-8, BOM kept, invalid bytes
    replaced)."""
    try:
        text = decode(data, kind)
    except SourceError:
        return []
    return _LINE_BREAK_RE.split(text)
