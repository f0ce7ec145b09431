"""The log modules on ``ast`` (PrintFacts, LogSinkFacts, LoggingFacts, TFA1104) read what
libcst showed them and ``ast`` does not: string literals as written, grouping parentheses,
indented blocks against one-line suites, ``elif``, arguments in source order. Where libcst can
answer the same question it is asked here too."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest
from conftest import cst_find_all

from tfa_lint.analysis import dispatch
from tfa_lint.model import path_role
from tfa_lint.rule import PythonFile
from tfa_lint.rules.facts.ast_source import call_arguments
from tfa_lint.rules.facts.log_sinks import LogSinkFacts, Source, string_texts
from tfa_lint.rules.facts.logging_setup import LoggingFacts
from tfa_lint.rules.facts.prints import PrintFacts
from tfa_lint.semantic import SemanticModel



def _facts(collector: type, text: str, path: str = "app/main.py") -> list[tuple]:
    text = textwrap.dedent(text).lstrip("\n")
    tree = ast.parse(text)
    file = PythonFile(path=path, text=text, role=path_role(path), tree=tree, semantic=SemanticModel(tree, text))
    visitor = collector(file)
    assert dispatch(tree, [visitor]) == []
    return [(f.kind, f.line, f.column, f.data.fields()) for f in visitor.facts]


@pytest.mark.parametrize("source", [
    '"plain"', "'a' \"b\"", 'r"\\nlock"', 'b"bytes"', 'f"text {x} more"', 'f"{x:>10} {y!r:.{w}f}"',
    'f"{d[\'k\']} {{braces}} {f(\'s\', \'t\')}"', 'f"""multi\nline {x}"""', '"a" f"b{c}" "d"',
    'rf"\\nlock {x}"', 'f"{x=}"', 'f"{a if b else \'c\'}:{x:{\'<\'}10}"', "g('one', k='two')",
    'f"{ {\'k\': 1}[\'k\'] }"', 'f"{x!s:{width}}"',
])
def test_string_texts_are_libcsts_literal_nodes(source: str) -> None:
    expected = [n.value for n in cst_find_all(cst.parse_expression(source), (cst.SimpleString, cst.FormattedStringText))]
    assert string_texts(source) == expected


def test_literal_pieces_see_implicit_concatenation() -> None:
    text = 'a = "x"\nb = "x" "y"\nc = f"{z}" "y"\nd = b"raw"\ne = f"{z}"\nf = ("é"\n     "lock")\n'
    source = Source(SemanticModel(ast.parse(text), text))
    values = [s.value for s in ast.parse(text).body]  # type: ignore[attr-defined]
    assert [source.plain_string(v) for v in values] == ["x", None, None, b"raw", None, None]
    assert [len(source.literal_pieces(v)) for v in values] == [1, 2, 2, 1, 1, 2]
    assert [p[2:] for p in source.literal_pieces(values[-1])] == [(6, 5), (7, 5)]


@pytest.mark.parametrize(("text", "expected"), [
    ("f(x)", "x"),
    ("f((x))", "(x)"),
    ("f(a, ( x ))", "( x )"),
    ("f(k=(x))", "(x)"),
    ("(x).info()", "(x)"),
    ("f(\n    (  # why\n        x\n    ),\n    y,\n)", "(  # why\n        x\n    )"),
    ("f(a, (\n    x  # note\n))", "(\n    x  # note\n)"),
    ("f('#(', (x))", "(x)"),
    ("f((x),)", "(x)"),
    ("f(x)(y)", "x"),
    ("(f)(x)", "x"),
    ("f(\n    x\n)", "x"),
])
def test_code_keeps_grouping_parentheses_as_libcst_did(text: str, expected: str) -> None:
    tree = ast.parse(text)
    semantic = SemanticModel(tree, text)
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "x")
    assert Source(semantic).code(node, semantic.parent(node)) == expected
    module = cst.parse_module(text)
    name = next(n for n in cst_find_all(module, cst.Name) if n.value == "x")
    assert module.code_for_node(name) == expected


def test_blocks_and_elif() -> None:
    text = textwrap.dedent("""
        if a:
            pass
        elif b: pass
        else:
            if c:
                pass
        for x in y: pass
    """).lstrip("\n")
    source = Source(SemanticModel(ast.parse(text), text))
    first, loop = ast.parse(text).body
    assert source.indented(first.body) and not source.indented(first.orelse[0].body)  # type: ignore[attr-defined]
    assert source.is_elif(first.orelse) and not source.is_elif(first.orelse[0].orelse)  # type: ignore[attr-defined]
    assert source.indented(first.orelse[0].orelse) and not source.indented(loop.body)  # type: ignore[attr-defined]


def test_call_arguments_in_source_order() -> None:
    call = ast.parse("f(a, k=1, *rest, **more)").body[0].value  # type: ignore[attr-defined]
    assert [(a.keyword, a.star, ast.unparse(a.value)) for a in call_arguments(call)] == [
        (None, "", "a"), ("k", "", "1"), (None, "*", "rest"), (None, "**", "more")]


def test_prints_in_a_prompts_indented_block_only() -> None:
    facts = _facts(PrintFacts, """
        def handle(x):
            if x:
                print("if")
            elif x > 1:
                answer = input("? ")
                print("elif", answer)


        def other(x):
            for item in x:
                if item: input("one line")
                print("in the block around the one-line prompt")
            print("after the loop")
    """)
    assert [line for _, line, _, _ in facts] == [3, 13]


def test_prints_anywhere_in_a_main_guard_statement_are_a_programs_output() -> None:
    facts = _facts(PrintFacts, """
        from fastapi import FastAPI
        app = FastAPI()
        if __name__ == "__main__":
            print("main")
        else:
            print("imported")
        print("served")
    """)
    assert [(kind, line) for kind, line, _, _ in facts] == [("print-call", 7)]


def test_logging_facts_read_each_literal_of_a_concatenation() -> None:
    facts = _facts(LoggingFacts, """
        A = "Json" "Formatter"
        B = "plain" "JsonFormatter"
        C = f"{x}" "JSONRenderer"
    """)
    assert [(line, column) for _, line, column, _ in facts] == [(2, 13), (3, 12)]


def test_a_file_default_that_is_a_concatenation_lets_the_caller_decide() -> None:
    facts = _facts(LogSinkFacts, """
        import logging
        def setup(a="app.log", b="app" ".log", c=f"{d}.log", e=None):
            logging.FileHandler(a)
            logging.FileHandler(b)
            logging.FileHandler(c)
            logging.FileHandler(e)
            logging.FileHandler(("x.log"))
    """)
    assert [(line, data.get("target")) for _, line, _, data in facts] == [(3, "a"), (5, "c"), (7, '("x.log")')]
