"""TFA1101 — print() used for operational output in service code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tfa_lint.fix import Fix
from tfa_lint.model import Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

from ..facts.modules import ModuleGraphFacts, service_modules
from ..facts.prints import PrintCallFact, PrintFacts
from ..facts.processes import ProcessFacts, long_running_reason

if TYPE_CHECKING:
    from ._print_fix import PrintFixer

_PRINT_MESSAGE = ("`print()` in service code has no level or structure: use a module logger "
                  "(`logger = logging.getLogger(__name__)`; `logger.info(...)`)")


class PrintInServiceCode(RepoRule):
    id = "TFA1101"
    name = "print-in-service-code"
    factor = 11
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "print() used for operational output in service code"
    collectors = (ProcessFacts, ModuleGraphFacts, PrintFacts)
    fixable = """
        unsafe: a print statement becomes a call of the module logger, `print(x)` →
        `logger.info(x)`, `print(a, b)` → `logger.info("%s %s", a, b)`, `print(…, file=sys.stderr)`
        → `logger.error(…)`, with `logger = logging.getLogger(__name__)` and `import logging`
        added where the module has none. Not offered where it is not mechanical: `end=`,
        `sep=` or `flush=` with a meaning, a starred argument, a print inside an expression.
    """
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
        script, an `EXPOSE` alone), every source module counts. A program's entry point —
        `main()` and the `if __name__ == "__main__":` block — counts only when it runs a
        worker's loop itself (`while True:`/`while running:` that waits for work, `sleep`, a
        blocking queue read, and never leaves by `break` or `return`); a print inside such a
        loop counts wherever it is. Not reported either: the entry points of programs that run
        and exit, and of one that only starts a server (`uvicorn.run(app)`: what it prints
        first is for the person starting it), command-line modules (argparse, click, typer,
        fire; `cli.py`, `__main__.py`, `cli/`, `tui/`, `terminal_*/` packages; a module with a
        `__main__` block that starts no server and runs no service loop), prints in the block of
        a prompt (`input()`) or nested in it, and in the handlers of a `try` that catches
        `EOFError` (it reads a terminal) and in the functions a Ctrl-C handler calls
        (`SignalHandler(on_pause=self.pause)`, `signal.signal(signal.SIGINT, stop)`; not those
        also registered for SIGTERM), functions whose job is output (`print_*`,
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
        # a relative import (`from . import jobs`) among the imports: the logger goes after them
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "agent.worker"]\n',
            "agent/__init__.py": "",
            "agent/jobs.py": "def next_job():\n    return 1\n",
            "agent/worker.py": """
                import time

                from . import jobs


                def main():
                    while True:
                        job = jobs.next_job()
                        print("working on", job)
                        time.sleep(1)


                if __name__ == "__main__":
                    main()
            """,
        }, lines=(9,), columns=(9,), message="`print()` in service code", fixed={"agent/worker.py": """
            import logging
            import time

            from . import jobs

            logger = logging.getLogger(__name__)


            def main():
                while True:
                    job = jobs.next_job()
                    logger.info("working on %s", job)
                    time.sleep(1)


            if __name__ == "__main__":
                main()
        """}),
        Example.of("""
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat")
            def chat(message: str) -> dict:
                print(f"received {message}")
                return {"reply": message}
        """, "app.py", lines=(8,), columns=(5,), message="`print()` in service code has no level or structure"),
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
        }, lines=(2, 7), columns=(5, 5), message="`print()` in service code has no level or structure"),
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
        }, message="`print()` in service code has no level or structure"),
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
        }, lines=(11, 15, 19), columns=(9, 13, 13), message="`print()` in service code has no level or structure"),
        # A worker's `main()` and `__main__` loop: the entry point of a long-running process.
        Example.repo({
            "Procfile": "worker: python -m jobs.worker\npoller: python jobs/poller.py\n",
            "jobs/__init__.py": "",
            "jobs/worker.py": """
                import redis

                store = redis.Redis()
                running = True


                def main():
                    print("worker started")
                    while running:
                        item = store.brpop("jobs", timeout=5)
                        if item is None:
                            continue
                        print(f"processing {item[1]}")


                if __name__ == "__main__":
                    main()
            """,
            "jobs/poller.py": """
                import time

                FEEDS = ["https://example.org/feed.xml"]
                INTERVAL_SECONDS = 60

                if __name__ == "__main__":
                    while True:
                        for feed in FEEDS:
                            print(f"polling {feed}")
                        time.sleep(INTERVAL_SECONDS)
            """,
        }, lines=(8, 9, 13), columns=(5, 13, 9), message="`print()` in service code has no level or structure"),
        # The fix: a module logger after the imports, `import logging` among the standard
        # library imports, and every print of the file in one pass.
        Example.of("""
            \"\"\"The chat service.\"\"\"
            from __future__ import annotations

            import os
            import sys

            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/chat")
            def chat(message: str) -> dict:
                print(f"received {message}")
                print(message, len(message), flush=True)
                print(
                    "model",
                    os.environ["MODEL"],  # which deployment answered
                    file=sys.stderr,
                )
                return {"reply": message}
        """, "app.py", lines=(14, 15, 16), columns=(5, 5, 5), message="use a module logger", fixed="""
            \"\"\"The chat service.\"\"\"
            from __future__ import annotations

            import logging
            import os
            import sys

            from fastapi import FastAPI

            logger = logging.getLogger(__name__)

            app = FastAPI()


            @app.post("/chat")
            def chat(message: str) -> dict:
                logger.info(f"received {message}")
                logger.info("%s %s", message, len(message))
                logger.error(
                    "model %s",
                    os.environ["MODEL"],  # which deployment answered
                )
                return {"reply": message}
        """),
        # The module's own logger is used, whatever its name, not one it silences or sets apart;
        # a module without imports gets both lines.
        Example.repo({
            "app/server.py": """
                import logging

                from fastapi import FastAPI

                from app.notify import notify
                from app.review import review

                log = logging.getLogger("agent.server")
                access_log = logging.getLogger("uvicorn.access")
                access_log.disabled = True
                app = FastAPI()


                @app.post("/review")
                def post_review(plan: str) -> str:
                    print('reviewing', plan)
                    return review(plan)
            """,
            "app/review.py": """
                def review(plan: str) -> str:
                    print(f"review of {plan}")
                    return plan
            """,
            "app/notify.py": """
                from app.logs import get_logger

                log = get_logger(__name__)


                def notify(user: str, text: str) -> None:
                    print(f"notifying {user}")
                    print(user, text)
            """,
        }, lines=(2, 7, 8, 16), columns=(5, 5, 5, 5), message="use a module logger", fixed={
            "app/server.py": """
                import logging

                from fastapi import FastAPI

                from app.notify import notify
                from app.review import review

                log = logging.getLogger("agent.server")
                access_log = logging.getLogger("uvicorn.access")
                access_log.disabled = True
                app = FastAPI()


                @app.post("/review")
                def post_review(plan: str) -> str:
                    log.info('reviewing %s', plan)
                    return review(plan)
            """,
            "app/review.py": """
                import logging

                logger = logging.getLogger(__name__)

                def review(plan: str) -> str:
                    logger.info(f"review of {plan}")
                    return plan
            """,
            # the project's own logger takes a message alone: how it formats arguments is its own
            "app/notify.py": """
                from app.logs import get_logger

                log = get_logger(__name__)


                def notify(user: str, text: str) -> None:
                    log.info(f"notifying {user}")
                    print(user, text)
            """,
        }),
        # must not fix: print's own formatting (end=, sep=, a starred value), a line break alone,
        # a print inside an expression, a print that runs on import before the logger would
        # exist, and several values for another library's `logger` (loguru formats with {}).
        Example.repo({
            "app/server.py": """
                try:
                    from fastapi import FastAPI
                except ImportError:
                    print("fastapi is missing")
                    FastAPI = None

                from app.stream import stream

                app = FastAPI()


                @app.post("/stream")
                def post_stream(chunks: list) -> None:
                    print("streaming", end="")
                    print("\\n")
                    print(*chunks, sep=", ")
                    handled = [print(chunk) for chunk in chunks]
                    stream(chunks)
            """,
            "app/stream.py": """
                from loguru import logger


                def stream(chunks: list) -> None:
                    print(len(chunks), "chunks")
            """,
        }, lines=(4, 5, 14, 15, 16, 17), columns=(5, 5, 5, 5, 5, 16), message="use a module logger", fixed={}),
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
        # Entry points of programs that run and exit: a readiness wait and a pagination leave
        # their loops, and a REPL's loop is a conversation. A server's `__main__` block tells
        # the person starting it what is missing and where to go.
        Example.repo({
            "Procfile": "web: python -m app.main\n",
            "app/__init__.py": "",
            "app/main.py": """
                import os

                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    if not os.getenv("MODEL_API_KEY"):
                        print("MODEL_API_KEY is not set: export MODEL_API_KEY=... first")
                    port = int(os.getenv("PORT", "8000"))
                    print(f"open http://localhost:{port}/docs")
                    uvicorn.run(app, host="0.0.0.0", port=port)
            """,
            "app/wait_for_db.py": """
                import time

                import psycopg


                def main():
                    while True:
                        try:
                            psycopg.connect("").close()
                            break
                        except psycopg.OperationalError:
                            print("database not ready, waiting")
                            time.sleep(1)
                    print("database ready")


                if __name__ == "__main__":
                    main()
            """,
            "app/export.py": """
                import time


                def main(client):
                    cursor = None
                    while True:
                        page = client.list(cursor=cursor)
                        for row in page.rows:
                            print(row)
                        if not page.next:
                            break
                        cursor = page.next
                        time.sleep(0.5)


                if __name__ == "__main__":
                    main(None)
            """,
            "app/chat.py": """
                import time


                def main():
                    while True:
                        question = input("> ")
                        time.sleep(0.1)
                        print(f"echo: {question}")


                if __name__ == "__main__":
                    main()
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        reached = service_modules(repo)
        fixers: dict[str, PrintFixer | None] = {}
        for fact in repo.facts(PrintCallFact):
            if reached is None or fact.path in reached:
                if fact.path not in fixers:
                    fixers[fact.path] = _fixer(repo, fact.path)
                fixer = fixers[fact.path]
                yield self.finding(fact.path, fact.line, fact.column, _PRINT_MESSAGE,
                                   end_line=fact.data.end_line, end_column=fact.data.end_column,
                                   fix=_fix_of(fixer, fact.line, fact.column))


def _fixer(repo: Repo, path: str) -> PrintFixer | None:
    """The fixes of the prints reported in ``path``: the file is read again and parsed with
    libcst here, for a file the rule reports, and only then (without libcst: no fix)."""
    try:
        from tfa_lint.pyfix import PythonSource, optional_fix

        from ._print_fix import PrintFixer
    except ImportError:
        return None

    source = PythonSource.parse(path, repo.text_of(path))
    return optional_fix(lambda: PrintFixer(source), None) if source is not None else None


def _fix_of(fixer: PrintFixer | None, line: int, column: int) -> Fix | None:
    if fixer is None:
        return None
    from tfa_lint.pyfix import optional_fix

    return optional_fix(lambda: fixer.fix(line, column), None)
