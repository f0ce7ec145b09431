"""What several process rules share: the base of the rules that leave console programs alone."""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import PythonRule

from ..facts.processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    SELF_HANDLING_METHODS,
    SELF_HANDLING_RUNS,
    is_main_guard,
    is_service_loop_test,
)


class _ConsoleAware(PythonRule):
    """Skips files that serve one user or run once: a console chat (it prompts with
    ``input()``), a Streamlit script (re-run per session), or a command with a ``__main__``
    block that starts no server and runs no service loop (an admin or build script)."""

    _abstract = True

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._console = False
        self._main = False
        self._serves = False
        self._depth = 0  # function nesting: 0 is import time

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._depth -= 1

    def visit_If(self, node: cst.If) -> None:
        self._main = self._main or is_main_guard(node)

    def visit_While(self, node: cst.While) -> None:
        self._serves = self._serves or is_service_loop_test(node.test)

    def _note_call(self, node: cst.Call, names: set[str]) -> None:
        if names & {"builtins.input", "getpass.getpass", "rich.prompt.Prompt.ask", "click.prompt", "typer.prompt"}:
            self._console = True
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if names & (APP_CONSTRUCTORS.keys() | SELF_HANDLING_RUNS) or method in (
                FOREVER_METHODS | SELF_HANDLING_METHODS | {"launch"}):
            self._serves = True

    @property
    def _skipped(self) -> bool:
        text = self.file.text
        return (self.file.role != "src" or self._console or (self._main and not self._serves)
                or bool(re.search(r"^\s*(import|from)\s+streamlit\b", text, re.MULTILINE)))
