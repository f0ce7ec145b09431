"""The secrets planted in the bad example repo, read from its files."""

from __future__ import annotations

import re
from pathlib import Path

PLANTED = re.compile(
    r"sk-proj-[A-Za-z0-9]{20,}|(?<=:)[A-Za-z0-9]{12,}(?=@)|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|(?<==)[A-Za-z0-9]{16,}$", re.MULTILINE)


def planted_secrets(root: Path) -> set[str]:
    found: set[str] = set()
    for path in root.rglob("*"):
        if path.is_file():
            found.update(PLANTED.findall(path.read_text()))
    return found
