"""TFA0104 — Dependency installed from a path outside the repository."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

#: Absolute paths that name a developer's machine, not the image (`/app/libs/x` is where a
#: Dockerfile copied the repository: that path is the repository itself).
_MACHINE_PATH_RE = re.compile(r"^(/home/[^/]+|/Users/[^/]+|[A-Za-z]:/)")
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


class DependencyOutsideRepository(RepoRule):
    id = "TFA0104"
    name = "dependency-outside-repository"
    factor = 1
    severity = Severity.WARNING
    title = "Dependency installed from a path outside the repository"
    kinds = (FileKind.REQUIREMENTS, FileKind.PYPROJECT)
    what = """
        A requirement that installs code from a directory outside the scanned repository:
        `-e ../lib`, `../lib`, `file:../x` or `pkg @ file:///home/me/x` in a requirements file;
        a `pkg @ file:…` dependency of `pyproject.toml`; a `path = "../shared"` source in
        `[tool.uv.sources]` or a Poetry dependency table; a PDM `${PROJECT_ROOT}/../x` path.
        Paths are resolved from the manifest's directory and compared with the scan root. Paths
        inside the repository (`-e .`, `-e ./libs/core`), URLs, and absolute paths that are not
        a developer's home directory (`/app/libs/core`, where a Dockerfile copied the
        repository) are not reported.
    """
    why = """
        One codebase per app: everything the app runs is in its repository, or is a versioned
        dependency. Code pulled from a sibling directory exists only on the machines where
        someone checked both out side by side, at whatever commit each happens to be: a fresh
        clone does not install, CI cannot build it, and no commit of this repository says which
        version of the other code runs.
    """
    fix = """
        Move the shared code into this repository (a workspace member under it), or publish it
        and depend on a released version (`shared-lib==1.4.0`, or a git URL pinned to a commit).
    """
    invalid = (
        Example.of("""
            fastapi==0.115.6
            -e ../shared-lib
            utils @ file:///home/dev/work/agent-utils
        """, "requirements.txt", lines=(2, 3), columns=(1, 1), message="outside this repository"),
        Example.repo({
            "services/api/pyproject.toml": """
                [project]
                name = "api"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110", "shared", "tools @ file:../../../tools"]

                [tool.uv.sources]
                shared = { path = "../../../shared", editable = true }
            """,
        }, lines=(4, 7), columns=(54, 19), message="outside this repository"),
        Example.of("""
            [tool.poetry]
            name = "agent"

            [tool.poetry.dependencies]
            python = "^3.12"
            common = { path = "../common", develop = true }

            [tool.poetry.group.dev.dependencies]
            fixtures = {path = "../fixtures"}
        """, "pyproject.toml", lines=(6, 9), columns=(19, 20), message="installs code from outside this repository"),
    )
    valid = (
        Example.of("""
            -e .
            -e ./libs/core
            ./plugins/search
            -e file:libs/memory#egg=memory
            agent-kit @ git+https://github.com/acme/agent-kit@4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b
            -e /app/libs/core
            -r ../requirements/base.txt
        """, "requirements.txt"),
        # A workspace member refers to a sibling inside the same repository.
        Example.repo({
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
            "packages/api/pyproject.toml": """
                [project]
                name = "api"
                version = "0.1.0"
                dependencies = ["core", "tools @ file:../tools"]

                [tool.uv.sources]
                core = { path = "../core", editable = true }
            """,
            "packages/core/pyproject.toml": '[project]\nname = "core"\nversion = "0.1.0"\n',
            "packages/tools/pyproject.toml": '[project]\nname = "tools"\nversion = "0.1.0"\n',
        }),
        Example.of("""
            [tool.pdm.dev-dependencies]
            dev = ["-e file:///${PROJECT_ROOT}/libs/testkit#egg=testkit"]

            [tool.uv.sources]
            agent-kit = { git = "https://github.com/acme/agent-kit", rev = "4f3c2b1" }
        """, "pyproject.toml"),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        for artifact in repo.artifacts(FileKind.REQUIREMENTS):
            if isinstance(artifact, RequirementsFile):
                yield from self._requirements(repo, artifact)
        for artifact in repo.artifacts(FileKind.PYPROJECT):
            if isinstance(artifact, Pyproject):
                yield from self._pyproject(repo, artifact)

    def _requirements(self, repo: Repo, manifest: RequirementsFile) -> Iterator[Finding]:
        for entry in manifest.entries:
            target = entry.reference or (entry.requirement.url if entry.requirement is not None else None)
            resolved = _outside(repo, manifest.path, target) if target else None
            if resolved is not None:
                yield self._finding(manifest, entry.line, manifest.column_of(entry.line), target or "", resolved)

    def _pyproject(self, repo: Repo, manifest: Pyproject) -> Iterator[Finding]:
        for written in _pyproject_paths(manifest.data):
            resolved = _outside(repo, manifest.path, written)
            if resolved is None:
                continue
            line = next((n for n, text in enumerate(manifest.lines, 1) if written in text), 1)
            quote = next((q + written for q in ('"', "'") if q + written in manifest.lines[line - 1]), written)
            yield self._finding(manifest, line, manifest.column_of(line, quote), written, resolved)

    def _finding(self, manifest: Artifact, line: int, column: int, written: str, resolved: str) -> Finding:
        return self.finding(
            manifest.path, line, column,
            f"`{written}` installs code from {'' if written.endswith(resolved) else f'`{resolved}`, '}"
            "outside this repository: a fresh clone cannot build it, "
            "and no commit says which version of it runs. Move it into the repository, or depend on a released "
            "version (or a git URL pinned to a commit)")


def _pyproject_paths(data: dict[str, Any]) -> Iterator[str]:
    """Local paths a pyproject installs: `pkg @ file:…` requirements, uv sources and Poetry
    dependencies with `path = …`, PDM's `-e file:///${PROJECT_ROOT}/…` dev dependencies."""
    project = _table(data, "project")
    tool = _table(data, "tool")
    poetry = _table(tool, "poetry")
    pdm = _table(tool, "pdm")
    specs: list[Any] = list(project.get("dependencies") or [])
    for group in (_table(project, "optional-dependencies"), _table(data, "dependency-groups"),
                  _table(pdm, "dev-dependencies")):
        for items in group.values():
            specs += items if isinstance(items, list) else []
    for spec in specs:
        if isinstance(spec, str) and (path := _spec_path(spec)) is not None:
            yield path
    tables = [_table(tool.get("uv") if isinstance(tool.get("uv"), dict) else {}, "sources"),
              _table(poetry, "dependencies"), _table(poetry, "dev-dependencies")]
    tables += [_table(g, "dependencies") for g in _table(poetry, "group").values() if isinstance(g, dict)]
    for table in tables:
        for value in table.values():
            for source in value if isinstance(value, list) else [value]:
                if isinstance(source, dict) and isinstance(source.get("path"), str):
                    yield source["path"]


def _table(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _spec_path(spec: str) -> str | None:
    """The `file:` URL of a PEP 508 requirement (or PDM's `-e file:///…`), as written."""
    spec = spec.strip().removeprefix("-e").strip()
    if spec.startswith("file:"):
        return spec
    try:
        url = Requirement(spec).url
    except InvalidRequirement:
        return None
    return url if url and url.startswith("file:") else None


def _outside(repo: Repo, manifest_path: str, written: str) -> str | None:
    """The path ``written`` in the manifest names, when it is outside the scanned repository
    (as shown to the reader); None inside it, for URLs, and when a variable hides it."""
    directory = posixpath.dirname(manifest_path)
    path = written.strip().split("#", 1)[0].replace("\\", "/")
    if "${PROJECT_ROOT}" in path:
        path = path.split("${PROJECT_ROOT}", 1)[1].lstrip("/") or "."  # PDM: the manifest's directory
    elif path.startswith("file:"):
        path = path.removeprefix("file:")
        if path.startswith("//"):
            path = path[2:].removeprefix("localhost")  # file:///abs and file://localhost/abs
    elif _URL_RE.match(path):
        return None
    path = re.sub(r"\[[^\]]*\]$", "", path)  # `../lib[extra]`
    if not path or "$" in path:
        return None
    if path.startswith("/") or re.match(r"^[A-Za-z]:/", path):
        return path if _MACHINE_PATH_RE.match(path) and not _names_repository_directory(repo, path) else None
    resolved = posixpath.normpath(posixpath.join(directory, path))
    return resolved if resolved == ".." or resolved.startswith("../") else None


def _names_repository_directory(repo: Repo, path: str) -> bool:
    """An absolute path whose last two parts name a directory of the repository: the
    repository's own code, wherever this machine checked it out."""
    parts = [p for p in path.split("/") if p]
    tail = "/".join(parts[-2:]) + "/"
    return len(parts) >= 2 and any(("/" + f.path).find("/" + tail) >= 0 for f in repo.files)
