"""TFA0207 — Base image without a version tag, or tagged latest."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from tfa_lint.fix import Applicability, Edit, Fix, offset_of_line
from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile, Service
from tfa_lint.sources.dockerfile import Dockerfile, Stage
from tfa_lint.sources.pyproject import Pyproject

from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import distribution_names
from ._shared import TEST_IMAGE_RE

#: Tags that name no version and move with every release.
_FLOATING_TAGS = frozenset({"latest", "slim", "alpine", "lts", "stable", "current", "edge", "nightly", "rolling",
                            "main", "master", "bookworm-slim-latest"})


class FloatingBaseImage(RepoRule):
    id = "TFA0207"
    name = "floating-base-image"
    factor = 2
    severity = Severity.WARNING
    title = "Base image without a version tag, or tagged latest"
    kinds = (FileKind.DOCKERFILE, FileKind.COMPOSE)
    runtime_only = True
    collectors = PROJECT_COLLECTORS
    fixable = """
        unsafe, for the official `python` image named in the `FROM` line itself (no tag, `latest`,
        `slim` or `alpine`): the tag gets the Python version the Dockerfile's project declares
        (the nearest `.python-version`, `runtime.txt` or `.tool-versions` above it, or a
        `requires-python` that allows one minor version), the variant kept: `python:latest` →
        `python:3.12`, `python:slim` → `python:3.12-slim`. None when the declarations disagree.
    """
    what = """
        `FROM image` with no tag, or with a tag that names no version (`latest`, `slim`,
        `alpine`, `lts`, `stable`…), after resolving `ARG` defaults. `scratch`,
        earlier build stages and digest-pinned images (`@sha256:…`) are not reported; an image
        whose `ARG` has no default is skipped (only the build knows it).

        The same for the `image:` of a compose service that pulls a third-party image
        (`redis:latest`, `postgres`). Not reported there: a service that builds (`build:`),
        whose `image:` only names the image it builds; an image some compose service of the
        repository builds, or that a manifest names as the repository's own project (TFA0504
        judges how the repository's own releases are tagged); tags from a variable
        (`${REDIS_TAG}`); compose files of tests and CI.
    """
    why = """
        The base image is the biggest dependency of all: the OS, the Python runtime, system
        libraries. `latest` moves under you, so the same commit builds a different image next
        week (hadolint DL3006/DL3007).
    """
    fix = """
        Name a version: `FROM python:3.12.8-slim`, `image: redis:7.4.1`, or pin the digest
        (`FROM python:3.12-slim@sha256:…`) and let a bot update it.
    """
    invalid = (
        Example.of("""
            FROM python
            CMD ["python", "agent.py"]
        """, "Dockerfile", lines=(1,), columns=(1,), message="floats with no tag"),
        Example.of("""
            FROM node:slim AS ui
            FROM python:3.12.8-slim
        """, "Dockerfile", lines=(1,), columns=(1,), message="floats on `slim`"),
        Example.of("""
            ARG BASE=python:latest
            FROM ${BASE}
        """, "Dockerfile", lines=(2,), columns=(1,), message="floats on `latest`"),
        Example.repo({
            "docker-compose.yml": """
                services:
                  api:
                    build: .
                    ports: ["8000:8000"]
                  cache:
                    image: redis:latest
                  db:
                    image: "postgres"
                    environment:
                      POSTGRES_DB: agent
            """,
        }, lines=(6, 8), columns=(5, 5), message="floats"),
        # the project's declared Python becomes the tag, the variant kept
        Example.repo({
            "Dockerfile": """
                FROM --platform=linux/amd64 python:slim AS build
                RUN pip wheel -w /wheels .
                FROM python:latest
                CMD ["python", "-m", "agent"]
            """,
            ".python-version": "3.12\n",
            "pyproject.toml": '[project]\nname = "agent"\nrequires-python = ">=3.11"\n',
        }, lines=(1, 3), columns=(1, 1), message="floats", fixed={
            "Dockerfile": """
                FROM --platform=linux/amd64 python:3.12-slim AS build
                RUN pip wheel -w /wheels .
                FROM python:3.12
                CMD ["python", "-m", "agent"]
            """,
        }),
        Example.repo({
            "services/api/Dockerfile": "FROM python\n",
            "services/api/pyproject.toml": '[project]\nname = "api"\nrequires-python = "~=3.11.0"\n',
        }, lines=(1,), columns=(1,), message="floats with no tag",
            fixed={"services/api/Dockerfile": "FROM python:3.11\n"}),
        # must not fix: another image; an image from an ARG; declarations that disagree (`.python-version`
        # and `requires-python`, `.python-version` and `runtime.txt`); a range of versions
        Example.repo({
            "Dockerfile": "ARG BASE=python:latest\nFROM node:latest AS ui\nFROM ${BASE}\n",
            ".python-version": "3.12\n",
        }, lines=(2, 3), columns=(1, 1), message="floats", fixed={}),
        Example.repo({
            "Dockerfile": "FROM python:latest\n",
            ".python-version": "3.10\n",
            "pyproject.toml": '[project]\nname = "agent"\nrequires-python = ">=3.11"\n',
        }, lines=(1,), columns=(1,), message="floats", fixed={}),
        Example.repo({
            "worker/Dockerfile": "FROM python:slim\n",
            "worker/pyproject.toml": '[project]\nname = "worker"\nrequires-python = ">=3.11"\n',
            "worker/.python-version": "3.12\n",
            "worker/runtime.txt": "python-3.11.9\n",
        }, lines=(1,), columns=(1,), message="floats", fixed={}),
        Example.repo({
            "Dockerfile": "FROM python\n",
            "pyproject.toml": '[project]\nname = "agent"\nrequires-python = ">=3.11"\n',
        }, lines=(1,), columns=(1,), message="floats with no tag", fixed={}),
    )
    valid = (
        Example.of("""
            ARG PY=3.12
            FROM python:${PY}-slim AS build
            RUN pip wheel -w /wheels .
            FROM build
            FROM scratch
            FROM ghcr.io/acme/base@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4f3c2b1a0e9d8c7b6a5f4e3d
        """, "Dockerfile"),
        # Versioned, digest-pinned or variable tags; `image:` beside `build:` names the image
        # compose builds, and a worker pulling that same image runs the repository's own build.
        Example.repo({
            "deploy/compose.yaml": """
                services:
                  api:
                    build:
                      context: ..
                    image: acme/support-agent
                  worker:
                    image: acme/support-agent
                    command: python -m agent.worker
                  cache:
                    image: redis:7.4.1-alpine
                  db:
                    image: postgres@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4f3c2b1a0e9d8c7b6a5f4e3d
                  vectors:
                    image: qdrant/qdrant:${QDRANT_TAG:-latest}
            """,
        }),
        # The repository's own published image: how its releases are tagged is TFA0504's.
        # A compose file that only runs the test suite is no deploy.
        Example.repo({
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
            "docker-compose.yml": "services:\n  api:\n    image: ghcr.io/acme/support-agent:latest\n",
            "docker-compose.test.yml": "services:\n  db:\n    image: postgres:latest\n",
        }),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        for artifact in repo.artifacts(FileKind.DOCKERFILE):
            if isinstance(artifact, Dockerfile) and path_role(artifact.path) in ("src", "script"):
                yield from self._base_images(repo, artifact)
        composes = [a for a in repo.artifacts(FileKind.COMPOSE) if isinstance(a, ComposeFile)
                    and path_role(a.path) in ("src", "script") and not TEST_IMAGE_RE.search(a.path)]
        if composes:
            yield from self._service_images(repo, composes)

    def _base_images(self, repo: Repo, artifact: Dockerfile) -> Iterable[Finding]:
        names: set[str] = set()
        for stage in artifact.stages:
            image = artifact.resolve(stage.image)
            if stage.name:
                names.add(stage.name.lower())
            if image is None or not image or image.lower() in names or image == "scratch" or "@" in image:
                continue
            tag = _floating_tag(image)
            if tag is not None:
                shown = f"`{image}`" + ("" if image == stage.image else f" (from `{stage.image}`)")
                yield self.finding(
                    artifact.path, stage.line, 1,
                    f"Base image {shown} floats {'with no tag' if not tag else f'on `{tag}`'}: name a version "
                    "(`python:3.12.8-slim`) or pin a digest", fix=_python_version_tag(repo, artifact, stage, tag))

    def _service_images(self, repo: Repo, composes: list[ComposeFile]) -> Iterable[Finding]:
        built = {_image_name(s.image) for c in repo.artifacts(FileKind.COMPOSE) if isinstance(c, ComposeFile)
                 for s in c.services if s.builds and s.image}
        own = {_comparable(n) for n in distribution_names(repo)}
        for compose in composes:
            # One finding per image and file, at its first service: pinning is one decision per
            # image, however many services (or a generated file's thousands) share it.
            users: dict[str, list[Service]] = {}
            for service in compose.services:
                image = service.image
                if service.builds or not image or "$" in image or "@" in image:
                    continue
                name = _image_name(image)
                if (_floating_tag(image) is not None and name not in built
                        and _comparable(name.rsplit("/", 1)[-1]) not in own):
                    users.setdefault(image, []).append(service)
            for image, services in users.items():
                first, tag = services[0], _floating_tag(image)
                line = next((n for n, text in enumerate(compose.lines[first.line - 1:], first.line)
                             if re.match(r"^\s*image\s*:", text)), first.line)
                others = f" (and {len(services) - 1} more services)" if len(services) > 1 else ""
                yield self.finding(
                    compose.path, line, compose.column_of(line),
                    f"`{first.name}`{others} pulls `{image}`, which floats "
                    f"{'with no tag' if not tag else f'on `{tag}`'}: each pull may start a new major version. "
                    "Name a version (`redis:7.4.1`) or pin a digest")


#: How a Dockerfile names Docker's official Python image.
_OFFICIAL_PYTHON = frozenset({"python", "library/python", "docker.io/python", "docker.io/library/python",
                              "index.docker.io/library/python"})
#: Floating tags of that image, and the variant each keeps once it has a version (`slim` → `3.12-slim`).
_PYTHON_VARIANTS = {"": "", "latest": "", "slim": "-slim", "alpine": "-alpine"}
_FROM_IMAGE_RE = re.compile(r"(?i)^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)")
_VERSION_RE = re.compile(r"^(?:python-?|cpython-?)?(\d+\.\d+(?:\.\d+)?)$")


def _python_version_tag(repo: Repo, artifact: Dockerfile, stage: Stage, tag: str) -> Fix | None:
    """The official python image tagged with the version its project declares, written where the
    FROM line names the image (not through an ARG). Unsafe: the build gets that Python, where
    `latest` gave whatever was newest."""
    name = _image_name(stage.image)
    if name.lower() not in _OFFICIAL_PYTHON or tag not in _PYTHON_VARIANTS:
        return None
    lines = artifact.text.splitlines()
    match = _FROM_IMAGE_RE.match(lines[stage.line - 1]) if stage.line <= len(lines) else None
    if match is None or match.group("image") != stage.image:
        return None  # the image comes from an ARG, or the line is not what the parser read
    version = _declared_python(repo, posixpath.dirname(artifact.path))
    if version is None:
        return None
    start = offset_of_line(artifact.text, stage.line) + match.start("image")
    return Fix(f"Tag the base image with the project's Python, `{name}:{version}{_PYTHON_VARIANTS[tag]}`",
               (Edit.replace(artifact.path, artifact.text, start, start + len(stage.image),
                             f"{name}:{version}{_PYTHON_VARIANTS[tag]}"),), Applicability.UNSAFE)


def _declared_python(repo: Repo, directory: str) -> str | None:
    """The Python version the project in ``directory`` declares: its nearest version file at or
    above it (`.python-version`, `runtime.txt`, `.tool-versions`), else a `requires-python` of the
    nearest pyproject.toml that allows one minor version only (`~=3.12.0`, `>=3.12,<3.13`). None
    when the version file and `requires-python` disagree, or nothing names one version."""
    runtime = [a for a in repo.artifacts(FileKind.RUNTIME) if _at_or_above(posixpath.dirname(a.path), directory)]
    pyprojects = [a for a in repo.artifacts(FileKind.PYPROJECT)
                  if isinstance(a, Pyproject) and _at_or_above(posixpath.dirname(a.path), directory)]
    version = None
    declared = [(posixpath.dirname(a.path), v) for a in runtime if (v := _file_version(a.text, a.name))]
    if declared:
        nearest = max((where for where, _ in declared), key=len)
        versions = {v for where, v in declared if where == nearest}
        if len(versions) != 1:
            return None  # `.python-version` and `runtime.txt` side by side, naming different versions
        version = versions.pop()
    spec = None
    if pyprojects:
        project = max(pyprojects, key=lambda a: (a.path.count("/"), a.path)).data.get("project")
        value = project.get("requires-python") if isinstance(project, dict) else None
        try:
            spec = SpecifierSet(value) if isinstance(value, str) else None
        except InvalidSpecifier:
            return None
    if version is not None:
        return version if spec is None or spec.contains(_release(version), prereleases=True) else None
    if spec is not None:
        minors = [f"3.{minor}" for minor in range(6, 30) if any(
            spec.contains(f"3.{minor}.{patch}", prereleases=True) for patch in range(30))]
        return minors[0] if len(minors) == 1 else None
    return None


def _file_version(text: str, name: str) -> str | None:
    """The version a `.python-version`, `runtime.txt` or `.tool-versions` names (`3.12`, `3.12.8`)."""
    for raw in text.splitlines():
        line = raw.split("#")[0].strip()
        if name == ".tool-versions":
            words = line.split()
            line = words[1] if len(words) > 1 and words[0] == "python" else ""
        if line:
            match = _VERSION_RE.match(line)
            return match.group(1) if match else None
    return None


def _release(version: str) -> str:
    """A version `requires-python` can be asked about: `3.12` as its first release, `3.12.0`."""
    return version if version.count(".") >= 2 else version + ".0"


def _at_or_above(directory: str, below: str) -> bool:
    return not directory or below == directory or below.startswith(directory + "/")


def _image_name(image: str) -> str:
    """The image without its tag (a registry's `host:port/` prefix kept): `ghcr.io/acme/app`."""
    head, _, last = image.rpartition("/")
    return (head + "/" if head else "") + last.split(":", 1)[0]


def _floating_tag(image: str) -> str | None:
    """``""`` for an image with no tag, the tag when it names no version, else None."""
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return ""
    tag = last.split(":", 1)[1]
    return tag if tag in _FLOATING_TAGS else None


def _comparable(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())
