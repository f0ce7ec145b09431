"""Factor XI — Logs: an event stream on stdout, structured, never files or prints."""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, PythonRule, RepoRule

from ._processes import (
    APP_CONSTRUCTORS,
    FOREVER_METHODS,
    ProcessFacts,
    commands,
    is_main_guard,
    is_service_loop_test,
    long_running_reason,
    traits,
)

_CLI_FILE_RE = re.compile(r"(^|/)(__main__|cli|cli_\w+|\w+_cli|manage|console)\.py$"
                          r"|(^|/)(cli|commands|tui|terminal|terminal_\w+|\w+_terminal|console)/")
_OUTPUT_FUNC_RE = re.compile(r"(?i)^_?(main|cli|run_cli|repl|interactive\w*|print\w*|pprint\w*|show\w*|display\w*|"
                             r"render\w*|pretty\w*|dump\w*|report\w*|usage|help|echo\w*)$")
_CLI_MARKERS = {"argparse.ArgumentParser", "typer.Typer", "fire.Fire", "click.command", "click.group"}
_PROMPTS = {"builtins.input", "getpass.getpass", "click.prompt", "click.confirm", "typer.prompt", "typer.confirm",
            "rich.prompt.Prompt.ask", "rich.prompt.Confirm.ask", "inquirer.prompt", "questionary.text",
            "questionary.select", "questionary.confirm"}
_JSON_LOGGING = re.compile(r"(pythonjsonlogger|JsonFormatter|JSONRenderer|StdlibFormatter|json_logs|JSONFormatter)")


class PrintInServiceCode(PythonRule):
    id = "TFA1101"
    name = "print-in-service-code"
    factor = 11
    severity = Severity.WARNING
    title = "print() used for operational output in service code"
    collectors = (ProcessFacts,)
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)
    what = """
        A call to the built-in `print` (not a local function of that name) in the source of a
        repository that runs a service or worker. Not reported: `if __name__ == "__main__":`
        blocks, command-line modules (argparse, click, typer, fire; `cli.py`, `__main__.py`,
        `cli/`, `tui/`, `terminal_*/` packages; a module with a `__main__` block that starts
        no server and runs no service loop), prints in the block of a prompt (`input()`) or nested in it,
        functions whose job is output (`main`, `print_*`, `show_*`, `render_*`…),
        `print(…, file=fh)` to a real file, and tests, scripts and examples.
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
            "app/server.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
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
    )
    valid = (
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._functions: list[str] = []
        self._main_depth = 0
        self._cli = bool(_CLI_FILE_RE.search(file.path))
        self._has_main_guard = False
        self._serves = False  # starts a server or runs a service loop
        self._blocks: list[cst.IndentedBlock] = []  # enclosing statement blocks, innermost last
        self._prompting: set[int] = set()  # ids of blocks that ask the user for input
        self._print_blocks: list[set[int]] = []  # ids of the blocks enclosing each finding

    def visit_While(self, node: cst.While) -> None:
        if is_service_loop_test(node.test):
            self._serves = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._functions.append(node.name.value)
        for decorator in node.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("command", "group", "callback"):
                self._functions.append("<cli>")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        while self._functions and self._functions.pop() == "<cli>":
            pass

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._blocks.append(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self._blocks.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if self.qualified_names(base.value) & _CLI_MARKERS:
                self._cli = True  # a customised argparse parser

    def visit_If(self, node: cst.If) -> None:
        if is_main_guard(node):
            self._main_depth += 1
            self._has_main_guard = True

    def leave_If(self, original_node: cst.If) -> None:
        if is_main_guard(original_node):
            self._main_depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if names & _CLI_MARKERS:
            self._cli = True
        if names & _PROMPTS and self._blocks:
            self._prompting.add(id(self._blocks[-1]))
        if names & APP_CONSTRUCTORS.keys() or (
                isinstance(node.func, cst.Attribute) and node.func.attr.value in FOREVER_METHODS):
            self._serves = True
        if "builtins.print" not in names or self.file.role != "src" or self._main_depth:
            return
        if "<cli>" in self._functions or any(_OUTPUT_FUNC_RE.match(f) for f in self._functions):
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "file":
                target = self.source_of(arg.value)
                if target not in ("sys.stdout", "sys.stderr"):
                    return
        self.report(node, "`print()` in service code has no level or structure: use a module logger "
                          "(`logger = logging.getLogger(__name__)`; `logger.info(...)`)")
        self._print_blocks.append({id(b) for b in self._blocks})

    def visit_Decorator(self, node: cst.Decorator) -> None:
        expr = node.decorator.func if isinstance(node.decorator, cst.Call) else node.decorator
        if self.qualified_names(expr) & _CLI_MARKERS:
            self._cli = True

    def leave_Module(self, original_node: cst.Module) -> None:
        if self._cli or (self._has_main_guard and not self._serves):
            self.findings.clear()  # a command-line program: print is its user interface
            return
        # A print in the block of a prompt, or nested in it, is part of a conversation with the user.
        self.findings[:] = [f for f, blocks in zip(self.findings, self._print_blocks)
                            if not blocks & self._prompting]


class LoggingFacts(FactCollector):
    """Where logging is used, and whether a structured (JSON) formatter is configured."""

    name = "logging"
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if any(_JSON_LOGGING.search(n) for n in names) or names & {"logfire.configure", "ecs_logging.StdlibFormatter"}:
            self.record("json-logging", node, how=sorted(names)[0])
        elif any(a.keyword is not None and a.keyword.value == "serialize" and isinstance(a.value, cst.Name)
                 and a.value.value == "True" for a in node.args):
            self.record("json-logging", node, how="loguru serialize=True")
        elif names & {"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig"}:
            self.record("logging-setup", node, how=sorted(names)[0])

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
    collectors = (ProcessFacts, LoggingFacts)
    what = """
        A repository that runs a service or worker but configures no machine-parseable log
        format anywhere: no python-json-logger `JsonFormatter`, structlog `JSONRenderer`,
        loguru `serialize=True`, `logging.Formatter` subclass emitting `json.dumps`,
        ecs-logging or logfire, and no `--log-config` handed to the server. Reported once, at
        the logging set-up (`basicConfig`/`dictConfig`) or the process entry.
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
        Example.of("""
            import logging

            from fastapi import FastAPI

            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
            app = FastAPI()
        """, "app.py", lines=(5,)),
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
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        facts = [f for f in repo.all_facts if path_role(f.path) in ("src", "script")]
        if any(f.kind == "json-logging" for f in facts):
            return
        cmds = commands(repo)
        if any("--log-config" in w or "--log-config-json" in w for c in cmds for w in c.words):
            return
        message = ("No structured (JSON) logging is configured for this long-running process: add a JSON "
                   "formatter on a stdout handler (python-json-logger, structlog JSONRenderer, loguru serialize=True)")
        t = traits(repo)
        entry_files = t.entry_files | t.app_files
        setup = sorted((f for f in facts if f.kind == "logging-setup"),
                       key=lambda f: (f.path not in entry_files, f.path, f.line))
        if setup:
            yield self.finding(setup[0].path, setup[0].line, setup[0].column, message)
            return
        entries = sorted(traits(repo).entry_files)
        if entries:
            yield self.finding(entries[0], 1, 1, message)
        elif cmds:
            yield self.finding(cmds[0].path, cmds[0].line, 1, message)
        else:
            anchor = sorted((f for f in facts if f.kind in ("app", "server-run", "loop")),
                            key=lambda f: (f.path, f.line))
            if anchor:
                yield self.finding(anchor[0].path, anchor[0].line, anchor[0].column, message)
            elif repo.files_of(FileKind.PYTHON):
                yield self.finding(repo.files_of(FileKind.PYTHON)[0], 1, 1, message)
