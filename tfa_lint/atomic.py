"""Files written whole or not at all: reports, baselines and cache entries."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _plain_file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(files: list[tuple[Path, str]]) -> None:
    """Write every report, or none: each goes to a temporary file beside its target first, and
    the targets are replaced only once all are on disk, so a reader (or a failed run) never
    sees half a report."""
    staged: list[tuple[str, Path]] = []
    mode = _plain_file_mode()
    try:
        for path, text in files:
            path = path.resolve()
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            staged.append((tmp, path))
            os.fchmod(fd, mode)  # mkstemp makes 0600; a report is an ordinary file
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
