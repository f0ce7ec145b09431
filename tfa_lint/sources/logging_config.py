"""Logging configuration files: the handlers of a ``logging.config.fileConfig`` INI file
(``[handler_…]`` sections) or of a ``dictConfig`` mapping written as YAML or JSON
(``handlers:``), each with its line.

Nothing is executed or imported: INI is read with ``configparser`` (no interpolation), YAML
and JSON with PyYAML's safe composer (nodes only, as compose files are). An INI handler's
``args`` is a Python tuple ``fileConfig`` would evaluate; only its first string literal is
read from the text, as the file name.
"""

from __future__ import annotations

import configparser
import json
import re
from dataclasses import dataclass

import yaml

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError
from tfa_lint.sources.yaml_nodes import compose, get, scalar

#: The standard library's file handlers and the common drop-in ones, by class name.
FILE_HANDLER_CLASSES = frozenset({"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler",
                                  "WatchedFileHandler", "ConcurrentRotatingFileHandler",
                                  "ConcurrentTimedRotatingFileHandler"})
STREAM_HANDLER_CLASSES = frozenset({"StreamHandler", "RichHandler"})
#: Streams that are the process's own output (``ext://sys.stdout``), not files.
STANDARD_STREAMS = frozenset({"-", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2",
                              "/dev/fd/1", "/dev/fd/2", "ext://sys.stdout", "ext://sys.stderr"})
_FIRST_STRING_RE = re.compile(r"""^\s*\(?\s*(?:r|u)?(['"])(.*?)\1""")


@dataclass(frozen=True)
class LogHandler:
    """One handler of the configuration. Its texts are valid Unicode (a lone surrogate a JSON
    escape made is replaced), so that a message can quote them."""

    name: str
    handler_class: str  # as written ("handlers.RotatingFileHandler"); "" when the entry names none
    filename: str  # the file it writes, when the configuration says; else ""
    line: int
    column: int

    def __post_init__(self) -> None:
        for field in ("name", "handler_class", "filename"):
            object.__setattr__(self, field, getattr(self, field).encode("utf-8", "replace").decode("utf-8"))

    @property
    def writes_file(self) -> bool:
        """A handler that writes a file: a file handler class, or any class given a file name."""
        if self.filename in STANDARD_STREAMS:
            return False
        return self.handler_class.rsplit(".", 1)[-1] in FILE_HANDLER_CLASSES or bool(self.filename)

    @property
    def writes_stream(self) -> bool:
        """A handler that writes the process's stdout or stderr."""
        return self.handler_class.rsplit(".", 1)[-1] in STREAM_HANDLER_CLASSES or self.filename in STANDARD_STREAMS


@dataclass(frozen=True)
class LoggingConfig(Artifact):
    handlers: tuple[LogHandler, ...]


def parse(path: str, text: str) -> LoggingConfig:
    lower = path.lower()
    if lower.endswith(".json"):
        handlers = _json_handlers(text)
    elif lower.endswith((".yaml", ".yml")):
        handlers = _mapping_handlers(text)
    else:
        handlers = _ini_handlers(text)
    return LoggingConfig(path=path, kind=FileKind.LOGGING_CONFIG, text=text, handlers=tuple(handlers))


def _ini_handlers(text: str) -> list[LogHandler]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise SourceError(f"logging configuration is not a valid INI file: {str(exc).splitlines()[0][:120]}") from None
    lines = text.splitlines()
    handlers = []
    for section in parser.sections():
        if not section.startswith("handler_"):
            continue
        options = parser[section]
        args = options.get("args", "")
        match = _FIRST_STRING_RE.match(args)
        filename = options.get("filename", "") or (match.group(2) if match else "")
        if filename.startswith("sys."):
            filename = f"ext://{filename}"
        line = next((i for i, raw in enumerate(lines, start=1) if raw.strip() == f"[{section}]"), 1)
        handlers.append(LogHandler(section.removeprefix("handler_"), options.get("class", "").strip(),
                                   filename.strip(), line, 1))
    return handlers


def _json_handlers(text: str) -> list[LogHandler]:
    """A JSON file: read by ``json`` (which YAML's composer may refuse, on escapes YAML lacks);
    a file without a ``handlers`` mapping is some other data named like a log, not a
    configuration. The handlers' lines come from the composer when it reads the file."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SourceError(f"logging configuration is not valid JSON: {str(exc).splitlines()[0][:120]}") from None
    section = data.get("handlers") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return []
    try:
        return _mapping_handlers(text)
    except SourceError:
        pass
    lines = text.splitlines()
    handlers = []
    for name, entry in section.items():
        if isinstance(entry, dict):
            quoted = json.dumps(name)
            line = next((i for i, raw in enumerate(lines, start=1) if quoted in raw), 1)
            handlers.append(LogHandler(str(name), _text(entry.get("class")),
                                       _text(entry.get("filename")) or _text(entry.get("stream")), line, 1))
    return handlers


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _mapping_handlers(text: str) -> list[LogHandler]:
    root = compose(text, "logging configuration")
    handlers = []
    section = get(root, "handlers")
    if isinstance(section, yaml.MappingNode):
        for key, node in section.value:
            if not isinstance(node, yaml.MappingNode):
                continue
            handler_class = scalar(get(node, "class")) or ""
            filename = scalar(get(node, "filename")) or ""
            stream = scalar(get(node, "stream")) or ""
            handlers.append(LogHandler(str(key.value), handler_class, filename or stream,
                                       key.start_mark.line + 1, key.start_mark.column + 1))
    return handlers


