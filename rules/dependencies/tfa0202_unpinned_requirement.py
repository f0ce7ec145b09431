"""TFA0202 — Requirement not pinned to an exact version."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.utils import canonicalize_name

from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.requirements import RequirementsFile

from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import projects
from ._shared import _DEV_FILE_RE, LLM_SDK_RE

_SHA_RE = re.compile(r"@[0-9a-f]{40}\b")


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
        """, "requirements.txt", lines=(2, 3), columns=(1, 1), message="is not pinned"),
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
        }, lines=(1,), columns=(1,), message="is not pinned"),
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
