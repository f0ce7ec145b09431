"""One parser per artifact kind, each turning text into a typed model with 1-based lines.

Parsers never execute anything: YAML goes through the safe loader's composer only, TOML
through tomllib, Dockerfiles through dockerfile-parse on an in-memory buffer, requirements
through ``packaging``. A parser that cannot make sense of a file raises :class:`SourceError`
with a one-line reason; the engine turns it into a diagnostic and goes on.
"""

from __future__ import annotations

import codecs
import io
import tokenize
from collections.abc import Callable

from tfa_lint.model import Artifact, FileKind


class SourceError(Exception):
    """A file could not be decoded or parsed; the message says why, in one line."""


def decode(data: bytes, kind: FileKind) -> str:
    """Bytes to text: UTF-8 (BOM allowed), or a Python file's declared PEP 263 encoding.

    Binary content (a NUL byte) and undecodable bytes are refused with a reason.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError("encoded as UTF-16 (byte-order mark): save it as UTF-8 to have it checked")
    if b"\x00" in data:
        raise SourceError("binary content (NUL byte): not a text file")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if kind is FileKind.PYTHON:
            try:
                encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
                if encoding not in ("utf-8", "utf-8-sig"):
                    return data.decode(encoding)
            except (SyntaxError, LookupError, UnicodeDecodeError):
                pass
        raise SourceError(f"not valid UTF-8 (byte {exc.start})") from None


def parse_artifact(kind: FileKind, path: str, text: str) -> Artifact:
    """The typed model of a non-Python file. Python files stay plain text here: the engine
    parses them with ``ast`` for the visitors."""
    parser = _parsers().get(kind)
    if parser is None:
        return Artifact(path=path, kind=kind, text=text)
    return parser(path, text)


def _parsers() -> dict[FileKind, Callable[[str, str], Artifact]]:
    from tfa_lint.sources import (
        compose,
        dockerfile,
        envfile,
        lockfile,
        logging_config,
        platform,
        procfile,
        pyproject,
        requirements,
        shell,
    )

    return {
        FileKind.DOCKERFILE: dockerfile.parse,
        FileKind.REQUIREMENTS: requirements.parse,
        FileKind.PYPROJECT: pyproject.parse,
        FileKind.LOCKFILE: lockfile.parse,
        FileKind.PROCFILE: procfile.parse,
        FileKind.COMPOSE: compose.parse,
        FileKind.ENV: envfile.parse,
        FileKind.SHELL: shell.parse,
        FileKind.LOGGING_CONFIG: logging_config.parse,
        FileKind.PLATFORM: platform.parse,
    }
