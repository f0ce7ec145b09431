"""The literal defaults code gives environment variables (``EnvDefaults``): those of URL-named
variables (TFA1001 compares them with the deploy's values), of variables whose default is a URL
(TFA0309 looks for production hosts), and of secret-named ones (TFA0308, weak defaults)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ast_nodes import callee_name, string_value
from .ast_source import call_arguments
from .config_reads import SETTINGS_BASES, env_prefix, settings_fields
from .secrets import is_secret_name

_URL_VAR_RE = re.compile(r"(?i)(URL|URI|DSN|HOST)$")
#: A default that is a network URL, whatever the variable's name (``API_BASE``, ``ENDPOINT``).
_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
_URL_VALUE_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s]", re.IGNORECASE)


@dataclass(frozen=True)
class EnvDefaultFact(FactData):
    """The literal default code gives an environment variable, at the default's literal: a
    URL-named variable (``URL``, ``URI``, ``DSN``, ``HOST``), a URL default, or a secret-named
    variable (:func:`~.secrets.is_secret_name`). Readers pick the ones they want by ``var``/``value``."""

    kind = "env-default"
    var: str  # upper-case: "DATABASE_URL"
    value: str


class EnvDefaults(AstCollector):
    """Defaults that code gives environment variables: ``os.getenv(K, default)``,
    ``os.environ.get(K, default)``, ``os.environ.setdefault(K, default)``, ``os.environ.get(K) or
    default`` and pydantic ``BaseSettings`` field defaults."""

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
        if not arguments or not self.qualified_names(node.func) & _GETTERS:
            return None
        return string_value(arguments[0].value)

    def _record(self, key: str, default: ast.expr) -> None:
        key, value = key.upper(), string_value(default) or ""
        if _URL_VAR_RE.search(key) or _URL_VALUE_RE.match(value) or is_secret_name(key):
            self.record(EnvDefaultFact(var=key, value=value), default)


def is_url_named(var: str) -> bool:
    """A variable named for a locator: ``…_URL``, ``…_URI``, ``…_DSN``, ``…_HOST``."""
    return _URL_VAR_RE.search(var) is not None


def _secret_str(value: ast.expr | None) -> ast.expr | None:
    """The literal inside ``SecretStr("…")``, pydantic's wrapper for a secret default; else ``value``."""
    if (isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute))
            and callee_name(value.func) in ("SecretStr", "SecretBytes") and len(value.args) == 1):
        return value.args[0]
    return value


def _field(name: str, value: ast.expr) -> tuple[str, ast.expr | None]:
    """(variable name, default literal) of a settings field: ``x: str = "…"``, ``x: SecretStr =
    SecretStr("…")`` or ``Field("…", alias=…)``."""
    value = _secret_str(value)  # type: ignore[assignment]
    if string_value(value) is not None:
        return name, value
    if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
        if callee_name(value.func) != "Field":
            return name, None
        default = None
        for keyword, _, argument, _ in call_arguments(value):
            positional = keyword is None and default is None
            if positional or keyword == "default":
                default = _secret_str(argument)
            elif keyword in ("alias", "validation_alias") and string_value(argument):
                name = string_value(argument) or name
        return name, default if string_value(default) is not None else None
    return name, None
