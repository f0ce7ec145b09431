"""TFA1101's fix: a ``print()`` statement as a call of the module logger (libcst; imported only
when the rule reports a print, so a scan that reports none never imports libcst).

``print(x)`` becomes ``logger.info(x)``, ``print(a, b)`` ``logger.info("%s %s", a, b)`` (what
print writes: each value's ``str()``, joined by spaces) and ``print("Total:", n)``
``logger.info("Total: %s", n)``, ``print(..., file=sys.stderr)``
``logger.error(...)``. The module logger is the one the module has (``logger =
logging.getLogger(__name__)``, or ``log``, ``LOGGER``…), else one added after the imports with
``import logging`` where isort puts it: the same two edits for every print of the file, which
the fixer makes once. A logger of another library or of the project's own (``log =
get_logger(__name__)``, loguru's ``logger``) is used for a print of one string alone: how it
formats arguments is its own. No fix where the rewrite would not be mechanical: ``end=``, ``sep=`` or
``flush=`` other than their defaults, a starred argument, a print inside an expression, no
argument or only line breaks (terminal layout), another ``file=``, or a name ``logger`` already taken.
"""

from __future__ import annotations

import libcst as cst

from tfa_lint.fix import Applicability, Edit, Fix
from tfa_lint.pyfix import LOGGER_NAMES, PythonSource, merged

_DEFAULTS = {"sep": " ", "end": "\n"}  # print's own defaults: keyword arguments that change nothing
_STREAMS = {"sys.stdout": "info", "sys.stderr": "error"}


class PrintFixer:
    """The fixes of one file's reported prints."""

    def __init__(self, source: PythonSource) -> None:
        self.source = source
        #: whether the logger is the standard library's (`"%s %s"` formats its arguments)
        self.standard = True
        self.logger, self.defined_at = self._existing_logger()
        if self.logger is None:
            self.logger, self.defined_at = self._other_logger()
            self.standard = self.logger is None
        self.shared: tuple[Edit | None, ...] = ()
        if self.logger is None and _free(source, "logger"):
            self.logger = "logger"
            block = source.import_block()
            self.shared = (source.add_import("logging"),
                           block.after(source, f"logger = logging.getLogger(__name__){source.newline}"))
            self.defined_at = self.shared[1].start  # type: ignore[union-attr]

    def fix(self, line: int, column: int) -> Fix | None:
        """The fix of the print reported at ``line`` and 1-based ``column``, or None."""
        if self.logger is None:
            return None
        call = next(self.source.nodes_at(line, column, cst.Call), None)
        if call is None or not self._a_statement(call) or self.source.shadowed(call, self.logger):
            return None
        if not self.source.deferred(call) and self.source.span(call)[0] < self.defined_at:
            return None  # runs on import, before the logger exists
        rewritten = _as_log_call(self.source, call, self.logger)
        if rewritten is None or not (self.standard or _one_text(call)):
            return None  # another library's logger (loguru formats with {}) takes a message alone
        level, new = rewritten
        edits = merged([*self.shared, self.source.replace(call, new)])
        return Fix(f"Log it with `{self.logger}.{level}(...)`", edits, Applicability.UNSAFE)

    def _a_statement(self, call: cst.Call) -> bool:
        """A print that is a statement of its own (not a value inside an expression)."""
        parent = self.source.parent(call)
        return isinstance(parent, cst.Expr) and not call.lpar

    def _existing_logger(self) -> tuple[str | None, int]:
        """The module-level logger the module defines (``logger = logging.getLogger(...)``), by a
        name that binds nothing else, and the offset of its definition."""
        found: dict[str, int] = {}
        for statement in self.source.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                target, value = _assignment(small)
                if target is not None and _get_logger(self.source, value, small):
                    found.setdefault(target, self.source.span(statement)[1])
        tuned = self._tuned()
        for name in sorted(found, key=lambda n: LOGGER_NAMES.index(n) if n in LOGGER_NAMES else len(LOGGER_NAMES)):
            if len(self.source.global_bindings(name)) == 1 and name not in tuned:
                return name, found[name]
        return None, 0

    def _tuned(self) -> set[str]:
        """Loggers the module silences at module level (`log.disabled = True`,
        `log.setLevel(logging.ERROR)`): often another library's (`logging.getLogger("werkzeug")`),
        and no place for the module's messages at INFO."""
        names = set()
        for statement in self.source.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    names.update(t.target.value.value for t in small.targets
                                 if isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name)
                                 and t.target.attr.value == "disabled")
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    func, args = small.value.func, small.value.args
                    if (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                            and func.attr.value == "setLevel"
                            and not (args and _dotted_code(args[0].value).rsplit(".", 1)[-1] in ("DEBUG", "INFO", "NOTSET"))):
                        names.add(func.value.value)
        return names

    def _other_logger(self) -> tuple[str | None, int]:
        """The module's logger of another library or the project's own wrapper, by a logger's
        name: `log = get_logger(__name__)`, `from loguru import logger`; and where it is bound."""
        for statement in self.source.module.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                target, value = _assignment(small)
                names = [target] if target in LOGGER_NAMES and _logger_factory(value) else []
                if isinstance(small, cst.ImportFrom) and small.module is not None and _dotted_code(small.module) == "loguru" \
                        and not isinstance(small.names, cst.ImportStar):
                    names = [(a.evaluated_alias or a.evaluated_name) for a in small.names
                             if a.evaluated_name == "logger"]
                for name in names:
                    if len(self.source.global_bindings(name)) == 1 and name not in self._tuned():
                        return name, self.source.span(statement)[1]
        return None, 0


def _logger_factory(value: cst.BaseExpression | None) -> bool:
    """``get_logger(__name__)``, ``structlog.get_logger()``, ``log.getLogger("x")``: a logger made by a call."""
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name in ("get_logger", "getLogger", "getlogger")


def _plain_text(node: cst.BaseExpression) -> bool:
    """A string literal (not bytes) without ``%``: it can hold the other values' ``%s``."""
    return (isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower() and not node.lpar
            and "%" not in str(node.evaluated_value))


def _layout(call: cst.Call) -> bool:
    """``print("\\n")``: one literal of line breaks and spaces alone, a terminal's layout, not a
    message to log."""
    values = [arg.value for arg in call.args if arg.keyword is None]
    return (len(values) == 1 and isinstance(values[0], cst.SimpleString)
            and not str(values[0].evaluated_value).strip())


def _one_text(call: cst.Call) -> bool:
    """A print of one string (a literal or an f-string): a message any logger takes as it is."""
    positional = [arg for arg in call.args if arg.keyword is None]
    return len(positional) == 1 and isinstance(positional[0].value, (cst.SimpleString, cst.FormattedString,
                                                                      cst.ConcatenatedString))


def _free(source: PythonSource, name: str) -> bool:
    """Whether the module binds ``name`` nowhere and ``logging`` to nothing but the module."""
    return not source.global_bindings(name) and (
        not source.global_bindings("logging") or source.imports_module("logging"))


def _assignment(small: cst.BaseSmallStatement) -> tuple[str | None, cst.BaseExpression | None]:
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value, small.value
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return small.target.value, small.value
    return None, None


def _get_logger(source: PythonSource, value: cst.BaseExpression | None, where: cst.CSTNode) -> bool:
    """``logging.getLogger(...)`` (``logging`` the module), or ``getLogger(...)`` imported from it."""
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        return func.attr.value == "getLogger" and func.value.value == "logging" and source.imports_module("logging")
    if isinstance(func, cst.Name) and func.value == "getLogger":
        bindings = source.global_bindings("getLogger")
        return bool(bindings) and all(
            isinstance(b, cst.ImportFrom) and isinstance(b.module, cst.Name) and b.module.value == "logging"
            and not b.relative for b in bindings)
    return False


def _as_log_call(source: PythonSource, call: cst.Call, logger: str) -> tuple[str, str] | None:
    """(level, the logger call) for a ``print(...)`` call, or None when it is not mechanical."""
    if not isinstance(call.func, cst.Name) or call.func.value != "print":
        return None
    positional = [arg for arg in call.args if arg.keyword is None]
    if not positional or any(arg.star for arg in call.args) or _layout(call):
        return None
    level = "info"
    for arg in call.args:
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        if name == "file":
            level = _STREAMS.get(_dotted_code(arg.value), "")
            if not level:
                return None
        elif name in _DEFAULTS:
            if not (isinstance(arg.value, cst.SimpleString) and arg.value.evaluated_value == _DEFAULTS[name]):
                return None
        elif name == "flush":
            if not (isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False")):
                return None  # a handler flushes each record; a computed flush= is left to a person
        else:
            return None
    if any(arg.keyword is not None for arg in call.args[:len(positional)]):
        return None  # a keyword before a positional value: not print's usual shape
    # Built from the call's own text, so its line breaks, indentation and comments stay: the
    # values as written, the keywords dropped, the text after the last argument (a trailing
    # comma, the closing parenthesis) kept.
    text = source.text
    spans = [source.span(arg.value) for arg in positional]
    call_end = source.span(call)[1]
    func_end = source.span(call.func)[1]
    first = positional[0].value
    template = ""
    values = text[spans[0][0]:spans[-1][1]]
    if len(spans) > 1 and _plain_text(first):
        # `print("Messages:", messages)` → `logger.info("Messages: %s", messages)`
        assert isinstance(first, cst.SimpleString)
        closing = len(first.quote)
        merged = first.value[:-closing] + " %s" * (len(spans) - 1) + first.value[-closing:]
        values = merged + text[spans[0][1]:spans[-1][1]]
    elif len(spans) > 1:
        quote = "'" if isinstance(first, cst.SimpleString) and first.quote == "'" else '"'
        template = quote + " ".join(["%s"] * len(spans)) + quote + text[spans[0][1]:spans[1][0]]
    tail = text[spans[-1][1]:call_end]
    if len(positional) < len(call.args):
        # `, file=sys.stderr,\n)`: what follows the last value up to the keywords (its comma, a
        # comment), then what follows the last keyword (a trailing comma, the parenthesis).
        between = text[spans[-1][1]:source.span(call.args[len(positional)])[0]].rstrip()
        closing = text[source.span(call.args[-1].value)[1]:call_end]
        if between == ",":
            tail = closing
        elif "#" in between and "\n" in closing:
            tail = between + closing.lstrip(",")
        else:
            return None  # a comment the closing parenthesis would end up in
    new = f"{logger}.{level}" + text[func_end:spans[0][0]] + template + values + tail
    return level, new


def _dotted_code(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted_code(node.value)}.{node.attr.value}"
    return ""
