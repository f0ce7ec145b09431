"""tfa_lint.semantic.SemanticModel (on ``ast``) answers as bench/libcst_names.py's NameResolver (libcst's
scope analysis, which the rules were written against) does, node by node; and the context it
gives rules."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from conftest import SCOPE_EDGES, python_corpus
from semantic_check import differences

from tfa_lint.semantic import SemanticModel


def test_same_qualified_names_as_the_libcst_resolver(tmp_path: Path) -> None:
    compared = files = 0
    disagreements = []
    pep695 = ("type Alias", "def generic[", "class Box[")  # grammar newer than Python 3.11
    scopes = "\n".join(line for line in SCOPE_EDGES.splitlines() if not line.startswith(pep695)) + "\n"
    # Fields ast keeps out of source order: a conditional expression reads its body first.
    walrus = ('def f(config):\n    x = str(rid) if (rid := config.get("id")) else None\n'
              '    d = {(k := 1): k, **config, "a": (m := 2)}\n    return x, d, m\n')
    corpus = [*python_corpus(tmp_path), ("scopes-3.11.py", cst.parse_module(scopes)),
              ("walrus.py", cst.parse_module(walrus))]
    for label, module in corpus:
        try:
            count, lines = differences(module.code, module)
        except SyntaxError:  # grammar newer than this interpreter's (PEP 695 on 3.11)
            continue
        files += 1
        compared += count
        disagreements += [f"{label}:{line}" for line in lines]
    print(f"{files} files, {compared} nodes compared")
    assert files > 200 and compared > 5000, (files, compared)
    assert disagreements == [], "\n".join(disagreements[:40])


def _names_of(source: str, code: str) -> list[set[str]]:
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    return [set(model.qualified_names(node)) for node in ast.walk(tree)
            if isinstance(node, (ast.Name, ast.Attribute)) and ast.get_source_segment(source, node) == code]


def test_answers_are_the_ones_rules_rely_on() -> None:
    """The comparison above would pass if both answered nothing: pin what they answer."""
    assert _names_of("import os.path as p\np.join('a')\n", "p.join") == [{"os.path.join"}]
    assert _names_of("from os import environ as env\nenv.get('K')\n", "env.get") == [{"os.environ.get"}]
    assert _names_of("def f():\n    import requests\n    requests.get('u')\n", "requests.get") == [{"requests.get"}]
    assert _names_of("print('x')\ndef print(): ...\nprint('y')\n", "print")[0] == {"builtins.print"}
    source = "import os\nclass C:\n    os = 1\n    a = os.sep\n    def m(self):\n        return os.sep\n"
    assert _names_of(source, "os.sep") == [{"C.os.sep"}, {"os.sep"}]
    shadowed = "import os\nclass Settings:\n    def method(self, os=os):\n        return os.getenv('Y')\n"
    assert _names_of(shadowed, "os.getenv") == [{"Settings.method.<locals>.os.getenv"}]
    assert _names_of("from .pkg import mod\nmod.run()\n", "mod.run") == [{".pkg.mod.run"}]


def test_context_of_a_node() -> None:
    source = ("import asyncio\nclass Bot:\n    def reply(self):\n        return 1\n"
              "async def main():\n    await asyncio.sleep(1)\n"
              "if __name__ == '__main__':\n    asyncio.run(main())\nelse:\n    x = 1\n")
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    calls = {ast.get_source_segment(source, n): n for n in ast.walk(tree) if isinstance(n, ast.Call)}
    sleep, run = calls["asyncio.sleep(1)"], calls["asyncio.run(main())"]
    assert model.in_async_function(sleep) and model.enclosing_function(sleep).name == "main"
    assert not model.under_main_guard(sleep) and model.under_main_guard(run)
    assert model.at_module_level(run) and not model.at_module_level(sleep)
    assign = next(n for n in ast.walk(tree) if isinstance(n, ast.Assign))
    assert not model.under_main_guard(assign)  # the else branch
    ret = next(n for n in ast.walk(tree) if isinstance(n, ast.Return))
    assert model.enclosing_class(ret) is None and model.enclosing_function(ret).name == "reply"
    assert model.enclosing_class(model.enclosing_function(ret)).name == "Bot"


@pytest.mark.parametrize(("line", "code", "expected"), [
    ("x = 'ü'; print(x)", "print(x)", 10),
    ("s = '日本語'; f(s)", "f(s)", 12),
    ("\tprint(1)", "print(1)", 2),
])
def test_columns_count_characters_not_bytes(line: str, code: str, expected: int) -> None:
    source = f"def f():\n    pass\nif True:\n{line if line.startswith(chr(9)) else '    ' + line}\n"
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    node = next(n for n in ast.walk(tree) if ast.get_source_segment(source, n) == code)
    assert model.position(node)[1] == expected + (0 if line.startswith("\t") else 4)


#: Line breaks only the parser's: a form feed, \x1c-\x1e, \x85 and \u2028/\u2029 inside a string
#: or a comment end no line for ast (str.splitlines would break there and shift every column).
ODD_BREAKS = ('x = "a\x0cb\u2028c"; print("é", x)\r\n# \x85 \u2029 comment\rif x:\n'
              '    y = f"{x!r:>{len(x)}}" + "\x1c"\n\x0cz = (1 +\n     2)\n')


def test_source_is_get_source_segment_on_every_node() -> None:
    tree = ast.parse(ODD_BREAKS)
    model = SemanticModel(tree, ODD_BREAKS)
    nodes = [n for n in ast.walk(tree) if hasattr(n, "end_col_offset")]
    assert len(nodes) > 20
    for node in nodes:
        assert model.source(node) == (ast.get_source_segment(ODD_BREAKS, node) or ""), ast.dump(node)


def test_columns_after_breaks_the_parser_does_not_count() -> None:
    tree = ast.parse(ODD_BREAKS)
    model = SemanticModel(tree, ODD_BREAKS)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print")
    # Line 1, after a form feed and a \u2028 inside the string: characters, not bytes.
    assert model.position(call)[:2] == (1, 1 + ODD_BREAKS.index("print"))
    binop = next(n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.left, ast.Constant))
    assert model.position(binop) == (5, 7, 6, 7)  # "\x0cz = (1 +": after the form feed


def test_imported_names_only_through_imports() -> None:
    source = ("import requests\nfrom os import environ as env\nget = requests.get\nprint(1)\n"
              "requests.get('u'); env.get('K'); get('v')\n")
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    calls = {ast.get_source_segment(source, n.func): n.func for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert model.imported_names(calls["requests.get"]) == {"requests.get"}
    assert model.imported_names(calls["env.get"]) == {"os.environ.get"}
    assert model.imported_names(calls["get"]) == frozenset() and model.qualified_names(calls["get"]) == {"get"}
    assert model.imported_names(calls["print"]) == frozenset() and model.qualified_names(calls["print"]) == {"builtins.print"}


def test_enclosing_def_counts_decorators_defaults_and_annotations_but_not_lambdas() -> None:
    source = ("@deco(a)\ndef outer(x=b, *, y: c = d) -> e:\n    f = lambda: g\n"
              "    async def inner():\n        return h\n    return i\nj\n")
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    outer = tree.body[0]
    inner = outer.body[1]  # type: ignore[attr-defined]
    names = {n.id: n for n in ast.walk(tree) if isinstance(n, ast.Name)}
    expected = {"deco": outer, "a": outer, "b": outer, "c": outer, "d": outer, "e": outer, "g": outer,
                "h": inner, "i": outer, "j": None}
    for _ in range(2):  # the second round is answered from the memo
        assert {name: model.enclosing_def(node) for name, node in names.items() if name in expected} == expected
    assert model.enclosing_function(names["g"]) is not outer  # the lambda's, as enclosing_function counts
    assert model.enclosing_function(names["a"]) is None  # a decorator runs in the scope around the def


def test_within_any_is_being_below_one_of_them() -> None:
    """Span containment answers as the parent chain does, for every node with a position and
    every choice of ``if`` statements (``elif`` and nested ones included)."""
    source = ("if __name__ == '__main__':\n    f(g(1))\n    if x:\n        h()\n    elif y: k()\n"
              "else:\n    m()\nif a: b(); c()\n@d(e)\ndef fn(p=q()):\n    if r:\n        s()\n")
    tree = ast.parse(source)
    model = SemanticModel(tree, source)
    assert [n.lineno for n in model.ifs] == [1, 3, 5, 8, 11]
    nodes = [n for n in ast.walk(tree) if hasattr(n, "lineno")]
    for chosen in ([], list(model.ifs[:1]), list(model.ifs[1:3]), [model.ifs[3]], [model.ifs[4]], list(model.ifs)):
        for node in nodes:
            expected = node in chosen or any(a in chosen for a in model.ancestors(node))
            assert model.within_any(node, chosen) is expected, (ast.dump(node)[:60], [c.lineno for c in chosen])


def test_bindings_seen_are_those_made_before_the_read() -> None:
    code = (
        "token = 'module'\n"
        "def handler(request, token2=None):\n"
        "    print(token)\n"
        "    c = request.cookies\n"
        "    c = len(c)\n"
        "    print(c, token2)\n"
        "    c = 'later'\n"
    )
    tree = ast.parse(code)
    model = SemanticModel(tree, code)
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    first_token, = (n for n in reads if n.id == "token")
    assert [type(model.parent(b.node)).__name__ for b in model.bindings_seen(first_token)] == ["Assign"]
    assert model.bindings_seen(first_token)[0].node.lineno == 1  # the enclosing scope's
    printed_c = next(n for n in reads if n.id == "c" and n.lineno == 6)
    assert [b.node.lineno for b in model.bindings_seen(printed_c)] == [4, 5]  # not line 7's, made after
    param, = (n for n in reads if n.id == "token2")
    assert isinstance(model.bindings_seen(param)[-1].node, ast.arg)
    stored = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    assert model.bindings_seen(stored) == []
