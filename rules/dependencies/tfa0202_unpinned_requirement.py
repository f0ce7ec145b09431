"""TFA0202 — Requirement not pinned to an exact version."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from tfa_lint.fix import Edit, Fix, offset_of_line
from tfa_lint.model import Artifact, FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.lockfile import LockFile
from tfa_lint.sources.requirements import RequirementLine, RequirementsFile
from tfa_lint.sources.requirements import parse as parse_requirements

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
    fixable = """
        safe, when a lock file in the directory of the requirement's project (`uv.lock`,
        `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `pylock.toml`, `requirements.lock`) locks the
        package at one version the requirement allows: the requirement is pinned to it
        (`name[extras]==version ; markers`, extras and markers kept).
    """
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
        # the project's lock says which version was tested: extras, markers and comments stay
        Example.repo({
            "requirements.txt": """
                fastapi>=0.110
                uvicorn[standard] ; python_version >= "3.10"
                requests[socks]>=2 ; python_version>"3.8"
                httpx >= 0.27, < 1  # the client
                redis==5.2.1
            """,
            "uv.lock": """
                version = 1

                [[package]]
                name = "FastAPI"
                version = "0.115.6"

                [[package]]
                name = "uvicorn"
                version = "0.32.1"

                [[package]]
                name = "requests"
                version = "2.32.3"

                [[package]]
                name = "httpx"
                version = "0.27.2"
            """,
        }, lines=(1, 2, 3, 4), columns=(1, 1, 1, 1), message="is not pinned", fixed={
            "requirements.txt": """
                fastapi==0.115.6
                uvicorn[standard]==0.32.1 ; python_version >= "3.10"
                requests[socks]==2.32.3 ; python_version>"3.8"
                httpx==0.27.2  # the client
                redis==5.2.1
            """,
        }),
        # must not fix: the lock's numpy is outside the range, pandas is locked at one version per
        # Python, and the only lock of httpx is a sibling project's
        Example.repo({
            "requirements.txt": "numpy<2\npandas>=2\nhttpx>=0.27\n",
            "uv.lock": """
                version = 1

                [[package]]
                name = "numpy"
                version = "2.1.3"

                [[package]]
                name = "pandas"
                version = "2.2.3"
                resolution-markers = ["python_full_version >= '3.10'"]

                [[package]]
                name = "pandas"
                version = "2.0.3"
                resolution-markers = ["python_full_version < '3.10'"]
            """,
            "tools/pyproject.toml": '[project]\nname = "tools"\ndependencies = ["httpx>=0.27"]\n',
            "tools/uv.lock": 'version = 1\n\n[[package]]\nname = "httpx"\nversion = "0.27.2"\n',
        }, lines=(1, 2, 3), columns=(1, 1, 1), message="is not pinned", fixed={}),
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
            yield from self._check_file(artifact, lambda: _locked_versions(repo, published.owner(artifact.path).root))

    def _check_file(self, artifact: Artifact, locked: Callable[[], dict[str, str]]) -> Iterable[Finding]:
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
                    "lock with hashes (pip-compile / uv pip compile)", fix=_pin_to_lock(artifact, entry, locked()))
            elif entry.reference and re.match(r"^(git\+|hg\+|https?://)", entry.reference) and not (
                    _SHA_RE.search(entry.reference) or entry.hashed):
                yield self.finding(
                    artifact.path, entry.line, 1,
                    f"`{entry.reference}` follows a branch or tag: pin a full commit hash (`@<40-hex sha>`)")


def _locked_versions(repo: Repo, root: str) -> dict[str, str]:
    """The versions the lock files of the project at ``root`` (in its directory) lock packages
    at, by canonical name; a package two of them lock differently is left out."""
    found: dict[str, set[str]] = {}
    for lock in repo.artifacts(FileKind.LOCKFILE):
        if isinstance(lock, LockFile) and posixpath.dirname(lock.path) == root:
            for name, version in lock.versions.items():
                found.setdefault(name, set()).add(version)
    return {name: next(iter(versions)) for name, versions in found.items() if len(versions) == 1}


#: A requirement's name and extras at the start of its line; its specifier runs to a marker
#: (`;`), a comment or a per-requirement option (`--hash`), whichever comes first.
_NAME_RE = re.compile(r"\s*[A-Za-z0-9][A-Za-z0-9._-]*(\s*\[[^\]]*\])?")
_SPECIFIER_END_RE = re.compile(r";|#|\s--|$")


def _pin_to_lock(artifact: RequirementsFile, entry: RequirementLine, locked: dict[str, str]) -> Fix | None:
    """The requirement pinned to the version the project's lock locks it at: its specifier (or
    the place after its name and extras) becomes `==version`. Only for a requirement written on
    one line that the locked version satisfies; the changed line is read again and must be the
    same requirement, pinned."""
    req = entry.requirement
    version = locked.get(canonicalize_name(req.name)) if req is not None else None
    if req is None or version is None or req.url or not req.specifier.contains(version, prereleases=True):
        return None
    lines = artifact.text.splitlines()
    raw = lines[entry.line - 1] if entry.line <= len(lines) else ""
    name = _NAME_RE.match(raw)
    if name is None or raw.rstrip().endswith("\\"):
        return None
    end = _SPECIFIER_END_RE.search(raw, name.end())
    assert end is not None  # `$` always matches
    written = raw[name.end():end.start()]
    try:
        if SpecifierSet(written.strip()) != req.specifier:
            return None
    except InvalidSpecifier:
        return None  # `name (>=1.0)`, the old parenthesised form
    # the specifier (and any space before it), or nothing: the pin goes right after the name and extras
    start, stop = name.end(), name.end() + len(written.rstrip())
    pinned = raw[:start] + f"=={version}" + raw[stop:]
    check = parse_requirements(artifact.path, pinned).entries
    if len(check) != 1 or check[0].requirement is None or not check[0].pinned or (
            (check[0].requirement.name, check[0].requirement.extras, check[0].requirement.marker)
            != (req.name, req.extras, req.marker)):
        return None
    line_start = offset_of_line(artifact.text, entry.line)
    return Fix(f"Pin `{req.name}=={version}`, the version the lock file locks",
               (Edit.replace(artifact.path, artifact.text, line_start + start, line_start + stop, f"=={version}"),))
