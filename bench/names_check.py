"""Compare libcst_names.NameResolver (the oracle the ast semantic model is checked against) with libcst's ScopeProvider on every Python file of a tree.

    python bench/names_check.py PATH [PATH ...]

For every name, attribute, call, subscript, def, class and decorator, the qualified names each
gives must be the same. Prints the first differences and the time each took; exits 1 on any
difference. tests/test_names.py runs the same comparison on the rule examples and example repos.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from libcst_names import _NAMED, NameResolver


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if type(node) in _NAMED:
            self.nodes.append(node)
        return True


def _named_nodes(module: cst.Module) -> list[cst.CSTNode]:
    """The module's own nodes (ScopeProvider's metadata also holds nodes it parsed out of
    string annotations, which no rule sees)."""
    collector = _Collector()
    module.visit(collector)
    return collector.nodes


def differences(module: cst.Module) -> list[str]:
    """Nodes on which the resolver and ScopeProvider disagree, with both answers."""
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    resolver = NameResolver(module)
    found = []
    for node in _named_nodes(module):
        scope = scopes.get(node)
        expected = set(scope.get_qualified_names_for(node)) if scope is not None else set()
        got = resolver.qualified_names(node)
        if got != expected:
            found.append(f"{cst.Module([]).code_for_node(node)[:60]!r}: libcst {sorted(map(str, expected))}"
                         f" resolver {sorted(map(str, got))}")
    return found


def main(paths: list[str]) -> int:
    files = differing = 0
    libcst_time = resolver_time = 0.0
    for root in paths:
        for path in sorted(Path(root).rglob("*.py")):
            try:
                module = cst.parse_module(path.read_bytes())
            except (cst.ParserSyntaxError, RecursionError, OSError, UnicodeDecodeError):
                continue
            files += 1
            start = time.perf_counter()
            MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
            libcst_time += time.perf_counter() - start
            start = time.perf_counter()
            NameResolver(module)
            resolver_time += time.perf_counter() - start
            found = differences(module)
            if found:
                differing += 1
                print(f"{path}: {len(found)} differ", *found[:5], sep="\n  ")
    print(f"{files} files, {differing} differ; ScopeProvider {libcst_time:.2f} s, NameResolver {resolver_time:.2f} s"
          " (build only)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
