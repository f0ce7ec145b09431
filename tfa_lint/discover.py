"""Which files to scan, and of which kind.

Existence checks go through ``os.path`` (``lexists``, ``isdir``), which answer False where a
permission is missing: ``Path.exists`` raises there (Python 3.11), and an unreadable
directory would have ended the scan.

The walk reads ``.gitignore`` files itself (nested ones too, and ``.git/info/exclude``): it
never runs git or any other program inside the scanned repository, whose own git config
could make git execute code. It never follows a symlink out of the scanned root, never
descends into a symlinked directory (no loops), and only opens regular files.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from tfa_lint.model import Diagnostic, FileKind
from tfa_lint.sources.lockfile import is_lock_file
from tfa_lint.sources.platform import platform_of

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git/", ".hg/", ".svn/", ".jj/", ".venv/", "venv/", "__pycache__/", "node_modules/",
    ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".tox/", ".nox/", "build/", "dist/",
    "site-packages/", ".eggs/", "*.egg-info/", ".tfa-lint-cache/",
)
#: Files larger than this are skipped (lock files: LOCK_FILE_MAX_BYTES).
MAX_BYTES = 1024 * 1024
#: Lock files are often larger than source files; they get their own cap.
LOCK_FILE_MAX_BYTES = 32 * 1024 * 1024
#: Directories deeper than this are not descended (a hostile tree can nest thousands).
MAX_DEPTH = 128


@dataclass(frozen=True)
class SourceFile:
    path: Path  # where to read it
    rel: str  # relative to the scan root, posix separators
    kind: FileKind
    size: int


def kind_of(name: str, rel: str) -> FileKind | None:
    """The artifact kind of a file from its name (and directory, for requirements/)."""
    lower = name.lower()
    if lower.endswith(".py"):
        return FileKind.PYTHON
    if name == ".dockerignore" or lower.endswith(".dockerignore"):
        return FileKind.DOCKERIGNORE
    if is_dockerfile_name(name):
        return FileKind.DOCKERFILE
    if lower.endswith((".sh", ".bash")) or name in SCRIPT_NAMES:
        return FileKind.SHELL
    if name == "pyproject.toml":
        return FileKind.PYPROJECT
    if is_lock_file(name):
        return FileKind.LOCKFILE
    if name == "Procfile" or name.startswith("Procfile."):
        return FileKind.PROCFILE
    if lower.endswith((".yml", ".yaml")) and (
            lower.startswith(("docker-compose", "compose.")) or lower in ("compose.yml", "compose.yaml")):
        return FileKind.COMPOSE
    if name == ".env" or name.startswith(".env.") or lower.endswith(".env"):
        return FileKind.ENV
    if lower.endswith(".txt") and ("requirements" in lower or "constraints" in lower
                                   or "/requirements/" in f"/{rel}"):
        return FileKind.REQUIREMENTS
    if lower.endswith(".in") and ("requirements" in lower or "/requirements/" in f"/{rel}"):
        return FileKind.REQUIREMENTS
    if name == ".gitignore":
        return FileKind.GITIGNORE
    if name in (".python-version", "runtime.txt", ".tool-versions"):
        return FileKind.RUNTIME
    if name == "setup.cfg":
        return FileKind.SETUP_CFG
    if name == "Pipfile":
        return FileKind.PIPFILE
    if lower in ("environment.yml", "environment.yaml", "conda.yml", "conda.yaml"):
        return FileKind.CONDA
    if _LOGGING_CONFIG_RE.match(lower):
        return FileKind.LOGGING_CONFIG
    if platform_of(name, rel):
        return FileKind.PLATFORM
    if lower in ("readme", "readme.txt") or lower.endswith((".md", ".mdx", ".rst")):
        return FileKind.README  # operator docs: where a config contract is written down
    if lower.endswith(STATE_SUFFIXES) or lower in STATE_NAMES:
        return FileKind.STATE
    return None


#: Start scripts without a suffix that images and Procfiles name (read only if their shebang is a shell).
SCRIPT_NAMES = frozenset({"entrypoint", "docker-entrypoint", "start", "startup", "boot", "run-server", "serve"})
#: Suffixes of files named like a Dockerfile that are something else (its docs, its ignore file).
_NOT_DOCKERFILE_SUFFIXES = (".dockerignore", ".md", ".rst", ".txt", ".json", ".yml", ".yaml", ".sh", ".py",
                            ".bak", ".orig", ".swp", ".lock", ".go", ".js", ".ts", ".rs", ".rb", ".java", ".cfg",
                            ".toml", ".ini", ".html", ".png", ".svg")


def is_dockerfile_name(name: str) -> bool:
    """``Dockerfile``, ``Dockerfile.worker``, ``Dockerfile-gpu``, ``DockerfileCelery``, ``api.Dockerfile``,
    ``Dockerfile.j2`` (a template) and the same for ``Containerfile``, in any case."""
    lower = name.lower()
    if lower.endswith(_NOT_DOCKERFILE_SUFFIXES):
        return False
    if lower.endswith((".dockerfile", ".containerfile")):
        return True
    for stem in ("dockerfile", "containerfile"):
        if lower.startswith(stem):
            rest = name[len(stem):]
            # `Dockerfile.worker`, `Dockerfile-gpu`, `DockerfileCelery`; not `dockerfile_utils.go`
            return not rest or rest[0] in ".-" or rest[0].isupper()
    return False


#: Logging configuration by name: ``logging.ini``, ``log_config.json``, ``gunicorn-logging.conf``,
#: ``logging.prod.yaml`` (a word ``log``, ``logging`` or ``logger``, not ``changelog`` or ``blog``).
_LOGGING_CONFIG_RE = re.compile(r"^(?:[\w-]+[._-])?(?:log|logging|logger)(?:[._-][\w.-]+)?\.(?:ini|conf|cfg|ya?ml|json)$")


#: Files a running agent writes: vector indexes, local databases, pickled memory.
STATE_SUFFIXES = (".faiss", ".sqlite", ".sqlite3", ".db", ".pkl", ".pickle", ".joblib")
STATE_NAMES = ("chroma.sqlite3", "docstore.json", "index_store.json", "vector_store.json")


def find_vcs(root: Path) -> tuple[str, Path] | None:
    """The VCS metadata directory (or git's worktree file) at ``root`` or any parent, and the
    checkout's top directory that holds it."""
    root = root.resolve()
    for directory in (root, *root.parents):
        for marker in (".git", ".hg", ".svn", ".jj"):
            if os.path.lexists(directory / marker):
                return marker, directory
    return None


class _Ignores:
    """gitignore rules of every directory on the way down; the deepest match wins."""

    def __init__(self, specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()) -> None:
        self.specs = specs

    def with_dir(self, rel_dir: str, spec: pathspec.GitIgnoreSpec | None) -> _Ignores:
        return self if spec is None else _Ignores((*self.specs, (rel_dir, spec)))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        for base, spec in self.specs:
            if base and not rel.startswith(base + "/"):
                continue
            sub = rel[len(base) + 1:] if base else rel
            result = spec.check_file(sub + "/" if is_dir else sub)
            if result.include is not None:
                verdict = result.include
        return verdict


def _read_ignore_file(path: Path, diagnostics: list[Diagnostic], rel: str) -> pathspec.GitIgnoreSpec | None:
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        text = read_listed(path, st.st_size).decode("utf-8", errors="replace")  # no FIFO swapped in since
        return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    except OSError as exc:
        diagnostics.append(Diagnostic(rel, f"could not read ignore file: {exc.strerror or exc}"))
        return None


def discover(
    paths: Iterable[Path],
    root: Path,
    *,
    exclude: Iterable[str] = DEFAULT_EXCLUDE,
    max_bytes: int = MAX_BYTES,
) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Files under ``paths`` (directories are walked; files are taken when their kind is
    known), relative to ``root``, in path order, with a diagnostic for each one skipped."""
    root = root.resolve()
    diagnostics: list[Diagnostic] = []
    excludes = pathspec.GitIgnoreSpec.from_lines(list(exclude))
    found: dict[str, SourceFile] = {}
    cache: _SpecCache = {}

    base = _Ignores()
    info_exclude = root / ".git" / "info" / "exclude"
    if os.path.isfile(info_exclude):
        base = base.with_dir("", _read_ignore_file(info_exclude, diagnostics, ".git/info/exclude"))

    for given in paths:
        target = Path(os.path.abspath(given))
        try:
            rel_target = target.relative_to(root).as_posix()
        except ValueError:
            diagnostics.append(Diagnostic(str(given), "outside the project root: not scanned"))
            continue
        rel_target = "" if rel_target == "." else rel_target
        ignores = _ignores_down_to(root, rel_target, base, diagnostics, cache)
        if os.path.isdir(target) and not os.path.islink(target):
            for sf in _walk(root, target, rel_target, ignores, excludes, max_bytes, diagnostics, cache):
                found.setdefault(sf.rel, sf)
        else:
            sf = _take_file(root, target, rel_target, ignores, excludes, max_bytes, diagnostics)
            if sf:
                found.setdefault(sf.rel, sf)
    return [found[k] for k in sorted(found)], sorted(set(diagnostics))


def _ignores_down_to(root: Path, rel: str, base: _Ignores, diagnostics: list[Diagnostic],
                     cache: _SpecCache) -> _Ignores:
    """The gitignore chain from the root to the directory holding ``rel``."""
    ignores = base.with_dir("", _maybe_spec(root, "", diagnostics, cache))
    parts = rel.split("/")[:-1] if rel else []
    for i in range(len(parts)):
        rel_dir = "/".join(parts[: i + 1])
        ignores = ignores.with_dir(rel_dir, _maybe_spec(root / rel_dir, rel_dir, diagnostics, cache))
    return ignores


_SpecCache = dict[str, "pathspec.GitIgnoreSpec | None"]


def _maybe_spec(directory: Path, rel_dir: str, diagnostics: list[Diagnostic],
                cache: _SpecCache) -> pathspec.GitIgnoreSpec | None:
    """The directory's .gitignore, read once per scan however many given paths share it."""
    if rel_dir not in cache:
        candidate = directory / ".gitignore"
        cache[rel_dir] = (_read_ignore_file(candidate, diagnostics, f"{rel_dir}/.gitignore".lstrip("/"))
                          if os.path.lexists(candidate) else None)
    return cache[rel_dir]


def _excluded(excludes: pathspec.GitIgnoreSpec, rel: str, is_dir: bool) -> bool:
    return bool(excludes.match_file(rel + "/" if is_dir else rel))


def _walk(root: Path, directory: Path, rel_dir: str, ignores: _Ignores, excludes: pathspec.GitIgnoreSpec,
          max_bytes: int, diagnostics: list[Diagnostic], cache: _SpecCache) -> Iterator[SourceFile]:
    if rel_dir.count("/") >= MAX_DEPTH:
        diagnostics.append(Diagnostic(rel_dir, f"directory nested too deep (over {MAX_DEPTH} levels): not descended"))
        return
    if rel_dir:
        ignores = ignores.with_dir(rel_dir, _maybe_spec(directory, rel_dir, diagnostics, cache))
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        diagnostics.append(Diagnostic(rel_dir or ".", f"directory could not be read: {exc.strerror or exc}"))
        return
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if not is_dir and entry.is_symlink() and _is_dir(entry):
            if not (_excluded(excludes, rel, True) or ignores.ignored(rel, True)):
                diagnostics.append(Diagnostic(rel, "symlink to a directory: not followed"))
            continue
        if is_dir:
            if _excluded(excludes, rel, True) or ignores.ignored(rel, True):
                continue
            if os.path.lexists(os.path.join(entry.path, "pyvenv.cfg")):
                continue  # a virtual environment under any name
            yield from _walk(root, Path(entry.path), rel, ignores, excludes, max_bytes, diagnostics, cache)
        else:
            sf = _take_file(root, Path(entry.path), rel, ignores, excludes, max_bytes, diagnostics)
            if sf:
                yield sf


def read_listed(path: Path, listed_size: int) -> bytes:
    """The bytes of a file discovery listed, read as it still is. A file swapped for a FIFO or
    a device since (which would block or never end), or grown past what was listed, raises
    ``OSError`` with the reason instead of being read."""
    limit = max(listed_size, MAX_BYTES)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("no longer a regular file (changed during the scan)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError("grew past the size cap during the scan")
    return data


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _take_file(root: Path, path: Path, rel: str, ignores: _Ignores, excludes: pathspec.GitIgnoreSpec,
               max_bytes: int, diagnostics: list[Diagnostic]) -> SourceFile | None:
    kind = kind_of(path.name, rel)
    if kind is None:
        return None  # pre-commit may pass any file; only known kinds are scanned
    if _excluded(excludes, rel, False) or (ignores.ignored(rel, False) and kind is not FileKind.LOCKFILE):
        # A lock file on disk is what `uv sync` or `poetry install` reads, whatever .gitignore
        # says: projects commit theirs while an old `poetry.lock` line still lists it.
        return None
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            real = Path(os.path.realpath(path))
            if real != root and root not in real.parents:
                diagnostics.append(Diagnostic(rel, "symlink points outside the scanned root: not followed"))
                return None
            st = real.stat()
        if not stat.S_ISREG(st.st_mode):
            diagnostics.append(Diagnostic(rel, "not a regular file (FIFO, device or socket): not opened"))
            return None
    except OSError as exc:
        diagnostics.append(Diagnostic(rel, f"could not be read: {exc.strerror or exc}"))
        return None
    cap = LOCK_FILE_MAX_BYTES if kind is FileKind.LOCKFILE else max_bytes
    if st.st_size > cap and kind.read:
        diagnostics.append(Diagnostic(rel, f"larger than the {cap // 1024} KiB size cap: skipped"))
        return None
    return SourceFile(path=path, rel=rel, kind=kind, size=st.st_size)

