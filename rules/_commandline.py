"""Shell command lines of declared processes, split the way a shell would run them.

``commands(repo)`` keeps a command's words as written: an exec-form ``["sh", "-c", "a && b"]``
is three words, a shell-form ``CMD python app.py &`` ends in ``&``. ``segments`` re-tokenises
them with shell punctuation so rules can look at each simple command (``a``, ``b``) and at
the operators between them (``&&``, ``;``, ``&``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

_OPERATORS = {"&&", "||", ";", "|", "&", ";;"}
_SPECIAL = set(" \t\n;&|<>()")
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
#: Words that run the command after them (``exec uvicorn …``, ``uv run uvicorn …``).
_WRAPPERS = {"exec", "nohup", "env", "uv", "poetry", "pipenv", "pdm", "hatch", "rye", "run", "opentelemetry-instrument",
             "ddtrace-run", "newrelic-admin", "run-program", "tini", "dumb-init", "--", "gosu", "su-exec"}


@dataclass(frozen=True)
class Segment:
    """One simple command of a command line, and the operator that ended it."""

    words: tuple[str, ...]
    background: bool  # ended by a lone ``&``: the shell does not wait for it

    @property
    def program(self) -> tuple[str, ...]:
        """The words from the program that does the work on (wrappers and ``VAR=x`` skipped)."""
        words = list(self.words)
        while words:
            base = words[0].rsplit("/", 1)[-1]
            if base in _SHELLS and len(words) > 1 and words[1] in ("-c", "-ec", "-ce", "-lc"):
                words = words[2:]  # `sh -c "script"`: the script's words were split out already
            elif base in _WRAPPERS or ("=" in words[0] and not words[0].startswith("-")):
                words.pop(0)
            else:
                break
        return tuple(words)


def tokens(words: tuple[str, ...]) -> list[str]:
    """Shell tokens of ``words``: words holding shell syntax (an ``sh -c`` script) are split again."""
    out: list[str] = []
    for word in words:
        if not _SPECIAL & set(word):
            out.append(word)
            continue
        # A line break ends a command as `;` does (a compose `command: |` block is a script);
        # a backslash before it only continues the line.
        lexer = shlex.shlex(word.replace("\\\n", " "), posix=True, punctuation_chars=_PUNCTUATION)
        lexer.whitespace = " \t\r"
        lexer.whitespace_split = True
        try:
            out += [_separator(token) if "\n" in token and not token.strip(_PUNCTUATION) else token for token in lexer]
        except ValueError:
            out += word.split()
    return out


_PUNCTUATION = "();<>|&\n"


def _separator(token: str) -> str:
    """A run of punctuation holding line breaks (``&\n``, ``\n\n``): the operator it amounts to."""
    rest = token.replace("\n", "")
    return rest or ";"


def segments(words: tuple[str, ...]) -> list[Segment]:
    """The simple commands of a command line, in order."""
    out: list[Segment] = []
    current: list[str] = []
    for token in tokens(words):
        if token in _OPERATORS:
            if current:
                out.append(Segment(tuple(current), background=token == "&"))
            current = []
        else:
            current.append(token)
    if current:
        out.append(Segment(tuple(current), background=False))
    return out
