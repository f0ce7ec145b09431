"""Files written whole or not at all: reports, baselines and cache entries.

Atomic replacement is right for regular files only. A report sent to a character device
(``/dev/null``, ``/dev/stdout``) or a FIFO (``-o >(gzip > r.gz)``, a named pipe another process
reads) is written into it in place: replacing it would turn ``/dev/null`` itself into a regular
file when CI runs as root. A directory, a socket or a block device is refused.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def _plain_file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _is_stream(path: Path) -> bool:
    """True for an existing character device or FIFO, written in place; raises for the kinds
    of file a report can never go to; False for a regular file or a path that does not exist."""
    try:
        mode = os.stat(path).st_mode  # follows a symlink: /dev/stdout is one
    except FileNotFoundError:
        return False
    if stat.S_ISREG(mode):
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    kind = "a directory" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode) else \
        "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
    raise OSError(errno.EINVAL, f"it is {kind}; reports go to regular files, character devices or FIFOs",
                  str(path))


def _write_in_place(path: Path, text: str) -> None:
    """Write into a device or FIFO that exists, never creating or truncating anything. A FIFO
    is opened without blocking, so that one nobody reads fails at once instead of hanging."""
    import fcntl  # POSIX only, like devices and FIFOs themselves

    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OSError(exc.errno, "no process is reading this FIFO", str(path)) from None
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)  # the reader sets the pace from here
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def write_atomically(files: list[tuple[Path, str]]) -> None:
    """Write every report, or none: each regular file goes to a temporary file beside its
    target first, and the targets are replaced only once all are on disk, so a reader (or a
    failed run) never sees half a report. Devices and FIFOs are written last, in place.

    An error names the path as the caller gave it, never a temporary file."""
    streams = [(path, text) for path, text in files if _is_stream(path)]
    staged: list[tuple[str, Path]] = []
    mode = _plain_file_mode()
    try:
        for path, text in files:
            if any(path is stream for stream, _ in streams):
                continue
            target = path.resolve()
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            except FileNotFoundError:
                raise OSError(errno.ENOENT, f"its directory {path.parent} does not exist", str(path)) from None
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(path)) from None
            staged.append((tmp, target))
            os.fchmod(fd, mode)  # mkstemp makes 0600; a report is an ordinary file
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        for tmp, target in staged:
            os.replace(tmp, target)
        staged.clear()
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for path, text in streams:
        _write_in_place(path, text)
