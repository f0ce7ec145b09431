"""Factor II — Dependencies: declared explicitly, pinned, isolated."""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import ArtifactRule, Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.lockfile import LockFile
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

from .facts.distributions import DATA_VERSION
from .facts.manifests import (
    Declaration,
    ImportFacts,
    declarations,
    distribution_candidates,
    is_declared,
    third_party_imports,
)
from .facts.projects import COLLECTORS as PROJECT_COLLECTORS
from .facts.projects import application_reason, projects

_DEV_FILE_RE = re.compile(r"(?i)(^|[/_.-])(dev|develop|test|tests|testing|lint|docs?|ci|typing|mypy|local)([/_.-]|$)")
_SHA_RE = re.compile(r"@[0-9a-f]{40}\b")
#: Tags that name no version and move with every release.
_FLOATING_TAGS = frozenset({"latest", "slim", "alpine", "lts", "stable", "current", "edge", "nightly", "rolling",
                            "main", "master", "bookworm-slim-latest"})
_BUILD_TOOLS = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pip-tools", "hatch", "pdm"})


#: LLM SDKs and agent frameworks: fast-moving, with breaking changes between minor versions.
LLM_SDK_RE = re.compile(
    r"^(openai|anthropic|langchain(-.*)?|langgraph(-.*)?|llama-index(-.*)?|crewai(-tools)?|smolagents|autogen(-.*)?|"
    r"pyautogen|ag2|litellm|instructor|pydantic-ai(-slim)?|google-genai|google-generativeai|mistralai|cohere|groq|"
    r"transformers|dspy(-ai)?|semantic-kernel|haystack-ai|openai-agents)$")


class UnpinnedRequirement(RepoRule):
    id = "TFA0202"
    name = "unpinned-requirement"
    factor = 2
    severity = Severity.WARNING
    title = "Requirement not pinned to an exact version"
    kinds = (FileKind.REQUIREMENTS,)
    runtime_only = True
    collectors = PROJECT_COLLECTORS
    what = """
        A line of a runtime requirements file (`requirements.txt`, `requirements/prod.txt`,
        constraints) without an exact pin (`==`) or a hash, or a VCS/URL requirement without a
        commit hash. `*.in` files (pip-compile inputs) and development files
        (`requirements-dev.txt`, `requirements/test.txt`, docs, lint) are not checked; LLM SDK
        and agent-framework lines are reported by TFA0203 instead. Nor is a file that a
        published library or CLI reads its `install_requires` from (`setup.py` reading it,
        pyproject's dynamic `dependencies = {file = …}`) when that project deploys nothing of
        its own: those are the ranges its users' resolvers must see.
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
            httpx>=0.27
            redis
            openai>=1.0
        """, "requirements.txt", lines=(2, 3)),
        # Published as a package AND deployed by its own Dockerfile: the image installs the ranges.
        Example.repo({
            "requirements.txt": "httpx>=0.27\n",
            "setup.py": """
                from setuptools import setup

                with open("requirements.txt") as f:
                    requirements = f.read().splitlines()

                setup(name="research-agent", version="0.3.0", packages=["research_agent"],
                      install_requires=requirements)
            """,
            "Dockerfile": 'FROM python:3.12-slim\nRUN pip install -r requirements.txt\nCMD ["uvicorn", "main:app"]\n',
        }, lines=(1,)),
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
        # A published library whose setup.py reads its install_requires from the file.
        Example.repo({
            "requirements.txt": "httpx>=0.27\nrich\n",
            "setup.py": """
                from setuptools import find_packages, setup


                def read_requirements(name):
                    with open(name) as f:
                        return [line.strip() for line in f if line.strip()]


                setup(
                    name="taskweave",
                    version="0.4.1",
                    packages=find_packages(),
                    classifiers=["Programming Language :: Python :: 3"],
                    install_requires=read_requirements("requirements.txt"),
                    entry_points={"console_scripts": ["taskweave=taskweave.cli:main"]},
                )
            """,
            "taskweave/__init__.py": "",
        }),
        # A published CLI reading its dependencies from the file (pyproject dynamic), with a
        # version-scoped range; its image only wraps its own console script.
        Example.repo({
            "requirements.txt": "numpy<2; python_version < '3.11'\nnumpy>=2.1,<2.4; python_version >= '3.11'\n",
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=68"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "pair-coder"
                dynamic = ["dependencies", "version"]
                classifiers = ["Environment :: Console"]

                [project.scripts]
                pair-coder = "pair_coder.main:main"

                [tool.setuptools.dynamic]
                dependencies = { file = "requirements.txt" }
            """,
            "docker/Dockerfile": 'FROM python:3.12-slim\nRUN pip install /src\nENTRYPOINT ["pair-coder"]\n',
        }),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        published = projects(repo)
        for artifact in repo.artifacts(FileKind.REQUIREMENTS):
            if path_role(artifact.path) not in ("src", "script") or published.publishes(artifact.path):
                continue
            yield from self._check_file(artifact)

    def _check_file(self, artifact: Artifact) -> Iterable[Finding]:
        assert isinstance(artifact, RequirementsFile)
        if artifact.path.endswith(".in") or _DEV_FILE_RE.search(artifact.path):
            return
        for entry in artifact.entries:
            if entry.requirement is not None and not entry.pinned:
                req = entry.requirement
                if LLM_SDK_RE.match(canonicalize_name(req.name)):
                    continue  # TFA0203 reports these, as errors
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
    collectors = PROJECT_COLLECTORS
    what = """
        An application — a project that a Dockerfile, Procfile or compose service of its own
        deploys, or whose code runs a long-running process — whose `pyproject.toml` declares
        runtime dependencies but which has no lock file (`uv.lock`, `poetry.lock`, `pdm.lock`,
        `Pipfile.lock`, `pylock.toml`, rye's `requirements.lock`) and no fully pinned
        `requirements*.txt`. A lock file on disk counts even when `.gitignore` lists it.
        Libraries and CLI tools — published packages (a build backend with package metadata, or
        `setup()` metadata) whose image, if any, only wraps their own console script — need no
        lock: their users' resolvers pick the versions. Projects of examples and docs are not
        judged.
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
        # rye locks into requirements.lock (pip-compile's format).
        Example.repo({
            "requirements.lock": "# generated by rye\n-e file:.\nfastapi==0.115.6\n    # via support-agent\n",
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }),
        # A committed lock that an old .gitignore line still lists is a lock all the same.
        Example.repo({
            ".gitignore": "__pycache__/\npoetry.lock\n",
            "poetry.lock": '[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": """
                [tool.poetry]
                name = "support-agent"

                [tool.poetry.dependencies]
                fastapi = "^0.110"

                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }),
        # A published CLI: its image only wraps its own console script, and a local viewer it can
        # serve is no deployed service. A package needs no lock; its users' resolvers pick.
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "trace-runner"
                version = "1.2.0"
                classifiers = ["Environment :: Console"]
                dependencies = ["httpx>=0.27", "rich>=13"]

                [project.scripts]
                trace-runner = "trace_runner.cli:main"
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\nENTRYPOINT ["trace-runner"]\n',
            "trace_runner/viewer.py": """
                from http.server import HTTPServer, SimpleHTTPRequestHandler


                def main():
                    HTTPServer(("127.0.0.1", 8000), SimpleHTTPRequestHandler).serve_forever()
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not any(isinstance(p, Pyproject) and p.dependencies for p in repo.artifacts(FileKind.PYPROJECT)):
            return "no pyproject.toml declares dependencies"
        return _application_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.files_of(FileKind.LOCKFILE):
            return
        for req in repo.artifacts(FileKind.REQUIREMENTS):
            assert isinstance(req, RequirementsFile)
            if req.requirements and all(e.pinned for e in req.requirements) and not _DEV_FILE_RE.search(req.path):
                return  # an exported, pinned requirements file is a lock
        for pyproject in repo.artifacts(FileKind.PYPROJECT):
            assert isinstance(pyproject, Pyproject)
            if pyproject.dependencies and _application_manifest(repo, pyproject.path):
                count = len({_dependency_name(d) for d in pyproject.dependencies})
                yield self.finding(
                    pyproject.path, pyproject.dependencies_line, 1,
                    f"{count} {'dependency' if count == 1 else 'dependencies'} declared with no lock file: commit one "
                    "(`uv lock`, `poetry lock`) and build from it, so every deploy gets what was tested")


class UnpinnedPipInstall(RepoRule):
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
        reported; nor is a package that a manifest beside the Dockerfile (or above it) declares
        when the image installs that project first (`pip install .[extra]`, `-r`, `uv sync`,
        `poetry install`): without `--upgrade` the second install changes nothing. Test images
        (`Dockerfile.test`, Dockerfiles under `tests/`, `integration/`, `e2e/`, `ci/`) are not
        judged.
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
        # Declared, but the image never installs the project: the RUN line is what floats.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["gunicorn==23.0.0"]\n',
            "Dockerfile": "FROM python:3.12-slim\nRUN pip install gunicorn\n",
        }, lines=(2,)),
        # `--upgrade` moves a declared package past what the manifest resolved.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["gunicorn>=21"]\n',
            "Dockerfile": "FROM python:3.12-slim\nCOPY . .\nRUN pip install . && pip install -U gunicorn\n",
        }, lines=(3,)),
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
        # A test image, by its name or its directory.
        Example.repo({
            "Dockerfile.test": "FROM python:3.12-slim\nRUN pip install pytest-timeout\n",
            "service/integration/Dockerfile": "FROM python:3.12-slim\nRUN pip install 'agent-kit>=2'\n",
        }),
        # The project is installed first, and its extra declares the server: a no-op reinstall.
        Example.repo({
            "svc/pyproject.toml": """
                [project]
                name = "svc"
                version = "1"
                dependencies = ["fastapi==0.115.6"]

                [project.optional-dependencies]
                serve = ["gunicorn>=23,<24", "uvicorn==0.32.1"]
            """,
            "svc/Dockerfile": """
                FROM python:3.12-slim
                COPY pyproject.toml .
                RUN pip install -e ".[serve]" && pip install gunicorn uvicorn
                RUN pip install --no-cache-dir gunicorn
            """,
        }),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        decl = declarations(repo)
        for artifact in repo.artifacts(FileKind.DOCKERFILE):
            if (not isinstance(artifact, Dockerfile) or path_role(artifact.path) not in ("src", "script")
                    or _TEST_IMAGE_RE.search(artifact.path)):
                continue
            here = artifact.path.rsplit("/", 1)[0] + "/" if "/" in artifact.path else ""
            declared = {name for name, ds in decl.by_name.items()
                        if any(here.startswith(d.path.rsplit("/", 1)[0] + "/" if "/" in d.path else "") for d in ds)}
            project_installed = False
            for ins in artifact.instructions:
                if ins.keyword != "RUN":
                    continue
                unpinned: list[str] = []
                for packages, upgrade, from_project in pip_install_commands(ins.value):
                    project_installed = project_installed or from_project
                    unpinned += [p for p in packages if not _pinned_token(p) and (
                        upgrade or not project_installed or _token_name(p) not in declared)]
                if unpinned:
                    names = ", ".join(f"`{p}`" for p in unpinned)
                    yield self.finding(
                        artifact.path, ins.line, 1,
                        f"`pip install` of {names} without `==version`: declare the package, pinned, in the "
                        "requirements or lock file the image installs from")


#: Images that run a test suite, by file name (`Dockerfile.test`, `test.Dockerfile`) or directory.
_TEST_IMAGE_RE = re.compile(r"(?i)(^|[/._-])(tests?|testing|integration|e2e|ci)([/._-]|$)")
#: Shell commands that install the project's own manifest (its lock, extras or requirements).
_PROJECT_INSTALL_RE = re.compile(r"\b(uv\s+sync|poetry\s+install|pdm\s+(install|sync)|pipenv\s+(install|sync))\b")


def _image_installed(repo: Repo) -> set[str]:
    """Distributions a Dockerfile installs by name (`pip install x`, `poetry add x`, `uv add x`): the image
    declares them, and TFA0205 judges their pins."""
    names: set[str] = set()
    for dockerfile in repo.artifacts(FileKind.DOCKERFILE):
        if isinstance(dockerfile, Dockerfile):
            for ins in dockerfile.instructions:
                if ins.keyword == "RUN":
                    script = re.sub(r"\b(poetry|uv) add\b", "pip install", ins.value)
                    names.update(canonicalize_name(Requirement(p).name) for p in pip_install_packages(script))
    return names


def _lock_brought(repo: Repo, parents: set[str]) -> frozenset[str]:
    """Distributions a lock file pins as direct requirements of ``parents`` (the declared and
    image-installed ones): they are installed, at the locked version, whenever a parent is."""
    brought: set[str] = set()
    for lock in repo.artifacts(FileKind.LOCKFILE):
        if isinstance(lock, LockFile):
            for parent in parents & lock.requires.keys():
                brought |= lock.requires[parent] & lock.packages
    return frozenset(brought)


def _lazy_imports(repo: Repo) -> set[tuple[str, int, int]]:
    """(path, line, column) of the imports made inside a function body."""
    return {(f.path, f.line, f.column) for f in repo.facts("import") if f.data.get("lazy")}


@functools.lru_cache(maxsize=4096)
def _dependency_name(spec: str) -> str:
    # Cached: a pyproject's dependency list is matched against each LLM SDK it declares.
    try:
        return Requirement(spec).name.lower().replace("_", "-")
    except InvalidRequirement:
        return spec.lower()


def pip_install_packages(script: str) -> list[str]:
    """Package arguments of every ``pip install`` in a shell script (files and options removed)."""
    return [p for packages, _, _ in pip_install_commands(script) for p in packages]


def pip_install_commands(script: str) -> list[tuple[list[str], bool, bool]]:
    """Each command of a shell script, in order: the packages it ``pip install``s by name,
    whether it upgrades (``-U``), and whether it installs the project's own manifest (``.``,
    ``-r file``, ``uv sync``, ``poetry install``…)."""
    out: list[tuple[list[str], bool, bool]] = []
    for command in re.split(r"&&|\|\||;|\||\n", script):
        try:
            words = shlex.split(command, posix=True)
        except ValueError:
            words = command.split()
        for i in range(len(words) - 1):
            if words[i].rsplit("/", 1)[-1] in ("pip", "pip3") and words[i + 1] == "install":
                args = words[i + 2:]
                upgrade = any(a in ("-U", "--upgrade") for a in args)
                project = any(a in ("-r", "--requirement") or a.startswith(("-r", ".", "/")) and not a.startswith("--")
                              or a.startswith("--requirement=") for a in args)
                out.append((_install_args(args), upgrade, project))
                break
        else:
            out.append(([], False, bool(_PROJECT_INSTALL_RE.search(command))))
    return out


def _token_name(word: str) -> str:
    try:
        return canonicalize_name(Requirement(word).name)
    except InvalidRequirement:
        return word


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


class NoDependencyManifest(RepoRule):
    id = "TFA0201"
    name = "no-dependency-manifest"
    factor = 2
    severity = Severity.ERROR
    title = "Third-party imports with no dependency manifest"
    collectors = (ImportFacts,)
    what = """
        Source code that imports third-party packages in a repository with no dependency
        manifest at all: no `requirements*.txt`, no `pyproject.toml` with dependencies, no
        `setup.py`/`setup.cfg` `install_requires`, no `Pipfile`, no conda `environment.yml`.
    """
    why = """
        An app that never declares its dependencies relies on whatever happens to be installed
        where it runs. Nobody can rebuild it, and the next machine fails on the first import.
    """
    fix = """
        Declare every runtime dependency: a `requirements.txt` with pinned versions, or
        `[project].dependencies` in `pyproject.toml` plus a lock file.
    """
    invalid = (
        Example.repo({
            "agent.py": "import openai\n\nclient = openai.OpenAI()\n",
            "README.md": "Run `python agent.py`.\n",
        }, lines=(1,)),
    )
    valid = (
        Example.repo({
            "agent.py": "import openai\n\nclient = openai.OpenAI()\n",
            "requirements.txt": "openai==1.54.3\n",
        }),
        Example.repo({"agent.py": "import json\nimport os\n\nprint(json.dumps(dict(os.environ)))\n"}),
        Example.repo({
            "agent.py": "from helpers import ask\n",
            "helpers.py": "def ask(q):\n    return q\n",
        }),
        Example.repo({
            "Pipfile": '[packages]\nopenai = "==1.54.3"\n',
            "agent.py": "import openai\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if third_party_imports(repo) else "the source imports no third-party package"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if declarations(repo).manifests:
            return
        imports = third_party_imports(repo)
        if not imports:
            return
        roots = sorted({module.split(".")[0] for module, *_ in imports})
        _, path, line, column = imports[0]
        yield self.finding(
            path, line, column,
            f"the code imports {len(roots)} third-party package(s) ({', '.join(f'`{r}`' for r in roots[:5])}"
            f"{', …' if len(roots) > 5 else ''}) but the repository declares no dependencies: "
            "add a pinned requirements.txt or pyproject.toml `[project].dependencies`")


class FloatingLlmSdk(RepoRule):
    id = "TFA0203"
    name = "floating-llm-sdk"
    factor = 2
    severity = Severity.ERROR
    title = "LLM SDK or agent framework without an upper version bound"
    collectors = (*PROJECT_COLLECTORS, ImportFacts)
    what = """
        An application's runtime dependency on an LLM SDK or agent framework (`openai`,
        `anthropic`, `langchain*`, `langgraph*`, `llama-index*`, `crewai`, `litellm`,
        `pydantic-ai`…) that floats: in a runtime requirements file, any line not pinned
        exactly; in an application's `pyproject.toml`, a range with no upper bound (`~=`, `<`,
        `==`) — in both cases only when no lock file pins the package. Development requirement
        files are not judged, nor are libraries and CLIs, which publish ranges on purpose: a
        pyproject counts only in an application project (deployed by a Dockerfile, Procfile or
        compose service of its own, or running a long-running process), and a requirements
        file only when no published, undeployed package reads its `install_requires` from it.
        TFA0202 leaves these lines to this rule, so each line is reported once.
    """
    why = """
        These packages change prompts, defaults, tool-calling formats and even class names
        between minor releases. An open range means the next build of the same commit may
        behave differently in production, with nothing in the repository to show why.
    """
    fix = """
        Bound the dependency (`langchain~=0.3.7`, or `openai>=1.54,<2`) or pin it exactly, or
        commit a lock file (`uv.lock`, `poetry.lock`) that pins it and build from it.
    """
    invalid = (
        Example.repo({
            "requirements.txt": "fastapi==0.115.6\nlangchain>=0.1\nopenai\n",
            "Procfile": "web: uvicorn app:app\n",
        }, lines=(2, 3)),
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi==0.115.6", "anthropic>=0.39"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(4,)),
        # Each entry of a multi-line array is reported on its own line, so that findings (and
        # their baseline fingerprints) stay apart when an entry is added above them.
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = [
                    "fastapi==0.115.6",
                    "anthropic>=0.39",
                    'openai>=1.54',
                ]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(6, 7)),
        # Published as a package, and deployed: the service image installs the file the package
        # reads its dependencies from.
        Example.repo({
            "requirements.txt": "fastapi==0.115.6\nanthropic\n",
            "pyproject.toml": """
                [build-system]
                requires = ["setuptools>=68"]
                build-backend = "setuptools.build_meta"

                [project]
                name = "review-bot"
                version = "0.9.0"
                dynamic = ["dependencies"]
                classifiers = ["Programming Language :: Python :: 3"]

                [project.scripts]
                review-bot = "review_bot.cli:run"

                [tool.setuptools.dynamic]
                dependencies = { file = ["requirements.txt"] }
            """,
            "docker/Dockerfile": """
                FROM python:3.12-slim AS base
                COPY . /app
                RUN pip install /app

                FROM base AS webhook
                CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "review_bot.servers.app:app"]

                FROM base AS cli
                ENTRYPOINT ["review-bot"]
            """,
        }, lines=(2,)),
    )
    valid = (
        Example.repo({
            "requirements.txt": "langchain==0.3.7\nopenai==1.54.3\nanthropic==0.39.0\n",
            "Procfile": "web: uvicorn app:app\n",
        }),
        Example.repo({
            "uv.lock": 'version = 1\n\n[[package]]\nname = "anthropic"\nversion = "0.39.0"\n',
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["anthropic>=0.39"]\n',
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "agent-kit"\nversion = "1"\ndependencies = ["openai>=1.40"]\n',
            "agent_kit/__init__.py": "def ask(q):\n    return q\n",
        }),
        Example.repo({
            "requirements-dev.txt": "openai\n",
            "requirements.txt": "openai==1.54.3\n",
            "Procfile": "web: uvicorn app:app\n",
        }),
        Example.repo({
            "pyproject.toml": """
                [tool.poetry]
                name = "research-bot"

                [tool.poetry.dependencies]
                python = ">=3.11"
                langchain-core = "^0.3.1"
                langgraph = ">=0.2.5,<0.3"
                anthropic = { version = "~0.39", extras = ["vertex"] }
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "bot.app:app"]\n',
        }),
        # A published library (build backend, package metadata) publishes ranges on purpose; its
        # test image deploys nothing.
        Example.repo({
            "core/pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "ragkit-core"
                version = "0.2.0"
                readme = "README.md"
                dependencies = ["langchain-core>=0.3,<0.4", "anthropic>=0.39"]
            """,
            "core/Dockerfile.test": "FROM python:3.12-slim\nCOPY . /code\nRUN pip install -e /code[test]\n",
            "core/ragkit_core/__init__.py": "",
        }),
        # A library whose setup.py reads install_requires from the requirements file.
        Example.repo({
            "requirements.txt": "flask>=2.0\nopenai\nlitellm\n",
            "setup.py": """
                from setuptools import find_packages, setup

                setup(
                    name="selfbuild",
                    version="0.1.2",
                    packages=find_packages(),
                    classifiers=["Programming Language :: Python :: 3"],
                    install_requires=open("requirements.txt").read().splitlines(),
                )
            """,
            "selfbuild/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not _floating_candidates(repo):
            return "no runtime requirements file or application pyproject declares an LLM SDK or agent framework"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        locked = {name for lock in repo.artifacts(FileKind.LOCKFILE) if isinstance(lock, LockFile)
                  for name in lock.packages}
        for decl, floating in _floating_candidates(repo):
            if floating and decl.name not in locked:
                yield self.finding(
                    decl.path, decl.line, 1,
                    f"`{decl.spec}` lets the next build pull a new {decl.name} release: pin it "
                    f"(`{decl.name}==<x.y.z>`), or bound it (`~=`) and commit a lock file")


def _floating_candidates(repo: Repo) -> list[tuple[Declaration, bool]]:
    """LLM SDK declarations the rule judges, each with whether it floats: in runtime
    requirements files, not pinned exactly; in an application's pyproject, no upper bound."""
    out: list[tuple[Declaration, bool]] = []
    for name, decls in sorted(declarations(repo).by_name.items()):
        if not LLM_SDK_RE.match(name):
            continue
        for decl in decls:
            artifact = repo.artifact(decl.path)
            if path_role(decl.path) not in ("src", "script"):
                continue
            if isinstance(artifact, RequirementsFile):
                if decl.path.endswith(".in") or _DEV_FILE_RE.search(decl.path) or projects(repo).publishes(decl.path):
                    continue
                entry = next((e for e in artifact.requirements if e.line == decl.line), None)
                out.append((decl, entry is not None and not entry.pinned))
            elif isinstance(artifact, Pyproject) and _application_manifest(repo, decl.path) and any(
                    canonicalize_name(_dependency_name(spec)) == name for spec in artifact.dependencies):
                out.append((decl, not decl.upper_bounded))
    return out


def _application_reason(repo: Repo) -> str | None:
    """None when some project of the repository is an application that is deployed or runs a
    long-running process (``rules/facts/projects.py``); else why version ranges are expected."""
    reason = application_reason(repo)
    return None if reason is None else reason + ": ranges are expected"


def _application_manifest(repo: Repo, path: str) -> bool:
    """A manifest of an application project that is deployed or runs a long-running process
    (not a library's or a CLI's, whose published ranges are meant for users' resolvers)."""
    project = projects(repo).owner(path)
    return project.runtime and project.is_application and (project.deployed or project.runs_python)


class UndeclaredImport(RepoRule):
    id = "TFA0204"
    name = "undeclared-import"
    factor = 2
    severity = Severity.WARNING
    title = "Imported third-party package not declared"
    collectors = (ImportFacts,)
    what = f"""
        An unconditional import, in the repository's own source, of a module that is neither
        the standard library, nor part of the repository, nor provided by any distribution a
        manifest declares (requirements files, pyproject dependencies, optional dependencies
        and groups, setup.py/setup.cfg, Pipfile, conda). Import names are mapped to
        distributions by versioned data (data version {DATA_VERSION}): the top-level names that
        wheels install (`yaml` → `pyyaml`, `mem0` → `mem0ai`), a hand-kept table, and the usual
        affixes of a declared name (`python-ulid`, `pyhumps`, `firecrawl-py`, `onepassword-sdk`
        for `ulid`, `humps`, `firecrawl`, `onepassword`). Not reported: imports guarded by
        `try/except ImportError`, `if TYPE_CHECKING:` or a branch on the operating system; a
        package imported only inside functions (a provider chosen by configuration, a plugin:
        an optional feature); packages that always come with a declared one (`pydantic` with
        `fastapi`), and packages a committed lock file pins as a direct requirement of a
        declared distribution (`uv.lock`, `poetry.lock`, `pdm.lock`, rye's
        `requirements.lock`). One finding per package, at its first import.
    """
    why = """
        The app works on the developer's machine because the package happens to be installed
        there; a fresh build or container fails at import time, or silently takes whatever
        version a transitive dependency drags in.
    """
    fix = """
        Declare the distribution (with a pinned version) in the manifest the app is built
        from, e.g. `tiktoken==0.8.0` in `requirements.txt`.
    """
    invalid = (
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/llm.py": "import openai\nimport tiktoken\nimport yaml\n",
        }, lines=(2, 3)),
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["fastapi==0.115.6"]\n',
            "agent/app.py": "from fastapi import FastAPI\nfrom redis import asyncio as aioredis\n",
        }, lines=(2,)),
        # Two steps down the lock's graph (`pgdriver` comes with `store-core`, which comes with the
        # declared `store-saver`) is not a dependency of anything declared; with no lock at all,
        # what a dependency happens to bring floats.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["store-saver>=2"]\n',
            "poetry.lock": """
                [[package]]
                name = "store-saver"
                version = "2.0.3"

                [package.dependencies]
                store-core = ">=1"

                [[package]]
                name = "store-core"
                version = "1.4.0"

                [package.dependencies]
                pgdriver = ">=3"

                [[package]]
                name = "pgdriver"
                version = "3.2.1"
            """,
            "agent/db.py": "import os\nfrom pgdriver import connect\n",
            "agent/api.py": "import chat_sdk\n",
        }, lines=(2, 1)),
        # A package imported lazily in one place and at module level in another is required.
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/a.py": "def fetch(url):\n    import requests\n    return requests.get(url)\n",
            "agent/b.py": "import requests\n",
        }, lines=(2,)),
    )
    valid = (
        Example.repo({
            "requirements.txt": "openai==1.54.3\npyyaml==6.0.2\nbeautifulsoup4==4.12.3\nfastapi==0.115.6\n",
            "agent/llm.py": "import openai\nimport yaml\nfrom bs4 import BeautifulSoup\nfrom pydantic import BaseModel\n",
        }),
        Example.repo({
            "requirements.txt": "libpass==1.9.3\nopensearch-py==3.2.0\nmarkdown-it-py==4.0.0\npython3-saml==1.15.0\n",
            "agent/auth.py": "from passlib.hash import bcrypt\nfrom opensearchpy import OpenSearch\n"
                             "from markdown_it import MarkdownIt\nfrom onelogin.saml2.auth import OneLogin_Saml2_Auth\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/llm.py": """
                from typing import TYPE_CHECKING

                from agent.tools import search

                try:
                    import tiktoken
                except ImportError:
                    tiktoken = None

                if TYPE_CHECKING:
                    import numpy
            """,
            "agent/tools.py": "def search(q):\n    return q\n",
        }),
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "a"
                version = "1"
                dependencies = []

                [project.optional-dependencies]
                rag = ["chromadb==0.5.23", "llama-index-core==0.12.0"]
            """,
            "agent/rag.py": "import chromadb\nfrom llama_index.core import VectorStoreIndex\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "tests/test_llm.py": "import pytest\n",
            "scripts/plot.py": "import matplotlib\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "jobs/backfill/Dockerfile": "FROM python:3.12-slim\nRUN poetry add qdrant-client==1.12.1 && pip install tqdm==4.67.1\n",
            "jobs/backfill/run.py": "import qdrant_client\nimport tqdm\n",
        }),
        # Import names that differ from the distribution's: from the wheels' top-level names
        # (z3-solver installs `z3`, pywavelets `pywt`), and the usual affixes of a declared name.
        Example.repo({
            "requirements.txt": "z3-solver==4.13.0\npywavelets==1.7.0\npython-ulid==3.0.0\npyhumps==3.8.0\n"
                                "weatherkit-sdk==2.1.0\nmoon-rex==0.4.0\n",
            "planner/solve.py": "import z3\nimport pywt\nfrom ulid import ULID\nimport humps\n"
                                "from weatherkit import Client\nimport moonrex\n",
        }),
        # A committed lock records that a declared distribution requires the imported one: it is
        # installed, at the locked version, with it (uv.lock, poetry.lock, rye's requirements.lock).
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["chat-wrapper>=1.2"]\n',
            "uv.lock": """
                version = 1

                [[package]]
                name = "chat-wrapper"
                version = "1.2.0"
                dependencies = [{ name = "chat-sdk" }]

                [[package]]
                name = "chat-sdk"
                version = "0.9.1"
            """,
            "agent/llm.py": "import chat_sdk\nfrom chat_wrapper import Chat\n",
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["store-saver>=2"]\n',
            "requirements.lock": """
                # generated by rye
                -e file:.
                store-saver==2.0.3
                    # via a
                pgdriver==3.2.1
                    # via store-saver
            """,
            "agent/db.py": "from pgdriver import connect\n",
        }),
        # Imports deferred into a function (a provider picked by configuration, a plugin) or
        # made on one operating system only are optional features, not the app's dependencies.
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/providers.py": """
                import sys

                def make_client(provider):
                    if provider == "openai":
                        from openai import OpenAI
                        return OpenAI()
                    elif provider == "bedrock":
                        from langchain_aws import ChatBedrock
                        return ChatBedrock()

                if sys.platform == "win32":
                    import winshell
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        decl = declarations(repo)
        if not decl.manifests:
            return "no dependency manifest to compare imports with"
        if decl.dynamic:
            return f"dependencies in {decl.dynamic} are computed at build time and cannot be read statically"
        return None if third_party_imports(repo) else "the source imports no third-party package"

    def check(self, repo: Repo) -> Iterable[Finding]:
        decl = declarations(repo)
        installed = _image_installed(repo)
        brought = _lock_brought(repo, set(decl.by_name) | installed)
        lazy = _lazy_imports(repo)
        seen: dict[str, list[tuple[str, str, int, int]]] = {}
        for module, path, line, column in third_party_imports(repo):
            if not is_declared(module, decl, brought) and not installed.intersection(distribution_candidates(module)):
                seen.setdefault(distribution_candidates(module)[0], []).append((module, path, line, column))
        for dist, sites in seen.items():
            if all((path, line, column) in lazy for _, path, line, column in sites):
                continue  # imported only where a feature runs: an optional dependency
            module, path, line, column = sites[0]
            others = len({p for _, p, _, _ in sites}) - 1
            yield self.finding(
                path, line, column,
                f"`{module.split('.')[0]}` is imported but no manifest declares `{dist}`"
                f"{f' (imported in {others} more file(s))' if others else ''}: add `{dist}==<version>` "
                "to the manifest the app is built from")
