"""The map over files: cached results first, the rest in a process pool.

Results come back in discovery order whatever the pool's order of completion, so a run
with ``jobs=2`` reports exactly what a run with ``jobs=1`` does (tests/test_parallel.py).
The parent reads each file once to hash it and drops the bytes; a worker reads the file
again when the cache misses, so memory grows with the largest file, not with the repository.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from tfa_lint.analysis import FileResult, analyze_file
from tfa_lint.cache import ResultCache, content_digest, decode_result, encode_result
from tfa_lint.discover import SourceFile
from tfa_lint.model import Diagnostic, FileKind
from tfa_lint.rule import RuleSet

#: Called with (files done, files in all) as results arrive.
Progress = Callable[[int, int], None]
#: Fewer files than this are not worth starting processes for.
MIN_FILES_FOR_POOL = 8

_worker_rules: RuleSet | None = None


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def analyze_files(files: list[SourceFile], rules: RuleSet, *, jobs: int = 1, cache: ResultCache | None = None,
                  progress: Progress | None = None) -> list[FileResult]:
    results: list[FileResult | None] = [None] * len(files)
    pending: list[tuple[int, SourceFile]] = []
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

    for index, result, digest in _run(pending, rules, jobs):
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
        data = sf.path.read_bytes()
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


def _run(pending: list[tuple[int, SourceFile]], rules: RuleSet, jobs: int):
    if jobs <= 1 or len(pending) < MIN_FILES_FOR_POOL:
        for index, sf in pending:
            yield (index, *_analyze(sf, rules))
        return
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    # Largest first: the long files start early instead of finishing last on one core.
    order = sorted(pending, key=lambda item: -item[1].size)
    with context.Pool(min(jobs, len(pending)), initializer=_init_worker, initargs=(rules,)) as pool:
        yield from pool.imap_unordered(_analyze_in_worker, order, chunksize=1)


def _init_worker(rules: RuleSet) -> None:
    global _worker_rules
    _worker_rules = rules
    # Ctrl-C reaches the whole process group: the parent ends the scan and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _analyze_in_worker(item: tuple[int, SourceFile]) -> tuple[int, FileResult, str | None]:
    index, sf = item
    assert _worker_rules is not None
    return (index, *_analyze(sf, _worker_rules))


def _analyze(sf: SourceFile, rules: RuleSet) -> tuple[FileResult, str | None]:
    """The file's result and the digest of the bytes it was computed from (a file of a kind
    that is never read does not get here: ``analyze_files`` lists it as it is)."""
    try:
        data = Path(sf.path).read_bytes()
    except OSError as exc:
        result = FileResult(sf.rel, sf.kind, checked=False)
        result.diagnostics.append(Diagnostic(sf.rel, f"could not be read: {exc.strerror or exc}"))
        return result, None
    result = analyze_file(sf.rel, sf.kind, data, rules)
    result.size = sf.size
    return result, content_digest(data)
