"""TFA0206 — Application declares dependencies without a lock file."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

import pathspec

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

from ..facts.projects import _REQUIREMENTS_DIRS, application_reason
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ._shared import _DEV_FILE_RE, _application_manifest, _dependency_name


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
        `requirements*.txt`. When a `.gitignore` line keeps the project's lock out of the
        repository (`poetry.lock`, `*.lock`), the lock is made on a laptop and never committed,
        which is the same as none: the message names that line. A lock file on disk counts even
        when `.gitignore` lists it: in a checkout, it was committed before the line was added.
        In a monorepo, a project's lock is one in its directory or above it (a workspace root);
        a sibling project's lock does not lock it.
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
        }, lines=(4,), columns=(1,), message="declared with no lock file"),
        # The lock is made locally, but .gitignore keeps it out of every commit.
        Example.repo({
            ".gitignore": "__pycache__/\n.venv/\n\n# local only\nuv.lock\n",
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110", "openai>=1.40"]
            """,
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(4,), columns=(1,), message="`.gitignore` line 5 (`uv.lock`) keeps the lock out of the repository"),
        Example.repo({
            ".gitignore": "*.lock\n",
            "services/api/.gitignore": "!requirements.lock\n",
            "services/api/pyproject.toml": """
                [tool.poetry]
                name = "api"

                [tool.poetry.dependencies]
                python = "^3.12"
                fastapi = "^0.110"
            """,
            "services/api/Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "api.main:app"]\n',
        }, lines=(4,), columns=(1,), message="`.gitignore` line 1 (`*.lock`) keeps the lock out of the repository"),
        # The lock of a sibling project (the repository's dev tools) does not lock the service.
        Example.repo({
            "tools/uv.lock": 'version = 1\n\n[[package]]\nname = "ruff"\nversion = "0.8.4"\n',
            "tools/pyproject.toml": '[project]\nname = "tools"\nversion = "0.1.0"\ndependencies = ["ruff>=0.8"]\n',
            "service/pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110"]
            """,
            "service/Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "agent.app:app"]\n',
        }, lines=(4,), columns=(1,), message="declared with no lock file"),
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
        # A uv workspace member: the lock at the workspace root locks it.
        Example.repo({
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["services/*"]\n',
            "uv.lock": 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "services/api/pyproject.toml": """
                [project]
                name = "api"
                version = "0.1.0"
                dependencies = ["fastapi>=0.110"]
            """,
            "services/api/Dockerfile": 'FROM python:3.12-slim\nCMD ["uvicorn", "api.main:app"]\n',
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
        for pyproject in repo.artifacts(FileKind.PYPROJECT):
            assert isinstance(pyproject, Pyproject)
            directory = posixpath.dirname(pyproject.path)
            if pyproject.dependencies and _application_manifest(repo, pyproject.path) and not _locked(repo, directory):
                count = len({_dependency_name(d) for d in pyproject.dependencies})
                ignored = _lock_ignore_line(repo, posixpath.dirname(pyproject.path))
                why = "" if ignored is None else (
                    f" `{ignored[0]}` line {ignored[1]} (`{ignored[2]}`) keeps the lock out of the repository, so "
                    "the lock made locally never reaches a build;")
                yield self.finding(
                    pyproject.path, pyproject.dependencies_line, 1,
                    f"{count} {'dependency' if count == 1 else 'dependencies'} declared with no lock file:{why} commit "
                    "one (`uv lock`, `poetry lock`) and build from it, so every deploy gets what was tested")


def _application_reason(repo: Repo) -> str | None:
    """None when some project of the repository is an application that is deployed or runs a
    long-running process (``rules/facts/projects.py``); else why version ranges are expected."""
    reason = application_reason(repo)
    return None if reason is None else reason + ": ranges are expected"


#: The lock files a project's tools write beside its manifest.
_LOCK_NAMES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml", "requirements.lock")


def _lock_ignore_line(repo: Repo, directory: str) -> tuple[str, int, str] | None:
    """The `.gitignore` line (its file, 1-based number and pattern) that keeps a lock file of
    ``directory`` out of the repository, as git decides: the deepest `.gitignore` with a
    matching line wins, and within one file the last matching line (a `!` line re-includes)."""
    for lock in _LOCK_NAMES:
        verdict: tuple[str, int, str] | None = None
        for base in _ancestors(directory):
            ignore_file = repo.artifact(posixpath.join(base, ".gitignore"))
            if ignore_file is None or ignore_file.kind is not FileKind.GITIGNORE:
                continue
            relative = posixpath.relpath(posixpath.join(directory, lock), base or ".")
            for number, raw in enumerate(ignore_file.lines, 1):
                pattern = raw.strip()
                if not pattern or pattern.startswith("#"):
                    continue
                negated = pattern.startswith("!")
                if pathspec.GitIgnoreSpec.from_lines([pattern.removeprefix("!")]).match_file(relative):
                    verdict = None if negated else (ignore_file.path, number, pattern)
        if verdict is not None:
            return verdict
    return None


def _locked(repo: Repo, directory: str) -> bool:
    """A lock file, or an exported fully pinned requirements file (its own directory or its
    `requirements/`), in ``directory`` or above it: a workspace's lock sits at its root. A lock
    of another project of the repository (a sibling, a sub-project) is not this project's."""
    above = set(_ancestors(directory))
    for ref in repo.files:
        where = posixpath.dirname(ref.path)
        if ref.kind is FileKind.LOCKFILE and where in above:
            return True
        if ref.kind is FileKind.REQUIREMENTS and not _DEV_FILE_RE.search(ref.path) and (
                where in above or posixpath.dirname(where) in above
                and posixpath.basename(where).lower() in _REQUIREMENTS_DIRS):
            req = repo.artifact(ref.path)
            if isinstance(req, RequirementsFile) and req.requirements and all(e.pinned for e in req.requirements):
                return True  # an exported, pinned requirements file is a lock
    return False


def _ancestors(directory: str) -> list[str]:
    """``directory`` and every directory above it up to the top (``""``), top first."""
    chain = [""]
    parts = [p for p in directory.split("/") if p]
    chain += ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return chain
