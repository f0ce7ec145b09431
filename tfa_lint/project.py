"""Which project a path belongs to: the root that is read, configured and cached as one.

Found the way ruff, git and pre-commit find theirs, so that the answer never depends on the
working directory: from each path, walk up to the nearest directory holding tfa-lint's
configuration (``.tfa-lint.toml``, ``tfa-lint.toml``, or a ``pyproject.toml`` with a
``[tool.tfa-lint]`` table), stopping at the top of the version-control checkout, which is
the root when no configuration is found on the way. A walk never crosses a checkout's top.

A directory named outside any project is scanned as one (its own root). A file outside any
project is read alone: its directory may be ``/etc`` or a home directory, which is not a
repository to walk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from tfa_lint.sources import SourceError, toml_text

#: Configuration files in the order they are looked for in one directory (ruff's order).
CONFIG_FILES = (".tfa-lint.toml", "tfa-lint.toml", "pyproject.toml")
#: Version-control metadata marking the top of a checkout.
VCS_MARKERS = (".git", ".hg", ".svn", ".jj")
#: Tables of pyproject.toml holding tfa-lint's keys: the documented name, and the spelling
#: TOML users reach for by habit (as ``[tool.tfa_lint]``), accepted rather than ignored.
PYPROJECT_TABLES = ("tfa-lint", "tfa_lint")
#: Directories walked up at most: a bound on hostile or pathological paths.
MAX_DEPTH = 256


class Marker(str, Enum):
    """Why a directory is the root."""

    CONFIG = "config"  # it holds tfa-lint's configuration
    VCS = "vcs"  # it is the top of a version-control checkout
    NAMED = "named"  # it was named on the command line, and is inside no project
    LOOSE = "loose"  # files outside any project, read alone


@dataclass(frozen=True)
class Project:
    root: Path  # resolved
    marker: Marker
    config: Path | None = None  # the configuration file found at the root, if any

    @property
    def in_project(self) -> bool:
        """A real project, where tfa-lint may keep its cache."""
        return self.marker in (Marker.CONFIG, Marker.VCS)


def holds_config(path: Path) -> bool:
    """True when ``path`` is a tfa-lint configuration file: a dedicated file, or a
    pyproject.toml with a ``[tool.tfa-lint]`` table. An unreadable pyproject is not one."""
    if not os.path.isfile(path):
        return False
    if path.name != "pyproject.toml":
        return True
    try:
        data = toml_text.load(path.read_text("utf-8"), str(path))
    except (SourceError, OSError, UnicodeDecodeError, ValueError):
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and any(name in tool for name in PYPROJECT_TABLES)


def config_file_in(directory: Path) -> Path | None:
    """The configuration file of ``directory``, or None."""
    for name in CONFIG_FILES:
        if holds_config(directory / name):
            return directory / name
    return None


def find_project(path: Path) -> Project:
    """The project ``path`` belongs to."""
    target = Path(os.path.abspath(path))
    is_dir = os.path.isdir(target)
    start = target if is_dir else target.parent
    for depth, directory in enumerate((start, *start.parents)):
        if depth > MAX_DEPTH:
            break
        config = config_file_in(directory)
        if config is not None:
            return Project(directory.resolve(), Marker.CONFIG, config)
        if any(os.path.lexists(directory / marker) for marker in VCS_MARKERS):
            return Project(directory.resolve(), Marker.VCS)
    if is_dir:
        return Project(target.resolve(), Marker.NAMED)
    return Project(start.resolve(), Marker.LOOSE)


def project_for(paths: list[Path], *, root: Path | None = None, config: Path | None = None) -> Project:
    """The one project of a run. ``root`` (``--root``) is taken as given; else the directory of
    ``config`` (``--config``); else each path's project, which must be the same for all."""
    if root is not None:
        found = config_file_in(root.resolve())
        return Project(root.resolve(), Marker.CONFIG if found else Marker.NAMED, found)
    if config is not None:
        return Project(config.resolve().parent, Marker.CONFIG, config)
    projects: dict[Project, list[Path]] = {}
    for path in paths:
        projects.setdefault(find_project(path), []).append(path)
    loose = [p for p in projects if p.marker is Marker.LOOSE]
    if len(loose) > 1:  # loose files of several directories: read alone, from their common parent
        common = Project(Path(os.path.commonpath([p.root for p in loose])), Marker.LOOSE)
        projects[common] = [given for p in loose for given in projects.pop(p)]
    if len(projects) == 1:
        return next(iter(projects))
    listing = "; ".join(f"{', '.join(map(str, given))} → {p.root}" for p, given in projects.items())
    raise ProjectError(f"the paths belong to {len(projects)} different projects ({listing}): "
                       "run tfa-lint once per project, or name the root with --root")


class ProjectError(Exception):
    """The paths of one run do not make one project; the message says which belong where."""
