"""Inline suppressions: ``# tfa: ignore[TFA0301]`` in every artifact kind.

A directive on a line with content suppresses findings on that line; a directive alone on
its line suppresses the next line that has content (the only place a Dockerfile or .env
file can hold a comment). ``# tfa: ignore-file[TFA0301]`` suppresses a rule in the whole
file. A directive that suppresses nothing is itself reported (TFA0001).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from tfa_lint.model import Severity
from tfa_lint.rule import Example, Rule

_DIRECTIVE_RE = re.compile(r"#\s*tfa:\s*ignore(-file)?\[\s*([A-Za-z0-9_,\s]*?)\s*\]")
#: In documentation (Markdown, reST) a ``# tfa: ignore[…]`` is text, usually an example of one
#: in a code block; a directive there is an HTML comment, which no reader sees.
_MARKUP_DIRECTIVE_RE = re.compile(r"<!--\s*tfa:\s*ignore(-file)?\[\s*([A-Za-z0-9_,\s]*?)\s*\]\s*-->")


@dataclass(frozen=True)
class Suppression:
    line: int  # where the comment is
    column: int
    target: int  # the line it covers (0 for a whole-file directive)
    ids: tuple[str, ...]

    @property
    def file_level(self) -> bool:
        return self.target == 0


def _python_comments(text: str) -> dict[int, int] | None:
    """Line -> column of each real comment of a Python file (not ``#`` inside strings)."""
    try:
        return {tok.start[0]: tok.start[1] for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type == tokenize.COMMENT}
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None


def parse_suppressions(text: str, *, python: bool = False, markup: bool = False) -> list[Suppression]:
    """The directives of one file: in Python only in real comments, in documentation
    (``markup``) only as HTML comments, elsewhere wherever a ``#`` starts one."""
    out: list[Suppression] = []
    if "tfa:" not in text:
        return out
    directive = _MARKUP_DIRECTIVE_RE if markup else _DIRECTIVE_RE
    comments = _python_comments(text) if python else None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if comments is not None:
            if index + 1 not in comments:
                continue
            start = comments[index + 1]
        else:
            start = 0
        for match in directive.finditer(line, start):
            ids = tuple(i.strip().upper() for i in match.group(2).split(",") if i.strip())
            if match.group(1):
                target = 0
            elif line[: match.start()].strip():
                target = index + 1
            else:
                target = _next_content_line(lines, index + 1)
            out.append(Suppression(index + 1, match.start() + 1, target, ids))
    return out


def _next_content_line(lines: list[str], start: int) -> int:
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index + 1
    return -1  # covers nothing


class UnusedSuppression(Rule):
    """Reported by the engine itself: it is the only rule that judges other rules' output."""

    id = "TFA0001"
    name = "unused-suppression"
    factor = 0
    severity = Severity.WARNING
    title = "Suppression comment suppresses nothing"
    what = """
        A `# tfa: ignore[ID]` comment that covers no finding of rule `ID`, or names a rule
        that does not exist.
    """
    why = """
        Stale suppressions hide the next real problem on that line and make a reader
        believe a problem is there. They are not a factor of their own and do not change
        the score.
    """
    fix = "Delete the directive, or the id in it that no longer matches a finding."
    invalid = (Example.of("TIMEOUT = 30  # tfa: ignore[TFA0301]\n", lines=(1,), columns=(15,),
        message="suppresses nothing here"),)
    # The key is assembled so that this file holds no key-shaped literal of its own.
    valid = (Example.of('OPENAI_API_KEY = "sk-proj-' + 'Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt"  # tfa: ignore[TFA0301]\n'),)
    _meta = True
