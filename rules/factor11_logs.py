"""Factor XI — Logs: an event stream on stdout, structured, never files or prints."""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst

from tfa_lint.model import Finding, Repo, Severity, path_role
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
from ._projects import COLLECTORS as PROJECT_COLLECTORS
from ._projects import Project, application_reason, projects
from ._secrets import is_secret_name

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


class PrintInServiceCode(PythonRule):
    id = "TFA1101"
    name = "print-in-service-code"
    factor = 11
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "print() used for operational output in service code"
    collectors = (ProcessFacts,)
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
#: Names that match the secret pattern but hold a flag, a count or a masked form.
_NOT_A_VALUE_RE = re.compile(
    r"(?i)(^pwd$|tokens|page_?token|tiktoken|^(has|is|use|should|needs?|with|no|missing|requires?|enable|valid|masked|redacted|hashed|"
    r"obfuscated|num|n)_|_(set|present|configured|exists|provided|missing|valid|enabled|source|status|required|"
    r"loaded|ok|found|available|masked|redacted|preview|hint|last4|hash|hashed|fingerprint|count|expires\w*|manager|"
    r"client|provider|store|service|backend|handler|validator|factory|helper|class|module|scopes?|arn|version|"
    r"kind|mode|ttl|timeout|location|age|error)$|^credentials?$)")
_GENERATED_RE = re.compile(r"^_?(generate|gen|create|new|make|issue|mint|rotate)")


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
        Not reported: values wrapped in `len()`, `bool()`, `mask()`/`redact()`/`hash…()`, sliced
        (`key[:4]`) or compared (`key is None`); counts and flags (`max_tokens`, `has_api_key`);
        `print(…, file=fh)` to a file; secrets the same file generates and shows once
        (`secrets.token_urlsafe()`, `generate_…()`) or assigns from a literal; tests.
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
    )

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._loggers: set[str] = set()  # names and attributes bound to a logger
        self._literal: set[str] = set()  # names assigned a literal: the value is in the source already
        self._generated: set[str] = set()  # names assigned a freshly generated secret
        self._pending: list[tuple[cst.Call, str, str | None, list[tuple[str, str | None]]]] = []

    def visit_Assign(self, node: cst.Assign) -> None:
        self._bind([t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind([node.target], node.value)

    def _bind(self, targets: list[cst.BaseExpression], value: cst.BaseExpression) -> None:
        names = [self.source_of(t) for t in targets if isinstance(t, (cst.Name, cst.Attribute))]
        if isinstance(value, (cst.SimpleString, cst.ConcatenatedString)):
            self._literal.update(names)
        if not isinstance(value, cst.Call):
            return
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
        leaks: list[tuple[str, str | None]] = []
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _NON_VALUE_KEYWORDS:
                continue
            forced = arg.keyword is not None and _secret_name(arg.keyword.value)
            self._leaks(arg.value, leaks, forced)
        if leaks:
            self._pending.append((node, label, receiver, leaks))

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, label, receiver, leaks in self._pending:
            if receiver is not None and not self._is_logger(receiver):
                continue
            # Printing a freshly generated key once is how it is handed over; a literal is in the source anyway.
            known = self._literal | self._generated if label == "print()" else self._literal
            leaks = [(text, root) for text, root in leaks if root is None or root not in known]
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
            callee = _callee(expr.func)
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
            elif forced or _secret_name(expr.value if isinstance(expr, cst.Name) else expr.attr.value):
                out.append((_short(self.source_of(expr)), self.source_of(expr)))
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
        callee = _callee(expr.func)
        if callee in ("getenv", "get") and expr.args and isinstance(expr.args[0].value, cst.SimpleString):
            environ = "os.getenv" in qnames or (isinstance(expr.func, cst.Attribute) and self._is_environ(expr.func.value))
            if _secret_name(str(expr.args[0].value.evaluated_value)) or (forced and not environ):
                out.append((_short(self.source_of(expr)), None))
            return
        if isinstance(expr.func, cst.Attribute) and callee in _TRANSPARENT_METHODS:
            self._leaks(expr.func.value, out, forced)
        elif callee not in _TRANSPARENT_CALLS:
            return  # what any other call returns (len, bool, mask, hashlib…) is not its argument
        for arg in expr.args:
            self._leaks(arg.value, out, forced)

    def _is_environ(self, expr: cst.BaseExpression) -> bool:
        return bool(self.qualified_names(expr) & {"os.environ"})


def _callee(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _truncates(part: cst.FormattedStringExpression) -> bool:
    """``f"{key:.4}"`` shows a prefix only."""
    spec = "".join(_EMPTY.code_for_node(p) for p in part.format_spec or ())
    return bool(re.search(r"\.\d", spec))
