"""Factor XI — Logs: an event stream on stdout, structured, never files or prints."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import libcst as cst

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, PythonRule, RepoRule

from .facts.processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    ProcessFacts,
    commands,
    is_main_guard,
    is_service_loop_test,
    long_running_reason,
    traits,
)
from .facts.cst_nodes import callee_name, find_all, string_value
from .facts.modules import ModuleGraphFacts, service_modules
from .facts.projects import COLLECTORS as PROJECT_COLLECTORS
from .facts.projects import Project, application_reason, projects
from .facts.secrets import is_secret_name, name_words, secret_head

_CLI_FILE_RE = re.compile(r"(^|/)(__main__|cli|cli_\w+|\w+_cli|manage|console)\.py$"
                          r"|(^|/)(cli|commands|tui|terminal|terminal_\w+|\w+_terminal|console)/"
                          r"|(^|/)(migrations|alembic/versions)/|(^|/)hatch_build\.py$")  # one-off admin and build steps
_OUTPUT_FUNC_RE = re.compile(r"(?i)^_?(main|cli|run_cli|repl|interactive\w*|print\w*|pprint\w*|show\w*|display\w*|"
                             r"render\w*|pretty\w*|dump\w*|report\w*|usage|help|echo\w*|(send|stream|emit)_output)$")
_CLI_MARKERS = {"argparse.ArgumentParser", "typer.Typer", "fire.Fire", "click.command", "click.group"}
_PROMPTS = {"builtins.input", "getpass.getpass", "click.prompt", "click.confirm", "typer.prompt", "typer.confirm",
            "rich.prompt.Prompt.ask", "rich.prompt.Confirm.ask", "inquirer.prompt", "questionary.text",
            "questionary.select", "questionary.confirm"}
_JSON_LOGGING = re.compile(r"(pythonjsonlogger|JsonFormatter|JSONRenderer|StdlibFormatter|json_logs|JSONFormatter)")


#: Words of a class name (or of a base's) whose job is the terminal: a UI adapter, a printer.
_UI_WORDS = {"ui", "tui", "cli", "console", "terminal", "printer", "print"}
_NAME_WORDS_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: A flag that, set, silences the user-facing output it guards (`if not quiet: print(...)`).
_QUIET_RE = re.compile(r"(?i)(quiet|silent)")
_SIGNAL_CALL_RE = re.compile(r"(?i)signal|interrupt")
_EXITS = {"sys.exit", "builtins.exit", "builtins.quit", "os._exit"}
#: Terminal control sequences: CSI (`\x1b[?25h`), OSC, and two-character escapes.
_ESCAPES_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_PRINT_MESSAGE = ("`print()` in service code has no level or structure: use a module logger "
                  "(`logger = logging.getLogger(__name__)`; `logger.info(...)`)")


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


class PrintInServiceCode(RepoRule):
    id = "TFA1101"
    name = "print-in-service-code"
    factor = 11
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "print() used for operational output in service code"
    collectors = (ProcessFacts, ModuleGraphFacts, PrintFacts)
    what = """
        A call to the built-in `print` (not a local function of that name) in a module a
        service runs: a module that builds a web app, starts a server or runs a service loop,
        or that a declared process (Procfile, Dockerfile `CMD`, compose `command`) runs, and
        every repository module those import, at start-up or inside a function, transitively.
        Module names in strings count as imports (`Celery(include=["pkg.tasks"])`,
        `"pkg.main:app"`, a started `"python -m pkg.job"`), and a reached module that loads
        modules from file paths brings in its package and the plugins that import what is
        reached. Modules nothing a service runs imports (tool scripts run in a sandbox, CI
        helpers, tutorials, unused helpers, `archived_*` servers) are not reported, nor is a
        repository whose only long-running code is a `while True` loop stopped with Ctrl-C.
        When a service is declared but none of its Python modules can be found (a shell entry
        script, an `EXPOSE` alone), every source module counts. Not reported either:
        `if __name__ == "__main__":` blocks, command-line modules (argparse, click, typer,
        fire; `cli.py`, `__main__.py`, `cli/`, `tui/`, `terminal_*/` packages; a module with a
        `__main__` block that starts no server and runs no service loop), prints in the block of
        a prompt (`input()`) or nested in it, and in the handlers of a `try` that catches
        `EOFError` (it reads a terminal) and in the functions a Ctrl-C handler calls
        (`SignalHandler(on_pause=self.pause)`, `signal.signal(signal.SIGINT, stop)`; not those
        also registered for SIGTERM), functions whose job is output (`main`, `print_*`,
        `show_*`, `render_*`…) and print replacements (a function taking print's own `sep` and
        `end`), classes whose name or base says terminal (`ConsoleUI`, `VirtualUI(UIBase)`,
        `PrintStyle`, `TerminalPrinter`), output the caller can silence (`if not quiet:`),
        terminal control sequences alone (`print("\\x1b[?25h", end="")`), code that never runs
        (`if debug and False:`, a method defined again below), a parting message to stderr in a
        block that ends the process (`print(…, file=sys.stderr)` then `sys.exit(1)`),
        `print(…, file=fh)` to a real file, and tests, scripts and examples (`_examples/` too)
        and hidden tooling directories (`.github/`).
    """
    why = """
        A print has no level, no logger name, no timestamp and no structure: it cannot be
        filtered, routed or searched, and in a service it is mixed into the event stream as
        noise. Logs are an event stream the platform collects from stdout — through logging.
    """
    fix = """
        Use a module logger: `logger = logging.getLogger(__name__)` then
        `logger.info("tool_called", extra={"tool": name})`, and configure one JSON handler on
        stdout at start-up (see TFA1103).
    """
    invalid = (
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat")
            def chat(message: str) -> dict:
                print(f"received {message}")
                return {"reply": message}
        """, "app.py", lines=(8,)),
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\nfrom app.review import review\n\napp = FastAPI()\n",
            "app/review.py": """
                async def review(plan: str, socket=None) -> str:
                    print(f"review socket: {socket}")
                    if socket is not None:
                        feedback = await socket.receive_text()
                    else:
                        feedback = input(f"Feedback on {plan}? ")
                    print(f"feedback: {feedback}")
                    return feedback
            """,
        }, lines=(2, 7)),
        Example.repo({
            "svc/__init__.py": "",
            "svc/app.py": """
                from fastapi import FastAPI

                from svc.plugins.loader import load_plugins

                app = FastAPI()
                load_plugins()


                @app.get("/search")
                def search(q: str, source: str = "web") -> list:
                    from svc.retrievers import web

                    return web.search(q)
            """,
            "svc/retrievers/__init__.py": "",
            "svc/retrievers/web.py": """
                def search(q: str) -> list:
                    print(f"searching the web for {q}")
                    return []
            """,
            "svc/jobs.py": """
                from celery import Celery

                queue = Celery("svc", include=["svc.reports"])
            """,
            "svc/reports.py": """
                def nightly_report(rows: list) -> None:
                    print(f"report over {len(rows)} rows")
            """,
            "svc/plugins/__init__.py": "",
            "svc/plugins/loader.py": """
                import importlib.util
                import pathlib

                import svc.jobs


                def load_plugins() -> None:
                    for path in pathlib.Path(__file__).parent.glob("*_plugin.py"):
                        spec = importlib.util.spec_from_file_location(path.stem, path)
                        spec.loader.exec_module(importlib.util.module_from_spec(spec))
            """,
            "svc/plugins/weather_plugin.py": """
                def forecast(city: str) -> str:
                    print(f"forecast for {city}")
                    return "sunny"
            """,
        }),
        Example.repo({
            "jobs/scheduler.py": """
                import signal
                import subprocess
                import time

                running = True


                def stop(signum, frame):
                    global running
                    running = False


                def main():
                    signal.signal(signal.SIGTERM, stop)
                    try:
                        while running:
                            subprocess.run("python -m jobs.ingest", shell=True)
                            time.sleep(60)
                    except KeyboardInterrupt:
                        pass


                if __name__ == "__main__":
                    main()
            """,
            "jobs/ingest.py": """
                import signal
                import sys


                class FeedClient:
                    def __init__(self) -> None:
                        signal.signal(signal.SIGINT, self.stop)
                        signal.signal(signal.SIGTERM, self.stop)

                    def stop(self, signum, frame) -> None:
                        print("stopping the feed client")

                    def fetch(self, url: str, verbose: bool = False) -> str:
                        if verbose:
                            print(f"fetching {url}")
                        try:
                            return url
                        except KeyboardInterrupt:
                            print("interrupted, exiting")
                            sys.exit(0)
            """,
        }, lines=(11, 15, 19)),
    )
    valid = (
        Example.repo({
            "app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "app/alembic/versions/0042_backfill_titles.py": """
                from alembic import op


                def upgrade() -> None:
                    rows = op.get_bind().execute(SELECT_UNTITLED).fetchall()
                    print(f"backfilling {len(rows)} titles")
            """,
            "hatch_build.py": """
                from hatchling.builders.hooks.plugin.interface import BuildHookInterface


                class Hook(BuildHookInterface):
                    def initialize(self, version, build_data):
                        print("compiling assets")
            """,
        }),
        Example.of("""
            import logging

            from fastapi import FastAPI

            logger = logging.getLogger(__name__)
            app = FastAPI()


            @app.post("/chat")
            def chat(message: str) -> dict:
                logger.info("chat_received", extra={"chars": len(message)})
                return {"reply": message}
        """, "app.py"),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            def print(*args):
                app.state.log.append(args)


            @app.post("/chat")
            def chat(message: str) -> dict:
                print("received", message)
                return {"reply": message}


            def show_banner():
                print("agent ready")


            if __name__ == "__main__":
                import uvicorn

                uvicorn.run(app)
        """, "app.py"),
        Example.repo({
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "research/run_topic.py": """
                import asyncio


                async def research(topic: str) -> str:
                    print(f"researching {topic}")
                    return topic.upper()


                async def main():
                    print(await research("agents"))


                if __name__ == "__main__":
                    asyncio.run(main())
            """,
            "evals/qa/grader.py": """
                def grade(question: str, answer: str) -> bool:
                    print(f"Q: {question} A: {answer}")
                    return bool(answer)
            """,
            "app/tools/confirm.py": """
                def confirm_shell(command: str, cwd: str | None = None) -> bool:
                    print(f"The agent wants to run: {command}")
                    if cwd:
                        print(f"in: {cwd}")
                    return input("Run it? [y/N] ").strip().lower() == "y"
            """,
            "app/terminal_interface/commands.py": """
                COMMANDS = {"%reset": "clear the chat", "%undo": "drop the last turn"}


                def handle_help():
                    for name, text in COMMANDS.items():
                        print(f"{name:10} {text}")
            """,
            "app/launcher.py": """
                import argparse


                class HelpfulParser(argparse.ArgumentParser):
                    pass


                def start():
                    args = HelpfulParser(prog="agent").parse_args()
                    print("agent ready", args)
            """,
        }),
        Example.repo({
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/cli.py": """
                import argparse


                def run(args):
                    print(f"answer: {args.question}")


                if __name__ == "__main__":
                    parser = argparse.ArgumentParser()
                    parser.add_argument("question")
                    run(parser.parse_args())
            """,
        }),
        Example.repo({
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/writer.py": """
                class Writer:
                    async def _emit_output(self, chunk, socket=None):
                        if socket is not None:
                            await socket.send_text(chunk)
                        else:
                            print(chunk, end="")
            """,
        }),
        Example.repo({
            "agent/server.py": """
                from fastapi import FastAPI

                from agent.runner import run

                app = FastAPI()
                app.post("/run")(run)
            """,
            "agent/runner.py": """
                import logging

                log = logging.getLogger(__name__)


                def run(task: str) -> str:
                    log.info("task_started", extra={"task": task})
                    return task
            """,
            "agent/profiling.py": """
                import functools
                import time


                def timed(fn):
                    @functools.wraps(fn)
                    def wrapper(*args, **kwargs):
                        start = time.perf_counter()
                        try:
                            return fn(*args, **kwargs)
                        finally:
                            print(f"{fn.__name__}: {time.perf_counter() - start:.3f}s")
                    return wrapper
            """,
            "sandbox_tools/editor/lib/window.py": """
                def show_window(lines: list, first: int) -> None:
                    for number, line in enumerate(lines, first):
                        print(f"{number}: {line}")
            """,
            ".github/ci/preview_url.py": """
                import os

                print(f"preview: https://{os.environ['PR_NUMBER']}.preview.example.org")
            """,
            "course/lesson_3/agent.py": """
                import asyncio


                async def demo():
                    print("lesson 3: two turns of a conversation")


                asyncio.run(demo())
            """,
            "agent/archived_server_v1.py": """
                from fastapi import FastAPI

                app = FastAPI()


                @app.post("/run")
                def run(task: str) -> str:
                    print(f"running {task}")
                    return task
            """,
        }),
        Example.repo({
            "studio/server.py": """
                import sys

                try:
                    from fastapi import FastAPI
                except ImportError:
                    print("fastapi is missing: pip install -r requirements.txt", file=sys.stderr)
                    sys.exit(1)

                from studio import adapters, runner, session, tools
                from studio.sandbox import run_user_code

                app = FastAPI()
                tools.load("agents")
            """,
            "studio/tools.py": """
                import importlib.util
                import pathlib


                def load(folder: str) -> list:
                    modules = []
                    for path in pathlib.Path(folder).glob("*/tools/*.py"):
                        spec = importlib.util.spec_from_file_location(path.stem, path)
                        modules.append(importlib.util.module_from_spec(spec))
                    return modules
            """,
            "studio/adapters.py": """
                class ConsoleUI:
                    def send_message(self, message: str) -> None:
                        print(message)


                class StreamPrinter:
                    def write(self, chunk: str) -> None:
                        print(chunk, end="", flush=True)
            """,
            "studio/session.py": """
                def remote_run(events, quiet: bool = False) -> None:
                    for event in events:
                        if not quiet:
                            print(f"  {event}")
                        if not quiet and event.url:
                            print(f"live view: {event.url}")


                def restore_terminal() -> None:
                    print("\\033[?25h", end="", flush=True)
                    print("\\033[0m", end="")
                    print("\\r", end="", flush=True)


                def chat(model) -> None:
                    try:
                        model.ask()
                    except KeyboardInterrupt:
                        print("^C (exit with ^D)")
                    except EOFError:
                        print("Goodbye!")


                def dump(messages, debug: bool) -> None:
                    if debug and False:  # disabled
                        print(messages)


                class Store:
                    def add(self, key: str) -> None:
                        print(f"adding {key}")

                    def add(self, key: str) -> None:
                        self.keys.append(key)
            """,
            "studio/sandbox.py": """
                import io


                def _safe_print(*values, secrets: dict, sep: str = " ", end: str = "\\n", flush: bool = False) -> None:
                    buffer = io.StringIO()
                    print(*values, sep=sep, end=end, file=buffer)
                    print(redact(buffer.getvalue(), secrets), end="", flush=flush)


                def run_user_code(code: str, secrets: dict) -> None:
                    exec(code, {"print": lambda *a, **k: _safe_print(*a, secrets=secrets, **k)})
            """,
            "studio/runner.py": """
                from studio.signals import InterruptHandler


                class Runner:
                    def pause(self) -> None:
                        print("Paused. Press Enter to resume, Ctrl+C again to quit.")
                        self.paused = True

                    def resume(self) -> None:
                        print("Resuming where it left off...")
                        self.paused = False

                    def run(self) -> None:
                        handler = InterruptHandler(on_pause=self.pause, on_resume=self.resume)
                        handler.register()
            """,
            "agents/_example/tools/repeat.py": """
                from studio.session import chat


                def repeat(text: str) -> str:
                    print(f"repeat tool: {text}")
                    return text
            """,
        }),
        Example.repo({
            "pairtool/__init__.py": "",
            "pairtool/clipboard.py": """
                import time


                def main():
                    try:
                        while True:
                            time.sleep(1)
                    except KeyboardInterrupt:
                        print("stopped watching the clipboard")


                if __name__ == "__main__":
                    main()
            """,
            "pairtool/models.py": """
                def complete(model: str, attempt: int) -> None:
                    print(f"{model} is busy, retry {attempt}")
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        reached = service_modules(repo)
        for fact in repo.facts("print-call"):
            if reached is None or fact.path in reached:
                yield self.finding(fact.path, fact.line, fact.column, _PRINT_MESSAGE,
                                   end_line=fact.data["end_line"], end_column=fact.data["end_column"])


#: Calls that show a module logs: the standard library's loggers and handlers, loguru, structlog.
_LOGGING_APIS = ("logging.", "loguru.logger.", "structlog.")
#: Alembic's env.py configures the migration tool's logging, not the service's.
_MIGRATIONS_RE = re.compile(r"(^|/)(migrations|alembic)/")


class LoggingFacts(FactCollector):
    """Where logging is used, and whether a structured (JSON) formatter is configured."""

    name = "logging"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._logs = False

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if any(_JSON_LOGGING.search(n) for n in names) or names & {"logfire.configure", "ecs_logging.StdlibFormatter"}:
            self.record("json-logging", node, how=min(names))
        elif any(a.keyword is not None and a.keyword.value == "serialize" and isinstance(a.value, cst.Name)
                 and a.value.value == "True" for a in node.args):
            self.record("json-logging", node, how="loguru serialize=True")
        elif names & {"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig"}:
            self.record("logging-setup", node, how=min(names))
        elif not self._logs and any(n.startswith(_LOGGING_APIS) for n in names):
            self._logs = True  # once a file: the module logs (a program may do no logging at all)
            self.record("logs", node, how=min(names))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if _JSON_LOGGING.search(node.value):
            self.record("json-logging", node, how="formatter named in configuration")

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = " ".join(self.source_of(b.value) for b in node.bases)
        if "Formatter" in bases and "json.dumps" in self.source_of(node.body):
            self.record("json-logging", node, how=f"{node.name.value} formats records with json.dumps")


class NoStructuredLogging(RepoRule):
    id = "TFA1103"
    name = "no-structured-logging"
    factor = 11
    severity = Severity.WARNING
    title = "No structured (JSON) logging configured for a long-running process"
    collectors = (*PROJECT_COLLECTORS, LoggingFacts)
    what = """
        An application deployed by a file of its own (Dockerfile, Procfile, compose service)
        whose Python code runs as a service or worker (a web app, a server or a service loop,
        or a declared command that starts one) and logs (standard logging, loguru, structlog),
        but configures no machine-parseable log format: no
        python-json-logger `JsonFormatter`, structlog `JSONRenderer`, loguru `serialize=True`,
        `logging.Formatter` subclass emitting `json.dumps`, ecs-logging or logfire, and no
        `--log-config` handed to the server. Judged per project, so in a monorepo one app's
        JSON formatter does not cover another app (one set up in a shared library does).
        Reported once per application, at its logging set-up (`basicConfig`/`dictConfig`;
        never Alembic's `migrations/env.py`) or its process entry. Libraries, CLI tools, images
        that run no Python service, apps run only from their source (a tutorial's demo server)
        and programs that do no logging at all are not judged.
    """
    why = """
        Log aggregators index fields, not prose. Plain-text lines must be re-parsed with
        fragile patterns before anyone can ask "which session hit this tool error?"; JSON
        events carry the level, logger, session and trace ids as fields from the start.
    """
    fix = """
        Configure one handler on stdout with a JSON formatter at start-up, e.g.
        `handler.setFormatter(pythonjsonlogger.json.JsonFormatter())`, or structlog with
        `JSONRenderer()`, or loguru `logger.add(sys.stdout, serialize=True)`.
    """
    invalid = (
        Example.repo({
            "app.py": """
                import logging

                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
                app = FastAPI()
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["uvicorn", "app:app", "--host", "0.0.0.0"]\n',
        }, lines=(5,)),
        # A service that logs through module loggers, with Alembic's env.py beside it: reported
        # at the declared process, not at the migration tool's logging set-up.
        Example.repo({
            "Procfile": "web: uvicorn app:app --host 0.0.0.0 --port $PORT\n",
            "app.py": """
                import logging

                from fastapi import FastAPI

                log = logging.getLogger(__name__)
                app = FastAPI()
            """,
            "migrations/env.py": """
                from logging.config import fileConfig

                from alembic import context

                fileConfig(context.config.config_file_name)
            """,
        }, lines=(1,)),
        # Monorepo: one app's JSON formatter does not cover another app that logs plain text.
        Example.repo({
            "apps/search/requirements.txt": "fastapi==0.115.6\npython-json-logger==3.2.1\n",
            "apps/search/main.py": """
                import logging

                from fastapi import FastAPI
                from pythonjsonlogger.json import JsonFormatter

                handler = logging.StreamHandler()
                handler.setFormatter(JsonFormatter())
                logging.basicConfig(handlers=[handler])
                app = FastAPI()
            """,
            "apps/chat/requirements.txt": "fastapi==0.115.6\n",
            "apps/chat/Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["uvicorn", "main:app"]\n',
            "apps/chat/main.py": """
                import logging

                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO)
                app = FastAPI()
            """,
        }, lines=(5,)),
    )
    valid = (
        Example.of("""
            import logging
            import sys

            from fastapi import FastAPI
            from pythonjsonlogger.json import JsonFormatter

            handler = logging.StreamHandler(sys.stdout)
            handler.setFormatter(JsonFormatter())
            logging.basicConfig(level=logging.INFO, handlers=[handler])
            app = FastAPI()
        """, "app.py"),
        Example.of("""
            import logging

            logging.basicConfig(level=logging.INFO)


            def summarise(text: str) -> str:
                return text[:100]
        """, "summarise.py"),
        # A published library's app factory: the embedding application chooses the log format.
        Example.repo({
            "setup.py": """
                from setuptools import find_packages, setup

                setup(name="flowboard", version="0.2.0", packages=find_packages(),
                      classifiers=["Programming Language :: Python :: 3"], install_requires=["flask>=2"])
            """,
            "flowboard/__init__.py": """
                import logging

                from flask import Flask


                def create_app():
                    logging.basicConfig(level=logging.INFO)
                    return Flask(__name__)
            """,
        }),
        # A demo service that does no logging at all: there is no log format to change.
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["streamlit", "run", "app.py"]\n',
            "app.py": """
                import streamlit as st

                st.title("Ask the docs")
                question = st.text_input("Question")
            """,
        }),
        # A command-line tool whose image only wraps its own console script.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=68"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "pair-coder"
                version = "1.0.0"
                classifiers = ["Environment :: Console"]

                [project.scripts]
                pair-coder = "pair_coder.main:main"
            """,
            "docker/Dockerfile": """
                FROM python:3.12-slim
                COPY . /src
                RUN pip install /src
                EXPOSE 8080
                ENTRYPOINT ["pair-coder", "--serve"]
            """,
            "pair_coder/main.py": """
                import logging


                def main():
                    logging.basicConfig(level=logging.WARNING)
            """,
        }),
        # The image runs a shell entry (an SSH dev box), no Python service; Alembic's env.py
        # configures the migration tool's own logging.
        Example.repo({
            "Dockerfile": 'FROM ubuntu:24.04\nEXPOSE 22 8000\nENTRYPOINT ["/entrypoint.sh"]\n',
            "requirements.txt": "alembic==1.13.2\n",
            "core/db/migrations/env.py": """
                from logging.config import fileConfig

                from alembic import context

                if context.config.config_file_name is not None:
                    fileConfig(context.config.config_file_name)
            """,
            "main.py": "from core.cli import run\n\nif __name__ == '__main__':\n    run()\n",
        }),
        # A tutorial's demo backend, run from its source on a laptop: no deploy file ships its logs
        # anywhere a log aggregator would parse them.
        Example.repo({
            "recipe_bot/requirements.txt": "fastapi==0.115.6\nuvicorn==0.32.1\n",
            "recipe_bot/server.py": """
                import logging

                import uvicorn
                from fastapi import FastAPI

                logging.basicConfig(level=logging.INFO)
                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app, host="127.0.0.1", port=8000)
            """,
        }),
        # Two independent apps of a monorepo: one logs JSON, the other does no logging at all.
        Example.repo({
            "apps/search/requirements.txt": "fastapi==0.115.6\npython-json-logger==3.2.1\n",
            "apps/search/main.py": """
                import logging

                from fastapi import FastAPI
                from pythonjsonlogger.json import JsonFormatter

                handler = logging.StreamHandler()
                handler.setFormatter(JsonFormatter())
                logging.basicConfig(handlers=[handler])
                app = FastAPI()
            """,
            "apps/chat/requirements.txt": "fastapi==0.115.6\n",
            "apps/chat/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = long_running_reason(repo)
        if reason is None and not _python_services(repo):
            reason = application_reason(repo) or "no deployed application runs a long-running Python process"
        return reason

    def check(self, repo: Repo) -> Iterable[Finding]:
        found = projects(repo)
        facts = [f for f in repo.all_facts if path_role(f.path) in ("src", "script")
                 and not (f.kind in ("logging-setup", "logs") and _MIGRATIONS_RE.search(f.path))]
        owned: dict[str, list] = {}
        for fact in facts:
            owned.setdefault(found.owner(fact.path).root, []).append(fact)
        # JSON set up in a shared library of the repository, or above a project, covers it.
        json_roots = {found.owner(f.path) for f in facts if f.kind == "json-logging"}
        if any(not p.is_application for p in json_roots):
            return
        for project in _python_services(repo):
            if any(p.root == "" or project.root == p.root or project.root.startswith(p.root + "/")
                   for p in json_roots):
                continue
            finding = self._check_project(repo, project, owned.get(project.root, []))
            if finding is not None:
                yield finding

    def _check_project(self, repo: Repo, project: Project, facts: list) -> Finding | None:
        found = projects(repo)
        cmds = [c for c in commands(repo) if found.owner(c.path) is project]
        if any("--log-config" in w or "--log-config-json" in w for c in cmds for w in c.words):
            return None
        if not any(f.kind in ("logging-setup", "logs") for f in facts):
            return None  # it does no logging at all: there is no log format to change
        message = ("No structured (JSON) logging is configured for this long-running process: add a JSON "
                   "formatter on a stdout handler (python-json-logger, structlog JSONRenderer, loguru serialize=True)")
        t = traits(repo)
        entry_files = t.entry_files | t.app_files
        setup = sorted((f for f in facts if f.kind == "logging-setup"),
                       key=lambda f: (f.path not in entry_files, f.path, f.line))
        if setup:
            return self.finding(setup[0].path, setup[0].line, setup[0].column, message)
        entries = sorted(p for p in t.entry_files if found.owner(p) is project)
        if entries:
            return self.finding(entries[0], 1, 1, message)
        if cmds:
            return self.finding(cmds[0].path, cmds[0].line, 1, message)
        anchor = sorted((f for f in facts if f.kind in ("app", "server-run", "loop")), key=lambda f: (f.path, f.line))
        if anchor:
            return self.finding(anchor[0].path, anchor[0].line, anchor[0].column, message)
        return None


def _python_services(repo: Repo) -> list[Project]:
    """Application projects (outside tests and examples) that a deploy file of their own ships
    and whose own Python code runs long: where logs reach an aggregator."""
    return [p for p in projects(repo).items if p.runtime and p.is_application and p.deployed and p.runs_python]


# -- TFA1102: logs written to files ----------------------------------------------------------------

_FILE_HANDLERS = {"logging.FileHandler", "logging.handlers.RotatingFileHandler",
                  "logging.handlers.TimedRotatingFileHandler", "logging.handlers.WatchedFileHandler",
                  "concurrent_log_handler.ConcurrentRotatingFileHandler"}
_STREAM_HANDLERS = {"logging.StreamHandler", "rich.logging.RichHandler"}
_STRUCTLOG_FACTORIES = {"structlog.WriteLoggerFactory", "structlog.PrintLoggerFactory", "structlog.BytesLoggerFactory"}
#: Paths that are the process's own output streams, not files.
_STD_STREAMS = {"-", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2",
                "ext://sys.stdout", "ext://sys.stderr"}
#: Keyword arguments loguru accepts only for file sinks.
_LOGURU_FILE_OPTIONS = {"rotation", "retention", "compression"}
_PATHISH_RE = re.compile(r"(?i)(file|path|log_?dir|\.log\b)")
_GUNICORN_CONFIG_RE = re.compile(r"(?i)(^|/)gunicorn[\w.-]*\.py$")
_LOG_FILE_FLAGS = ("--log-file", "--access-logfile", "--error-logfile", "--logfile")


class LogSinkFacts(FactCollector):
    """Where a module sends its logs: files (``file-log``) or the process's streams (``stream-log``)."""

    name = "log-sinks"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._params: list[dict[str, cst.BaseExpression | None]] = []  # per enclosing function: name -> default
        self._optional = 0  # enclosing `if`/conditional expressions: a file sink there is opt-in
        self._loguru_files: list[tuple[cst.CSTNode, str]] = []
        self._loguru_removed = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self._params.append({p.name.value: p.default for p in (*params.posonly_params, *params.params,
                                                               *params.kwonly_params)})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._params.pop()

    def visit_If(self, node: cst.If) -> None:
        if _opt_in_test(node):
            self._optional += 1

    def leave_If(self, original_node: cst.If) -> None:
        if _opt_in_test(original_node):
            self._optional -= 1

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._optional += 1

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self._optional -= 1

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        target = _argument(node, 0, "filename")
        if names & _FILE_HANDLERS and target is not None:
            self._file(node, f"`{_short(min(names & _FILE_HANDLERS))}`", target)
        elif names & _STREAM_HANDLERS:
            stream = _argument(node, 0, "stream")
            if stream is None or self._is_std_stream(stream):
                self.record("stream-log", node)
        elif "logging.basicConfig" in names:
            filename = _argument(node, None, "filename")
            if filename is not None and not _is_none(filename):
                self._file(node, "`logging.basicConfig(filename=…)`", filename)
            elif _argument(node, None, "handlers") is None:
                self.record("stream-log", node)  # basicConfig's own handler writes to stderr
        elif "loguru.logger.add" in names:
            self._loguru_sink(node)
        elif "loguru.logger.remove" in names and (not node.args or self.source_of(node.args[0].value) == "0"):
            self._loguru_removed = True
        elif names & _STRUCTLOG_FACTORIES:
            sink = _argument(node, 0, "file")
            if sink is None or self._is_std_stream(sink):
                self.record("stream-log", node)
            elif isinstance(sink, cst.Call) and ("builtins.open" in self.qualified_names(sink.func) or (
                    isinstance(sink.func, cst.Attribute) and sink.func.attr.value == "open")):
                self._file(node, f"`{_short(min(names & _STRUCTLOG_FACTORIES))}(file=open(…))`", sink)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        # dictConfig: {"class": "logging.handlers.RotatingFileHandler", "filename": ...}
        if not (isinstance(node.key, cst.SimpleString) and isinstance(node.value, cst.SimpleString)):
            return
        key, value = node.key.evaluated_value, node.value.evaluated_value
        if key == "class" and value in _FILE_HANDLERS and not self._optional:
            self.record("file-log", node, how=f"dictConfig handler class `{value}`", target="")
        elif (key == "class" and value in _STREAM_HANDLERS) or (key == "stream" and value in _STD_STREAMS):
            self.record("stream-log", node)

    def visit_Assign(self, node: cst.Assign) -> None:
        # gunicorn.conf.py: accesslog = "/var/log/gunicorn/access.log"
        if self._params or not _GUNICORN_CONFIG_RE.search(self.file.path):
            return
        if not isinstance(node.value, cst.SimpleString) or node.value.evaluated_value in _STD_STREAMS:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value in ("accesslog", "errorlog"):
                self.record("file-log", node, how=f"gunicorn `{target.target.value}`",
                            target=str(node.value.evaluated_value),
                            advice=f'Set `{target.target.value} = "-"` so gunicorn writes to the process\'s stream.')

    def leave_Module(self, original_node: cst.Module) -> None:
        # Unless the module removes loguru's default handler, its logs still reach stderr.
        if not self._loguru_removed:
            return
        for node, target in self._loguru_files:
            self.record("file-log", node, how="loguru `logger.add(…)`", target=target)

    def _loguru_sink(self, node: cst.Call) -> None:
        if not node.args or node.args[0].keyword is not None:
            return
        sink = node.args[0].value
        if isinstance(sink, cst.Lambda) or self._is_std_stream(sink) or (
                isinstance(sink, cst.Name) and sink.value == "print"):
            self.record("stream-log", node)
            return
        options = {a.keyword.value for a in node.args if a.keyword is not None}
        literal = isinstance(sink, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
        path = isinstance(sink, cst.BinaryOperation) and isinstance(sink.operator, cst.Divide) or (
            isinstance(sink, cst.Call) and self.qualified_names(sink.func) & {"pathlib.Path", "os.path.join"})
        named = isinstance(sink, (cst.Name, cst.Attribute)) and (
            bool(_PATHISH_RE.search(self.source_of(sink))) or bool(options & _LOGURU_FILE_OPTIONS))
        if (literal or path or named) and not self._optional and not self._caller_decides(sink):
            self._loguru_files.append((node, _short(self.source_of(sink))))

    def _file(self, node: cst.Call, how: str, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.SimpleString) and target.evaluated_value in _STD_STREAMS:
            self.record("stream-log", node)
        elif not self._optional and not self._caller_decides(target):
            self.record("file-log", node, how=how, target=_short(self.source_of(target)))

    def _caller_decides(self, target: cst.BaseExpression) -> bool:
        """A path parameter without a file default: the caller chooses whether to log to a file."""
        if not self._params or not isinstance(target, cst.Name) or target.value not in self._params[-1]:
            return False
        return not isinstance(self._params[-1][target.value], (cst.SimpleString, cst.FormattedString))

    def _is_std_stream(self, node: cst.BaseExpression) -> bool:
        if self.qualified_names(node) & {"sys.stdout", "sys.stderr"}:
            return True
        return isinstance(node, cst.SimpleString) and node.evaluated_value in _STD_STREAMS


def _opt_in_test(node: cst.If) -> bool:
    """An `if` that makes what it guards optional — not the `__main__` guard, not `if not logger.handlers:`."""
    return not is_main_guard(node) and not re.search(r"(?i)handlers", _EMPTY.code_for_node(node.test))


_EMPTY = cst.Module([])


def _argument(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if position is not None and len(positional) > position:
        return positional[position].value
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


_STDOUT_ADVICE = ("Log to stdout (`logging.StreamHandler(sys.stdout)`, `logger.add(sys.stdout)`) and let the "
                  "environment route the stream.")


class LogsWrittenToFiles(RepoRule):
    id = "TFA1102"
    name = "logs-written-to-files"
    factor = 11
    severity = Severity.WARNING
    title = "Logs written to files instead of the event stream"
    collectors = (ProcessFacts, LogSinkFacts)
    what = """
        A log sink that is a file: `logging.FileHandler` and the rotating/watched file handlers,
        `logging.basicConfig(filename=…)`, a dictConfig handler `class` naming one of them, loguru
        `logger.add("agent.log")` after `logger.remove()`, structlog writing to `open(…)`,
        gunicorn `accesslog`/`errorlog` paths, and `--log-file`/`--access-logfile`/`--error-logfile`/`--logfile`
        paths in declared commands. Not reported: modules that also log to stdout/stderr (a stream
        handler, `basicConfig()` without a file, loguru's default stderr sink), file sinks behind an
        `if` (opt-in), path parameters with no file default, `/dev/stdout` and `-`, and tests,
        scripts and examples.
    """
    why = """
        A twelve-factor app never routes or stores its own output: it writes one unbuffered
        event stream to stdout and the platform collects it. In a container a log file is lost
        with the process, fills the writable layer or a volume, is invisible to `docker logs`
        and `kubectl logs`, and needs its own shipping and rotation.
    """
    fix = """
        Log to stdout: `handler = logging.StreamHandler(sys.stdout)` (with a JSON formatter), or
        `logger.add(sys.stdout, serialize=True)` with loguru, and pass `-` to gunicorn's log
        options. If an operator wants a file, let the environment redirect the stream.
    """
    invalid = (
        Example.of("""
            import logging

            from fastapi import FastAPI

            logging.basicConfig(filename="logs/agent.log", level=logging.INFO)
            app = FastAPI()
        """, "app.py", lines=(5,)),
        Example.repo({
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/log.py": """
                import sys
                from logging.handlers import RotatingFileHandler as Rotating

                from loguru import logger

                logger.remove()
                logger.add(f"logs/{sys.argv[0]}.log", rotation="10 MB")
                handler = Rotating("logs/agent.log", maxBytes=10_000_000)
            """,
            "Procfile": "web: gunicorn agent.app:app -k uvicorn.workers.UvicornWorker --access-logfile /var/log/access.log\n",
        }, lines=(1, 7, 8)),
    )
    valid = (
        Example.of("""
            import logging
            import sys

            from fastapi import FastAPI

            logging.basicConfig(level=logging.INFO, handlers=[
                logging.StreamHandler(sys.stdout),
                logging.FileHandler("logs/agent.log"),
            ])
            app = FastAPI()
        """, "app.py"),
        Example.repo({
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/logs.py": """
                import logging
                import os

                from loguru import logger

                logger.add("logs/debug.log", rotation="1 day")


                def setup(log_file: str | None = None) -> None:
                    if os.getenv("LOG_TO_FILE"):
                        logging.getLogger().addHandler(logging.FileHandler("agent.log"))
                    if log_file:
                        logging.getLogger().addHandler(logging.FileHandler(log_file))


                def to(path: str) -> logging.Handler:
                    return logging.FileHandler(path)


                stdout_too = logging.FileHandler("/dev/stdout")
            """,
            "Procfile": "web: gunicorn app:app --access-logfile - --error-logfile -\n",
        }),
        Example.repo({
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "scripts/backfill.py": """
                import logging

                logging.basicConfig(filename="backfill.log")
            """,
            "tests/conftest.py": """
                import logging

                handler = logging.FileHandler("test.log")
            """,
        }),
        Example.of("""
            import logging

            logging.basicConfig(filename="summary.log")


            def summarise(text: str) -> str:
                return text[:100]
        """, "summarise.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        streams = {f.path for f in repo.facts("stream-log")}
        for fact in repo.facts("file-log"):
            if path_role(fact.path) != "src" or fact.path in streams:
                continue
            target = f" (`{fact.data['target']}`)" if fact.data.get("target") else ""
            yield self.finding(fact.path, fact.line, fact.column,
                               f"{fact.data['how']} writes logs to a file{target}: the platform's log collection "
                               "never sees it, and in a container it is lost with the process or fills the disk. "
                               + fact.data.get("advice", _STDOUT_ADVICE))
        for cmd in commands(repo):
            if not cmd.runner:
                continue
            for flag, value in _flag_values(cmd.words):
                if value in _STD_STREAMS or "$" in value:
                    continue
                yield self.finding(cmd.path, cmd.line, 1,
                                   f"`{flag} {value}` makes `{cmd.runner}` write its logs to a file the platform "
                                   f"never collects: pass `{flag} -` so they go to the process's output stream.")


def _flag_values(words: tuple[str, ...]) -> Iterable[tuple[str, str]]:
    for i, word in enumerate(words):
        for flag in _LOG_FILE_FLAGS:
            if word == flag and i + 1 < len(words):
                yield flag, words[i + 1]
            elif word.startswith(flag + "="):
                yield flag, word[len(flag) + 1:]


# -- TFA1104: secrets sent to logs -----------------------------------------------------------------

_LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log", "trace",
                "success", "msg"}
_LOGGING_FUNCTIONS = {f"logging.{m}" for m in _LOG_METHODS}
#: Calls that return a logger (stdlib, structlog, celery, project helpers named alike).
_LOGGER_FACTORIES = {"getLogger", "get_logger", "get_task_logger", "LoggerAdapter", "wrap_logger", "getChild"}
_LOGGER_DERIVATIONS = {"bind", "opt", "new", "patch", "contextualize"}
_CONVENTIONAL_LOGGERS = {"logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "_LOG"}
#: print()/log arguments that carry no value of their own.
_NON_VALUE_KEYWORDS = {"file", "sep", "end", "flush", "exc_info", "stack_info", "stacklevel", "level"}
#: Calls and methods that pass their argument's text through.
_TRANSPARENT_CALLS = {"str", "repr", "format", "ascii", "dict", "list", "tuple", "dumps", "pformat", "vars"}
_TRANSPARENT_METHODS = {"strip", "lstrip", "rstrip", "encode", "decode", "upper", "lower", "get_secret_value",
                        "replace", "format", "join", "copy", "items", "values", "model_dump", "dict", "to_dict"}
#: Methods that serialize a whole object: under a secret-named key (`{"secret": lease.model_dump()}`)
#: the object is a record about the secret; it leaks only when its own name says it is the secret.
_SERIALIZERS = {"model_dump", "dict", "to_dict", "json", "model_dump_json", "asdict"}
#: Names that match the secret pattern but hold a flag, a count or a masked form.
_NOT_A_VALUE_RE = re.compile(
    r"(?i)(^pwd$|tokens|page_?token|tiktoken|^(has|is|use|should|needs?|with|no|missing|requires?|enable|valid|masked|redacted|hashed|"
    r"obfuscated|num|n)_|_(set|present|configured|exists|provided|missing|valid|enabled|source|status|required|"
    r"loaded|ok|found|available|masked|redacted|preview|hint|last4|hash|hashed|fingerprint|count|expires\w*|manager|"
    r"client|provider|store|service|backend|handler|validator|factory|helper|class|module|scopes?|arn|version|"
    r"kind|mode|ttl|timeout|location|age|error)$|^credentials?$)")
_GENERATED_RE = re.compile(r"^_?(generate|gen|create|new|make|issue|mint|rotate)")
#: Calls whose result is a digest of their input, not the input: a hash of ids is no secret.
_DIGEST_RE = re.compile(r"^(hexdigest|digest|hash|sha\d*|md5|blake2[bs]?|xxh\d*)$")
#: A message about locks: the tokens it shows are lock-ownership ids.
_LOCK_WORDS = frozenset({"lock", "locks", "lease", "mutex", "semaphore"})
#: ``…_token`` kinds that are always credentials, whatever the message says.
_CREDENTIAL_TOKEN_KINDS = frozenset({"access", "auth", "refresh", "api", "bearer", "session", "oauth", "id", "bot",
                                     "jwt", "csrf"})
#: A flag asking the program to show a secret (``--print-token``): the output is the point.
_SHOW_WORDS = frozenset({"print", "show", "reveal", "display", "echo", "dump", "output", "export"})
_SHOWN_WORDS = frozenset({"token", "key", "secret", "secrets", "password", "credential", "credentials", "apikey"})
#: pydantic's masked types: ``str()`` of one is ``**********``.
_MASKED_TYPES = frozenset({"SecretStr", "SecretBytes"})


def _secret_name(name: str) -> bool:
    return is_secret_name(name) and not _NOT_A_VALUE_RE.search(name)


class SecretInLogs(PythonRule):
    id = "TFA1104"
    name = "secret-in-logs"
    factor = 11
    severity = Severity.ERROR
    precision = "low"  # field trials: see docs/field-trials.md
    security = True
    security_severity = 6.5
    title = "Secret values sent to logs"
    what = """
        A `print()`, `logging.<level>()` or `<logger>.<level>()` call (a name bound to
        `logging.getLogger(…)`, structlog's `get_logger()`, loguru's `logger`, or conventionally
        named `logger`/`log`) whose message, %-format or `.format` arguments, f-string fields,
        keyword arguments or `extra` values reference a secret: a variable or attribute named
        like one (`api_key`, `OPENAI_API_KEY`, `self.password`, `client_secret`), `os.environ`
        as a whole, `os.environ["…_API_KEY"]`/`os.getenv("…_TOKEN")`, or `config["api_key"]`.
        Names match on whole words and on their head (the last word, before a preposition):
        `credential_key`, `credential_ids`, `secret_refs`, `api_key_debug_fields`,
        `token_count_after_trim` and `cost_per_token` name no secret; `…_key` is one only as an
        API, secret, private, access, auth, signing or encryption key; `…_token` is not one as a
        lock, page, cancel, claims or LLM token.
        Not reported: values wrapped in `len()`, `bool()`, `mask()`/`redact()`/`hash…()`, sliced
        (`key[:4]`) or compared (`key is None`); counts and flags (`max_tokens`, `has_api_key`);
        names assigned a digest (`hashlib.sha256(…).hexdigest()`); pydantic `SecretStr` values
        (they print `**********`) unless `.get_secret_value()` is called; tokens in a message
        about locks, or in a streamed `print(…, end="")`; `print(…, file=fh)` to a file; a
        `print()` under a flag that asks for it (`if args.print_token:`); secrets the same file
        generates and shows once (`secrets.token_urlsafe()`, `generate_…()`,
        `await create_…()`) or assigns from a literal; tests.
    """
    why = """
        Logs are copied to terminals, CI output, aggregators and support tickets, kept for
        months and read by far more people than the secret store. A key written to the log
        stream once must be treated as leaked and rotated.
    """
    fix = """
        Log that the secret is present, never its value: `logger.info("openai_configured",
        extra={"key_set": bool(api_key)})`, or a masked form such as `api_key[:4] + "…"`.
        Remove whole-environment dumps (`print(os.environ)`).
    """
    invalid = (
        Example.of("""
            import logging
            import os

            log = logging.getLogger(__name__)
            OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]


            def connect(settings):
                log.info(f"Using key {OPENAI_API_KEY}")
                log.debug("env: %s", os.environ)
                print("token:", os.getenv("GITHUB_TOKEN"), sep=" ")
                logging.warning("auth failed for %s", settings.client_secret)
        """, "agent/llm.py", lines=(9, 10, 11, 12)),
        Example.of("""
            import structlog


            class Client:
                def __init__(self, api_key: str, config: dict) -> None:
                    self.logger = structlog.get_logger()
                    self.logger.info("client_ready", api_key=api_key)
                    self.logger.info("config {}".format(config["db_password"]))
        """, "agent/client.py", lines=(7, 8)),
        Example.of("""
            import json
            import logging

            from pydantic import SecretStr

            logger = logging.getLogger(__name__)


            def load_or_create_key(path):
                with open(path) as fh:
                    return json.load(fh)["key"]


            MASTER_ENCRYPTION_KEY = load_or_create_key("key.json")
            print(f"Using encryption key: {MASTER_ENCRYPTION_KEY}")


            def check_hook(request, store, verbose, api_key: SecretStr, session_token):
                hook_token = request.headers.get("X-Hook-Token")
                if not store.find(hook_token):
                    logger.warning(f"no secret for hook token {hook_token}")
                if verbose:
                    print("token:", hook_token)
                logger.info("lock held by session %s", session_token)
                print(f"key {api_key.get_secret_value()}", end="")
                logger.debug("hook", extra={"secret": hook_token.strip(), "kind": "gitlab"})
        """, "agent/hooks.py", lines=(15, 21, 23, 24, 25, 26)),
    )
    valid = (
        Example.of("""
            import logging
            import os

            logger = logging.getLogger(__name__)
            api_key = os.getenv("OPENAI_API_KEY")
            logger.info("openai_configured", extra={"key_set": bool(api_key)})
            logger.info("key prefix %s…, %d chars", api_key[:4], len(api_key))
            logger.info(f"key missing: {api_key is None}")
            logger.info(f"{'set' if api_key else 'missing'} / {mask(api_key)}")
            logger.info("budget: %d", max_tokens, extra={"token_count": token_count})
            logger.info("env vars: %s", sorted(os.environ.keys()))
            print("HOME is", os.environ["HOME"])
        """, "agent/config.py"),
        Example.of("""
            import secrets


            def create_key(path: str) -> None:
                api_key = secrets.token_urlsafe(32)
                with open(path, "w") as fh:
                    print(f"API_KEY={api_key}", file=fh)
                print(f"Your new key (shown once): {api_key}")
        """, "agent/keys.py"),
        Example.of("""
            import logging

            log = logging.getLogger(__name__)


            def list_page(cursor, next_page_token, started):
                log.info("resuming from page token %s", cursor.pageToken)
                log.info("next: %s", next_page_token)
                token_age = now() - started
                log.warning("stale session: token_age=%s", token_age)
                try:
                    load_encoding()
                except Exception as token_error:
                    log.debug("no encoding: %s", token_error)
        """, "agent/pager.py"),
        Example.of("""
            def test_login(client):
                password = "hunter2-but-longer"
                print(client.login(password=password))
                print(f"password was {password}")
        """, "tests/test_login.py"),
        Example.of("""
            class Report:
                def info(self, text: str) -> None:
                    self.lines.append(text)


            def build(report: Report, api_key: str) -> None:
                report.info(f"key={api_key}")
                print(f"key length {len(api_key)}")
        """, "agent/report.py"),
        Example.of("""
            import structlog

            log = structlog.get_logger()


            def fill_otp(step, param_key, vault_ids, cleared_credential_ids, policy):
                log.info("otp filled", credential_key=param_key, credential_ids=vault_ids)
                log.info("profile detached", cleared_credential_ids=cleared_credential_ids)
                log.info("ask card", answerable=policy.credential_card_answerable)
                candidate_credential_keys = [k for k in step.params if k.startswith("cred_")]
                log.info("several candidates", keys=candidate_credential_keys)
        """, "agent/otp.py"),
        Example.of("""
            import logging

            logger = logging.getLogger(__name__)
            SUMMARY_TOKEN_RESERVE = 4000


            def trim(prompt, count_tokens, cost_per_token, raw_key, debug_fields):
                token_count_after_trim = count_tokens(prompt)
                logger.warning("still long: %d (reserve %d, %.6f/token)", token_count_after_trim,
                               SUMMARY_TOKEN_RESERVE, cost_per_token)
                logger.warning("bad key", extra={"api_key_length": len(raw_key),
                                                 "api_key_debug_fields": debug_fields})
        """, "agent/budget.py"),
        Example.of("""
            import hashlib
            import logging

            logger = logging.getLogger(__name__)


            def diagnose(lease, store, job_ids, cancel_token, claims_token):
                local_token = lease.local.token
                remote_token = store.get(lease.name)
                logger.warning("LeaseLock diagnostic: local_token=%s remote_token=%s", local_token, remote_token)
                logger.info("cancel requested", extra={"cancel_token": cancel_token})
                logger.error("no group id in claims token %s", claims_token)
                request_token = hashlib.sha256(",".join(job_ids).encode()).hexdigest()
                logger.info("dedupe key %s", request_token)
        """, "agent/locks.py"),
        Example.of("""
            import argparse
            import json


            def stream_answer(lines):
                for line in lines:
                    new_token = json.loads(line).get("delta")
                    if new_token:
                        print(new_token, end="", flush=True)


            def main(read_keychain):
                parser = argparse.ArgumentParser()
                parser.add_argument("--print-token", action="store_true")
                args = parser.parse_args()
                access_token = read_keychain()["oauth"]["accessToken"]
                if args.print_token:
                    print(access_token)
        """, "scripts/export_token.py"),
        Example.of("""
            async def create_service_token(org_id, issue_service_token, db):
                signed = issue_service_token(org_id)
                service_token = await db.create_service_token(org_id, token=signed)
                print(f"Created the token for {org_id} (shown once): {service_token}")
        """, "scripts/new_token.py"),
        Example.of("""
            from pydantic import BaseModel, SecretStr


            class Settings(BaseModel):
                api_key: SecretStr


            def show(settings: Settings, secret_result, session_state) -> None:
                print(f"settings: {settings.api_key}")
                print("secret bootstrap:", secret_result.model_dump(mode="json"))
                print("refs:", session_state.secret_refs)
                print("kept:", {"secret": secret_lease.model_dump(mode="json")})
        """, "examples/show_settings.py"),
    )

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._loggers: set[str] = set()  # names and attributes bound to a logger
        self._literal: set[str] = set()  # names assigned a literal: the value is in the source already
        self._generated: set[str] = set()  # names assigned a freshly generated secret
        self._derived: set[str] = set()  # names assigned a digest: not the secret
        self._masked: set[str] = set()  # names annotated SecretStr: printing one shows asterisks
        self._shown_blocks: set[int] = set()  # bodies of `if args.print_token:`
        self._shown_depth = 0
        self._token_context = False  # the call's own words say its tokens are no credentials
        self._pending: list[tuple[cst.Call, str, str | None, list[tuple[str, str | None]]]] = []

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is not None and self._masked_annotation(node.annotation.annotation):
            self._masked.add(node.name.value)

    def _masked_annotation(self, annotation: cst.BaseExpression) -> bool:
        return any(isinstance(n, cst.Name) and n.value in _MASKED_TYPES for n in find_all(annotation, cst.Name))

    def visit_If(self, node: cst.If) -> None:
        for name in find_all(node.test, cst.Name):
            words = set(name_words(name.value))
            if words & _SHOW_WORDS and words & _SHOWN_WORDS:
                self._shown_blocks.add(id(node.body))
                return

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._shown_blocks:
            self._shown_depth += 1

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        if id(original_node) in self._shown_blocks:
            self._shown_depth -= 1

    def visit_Assign(self, node: cst.Assign) -> None:
        self._bind([t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._masked_annotation(node.annotation.annotation):
            name = node.target.attr if isinstance(node.target, cst.Attribute) else node.target
            if isinstance(name, cst.Name):
                self._masked.add(name.value)
        if node.value is not None:
            self._bind([node.target], node.value)

    def _bind(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        names = [self.source_of(t) for t in targets if isinstance(t, (cst.Name, cst.Attribute))]
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            self._literal.update(names)
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return
        if _DIGEST_RE.match(callee_name(value.func) or "") or any(
                q.startswith("hashlib.") for q in self.qualified_names(value.func)):
            self._derived.update(names)
        callee = value.func.attr.value if isinstance(value.func, cst.Attribute) else (
            value.func.value if isinstance(value.func, cst.Name) else "")
        if callee in _LOGGER_FACTORIES or (callee in _LOGGER_DERIVATIONS and isinstance(value.func, cst.Attribute)
                                           and self._is_logger_expr(value.func.value)):
            self._loggers.update(names)
        qnames = self.qualified_names(value.func)
        if _GENERATED_RE.match(callee) or any(q.startswith(("secrets.", "uuid.")) for q in qnames):
            self._generated.update(names)

    def visit_Call(self, node: cst.Call) -> None:
        if self.file.role == "test":
            return
        names = self.qualified_names(node.func)
        receiver: str | None = None
        if "builtins.print" in names:
            label = "print()"
            target = _argument(node, None, "file")
            if target is not None and not self.qualified_names(target) & {"sys.stdout", "sys.stderr"}:
                return  # writing a file, not output
        elif names & _LOGGING_FUNCTIONS:
            label = f"{min(names & _LOGGING_FUNCTIONS)}()"
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in _LOG_METHODS:
            value = node.func.value
            label = f"{_short(self.source_of(node.func), 40)}()"
            if not self._is_logger_expr(value):
                receiver = self.source_of(value)  # decided at the end of the module, once loggers are known
        else:
            return
        if label == "print()" and self._shown_depth:
            return  # `if args.print_token: print(token)`: showing it is what the user asked for
        end = string_value(_argument(node, None, "end"))
        # A streamed print (`print(chunk, end="")`) shows LLM tokens; a lock message, lock tokens.
        self._token_context = (label == "print()" and end is not None and "\n" not in end) or bool(
            _LOCK_WORDS & set(name_words(" ".join(_literal_text(node)))))
        leaks: list[tuple[str, str | None]] = []
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _NON_VALUE_KEYWORDS:
                continue
            forced = arg.keyword is not None and _secret_name(arg.keyword.value)
            self._leaks(arg.value, leaks, forced)
        self._token_context = False
        if leaks:
            self._pending.append((node, label, receiver, leaks))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, label, receiver, leaks in self._pending:
            if receiver is not None and not self._is_logger(receiver):
                continue
            # Printing a freshly generated key once is how it is handed over; a literal is in the source anyway.
            known = self._literal | self._derived | (self._generated if label == "print()" else set())
            leaks = [(text, root) for text, root in leaks
                     if root is None or (root not in known and root.rsplit(".", 1)[-1] not in self._masked)]
            if not leaks:
                continue
            shown = ", ".join(f"`{text}`" for text in dict.fromkeys(t for t, _ in leaks[:3]))
            self.report(node, f"`{label}` writes {shown} to the logs, where anyone who reads them can use it: "
                              "log whether it is set (`bool(value)`) or a masked form (`value[:4] + '…'`) instead.")

    def _is_logger_expr(self, expr: cst.BaseExpression) -> bool:
        """loguru's logger, a logger factory's result (``structlog.get_logger().bind(…)``), or a bound name."""
        if "loguru.logger" in self.qualified_names(expr):
            return True
        if isinstance(expr, cst.Call):
            callee = callee_name(expr.func) or ""
            return callee in _LOGGER_FACTORIES or (
                callee in _LOGGER_DERIVATIONS and isinstance(expr.func, cst.Attribute)
                and self._is_logger_expr(expr.func.value))
        return self._is_logger(self.source_of(expr))

    def _is_logger(self, source: str) -> bool:
        bare = source.split(".", 1)[1] if source.startswith(("self.", "cls.")) else source
        return source in self._loggers or bare in self._loggers or bare in _CONVENTIONAL_LOGGERS

    def _leaks(self, expr: cst.BaseExpression, out: list[tuple[str, str | None]], forced: bool = False) -> None:
        """Append (shown text, root name) for each secret value ``expr`` passes on."""
        if isinstance(expr, (cst.Name, cst.Attribute)):
            if self.qualified_names(expr) & {"os.environ"}:
                out.append(("os.environ", None))
            elif isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
                return
            elif forced or self._names_secret(expr.value if isinstance(expr, cst.Name) else expr.attr.value):
                root = None if self._revealed else self.source_of(expr)
                out.append((_short(self.source_of(expr)), root))
        elif isinstance(expr, cst.Subscript):
            self._subscript_leaks(expr, out, forced)
        elif isinstance(expr, cst.Call):
            self._call_leaks(expr, out, forced)
        elif isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringExpression) and not _truncates(part):
                    self._leaks(part.expression, out, forced)
        elif isinstance(expr, (cst.ConcatenatedString, cst.BinaryOperation, cst.BooleanOperation)):
            self._leaks(expr.left, out, forced)
            self._leaks(expr.right, out, forced)
        elif isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            for element in expr.elements:
                self._leaks(element.value, out, forced)
        elif isinstance(expr, cst.Dict):
            for element in expr.elements:
                key_forced = isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) and (
                    _secret_name(str(element.key.evaluated_value)))
                self._leaks(element.value, out, forced or key_forced)
        elif isinstance(expr, cst.IfExp):
            self._leaks(expr.body, out, forced)
            self._leaks(expr.orelse, out, forced)
        elif isinstance(expr, cst.UnaryOperation) and not isinstance(expr.operator, cst.Not):
            self._leaks(expr.expression, out, forced)
        # Comparisons, `not x`, literals and lambdas carry no secret text.

    def _subscript_leaks(self, expr: cst.Subscript, out: list[tuple[str, str | None]], forced: bool) -> None:
        if any(isinstance(e.slice, cst.Slice) for e in expr.slice):
            return  # key[:4]
        index = expr.slice[0].slice if len(expr.slice) == 1 else None
        key = index.value if isinstance(index, cst.Index) else None
        if isinstance(key, cst.SimpleString):
            if _secret_name(str(key.evaluated_value)) or (forced and not self._is_environ(expr.value)):
                out.append((_short(self.source_of(expr)), None))
        elif not self._is_environ(expr.value):
            self._leaks(expr.value, out, forced)

    def _call_leaks(self, expr: cst.Call, out: list[tuple[str, str | None]], forced: bool) -> None:
        qnames = self.qualified_names(expr.func)
        callee = callee_name(expr.func) or ""
        if callee in ("getenv", "get") and expr.args and isinstance(expr.args[0].value, cst.SimpleString):
            environ = "os.getenv" in qnames or (isinstance(expr.func, cst.Attribute) and self._is_environ(expr.func.value))
            if _secret_name(str(expr.args[0].value.evaluated_value)) or (forced and not environ):
                out.append((_short(self.source_of(expr)), None))
            return
        if isinstance(expr.func, cst.Attribute) and callee == "get_secret_value":
            self._revealed += 1  # the plain value, whatever the receiver's masked type
            self._leaks(expr.func.value, out, forced)
            self._revealed -= 1
        elif isinstance(expr.func, cst.Attribute) and callee in _TRANSPARENT_METHODS:
            self._leaks(expr.func.value, out, forced and callee not in _SERIALIZERS)
        elif callee not in _TRANSPARENT_CALLS:
            return  # what any other call returns (len, bool, mask, hashlib…) is not its argument
        for arg in expr.args:
            self._leaks(arg.value, out, forced)

    def _is_environ(self, expr: cst.BaseExpression) -> bool:
        return bool(self.qualified_names(expr) & {"os.environ"})

    _revealed = 0  # inside `….get_secret_value()`

    def _names_secret(self, name: str) -> bool:
        if not _secret_name(name):
            return False
        if self._token_context and secret_head(name) == "token":
            words = name_words(name)
            return len(words) > 1 and words[-2] in _CREDENTIAL_TOKEN_KINDS
        return True


def _literal_text(call: cst.Call) -> list[str]:
    """The literal words of a call's arguments: string constants and f-strings' text parts."""
    texts = []
    for arg in call.args:
        for node in find_all(arg.value, (cst.SimpleString, cst.FormattedStringText)):
            texts.append(node.value)
    return texts


def _truncates(part: cst.FormattedStringExpression) -> bool:
    """``f"{key:.4}"`` shows a prefix only."""
    spec = "".join(_EMPTY.code_for_node(p) for p in part.format_spec or ())
    return bool(re.search(r"\.\d", spec))
