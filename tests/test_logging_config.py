"""Logging configuration files: which are recognised by name, and what their handlers write."""

from __future__ import annotations

import pytest

from tfa_lint.discover import kind_of
from tfa_lint.model import FileKind
from tfa_lint.sources import SourceError
from tfa_lint.sources.logging_config import parse


@pytest.mark.parametrize("name", ["logging.ini", "logging.conf", "log_config.json", "gunicorn-logging.conf",
                                  "logging.prod.yaml", "log.yml", "logger.cfg"])
def test_logging_config_names(name: str) -> None:
    assert kind_of(name, name) is FileKind.LOGGING_CONFIG


@pytest.mark.parametrize("name", ["changelog.yml", "blog.yaml", "catalog.json", "logs.json", "alembic.ini",
                                  "login.yaml"])
def test_names_that_are_no_logging_config(name: str) -> None:
    assert kind_of(name, name) is not FileKind.LOGGING_CONFIG


def test_ini_handlers_read_args_as_text() -> None:
    config = parse("logging.ini", (
        "[handlers]\nkeys=console,file,custom\n\n"
        "[handler_console]\nclass=StreamHandler\nargs=(sys.stdout,)\n\n"
        "[handler_file]\nclass=handlers.RotatingFileHandler\nargs=('/var/log/a.log', 'a', __import__('os').getpid())\n\n"
        "[handler_custom]\nclass=app.logs.Handler\nfilename=%(here)s/b.log\n"))
    handlers = {h.name: h for h in config.handlers}
    assert handlers["console"].writes_stream and not handlers["console"].writes_file
    assert handlers["file"].writes_file and handlers["file"].filename == "/var/log/a.log"
    assert handlers["file"].line == 8
    assert handlers["custom"].writes_file and handlers["custom"].filename == "%(here)s/b.log"  # no interpolation


def test_yaml_and_json_handlers() -> None:
    yaml_config = parse("log_config.yaml", "version: 1\nhandlers:\n  out:\n    class: logging.StreamHandler\n"
                                           "    stream: ext://sys.stdout\n  f:\n    filename: x.log\n")
    assert [(h.name, h.writes_stream, h.writes_file, h.line) for h in yaml_config.handlers] == [
        ("out", True, False, 3), ("f", False, True, 6)]
    json_config = parse("log_config.json", '{"handlers": {"f": {"class": "logging.FileHandler", "filename": "a\\u00e9.log"}}}')
    assert [(h.name, h.filename, h.writes_file) for h in json_config.handlers] == [("f", "aé.log", True)]
    assert parse("feedback_log.json", '[{"q": "what?", "a": "\\/"}]').handlers == ()


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("logging.ini", "class=FileHandler\n", "INI"),
    ("log_config.yaml", "handlers: {f: [\n", "YAML"),
    ("log_config.json", '{"handlers": ', "JSON"),
])
def test_unreadable_configuration_says_why(name: str, text: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse(name, text)
