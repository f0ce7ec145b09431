"""What several process rules share: the base of the rules that leave console programs alone, and
the few ``ast`` answers that must match what the rules read from libcst's nodes before."""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize

from tfa_lint.rule import AstRule

from ..facts.processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    SELF_HANDLING_METHODS,
    SELF_HANDLING_RUNS,
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@functools.lru_cache(maxsize=4)
def _lines(text: str) -> list[str]:
    """The file's lines as the tokenizer counts them (at \\r\\n, \\r and \\n only), ends kept."""
    return _LINE_RE.findall(text)


def source_segment(text: str, node: ast.AST) -> str | None:
    """``ast.get_source_segment``, without splitting the whole file again on every call (it did,
    and that was most of these rules' time)."""
    end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
    if end_line is None or end_col is None or not hasattr(node, "lineno"):
        return None
    lines = _lines(text)
    line, col = node.lineno - 1, node.col_offset  # type: ignore[attr-defined]
    if end_line - 1 == line:
        return lines[line].encode()[col:end_col].decode()
    first = lines[line].encode()[col:].decode()
    last = lines[end_line - 1].encode()[:end_col].decode()
    return "".join([first, *lines[line + 1:end_line - 1], last])


def is_single_literal(node: ast.AST, text: str) -> bool:
    """One string token, as libcst's ``SimpleString`` or ``FormattedString``: ast joins an implicit
    concatenation (``"a" "b"``, libcst's ``ConcatenatedString``) into one node. A node the rule made
    itself (a library's default path) has no position and counts as one."""
    segment = source_segment(text, node)
    if segment is None:
        return True
    count = depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(f"({segment})").readline):
            if token.type == _FSTRING_START:
                count += depth == 0
                depth += 1
            elif token.type == _FSTRING_END:
                depth -= 1
            elif token.type == tokenize.STRING and depth == 0:
                count += 1
    except (tokenize.TokenError, SyntaxError):
        return True
    return count == 1


def fstring_text(node: ast.JoinedStr, text: str) -> str:
    """An f-string's literal parts as written (libcst's ``FormattedStringText``: escapes and
    ``{{`` left as they are) with ``{}`` for each replacement field."""
    segment = source_segment(text, node) or ""
    body = segment[len(re.match(r"[rRbBfFuU]*", segment).group()):]  # type: ignore[union-attr]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    body = body[len(quote):len(body) - len(quote)]
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i:i + 2] in ("{{", "}}"):
            out.append(body[i:i + 2])
            i += 2
        elif body[i] == "{":
            depth, i = 1, i + 1
            while i < len(body) and depth:
                char = body[i]
                if char in "{[(":
                    depth += 1
                elif char in "}])":
                    depth -= 1
                elif char in "'\"":  # a string inside the expression
                    end = body.find(char, i + 1)
                    i = end if end != -1 else len(body)
                i += 1
            out.append("{}")
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def is_main_guard(test: ast.expr, text: str) -> bool:
    """``__name__`` compared with the string ``"__main__"``, whatever the operator (as the libcst
    helper these rules used read it: ``!=`` counts too)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))
               and is_single_literal(s, text)]
    return names == ["__name__"] and strings == ["__main__"]


def is_service_loop_test(test: ast.expr) -> bool:
    """``while True``/``while 1`` or a flag (``while running``, ``while not self.stop``)."""
    if isinstance(test, ast.Constant):
        if test.value is True:
            return True
        # ``1`` as written: libcst's Integer compared its text, so ``0x1`` is no service loop.
        return (type(test.value) is int and test.value == 1 and test.lineno == test.end_lineno
                and test.end_col_offset - test.col_offset == 1)  # type: ignore[operator]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, (ast.Name, ast.Attribute)):
        name = test.id if isinstance(test, ast.Name) else test.attr
        return bool(re.search(r"(?i)(running|alive|stop|shutdown|exit|active|keep_going)", name))
    return False


class _ConsoleAware(AstRule):
    """Skips files that serve one user or run once: a console chat (it prompts with
    ``input()``), a Streamlit script (re-run per session), or a command with a ``__main__``
    block that starts no server and runs no service loop (an admin or build script)."""

    _abstract = True

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._console = False
        self._main = False
        self._serves = False

    def _in_function(self, node: ast.AST) -> bool:
        """Inside a ``def`` or ``lambda``, its decorators, defaults and annotations included: what
        runs at import time is everything else."""
        return any(isinstance(a, _FUNCTIONS) for a in self.semantic.ancestors(node))

    def visit_If(self, node: ast.If) -> None:
        self._main = self._main or is_main_guard(node.test, self.file.text)

    def visit_While(self, node: ast.While) -> None:
        self._serves = self._serves or is_service_loop_test(node.test)

    def _note_call(self, node: ast.Call, names: frozenset[str]) -> None:
        if names & {"builtins.input", "getpass.getpass", "rich.prompt.Prompt.ask", "click.prompt", "typer.prompt"}:
            self._console = True
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if names & (APP_CONSTRUCTORS.keys() | SELF_HANDLING_RUNS) or method in (
                FOREVER_METHODS | SELF_HANDLING_METHODS | {"launch"}):
            self._serves = True

    @property
    def _skipped(self) -> bool:
        text = self.file.text
        return (self.file.role != "src" or self._console or (self._main and not self._serves)
                or bool(re.search(r"^\s*(import|from)\s+streamlit\b", text, re.MULTILINE)))
