"""``[tool.tfa-lint]`` in pyproject.toml (or a ``--config`` file), with CLI overrides.

Keys follow ruff: ``select``, ``ignore``, ``preview``, ``per-file-ignores``, ``exclude``,
``extend-exclude``, ``fail-under``, plus ``fail-on``, ``fail-on-stale``, ``severity-weights`` (the score's
weight per severity), ``baseline`` (a file of known findings to hide, relative to the
configuration file) and ``cache-dir`` (where results are cached, relative to the same). Unknown keys and unknown rule ids are
errors, so a typo never silently turns a check off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tfa_lint.discover import DEFAULT_EXCLUDE
from tfa_lint.model import SEVERITY_WEIGHTS, Severity
from tfa_lint.project import PYPROJECT_TABLES
from tfa_lint.sources import SourceError, toml_text

KNOWN_KEYS = frozenset({"select", "ignore", "preview", "per-file-ignores", "exclude", "extend-exclude",
                        "fail-under", "fail-on", "fail-on-stale", "severity-weights", "baseline", "cache-dir",
                        "file-timeout", "fixable", "unfixable"})


class ConfigError(Exception):
    """The configuration is wrong; the message says where and how, in one line."""


@dataclass
class Config:
    select: list[str] | None = None  # None: every rule
    ignore: list[str] = field(default_factory=list)
    preview: bool = False  # run the rules not yet proven on the field corpus too
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    fail_under: int | None = None
    fail_on: Severity = Severity.WARNING
    weights: dict[Severity, int] = field(default_factory=lambda: dict(SEVERITY_WEIGHTS))
    baseline: Path | None = None
    #: Stale baseline entries (TFA0002) are reported; they fail the run only when asked, since
    #: one appears exactly when recorded debt was paid.
    fail_on_stale: bool = False
    cache_dir: Path | None = None  # None: .tfa-lint-cache/ at the project root
    file_timeout: float = 60.0  # seconds one file's analysis may take before it is skipped
    fixable: list[str] | None = None  # rules whose fixes --fix may apply (None: every rule)
    unfixable: list[str] = field(default_factory=list)  # rules whose fixes are never applied
    source: str = "defaults"

    def may_fix(self, rule_id: str) -> bool:
        """Whether ``fixable``/``unfixable`` let --fix apply this rule's fixes (prefixes allowed)."""
        def hit(selectors: list[str]) -> bool:
            return any(s == "ALL" or rule_id.startswith(s) for s in selectors)
        return (self.fixable is None or hit(self.fixable)) and not hit(self.unfixable)

    @property
    def all_excludes(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]


def find_config(found: Path | None, explicit: Path | None) -> tuple[dict[str, Any], str]:
    """tfa-lint's table in ``explicit`` (``--config``) or in the file the project search
    ``found`` (see :mod:`tfa_lint.project`): ``[tool.tfa-lint]`` of a pyproject.toml, or the
    top level of a dedicated file (which may also use the table)."""
    path = explicit or found
    if path is None:
        return {}, "defaults"
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = toml_text.load(path.read_text("utf-8"), str(path))
    except (SourceError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table, not {type(tool).__name__}")
    names = [name for name in PYPROJECT_TABLES if name in tool]
    if len(names) > 1:
        raise ConfigError(f"{path}: both [tool.tfa-lint] and [tool.tfa_lint]: keep one, [tool.tfa-lint]")
    if names:
        table, where = tool[names[0]], f"[tool.{names[0]}]"
    elif path.name == "pyproject.toml":
        table, where = {}, "[tool.tfa-lint]"
    else:
        table, where = data, "the top level"  # a dedicated file holds the keys at top level
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table of settings, not {type(table).__name__} {table!r}")
    return table, str(path)


def build_config(table: Mapping[str, Any], source: str, known_ids: Iterable[str]) -> Config:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [tool.tfa-lint]: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    known = list(known_ids)
    cfg = Config(source=source)
    if "select" in table:
        cfg.select = _rule_list(table["select"], "select", source, known)
    if "ignore" in table:
        cfg.ignore = _rule_list(table["ignore"], "ignore", source, known)
    if "fixable" in table:
        cfg.fixable = _rule_list(table["fixable"], "fixable", source, known)
    if "unfixable" in table:
        cfg.unfixable = _rule_list(table["unfixable"], "unfixable", source, known)
    if "preview" in table:
        if not isinstance(table["preview"], bool):
            raise ConfigError(f"{source}: preview must be true or false")
        cfg.preview = table["preview"]
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{source}: per-file-ignores must be a table of glob = [rule ids]")
    cfg.per_file_ignores = {str(k): _rule_list(v, f"per-file-ignores.{k}", source, known) for k, v in pfi.items()}
    for key in ("exclude", "extend-exclude"):
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{source}: {key} must be a list of glob patterns")
            setattr(cfg, key.replace("-", "_"), list(value))
    if "fail-under" in table:
        cfg.fail_under = check_score(table["fail-under"], f"{source}: fail-under")
    if "fail-on" in table:
        cfg.fail_on = check_severity(table["fail-on"], f"{source}: fail-on")
    if "fail-on-stale" in table:
        if not isinstance(table["fail-on-stale"], bool):
            raise ConfigError(f"{source}: fail-on-stale must be true or false")
        cfg.fail_on_stale = table["fail-on-stale"]
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise ConfigError(f"{source}: baseline must be the path of a baseline file")
        cfg.baseline = Path(source).parent / table["baseline"]
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError(f"{source}: cache-dir must be the path of a directory")
        cfg.cache_dir = Path(source).parent / table["cache-dir"]
    if "file-timeout" in table:
        value = table["file-timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
            raise ConfigError(f"{source}: file-timeout must be a number of seconds, above 0 and at most 3600")
        cfg.file_timeout = float(value)
    if "severity-weights" in table:
        cfg.weights.update(_weights(table["severity-weights"], f"{source}: severity-weights"))
    return cfg


def _weights(value: Any, where: str) -> dict[Severity, int]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table such as {{ error = 3, warning = 2, note = 0 }}")
    out: dict[Severity, int] = {}
    for key, weight in value.items():
        severity = check_severity(key, where)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 10:
            raise ConfigError(f"{where}: the weight of {key} must be an integer from 0 to 10, not {weight!r}")
        out[severity] = weight
    return out


def check_score(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ConfigError(f"{where} must be a whole number from 0 to 100, not {value!r}")
    return value


def check_severity(value: Any, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise ConfigError(f"{where} must be one of error, warning, note, not {value!r}") from None


def _rule_list(value: Any, key: str, source: str, known: list[str]) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: {key} must be a list of rule ids")
    return [expand_selector(v, known, f"{source}: {key}") for v in value]


def expand_selector(selector: str, known: list[str], where: str) -> str:
    """Check a rule selector: an id (``TFA0301``), an id prefix (``TFA03``) or ``ALL``."""
    sel = selector.strip().upper()
    if sel == "ALL" or any(rule_id.startswith(sel) for rule_id in known):
        return sel
    raise ConfigError(f"{where}: unknown rule id or prefix {selector!r} (see `tfa-lint rules`)")


def selected(known: Iterable[str], select: list[str] | None, ignore: Iterable[str], *,
             preview_ids: Iterable[str] = (), preview: bool = False) -> set[str]:
    """Rule ids left after ``select`` (default: all) and ``ignore`` (prefixes allowed).

    Preview rules run only with ``preview``, or when ``select`` names one by its exact id:
    a prefix or ``ALL`` never turns on a rule that has not proven itself, as in ruff."""

    def hit(rule_id: str, selectors: Iterable[str]) -> bool:
        return any(s == "ALL" or rule_id.startswith(s) for s in selectors)

    held_back = set() if preview else set(preview_ids) - set(select or ())
    ids = [r for r in known if (select is None or hit(r, select)) and r not in held_back]
    return {r for r in ids if not hit(r, ignore)}
