"""Python source to an ``ast`` tree, refusing what would exhaust the parser.

CPython's parser decides what Python means. It refuses deep nesting quickly, with a
``SyntaxError`` ("too many nested parentheses"), a ``RecursionError`` or a ``MemoryError``;
each becomes a one-line :class:`SourceError`, and the scan goes on with the next file.
Grammar newer than the running interpreter (PEP 695 ``type`` aliases or PEP 701 f-strings on
Python 3.11) is a syntax error too, so the diagnostic names the Python that judged it.
"""

from __future__ import annotations

import ast
import sys
import warnings

from tfa_lint.sources import SourceError

_TOO_DEEP = "nested too deeply for Python's own parser"
#: The grammar that judged the file, named in every syntax error: a file written for a newer
#: Python reads as broken to an older one, and only the version tells the two apart.
_RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
_NESTING_MESSAGES = ("too many nested parentheses", "too many levels of indentation", "too many statically nested")


def parse_tree(text: str) -> ast.Module:
    """The module's ``ast``, or :class:`SourceError` with a one-line reason."""
    try:
        with warnings.catch_warnings():
            # ``"\d"`` in a scanned file is its authors' business: Python 3.12 prints a
            # SyntaxWarning for it (3.11 a DeprecationWarning) on our stderr, per file.
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return ast.parse(text)
    except (RecursionError, MemoryError):
        raise SourceError(_TOO_DEEP) from None
    except SyntaxError as exc:
        if any(m in str(exc.msg) for m in _NESTING_MESSAGES):
            raise SourceError(_TOO_DEEP) from None
        raise SourceError(f"Python {_RUNNING} syntax error at line {exc.lineno}") from None
    except ValueError:  # "source code string cannot contain null bytes": decode refused those
        raise SourceError("not parseable as Python") from None
