"""TFA0203 — LLM SDK or agent framework without an upper version bound."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import canonicalize_name

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.lockfile import LockFile
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

from ..facts.manifests import Declaration, ImportFacts, declarations
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import projects
from ._shared import _DEV_FILE_RE, LLM_SDK_RE, _application_manifest, _dependency_name


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
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    invalid = (
        Example.repo({
            "requirements.txt": "fastapi==0.115.6\nlangchain>=0.1\nopenai\n",
            "Procfile": "web: uvicorn app:app\n",
        }, lines=(2, 3), columns=(1, 1), message="lets the next build pull a new"),
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi==0.115.6", "anthropic>=0.39"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(4,), columns=(37,), message="lets the next build pull a new"),
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
        }, lines=(6, 7), columns=(5, 5), message="lets the next build pull a new"),
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
        }, lines=(2,), columns=(1,), message="lets the next build pull a new"),
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
                where = repo.artifact(decl.path)
                yield self.finding(
                    decl.path, decl.line, where.column_of(decl.line, decl.spec) if where is not None else 1,
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
