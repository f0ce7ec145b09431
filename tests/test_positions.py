"""FastPositionProvider must give exactly PositionProvider's spans, node by node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tfa_lint.positions import FastPositionProvider, pack, unpack

ROOT = Path(__file__).resolve().parent.parent
TRICKY = {
    "decorators and comments": "@a\n@b(1)\n# c\ndef f(x, /, *a, k=1, **kw) -> int:\n    return x  # r\n",
    "crlf and continuation": "x = (1 +\r\n     2)\r\ny = 3 \\\r\n    + 4\r\n",
    "multi-line strings": 's = """a\nb\n"""\nt = f"{s!r:>{10}}"\nu = b"\\n"\n',
    "classes and async": "class A(B, metaclass=M):\n    async def f(self):\n        async with a as b:\n"
                         "            await b\n        return [i async for i in b]\n",
    "semicolons and tabs": "if x:\n\ta = 1; b = 2\nelse:\n\tpass\n",
    "match and walrus": "match p:\n    case {'k': [1, *r]} if (n := len(r)):\n        pass\n",
    "no trailing newline": "x = 1",
    "empty": "",
}


def _spans(module: cst.Module) -> tuple[dict, dict]:
    libcst_spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    fast_spans = MetadataWrapper(module, unsafe_skip_copy=True).resolve(FastPositionProvider)
    expected = {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in libcst_spans.items()}
    return expected, {node: unpack(span) for node, span in fast_spans.items()}


@pytest.mark.parametrize("code", TRICKY.values(), ids=TRICKY.keys())
def test_same_spans_on_tricky_code(code: str) -> None:
    expected, fast = _spans(cst.parse_module(code))
    assert fast == expected


@pytest.mark.parametrize("span", [(1, 0, 1, 0), (3, 4, 250, 17), (1, 5_000_000, 2 ** 31, 2 ** 32 - 1)])
def test_a_packed_span_unpacks_to_itself(span: tuple[int, int, int, int]) -> None:
    assert unpack(pack(*span)) == span


def test_same_spans_on_the_project_and_its_examples() -> None:
    files = sorted([*(ROOT / "tfa_lint").rglob("*.py"), *(ROOT / "rules").glob("*.py"),
                    *(ROOT / "examples").rglob("*.py")])
    assert len(files) > 40
    nodes = 0
    for path in files:
        expected, fast = _spans(cst.parse_module(path.read_text(encoding="utf-8")))
        assert fast == expected, path
        nodes += len(expected)
    assert nodes > 10_000
