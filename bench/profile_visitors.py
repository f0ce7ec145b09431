"""Where the time of the Python analysis goes: parse, semantic model, walk, each visitor.

    python bench/profile_visitors.py PATH [--limit N]

Parses every Python file under PATH once with ``ast``, then times, over all files: building
the semantic model, resolving every name in it, the shared walk with no visitor, and each rule
or fact collector walked alone (its figure is its own cost plus one walk). Outside the test suite: figures depend on the
machine.
"""

from __future__ import annotations

import argparse
import ast
import time
from collections import defaultdict
from pathlib import Path

from tfa_lint.analysis import dispatch
from tfa_lint.config import DEFAULT_EXCLUDE
from tfa_lint.discover import discover
from tfa_lint.model import FileKind, path_role
from tfa_lint.rule import PythonFile, RuleSet, load_rules
from tfa_lint.semantic import SemanticModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="at most N files (0: all)")
    args = parser.parse_args()

    files, _ = discover([args.path], args.path, exclude=list(DEFAULT_EXCLUDE))
    sources = [sf for sf in files if sf.kind is FileKind.PYTHON]
    if args.limit:
        sources = sources[: args.limit]
    rules = RuleSet.of(load_rules().values())
    visitor_classes = [*rules.python, *rules.collectors]

    cost: dict[str, float] = defaultdict(float)
    parsed = 0
    for sf in sources:
        text = sf.path.read_bytes().decode("utf-8", "replace")
        start = time.perf_counter()
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        cost["parse (ast)"] += time.perf_counter() - start
        parsed += 1
        start = time.perf_counter()
        semantic = SemanticModel(tree, text)
        cost["semantic model"] += time.perf_counter() - start
        # Names are resolved on first question and kept: resolve them all here, so that the
        # first visitor to ask does not carry the cost for the others.
        start = time.perf_counter()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
                semantic.qualified_names(node)
                semantic.imported_names(node)
        cost["every name resolved (more than rules ask)"] += time.perf_counter() - start
        start = time.perf_counter()
        dispatch(tree, [])
        cost["walk, no visitor"] += time.perf_counter() - start
        file = PythonFile(path=sf.rel, text=text, role=path_role(sf.rel), tree=tree, semantic=semantic)
        for cls in visitor_classes:
            start = time.perf_counter()
            dispatch(tree, [cls(file)])
            name = getattr(cls, "id", None) or getattr(cls, "name", cls.__name__)
            cost[f"visitor {name}"] += time.perf_counter() - start

    print(f"{parsed} Python files parsed of {len(sources)}")
    for name, seconds in sorted(cost.items(), key=lambda kv: -kv[1]):
        print(f"{seconds:9.2f} s  {name}")


if __name__ == "__main__":
    main()
