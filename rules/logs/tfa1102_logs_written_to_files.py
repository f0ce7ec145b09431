"""TFA1102 — Logs written to files instead of the event stream."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.logging_config import LoggingConfig

from ..facts.log_sinks import _STD_STREAMS, FileLogFact, LogConfigRefFact, LogSinkFacts, StreamLogFact
from ..facts.modules import ModuleGraphFacts, service_modules
from ..facts.processes import ProcessFacts, commands, long_running_reason

_LOG_FILE_FLAGS = ("--log-file", "--access-logfile", "--error-logfile", "--logfile")
#: Server options that load a logging configuration file (uvicorn, hypercorn, gunicorn).
_LOG_CONFIG_FLAGS = ("--log-config", "--log-config-json")
_STDOUT_ADVICE = ("Log to stdout (`logging.StreamHandler(sys.stdout)`, `logger.add(sys.stdout)`) and let the "
                  "environment route the stream.")


class LogsWrittenToFiles(RepoRule):
    id = "TFA1102"
    name = "logs-written-to-files"
    factor = 11
    severity = Severity.WARNING
    title = "Logs written to files instead of the event stream"
    collectors = (ProcessFacts, ModuleGraphFacts, LogSinkFacts)
    what = """
        A log sink that is a file, in a module a service runs (one that builds a web app,
        starts a server or runs a service loop, or that a declared process runs, and what those
        import): `logging.FileHandler` and the rotating/watched file handlers,
        `logging.basicConfig(filename=…)`, a dictConfig handler whose `class` names one of them
        or that is given a `filename` (a custom file handler), loguru `logger.add("agent.log")`
        after `logger.remove()`, structlog writing to `open(…)`, gunicorn `accesslog`/`errorlog`
        paths, and `--log-file`/`--access-logfile`/`--error-logfile`/`--logfile` paths in
        declared commands. Logging configuration files (`logging.ini`, `logging.conf`,
        `log_config.yaml`, `log_config.json`…) count when the service loads them — a module it
        runs names the file (`fileConfig("logging.ini")`, `dictConfig(yaml.safe_load(open(…)))`)
        or a declared server is given it (`uvicorn … --log-config log_config.json`): each of
        their file handlers (`[handler_…]` sections with a file handler class or a file name in
        `args`; `handlers:` entries with such a `class` or a `filename`) is reported at its line.
        The files are read as data, never executed.

        What counts is logging *only* to files. Not reported: a module or configuration file
        that also logs to stdout/stderr (a stream handler, `basicConfig()` without a file,
        loguru's default stderr sink): its logs still reach the platform, the file is a local
        copy; file sinks behind an `if` (`if settings.LOG_FILE:`, opt-in: the operator chooses),
        path parameters with no file default, `/dev/stdout`, `ext://sys.stdout` and `-`;
        modules no service runs (a developer's debug script, a command-line tool writing a
        debug log on the user's machine), configuration files nothing loads, and tests,
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
            "agent/app.py": "from fastapi import FastAPI\n\nfrom agent import log\n\napp = FastAPI()\n",
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
        Example.of("""
            import logging.config

            from fastapi import FastAPI

            logging.config.dictConfig({
                "version": 1,
                "handlers": {"main": {"class": "agent.logs.SafeFileHandler", "filename": "/srv/agent/agent.log"}},
                "root": {"handlers": ["main"], "level": "INFO"},
            })
            app = FastAPI()
        """, "agent/app.py", lines=(7,), columns=(27,), message="writes logs to a file (`\"/srv/agent/agent.log\"`)"),
        Example.repo({
            "agent/app.py": """
                import logging.config
                from pathlib import Path

                from fastapi import FastAPI

                logging.config.fileConfig(Path(__file__).parent / "logging.ini")
                app = FastAPI()
            """,
            "agent/logging.ini": """
                [loggers]
                keys=root

                [handlers]
                keys=rotating

                [logger_root]
                handlers=rotating

                [handler_rotating]
                class=handlers.RotatingFileHandler
                args=('/var/log/agent.log', 'a', 10485760, 3)
            """,
        }, lines=(10,), columns=(1,), message="writes logs to a file (`/var/log/agent.log`)"),
        Example.repo({
            "api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "api:app", "--log-config", "log_config.yaml"]\n',
            "log_config.yaml": """
                version: 1
                handlers:
                  file:
                    class: logging.handlers.TimedRotatingFileHandler
                    filename: logs/api.log
                    when: midnight
                root:
                  handlers: [file]
            """,
        }, lines=(3,), columns=(3,), message="`file` (`logging.handlers.TimedRotatingFileHandler`) writes logs"),
    )
    valid = (
        Example.repo({
            "agent/app.py": """
                import json
                import logging.config
                import os

                from fastapi import FastAPI

                with open("log_config.json") as fh:
                    logging.config.dictConfig(json.load(fh))
                if os.getenv("LOG_FILE"):
                    logging.config.dictConfig({"version": 1, "incremental": True, "handlers": {
                        "file": {"class": "logging.FileHandler", "filename": os.environ["LOG_FILE"]}}})
                app = FastAPI()
            """,
            "log_config.json": """
                {"version": 1,
                 "handlers": {
                   "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
                   "copy": {"class": "logging.handlers.RotatingFileHandler", "filename": "app.log"}},
                 "root": {"handlers": ["console", "copy"]}}
            """,
            "unused/logging.ini": "[handler_file]\nclass=FileHandler\nargs=('old.log',)\n",
            "agent/debug_run.py": """
                import logging

                logging.basicConfig(filename="debug.log", level=logging.DEBUG)


                def main() -> None:
                    from agent.app import app
                    logging.debug("routes: %s", app.routes)
            """,
        }),
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
        reached = service_modules(repo)
        streams = {f.path for f in repo.facts(StreamLogFact)}
        for fact in repo.facts(FileLogFact):
            if path_role(fact.path) != "src" or fact.path in streams or (reached is not None and fact.path not in reached):
                continue
            target = f" (`{fact.data.target}`)" if fact.data.target else ""
            yield self.finding(fact.path, fact.line, fact.column,
                               f"{fact.data.how} writes logs to a file{target}: the platform's log collection "
                               "never sees it, and in a container it is lost with the process or fills the disk. "
                               + (fact.data.advice or _STDOUT_ADVICE))
        yield from self._config_files(repo, reached)
        for cmd in commands(repo):
            if not cmd.runner:
                continue
            for flag, value in _flag_values(cmd.words):
                if value in _STD_STREAMS or "$" in value:
                    continue
                yield self.finding(cmd.path, cmd.line, 1,
                                   f"`{flag} {value}` makes `{cmd.runner}` write its logs to a file the platform "
                                   f"never collects: pass `{flag} -` so they go to the process's output stream.")

    def _config_files(self, repo: Repo, reached: frozenset[str] | None) -> Iterable[Finding]:
        """The file handlers of the logging configuration files a service loads: named in a
        module it runs (``fileConfig("logging.ini")``) or by a declared server's
        ``--log-config``. A file that also configures a stdout/stderr handler is judged as a
        module that does: its logs still reach the stream."""
        loaded = {f.data.name for f in repo.facts(LogConfigRefFact)
                  if path_role(f.path) == "src" and (reached is None or f.path in reached)}
        loaded.update(value.replace("\\", "/").rsplit("/", 1)[-1] for cmd in commands(repo)
                      for _, value in _flag_values(cmd.words, _LOG_CONFIG_FLAGS))
        for config in repo.artifacts(FileKind.LOGGING_CONFIG):
            if not isinstance(config, LoggingConfig) or path_role(config.path) != "src" or (
                    config.path.rsplit("/", 1)[-1] not in loaded):
                continue
            if any(h.writes_stream for h in config.handlers):
                continue
            for handler in config.handlers:
                if handler.writes_file:
                    target = f" (`{handler.filename}`)" if handler.filename else ""
                    yield self.finding(config.path, handler.line, handler.column,
                                       f"logging handler `{handler.name}` (`{handler.handler_class or 'no class'}`) "
                                       f"writes logs to a file{target}: the platform's log collection never sees "
                                       "it, and in a container it is lost with the process or fills the disk. "
                                       + _stream_advice(config.path))


def _stream_advice(path: str) -> str:
    if path.lower().endswith((".yaml", ".yml", ".json")):
        return "Use `class: logging.StreamHandler` with `stream: ext://sys.stdout` instead."
    return "Use `class=StreamHandler` with `args=(sys.stdout,)` instead."


def _flag_values(words: tuple[str, ...], flags: tuple[str, ...] = _LOG_FILE_FLAGS) -> Iterable[tuple[str, str]]:
    for i, word in enumerate(words):
        for flag in flags:
            if word == flag and i + 1 < len(words):
                yield flag, words[i + 1]
            elif word.startswith(flag + "="):
                yield flag, word[len(flag) + 1:]
