"""What a repository declares it depends on, joined across every manifest kind, and what its
Python code imports.

``ImportFacts`` records each file's third-party import candidates and ``setup()`` requirement
lists; ``declarations`` reads requirements files, pyproject (PEP 621, optional dependencies,
dependency groups, Poetry), setup.cfg, Pipfile and conda environment files. Everything is read,
nothing is installed or imported.
"""

from __future__ import annotations

import ast
import configparser
import functools
import re
import sys
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from tfa_lint.model import FileKind, Repo, path_role
from tfa_lint.rule import AstCollector, FactData
from tfa_lint.sources import toml_text
from tfa_lint.sources.pyproject import Pyproject
from tfa_lint.sources.requirements import RequirementsFile

from .ast_nodes import find_all, is_named
from .ast_source import Source, names_in, simple_string, source
from .distributions import GENERATED, NAME_PREFIXES, NAME_SUFFIXES, NAMESPACE_PREFIXES, PROVIDERS, TRANSITIVE

_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__", "__main__"}
_OPTIONAL_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
#: `if` tests that select an operating system: `sys.platform`, `platform.system()`, `os.name`,
#: or a flag named for one (`IS_WINDOWS`, `_is_mac`).
_PLATFORM_ATTRS = {("sys", "platform"), ("platform", "system"), ("os", "name"), ("platform", "machine")}
_PLATFORM_FLAG_RE = re.compile(r"(?i)^_?(is|on|running_on)_?(win(dows|32)?|mac(os)?|darwin|linux|posix|osx)$")


@dataclass(frozen=True)
class ImportFact(FactData):
    """An absolute import of a module outside the standard library, by its dotted name."""

    kind = "import"
    module: str
    optional: bool  # guarded: try/except ImportError, `if TYPE_CHECKING:`, a platform branch
    lazy: bool  # inside a function body


@dataclass(frozen=True)
class SetupRequiresFact(FactData):
    """The requirements a ``setup()`` call lists in ``install_requires`` or ``extras_require``."""

    kind = "setup-requires"
    requirements: list[str]
    dynamic: bool  # not a literal list: read at build time, from a file or code


class ImportFacts(AstCollector):
    """Absolute imports of non-stdlib modules ("import" facts) and literal ``setup()``
    requirement lists ("setup-requires" facts). An import is ``optional`` inside
    try/except ImportError, ``if TYPE_CHECKING:`` or a branch on the operating system, and
    ``lazy`` inside a function body (deferred until the feature runs)."""

    name = "imports"
    records = (ImportFact, SetupRequiresFact)

    def _optional(self, node: ast.AST) -> bool:
        """Anywhere in a ``try`` statement with a handler of ImportError (its handlers, ``else``
        and ``finally`` included), or in an ``if`` (or ``elif``) statement on ``TYPE_CHECKING``
        or the operating system (its ``else`` included)."""
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, ast.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
                return True
            if isinstance(ancestor, ast.If) and (_is_type_checking(ancestor.test) or _is_platform_test(ancestor.test)):
                return True
        return False

    def visit_Import(self, node: ast.Import) -> None:
        src = source(self.file.text)
        for alias in node.names:
            self._record(_AS_RE.sub("", src.segment(alias)), node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        src = source(self.file.text)
        written = _FROM_RE.match(src.text, src.offset(node.lineno, node.col_offset))
        self._record(written.group(1) if written else node.module, node)

    def _record(self, dotted: str, node: ast.AST) -> None:
        if dotted.split(".")[0] in _STDLIB:
            return
        self.record(ImportFact(module=dotted, optional=self._optional(node),
                               lazy=not self.semantic.at_module_level(node)), node)

    def visit_Call(self, node: ast.Call) -> None:
        if not is_named(node.func, "setup"):
            return
        src = source(self.file.text)
        for keyword in node.keywords:
            if keyword.arg not in ("install_requires", "extras_require"):
                continue
            strings = (_string_list(src, keyword.value) if keyword.arg == "install_requires"
                       else _string_dict(src, keyword.value))
            self.record(SetupRequiresFact(requirements=strings if strings is not None else [],
                                          dynamic=strings is None), node)


#: A module's name as written (libcst's code for it), which keeps any space around its dots:
#: an alias without its ``as`` name, and what stands between ``from`` and ``import``.
_AS_RE = re.compile(r"(?:\s|\\\r?\n)+as(?:\s|\\\r?\n)+\w+\Z")
_FROM_RE = re.compile(r"from(?:\s|\\\r?\n)+(.*?)(?:\s|\\\r?\n)+import\b", re.DOTALL)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    return bool(names_in(handler.type) & _OPTIONAL_IMPORT_ERRORS)


def _is_type_checking(test: ast.expr) -> bool:
    return is_named(test, "TYPE_CHECKING")


def _is_platform_test(test: ast.expr) -> bool:
    """An `if` (or `elif`) on the operating system: such branches import per-platform packages
    that manifests declare with markers, or that come with the platform."""
    for node in find_all(test, ast.Attribute):
        if isinstance(node.value, ast.Name) and (node.value.id, node.attr) in _PLATFORM_ATTRS:
            return True
    return any(_PLATFORM_FLAG_RE.match(name) for name in names_in(test))


def _string_list(src: Source, node: ast.expr) -> list[str] | None:
    """The strings of a literal list or tuple, each one plain literal (``*"ab"`` counts as ``"ab"``,
    as libcst's starred element did)."""
    if not isinstance(node, (ast.List, ast.Tuple)):
        return None
    out = []
    for element in node.elts:
        value = simple_string(src, element.value if isinstance(element, ast.Starred) else element)
        if value is None:
            return None
        out.append(value)
    return out


def _string_dict(src: Source, node: ast.expr) -> list[str] | None:
    if not isinstance(node, ast.Dict):
        return None
    out: list[str] = []
    for key, value in zip(node.keys, node.values):
        values = _string_list(src, value) if key is not None else None  # None: `**mapping`
        if values is None:
            return None
        out += values
    return out


# -- declarations -------------------------------------------------------------------------

@dataclass(frozen=True)
class Declaration:
    name: str  # canonical distribution name
    spec: str  # the requirement as written
    path: str
    line: int
    upper_bounded: bool


@dataclass(frozen=True)
class Declarations:
    by_name: dict[str, list[Declaration]]
    manifests: tuple[str, ...]  # paths of every manifest found
    dynamic: str | None  # a manifest whose requirements cannot be read statically

    def declares(self, canonical: str) -> bool:
        return canonical in self.by_name

    @functools.cached_property
    def squashed(self) -> frozenset[str]:
        """Declared names without separators (``swe-rex`` → ``swerex``), for affix matching."""
        return frozenset(_squashed(name) for name in self.by_name)


def _requirement(spec: str, path: str, line: int) -> Declaration | None:
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        return None
    bounded = any(s.operator in ("==", "===", "~=", "<", "<=") for s in req.specifier) or bool(req.url)
    return Declaration(canonicalize_name(req.name), spec, path, line, bounded)


def _pyproject_specs(pyproject: Pyproject) -> list[str]:
    data = pyproject.data
    specs = list(pyproject.dependencies)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    for group in (project.get("optional-dependencies") or {}).values():
        specs += [s for s in group if isinstance(s, str)] if isinstance(group, list) else []
    for group in (data.get("dependency-groups") or {}).values():
        specs += [s for s in group if isinstance(s, str)] if isinstance(group, list) else []
    poetry = (data.get("tool") or {}).get("poetry") or {}
    for group in ((poetry.get("group") or {}) if isinstance(poetry, dict) else {}).values():
        deps = group.get("dependencies") if isinstance(group, dict) else None
        specs += list(deps) if isinstance(deps, dict) else []
    for key in ("dev-dependencies",):
        deps = poetry.get(key) if isinstance(poetry, dict) else None
        specs += list(deps) if isinstance(deps, dict) else []
    return specs


def _poetry_main_constraints(pyproject: Pyproject) -> dict[str, object]:
    """``[tool.poetry.dependencies]`` keys that are not also PEP 621 strings, with their constraint."""
    poetry = (pyproject.data.get("tool") or {}).get("poetry") or {}
    deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
    project = pyproject.data.get("project") if isinstance(pyproject.data.get("project"), dict) else {}
    pep621 = set(project.get("dependencies") or [])
    return {k: v for k, v in deps.items() if k not in pep621} if isinstance(deps, dict) else {}


def _poetry_bounded(constraint: object) -> bool:
    """A Poetry constraint with an upper bound: caret/tilde, `<`, an exact version, or a VCS/path source."""
    if isinstance(constraint, list):
        return bool(constraint) and all(_poetry_bounded(c) for c in constraint)
    if isinstance(constraint, dict):
        return _poetry_bounded(constraint["version"]) if "version" in constraint else True
    if not isinstance(constraint, str):
        return False
    return all(any(part.strip().startswith(("^", "~", "<", "=", *"0123456789")) for part in alt.split(","))
               for alt in constraint.split("||"))


_CONDA_LINE_RE = re.compile(r"^\s*-\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def declarations(repo: Repo) -> Declarations:
    """Every dependency any manifest of the repository declares (runtime, optional and dev)."""
    if "declarations" in repo.memo:
        return repo.memo["declarations"]
    found: list[Declaration] = []
    manifests: list[str] = []
    dynamic: str | None = None
    for req_file in repo.artifacts(FileKind.REQUIREMENTS):
        assert isinstance(req_file, RequirementsFile)
        manifests.append(req_file.path)
        found += [d for e in req_file.requirements
                  if (d := _requirement(e.text.split(" --")[0], req_file.path, e.line))]
    for pyproject in repo.artifacts(FileKind.PYPROJECT):
        assert isinstance(pyproject, Pyproject)
        specs = _pyproject_specs(pyproject)
        project = pyproject.data.get("project") if isinstance(pyproject.data.get("project"), dict) else {}
        if specs or project:
            manifests.append(pyproject.path)
        line = pyproject.dependencies_line
        poetry = _poetry_main_constraints(pyproject)
        pep621 = set(project.get("dependencies") or []) if isinstance(project.get("dependencies"), list) else set()
        for spec in specs:
            item_line = (toml_text.array_item_line(pyproject.text, "project", "dependencies", spec)
                         if spec in pep621 else line)
            decl = _requirement(spec, pyproject.path, item_line)
            if decl and spec in poetry:
                # Poetry gives the constraint as the table value (`langchain = "^0.3"`), not in the key.
                decl = replace(decl, spec=f"{spec} {poetry[spec]}", upper_bounded=_poetry_bounded(poetry[spec]),
                               line=toml_text.line_of(pyproject.text, "tool.poetry.dependencies", spec))
            found += [decl] if decl else []
        if "dependencies" in (project.get("dynamic") or []) and not repo.artifacts(FileKind.REQUIREMENTS):
            dynamic = pyproject.path
    for cfg in repo.artifacts(FileKind.SETUP_CFG):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(cfg.text)
        except configparser.Error:
            continue
        if parser.has_option("options", "install_requires"):
            manifests.append(cfg.path)
            found += [d for s in parser.get("options", "install_requires").splitlines()
                      if s.strip() and (d := _requirement(s.strip(), cfg.path, 1))]
    for fact in repo.facts(SetupRequiresFact):
        manifests.append(fact.path)
        if fact.data.dynamic and not repo.artifacts(FileKind.REQUIREMENTS):
            dynamic = fact.path
        found += [d for s in fact.data.requirements if (d := _requirement(s, fact.path, fact.line))]
    for art in repo.artifacts(FileKind.PIPFILE):
        manifests.append(art.path)
        found += [Declaration(canonicalize_name(n), n, art.path, 1, False)
                  for n in re.findall(r"(?m)^\s*\"?([A-Za-z0-9][A-Za-z0-9._-]*)\"?\s*=", art.text)]
    for art in repo.artifacts(FileKind.CONDA):
        manifests.append(art.path)
        found += [Declaration(canonicalize_name(mo.group(1)), mo.group(1), art.path, 1, False)
                  for mo in map(_CONDA_LINE_RE.match, art.lines) if mo]
    by_name: dict[str, list[Declaration]] = {}
    for decl in found:
        by_name.setdefault(decl.name, []).append(decl)
    result = Declarations(by_name, tuple(dict.fromkeys(manifests)), dynamic)
    repo.memo["declarations"] = result
    return result


def first_party_roots(repo: Repo) -> set[str]:
    """Top-level names the repository itself provides: every package directory and module
    stem anywhere in the tree (src layouts, monorepo sub-projects, scripts importing siblings)."""
    if "first-party" in repo.memo:
        return repo.memo["first-party"]
    roots: set[str] = set()
    for path in repo.files_of(FileKind.PYTHON):
        parts = path.split("/")
        roots.update(parts[:-1])
        roots.add(parts[-1].removesuffix(".py"))
    repo.memo["first-party"] = roots
    return roots


def distribution_candidates(module: str) -> tuple[str, ...]:
    """Canonical distribution names that may provide ``module`` (dotted import path), the one
    a finding should suggest first: the hand-kept table, then the names wheels install, then
    the import name itself."""
    return _candidates(module)


@functools.lru_cache(maxsize=8192)
def _candidates(module: str) -> tuple[str, ...]:
    parts = module.split(".")
    found: list[str] = []
    for table in (PROVIDERS, GENERATED):
        for depth in range(len(parts), 0, -1):
            key = ".".join(parts[:depth])
            if key in table:
                found += table[key]
                break
    if parts[0] in NAMESPACE_PREFIXES and len(parts) > 1:
        found += [canonicalize_name("-".join(parts[:3])), canonicalize_name("-".join(parts[:2]))]
    elif not found or parts[0] not in PROVIDERS:
        found.append(canonicalize_name(parts[0].replace("_", "-")))
    return tuple(dict.fromkeys(found))


def _squashed(name: str) -> str:
    return re.sub(r"[-_.]+", "", name.lower())


def affixed_names(root: str) -> frozenset[str]:
    """What a distribution providing ``import root`` may be called, separators removed:
    ``ulid`` → ``pythonulid``, ``pyulid``, ``ulidpy``, ``ulidsdk``… (``NAME_PREFIXES`` and
    ``NAME_SUFFIXES``)."""
    key = _squashed(root)
    heads = ("", *NAME_PREFIXES)
    tails = ("", *NAME_SUFFIXES)
    return frozenset(f"{head}{key}{tail}" for head in heads for tail in tails)


def is_declared(module: str, decl: Declarations, brought: frozenset[str] = frozenset()) -> bool:
    """Whether some manifest declares a distribution that provides ``module``, or one that a
    lock file records as requiring it (``brought``: the lock pins it, and it comes with a
    declared distribution)."""
    root = module.split(".")[0]
    candidates = distribution_candidates(module)
    if any(decl.declares(c) or c in brought for c in candidates):
        return True
    prefixes = NAMESPACE_PREFIXES.get(root, ())
    if prefixes and any(name.startswith(prefixes) for name in decl.by_name):
        return True
    if root in TRANSITIVE:
        providers = TRANSITIVE[root]
        if not providers or any(decl.declares(p) for p in providers):
            return True
    return not prefixes and not affixed_names(root).isdisjoint(decl.squashed)


def third_party_imports(repo: Repo) -> list[tuple[str, str, int, int]]:
    """(module, path, line, column) of every unconditional import of a third-party module in
    the repository's own source (not tests, examples or scripts), in file order."""
    first_party = first_party_roots(repo)
    return [(f.data.module, f.path, f.line, f.column) for f in repo.facts(ImportFact)
            if not f.data.optional and path_role(f.path) == "src"
            and f.data.module.split(".")[0] not in first_party]
