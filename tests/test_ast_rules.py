"""Rules on ``ast``: one shared walk per file over one semantic model, character columns, a
broken rule isolated, nesting the parser accepts never exhausting the stack."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from typing import ClassVar

from tfa_lint.analysis import analyze_file, dispatch
from tfa_lint.model import FileKind, Severity
from tfa_lint.rule import AstCollector, AstRule, Example, FactData, RuleSet


class BlockingPrintInAsync(AstRule):
    """Reports ``print()`` (the builtin, however reached) inside an ``async def``."""

    id = "TFA1196"
    name = "print-in-async"
    factor = 11
    severity = Severity.WARNING
    title = "print() in a coroutine"
    what = why = fix = "Test only."
    invalid = (Example.of("async def f():\n    print(1)\n"),)
    valid = (Example.of("def f():\n    print(1)\n"),)

    def visit_Call(self, node: ast.Call) -> None:
        if self.semantic.in_async_function(node) and "builtins.print" in self.qualified_names(node):
            self.report(node, f"print() in {self.semantic.enclosing_function(node).name}()")


@dataclass(frozen=True)
class EnterFact(FactData):
    kind = "test-enter"
    name: str


@dataclass(frozen=True)
class LeaveFact(FactData):
    kind = "test-leave"
    name: str


class Enters(AstCollector):
    """Records each function's name on the way in and out, to pin the walk's order."""

    name: ClassVar[str] = "enters"
    records = (EnterFact, LeaveFact)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.record(EnterFact(name=node.name), node)

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.record(LeaveFact(name=node.name), node)


class CrashesOnLambda(AstRule):
    id = "TFA1197"
    name = "crashes-on-lambda"
    factor = 11
    severity = Severity.NOTE
    title = "A rule that crashes"
    what = why = fix = "Test only."
    invalid = (Example.of("f = lambda: 1\n"),)
    valid = (Example.of("x = 1\n"),)
    collectors = (Enters,)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        raise ValueError("boom")


def _analyze(text: str, *rules) -> object:
    return analyze_file("app.py", FileKind.PYTHON, text.encode("utf-8"), RuleSet.of(rules))


def test_a_rule_asks_the_semantic_model_and_reports_character_columns() -> None:
    text = "from builtins import print as say\nasync def main():\n    x = 'ü'; say(x)\ndef sync():\n    print(2)\n"
    result = _analyze(text, BlockingPrintInAsync)
    assert [(f.rule, f.line, f.column, f.end_column, f.message) for f in result.findings] == [
        ("TFA1196", 3, 14, 20, "print() in main()")]
    assert result.diagnostics == []


def test_a_broken_rule_is_dropped_and_named_while_the_others_report() -> None:
    text = "def outer():\n    def inner():\n        return lambda: 1\n    return inner\n"
    result = _analyze(text, CrashesOnLambda, BlockingPrintInAsync)
    assert [d.message for d in result.diagnostics] == ["internal error in TFA1197: ValueError: boom"]
    assert [(f.kind, f.data.name) for f in result.facts] == [
        ("test-enter", "outer"), ("test-enter", "inner"), ("test-leave", "inner"), ("test-leave", "outer")]


def test_the_walk_survives_any_depth_the_parser_accepts() -> None:
    deep = "async def f():\n    x = " + "+".join(["a"] * 2500) + "\n    print(x)\n"
    result = _analyze(deep, BlockingPrintInAsync)
    assert result.diagnostics == [] and [f.line for f in result.findings] == [3]


def test_dispatch_calls_hooks_in_tree_order() -> None:
    seen: list[str] = []

    class Order:
        def visit_Name(self, node: ast.Name) -> None:
            seen.append(node.id)

        def leave_Call(self, node: ast.Call) -> None:
            seen.append(")")

    assert dispatch(ast.parse("f(a, g(b), c)\nd\n"), [Order()]) == []
    assert seen == ["f", "a", "g", "b", ")", "c", ")", "d"]


def _every_hook(seen: list) -> object:
    """A visitor with a visit_ and leave_ hook for every ast class, recording each call."""
    names = {cls.__name__ for cls in _ast_classes()}
    hooks = {f"{kind}_{name}": (lambda kind: lambda self, node: seen.append((kind, node)))(kind)
             for name in names for kind in ("visit", "leave")}
    return type("EveryHook", (), hooks)()


def _ast_classes() -> list[type]:
    found, todo = [], [ast.AST]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _reference_walk(node: ast.AST, out: list) -> None:
    out.append(("visit", node))
    for child in ast.iter_child_nodes(node):
        _reference_walk(child, out)
    out.append(("leave", node))


def test_dispatch_meets_every_node_as_iter_child_nodes_orders_them() -> None:
    """With a hook on every class, the walk is the recursive one over ``ast.iter_child_nodes``,
    call for call; with none on the singletons (``Load``, ``Add`` …) it is that walk without
    them, which it skips for speed."""
    source = ("@d(x)\nasync def f(a: int = 1, *b, c, **k) -> T:\n    x += -a if b and c else not k\n"
              "    return [y async for y in z if y < 2 <= q] or {1: {*s}, **t}\n"
              "class C(B, m=M):\n    v: int = f'{a!r:>{w}}'\n    del v[0], w.x\n"
              "match p:\n    case [1, *r] | {'k': _, **kw} if r: pass\n"
              "try:\n    import a.b as c\nexcept* E as e:\n    raise X from e\nfinally:\n    lambda q=1: (yield)\n")
    tree = ast.parse(source)
    expected: list = []
    _reference_walk(tree, expected)
    seen: list = []
    assert dispatch(tree, [_every_hook(seen)]) == []
    assert seen == expected

    leaf = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    seen_names: list = []

    class AllButSingletons:
        pass

    for cls in _ast_classes():
        if not issubclass(cls, leaf):
            setattr(AllButSingletons, f"visit_{cls.__name__}", lambda self, node: seen_names.append(node))
    assert dispatch(tree, [AllButSingletons()]) == []
    assert seen_names == [node for kind, node in expected if kind == "visit" and not isinstance(node, leaf)]


def test_a_syntax_error_is_a_diagnostic() -> None:
    result = _analyze("def f(:\n", BlockingPrintInAsync)
    assert [d.message for d in result.diagnostics] == [f"Python {sys.version_info.major}.{sys.version_info.minor} syntax error at line 1: only text checks ran"]


def test_parsing_a_scanned_file_prints_no_warning_of_its_own() -> None:
    """An invalid escape (``"\\d"``) makes ast.parse warn, on stderr from Python 3.12: the
    scanned code's problem, never ours to print, once per file."""
    import warnings

    from tfa_lint.sources.python import parse_tree

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse_tree('import re\nPATTERN = re.compile("\\d+")\nx = "\\w" is "a"\n')
    assert caught == []
