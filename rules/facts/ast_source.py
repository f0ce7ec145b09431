"""What libcst kept of the source and ``ast`` folds away, for the collectors moved from libcst
that must keep recording what they recorded:

* the string tokens of a literal: ``"a" "b"`` is one ``ast.Constant`` ``"ab"`` but two libcst
  ``SimpleString`` nodes, and ``"a" f"{b}"`` folds the plain ``"a"`` into an f-string;
* a node's source with the parentheses around it, which libcst counted as the node's own;
* a call's arguments in the order they were written (``ast`` keeps positional arguments and
  keywords apart, libcst's ``Call.args`` holds both).

Offsets follow ``ast``: lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only, and columns are UTF-8
byte offsets, turned into characters here.
"""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from typing import NamedTuple

from tfa_lint.semantic import SemanticModel

_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_STRING_START_RE = re.compile(r"[A-Za-z]{0,2}('''|\"\"\"|'|\")")
_FSTRING_START = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


class Source:
    """One file's text, addressed by ``ast`` positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0, *(m.end() for m in _NEWLINE_RE.finditer(text))]
        self._ascii: dict[int, bool] = {}

    def offset(self, line: int, byte_column: int) -> int:
        """The index in ``text`` of ``ast``'s (1-based line, UTF-8 byte column)."""
        start = self._starts[line - 1]
        is_ascii = self._ascii.get(line)
        if is_ascii is None:
            end = self._starts[line] if line < len(self._starts) else len(self.text)
            is_ascii = self._ascii[line] = self.text[start:end].isascii()
        if is_ascii:
            return start + byte_column
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        return start + len(self.text[start:end].encode("utf-8")[:byte_column].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def segment(self, node: ast.AST) -> str:
        """The node's source, as ``ast.get_source_segment`` (which splits the file on every call)."""
        start, end = self.span(node)
        return self.text[start:end]

    def segment_with_parens(self, node: ast.AST) -> str:
        """The node's source with the grouping parentheses right around it, as libcst's
        ``code_for_node`` printed a node whose ``lpar``/``rpar`` held them: ``(a == b)``. Only for
        a node that cannot be a call's argument (a test, an operand of ``and``/``or``/``not``),
        where a parenthesis right before and one right after can only group the node."""
        start, end = self.span(node)
        text = self.text
        while True:
            before = start
            while before > 0 and text[before - 1] in " \t\r\n\f\\":
                before -= 1
            after = end
            while after < len(text) and text[after] in " \t\r\n\f\\":
                after += 1
            if before > 0 and after < len(text) and text[before - 1] == "(" and text[after] == ")":
                start, end = before - 1, after + 1
            else:
                return text[start:end]


@functools.lru_cache(maxsize=4)
def source(text: str) -> Source:
    """The file's :class:`Source`, shared by the collectors that visit it."""
    return Source(text)


def string_tokens(src: Source, node: ast.Constant | ast.JoinedStr) -> list[tuple[str, str | bytes]]:
    """The plain string literals (libcst's ``SimpleString``) a string expression was written as,
    each as (token text, value): one for ``"a"``, two for ``"a" "b"``, and for an f-string the
    plain strings concatenated with it (``"a" f"{b}"`` has ``"a"``). Not the strings inside an
    f-string's replacement fields: those are nodes of their own."""
    return [(raw, value) for raw, value in literal_tokens(src, node) if value is not None]


def concatenated(src: Source, node: ast.Constant | ast.JoinedStr) -> bool:
    """Whether a string expression was written as several literals (libcst's
    ``ConcatenatedString``): ``"a" "b"``, ``"a" f"{b}"``, ``f"{a}" f"{b}"``."""
    return len(literal_tokens(src, node)) > 1


_LITERAL_START = {tokenize.STRING, getattr(tokenize, "FSTRING_START", tokenize.STRING)}
_LITERAL_END = getattr(tokenize, "FSTRING_END", None)


def one_literal(source: str) -> bool:
    """The source of a string constant or f-string is one literal, not an implicit
    concatenation (``"a" "b.pid"``): ast joins those into one node where libcst kept a
    ``ConcatenatedString``, which the checks written on libcst did not take for a string."""
    if source.count("'") + source.count('"') <= 2:
        return True  # the quotes of one literal
    literals = depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(f"({source})").readline):
            if token.type in _LITERAL_START and depth == 0:
                literals += 1
            if token.type == _LITERAL_END:
                depth -= 1
            elif token.type != tokenize.STRING and token.type in _LITERAL_START:
                depth += 1
    except (tokenize.TokenError, SyntaxError):
        return True
    return literals == 1


def literal_tokens(src: Source, node: ast.Constant | ast.JoinedStr) -> list[tuple[str, str | bytes | None]]:
    """Every string literal a string expression was written as, in order, as (token text,
    value): plain ones with their value, f-strings with None (see :func:`fstring_text`)."""
    segment = src.segment(node)
    if isinstance(node, ast.Constant):
        match = _STRING_START_RE.match(segment)
        if match:
            quote = match.group(1)
            body = segment[match.end():len(segment) - len(quote)]
            if segment.endswith(quote) and quote not in body:
                return [(segment, node.value)]  # one token: the common case
    found = _tokens(segment)
    if isinstance(node, ast.Constant):
        values = [v for _, v in found or () if v is not None]
        if not found or len(values) != len(found) or _join(values) != node.value:
            return [(segment if found is not None else repr(node.value), node.value)]
    return found or []


def _join(values: list) -> str | bytes | None:
    try:
        return values[0][:0].join(values)
    except TypeError:
        return None


def _tokens(segment: str) -> list[tuple[str, str | bytes | None]] | None:
    out: list[tuple[str, str | bytes | None]] = []
    text = "(" + segment + ")"
    line_starts = [0]
    for line in io.StringIO(text, newline="").readlines():
        line_starts.append(line_starts[-1] + len(line))
    depth = 0  # inside an f-string (Python 3.12+ tokenizes its parts: start, middles, fields, end)
    start = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if _FSTRING_START is not None and token.type == _FSTRING_START:
                if not depth:
                    start = line_starts[token.start[0] - 1] + token.start[1]
                depth += 1
            elif _FSTRING_END is not None and token.type == _FSTRING_END:
                depth -= 1
                if not depth:  # the whole f-string, as Python 3.11 gave it in one token
                    out.append((text[start:line_starts[token.end[0] - 1] + token.end[1]], None))
            elif token.type == tokenize.STRING and not depth:
                prefix = _STRING_START_RE.match(token.string)
                if prefix and "f" in token.string[:prefix.start(1)].lower():
                    out.append((token.string, None))  # an f-string (Python 3.11 reads it as one token)
                else:
                    out.append((token.string, ast.literal_eval(token.string)))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return None
    return out


def fstring_text(token: str) -> str | None:
    """libcst's reading of one f-string literal: its text as written (escapes and doubled braces
    unevaluated: libcst's ``FormattedStringText`` keeps the source), each replacement field as
    ``{}``. None when the token cannot be split."""
    match = _STRING_START_RE.match(token)
    if match is None:
        return None
    raw = "r" in token[:match.start(1)].lower()
    quote = match.group(1)
    body = token[match.end():len(token) - len(quote)]
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if char == "\\" and not raw and body.startswith("N{", i + 1):  # a named escape, not a field
            end = body.find("}", i)
            if end < 0:
                return None
            out.append(body[i:end + 1])
            i = end + 1
        elif char == "\\":
            step = 2 if body[i + 1:i + 2] in ("\\", "'", '"') else 1
            out.append(body[i:i + step])
            i += step
        elif char in "{}" and body.startswith(char, i + 1):
            out.append(char * 2)
            i += 2
        elif char == "{":
            end = _field_end(body, i + 1)
            if end is None:
                return None
            out.append("{}")
            i = end + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _field_end(body: str, i: int) -> int | None:
    """The index of the ``}`` closing the replacement field that starts at ``i``."""
    depth = 1
    while i < len(body):
        char = body[i]
        if char in "'\"":
            quote = char * 3 if body.startswith(char * 3, i) else char
            end = body.find(quote, i + len(quote))
            if end < 0:
                return None
            i = end + len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if not depth:
                return i
        i += 1
    return None


def is_format_spec(semantic: SemanticModel, node: ast.JoinedStr) -> bool:
    """A replacement field's format spec (``.2f`` in ``f"{x:.2f}"``): part of its f-string."""
    parent = semantic.parent(node)
    return isinstance(parent, ast.FormattedValue) and parent.format_spec is node


def fstring_part(semantic: SemanticModel, node: ast.Constant) -> bool:
    """A literal part of an f-string (``"a"`` in ``f"a{b}"``), not a string of its own."""
    return isinstance(semantic.parent(node), ast.JoinedStr)


def simple_string(src: Source, node: ast.AST | None) -> str | bytes | None:
    """The value of ``node`` when it is one plain string literal (libcst's ``SimpleString``):
    not an implicit concatenation, not an f-string. Bytes stay bytes."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
        return None
    tokens = string_tokens(src, node)
    return tokens[0][1] if len(tokens) == 1 else None


def names_in(node: ast.AST) -> set[str]:
    """Every identifier in an expression that libcst held as a ``Name`` node: names, an
    attribute's own name (``b`` in ``a.b``), keyword argument names and lambda parameters."""
    found: set[str] = set()
    for current in ast.walk(node):
        if isinstance(current, ast.Name):
            found.add(current.id)
        elif isinstance(current, ast.Attribute):
            found.add(current.attr)
        elif isinstance(current, (ast.keyword, ast.arg)) and current.arg is not None:
            found.add(current.arg)
    return found


class Argument(NamedTuple):
    """One argument of a call as libcst's ``Call.args`` listed it."""

    keyword: str | None  # None for a positional argument, ``*args`` and ``**kwargs``
    star: str  # "", "*" or "**"
    value: ast.expr  # what ``*args`` and ``**kwargs`` unpack
    node: ast.AST  # where it starts: a keyword argument's ``ast.keyword`` (at its name), else the argument


def call_arguments(call: ast.Call) -> list[Argument]:
    """A call's arguments in the order they were written, as libcst's ``Call.args`` (``ast``
    keeps positional arguments and keywords apart, and ``f(k=1, *rest)`` puts a keyword before
    a starred argument)."""
    # Kept on the node: a dozen visitors ask it of the same calls, and the tree lives only as
    # long as its file's analysis.
    known: tuple[Argument, ...] | None = call.__dict__.get("_tfa_arguments")
    if known is None:
        positional = [Argument(None, "*", a.value, a) if isinstance(a, ast.Starred) else Argument(None, "", a, a)
                      for a in call.args]
        keywords = [Argument(k.arg, "" if k.arg is not None else "**", k.value, k) for k in call.keywords]
        ordered = positional + keywords
        if positional and keywords:
            ordered.sort(key=lambda a: (a.node.lineno, a.node.col_offset))  # type: ignore[attr-defined]
        known = call.__dict__["_tfa_arguments"] = tuple(ordered)
    return list(known)


def argument_values(call: ast.Call) -> list[ast.expr]:
    """The values of :func:`call_arguments`: what each argument passes or unpacks."""
    return [argument.value for argument in call_arguments(call)]
