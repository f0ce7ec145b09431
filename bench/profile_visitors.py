"""Where the time of the Python traversal goes: parse, each metadata provider, each visitor.

    python bench/profile_visitors.py PATH [--limit N]

Parses every Python file under PATH once, then times, over all files: each metadata provider
resolved alone, the qualified-name resolver, an empty traversal, and each rule or fact collector visiting alone (with its
metadata already resolved, so its figure is its own cost plus one traversal). Outside the test
suite: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from tfa_lint import fastvisit
from tfa_lint.config import DEFAULT_EXCLUDE
from tfa_lint.discover import discover
from tfa_lint.model import FileKind, path_role
from tfa_lint.rule import PythonFile, RuleSet, load_rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="at most N files (0: all)")
    args = parser.parse_args()
    fastvisit.install()  # as a scan traverses

    files, _ = discover([args.path], args.path, exclude=list(DEFAULT_EXCLUDE))
    sources = [sf for sf in files if sf.kind is FileKind.PYTHON]
    if args.limit:
        sources = sources[: args.limit]
    rules = RuleSet.of(load_rules().values())
    visitor_classes = [*rules.python, *rules.collectors]
    providers = sorted({p for v in visitor_classes for p in v.METADATA_DEPENDENCIES}, key=lambda p: p.__name__)

    cost: dict[str, float] = defaultdict(float)
    parsed = 0
    for sf in sources:
        text = sf.path.read_bytes().decode("utf-8", "replace")
        start = time.perf_counter()
        try:
            module = cst.parse_module(text)
        except Exception:
            continue
        cost["parse"] += time.perf_counter() - start
        parsed += 1
        for provider in providers:
            start = time.perf_counter()
            MetadataWrapper(module, unsafe_skip_copy=True).resolve(provider)
            cost[f"provider {provider.__name__}"] += time.perf_counter() - start
        file = PythonFile(path=sf.rel, text=text, role=path_role(sf.rel), module=module)
        start = time.perf_counter()
        file.names  # noqa: B018 -- built here so that no visitor's figure includes it
        cost["qualified names (tfa_lint.names)"] += time.perf_counter() - start
        start = time.perf_counter()
        module.visit(cst.CSTVisitor())
        cost["empty traversal"] += time.perf_counter() - start
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        wrapper.resolve_many(providers)
        for cls in visitor_classes:
            visitor = cls(file)
            start = time.perf_counter()
            try:
                wrapper.visit_batched([visitor])
            except Exception:
                pass
            name = getattr(cls, "id", None) or getattr(cls, "name", cls.__name__)
            cost[f"visitor {name}"] += time.perf_counter() - start

    print(f"{parsed} Python files parsed of {len(sources)}")
    for name, seconds in sorted(cost.items(), key=lambda kv: -kv[1]):
        print(f"{seconds:9.2f} s  {name}")


if __name__ == "__main__":
    main()
