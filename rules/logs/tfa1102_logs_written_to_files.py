"""TFA1102 — Logs written to files instead of the event stream."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.log_sinks import _STD_STREAMS, FileLogFact, LogSinkFacts, StreamLogFact
from ..facts.processes import ProcessFacts, commands, long_running_reason

_LOG_FILE_FLAGS = ("--log-file", "--access-logfile", "--error-logfile", "--logfile")
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
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    unpinned_columns = {
        1: "its findings sit in two files (Procfile, agent/log.py): lines and columns cannot say which",
    }
    invalid = (
        Example.of("""
            import logging

            from fastapi import FastAPI

            logging.basicConfig(filename="logs/agent.log", level=logging.INFO)
            app = FastAPI()
        """, "app.py", lines=(5,), columns=(1,), message="writes logs to a file"),
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
        }, lines=(1, 7, 8), message="logs to a file"),
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
        streams = {f.path for f in repo.facts(StreamLogFact)}
        for fact in repo.facts(FileLogFact):
            if path_role(fact.path) != "src" or fact.path in streams:
                continue
            target = f" (`{fact.data.target}`)" if fact.data.target else ""
            yield self.finding(fact.path, fact.line, fact.column,
                               f"{fact.data.how} writes logs to a file{target}: the platform's log collection "
                               "never sees it, and in a container it is lost with the process or fills the disk. "
                               + (fact.data.advice or _STDOUT_ADVICE))
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
