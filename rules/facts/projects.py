"""What each project of the repository is: an application, a library or a command-line tool.

A *project* is a directory with a Python manifest of its own (``pyproject.toml`` with project
metadata, ``setup.py``, ``setup.cfg``, a requirements file, ``Pipfile``, a conda environment);
the top of the repository is always one. Every file belongs to the deepest project above it,
so a monorepo of independent apps is judged app by app. Deploy files (Dockerfiles, Procfiles,
compose files) belong to the project they sit in (a ``docker/`` directory is no project).

The kind comes from evidence in the files:

* **application**: deployed — a Dockerfile stage with a ``CMD``/``ENTRYPOINT``, a Procfile or
  a compose service building an image, that runs something other than the project's own
  console scripts — or simply not published (an app run from its source).
* **library**: published — a build backend with package metadata (classifiers, URLs,
  readme, licence, scripts…) or a ``setup()`` call with distribution metadata — and no deploy
  file of its own.
* **cli**: published with console scripts, deployed at most as an image whose command is one
  of those scripts (a container around the tool, not a service).

Rules ask :func:`projects` (memoised per run) and list :data:`COLLECTORS` in their
``collectors``. The decision is recorded on :attr:`tfa_lint.model.Repo.projects`, which the
reports show.
"""

from __future__ import annotations

import ast
import configparser
import enum
import functools
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

from tfa_lint.model import FileKind, ProjectKind, Repo, path_role
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.procfile import Procfile
from tfa_lint.sources.pyproject import Pyproject

from .ast_nodes import string_value
from .ast_source import (
    Source,
    concatenated,
    fstring_part,
    is_format_spec,
    source,
    string_tokens,
)
from .processes import RUNNERS, AppFact, Command, LoopFact, ProcessFacts, ServerRunFact, _words, resolve_module


class Kind(str, enum.Enum):
    APPLICATION = "application"
    LIBRARY = "library"
    CLI = "cli"


_MANIFEST_KINDS = (FileKind.PYPROJECT, FileKind.SETUP_CFG, FileKind.REQUIREMENTS, FileKind.PIPFILE, FileKind.CONDA)
_DEPLOY_KINDS = (FileKind.DOCKERFILE, FileKind.PROCFILE, FileKind.COMPOSE)
#: Directories that group a project's requirement files: the project is their parent.
_REQUIREMENTS_DIRS = {"requirements", "requirements.d", "reqs"}
#: Deploy files of test, CI and development-container set-ups deploy nothing.
_NOT_DEPLOY_RE = re.compile(r"(?i)(^|[/._-])(tests?|testing|e2e|integration|integration_tests|ci|\.github|"
                            r"\.devcontainer|devcontainer)([/._-]|$)")
#: Package metadata that only a distribution carries (PEP 621, Poetry).
_PEP621_PUBLISHED = ("classifiers", "urls", "keywords", "license", "scripts", "gui-scripts", "entry-points", "readme")
_POETRY_PUBLISHED = ("classifiers", "homepage", "repository", "documentation", "keywords", "license", "scripts",
                     "readme", "packages")
_SETUP_PUBLISHED = {"classifiers", "url", "long_description", "project_urls", "entry_points", "packages",
                    "py_modules", "install_requires"}
_REQUIREMENTS_NAME_RE = re.compile(r"^[\w./-]*requirements[\w.-]*\.(txt|in)$")
_CONSOLE_SCRIPT_RE = re.compile(r"^\s*([A-Za-z0-9][\w.-]*)\s*=\s*[\w.]+(:[\w.]+)?\s*$")


@dataclass(frozen=True)
class SetupCallFact(FactData):
    """A ``setup.py``'s ``setup()`` call: what it publishes and the requirement files it reads."""

    kind = "setup-call"
    keywords: list[str]  # sorted
    name: str  # "" when not a literal
    scripts: list[str]  # console scripts, sorted
    reads: list[str]  # requirement file names in the file's strings, sorted


class ProjectFacts(AstCollector):
    """What a ``setup.py`` publishes: its ``setup()`` keywords, console scripts, and the
    requirement files it reads (``install_requires=read("requirements.txt")``)."""

    name = "projects"
    records = (SetupCallFact,)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._on = posixpath.basename(file.path) == "setup.py"
        self._reads: list[str] = []
        self._setup: ast.Call | None = None
        self._keywords: list[str] = []
        self._scripts: list[str] = []

    def _plain_strings(self, node: ast.Constant | ast.JoinedStr) -> None:
        """Each plain string literal, the parts of an implicit concatenation one by one."""
        for _, value in string_tokens(source(self.file.text), node):
            if isinstance(value, str) and value and _REQUIREMENTS_NAME_RE.match(value):
                self._reads.append(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        if self._on and isinstance(node.value, str) and not fstring_part(self.semantic, node):
            self._plain_strings(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if self._on and not is_format_spec(self.semantic, node):
            self._plain_strings(node)

    def visit_Call(self, node: ast.Call) -> None:
        if not self._on or self._setup is not None:
            return
        if not self.qualified_names(node.func) & {"setuptools.setup", "distutils.core.setup"}:
            return
        self._setup = node
        self._keywords = [k.arg for k in node.keywords if k.arg is not None]
        for keyword in node.keywords:
            if keyword.arg == "entry_points":
                for string in _strings(source(self.file.text), keyword.value):
                    if (match := _CONSOLE_SCRIPT_RE.match(string)) and ":" in string:
                        self._scripts.append(match.group(1))

    def leave_Module(self, node: ast.Module) -> None:
        if self._setup is not None:
            name = next((string_value(k.value) for k in self._setup.keywords if k.arg == "name"), None)
            self.record(SetupCallFact(keywords=sorted(set(self._keywords)), name=name or "",
                                      scripts=sorted(set(self._scripts)), reads=sorted(set(self._reads))), self._setup)


def _strings(src: Source, node: ast.AST) -> Iterable[str]:
    """Every string literal in ``node`` (an implicit concatenation is one string), and those in
    the replacement fields of an f-string written alone, as libcst's children showed them."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Constant):
            if isinstance(current.value, str):
                yield current.value
        elif isinstance(current, ast.JoinedStr):
            if not concatenated(src, current):
                stack.extend(v for v in current.values if isinstance(v, ast.FormattedValue))
        elif isinstance(current, ast.FormattedValue):
            stack.append(current.value)
            if current.format_spec is not None:
                stack.extend(v for v in current.format_spec.values if isinstance(v, ast.FormattedValue))
        else:
            stack.extend(ast.iter_child_nodes(current))


#: What a rule that asks about projects must list in its ``collectors``.
COLLECTORS = (ProcessFacts, ProjectFacts)


@dataclass(frozen=True)
class Project:
    root: str  # "" for the top of the repository
    kind: Kind
    evidence: str  # one phrase: why this kind
    published: bool  # builds a distribution for an index
    deployed: bool  # a deploy file of its own runs it as something other than its console scripts
    #: Its own Python code runs as a long-running process: a web app, a server or a service loop
    #: reachable from an entry, or a declared command that starts a Python server or module.
    runs_python: bool
    manifests: tuple[str, ...]

    @property
    def is_application(self) -> bool:
        return self.kind is Kind.APPLICATION

    @property
    def label(self) -> str:
        return self.root or "."

    @property
    def runtime(self) -> bool:
        """Not a project of tests, examples or docs (by its directory)."""
        return not self.root or path_role(self.root + "/__init__.py") in ("src", "script")


@dataclass(frozen=True)
class Projects:
    items: tuple[Project, ...]  # by root
    #: Requirement files a publishing manifest reads its dependencies from (pyproject's
    #: dynamic dependencies, hatch's requirements hook, setup.py reading the file).
    published_requirements: frozenset[str]

    @functools.cached_property
    def _by_root(self) -> dict[str, Project]:
        return {p.root: p for p in self.items}

    def owner(self, path: str) -> Project:
        """The deepest project whose directory holds ``path``."""
        by_root = self._by_root
        directory = posixpath.dirname(path)
        while directory:
            if directory in by_root:
                return by_root[directory]
            directory = posixpath.dirname(directory)
        return by_root[""]

    def is_application(self, path: str) -> bool:
        return self.owner(path).is_application

    @property
    def applications(self) -> list[Project]:
        return [p for p in self.items if p.is_application]

    def publishes(self, requirements_path: str) -> bool:
        """A requirements file that is the published dependency list of a library or CLI,
        deployed by nothing of its own: its ranges are what users' resolvers should see."""
        return (requirements_path in self.published_requirements
                and not self.owner(requirements_path).is_application)

    def not_application_reason(self) -> str:
        """Why rules about deployed processes do not apply, for ``applies``."""
        kinds = sorted({p.kind.value for p in self.items if p.runtime and not p.is_application})
        if kinds:
            what = " and a ".join("CLI" if k == Kind.CLI.value else k for k in kinds)
            return f"a published {what}, not an application (no deploy file of its own runs a service)"
        return "no project is deployed or runs a long-running process"


def distribution_names(repo: Repo) -> set[str]:
    """Names the repository's manifests give their projects (pyproject, Poetry, ``setup()``,
    setup.cfg), outside tests and examples."""
    names: set[str] = set()
    for art in repo.artifacts(FileKind.PYPROJECT):
        if isinstance(art, Pyproject) and path_role(art.path) in ("src", "script"):
            project = art.data.get("project") if isinstance(art.data.get("project"), dict) else {}
            tool = art.data.get("tool") if isinstance(art.data.get("tool"), dict) else {}
            poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
            names.update(n for n in (project.get("name"), poetry.get("name")) if isinstance(n, str))
    names.update(f.data.name for f in repo.facts(SetupCallFact) if path_role(f.path) in ("src", "script"))
    for cfg in repo.artifacts(FileKind.SETUP_CFG):
        if match := re.search(r"(?m)^\s*name\s*=\s*([\w.-]+)\s*$", cfg.text):
            names.add(match.group(1))
    return {n for n in names if n}


def application_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when some project (outside tests, examples and docs) is an
    application that is deployed or runs a long-running process; else why not."""
    found = projects(repo)
    if any(p.runtime and p.is_application and (p.deployed or p.runs_python) for p in found.items):
        return None
    return found.not_application_reason()


def projects(repo: Repo) -> Projects:
    if "projects" in repo.memo:
        return repo.memo["projects"]
    roots: dict[str, list[str]] = {"": []}
    setup_paths = {f.path for f in repo.facts(SetupCallFact)}
    for ref in repo.files:
        if not _is_manifest(repo, ref.path, ref.kind, setup_paths):
            continue
        directory = posixpath.dirname(ref.path)
        if ref.kind is FileKind.REQUIREMENTS and posixpath.basename(directory).lower() in _REQUIREMENTS_DIRS:
            directory = posixpath.dirname(directory)
        roots.setdefault(directory, []).append(ref.path)

    def owner(path: str) -> str:
        directory = posixpath.dirname(path)
        while directory and directory not in roots:
            directory = posixpath.dirname(directory)
        return directory

    setups = {posixpath.dirname(f.path): f for f in repo.facts(SetupCallFact)}
    deploys: dict[str, list[Command]] = {}
    for command in _deploy_commands(repo):
        deploys.setdefault(owner(command.path), []).append(command)
    python: dict[str, list] = {}
    for fact in repo.facts(AppFact, ServerRunFact, LoopFact):
        if path_role(fact.path) == "src" and (isinstance(fact.data, AppFact) or fact.data.reachable):
            python.setdefault(owner(fact.path), []).append(fact)

    items: list[Project] = []
    published_requirements: set[str] = set()
    for root, manifests in sorted(roots.items()):
        pyproject = repo.artifact(posixpath.join(root, "pyproject.toml"))
        setup = setups.get(root)
        published, scripts, reads = _publishing(pyproject if isinstance(pyproject, Pyproject) else None, setup,
                                                repo.artifact(posixpath.join(root, "setup.cfg")))
        published_requirements.update(posixpath.normpath(posixpath.join(root, r)) for r in reads)
        commands = deploys.get(root, [])
        services = [c for c in commands if not _runs_script(c, scripts)]
        runs_python = bool(python.get(root)) or any(_starts_python(repo, c) for c in services)
        if services:
            kind, evidence = Kind.APPLICATION, f"deployed by {_where(services[0])}"
        elif published:
            kind = Kind.CLI if scripts else Kind.LIBRARY
            evidence = f"published by {published}" + (
                f"; {_where(commands[0])} runs its `{_command_name(commands[0])}` command" if commands else "")
        else:
            kind, evidence = Kind.APPLICATION, "not published: run from its source"
        items.append(Project(root, kind, evidence, bool(published), bool(services), runs_python, tuple(manifests)))
    result = Projects(tuple(items), frozenset(published_requirements))
    repo.memo["projects"] = result
    repo.projects[:] = [ProjectKind(p.label, p.kind.value, p.evidence) for p in items
                        if p.runtime and (p.manifests or deploys.get(p.root) or len(items) == 1)]
    return result


def _is_manifest(repo: Repo, path: str, kind: FileKind, setups: set[str]) -> bool:
    if kind is FileKind.PYTHON:
        return path in setups  # a setup.py that calls setuptools' setup(), not any module so named
    if kind not in _MANIFEST_KINDS:
        return False
    if kind is FileKind.PYPROJECT:
        art = repo.artifact(path)
        data = art.data if isinstance(art, Pyproject) else {}
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        return bool(data.get("project") or data.get("build-system") or tool.get("poetry"))
    return True


def _publishing(pyproject: Pyproject | None, setup, cfg) -> tuple[str, set[str], list[str]]:  # type: ignore[no-untyped-def]
    """(what publishes the project, or "", its console scripts, the requirement files its
    published dependencies are read from)."""
    published = ""
    scripts: set[str] = set()
    reads: list[str] = []
    if pyproject is not None:
        data = pyproject.data
        build = data.get("build-system") if isinstance(data.get("build-system"), dict) else {}
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
        for table in (project.get("scripts"), project.get("gui-scripts"), poetry.get("scripts")):
            scripts.update(table if isinstance(table, dict) else ())
        backend = build.get("build-backend")
        metadata = [k for k in _PEP621_PUBLISHED if project.get(k)] if project.get("name") else []
        if poetry.get("name") and poetry.get("package-mode") is not False:
            metadata += [k for k in _POETRY_PUBLISHED if poetry.get(k)]
        if backend and metadata:
            published = f"pyproject.toml (build backend, {', '.join(dict.fromkeys(metadata))})"
        reads += _dynamic_requirement_files(tool)
    if setup is not None:
        keywords = set(setup.data.keywords)
        if "name" in keywords and keywords & _SETUP_PUBLISHED and not published:
            published = f"setup.py (setup() with {', '.join(sorted(keywords & _SETUP_PUBLISHED)[:3])})"
        scripts.update(setup.data.scripts)
        if "install_requires" in keywords:
            reads += setup.data.reads
    if cfg is not None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(cfg.text)
        except configparser.Error:
            parser = configparser.ConfigParser()
        if parser.has_option("metadata", "name") and not published:
            published = "setup.cfg ([metadata] name)"
        if parser.has_option("options.entry_points", "console_scripts"):
            scripts.update(m.group(1) for line in parser.get("options.entry_points", "console_scripts").splitlines()
                           if (m := _CONSOLE_SCRIPT_RE.match(line)))
    return published, scripts, reads


def _dynamic_requirement_files(tool: dict) -> list[str]:
    """``[tool.setuptools.dynamic] dependencies = {file = …}`` (and optional dependencies),
    and hatch-requirements-txt's ``files``."""
    out: list[str] = []
    setuptools = tool.get("setuptools") if isinstance(tool.get("setuptools"), dict) else {}
    dynamic = setuptools.get("dynamic") if isinstance(setuptools.get("dynamic"), dict) else {}
    entries = [dynamic.get("dependencies")]
    optional = dynamic.get("optional-dependencies")
    entries += list(optional.values()) if isinstance(optional, dict) else []
    hatch = tool.get("hatch") if isinstance(tool.get("hatch"), dict) else {}
    hooks = ((hatch.get("metadata") or {}).get("hooks") or {}) if isinstance(hatch.get("metadata"), dict) else {}
    hook = hooks.get("requirements_txt") if isinstance(hooks, dict) else None
    entries.append({"file": hook.get("files")} if isinstance(hook, dict) else None)
    for entry in entries:
        files = entry.get("file") if isinstance(entry, dict) else None
        out += [files] if isinstance(files, str) else [f for f in files or () if isinstance(f, str)]
    return out


def _deploy_commands(repo: Repo) -> list[Command]:
    """What the repository's own deploy files run: every Dockerfile stage's CMD/ENTRYPOINT (a
    multi-stage file may build several services), Procfile processes, and compose services
    that build an image (their command, or "" when the image's own command runs)."""
    out: list[Command] = []
    for art in repo.artifacts(FileKind.DOCKERFILE):
        if not isinstance(art, Dockerfile) or not _deploys(art.path):
            continue
        for stage in art.stages:
            entry = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"][-1:]
            cmd = [i for i in stage.instructions if i.keyword == "CMD"][-1:]
            words: tuple[str, ...] = ()
            for ins in entry + cmd:
                words += _words(ins.exec_form if ins.exec_form is not None else ins.value)
            if words and not _foreign(stage.image, words):
                out.append(Command(art.path, (entry + cmd)[-1].line, words, "CMD"))
    for art in repo.artifacts(FileKind.PROCFILE):
        if isinstance(art, Procfile) and _deploys(art.path):
            out += [Command(art.path, p.line, _words(p.command), p.name) for p in art.processes]
    for art in repo.artifacts(FileKind.COMPOSE):
        if isinstance(art, ComposeFile) and _deploys(art.path):
            dockerfiles = any(c.path.startswith(posixpath.dirname(art.path)) for c in out if c.name == "CMD")
            for svc in art.services:
                words = _words(svc.entrypoint) + _words(svc.command)
                if svc.builds and (words or not dockerfiles):
                    out.append(Command(art.path, svc.line, words, svc.name))
    return out


def _deploys(path: str) -> bool:
    return path_role(path) == "src" and not _NOT_DEPLOY_RE.search(path)


#: Images and commands of servers in other languages (a web front end, a docs site): a
#: Dockerfile stage running one deploys something beside the Python project, not the project.
_FOREIGN = frozenset({"nginx", "node", "npm", "npx", "yarn", "pnpm", "bun", "deno", "next", "bundle", "jekyll",
                      "caddy", "httpd", "httpd-foreground", "apache2", "java", "ruby", "php", "php-fpm", "hugo",
                      "openresty", "traefik", "envoy", "golang"})


def _foreign(image: str, words: tuple[str, ...]) -> bool:
    base = image.rsplit("/", 1)[-1].split(":")[0].split("@")[0].lower()
    first = posixpath.basename(words[0]).lower() if words else ""
    return base in _FOREIGN or first in _FOREIGN


def _command_name(command: Command) -> str:
    words = [w for w in command.words if not re.match(r"^\w+=", w)]
    return posixpath.basename(words[0]) if words else ""


def _runs_script(command: Command, scripts: set[str]) -> bool:
    """The command runs one of the project's own console scripts (a container around the tool)."""
    return _command_name(command) in scripts


def _starts_python(repo: Repo, command: Command) -> bool:
    """The command starts a Python server or worker, or runs one of the repository's modules."""
    if command.runner is not None and command.runner in RUNNERS:
        return True
    return any(resolve_module(repo, target) for target in command.python_targets())


def _where(command: Command) -> str:
    what = "CMD" if command.name == "CMD" else f"`{command.name}`"
    return f"{command.path} ({what})"
