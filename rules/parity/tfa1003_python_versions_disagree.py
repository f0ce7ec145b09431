"""TFA1003 — Runtime Python versions disagree."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.toml_text import line_of

from ._shared import _runtime

_PY_IMAGE_RE = re.compile(r"^(?:[\w.-]+(?::\d+)?/)*?(?:library/)?python:(\d+)\.(\d+)(?:\.(\d+))?")
_UV_IMAGE_RE = re.compile(r"^(?:[\w.-]+/)*uv:python(\d+)\.(\d+)")
_VERSION_RE = re.compile(r"^(?:python-?|cpython-?)?(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class _Declared:
    """One place that says which Python runs the app: a version, or a range of versions."""

    label: str
    path: str
    line: int
    version: str | None = None  # "3.12" or "3.12.8"
    spec: SpecifierSet | None = None

    @property
    def minor(self) -> str | None:
        return ".".join(self.version.split(".")[:2]) if self.version else None

    @property
    def project(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def is_image(self) -> bool:
        return self.label.startswith("`FROM")


def _declarations(repo: Repo) -> list[_Declared]:
    if "python-declarations" in repo.memo:
        return repo.memo["python-declarations"]
    ranges: list[_Declared] = []
    for art in _runtime(repo, FileKind.PYPROJECT):
        assert isinstance(art, Pyproject)
        project = art.data.get("project")
        value = project.get("requires-python") if isinstance(project, dict) else None
        spec = _specifier(value) if isinstance(value, str) else None
        if spec is not None:
            ranges.append(_Declared(f"`requires-python = \"{value}\"`", art.path,
                                    line_of(art.text, "project", "requires-python"), spec=spec))
    concrete: list[_Declared] = []
    for art in _runtime(repo, FileKind.RUNTIME):
        for number, raw in enumerate(art.lines, start=1):
            text = raw.split("#")[0].strip()
            if art.name == ".tool-versions":
                words = text.split()
                text = words[1] if len(words) > 1 and words[0] == "python" else ""
            match = _VERSION_RE.match(text)
            if match:
                version = ".".join(g for g in match.groups() if g)
                concrete.append(_Declared(f"{art.name} ({version})", art.path, number, version=version))
                break
    dockerfiles: list[_Declared] = []
    for art in _runtime(repo, FileKind.DOCKERFILE):
        assert isinstance(art, Dockerfile)
        if ".devcontainer/" in f"/{art.path}":
            continue
        for stage in art.stages:
            image = art.resolve(stage.image) or ""
            match = _PY_IMAGE_RE.match(image) or _UV_IMAGE_RE.match(image)
            if match:
                version = ".".join(g for g in match.groups() if g)
                dockerfiles.append(_Declared(f"`FROM {image}`", art.path, stage.line, version=version))
    result = ranges + concrete + dockerfiles
    repo.memo["python-declarations"] = result
    return result


def _specifier(value: str) -> SpecifierSet | None:
    """PEP 440 specifiers, plus Poetry's ``^3.11`` and ``~3.11`` shorthands."""
    value = value.strip()
    match = re.fullmatch(r"([\^~])(\d+)\.(\d+)(?:\.\d+)?", value)
    if match:
        major, minor = int(match.group(2)), int(match.group(3))
        value = f">={major}.{minor},<{major + 1}" if match.group(1) == "^" else f">={major}.{minor},<{major}.{minor + 1}"
    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        return None


def _allows(spec: SpecifierSet, version: str) -> bool:
    """Whether ``spec`` admits ``version``; an X.Y version admits any of its patch releases."""
    if version.count(".") >= 2:
        return spec.contains(version, prereleases=True)
    return any(spec.contains(f"{version}.{patch}", prereleases=True) for patch in range(40))


def _conflict(earlier: _Declared, later: _Declared) -> bool:
    if earlier.spec is not None:
        return later.version is not None and not _allows(earlier.spec, later.version)
    return later.minor is not None and earlier.minor != later.minor


def _in_scope(earlier: _Declared, later: _Declared, roots: list[str], version_dirs: list[str]) -> bool:
    """Whether two declarations speak for the same app.

    ``requires-python`` covers its project (up to the next pyproject.toml below it); version
    files cover their directory and those below it up to the next version file, as pyenv reads
    them; two Dockerfiles, or two version files, are the same app's only side by side.
    """
    if earlier.spec is not None:
        return _project_of(later.path, roots) == earlier.project
    if earlier.is_image == later.is_image:
        return earlier.project == later.project
    image, version_file = (earlier, later) if earlier.is_image else (later, earlier)
    nearest = max((d for d in version_dirs if _under(image.project, d)), key=len, default=None)
    return nearest == version_file.project


def _under(directory: str, root: str) -> bool:
    return root == "" or directory == root or directory.startswith(root + "/")


def _project_of(path: str, roots: list[str]) -> str:
    """The directory of the nearest pyproject.toml at or above ``path`` ("" for the root)."""
    directory = posixpath.dirname(path)
    return max((r for r in roots if _under(directory, r)), key=len, default="")


class PythonVersionsDisagree(RepoRule):
    id = "TFA1003"
    name = "python-versions-disagree"
    factor = 10
    severity = Severity.WARNING
    title = "Runtime Python versions disagree"
    what = """
        The places that say which Python runs the app disagree: a Dockerfile `FROM python:X.Y`
        outside `[project].requires-python`, or two of the Dockerfile base image,
        `.python-version`, `runtime.txt` and `.tool-versions` naming different `X.Y` versions.
        Declarations are compared within the project (the nearest `pyproject.toml` above them);
        two Dockerfiles only when they sit side by side. Tests and examples are skipped.
    """
    why = """
        Developers run the version their tool picks (`.python-version`, `runtime.txt`), CI the one
        `requires-python` admits, production the image's. Code that works on 3.12 can fail on
        3.9 (syntax, typing, removed modules) and wheels differ per version: the bug shows up
        only in the environment nobody tested.
    """
    fix = """
        Pick one Python version and declare it everywhere: the same `X.Y` in the Dockerfile
        `FROM python:X.Y-slim`, `.python-version` and `runtime.txt`, inside
        `requires-python`.
    """
    invalid = (
        Example.repo({
            "Dockerfile": "FROM python:3.9-slim\nCOPY . /app\n",
            ".python-version": "3.12\n",
        }, lines=(1,), columns=(1,), message="names Python 3.9, which disagrees with .python-version"),
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n',
            "Dockerfile": "ARG PY=3.10\nFROM python:${PY}-slim AS build\nFROM python:3.12-slim\n",
            "runtime.txt": "python-3.11.9\n",
        }, lines=(2, 3), columns=(1, 1), message="which disagrees with"),
    )
    valid = (
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent"\nversion = "0.1.0"\nrequires-python = ">=3.11,<3.13"\n',
            "Dockerfile": "FROM python:3.12.8-slim\n",
            ".python-version": "3.12.8\n",
        }),
        Example.repo({
            "pyproject.toml": '[tool.poetry]\nname = "agent"\n\n[project]\nname = "agent"\nrequires-python = ">=3.10"\n',
            "Dockerfile": "FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\n",
            ".tool-versions": "nodejs 20.1.0\npython 3.12.1\n",
        }),
        Example.repo({
            "services/api/Dockerfile": "FROM python:3.11-slim\n",
            "services/worker/Dockerfile": "FROM python:3.12-slim\n",
            "examples/demo/Dockerfile": "FROM python:3.9-slim\n",
            ".python-version": "3.12\n",
            "Dockerfile": "FROM python:3.12-slim\n",
            "frontend/runtime.txt": "python-3.10\n",
            "services/api/.python-version": "3.11.9\n",
            "services/api/pyproject.toml": '[project]\nname = "api"\nrequires-python = "~=3.11.0"\n',
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if len(_declarations(repo)) >= 2 else "Python version declared in at most one place"

    def check(self, repo: Repo) -> Iterable[Finding]:
        declared = _declarations(repo)
        roots = [posixpath.dirname(a.path) for a in _runtime(repo, FileKind.PYPROJECT)]
        version_dirs = [d.project for d in declared if d.version is not None and not d.is_image]
        for index, later in enumerate(declared):
            if later.version is None:
                continue
            clashes = [f"{e.label} in {e.path}" for e in declared[:index]
                       if _in_scope(e, later, roots, version_dirs) and _conflict(e, later)]
            if clashes:
                yield self.finding(
                    later.path, later.line, 1,
                    f"{later.label} names Python {later.version}, which disagrees with {'; '.join(clashes[:3])}: "
                    "use one Python version in every declaration")
