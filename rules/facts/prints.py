"""Calls of the built-in ``print`` that are neither a command-line program's output nor part of
a conversation with the user (``PrintFacts``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

from tfa_lint.model import path_role
from tfa_lint.rule import FactCollector

from .cst_nodes import find_all, string_value
from .processes import APP_CONSTRUCTORS, FOREVER_METHODS, is_main_guard, is_service_loop_test

_CLI_FILE_RE = re.compile(r"(^|/)(__main__|cli|cli_\w+|\w+_cli|manage|console)\.py$"
                          r"|(^|/)(cli|commands|tui|terminal|terminal_\w+|\w+_terminal|console)/"
                          r"|(^|/)(migrations|alembic/versions)/|(^|/)hatch_build\.py$")  # one-off admin and build steps
_OUTPUT_FUNC_RE = re.compile(r"(?i)^_?(main|cli|run_cli|repl|interactive\w*|print\w*|pprint\w*|show\w*|display\w*|"
                             r"render\w*|pretty\w*|dump\w*|report\w*|usage|help|echo\w*|(send|stream|emit)_output)$")
_CLI_MARKERS = {"argparse.ArgumentParser", "typer.Typer", "fire.Fire", "click.command", "click.group"}
_PROMPTS = {"builtins.input", "getpass.getpass", "click.prompt", "click.confirm", "typer.prompt", "typer.confirm",
            "rich.prompt.Prompt.ask", "rich.prompt.Confirm.ask", "inquirer.prompt", "questionary.text",
            "questionary.select", "questionary.confirm"}
#: Words of a class name (or of a base's) whose job is the terminal: a UI adapter, a printer.
_UI_WORDS = {"ui", "tui", "cli", "console", "terminal", "printer", "print"}
_NAME_WORDS_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: A flag that, set, silences the user-facing output it guards (`if not quiet: print(...)`).
_QUIET_RE = re.compile(r"(?i)(quiet|silent)")
_SIGNAL_CALL_RE = re.compile(r"(?i)signal|interrupt")
_EXITS = {"sys.exit", "builtins.exit", "builtins.quit", "os._exit"}
#: Terminal control sequences: CSI (`\x1b[?25h`), OSC, and two-character escapes.
_ESCAPES_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


class PrintFacts(FactCollector):
    """Calls of the built-in ``print`` that are not a command-line program's output or part
    of a conversation with the user ("print-call" facts); TFA1101 keeps those a service runs."""

    name = "prints"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        parts = file.path.split("/")
        # `_examples/` is an examples directory too; `.github/` and other hidden trees are tooling.
        self._runtime = file.role == "src" and path_role("/".join(p.lstrip("_") or p for p in parts)) == "src" and (
            not any(p.startswith(".") for p in parts[:-1]))
        self._functions: list[str] = []
        self._main_depth = 0
        self._cli = bool(_CLI_FILE_RE.search(file.path))
        self._has_main_guard = False
        self._serves = False  # starts a server or runs a service loop
        self._blocks: list[cst.IndentedBlock] = []  # enclosing statement blocks, innermost last
        self._prompting: set[int] = set()  # ids of blocks that ask the user for input
        #: each candidate, with the ids of its enclosing blocks and the names of its enclosing functions
        self._prints: list[tuple[cst.Call, set[int], tuple[str, ...]]] = []
        self._suites: list[cst.BaseSuite] = []  # every enclosing suite, one-line ones too, innermost last
        self._not_logging: set[int] = set()  # ids of suites whose prints are not logging (see _silence)
        self._dead: set[int] = set()  # ids of function definitions a later one of the same name replaces
        self._outside = 0  # depth of definitions whose prints are never service logging
        self._interrupt_handlers: set[str] = set()  # functions a signal handler calls on Ctrl-C
        self._sigterm_handlers: set[str] = set()  # functions called on SIGTERM: a service's shutdown

    def visit_While(self, node: cst.While) -> None:
        if is_service_loop_test(node.test):
            self._serves = True

    def visit_Module(self, node: cst.Module) -> None:
        self._find_replaced(node.body)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        for decorator in node.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("command", "group", "callback"):
                self._functions.append("<cli>")
        if id(node) in self._dead or _is_print_shim(node):
            self._outside += 1  # never runs; or a print replacement that passes print's own sep/end on

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        while self._functions and self._functions.pop() == "<cli>":
            pass
        if id(original_node) in self._dead or _is_print_shim(original_node):
            self._outside -= 1

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(node)
        self._suites.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks.pop()
        self._suites.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._suites.append(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self._suites.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if self.qualified_names(base.value) & _CLI_MARKERS:
                self._cli = True  # a customised argparse parser
        if isinstance(node.body, cst.IndentedBlock):
            self._find_replaced(node.body.body)
        if _is_terminal_class(node):
            self._outside += 1  # a UI adapter or printer: printing is its job

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if _is_terminal_class(original_node):
            self._outside -= 1

    def _find_replaced(self, body: Sequence[cst.BaseStatement]) -> None:
        """Undecorated methods (or functions) defined again, undecorated, later in the same body."""
        defined: dict[str, cst.FunctionDef] = {}
        for statement in body:
            if isinstance(statement, cst.FunctionDef) and not statement.decorators:
                earlier = defined.get(statement.name.value)
                if earlier is not None:
                    self._dead.add(id(earlier))
                defined[statement.name.value] = statement

    def visit_Try(self, node: cst.Try) -> None:
        # Catching EOFError: the try reads a terminal; its handlers answer the person there.
        if any(_catches(h, "EOFError") for h in node.handlers):
            self._not_logging.update(id(h.body) for h in node.handlers)

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node):
            self._main_depth += 1
            self._has_main_guard = True
        if _never(node.test) or _silenced_by_flag(node.test):
            self._not_logging.add(id(node.body))

    def leave_If(self, original_node: cst.If) -> None:
        if is_main_guard(original_node):
            self._main_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        self._note_signal_handlers(node)
        names = self.qualified_names(node.func)
        if names & _CLI_MARKERS:
            self._cli = True
        if names & _PROMPTS and self._blocks:
            self._prompting.add(id(self._blocks[-1]))
        if names & APP_CONSTRUCTORS.keys() or (
                isinstance(node.func, cst.Attribute) and node.func.attr.value in FOREVER_METHODS):
            self._serves = True
        if "builtins.print" not in names or not self._runtime or self._main_depth or self._outside:
            return
        if "<cli>" in self._functions or any(_OUTPUT_FUNC_RE.match(f) for f in self._functions):
            return
        if any(id(suite) in self._not_logging for suite in self._suites) or _only_escapes(node):
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "file":
                target = self.source_of(arg.value)
                if target not in ("sys.stdout", "sys.stderr"):
                    return
                if target == "sys.stderr" and any(self._exits(suite) for suite in self._suites):
                    return  # the parting message of a process that is about to exit (logging may not exist yet)
        self._prints.append((node, {id(b) for b in self._blocks}, tuple(self._functions)))

    def _note_signal_handlers(self, node: cst.Call) -> None:
        """``SignalHandler(on_pause=self.pause)``, ``signal.signal(signal.SIGINT, stop)``: the
        functions handed to a signal or interrupt handling call; those of a call naming SIGTERM
        stop a service."""
        func = node.func
        callee = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if not _SIGNAL_CALL_RE.search(callee):
            return
        handlers = {a.value.attr.value if isinstance(a.value, cst.Attribute) else a.value.value
                    for a in node.args if isinstance(a.value, (cst.Name, cst.Attribute))}
        target = self._sigterm_handlers if "SIGTERM" in self.source_of(node) else self._interrupt_handlers
        target.update(handlers)

    def _exits(self, suite: cst.BaseSuite) -> bool:
        """Whether ``suite`` ends by ending the process: ``sys.exit()``, ``exit()``, ``raise SystemExit``."""
        body = suite.body
        last = body[-1] if body else None
        if isinstance(last, cst.SimpleStatementLine):
            last = last.body[-1] if last.body else None
        if isinstance(last, cst.Raise) and last.exc is not None:
            exc = last.exc.func if isinstance(last.exc, cst.Call) else last.exc
            return isinstance(exc, cst.Name) and exc.value == "SystemExit"
        return (isinstance(last, cst.Expr) and isinstance(last.value, cst.Call)
                and bool(self.qualified_names(last.value.func) & _EXITS))

    def visit_Decorator(self, node: cst.Decorator) -> None:
        expr = node.decorator.func if isinstance(node.decorator, cst.Call) else node.decorator
        if self.qualified_names(expr) & _CLI_MARKERS:
            self._cli = True

    def leave_Module(self, original_node: cst.Module) -> None:
        if self._cli or (self._has_main_guard and not self._serves):
            return  # a command-line program: print is its user interface
        # Ctrl-C reaches a person at a terminal: what its handlers print (pause, resume) is for them.
        interrupt = self._interrupt_handlers - self._sigterm_handlers
        for node, blocks, functions in self._prints:
            # A print in the block of a prompt, or nested in it, is part of a conversation with the user.
            if not blocks & self._prompting and not interrupt.intersection(functions):
                _, _, end_line, end_column = self.position(node)
                self.record("print-call", node, end_line=end_line, end_column=end_column)


def _is_print_shim(node: cst.FunctionDef) -> bool:
    """A function taking print's own ``sep`` and ``end``: a print replacement, not a log call."""
    names = {p.name.value for p in (*node.params.params, *node.params.kwonly_params)}
    return {"sep", "end"} <= names


def _name_words(name: str) -> set[str]:
    return {w.lower() for w in _NAME_WORDS_RE.findall(name)}


def _is_terminal_class(node: cst.ClassDef) -> bool:
    """``ConsoleUI``, ``TerminalPrinter``, ``VirtualUI(UIBase)``: the class is the terminal output."""
    names = [node.name.value] + [cst.helpers.get_full_name_for_node(b.value) or "" for b in node.bases]
    return any(_name_words(n.rsplit(".", 1)[-1]) & _UI_WORDS for n in names)


def _catches(handler: cst.ExceptHandler, name: str) -> bool:
    return handler.type is not None and any(n.value == name for n in find_all(handler.type, cst.Name))


def _never(test: cst.BaseExpression) -> bool:
    """A test that is always false: ``False``, ``0``, ``… and False`` (a disabled branch)."""
    if isinstance(test, cst.Name):
        return test.value == "False"
    if isinstance(test, cst.Integer):
        return test.value == "0"
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _never(test.left) or _never(test.right)
    return False


def _silenced_by_flag(test: cst.BaseExpression) -> bool:
    """``not quiet``, ``not self.silent and shown``: output the caller can switch off, so it is
    meant for a person."""
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _silenced_by_flag(test.left) or _silenced_by_flag(test.right)
    if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)):
        return False
    flag = test.expression
    name = flag.value if isinstance(flag, cst.Name) else flag.attr.value if isinstance(flag, cst.Attribute) else ""
    return bool(_QUIET_RE.search(name))


def _only_escapes(node: cst.Call) -> bool:
    """``print("\\x1b[?25h", end="")``, ``print("\\r", end="")``: terminal control (cursor,
    colours, modes), not a message."""
    texts = [string_value(a.value) for a in node.args if a.keyword is None]
    if not texts or any(t is None for t in texts):
        return False
    joined = "".join(t for t in texts if t is not None)
    return ("\x1b" in joined or "\r" in joined) and not _ESCAPES_RE.sub("", joined).strip()
