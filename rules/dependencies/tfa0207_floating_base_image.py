"""TFA0207 — Base image without a version tag, or tagged latest."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile, Service
from tfa_lint.sources.dockerfile import Dockerfile

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
                yield from self._base_images(artifact)
        composes = [a for a in repo.artifacts(FileKind.COMPOSE) if isinstance(a, ComposeFile)
                    and path_role(a.path) in ("src", "script") and not TEST_IMAGE_RE.search(a.path)]
        if composes:
            yield from self._service_images(repo, composes)

    def _base_images(self, artifact: Dockerfile) -> Iterable[Finding]:
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
                    "(`python:3.12.8-slim`) or pin a digest")

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
