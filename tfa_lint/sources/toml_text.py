"""TOML loading without executing anything, and line lookup (tomllib gives no positions)."""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from tfa_lint.sources import SourceError

_TABLE_RE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def load(text: str, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{what} is not valid TOML: {exc}") from None


def line_of(text: str, table: str, key: str | None = None) -> int:
    """1-based line of ``key`` inside ``[table]`` (or of the table header); 1 if not found."""
    current = ""
    header_line = 0
    key_re = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TABLE_RE.match(line)
        if match:
            current = match.group(1).replace('"', "").replace("'", "").replace(" ", "")
            if current == table:
                header_line = number
            continue
        if current == table and key_re and key_re.match(line):
            return number
    return header_line or 1


def array_item_line(text: str, table: str, key: str, item: str) -> int:
    """1-based line of the string ``item`` in the array ``key`` of ``[table]``; the key's line
    when the item is not on a line of its own (or not found)."""
    start = line_of(text, table, key)
    quoted = (f'"{item}"', f"'{item}'")
    for number, line in enumerate(text.splitlines()[start - 1:], start=start):
        if number > start and _TABLE_RE.match(line):
            break
        if any(q in line for q in quoted):
            return number
    return start
