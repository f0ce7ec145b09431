"""What several process rules share: the base of the rules that leave console programs alone, and
the few ``ast`` answers that must match what the rules read from libcst's nodes before."""

from __future__ import annotations

import ast
import re

from tfa_lint.rule import AstRule
from tfa_lint.semantic import SemanticModel

from ..facts.ast_source import one_literal
from ..facts.processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    SELF_HANDLING_METHODS,
    SELF_HANDLING_RUNS,
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def is_single_literal(node: ast.AST, semantic: SemanticModel) -> bool:
    """One string token, as libcst's ``SimpleString`` or ``FormattedString``: ast joins an implicit
    concatenation (``"a" "b"``, libcst's ``ConcatenatedString``) into one node. A node the rule made
    itself (a library's default path) has no position and counts as one."""
    return one_literal(semantic.source(node))


def fstring_text(node: ast.JoinedStr, semantic: SemanticModel) -> str:
    """An f-string's literal parts as written (libcst's ``FormattedStringText``: escapes and
    ``{{`` left as they are) with ``{}`` for each replacement field."""
    segment = semantic.source(node)
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


def is_main_guard(test: ast.expr, semantic: SemanticModel) -> bool:
    """``__name__`` compared with the string ``"__main__"``, whatever the operator (as the libcst
    helper these rules used read it: ``!=`` counts too)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))
               and is_single_literal(s, semantic)]
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
        self._main = self._main or is_main_guard(node.test, self.semantic)

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
