"""The defaults code gives URL-named environment variables (``EnvDefaults``)."""

from __future__ import annotations

import re

import libcst as cst

from tfa_lint.rule import FactCollector

from .config_reads import SETTINGS_BASES, env_prefix, settings_fields
from .cst_nodes import string_value

_URL_VAR_RE = re.compile(r"(?i)(URL|URI|DSN|HOST)$")


class EnvDefaults(FactCollector):
    """Defaults that code gives URL-named environment variables: ``os.getenv(K, default)``,
    ``os.environ.get(K) or default`` and pydantic ``BaseSettings`` field defaults."""

    name = "env-defaults"

    def visit_Call(self, node: cst.Call) -> None:
        key = self._lookup(node)
        default = next((a.value for a in node.args[1:2] if a.keyword is None), None) or next(
            (a.value for a in node.args if a.keyword is not None and a.keyword.value == "default"), None)
        if key and string_value(default) is not None:
            self._record(key, default)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        if isinstance(node.operator, cst.Or) and isinstance(node.left, cst.Call) and len(node.left.args) == 1:
            key = self._lookup(node.left)
            if key and string_value(node.right) is not None:
                self._record(key, node.right)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not any(self.qualified_names(b.value) & SETTINGS_BASES for b in node.bases):
            return
        prefix = env_prefix(node)
        for small, field in settings_fields(node):
            if small.value:
                name, default = _field(field, small.value)
                if default is not None:
                    self._record(name if name != field else prefix + name, default)

    def _lookup(self, node: cst.Call) -> str | None:
        if not node.args or not self.qualified_names(node.func) & {"os.getenv", "os.environ.get"}:
            return None
        return string_value(node.args[0].value)

    def _record(self, key: str, default: cst.BaseExpression) -> None:
        key = key.upper()
        if _URL_VAR_RE.search(key):
            self.record("env-default", default, var=key, value=string_value(default))


def _field(name: str, value: cst.BaseExpression) -> tuple[str, cst.BaseExpression | None]:
    """(variable name, default literal) of a settings field: ``x: str = "…"`` or ``Field("…", alias=…)``."""
    if string_value(value) is not None:
        return name, value
    if isinstance(value, cst.Call) and isinstance(value.func, (cst.Name, cst.Attribute)):
        callee = value.func.value if isinstance(value.func, cst.Name) else value.func.attr.value
        if callee != "Field":
            return name, None
        default = None
        for arg in value.args:
            positional = arg.keyword is None and default is None
            if positional or (arg.keyword is not None and arg.keyword.value == "default"):
                default = arg.value
            elif arg.keyword is not None and arg.keyword.value in ("alias", "validation_alias") and string_value(arg.value):
                name = string_value(arg.value) or name
        return name, default if string_value(default) is not None else None
    return name, None
