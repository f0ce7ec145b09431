"""TFA0208 — Image installs the project without the lock file beside it."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile, Instruction
from tfa_lint.sources.pyproject import Pyproject

from ..facts.commandline import segments
from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import projects
from ._shared import _DEV_FILE_RE, TEST_IMAGE_RE

#: A requirements file that pip-compile, `uv pip compile` or an export wrote: its pins come
#: with `# via` provenance, hashes, or the tool's header.
_COMPILED_RE = re.compile(r"(?m)^\s*#\s+via\b|--hash[=\s]sha256:|^#.*\b(pip-compile|uv pip compile|uv export|"
                          r"poetry export|pdm export)\b")
#: Commands that install from the project's lock (or write a pinned export of it to install next).
_LOCKED_TOOLS = {("uv", "sync"), ("uv", "export"), ("poetry", "install"), ("poetry", "sync"), ("poetry", "export"),
                 ("pdm", "install"), ("pdm", "sync"), ("pdm", "export"), ("pipenv", "install"), ("pipenv", "sync"),
                 ("rye", "sync")}
#: `pip install` options whose value is the next word.
_VALUE_OPTIONS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--target", "-t", "--prefix",
                  "--root", "--python", "--platform", "--trusted-host", "--cache-dir", "--python-version", "-p",
                  "--only-binary", "--no-binary", "--src", "--upgrade-strategy", "--config-settings", "-C"}
#: Manifests that list ranges, not pins: installing from them resolves afresh.
_UNLOCKED_FILES_RE = re.compile(r"(\.in|pyproject\.toml|setup\.py|setup\.cfg)$")


class ImageIgnoresLock(RepoRule):
    id = "TFA0208"
    name = "image-ignores-lock"
    factor = 2
    severity = Severity.WARNING
    title = "Image installs the project without the lock file beside it"
    kinds = (FileKind.DOCKERFILE,)
    runtime_only = True
    collectors = PROJECT_COLLECTORS
    what = """
        A Dockerfile `RUN` that installs the project by resolving its ranges afresh —
        `pip install .`, `pip install -e .`, `uv pip install .`, `pip install -r
        requirements.in`, `-r pyproject.toml`, or compiling them in the image (`uv pip compile
        pyproject.toml`, `pip-compile`, which never read `uv.lock`) — in a project that commits a lock: `uv.lock`,
        `poetry.lock`, `pdm.lock`, `Pipfile.lock`, `pylock.toml`, rye's `requirements.lock`, or
        a `requirements*.txt` compiled by pip-tools or an export (`# via` lines, hashes, the
        tool's header). The project is the one whose directory holds the Dockerfile; a uv
        workspace's root lock covers its members. Not reported: an image that installs from
        the lock first (`uv sync`, `poetry install`, `pdm sync`, `pipenv install`, `pip install
        -r <pinned file>`, `uv pip sync`, an export), installs with `--no-deps`, `--no-index` or
        constraints (`-c`), or installs wheels; test and CI images.
    """
    why = """
        The lock is what was tested. An image built with `pip install .` resolves the version
        ranges again at build time, so it runs whatever was newest that day — not what the lock,
        CI and every developer's machine agree on — and two builds of one commit can differ.
    """
    fix = """
        Install from the lock: `uv sync --frozen --no-dev`, `poetry install --only main`,
        `pdm sync --prod`, or `pip install -r requirements.txt` (the compiled file) followed by
        `pip install --no-deps .`.
    """
    invalid = (
        Example.repo({
            "uv.lock": 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n',
            "Dockerfile": """
                FROM python:3.12-slim
                WORKDIR /app
                COPY . .
                RUN pip install --upgrade pip && pip install --no-cache-dir -e .
                CMD ["uvicorn", "agent.app:app"]
            """,
        }, lines=(4,), columns=(1,), message="ignores `uv.lock`"),
        Example.repo({
            "requirements.in": "fastapi>=0.110\nopenai>=1.40\n",
            "requirements.txt": "fastapi==0.115.6\n    # via -r requirements.in\nopenai==1.58.1\n    # via -r requirements.in\n",
            "deploy/Dockerfile": """
                FROM python:3.12-slim
                COPY requirements.in .
                RUN ["uv", "pip", "install", "--system", "-r", "requirements.in"]
            """,
        }, lines=(3,), columns=(1,), message="ignores `requirements.txt`"),
        # The lock is copied in, but the image compiles the ranges again instead of reading it.
        Example.repo({
            "uv.lock": 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n',
            "Dockerfile": """
                FROM python:3.12-slim
                COPY pyproject.toml uv.lock ./
                RUN uv pip compile pyproject.toml -o requirements.txt
                RUN pip install --no-deps -r requirements.txt
            """,
        }, lines=(3,), columns=(1,), message="`uv pip compile pyproject.toml` resolves the dependencies afresh"),
    )
    valid = (
        Example.repo({
            "uv.lock": 'version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n',
            "Dockerfile": """
                FROM python:3.12-slim
                COPY --from=ghcr.io/astral-sh/uv:0.5.11 /uv /bin/uv
                COPY . /app
                RUN uv sync --frozen --no-dev && uv pip install --no-deps .
            """,
            "Dockerfile.test": "FROM python:3.12-slim\nCOPY . .\nRUN pip install -e .\n",
        }),
        # The compiled requirements first, then the project alone.
        Example.repo({
            "requirements.in": "fastapi>=0.110\n",
            "requirements.txt": "# This file was autogenerated by uv pip compile\nfastapi==0.115.6\n",
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n',
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . .
                RUN pip install -r requirements.txt
                RUN pip install .
            """,
        }),
        # A Poetry lock exported to pinned requirements inside the image.
        Example.repo({
            "poetry.lock": '[[package]]\nname = "fastapi"\nversion = "0.115.6"\n',
            "pyproject.toml": '[tool.poetry]\nname = "agent"\n\n[tool.poetry.dependencies]\nfastapi = "^0.110"\n',
            "Dockerfile": """
                FROM python:3.12-slim AS build
                COPY . .
                RUN poetry export -f requirements.txt -o /tmp/req.txt && pip wheel -w /wheels -r /tmp/req.txt .
                FROM python:3.12-slim
                COPY --from=build /wheels /wheels
                RUN pip install --no-index /wheels/*.whl
            """,
        }),
        # The project's dependencies are its compiled requirements file: `pip install .` installs the pins.
        Example.repo({
            "requirements.txt": "# uv pip compile --output-file=requirements.txt requirements.in\nfastapi==0.115.6\n",
            "pyproject.toml": """
                [project]
                name = "support-agent"
                version = "0.1.0"
                dynamic = ["dependencies"]

                [tool.setuptools.dynamic]
                dependencies = { file = "requirements.txt" }
            """,
            "docker/Dockerfile": "FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\n",
        }),
        # No lock in this project: TFA0206 judges that. A sibling project's lock is not its lock.
        Example.repo({
            "tools/uv.lock": 'version = 1\n\n[[package]]\nname = "ruff"\nversion = "0.8.4"\n',
            "tools/pyproject.toml": '[project]\nname = "tools"\nversion = "0.1.0"\ndependencies = ["ruff>=0.8"]\n',
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n',
            "Dockerfile": "FROM python:3.12-slim\nCOPY . .\nRUN pip install .\n",
        }),
    )

    def check(self, repo: Repo) -> Iterable[Finding]:
        found = projects(repo)
        for dockerfile in repo.artifacts(FileKind.DOCKERFILE):
            if (not isinstance(dockerfile, Dockerfile) or path_role(dockerfile.path) not in ("src", "script")
                    or TEST_IMAGE_RE.search(dockerfile.path)):
                continue
            root = found.owner(dockerfile.path).root
            locks = _locks(repo, root)
            if not locks or found.published_requirements & set(locks):
                # A project whose dependencies are read from its compiled requirements file
                # (setuptools' dynamic dependencies): installing it installs the pins.
                continue
            installed_lock = False
            for ins in dockerfile.instructions:
                if ins.keyword != "RUN":
                    continue
                unlocked: str | None = None
                for words in _commands(ins):
                    verdict = _install(words)
                    if verdict == "locked":
                        installed_lock = True
                    elif verdict is not None and not installed_lock and unlocked is None:
                        unlocked = verdict
                if unlocked is not None:
                    shown = ", ".join(f"`{posixpath.relpath(lock, root or '.')}`" for lock in locks)
                    yield self.finding(
                        dockerfile.path, ins.line, 1,
                        f"`{unlocked}` resolves the dependencies afresh and ignores {shown}: the image gets whatever "
                        "is newest at build time, not what was tested. Install from the lock (`uv sync --frozen`, "
                        "`poetry install`, or `pip install -r` the compiled file, then `pip install --no-deps .`)")


def _locks(repo: Repo, root: str) -> list[str]:
    """The committed locks of the project at ``root``: lock files in its directory, a uv
    workspace root's `uv.lock` above it, and compiled requirements files (its own directory
    or its `requirements/`)."""
    found: list[str] = []
    for ref in repo.files:
        directory = posixpath.dirname(ref.path)
        if ref.kind is FileKind.LOCKFILE and (directory == root or _workspace_lock(repo, ref.path, root)):
            found.append(ref.path)
        elif (ref.kind is FileKind.REQUIREMENTS and ref.path.endswith(".txt") and not _DEV_FILE_RE.search(ref.path)
              and directory in (root, posixpath.join(root, "requirements"))):
            artifact = repo.artifact(ref.path)
            if artifact is not None and _COMPILED_RE.search(artifact.text):
                found.append(ref.path)
    return found


def _workspace_lock(repo: Repo, lock: str, root: str) -> bool:
    """A `uv.lock` above ``root`` whose pyproject declares a uv workspace: it locks the members."""
    directory = posixpath.dirname(lock)
    if posixpath.basename(lock) != "uv.lock" or not (directory == "" or root.startswith(directory + "/")):
        return False
    pyproject = repo.artifact(posixpath.join(directory, "pyproject.toml"))
    tool = pyproject.data.get("tool") if isinstance(pyproject, Pyproject) else None
    return isinstance(tool, dict) and isinstance(tool.get("uv"), dict) and "workspace" in tool["uv"]


def _commands(ins: Instruction) -> list[tuple[str, ...]]:
    exec_form = ins.exec_form
    if exec_form is not None:
        return [seg.words for seg in segments(tuple(exec_form))]
    return [seg.words for seg in segments((ins.value + ("\n" + ins.heredoc if ins.heredoc else ""),))]


def _install(words: Sequence[str]) -> str | None:
    """``"locked"`` for a command that installs from a lock; the install as written (``pip
    install .``) when it resolves the project's ranges afresh; None for anything else."""
    names = [w.rsplit("/", 1)[-1] for w in words]
    for index, name in enumerate(names):
        if (name, names[index + 1] if index + 1 < len(names) else "") in _LOCKED_TOOLS or name == "pip-sync":
            return "locked"
        if name == "uv" and names[index + 1:index + 3] == ["pip", "sync"]:
            return "locked"
        if name == "pip-compile" or (name == "uv" and names[index + 1:index + 3] == ["pip", "compile"]):
            # Compiling the ranges in the image resolves them afresh: `uv pip compile` never reads uv.lock.
            sources = [w for w in words[index + (1 if name == "pip-compile" else 3):] if _UNLOCKED_FILES_RE.search(w)]
            return f"{'pip-compile' if name == 'pip-compile' else 'uv pip compile'} {sources[0]}" if sources else None
        if re.fullmatch(r"pip[0-9.]*", name) and names[index + 1:index + 2] == ["install"]:
            return _pip_install(words[index + 2:], " ".join(words[max(0, index - 3):index + 2]))
    return None


def _pip_install(args: Sequence[str], command: str) -> str | None:
    unlocked: str | None = None
    skip_next = False
    for position, word in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        value = args[position + 1] if position + 1 < len(args) else ""
        if word in ("--no-deps", "--no-index") or word in ("-c", "--constraint") or word.startswith("--constraint="):
            return None
        if word in ("-r", "--requirement") or word.startswith("--requirement="):
            requirement = word.partition("=")[2] or value
            skip_next = "=" not in word
            if not _UNLOCKED_FILES_RE.search(requirement):
                return "locked"
            unlocked = unlocked or f"{_tail(command)} -r {requirement}"
        elif word in ("-e", "--editable"):
            skip_next = True
            unlocked = unlocked or (f"{_tail(command)} -e {value}" if _project_path(value) else None)
        elif word in _VALUE_OPTIONS:
            skip_next = True
        elif not word.startswith("-") and _project_path(word):
            unlocked = unlocked or f"{_tail(command)} {word}"
    return unlocked


def _tail(command: str) -> str:
    """The installer as written, from `pip`/`uv pip`/`python -m pip` on."""
    match = re.search(r"((uv\s+)?pip[0-9.]*|python[0-9.]*\s+-m\s+pip)\s+install$", command)
    return match.group(0) if match else "pip install"


def _project_path(word: str) -> bool:
    """A local project directory (`.`, `./api`, `/app`, `.[serve]`), not a wheel or archive."""
    path = re.sub(r"\[[^\]]*\]$", "", word.strip("'\""))
    return (path.startswith((".", "/")) and "*" not in path
            and not path.endswith((".whl", ".tar.gz", ".zip", ".txt")))
