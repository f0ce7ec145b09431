"""Plain data shared by the engine, the rules and the reporters.

Everything here is a small immutable value that can cross a process boundary or be cached:
findings, facts, diagnostics, file kinds, and the read-only view of a repository that repo
rules receive.
"""

from __future__ import annotations

import enum
import functools
import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tfa_lint.facts import FactData
from tfa_lint.fix import Fix

FACTOR_NAMES: dict[int, str] = {
    1: "Codebase",
    2: "Dependencies",
    3: "Config",
    4: "Backing services",
    5: "Build, release, run",
    6: "Processes",
    7: "Port binding",
    8: "Concurrency",
    9: "Disposability",
    10: "Dev/prod parity",
    11: "Logs",
    12: "Admin processes",
}


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"note": 0, "warning": 1, "error": 2}[self.value]


#: Default score weight per severity; notes are advisory. Overridable in configuration.
SEVERITY_WEIGHTS: dict[Severity, int] = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 0}


class FileKind(str, enum.Enum):
    PYTHON = "python"
    DOCKERFILE = "dockerfile"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    LOCKFILE = "lockfile"
    PROCFILE = "procfile"
    COMPOSE = "compose"
    ENV = "env"
    DOCKERIGNORE = "dockerignore"
    #: `.gitignore`: what the repository keeps out of its commits (discovery honours it too).
    GITIGNORE = "gitignore"
    RUNTIME = "runtime"  # .python-version, runtime.txt, .tool-versions
    README = "readme"  # README and other Markdown/MDX/reST documentation
    SETUP_CFG = "setup-cfg"
    PIPFILE = "pipfile"
    CONDA = "conda"  # environment.yml
    LOGGING_CONFIG = "logging-config"  # logging.ini, log_config.yaml: fileConfig/dictConfig written as a file
    #: fly.toml, render.yaml, .do/app.yaml, app.json, railway.json/toml, Kubernetes, supervisord
    PLATFORM = "platform"
    #: Runtime state (vector indexes, SQLite databases, pickles): listed, never read.
    STATE = "state"
    SHELL = "shell"  # start and entrypoint scripts: read where a declared process runs them

    @property
    def label(self) -> str:
        return {
            "python": "Python file",
            "dockerfile": "Dockerfile",
            "requirements": "requirements file",
            "pyproject": "pyproject.toml",
            "lockfile": "lock file",
            "procfile": "Procfile",
            "compose": "compose file",
            "env": ".env file",
            "dockerignore": ".dockerignore",
            "gitignore": ".gitignore",
            "runtime": "Python version file",
            "readme": "documentation file",
            "setup-cfg": "setup.cfg",
            "pipfile": "Pipfile",
            "conda": "conda environment file",
            "logging-config": "logging configuration file",
            "platform": "platform manifest",
            "state": "runtime state file",
            "shell": "shell script",
        }[self.value]

    @property
    def read(self) -> bool:
        """Whether the engine opens files of this kind (state files are only listed)."""
        return self is not FileKind.STATE


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Positions are 1-based; ``path`` is relative and posix.

    A message never contains a secret in clear: rules pass secrets through ``redact``.
    """

    path: str
    line: int
    column: int
    rule: str
    message: str
    end_line: int = 0
    end_column: int = 0
    #: The change that fixes it, when the rule knows one (never part of what identifies a finding).
    fix: Fix | None = field(default=None, compare=False, repr=False)


D = TypeVar("D", bound=FactData, covariant=True)


@dataclass(frozen=True)
class Fact(Generic[D]):
    """Something a collector observed in one file, for repo rules to join across files:
    where, and the typed payload (``data``) of its ``kind``."""

    kind: str
    path: str
    line: int
    column: int
    data: D = field(hash=False)  # type: ignore[misc]  # frozen, so covariance is sound


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A file tfa-lint could not check, or checked only in part, and why."""

    path: str
    message: str
    skipped: bool = True

    @property
    def internal(self) -> bool:
        """A rule crashed here: tfa-lint's bug, which makes the exit code 2."""
        return self.message.startswith("internal error")

    @property
    def kind(self) -> str:
        """What the reports call it: SARIF's notification id, GitLab's check name."""
        return "internal-error" if self.internal else "file-skipped" if self.skipped else "file-partly-checked"


@dataclass(frozen=True)
class Artifact:
    """A parsed file. Source parsers subclass it with a typed model and positions."""

    path: str
    kind: FileKind
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    def problems(self) -> list[str]:
        """What the parser read past (lines it could not make sense of), each a one-line
        reason for a diagnostic; never the line's text, which may hold a secret."""
        return []

    def column_of(self, line: int, text: str | None = None) -> int:
        """1-based column where a finding on 1-based ``line`` belongs: at ``text`` (a quoted
        string's opening quote) when the line holds it, else at its first non-blank character,
        not in the indentation of a YAML key or a TOML array item."""
        lines = self.lines
        if not 1 <= line <= len(lines):
            return 1
        content = lines[line - 1]
        at = content.find(text) if text else -1
        if at > 0 and content[at - 1] in "\"'":
            at -= 1
        if at < 0:
            at = len(content) - len(content.lstrip())
        return at + 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into ``text``."""
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, column

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)


_TEST_DIRS = {"tests", "test", "testing", "__tests__"}
# Code that shows or measures the product but never runs in production.
_EXAMPLE_DIRS = {"examples", "example", "docs", "doc", "notebooks", "cookbook", "cookbooks",
                 "demo", "demos", "samples", "sample", "tutorials", "tutorial",
                 "evals", "eval", "evaluation", "evaluations", "benchmarks", "benchmark", "bench"}
_SCRIPT_DIRS = {"scripts", "script", "bin"}
_BENCHMARK_FILE_RE = re.compile(r"(^bench(mark)?_|_bench(mark)?\.py$)")


@functools.lru_cache(maxsize=1 << 16)  # asked tens of times per file, by discovery, rules and scoring
def path_role(path: str) -> str:
    """``test``, ``example``, ``script`` or ``src`` — from the path alone.

    Tests and examples (with docs, notebooks, demos, evals and benchmarks) may show what
    production code must not do; scripts are one-off command-line programs. Rules use the
    role to skip or soften what they report.
    """
    parts = path.split("/")
    name = parts[-1]
    dirs = {p.lower() for p in parts[:-1]}
    if dirs & _TEST_DIRS or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return "test"
    if dirs & _EXAMPLE_DIRS or name.endswith(".ipynb") or _BENCHMARK_FILE_RE.search(name):
        return "example"
    if dirs & _SCRIPT_DIRS or name in {"setup.py", "noxfile.py", "tasks.py", "manage.py", "fabfile.py"}:
        return "script"
    return "src"


@dataclass(frozen=True)
class FileRef:
    path: str
    kind: FileKind
    size: int = 0


@dataclass(frozen=True)
class ProjectKind:
    """What a rule pack judged the repository, or one project of a monorepo, to be — for
    example ``application``, ``library`` or ``cli`` — and the evidence, one phrase. Reports
    show it, so a reader can see why deploy-side rules did or did not apply."""

    path: str  # the project's directory, "." for the top
    kind: str
    evidence: str


@dataclass
class Repo:
    """The read-only view of the scanned repository that repo rules and ``applies`` see."""

    files: tuple[FileRef, ...]
    artifacts_by_path: dict[str, Artifact]
    all_facts: tuple[Fact, ...]
    #: The version control system found at the scan root or above (".git", ".hg"…), if any.
    vcs: str | None = None
    #: Per-run scratch space for values several rules derive from the same facts.
    memo: dict[str, Any] = field(default_factory=dict)
    #: What the rules that ask judged each project to be (empty when none asked).
    projects: list[ProjectKind] = field(default_factory=list)
    #: Reads a listed file's decoded text again (None when it cannot be read): see ``text_of``.
    reader: Callable[[str], str | None] | None = field(default=None, repr=False)

    def text_of(self, path: str) -> str | None:
        """The decoded text of the listed file at ``path``, read again from disk, or None. The map
        keeps no Python text, so a repo rule that builds a fix for a file it reports (and only
        then) reads it this way; the fix's digests guard against a file changed since."""
        return self.reader(path) if self.reader is not None else None

    def files_of(self, kind: FileKind) -> list[str]:
        return [f.path for f in self.files if f.kind is kind]

    def artifacts(self, kind: FileKind) -> list[Artifact]:
        return [a for a in self.artifacts_by_path.values() if a.kind is kind]

    def artifact(self, path: str) -> Artifact | None:
        return self.artifacts_by_path.get(path)

    def facts(self, *kinds: type[D]) -> Iterator[Fact[D]]:
        """The facts whose payload is one of these classes, in file and record order."""
        return (f for f in self.all_facts if isinstance(f.data, kinds))  # type: ignore[misc]

    def has_path(self, path: str) -> bool:
        return any(f.path == path for f in self.files)
