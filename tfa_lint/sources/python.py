"""Python source to an ``ast`` tree (:func:`parse_tree`), or to a libcst module
(:func:`parse_python`, for the rules not moved to ``ast`` yet), refusing what would crash or
stall libcst's parser.

libcst's native parser recurses on the machine stack: measured with libcst 1.9.0, an
expression nested 5,000 brackets deep, or 10,000 ``not`` / unary minus / lambda levels, kills
the process with a segmentation fault, and parse time grows with the square of the depth
(6,000 chained calls: 18 s). CPython's own parser refuses all of these quickly, with a
``SyntaxError`` ("too many nested parentheses"), a ``RecursionError`` or a ``MemoryError``,
at depths libcst still survives. So every file goes through ``ast.parse`` first (about a
seventh of libcst's parse time), and only its verdict on nesting is taken:

* the file parses, or fails on nesting: CPython's verdict on depth stands;
* it fails on other syntax (Python 2, or grammar newer than the running Python, which
  libcst may still read): CPython stopped there and judged nothing after it, so libcst
  first parses the file in a child process, with a time limit; only if the child survives
  does the scan parse it itself. Where there is no ``fork`` (Windows), a token scan bounds
  the bracket depth instead.
"""

from __future__ import annotations

import ast
import io
import os
import signal
import time
import tokenize
import warnings

import libcst as cst

from tfa_lint.sources import SourceError

#: CPython's tokenizer refuses deeper bracket nesting (MAXLEVEL).
MAX_BRACKET_DEPTH = 200
#: How long libcst may take over a file CPython could not judge, in the child process.
PROBE_SECONDS = 10.0
_TOO_DEEP = "nested too deeply for Python's own parser"
_NESTING_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too many statically nested")


def parse_tree(text: str) -> ast.Module:
    """The module's ``ast``, or :class:`SourceError` with a one-line reason. CPython's parser
    decides what Python means: grammar newer than the running interpreter is a syntax error."""
    try:
        return ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None
    except SyntaxError as exc:
        if any(m in str(exc.msg) for m in _NESTING_MESSAGES):
            raise SourceError(_TOO_DEEP) from None
        raise SourceError(f"Python syntax error at line {exc.lineno}") from None
    except ValueError:  # "source code string cannot contain null bytes": decode refused those
        raise SourceError("not parseable as Python") from None


def parse_python(text: str) -> cst.Module:
    """The module, or :class:`SourceError` with a one-line reason."""
    _check_nesting(text)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise SourceError(f"Python syntax error at line {exc.raw_line}") from None
    except RecursionError:
        raise SourceError(_TOO_DEEP) from None


def _check_nesting(text: str) -> None:
    try:
        ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None
    except SyntaxError as exc:
        if any(m in str(exc.msg) for m in _NESTING_MESSAGES):
            raise SourceError(_TOO_DEEP) from None
        if hasattr(os, "fork"):
            _probe_in_child(text)
        else:
            _scan_brackets(text)
    except ValueError:  # "source code string cannot contain null bytes": decode refused those
        raise SourceError("not parseable as Python") from None


def _probe_in_child(text: str) -> None:
    """Parse ``text`` with libcst in a forked child: a crash or a stall costs the child only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: the child only parses
        pid = os.fork()
    if pid == 0:  # the child
        try:
            cst.parse_module(text)
        except BaseException:  # noqa: BLE001 -- whatever happens, the child must not return
            os._exit(1)  # a syntax error: the parent reports it in libcst's words
        os._exit(0)
    deadline = time.monotonic() + PROBE_SECONDS
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise SourceError(f"libcst took over {PROBE_SECONDS:.0f} s to parse it")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
    if os.WIFSIGNALED(status):
        raise SourceError(f"libcst's parser crashed on it (signal {os.WTERMSIG(status)})")


def _scan_brackets(text: str) -> None:
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
                if depth > MAX_BRACKET_DEPTH:
                    raise SourceError(_TOO_DEEP)
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(0, depth - 1)
    except (tokenize.TokenError, SyntaxError) as exc:
        if any(m in str(exc) for m in _NESTING_MESSAGES):
            raise SourceError(_TOO_DEEP) from None
