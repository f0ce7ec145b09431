"""TFA0205 — Package installed in the image without a pinned version."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile

from ..facts.manifests import declarations
from ._shared import TEST_IMAGE_RE, pip_install_commands


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
        """, "Dockerfile", lines=(3,), columns=(1,), message="without `==version`"),
        # Declared, but the image never installs the project: the RUN line is what floats.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["gunicorn==23.0.0"]\n',
            "Dockerfile": "FROM python:3.12-slim\nRUN pip install gunicorn\n",
        }, lines=(2,), columns=(1,), message="without `==version`"),
        # `--upgrade` moves a declared package past what the manifest resolved.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["gunicorn>=21"]\n',
            "Dockerfile": "FROM python:3.12-slim\nCOPY . .\nRUN pip install . && pip install -U gunicorn\n",
        }, lines=(3,), columns=(1,), message="without `==version`"),
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
                    or TEST_IMAGE_RE.search(artifact.path)):
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


def _token_name(word: str) -> str:
    try:
        return canonicalize_name(Requirement(word).name)
    except InvalidRequirement:
        return word


def _pinned_token(word: str) -> bool:
    try:
        specs = list(Requirement(word).specifier)
    except InvalidRequirement:
        return True
    return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
