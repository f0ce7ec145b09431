"""The map over files: cached results first, the rest in a process pool.

Results come back in discovery order whatever the pool's order of completion, so a run
with ``jobs=2`` reports exactly what a run with ``jobs=1`` does (tests/test_parallel.py).
The parent reads each file once to hash it and drops the bytes; a worker reads the file
again when the cache misses, so memory grows with the largest file, not with the repository.

No file can stop the scan. Each file has a time budget (``file_timeout``): a worker that
overruns it stops that file with an alarm. A worker that dies (a crash in native code, the
out-of-memory killer) or ignores the alarm past a grace period breaks or is killed with its
pool; the files it had in hand are then run again one by one, each in a process of its own,
so the one to blame gets the diagnostic and the others their results.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from tfa_lint.analysis import FileResult, analyze_file
from tfa_lint.cache import ResultCache, content_digest, decode_result, encode_result
from tfa_lint.discover import SourceFile, read_listed
from tfa_lint.model import FileKind
from tfa_lint.rule import RuleSet

#: Called with (files done, files in all) as results arrive.
Progress = Callable[[int, int], None]
#: Fewer files than this are not worth starting processes for.
MIN_FILES_FOR_POOL = 8
#: Seconds one file may take by default ([tool.tfa-lint] file-timeout).
DEFAULT_FILE_TIMEOUT = 60.0
#: How long past its budget a file may keep a worker (stuck where the alarm cannot reach)
#: before a watchdog ends the worker.
GRACE_SECONDS = 30.0
#: Small files travel to the workers in batches of about this many bytes: one round trip
#: per file made 100,000 empty files a matter of minutes.
BATCH_BYTES = 64 * 1024
BATCH_FILES = 64

Item = tuple[int, SourceFile]
Done = tuple[int, FileResult, str | None]

_worker_rules: RuleSet | None = None
_worker_budget = DEFAULT_FILE_TIMEOUT


class _OverBudget(BaseException):
    """Raised by the alarm inside a file's analysis; a BaseException so that no rule's
    ``except Exception`` can take it for its own error."""


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def analyze_files(files: list[SourceFile], rules: RuleSet, *, jobs: int = 1, cache: ResultCache | None = None,
                  progress: Progress | None = None, file_timeout: float = DEFAULT_FILE_TIMEOUT
                  ) -> list[FileResult]:
    results: list[FileResult | None] = [None] * len(files)
    pending: list[Item] = []
    done = 0
    for index, sf in enumerate(files):
        result = _from_cache(sf, cache) if cache is not None and sf.kind is FileKind.PYTHON else None
        if result is None and not sf.kind.read:
            result = FileResult(sf.rel, sf.kind, size=sf.size)
        if result is None:
            pending.append((index, sf))
        else:
            results[index] = result
            done += 1
    if progress is not None:
        progress(done, len(files))

    for index, result, digest in _run(pending, rules, jobs, file_timeout):
        results[index] = result
        if cache is not None and digest is not None and result.kind is FileKind.PYTHON:
            cache.put(cache.key(result.path, result.kind, digest),
                      encode_result(result.findings, result.facts, result.suppressions, result.diagnostics))
        done += 1
        if progress is not None:
            progress(done, len(files))
    return [r for r in results if r is not None]


def _from_cache(sf: SourceFile, cache: ResultCache) -> FileResult | None:
    try:
        data = read_listed(sf.path, sf.size)
    except OSError:
        return None  # the worker reads it again and reports why it cannot
    payload = cache.get(cache.key(sf.rel, sf.kind, content_digest(data)))
    if payload is None:
        return None
    try:
        findings, facts, suppressions, diagnostics = decode_result(sf.rel, payload)
    except ValueError:
        return None
    return FileResult(sf.rel, sf.kind, findings=findings, facts=facts, suppressions=suppressions,
                      diagnostics=diagnostics, size=sf.size)


def _run(pending: list[Item], rules: RuleSet, jobs: int, budget: float) -> Iterator[Done]:
    if jobs <= 1 or len(pending) < MIN_FILES_FOR_POOL:
        for index, sf in pending:
            yield (index, *_analyze(sf, rules, budget))
        return
    # Largest first: the long files start early instead of finishing last on one core.
    order = sorted(pending, key=lambda item: -item[1].size)
    queue = deque(_batches(order))
    while queue:
        suspects = yield from _until_broken(queue, rules, jobs, budget)
        if all(len(batch) == 1 for batch in suspects):
            for [(index, sf)] in suspects:  # at most one per worker: each alone, to find the culprit
                yield (index, *_alone(sf, rules, budget))
        else:  # back to the front of the queue one file per task, to narrow the suspects down
            queue.extendleft([item] for batch in reversed(suspects) for item in reversed(batch))


def _batches(order: list[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    size = 0
    for item in order:
        batch.append(item)
        size += item[1].size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _context() -> multiprocessing.context.BaseContext:
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def _until_broken(queue: deque[list[Item]], rules: RuleSet, jobs: int, budget: float):
    """Run batches from ``queue`` in one pool, yielding results, until the queue is empty
    (returns ``[]``) or a worker dies or overruns (returns the batches it had in flight)."""
    executor = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_init_worker, initargs=(rules, budget))
    running: dict[Future, tuple[list[Item], float]] = {}
    try:
        while queue or running:
            while queue and len(running) < 2 * jobs:  # one waiting per worker: no idle round trip
                batch = queue.popleft()
                running[executor.submit(_analyze_batch, batch)] = (batch, time.monotonic())
            finished, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                batch, _ = running.pop(future)
                try:
                    yield from future.result()
                except BrokenProcessPool:
                    return [batch, *(b for b, _ in running.values())]
            now = time.monotonic()
            if any(now - started > budget * len(batch) + GRACE_SECONDS for batch, started in running.values()):
                return [b for b, _ in running.values()]
        return []
    finally:
        _stop(executor)


def _stop(executor: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting for a worker that may never answer."""
    processes = dict(getattr(executor, "_processes", None) or {})  # no public way before 3.14
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes.values():
        if process.is_alive():
            process.kill()
    for process in processes.values():
        process.join(timeout=5)


def _alone(sf: SourceFile, rules: RuleSet, budget: float) -> tuple[FileResult, str | None]:
    """One file in a process of its own: it, and nothing else, answers for a crash."""
    executor = ProcessPoolExecutor(1, mp_context=_context(), initializer=_init_worker, initargs=(rules, budget))
    start = time.monotonic()
    try:
        future = executor.submit(_analyze_batch, [(0, sf)])
        try:
            [(_, result, digest)] = future.result(timeout=budget + 2 * GRACE_SECONDS)
            return result, digest
        except (BrokenProcessPool, TimeoutError) as exc:
            # A pool broken this late was ended by the watchdog: the file did not stop.
            overran = isinstance(exc, TimeoutError) or time.monotonic() - start >= budget + GRACE_SECONDS
    finally:
        _stop(executor)
    why = (f"analysis took over {budget:g} s and did not stop: skipped" if overran
           else "the analysis process died on it (a crash in native code, or out of memory): skipped")
    return FileResult.skipped(sf.rel, sf.kind, why), None


def _init_worker(rules: RuleSet, budget: float) -> None:
    global _worker_rules, _worker_budget
    _worker_rules, _worker_budget = rules, budget
    # Ctrl-C reaches the whole process group: the parent ends the scan and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _analyze_batch(batch: list[Item]) -> list[Done]:
    assert _worker_rules is not None
    done = []
    with open(os.devnull, "w") as nowhere:
        for index, sf in batch:
            # A watchdog in C, which needs no GIL: a file stuck where the alarm cannot reach
            # (native code, blocked signals) ends this worker, and the parent finds which file.
            faulthandler.dump_traceback_later(_worker_budget + GRACE_SECONDS, exit=True, file=nowhere)
            try:
                done.append((index, *_analyze(sf, _worker_rules, _worker_budget)))
            finally:
                faulthandler.cancel_dump_traceback_later()
    return done


def _analyze(sf: SourceFile, rules: RuleSet, budget: float) -> tuple[FileResult, str | None]:
    """The file's result and the digest of the bytes it was computed from (a file of a kind
    that is never read does not get here: ``analyze_files`` lists it as it is). A result cut
    short by the budget has no digest, so it is never cached."""
    try:
        data = read_listed(sf.path, sf.size)
    except OSError as exc:
        return FileResult.skipped(sf.rel, sf.kind, f"could not be read: {exc.strerror or exc}"), None
    try:
        with _time_limit(budget):
            result = analyze_file(sf.rel, sf.kind, data, rules)
    except _OverBudget:
        return FileResult.skipped(sf.rel, sf.kind, f"analysis took over {budget:g} s: skipped"), None
    result.size = sf.size
    return result, content_digest(data)


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_OverBudget` in this thread after ``seconds`` (POSIX main thread only;
    elsewhere, only a pool's grace period bounds a file)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
