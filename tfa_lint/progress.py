"""A one-line progress counter on the terminal, for scans that take more than a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: Nothing is drawn before this many seconds: a fast scan shows no flicker.
DELAY_SECONDS = 1.0
#: At most this many redraws a second.
REDRAW_SECONDS = 0.1


class ProgressLine:
    """Called with (files done, files in all); draws ``tfa-lint: 120/3340 files`` on ``stream``
    with carriage returns, and erases it in :meth:`close`. Draw it only on a terminal."""

    def __init__(self, stream: TextIO = sys.stderr, *, clock=time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if now - self.started < DELAY_SECONDS or done >= total:
            return
        if self.drawn_at is not None and now - self.drawn_at < REDRAW_SECONDS:
            return
        self.drawn_at = now
        self.stream.write(f"\rtfa-lint: {done}/{total} files")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn_at is not None:
            self.stream.write("\r\033[K")
            self.stream.flush()
