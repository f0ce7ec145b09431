"""Compare tfa_lint.semantic.SemanticModel (ast) with bench/libcst_names.py's NameResolver (libcst) on
every Python file of a tree.

    python bench/semantic_check.py PATH [PATH ...]

For every name, attribute, call and subscript found at the same place in both trees, the
qualified names must be the same. Prints the differences (at most 40), how many nodes were
compared, and the time each side took; exits 1 on any difference. tests/test_semantic.py runs
the same comparison on the rule examples, the example repos and a generated repo.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from libcst_names import NameResolver
from tfa_lint.semantic import SemanticModel

#: The node types both trees have.
_PAIRS = {cst.Name: ast.Name, cst.Attribute: ast.Attribute, cst.Call: ast.Call, cst.Subscript: ast.Subscript}
Key = tuple[type, int, int, int, int]


def cst_answers(module: cst.Module) -> dict[Key, frozenset[str]]:
    """(ast type, start line, start column, end line, end column) -> qualified names of every
    name, attribute, call and subscript of the libcst tree; 0-based character columns."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    resolver = NameResolver(wrapper.module)
    answers = {}
    for node, where in positions.items():
        kind = _PAIRS.get(type(node))
        if kind is not None:
            answers[(kind, where.start.line, where.start.column, where.end.line, where.end.column)] = resolver.names(node)
    return answers


def ast_answers(text: str) -> dict[Key, frozenset[str]]:
    """The same for the ast tree; raises SyntaxError where ast cannot parse the text."""
    tree = ast.parse(text)
    model = SemanticModel(tree, text)
    answers = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
            line, column, end_line, end_column = model.position(node)
            answers[(type(node), line, column - 1, end_line, end_column - 1)] = model.qualified_names(node)
    return answers


def differences(text: str, module: cst.Module | None = None) -> tuple[int, list[str]]:
    """(nodes compared, one line per disagreement). Nodes libcst places elsewhere (a
    parenthesised expression's span includes its parentheses there) are not compared."""
    ours = ast_answers(text)
    theirs = cst_answers(module if module is not None else cst.parse_module(text))
    compared, lines = 0, []
    for key, answer in ours.items():
        if key in theirs:
            compared += 1
            if theirs[key] != answer:
                lines.append(f"{key[1]}:{key[2]} {key[0].__name__}: libcst {sorted(theirs[key])}, ast {sorted(answer)}")
    return compared, lines


def main(paths: list[str]) -> int:
    files = compared = 0
    problems: list[str] = []
    ast_seconds = cst_seconds = 0.0
    for root in paths:
        for path in [Path(root)] if Path(root).is_file() else sorted(Path(root).rglob("*.py")):
            try:
                text = path.read_text("utf-8")
                start = time.perf_counter()
                SemanticModel(ast.parse(text), text)
                middle = time.perf_counter()
                NameResolver(cst.parse_module(text))
                ast_seconds += middle - start
                cst_seconds += time.perf_counter() - middle
                count, lines = differences(text)
            except (SyntaxError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError, OSError):
                continue
            files += 1
            compared += count
            problems += [f"{path}:{line}" for line in lines]
    for line in problems[:40]:
        print(line)
    print(f"{files} files, {compared} nodes compared, {len(problems)} differences; "
          f"ast parse + model {ast_seconds:.1f} s, libcst parse + resolver {cst_seconds:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["."]))
