"""Factor II — Dependencies: declared explicitly, pinned, isolated."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity
from tfa_lint.rule import ArtifactRule, Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

from ._processes import ProcessFacts, traits

_DEV_FILE_RE = re.compile(r"(?i)(^|[/_.-])(dev|develop|test|tests|testing|lint|docs?|ci|typing|mypy|local)([/_.-]|$)")
_SHA_RE = re.compile(r"@[0-9a-f]{40}\b")
#: Tags that name no version and move with every release.
_FLOATING_TAGS = frozenset({"latest", "slim", "alpine", "lts", "stable", "current", "edge", "nightly", "rolling",
                            "main", "master", "bookworm-slim-latest"})
_BUILD_TOOLS = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pip-tools", "hatch", "pdm"})


class UnpinnedRequirement(ArtifactRule):
    id = "TFA0202"
    name = "unpinned-requirement"
    factor = 2
    severity = Severity.WARNING
    title = "Requirement not pinned to an exact version"
    kinds = (FileKind.REQUIREMENTS,)
    runtime_only = True
    what = """
        A line of a runtime requirements file (`requirements.txt`, `requirements/prod.txt`,
        constraints) without an exact pin (`==`) or a hash, or a VCS/URL requirement without a
        commit hash. `*.in` files (pip-compile inputs) and development files
        (`requirements-dev.txt`, `requirements/test.txt`, docs, lint) are not checked.
    """
    why = """
        `pip install -r requirements.txt` resolves ranges at build time, so two builds of the
        same commit can ship different libraries. Agent stacks move fast: an unpinned
        `langchain` or `openai` changes behaviour between a Tuesday and a Wednesday build.
    """
    fix = """
        Pin the exact version (`openai==1.54.3`), or keep ranges in `requirements.in` and
        compile the pinned file with `pip-compile --generate-hashes` or `uv pip compile`.
    """
    invalid = (
        Example.of("""
            fastapi==0.115.6
            openai>=1.0
            langchain
        """, "requirements.txt", lines=(2, 3)),
    )
    valid = (
        Example.of("""
            -r base.txt
            fastapi==0.115.6
            openai==1.54.3 \\
                --hash=sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
            git+https://github.com/acme/tools@4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b
            -e .
        """, "requirements.txt"),
        Example.of("""
            pytest
            ruff>=0.6
        """, "requirements-dev.txt"),
        Example.of("""
            openai>=1.0
        """, "requirements.in"),
        Example.repo({
            "requirements.txt": "fastapi==0.115.6\n",
            "evals/qa_eval/requirements.txt": "pandas>=2.0\ntqdm>=4.65\n",
            "benchmarks/requirements.txt": "pytest-benchmark\n",
        }),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, RequirementsFile)
        if artifact.path.endswith(".in") or _DEV_FILE_RE.search(artifact.path):
            return
        for entry in artifact.entries:
            if entry.requirement is not None and not entry.pinned:
                req = entry.requirement
                yield self.finding(
                    artifact.path, entry.line, 1,
                    f"`{entry.text.split(' --')[0]}` is not pinned: pin `{req.name}==<version>` or compile a "
                    "lock with hashes (pip-compile / uv pip compile)")
            elif entry.reference and re.match(r"^(git\+|hg\+|https?://)", entry.reference) and not (
                    _SHA_RE.search(entry.reference) or entry.hashed):
                yield self.finding(
                    artifact.path, entry.line, 1,
                    f"`{entry.reference}` follows a branch or tag: pin a full commit hash (`@<40-hex sha>`)")


class UnlockedApplication(RepoRule):
    id = "TFA0206"
    name = "unlocked-application"
    factor = 2
    severity = Severity.WARNING
    title = "Application declares dependencies without a lock file"
    collectors = (ProcessFacts,)
    what = """
        An application — a repository with a Dockerfile, a Procfile, compose services or a
        long-running process — whose `pyproject.toml` declares runtime dependencies but which
        has no lock file (`uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `pylock.toml`)
        and no fully pinned `requirements*.txt`. Libraries and CLI tools published with version
        ranges are not applications and are not judged.
    """
    why = """
        Version ranges say what the code supports; a lock says what was tested. Without one,
        every build resolves afresh and the deploy of a commit is not reproducible.
    """
    fix = """
        Commit a lock file (`uv lock`, `poetry lock`, `pdm lock`) and build from it
        (`uv sync --frozen`), or export a fully pinned `requirements.txt` with hashes.
    """
    invalid = (
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110", "openai>=1.40"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(4,)),
    )
    valid = (
        Example.repo({
            "uv.lock": 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110", "openai>=1.40"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }),
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "agent-toolkit"
                version = "0.1.0"
                dependencies = ["openai>=1.40"]
            """,
            "agent_toolkit/__init__.py": "def ask(question):\n    return question\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not any(isinstance(p, Pyproject) and p.dependencies for p in repo.artifacts(FileKind.PYPROJECT)):
            return "no pyproject.toml declares dependencies"
        if repo.files_of(FileKind.DOCKERFILE) or repo.files_of(FileKind.PROCFILE) or traits(repo).is_long_running:
            return None
        return "a library or CLI (no Dockerfile, Procfile or long-running process): ranges are expected"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.files_of(FileKind.LOCKFILE):
            return
        for req in repo.artifacts(FileKind.REQUIREMENTS):
            assert isinstance(req, RequirementsFile)
            if req.requirements and all(e.pinned for e in req.requirements) and not _DEV_FILE_RE.search(req.path):
                return  # an exported, pinned requirements file is a lock
        for pyproject in repo.artifacts(FileKind.PYPROJECT):
            assert isinstance(pyproject, Pyproject)
            if pyproject.dependencies:
                count = len({_dependency_name(d) for d in pyproject.dependencies})
                yield self.finding(
                    pyproject.path, pyproject.dependencies_line, 1,
                    f"{count} {'dependency' if count == 1 else 'dependencies'} declared with no lock file: commit one "
                    "(`uv lock`, `poetry lock`) and build from it, so every deploy gets what was tested")


class UnpinnedPipInstall(ArtifactRule):
    id = "TFA0205"
    name = "unpinned-pip-install"
    factor = 2
    severity = Severity.WARNING
    title = "Package installed in the image without a pinned version"
    kinds = (FileKind.DOCKERFILE,)
    runtime_only = True
    what = """
        `pip install`, `pip3 install`, `python -m pip install` or `uv pip install` in a `RUN`
        instruction naming a package without `==version`. Installing from files (`-r`, `-c`,
        `.`, wheels) and upgrading the build tools (pip, setuptools, wheel, uv, poetry) are not
        reported.
    """
    why = """
        A package installed ad hoc in the image is outside the manifest: it floats to whatever
        is newest at build time and nobody reviewing `requirements.txt` sees it.
    """
    fix = """
        Add the package, pinned, to the requirements file or lock the image installs from, and
        drop it from the `RUN` line.
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt && \\
                pip install chromadb "langchain>=0.2"
        """, "Dockerfile", lines=(3,)),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY requirements.txt .
            RUN pip install --upgrade pip setuptools && pip install --no-cache-dir -r requirements.txt
            RUN pip install chromadb==0.5.23 .
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            RUN pip install my-agent
        """, "examples/docker/Dockerfile"),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, Dockerfile)
        for ins in artifact.instructions:
            if ins.keyword != "RUN":
                continue
            unpinned = [p for p in pip_install_packages(ins.value) if not _pinned_token(p)]
            if unpinned:
                names = ", ".join(f"`{p}`" for p in unpinned)
                yield self.finding(
                    artifact.path, ins.line, 1,
                    f"`pip install` of {names} without `==version`: declare the package, pinned, in the "
                    "requirements or lock file the image installs from")


def _dependency_name(spec: str) -> str:
    try:
        return Requirement(spec).name.lower().replace("_", "-")
    except InvalidRequirement:
        return spec.lower()


def pip_install_packages(script: str) -> list[str]:
    """Package arguments of every ``pip install`` in a shell script (files and options removed)."""
    packages: list[str] = []
    for command in re.split(r"&&|\|\||;|\||\n", script):
        try:
            words = shlex.split(command, posix=True)
        except ValueError:
            words = command.split()
        for i in range(len(words) - 1):
            if words[i].rsplit("/", 1)[-1] in ("pip", "pip3") and words[i + 1] == "install":
                packages += _install_args(words[i + 2:])
                break
    return packages


def _install_args(args: list[str]) -> list[str]:
    out: list[str] = []
    skip_next = False
    for word in args:
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            if word in ("-r", "-c", "-e", "--requirement", "--constraint", "--editable", "-i", "--index-url",
                        "--extra-index-url", "-f", "--find-links", "--target", "-t", "--prefix", "--root",
                        "--python", "--platform", "--trusted-host", "--cache-dir"):
                skip_next = True
            continue
        if word.startswith((".", "/", "$", "git+", "http://", "https://")) or word.endswith((".whl", ".tar.gz", ".zip")):
            continue
        try:
            name = Requirement(word).name.lower()
        except InvalidRequirement:
            continue
        if name not in _BUILD_TOOLS:
            out.append(word)
    return out


def _pinned_token(word: str) -> bool:
    try:
        specs = list(Requirement(word).specifier)
    except InvalidRequirement:
        return True
    return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version


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
        """, "Dockerfile", lines=(1,)),
        Example.of("""
            FROM node:slim AS ui
            FROM python:3.12.8-slim
        """, "Dockerfile", lines=(1,)),
        Example.of("""
            ARG BASE=python:latest
            FROM ${BASE}
        """, "Dockerfile", lines=(2,)),
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
