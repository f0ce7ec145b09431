"""Where a module sends its logs: files or the process's streams (``LogSinkFacts``), with the
argument and source helpers the other log modules (``PrintFacts``, ``LoggingFacts``, TFA1104)
read calls and literals with too.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

from tfa_lint.discover import kind_of
from tfa_lint.model import FileKind
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.semantic import SemanticModel

from .ast_source import call_arguments

_FILE_HANDLERS = {"logging.FileHandler", "logging.handlers.RotatingFileHandler",
                  "logging.handlers.TimedRotatingFileHandler", "logging.handlers.WatchedFileHandler",
                  "concurrent_log_handler.ConcurrentRotatingFileHandler"}
_STREAM_HANDLERS = {"logging.StreamHandler", "rich.logging.RichHandler"}
_STRUCTLOG_FACTORIES = {"structlog.WriteLoggerFactory", "structlog.PrintLoggerFactory", "structlog.BytesLoggerFactory"}
#: Paths that are the process's own output streams, not files.
_STD_STREAMS = {"-", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2",
                "ext://sys.stdout", "ext://sys.stderr"}
#: Keyword arguments loguru accepts only for file sinks.
_LOGURU_FILE_OPTIONS = {"rotation", "retention", "compression"}
_CONFIG_SUFFIXES = (".ini", ".conf", ".cfg", ".yaml", ".yml", ".json")
_PATHISH_RE = re.compile(r"(?i)(file|path|log_?dir|\.log\b)")
_GUNICORN_CONFIG_RE = re.compile(r"(?i)(^|/)gunicorn[\w.-]*\.py$")


@dataclass(frozen=True)
class FileLogFact(FactData):
    """A logging sink that writes to a file."""

    kind = "file-log"
    how: str  # what configures it, as a message names it: "`RotatingFileHandler`"
    target: str  # the file, in short; "" when not written there
    advice: str = ""  # how to fix this one, when the general advice does not fit


@dataclass(frozen=True)
class LogConfigRefFact(FactData):
    """A string naming a logging configuration file (``fileConfig("logging.ini")``,
    ``open("log_config.yaml")``): the code loads it, so its handlers are the program's."""

    kind = "log-config-ref"
    name: str  # the file's name, without directories


@dataclass(frozen=True)
class StreamLogFact(FactData):
    """A logging sink that writes to the process's stdout or stderr."""

    kind = "stream-log"


class LogSinkFacts(AstCollector):
    """Where a module sends its logs: files (``file-log``) or the process's streams (``stream-log``)."""

    name = "log-sinks"
    records = (FileLogFact, StreamLogFact, LogConfigRefFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self.source = Source(self.semantic)
        self._loguru_files: list[tuple[ast.AST, str]] = []
        self._loguru_removed = False

    def source_of(self, node: ast.AST) -> str:
        """The node's code as libcst's ``code_for_node`` gave it (its grouping parentheses too)."""
        return self.source.code(node, self.semantic.parent(node))

    def visit_Call(self, node: ast.Call) -> None:
        names = self.qualified_names(node.func)
        target = _argument(node, 0, "filename")
        if names & _FILE_HANDLERS and target is not None:
            self._file(node, f"`{_short(min(names & _FILE_HANDLERS))}`", target)
        elif names & _STREAM_HANDLERS:
            stream = _argument(node, 0, "stream")
            if stream is None or self._is_std_stream(stream):
                self.record(StreamLogFact(), node)
        elif "logging.basicConfig" in names:
            filename = _argument(node, None, "filename")
            if filename is not None and not _is_none(filename):
                self._file(node, "`logging.basicConfig(filename=…)`", filename)
            elif _argument(node, None, "handlers") is None:
                self.record(StreamLogFact(), node)  # basicConfig's own handler writes to stderr
        elif "loguru.logger.add" in names:
            self._loguru_sink(node)
        elif "loguru.logger.remove" in names:
            args = call_arguments(node)
            if not args or self.source_of(args[0].value) == "0":
                self._loguru_removed = True
        elif names & _STRUCTLOG_FACTORIES:
            sink = _argument(node, 0, "file")
            if sink is None or self._is_std_stream(sink):
                self.record(StreamLogFact(), node)
            elif isinstance(sink, ast.Call) and ("builtins.open" in self.qualified_names(sink.func) or (
                    isinstance(sink.func, ast.Attribute) and sink.func.attr == "open")):
                self._file(node, f"`{_short(min(names & _STRUCTLOG_FACTORIES))}(file=open(…))`", sink)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and len(value) < 500 and value.lower().endswith(_CONFIG_SUFFIXES):
            name = value.replace("\\", "/").rsplit("/", 1)[-1]
            if kind_of(name, name) is FileKind.LOGGING_CONFIG:
                self.record(LogConfigRefFact(name=name), node)

    def visit_Dict(self, node: ast.Dict) -> None:
        # dictConfig: {"class": "logging.handlers.RotatingFileHandler", "filename": ...}
        self._handler_entry(node)
        for key, value in zip(node.keys, node.values):
            if not (isinstance(key, ast.Constant) and key.value in ("class", "stream")
                    and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            if key.value == "class" and value.value in _FILE_HANDLERS:
                continue  # a handler entry: _handler_entry
            if ((key.value == "class" and value.value in _STREAM_HANDLERS)
                  or (key.value == "stream" and value.value in _STD_STREAMS)) and self._plain(key, value):
                self.record(StreamLogFact(), self.source.code_span(key, node))  # where libcst's DictElement began

    def _handler_entry(self, node: ast.Dict) -> None:
        """A dictConfig handler that writes a file: a file handler ``class``, or any class given
        a ``filename`` (a custom or third-party file handler)."""
        entries = {key.value: (key, value) for key, value in zip(node.keys, node.values)
                   if isinstance(key, ast.Constant) and key.value in ("class", "filename")}
        if "class" not in entries:
            return
        key, handler_class = entries["class"]
        class_name = self._plain_string(handler_class)
        if not isinstance(class_name, str) or not self._plain(key):
            return
        filename = entries.get("filename", (None, None))[1]
        if class_name not in _FILE_HANDLERS and filename is None:
            return
        if filename is not None and self._plain_string(filename) in _STD_STREAMS:
            return
        if self._optional(node):
            return
        target = _short(self.source_of(filename)) if filename is not None else ""
        self.record(FileLogFact(how=f"dictConfig handler class `{class_name}`", target=target),
                    self.source.code_span(key, node))

    def visit_Assign(self, node: ast.Assign) -> None:
        # gunicorn.conf.py: accesslog = "/var/log/gunicorn/access.log"
        if not _GUNICORN_CONFIG_RE.search(self.file.path) or self.semantic.enclosing_def(node) is not None:
            return
        value = node.value
        if not isinstance(value, ast.Constant) or not isinstance(value.value, (str, bytes)) or (
                value.value in _STD_STREAMS or not self._plain(value)):
            return
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id in ("accesslog", "errorlog"):
                self.record(FileLogFact(how=f"gunicorn `{target.id}`", target=str(value.value),
                                        advice=f'Set `{target.id} = "-"` so gunicorn writes to the process\'s stream.'),
                            node)

    def leave_Module(self, node: ast.Module) -> None:
        # Unless the module removes loguru's default handler, its logs still reach stderr.
        if not self._loguru_removed:
            return
        for call, target in self._loguru_files:
            self.record(FileLogFact(how="loguru `logger.add(…)`", target=target), call)

    def _loguru_sink(self, node: ast.Call) -> None:
        args = call_arguments(node)
        if not args or args[0].keyword is not None:
            return
        sink = args[0].value
        if isinstance(sink, ast.Lambda) or self._is_std_stream(sink) or (
                isinstance(sink, ast.Name) and sink.id == "print"):
            self.record(StreamLogFact(), node)
            return
        options = {a.keyword for a in args if a.keyword is not None}
        literal = isinstance(sink, ast.JoinedStr) or (
            isinstance(sink, ast.Constant) and isinstance(sink.value, (str, bytes)))
        path = isinstance(sink, ast.BinOp) and isinstance(sink.op, ast.Div) or (
            isinstance(sink, ast.Call) and self.qualified_names(sink.func) & {"pathlib.Path", "os.path.join"})
        named = isinstance(sink, (ast.Name, ast.Attribute)) and (
            bool(_PATHISH_RE.search(self.source_of(sink))) or bool(options & _LOGURU_FILE_OPTIONS))
        if (literal or path or named) and not self._optional(node) and not self._caller_decides(node, sink):
            self._loguru_files.append((node, _short(self.source_of(sink))))

    def _file(self, node: ast.Call, how: str, target: ast.expr) -> None:
        if self._plain_string(target) in _STD_STREAMS:
            self.record(StreamLogFact(), node)
        elif not self._optional(node) and not self._caller_decides(node, target):
            self.record(FileLogFact(how=how, target=_short(self.source_of(target))), node)

    def _optional(self, node: ast.AST) -> bool:
        """Inside an `if` (test, body or else) or a conditional expression: a file sink there is opt-in."""
        return any(isinstance(a, ast.IfExp) or (isinstance(a, ast.If) and self._opt_in_test(a))
                   for a in self.semantic.ancestors(node))

    def _opt_in_test(self, node: ast.If) -> bool:
        """An `if` that makes what it guards optional — not the `__main__` guard, not `if not logger.handlers:`."""
        return not is_main_guard(node.test) and not re.search(r"(?i)handlers", self.source_of(node.test))

    def _caller_decides(self, node: ast.AST, target: ast.expr) -> bool:
        """A path parameter without a file default: the caller chooses whether to log to a file."""
        function = self.semantic.enclosing_def(node)
        if function is None or not isinstance(target, ast.Name):
            return False
        params = function.args
        positional = [*params.posonlyargs, *params.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(params.defaults)) + list(params.defaults)
        for param, default in (*zip(positional, defaults), *zip(params.kwonlyargs, params.kw_defaults)):
            if param.arg == target.id:
                # A file default: one string literal (not an implicit concatenation), or one f-string.
                plain = isinstance(default, (ast.Constant, ast.JoinedStr)) and (
                    isinstance(default, ast.JoinedStr) or isinstance(default.value, (str, bytes))) and (
                    len(self.source.literal_pieces(default)) == 1)
                return not plain
        return False

    def _is_std_stream(self, node: ast.expr) -> bool:
        if self.qualified_names(node) & {"sys.stdout", "sys.stderr"}:
            return True
        return self._plain_string(node) in _STD_STREAMS

    def _plain_string(self, node: ast.AST) -> str | bytes | None:
        return self.source.plain_string(node)

    def _plain(self, *nodes: ast.AST) -> bool:
        return all(self.source.plain_string(n) is not None for n in nodes)


# -- helpers the log modules share ------------------------------------------------------------
def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for arg in call.keywords:
        if arg.arg == keyword:
            return arg.value
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    if position is not None and len(positional) > position:
        return positional[position]
    return None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round and with any one comparison, as the libcst
    helper these modules used read it (the semantic model's wants ``==``)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = (test.left, test.comparators[0])
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes))]
    return names == ["__name__"] and strings == ["__main__"]


def identifiers(node: ast.AST) -> Iterator[str]:
    """Every name in an expression as libcst spelled them with ``Name`` nodes: names, attribute
    names, keyword argument names, lambda parameters."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr
        elif isinstance(child, (ast.keyword, ast.arg)) and child.arg is not None:
            yield child.arg  # a keyword argument's name (not `**`), a lambda's parameter


_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)


class Source:
    """What ``ast`` forgets of the literals and blocks libcst kept, read from the file's lines as
    its semantic model split them."""

    def __init__(self, semantic: SemanticModel) -> None:
        self.semantic = semantic
        self.lines = semantic.lines

    def segment(self, node: ast.AST) -> str:
        """What ``ast.get_source_segment`` answers."""
        return self.semantic.source(node)

    def span(self, line: int, column: int, end_line: int, end_column: int) -> str:
        """The text from 1-based ``line``, UTF-8 byte ``column`` to ``end_line``, ``end_column``."""
        return self.semantic.source(ast.Pass(lineno=line, col_offset=column, end_lineno=end_line,
                                             end_col_offset=end_column))

    def code(self, node: ast.AST, parent: ast.AST | None) -> str:
        """What libcst's ``code_for_node`` answered: the segment with the grouping parentheses
        around it (``(api_key)``), not those of the call it is the one argument of."""
        return self.segment(self.code_span(node, parent))

    def code_span(self, node: ast.AST, parent: ast.AST | None) -> ast.AST:
        """Where :meth:`code` is: ``node``'s span widened to its grouping parentheses."""
        if getattr(node, "end_col_offset", None) is None:
            return node
        opens = self._around(node.lineno, node.col_offset, -1)  # type: ignore[attr-defined]
        closes = self._around(node.end_lineno, node.end_col_offset, 1)  # type: ignore[attr-defined]
        pairs = min(len(opens), len(closes))
        if pairs and isinstance(parent, ast.Call) and closes[pairs - 1] == (
                parent.end_lineno, parent.end_col_offset - 1):  # type: ignore[operator]
            pairs -= 1  # the call's own: `f(x)`
        if pairs <= 0:
            return node
        (line, column), (end_line, end_column) = opens[pairs - 1], closes[pairs - 1]
        return ast.Pass(lineno=line, col_offset=column, end_lineno=end_line, end_col_offset=end_column + 1)

    def _around(self, line: int, column: int, step: int) -> list[tuple[int, int]]:
        """The parentheses right before (``step`` -1) or after (+1) a byte position, nearest
        first, across whitespace, line continuations and comments: (line, byte column) each."""
        found: list[tuple[int, int]] = []
        lines = self.lines
        want = b"(" if step < 0 else b")"
        text = lines[line - 1].encode("utf-8") if 0 < line <= len(lines) else b""
        i = column - 1 if step < 0 else column
        while True:
            while 0 <= i < len(text) and text[i:i + 1] in b" \t\f\r\n\\":
                i += step
            if 0 <= i < len(text):
                char = text[i:i + 1]
                if char == want:
                    found.append((line, i))
                    i += step
                    continue
                if char != b"#" or step < 0:
                    return found
            line += step  # past the line's end (or its comment), or before its start
            if not 0 < line <= len(lines):
                return found
            text = lines[line - 1].encode("utf-8")
            if step < 0:
                text = _without_comment(text)
                i = len(text) - 1
            else:
                i = 0

    # -- literals ------------------------------------------------------------------------
    def literal_pieces(self, node: ast.AST) -> list[tuple[str, bool, int, int]]:
        """The string literals a literal node is written as: one, or several implicitly
        concatenated (ast joins them into one node). Each is (its text, whether an f-string,
        1-based line, 0-based character column); an f-string's text is empty on 3.12+."""
        return literal_pieces(self.segment(node), node.lineno, self.semantic.column(node.lineno, node.col_offset))  # type: ignore[attr-defined]

    def plain_string(self, node: ast.AST) -> str | bytes | None:
        """The value of one string or bytes literal that is not an f-string nor implicitly
        concatenated (libcst's ``SimpleString``), else None."""
        if not isinstance(node, ast.Constant) or not isinstance(node.value, (str, bytes)):
            return None
        pieces = self.literal_pieces(node)
        return node.value if len(pieces) == 1 and not pieces[0][1] else None

    # -- blocks --------------------------------------------------------------------------
    def indented(self, body: list[ast.stmt]) -> bool:
        """Whether a statement list is an indented block (libcst's ``IndentedBlock``) rather
        than a one-line suite (``if x: y``): its first statement begins its line."""
        first = body[0]
        line = self.lines[first.lineno - 1] if 0 < first.lineno <= len(self.lines) else ""
        prefix = line[:first.col_offset] if line.isascii() else line.encode("utf-8")[:first.col_offset]
        return not prefix.strip()

    def is_elif(self, orelse: list[ast.stmt]) -> bool:
        """Whether an ``if``'s ``orelse`` is an ``elif`` (for libcst a nested ``If``, no block)
        rather than an ``else:`` block holding one ``if``."""
        if len(orelse) != 1 or not isinstance(orelse[0], ast.If):
            return False
        node = orelse[0]
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        return line.encode("utf-8")[node.col_offset:].startswith(b"elif")


def _without_comment(line: bytes) -> bytes:
    """A line of code without its comment."""
    if b"#" not in line:
        return line
    text = line.decode("utf-8", "replace")
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                return text[:token.start[1]].encode("utf-8")
    except (tokenize.TokenError, SyntaxError):
        pass
    return line


def _tokens(source: str) -> list[tokenize.TokenInfo]:
    """The tokens of an expression's source, parenthesized so that its lines join into one."""
    try:
        return list(tokenize.generate_tokens(io.StringIO("(" + source + ")").readline))
    except (tokenize.TokenError, SyntaxError):
        return []


def _is_fstring_token(text: str) -> bool:
    """A whole f-string as one STRING token (Python < 3.12)."""
    prefix = text[:len(text) - len(text.lstrip("rRbBuUfF"))]
    return "f" in prefix.lower()


def _literals(source: str) -> list[tuple[str, bool, int, int]]:
    """The string literals an expression's source is written with, outside any f-string's
    fields, as (text, is an f-string, 1-based row, 0-based column in the parenthesized
    source): each f-string whole, as Python < 3.12 tokenized it. Python 3.12 tokenizes an
    f-string's parts (and collapses ``{{`` in them), so its text is cut from the source."""
    tokens = _tokens(source)
    if not tokens:
        return []
    text = "(" + source + ")"
    line_starts = [0]
    for line in io.StringIO(text, newline="").readlines():
        line_starts.append(line_starts[-1] + len(line))
    found = []
    depth = 0
    start: tuple[int, int] = (1, 0)
    for token in tokens:
        if token.type == _FSTRING_START:
            if depth == 0:
                start = token.start
            depth += 1
        elif token.type == _FSTRING_END:
            depth -= 1
            if depth == 0:
                begin = line_starts[start[0] - 1] + start[1]
                end = line_starts[token.end[0] - 1] + token.end[1]
                found.append((text[begin:end], True, *start))
        elif token.type == tokenize.STRING and depth == 0:
            found.append((token.string, _is_fstring_token(token.string), *token.start))
    return found


def literal_pieces(source: str, line: int, column: int) -> list[tuple[str, bool, int, int]]:
    """See :meth:`Source.literal_pieces`: ``source`` is a literal's segment, which starts at
    1-based ``line``, 0-based character ``column``."""
    return [(piece, fstring, line + row - 1, column + col - 1 if row == 1 else col)
            for piece, fstring, row, col in _literals(source)]


def string_texts(source: str) -> list[str]:
    """The literal text in an expression's source as libcst's ``SimpleString`` and
    ``FormattedStringText`` nodes hold it, in source order: each string literal whole (prefix,
    quotes, escapes as written), and the text parts of f-strings and of their format specs."""
    texts: list[str] = []
    for piece, fstring, _, _ in _literals(source):
        if fstring:
            _fstring_texts(piece, texts)
        else:
            texts.append(piece)
    return texts


def _fstring_texts(token: str, texts: list[str]) -> None:
    """The text parts of one whole f-string, and the literals in its fields."""
    start = len(token) - len(token.lstrip("rRbBuUfF"))
    quote = token[start:start + 3] if token[start:start + 3] in ('"""', "'''") else token[start]
    body = token[start + len(quote):len(token) - len(quote)]
    _fstring_body(body, 0, texts, spec=False)


def _fstring_body(body: str, i: int, texts: list[str], spec: bool) -> int:
    """Scan literal text from ``i`` up to the end (or, in a format spec, its closing brace);
    return where it stopped."""
    start = i
    while i < len(body):
        char = body[i]
        if char == "{":
            if not spec and body.startswith("{{", i):
                i += 2
                continue
            if i > start:
                texts.append(body[start:i])
            i = start = _fstring_field(body, i + 1, texts)
            continue
        if char == "}":
            if spec:
                break
            if body.startswith("}}", i):
                i += 2
                continue
        i += 1
    if i > start:
        texts.append(body[start:i])
    return i


def _fstring_field(body: str, i: int, texts: list[str]) -> int:
    """Scan a replacement field from just after its ``{``; return the index after its ``}``."""
    depth = 0
    start = i
    while i < len(body):
        char = body[i]
        if char in "'\"":
            quote = body[i:i + 3] if body[i:i + 3] in ('"""', "'''") else char
            close = body.find(quote, i + len(quote))
            i = len(body) if close == -1 else close + len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (char == ":" or (char == "!" and not body.startswith("!=", i))):
            break
        i += 1
    texts.extend(string_texts(body[start:i]))
    if body.startswith("!", i):
        i += 2  # the conversion, !r, !s or !a
    if body.startswith(":", i):
        i = _fstring_body(body, i + 1, texts, spec=True)
    return i + 1
