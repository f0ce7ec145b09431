"""Calls of the built-in ``print`` that are neither a command-line program's output nor part of
a conversation with the user (``PrintFacts``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tfa_lint.model import path_role
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.semantic import full_name

from .ast_nodes import string_value
from .log_sinks import Source, identifiers, is_main_guard
from .processes import APP_CONSTRUCTORS, FOREVER_METHODS, is_service_loop_test

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
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: The entry point of a program: its prints are the program's output, unless it runs a service.
_ENTRY_FUNCTIONS = {"main", "_main"}
#: Calls by which a loop waits for its next piece of work: what makes ``while True`` a worker's
#: loop rather than a retry, a pagination or a prompt loop.
_WAITING_METHODS = {"sleep", "brpop", "blpop", "bzpopmin", "brpoplpush", "blmove", "xread", "xreadgroup", "receive",
                    "receive_messages", "recv", "poll", "consume", "get_message", "listen", "wait_for_message"}
_QUEUE_NAME_RE = re.compile(r"(?i)(queue|^q$|^_?q_|inbox|jobs|tasks)")


@dataclass(frozen=True)
class PrintCallFact(FactData):
    """A call of the built-in ``print`` that is neither a command-line program's output nor
    part of a conversation with the user; the fact's position is its start."""

    kind = "print-call"
    end_line: int
    end_column: int


class PrintFacts(AstCollector):
    """Calls of the built-in ``print`` that are not a command-line program's output or part
    of a conversation with the user ("print-call" facts); TFA1101 keeps those a service runs."""

    name = "prints"
    records = (PrintCallFact,)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self.source = Source(self.semantic)
        parts = file.path.split("/")
        # `_examples/` is an examples directory too; `.github/` and other hidden trees are tooling.
        self._runtime = file.role == "src" and path_role("/".join(p.lstrip("_") or p for p in parts)) == "src" and (
            not any(p.startswith(".") for p in parts[:-1]))
        self._cli = bool(_CLI_FILE_RE.search(file.path))
        self._has_main_guard = False
        self._serves = False  # starts a server or runs a service loop
        self._prompting: set[int] = set()  # ids of blocks that ask the user for input
        #: each candidate, with the ids of its enclosing blocks and the names of its enclosing functions
        self._prints: list[tuple[ast.Call, set[int], tuple[str, ...]]] = []
        #: prints of a program's entry point (``main()``, the ``__main__`` block), each with that
        #: entry: they count only when the entry runs a worker's loop (see ``_runs_worker``)
        self._entry_prints: dict[int, ast.AST] = {}
        self._worker_loops: dict[int, bool] = {}  # id of a `while` -> whether it is a worker's loop
        self._dead: set[int] = set()  # ids of function definitions a later one of the same name replaces
        self._interrupt_handlers: set[str] = set()  # functions a signal handler calls on Ctrl-C
        self._sigterm_handlers: set[str] = set()  # functions called on SIGTERM: a service's shutdown

    def source_of(self, node: ast.AST) -> str:
        """The node's code as libcst's ``code_for_node`` gave it (its grouping parentheses too)."""
        return self.source.code(node, self.semantic.parent(node))

    def visit_While(self, node: ast.While) -> None:
        if is_service_loop_test(node.test):
            self._serves = True

    def visit_Module(self, node: ast.Module) -> None:
        self._find_replaced(node.body)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._note_cli_decorators(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._note_cli_decorators(node)
        for base in node.bases:
            if self.qualified_names(_unstarred(base)) & _CLI_MARKERS:
                self._cli = True  # a customised argparse parser
        self._find_replaced(node.body)

    def _note_cli_decorators(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            expr = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.qualified_names(expr) & _CLI_MARKERS:
                self._cli = True

    def _find_replaced(self, body: list[ast.stmt]) -> None:
        """Undecorated methods (or functions) defined again, undecorated, later in the same body."""
        defined: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for statement in body:
            if isinstance(statement, _FUNCTIONS) and not statement.decorator_list:
                earlier = defined.get(statement.name)
                if earlier is not None:
                    self._dead.add(id(earlier))
                defined[statement.name] = statement

    def visit_If(self, node: ast.If) -> None:
        if is_main_guard(node.test):
            self._has_main_guard = True

    def visit_Call(self, node: ast.Call) -> None:
        self._note_signal_handlers(node)
        names = self.qualified_names(node.func)
        if names & _CLI_MARKERS:
            self._cli = True
        if names & _PROMPTS:
            blocks = [id(body) for body, indented in self._suites(node) if indented]
            if blocks:
                self._prompting.add(blocks[0])
        if names & APP_CONSTRUCTORS.keys() or (
                isinstance(node.func, ast.Attribute) and node.func.attr in FOREVER_METHODS):
            self._serves = True
        if "builtins.print" not in names or not self._runtime or self._outside(node):
            return
        functions = self._functions(node)
        if "<cli>" in functions:
            return
        output = [f for f in functions if _OUTPUT_FUNC_RE.match(f)]
        main_guard = self._under_main_guard(node)
        entry = self._entry(node) if main_guard or output else None
        if (output or main_guard) and (entry is None or set(output) - _ENTRY_FUNCTIONS):
            return
        if self._not_logging(node) or _only_escapes(node):
            return
        suites = self._suites(node)
        for keyword in node.keywords:
            if keyword.arg == "file":
                target = self.source_of(keyword.value)
                if target not in ("sys.stdout", "sys.stderr"):
                    return
                if target == "sys.stderr" and any(self._exits(body) for body, _ in suites):
                    return  # the parting message of a process that is about to exit (logging may not exist yet)
        self._prints.append((node, {id(body) for body, indented in suites if indented}, functions))
        if entry is not None:
            self._entry_prints[id(node)] = entry

    # -- where a call sits -------------------------------------------------------------------
    def _suites(self, node: ast.AST) -> list[tuple[list[ast.stmt], bool]]:
        """The statement blocks around ``node``, innermost first, each with whether it is
        indented (libcst's ``IndentedBlock``) or a one-line suite: not the module's body, nor
        an ``elif``'s place in the ``if`` before it."""
        suites = []
        child: ast.AST = node
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, (ast.stmt, ast.ExceptHandler, ast.match_case)):
                for field in ("body", "orelse", "finalbody"):
                    body = getattr(ancestor, field, None)
                    if body and any(s is child for s in body):
                        if not (field == "orelse" and isinstance(ancestor, ast.If) and self.source.is_elif(body)):
                            suites.append((body, self.source.indented(body)))
                        break
            child = ancestor
        return suites

    def _functions(self, node: ast.AST) -> tuple[str, ...]:
        """The names of the definitions around ``node``, outermost first, each followed by
        ``<cli>`` for each decorator that makes it a command (``@app.command()``)."""
        functions: list[str] = []
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, _FUNCTIONS):
                cli = []
                for decorator in ancestor.decorator_list:
                    expr = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(expr, ast.Attribute) and expr.attr in ("command", "group", "callback"):
                        cli.append("<cli>")
                functions[:0] = [ancestor.name, *cli]
        return tuple(functions)

    def _entry(self, node: ast.AST) -> ast.AST | None:
        """The program entry point around ``node``: the outermost ``main()`` (``_main()``) or
        else the ``if __name__ == "__main__":`` statement."""
        entry = None
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, _FUNCTIONS) and ancestor.name in _ENTRY_FUNCTIONS:
                entry = ancestor
            elif isinstance(ancestor, ast.If) and is_main_guard(ancestor.test) and entry is None:
                entry = ancestor
        return entry

    def _in_worker_loop(self, node: ast.AST) -> bool:
        """Inside a worker's loop, in the same function: ``while True:``/``while running:``
        that waits for its next piece of work (a sleep, a blocking queue read)."""
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, (*_FUNCTIONS, ast.Lambda, ast.ClassDef)):
                return False
            if isinstance(ancestor, ast.While) and self._is_worker_loop(ancestor):
                return True
        return False

    def _is_worker_loop(self, loop: ast.While) -> bool:
        """``while True:`` (or ``while running:``) that waits for work and never leaves by a
        ``break`` or ``return`` of its own: not a retry loop (``break`` on success), a poll for
        readiness or a pagination."""
        if id(loop) not in self._worker_loops:
            self._worker_loops[id(loop)] = is_service_loop_test(loop.test) and self._waits(loop) and not _leaves(loop)
        return self._worker_loops[id(loop)]

    def _waits(self, loop: ast.While) -> bool:
        for node in _walk_same_function(loop.body):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                method, receiver = node.func.attr, node.func.value
                if method in _WAITING_METHODS:
                    return True
                if method == "get" and (any(k.arg in ("timeout", "block") for k in node.keywords) or (
                        isinstance(receiver, (ast.Name, ast.Attribute)) and _QUEUE_NAME_RE.search(
                            receiver.id if isinstance(receiver, ast.Name) else receiver.attr))):
                    return True
        return False

    def _runs_worker(self, entry: ast.AST) -> bool:
        """An entry point that runs a worker's loop itself. One that only starts a server
        (``uvicorn.run(app)``) is not enough: what it prints before is for the person starting
        it (a missing key, the URL to open), as the field corpus showed."""
        return any(isinstance(node, ast.While) and self._is_worker_loop(node)
                   for node in _walk_same_function(entry.body))  # type: ignore[attr-defined]

    def _under_main_guard(self, node: ast.AST) -> bool:
        """Anywhere in an ``if __name__ == "__main__":`` statement, its ``else`` too."""
        return any(isinstance(a, ast.If) and is_main_guard(a.test) for a in self.semantic.ancestors(node))

    def _outside(self, node: ast.AST) -> bool:
        """Inside a definition whose prints are never service logging: a function a later one
        replaces, a print replacement that passes print's own sep/end on, a UI adapter or
        printer class (printing is its job)."""
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, _FUNCTIONS) and (id(ancestor) in self._dead or _is_print_shim(ancestor)):
                return True
            if isinstance(ancestor, ast.ClassDef) and _is_terminal_class(ancestor):
                return True
        return False

    def _not_logging(self, node: ast.AST) -> bool:
        """In the body of an ``if`` that is never true or that a quiet flag turns off, or in a
        handler of a ``try`` that catches EOFError (it reads a terminal; its handlers answer
        the person there)."""
        child: ast.AST = node
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, ast.If) and any(s is child for s in ancestor.body):
                if _never(ancestor.test) or _silenced_by_flag(ancestor.test):
                    return True
            elif isinstance(ancestor, ast.ExceptHandler) and any(s is child for s in ancestor.body):
                handled = self.semantic.parent(ancestor)
                if isinstance(handled, ast.Try) and any(_catches(h, "EOFError") for h in handled.handlers):
                    return True
            child = ancestor
        return False

    def _note_signal_handlers(self, node: ast.Call) -> None:
        """``SignalHandler(on_pause=self.pause)``, ``signal.signal(signal.SIGINT, stop)``: the
        functions handed to a signal or interrupt handling call; those of a call naming SIGTERM
        stop a service."""
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if not _SIGNAL_CALL_RE.search(callee):
            return
        values = [_unstarred(a) for a in node.args] + [k.value for k in node.keywords]
        handlers = {v.attr if isinstance(v, ast.Attribute) else v.id
                    for v in values if isinstance(v, (ast.Name, ast.Attribute))}
        target = self._sigterm_handlers if "SIGTERM" in self.source_of(node) else self._interrupt_handlers
        target.update(handlers)

    def _exits(self, body: list[ast.stmt]) -> bool:
        """Whether a block ends by ending the process: ``sys.exit()``, ``exit()``, ``raise SystemExit``."""
        last = body[-1] if body else None
        if isinstance(last, ast.Raise) and last.exc is not None:
            exc = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
            return isinstance(exc, ast.Name) and exc.id == "SystemExit"
        return (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                and bool(self.qualified_names(last.value.func) & _EXITS))

    def leave_Module(self, node: ast.Module) -> None:
        if self._cli or (self._has_main_guard and not self._serves):
            return  # a command-line program: print is its user interface
        # Ctrl-C reaches a person at a terminal: what its handlers print (pause, resume) is for them.
        interrupt = self._interrupt_handlers - self._sigterm_handlers
        serving: dict[int, bool] = {}  # entry id -> whether it runs a worker's loop
        for call, blocks, functions in self._prints:
            entry = self._entry_prints.get(id(call))
            if entry is not None and not self._in_worker_loop(call):
                if id(entry) not in serving:
                    serving[id(entry)] = self._runs_worker(entry)
                if not serving[id(entry)]:
                    continue  # a program's own output (`main()`, the `__main__` block)
            # A print in the block of a prompt, or nested in it, is part of a conversation with the user.
            if not blocks & self._prompting and not interrupt.intersection(functions):
                _, _, end_line, end_column = self.position(call)
                self.record(PrintCallFact(end_line=end_line, end_column=end_column), call)


def _leaves(loop: ast.While) -> bool:
    """A ``break`` or ``return`` that ends ``loop`` (not one of a loop or function inside it)."""
    stack: list[tuple[ast.AST, bool]] = [(statement, False) for statement in loop.body]
    while stack:
        node, nested = stack.pop()  # nested: inside an inner loop, whose `break` ends that loop only
        if isinstance(node, ast.Return) or (isinstance(node, ast.Break) and not nested):
            return True
        inner = nested or isinstance(node, (ast.For, ast.AsyncFor, ast.While))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (*_FUNCTIONS, ast.Lambda, ast.ClassDef)))
    return False


def _walk_same_function(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body``, not descending into the functions, lambdas and classes it defines."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node)
                     if not isinstance(child, (*_FUNCTIONS, ast.Lambda, ast.ClassDef)))


def _unstarred(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Starred) else node


def _is_print_shim(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function taking print's own ``sep`` and ``end``: a print replacement, not a log call."""
    names = {p.arg for p in (*node.args.args, *node.args.kwonlyargs)}
    return {"sep", "end"} <= names


def _name_words(name: str) -> set[str]:
    return {w.lower() for w in _NAME_WORDS_RE.findall(name)}


def _is_terminal_class(node: ast.ClassDef) -> bool:
    """``ConsoleUI``, ``TerminalPrinter``, ``VirtualUI(UIBase)``: the class is the terminal output."""
    names = [node.name] + [full_name(_unstarred(b)) or "" for b in node.bases]
    return any(_name_words(n.rsplit(".", 1)[-1]) & _UI_WORDS for n in names)


def _catches(handler: ast.ExceptHandler, name: str) -> bool:
    return handler.type is not None and name in identifiers(handler.type)


def _never(test: ast.expr) -> bool:
    """A test that is always false: ``False``, ``0``, ``… and False`` (a disabled branch)."""
    if isinstance(test, ast.Constant):
        return test.value is False or (type(test.value) is int and test.value == 0)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_never(value) for value in test.values)
    return False


def _silenced_by_flag(test: ast.expr) -> bool:
    """``not quiet``, ``not self.silent and shown``: output the caller can switch off, so it is
    meant for a person."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_silenced_by_flag(value) for value in test.values)
    if not (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)):
        return False
    flag = test.operand
    name = flag.id if isinstance(flag, ast.Name) else flag.attr if isinstance(flag, ast.Attribute) else ""
    return bool(_QUIET_RE.search(name))


def _only_escapes(node: ast.Call) -> bool:
    """``print("\\x1b[?25h", end="")``, ``print("\\r", end="")``: terminal control (cursor,
    colours, modes), not a message."""
    texts = [string_value(a) for a in node.args] + [None for k in node.keywords if k.arg is None]  # **kwargs
    if not texts or any(t is None for t in texts):
        return False
    joined = "".join(t for t in texts if t is not None)
    return ("\x1b" in joined or "\r" in joined) and not _ESCAPES_RE.sub("", joined).strip()
