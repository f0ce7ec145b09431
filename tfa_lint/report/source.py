"""The source line under a finding (``--show-source``), with a caret under its columns.

A line is shown only from a file the scan listed, read again as a regular file within its
listed size. A line that a security rule reported anywhere (a hardcoded key, a committed
credential) and any line of a dotenv file is never shown: the line is the secret. What is
shown still goes through the report's own redaction of provider keys.
"""

from __future__ import annotations

from pathlib import Path

from tfa_lint.discover import read_listed
from tfa_lint.engine import ScanResult
from tfa_lint.model import FileKind, Finding

#: Characters of a source line shown around a finding's column; minified code is one line.
WINDOW = 160
HIDDEN = "(source not shown: this line holds a secret)"


class SourceLines:
    """Lines of the scanned files, read once each, on demand."""

    def __init__(self, result: ScanResult) -> None:
        self._root = result.root
        self._files = {ref.path: ref for ref in result.files}
        self._lines: dict[str, list[str] | None] = {}
        security = {r.id for r in result.rules if r.security}
        self._secret_lines = {(f.path, f.line) for f in [*result.all_findings, *result.baselined]
                              if f.rule in security}

    def _read(self, path: str) -> list[str] | None:
        if path not in self._lines:
            ref = self._files.get(path)
            lines = None
            if ref is not None and ref.kind is not FileKind.STATE:
                try:
                    text = read_listed(Path(self._root, path), ref.size).decode("utf-8", "replace")
                    lines = text.splitlines()
                except OSError:
                    pass  # changed or gone since the scan: the finding is shown without its line
            self._lines[path] = lines
        return self._lines[path]

    def excerpt(self, finding: Finding) -> list[str]:
        """``  12 | client = OpenAI(base_url=URL)`` and the caret line under it; or the
        reason the line is hidden; or nothing when the file cannot be read again."""
        ref = self._files.get(finding.path)
        if ref is not None and (ref.kind is FileKind.ENV or (finding.path, finding.line) in self._secret_lines):
            return [f"{finding.line:>5} | {HIDDEN}"]
        lines = self._read(finding.path)
        if not lines or not 1 <= finding.line <= len(lines):
            return []
        line = lines[finding.line - 1]
        start = max(finding.column - 1, 0)
        end = finding.end_column - 1 if finding.end_line in (0, finding.line) and finding.end_column > finding.column \
            else start + 1
        # Show a window around the column of a very long line, marked where it was cut.
        first = 0 if start < WINDOW // 2 else start - WINDOW // 2
        shown = line[first:first + WINDOW]
        prefix = "…" if first else ""
        suffix = "…" if first + WINDOW < len(line) else ""
        # The caret keeps the line's own tabs, so it sits under the same columns in a terminal.
        pad = "".join(c if c == "\t" else " " for c in shown[:start - first])
        caret = "^" * max(1, min(end, first + WINDOW) - start)
        return [f"{finding.line:>5} | {prefix}{shown}{suffix}", f"{'':>5} | {' ' * len(prefix)}{pad}{caret}"]
