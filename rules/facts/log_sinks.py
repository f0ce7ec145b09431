"""Where a module sends its logs: files or the process's streams (``LogSinkFacts``), with the
argument helpers TFA1104 reads log calls with too.
"""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

from .processes import is_main_guard

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
_PATHISH_RE = re.compile(r"(?i)(file|path|log_?dir|\.log\b)")
_GUNICORN_CONFIG_RE = re.compile(r"(?i)(^|/)gunicorn[\w.-]*\.py$")


class LogSinkFacts(FactCollector):
    """Where a module sends its logs: files (``file-log``) or the process's streams (``stream-log``)."""

    name = "log-sinks"

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._params: list[dict[str, cst.BaseExpression | None]] = []  # per enclosing function: name -> default
        self._optional = 0  # enclosing `if`/conditional expressions: a file sink there is opt-in
        self._loguru_files: list[tuple[cst.CSTNode, str]] = []
        self._loguru_removed = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        self._params.append({p.name.value: p.default for p in (*params.posonly_params, *params.params,
                                                               *params.kwonly_params)})

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._params.pop()

    def visit_If(self, node: cst.If) -> None:
        if _opt_in_test(node):
            self._optional += 1

    def leave_If(self, original_node: cst.If) -> None:
        if _opt_in_test(original_node):
            self._optional -= 1

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self._optional += 1

    def leave_IfExp(self, original_node: cst.IfExp) -> None:
        self._optional -= 1

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        target = _argument(node, 0, "filename")
        if names & _FILE_HANDLERS and target is not None:
            self._file(node, f"`{_short(min(names & _FILE_HANDLERS))}`", target)
        elif names & _STREAM_HANDLERS:
            stream = _argument(node, 0, "stream")
            if stream is None or self._is_std_stream(stream):
                self.record("stream-log", node)
        elif "logging.basicConfig" in names:
            filename = _argument(node, None, "filename")
            if filename is not None and not _is_none(filename):
                self._file(node, "`logging.basicConfig(filename=…)`", filename)
            elif _argument(node, None, "handlers") is None:
                self.record("stream-log", node)  # basicConfig's own handler writes to stderr
        elif "loguru.logger.add" in names:
            self._loguru_sink(node)
        elif "loguru.logger.remove" in names and (not node.args or self.source_of(node.args[0].value) == "0"):
            self._loguru_removed = True
        elif names & _STRUCTLOG_FACTORIES:
            sink = _argument(node, 0, "file")
            if sink is None or self._is_std_stream(sink):
                self.record("stream-log", node)
            elif isinstance(sink, cst.Call) and ("builtins.open" in self.qualified_names(sink.func) or (
                    isinstance(sink.func, cst.Attribute) and sink.func.attr.value == "open")):
                self._file(node, f"`{_short(min(names & _STRUCTLOG_FACTORIES))}(file=open(…))`", sink)

    def visit_DictElement(self, node: cst.DictElement) -> None:
        # dictConfig: {"class": "logging.handlers.RotatingFileHandler", "filename": ...}
        if not (isinstance(node.key, cst.SimpleString) and isinstance(node.value, cst.SimpleString)):
            return
        key, value = node.key.evaluated_value, node.value.evaluated_value
        if key == "class" and value in _FILE_HANDLERS and not self._optional:
            self.record("file-log", node, how=f"dictConfig handler class `{value}`", target="")
        elif (key == "class" and value in _STREAM_HANDLERS) or (key == "stream" and value in _STD_STREAMS):
            self.record("stream-log", node)

    def visit_Assign(self, node: cst.Assign) -> None:
        # gunicorn.conf.py: accesslog = "/var/log/gunicorn/access.log"
        if self._params or not _GUNICORN_CONFIG_RE.search(self.file.path):
            return
        if not isinstance(node.value, cst.SimpleString) or node.value.evaluated_value in _STD_STREAMS:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name) and target.target.value in ("accesslog", "errorlog"):
                self.record("file-log", node, how=f"gunicorn `{target.target.value}`",
                            target=str(node.value.evaluated_value),
                            advice=f'Set `{target.target.value} = "-"` so gunicorn writes to the process\'s stream.')

    def leave_Module(self, original_node: cst.Module) -> None:
        # Unless the module removes loguru's default handler, its logs still reach stderr.
        if not self._loguru_removed:
            return
        for node, target in self._loguru_files:
            self.record("file-log", node, how="loguru `logger.add(…)`", target=target)

    def _loguru_sink(self, node: cst.Call) -> None:
        if not node.args or node.args[0].keyword is not None:
            return
        sink = node.args[0].value
        if isinstance(sink, cst.Lambda) or self._is_std_stream(sink) or (
                isinstance(sink, cst.Name) and sink.value == "print"):
            self.record("stream-log", node)
            return
        options = {a.keyword.value for a in node.args if a.keyword is not None}
        literal = isinstance(sink, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
        path = isinstance(sink, cst.BinaryOperation) and isinstance(sink.operator, cst.Divide) or (
            isinstance(sink, cst.Call) and self.qualified_names(sink.func) & {"pathlib.Path", "os.path.join"})
        named = isinstance(sink, (cst.Name, cst.Attribute)) and (
            bool(_PATHISH_RE.search(self.source_of(sink))) or bool(options & _LOGURU_FILE_OPTIONS))
        if (literal or path or named) and not self._optional and not self._caller_decides(sink):
            self._loguru_files.append((node, _short(self.source_of(sink))))

    def _file(self, node: cst.Call, how: str, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.SimpleString) and target.evaluated_value in _STD_STREAMS:
            self.record("stream-log", node)
        elif not self._optional and not self._caller_decides(target):
            self.record("file-log", node, how=how, target=_short(self.source_of(target)))

    def _caller_decides(self, target: cst.BaseExpression) -> bool:
        """A path parameter without a file default: the caller chooses whether to log to a file."""
        if not self._params or not isinstance(target, cst.Name) or target.value not in self._params[-1]:
            return False
        return not isinstance(self._params[-1][target.value], (cst.SimpleString, cst.FormattedString))

    def _is_std_stream(self, node: cst.BaseExpression) -> bool:
        if self.qualified_names(node) & {"sys.stdout", "sys.stderr"}:
            return True
        return isinstance(node, cst.SimpleString) and node.evaluated_value in _STD_STREAMS


def _opt_in_test(node: cst.If) -> bool:
    """An `if` that makes what it guards optional — not the `__main__` guard, not `if not logger.handlers:`."""
    return not is_main_guard(node) and not re.search(r"(?i)handlers", _EMPTY.code_for_node(node.test))


_EMPTY = cst.Module([])


def _argument(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if position is not None and len(positional) > position:
        return positional[position].value
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
