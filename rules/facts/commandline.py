"""Shell command lines of declared processes, split the way a shell would run them.

``commands(repo)`` keeps a command's words as written: an exec-form ``["sh", "-c", "a && b"]``
is three words, a shell-form ``CMD python app.py &`` ends in ``&``. ``segments`` re-tokenises
them with shell punctuation so rules can look at each simple command (``a``, ``b``) and at
the operators between them (``&&``, ``;``, ``&``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

_OPERATORS = {"&&", "||", ";", "|", "&", ";;"}
_SPECIAL = set(" \t\n;&|<>()")
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_SCRIPT_FLAGS = ("-c", "-ec", "-ce", "-lc")
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
            if base in _SHELLS and len(words) > 1 and words[1] in _SCRIPT_FLAGS:
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
            split = [_separator(token) if "\n" in token and not token.strip(_PUNCTUATION) else token for token in lexer]
        except ValueError:
            split = word.split()
        # `CMD sh -c "a && b"` in shell form: the quoted script is one more command line.
        for index in range(len(split) - 2):
            if split[index].rsplit("/", 1)[-1] in _SHELLS and split[index + 1] in _SCRIPT_FLAGS:
                split[index + 2:index + 3] = tokens((split[index + 2],))
                break
        out += split
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


_COMPOUND_RE = re.compile(r"(^|[;&|(\s])(if|while|until|for|case|select|function)\s|[(){}]|&\s*$")


def shell_execs_last_command(shell: str, script: str) -> bool:
    """Whether ``shell -c "script"`` replaces itself with the script's last command.

    bash does so for a single command and, from 5.1, for the last simple command of a plain list
    (`cd /app && uvicorn app:app`); inside an `if`, a loop, a group or a subshell it does not.
    dash, Debian's /bin/sh, never does (0.5.12 keeps itself as the parent of `sh -c 'uvicorn
    app:app'`): checked with bash 5.2 and dash 0.5.12. Other shells are taken to keep themselves."""
    return shell.rsplit("/", 1)[-1] == "bash" and not _COMPOUND_RE.search(script.strip())


_ADMIN_WORDS_RE = re.compile(r"(?i)(^|/)(migrat\w*|ingest\w*|seed\w*|backfill\w*|reindex\w*|build_index\w*)(\.py)?$")


def unwrap_command(words: Sequence[str]) -> list[str]:
    """The command inside `sh -c "…"`, `exec …`, `env A=1 …`."""
    seg = list(words)
    while seg and (seg[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash", "ash", "zsh", "exec", "env")
                   or seg[0].startswith("-") or re.match(r"^[A-Z_][A-Z0-9_]*=", seg[0])):
        seg = seg[1:]
    return seg


def is_admin_command(words: Sequence[str]) -> bool:
    """A one-off admin task: migrations (alembic, Django, Flask-Migrate, a `make migrate` target)
    or a script named for migrating, ingesting, seeding, backfilling or re-indexing."""
    seg = unwrap_command(words)
    names = [w.rsplit("/", 1)[-1] for w in seg]
    if "alembic" in names and ({"upgrade", "downgrade", "stamp"} & set(names)):
        return True
    if "manage.py" in names and "migrate" in names:
        return True
    if names[:1] == ["flask"] and names[1:3] == ["db", "upgrade"]:
        return True
    if names[:1] == ["make"] and len(names) > 1 and all(_ADMIN_WORDS_RE.search(t) for t in names[1:] if not t.startswith("-")):
        return True
    if names and re.match(r"^python(\d(\.\d+)?)?$", names[0]):
        rest = [w for w in seg[1:] if not w.startswith("-") or w == "-m"]
        target = rest[1] if rest[:1] == ["-m"] and len(rest) > 1 else (rest[0] if rest else "")
        return bool(_ADMIN_WORDS_RE.search(target.replace(".", "/").removesuffix("/py")))
    return False
