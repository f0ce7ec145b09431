"""Applying fixes: which ones, in what order, and only when the result still parses.

One pass takes the findings of a scan, keeps the fixes the user asked for (safe ones, unsafe
ones with ``--unsafe-fixes``, minus ``unfixable``), and applies per file every fix whose edits
overlap no fix taken before it, in a fixed order (file, offset, rule): the others wait for
the next pass, after a rescan. A file is written only when

- it is a regular file inside the root (a symlink is never followed out of it),
- each edit's range still holds the text the rule read (the file has not changed since),
- and the new text still parses, with ``ast`` for Python and the project's own parser for the
  rest (a Dockerfile, a compose file, a requirements file…).

Writes are atomic, keep the file's mode, its encoding and byte-order mark, and touch only the
edited characters, so line endings stay as they were.
"""

from __future__ import annotations

import ast
import codecs
import difflib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tfa_lint.discover import kind_of
from tfa_lint.fix import APPEND, Applicability, Edit, Fix, apply_edits, digest, resolved
from tfa_lint.model import Diagnostic, FileKind, Finding
from tfa_lint.redact import redact_known_keys
from tfa_lint.sources import SourceError, decode, parse_artifact

#: Passes of fix-then-rescan at most: a rule whose fix keeps re-triggering it cannot loop forever.
MAX_PASSES = 10


@dataclass
class FixPass:
    """What one pass changed (or, for --diff, would change)."""

    #: path -> (text before, text after) of every file the pass changes
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    applied: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def wanted(finding: Finding, *, unsafe: bool, fixable: Callable[[str], bool]) -> bool:
    """Whether the user asked for this finding's fix."""
    fix = finding.fix
    return (fix is not None and fixable(finding.rule)
            and (unsafe or fix.applicability is Applicability.SAFE))


def plan(root: Path, findings: Iterable[Finding], *, unsafe: bool, fixable: Callable[[str], bool]) -> FixPass:
    """The changes of one pass: the wanted fixes that overlap nothing taken before them, each
    checked against the file as it is now and the new text parsed."""
    result = FixPass()
    candidates = sorted((f for f in findings if wanted(f, unsafe=unsafe, fixable=fixable)),
                        key=lambda f: (f.path, min(e.start for e in f.fix.edits), f.rule, f.line))  # type: ignore[union-attr]
    taken: list[Edit] = []
    by_file: dict[str, list[Edit]] = {}
    texts: dict[str, _FileText | None] = {}
    for finding in candidates:
        fix = finding.fix
        assert fix is not None
        # An edit identical to one taken already is made once: the shared part of several fixes
        # (one ignore line for a file, the `import logging` and module logger every print needs).
        edits = [edit for edit in fix.edits if edit not in taken]
        if not edits:
            result.applied.append(finding)  # the same change as fixes taken already
            continue
        if any(edit.overlaps(other) for edit in edits for other in taken):
            continue  # waits for the next pass, when its file has been scanned again
        if not _still_as_read(root, fix, finding.rule, texts, result.diagnostics):
            continue
        taken.extend(edits)
        for edit in edits:
            by_file.setdefault(edit.path, []).append(edit)
        result.applied.append(finding)
    for path, edits in by_file.items():
        current = texts[path]
        assert current is not None
        new = apply_edits(current.text, edits)
        broken = _parse_error(path, new)
        if broken is not None:
            result.diagnostics.append(Diagnostic(path, f"not fixed: the fixed file would not parse ({broken}); left as it was"))
            continue
        result.changes[path] = (current.text, new)
    # a fix spanning several files is applied whole or not at all
    dropped = {p for p in by_file if p not in result.changes}
    result.applied = [f for f in result.applied if not dropped & set(f.fix.paths)]  # type: ignore[union-attr]
    for path in list(result.changes):
        if not any(path in f.fix.paths for f in result.applied):  # type: ignore[union-attr]
            del result.changes[path]
    return result


def _still_as_read(root: Path, fix: Fix, rule: str, texts: dict[str, _FileText | None],
                   diagnostics: list[Diagnostic]) -> bool:
    """Whether every file the fix edits can be edited and still holds, at each edit, the text the
    rule read (``texts`` caches each file's current text across the pass)."""
    for path in fix.paths:
        if path not in texts:
            texts[path] = _read(root, path, diagnostics)
        current = texts[path]
        if current is None:
            return False
        if any(edit.expect != digest(current.text[edit.start:edit.end]) for edit in fix.edits if edit.path == path):
            diagnostics.append(Diagnostic(path, f"not fixed ({rule}): the file changed since it was read"))
            return False
    return True


def write(root: Path, changes: dict[str, tuple[str, str]]) -> list[Diagnostic]:
    """Write each changed file atomically, in its own encoding and mode."""
    diagnostics = []
    for path, (_, new) in sorted(changes.items()):
        target = _inside(root, path)
        if target is None:
            diagnostics.append(Diagnostic(path, "not fixed: outside the scanned root"))
            continue
        try:
            _write_like(target, new)
        except OSError as exc:
            diagnostics.append(Diagnostic(path, f"not fixed: cannot write it: {exc.strerror or exc}"))
    return diagnostics


#: What a diff shows instead of a line that holds a secret.
HIDDEN_LINE = "(line not shown: it holds a secret)"


def unified_diff(changes: dict[str, tuple[str, str]], secret_lines: set[tuple[str, int]] = frozenset()) -> str:
    """The changes as a unified diff. A line a security rule reported (``secret_lines``: path and
    line of the text before), and any line of a dotenv file, shows as HIDDEN_LINE wherever it
    appears, removed, added or as context; provider-format keys elsewhere are redacted."""
    out = []
    for path, (old, new) in sorted(changes.items()):
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        dotenv = kind_of(path.rsplit("/", 1)[-1], path) is FileKind.ENV
        secret = {old_lines[n - 1].rstrip("\r\n") for p, n in secret_lines if p == path and 0 < n <= len(old_lines)}

        def hide(lines: list[str]) -> list[str]:
            return [HIDDEN_LINE + "\n" if (dotenv and line.strip()) or line.rstrip("\r\n") in secret else line
                    for line in lines]

        lines = difflib.unified_diff(hide(old_lines), hide(new_lines), f"a/{path}", f"b/{path}")
        for line in lines:
            out.append(redact_known_keys(line) if not line.endswith("\n") else redact_known_keys(line[:-1]) + "\n")
            if not line.endswith("\n"):
                out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def placed(root: Path, edit: Edit) -> Edit:
    """``edit`` with an append placed at the end of the file as it is now (for a report that
    gives offsets, SARIF); an edit already placed, or a file that cannot be read, as it is."""
    if edit.start != APPEND:
        return edit
    current = _read(root, edit.path, [])
    return resolved(current.text, edit) if current is not None else edit


# -- files ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _FileText:
    text: str
    exists: bool


def _inside(root: Path, path: str) -> Path | None:
    """The file at ``path`` under ``root`` when neither it nor a directory on the way is a
    symlink and it stays inside the root."""
    if path.startswith("/") or ".." in path.split("/"):
        return None
    current = root
    for part in path.split("/"):
        current = current / part
        if current.is_symlink():
            return None
    return current


def _read(root: Path, path: str, diagnostics: list[Diagnostic]) -> _FileText | None:
    target = _inside(root, path)
    if target is None:
        diagnostics.append(Diagnostic(path, "not fixed: a symlink or a path outside the scanned root"))
        return None
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return _FileText("", exists=False)  # a fix that creates the file
    except OSError as exc:
        diagnostics.append(Diagnostic(path, f"not fixed: cannot read it: {exc.strerror or exc}"))
        return None
    if not stat.S_ISREG(st.st_mode):
        diagnostics.append(Diagnostic(path, "not fixed: not a regular file"))
        return None
    try:
        data = target.read_bytes()
        return _FileText(decode(data, kind_of(target.name, path) or FileKind.README), exists=True)
    except (OSError, SourceError) as exc:
        diagnostics.append(Diagnostic(path, f"not fixed: cannot read it: {getattr(exc, 'strerror', None) or exc}"))
        return None


def _parse_error(path: str, text: str) -> str | None:
    """Why ``text`` would not parse as the file at ``path``, or None."""
    kind = kind_of(path.rsplit("/", 1)[-1], path)
    if kind is FileKind.PYTHON:
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as exc:
            return f"Python syntax error: {getattr(exc, 'msg', exc)}"
        return None
    if kind is None:
        return None
    try:
        artifact = parse_artifact(kind, path, text)
    except SourceError as exc:
        return str(exc)
    problems = artifact.problems()
    return problems[0] if problems else None


def _write_like(target: Path, text: str) -> None:
    """Replace ``target`` atomically with ``text``, in the encoding, byte-order mark and mode it has."""
    encoding, bom, mode = "utf-8", b"", 0o644
    if target.exists():
        data = target.read_bytes()
        mode = stat.S_IMODE(os.stat(target).st_mode)
        if data.startswith(codecs.BOM_UTF8):
            bom = codecs.BOM_UTF8
        else:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:  # a Python file in its declared PEP 263 encoding
                import io
                import tokenize

                encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    payload = bom + text.encode(encoding)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tfa-fix")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
