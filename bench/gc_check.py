"""What Python's cyclic garbage collector costs a scan: every file of a tree analysed in one
process, serially, under one GC policy.

    python bench/gc_check.py PATH {default,freeze,threshold,perfile,disable}

``freeze`` moves everything alive after start-up out of the collector's sight (``gc.freeze``);
``threshold`` also raises the first generation's threshold to 100,000; ``perfile`` disables the
collector while each file is analysed; ``disable`` turns it off for the whole run. Prints the
seconds, the peak resident memory and the collector's counts. Run each policy in its own process.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from pathlib import Path

from tfa_lint.analysis import analyze_file
from tfa_lint.config import DEFAULT_EXCLUDE
from tfa_lint.discover import discover
from tfa_lint.rule import RuleSet, load_rules


def main(root: Path, policy: str) -> None:
    files, _ = discover([root], root, exclude=list(DEFAULT_EXCLUDE))
    rules = RuleSet.of(load_rules().values())
    data = [(sf.rel, sf.kind, sf.path.read_bytes()) for sf in files]
    if policy in ("freeze", "threshold"):
        gc.freeze()
    if policy == "threshold":
        gc.set_threshold(100_000, 50, 100)
    if policy == "disable":
        gc.disable()
    start = time.perf_counter()
    for rel, kind, content in data:
        if policy == "perfile":
            gc.disable()
        analyze_file(rel, kind, content, rules)
        if policy == "perfile":
            gc.enable()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{policy}: {seconds:.2f} s, peak {peak} MB, gc counts {gc.get_count()}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "default")
