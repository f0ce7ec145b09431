"""TFA0207 — Base image without a version tag, or tagged latest."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Artifact, FileKind, Finding, Severity
from tfa_lint.rule import ArtifactRule, Example
from tfa_lint.sources.dockerfile import Dockerfile

#: Tags that name no version and move with every release.
_FLOATING_TAGS = frozenset({"latest", "slim", "alpine", "lts", "stable", "current", "edge", "nightly", "rolling",
                            "main", "master", "bookworm-slim-latest"})


class FloatingBaseImage(ArtifactRule):
    id = "TFA0207"
    name = "floating-base-image"
    factor = 2
    severity = Severity.WARNING
    title = "Base image without a version tag, or tagged latest"
    kinds = (FileKind.DOCKERFILE,)
    runtime_only = True
    what = """
        `FROM image` with no tag, or with a tag that names no version (`latest`, `slim`,
        `alpine`, `lts`, `stable`…), after resolving `ARG` defaults. `scratch`,
        earlier build stages and digest-pinned images (`@sha256:…`) are not reported; an image
        whose `ARG` has no default is skipped (only the build knows it).
    """
    why = """
        The base image is the biggest dependency of all: the OS, the Python runtime, system
        libraries. `latest` moves under you, so the same commit builds a different image next
        week (hadolint DL3006/DL3007).
    """
    fix = """
        Name a version: `FROM python:3.12.8-slim`, or pin the digest
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
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, Dockerfile)
        names: set[str] = set()
        for stage in artifact.stages:
            image = artifact.resolve(stage.image)
            if stage.name:
                names.add(stage.name.lower())
            if image is None or not image or image.lower() in names or image == "scratch" or "@" in image:
                continue
            last = image.rsplit("/", 1)[-1]
            tag = last.split(":", 1)[1] if ":" in last else None
            if tag is None or tag in _FLOATING_TAGS:
                shown = f"`{image}`" + ("" if image == stage.image else f" (from `{stage.image}`)")
                yield self.finding(
                    artifact.path, stage.line, 1,
                    f"Base image {shown} floats {'with no tag' if tag is None else f'on `{tag}`'}: name a version "
                    "(`python:3.12.8-slim`) or pin a digest")
