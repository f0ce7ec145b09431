"""The defaults code gives URL-named environment variables (``EnvDefaults``)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ast_nodes import callee_name, string_value
from .ast_source import call_arguments
from .config_reads import SETTINGS_BASES, env_prefix, settings_fields

_URL_VAR_RE = re.compile(r"(?i)(URL|URI|DSN|HOST)$")


@dataclass(frozen=True)
class EnvDefaultFact(FactData):
    """The default code gives a URL-named environment variable, at the default's literal."""

    kind = "env-default"
    var: str  # upper-case: "DATABASE_URL"
    value: str


class EnvDefaults(AstCollector):
    """Defaults that code gives URL-named environment variables: ``os.getenv(K, default)``,
    ``os.environ.get(K) or default`` and pydantic ``BaseSettings`` field defaults."""

    name = "env-defaults"
    records = (EnvDefaultFact,)

    def visit_Call(self, node: ast.Call) -> None:
        key = self._lookup(node)
        if not key:
            return
        arguments = call_arguments(node)
        default = next((a.value for a in arguments[1:2] if a.keyword is None), None) or next(
            (a.value for a in arguments if a.keyword == "default"), None)
        if string_value(default) is not None:
            self._record(key, default)  # type: ignore[arg-type]

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # `os.environ.get(K) or default`. libcst nests `a or b or c` as `(a or b) or c`, where only
        # the innermost `or` can have a call on its left; ast keeps the chain in one node.
        left, right = node.values[0], node.values[1]
        if isinstance(node.op, ast.Or) and isinstance(left, ast.Call) and len(call_arguments(left)) == 1:
            key = self._lookup(left)
            if key and string_value(right) is not None:
                self._record(key, right)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if not any(self.qualified_names(b.value if isinstance(b, ast.Starred) else b) & SETTINGS_BASES
                   for b in node.bases):
            return
        prefix = env_prefix(node)
        for small, field in settings_fields(node):
            if small.value:
                name, default = _field(field, small.value)
                if default is not None:
                    self._record(name if name != field else prefix + name, default)

    def _lookup(self, node: ast.Call) -> str | None:
        arguments = call_arguments(node)
        if not arguments or not self.qualified_names(node.func) & {"os.getenv", "os.environ.get"}:
            return None
        return string_value(arguments[0].value)

    def _record(self, key: str, default: ast.expr) -> None:
        key = key.upper()
        if _URL_VAR_RE.search(key):
            self.record(EnvDefaultFact(var=key, value=string_value(default)), default)  # type: ignore[arg-type]


def _field(name: str, value: ast.expr) -> tuple[str, ast.expr | None]:
    """(variable name, default literal) of a settings field: ``x: str = "…"`` or ``Field("…", alias=…)``."""
    if string_value(value) is not None:
        return name, value
    if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
        if callee_name(value.func) != "Field":
            return name, None
        default = None
        for keyword, _, argument, _ in call_arguments(value):
            positional = keyword is None and default is None
            if positional or keyword == "default":
                default = argument
            elif keyword in ("alias", "validation_alias") and string_value(argument):
                name = string_value(argument) or name
        return name, default if string_value(default) is not None else None
    return name, None
