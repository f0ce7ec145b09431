"""TFA0301's fix in Python code: a provider key written as a string literal, read from the
environment instead, ``os.environ["OPENAI_API_KEY"]``, with ``import os`` where isort puts it and
the variable named in ``.env.example`` (libcst; imported only when the rule reports a key in a
Python file). The key itself must still be revoked: the fix takes it out of the code, not out
of the history.
"""

from __future__ import annotations

import libcst as cst

from tfa_lint.fix import Applicability, Edit, Fix
from tfa_lint.pyfix import PythonSource, merged

#: Calls whose argument a key is as a default or a value to set: reading the variable there
#: instead would be circular (`os.getenv("OPENAI_API_KEY", "sk-…")`).
_ENVIRONMENT_CALLS = ("getenv", "get", "setdefault", "putenv", "setenv")


def key_fixes(source: PythonSource, keys: list[tuple[int, int, str, str]]) -> list[Fix | None]:
    """The fix of each key (``start``, ``end``, value, variable), where it is a whole string
    literal (not part of a longer text, a comment or an f-string) that is not already an
    environment default or value. Every fix of the file appends the same lines to
    `.env.example`, the variables of all of them, so that one pass makes them all."""
    edits = [_read_from_environment(source, *key) for key in keys]
    variables = dict.fromkeys(variable for (_, _, _, variable), edit in zip(keys, edits) if edit is not None)
    documented = Edit.append(".env.example", "".join(f"{variable}=\n" for variable in variables))
    return [None if edit is None else
            Fix(f"Read the key from `{variable}` (added to .env.example), then revoke it: git history keeps it",
                (*edit, documented), Applicability.UNSAFE)
            for (_, _, _, variable), edit in zip(keys, edits)]


def _read_from_environment(source: PythonSource, start: int, end: int, value: str,
                           variable: str) -> tuple[Edit, ...] | None:
    literal = next(source.nodes_spanning(start, end, cst.SimpleString), None)
    if literal is None or "b" in literal.prefix.lower() or literal.lpar or _evaluated(literal) != value:
        return None
    if _environment_value(source, literal):
        return None
    if source.shadowed(literal, "os") or (source.global_bindings("os") and not source.imports_module("os")):
        return None  # `os` is something else here
    return merged([source.add_import("os"), source.replace(literal, f'os.environ["{variable}"]')])


def _evaluated(literal: cst.SimpleString) -> str | None:
    try:
        value = literal.evaluated_value
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _environment_value(source: PythonSource, literal: cst.SimpleString) -> bool:
    """The key is set into the environment or is a default of a read of it: `os.environ["K"] =
    "sk-…"`, `os.getenv("K", "sk-…")`, `os.environ.setdefault("K", "sk-…")`."""
    parent = source.parent(literal)
    if isinstance(parent, cst.Arg):
        call = source.parent(parent)
        func = call.func if isinstance(call, cst.Call) else None
        return isinstance(func, cst.Attribute) and func.attr.value in _ENVIRONMENT_CALLS or (
            isinstance(func, cst.Name) and func.value in _ENVIRONMENT_CALLS)
    if isinstance(parent, cst.Assign):
        return any(isinstance(t.target, cst.Subscript) and "environ" in source.code(t.target.value)
                   for t in parent.targets)
    return False
