"""Lock files (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pylock.toml, and the
``requirements*.lock`` that rye writes): which packages they pin, and which packages each one
requires directly, where the format records it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError, toml_text

LOCK_FILE_NAMES = frozenset({"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml"})
#: rye's ``requirements.lock`` / ``requirements-dev.lock``: pip-compile's format (``name==version``
#: lines, each followed by ``# via <dependent>`` comments).
REQUIREMENTS_LOCK_RE = re.compile(r"^requirements[\w.-]*\.lock$")

_PINNED_LINE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;#\\]+)")
_VIA_RE = re.compile(r"^\s*#\s+(?:via\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*$")
_REQUIREMENT_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def is_lock_file(name: str) -> bool:
    return name in LOCK_FILE_NAMES or bool(REQUIREMENTS_LOCK_RE.match(name))


@dataclass(frozen=True)
class LockFile(Artifact):
    packages: frozenset[str]  # canonical names
    #: canonical name -> the canonical names it requires (not its optional extras); empty for
    #: formats that do not record it (Pipfile.lock).
    requires: dict[str, frozenset[str]] = field(default_factory=dict)
    #: canonical name -> the one version it is locked at; a package locked at several versions
    #: (uv forks a resolution by Python version or platform) is left out.
    versions: dict[str, str] = field(default_factory=dict)


def parse(path: str, text: str) -> LockFile:
    name = path.rsplit("/", 1)[-1]
    packages: set[str] = set()
    requires: dict[str, set[str]] = {}
    versions: dict[str, set[str]] = {}
    if name == "Pipfile.lock":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"Pipfile.lock is not valid JSON: {exc}") from None
        for section in ("default", "develop"):
            if isinstance(data.get(section), dict):
                packages.update(data[section])
                for package, entry in data[section].items():
                    version = entry.get("version") if isinstance(entry, dict) else None
                    if isinstance(version, str) and version.startswith("=="):
                        versions.setdefault(canonicalize_name(package), set()).add(version.removeprefix("=="))
    elif REQUIREMENTS_LOCK_RE.match(name):
        current: str | None = None
        for line in text.splitlines():
            if mo := _PINNED_LINE_RE.match(line):
                current = canonicalize_name(mo.group(1))
                packages.add(current)
                versions.setdefault(current, set()).add(mo.group(2))
            elif current and (mo := _VIA_RE.match(line)) and mo.group(1) != "via":
                requires.setdefault(canonicalize_name(mo.group(1)), set()).add(current)
            elif line.strip() and not line.lstrip().startswith("#"):
                current = None
    else:
        data = toml_text.load(text, name)
        for entry in data.get("package", data.get("packages", [])) or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                packages.add(entry["name"])
                requires.setdefault(canonicalize_name(entry["name"]), set()).update(_direct(entry.get("dependencies")))
                if isinstance(entry.get("version"), str):
                    versions.setdefault(canonicalize_name(entry["name"]), set()).add(entry["version"])
    return LockFile(path=path, kind=FileKind.LOCKFILE, text=text,
                    packages=frozenset(canonicalize_name(p) for p in packages),
                    requires={k: frozenset(v) for k, v in requires.items()},
                    versions={k: next(iter(v)) for k, v in versions.items() if len(v) == 1})


def _direct(dependencies: object) -> set[str]:
    """Names of a lock entry's required dependencies: poetry's table (optional ones left out),
    uv's and pylock's array of tables, pdm's array of requirement strings."""
    out: set[str] = set()
    if isinstance(dependencies, dict):  # poetry: name = "constraint" | {version, optional, markers}
        for dep, spec in dependencies.items():
            specs = spec if isinstance(spec, list) else [spec]
            if isinstance(dep, str) and not all(isinstance(s, dict) and s.get("optional") for s in specs):
                out.add(canonicalize_name(dep))
    elif isinstance(dependencies, list):
        for dep in dependencies:
            dep_name = dep.get("name") if isinstance(dep, dict) else dep if isinstance(dep, str) else None
            if isinstance(dep_name, str) and (mo := _REQUIREMENT_NAME_RE.match(dep_name)):
                out.add(canonicalize_name(mo.group(1)))
    return out
