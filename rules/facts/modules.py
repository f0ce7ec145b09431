"""Which of a repository's modules its services run: the first-party import graph.

``ModuleGraphFacts`` records, per Python file, the modules it imports (anywhere in the file:
start-up, function bodies, ``importlib.import_module("literal")``), the modules its string
literals name (``"pkg.tasks"``, ``"pkg.main:app"``: Celery ``include``, uvicorn targets, lazy
``__getattr__`` tables; and command lines it starts: ``"python -m pkg.job"``,
``"python job.py"``), whether it loads modules from file paths (a plugin loader), and its
``while True`` loops that a person stops with Ctrl-C. ``service_modules`` walks the graph from
the modules that serve: those that build a web app, start a server or run a service loop, and
those a declared process runs.
"""

from __future__ import annotations

import ast
import posixpath
import re
import sys
from dataclasses import dataclass

from tfa_lint.model import FileKind, Repo, path_role
from tfa_lint.rule import AstCollector, FactData

from .ast_nodes import callee_name, find_all
from .ast_source import (
    call_arguments,
    fstring_part,
    is_format_spec,
    names_in,
    simple_string,
    source,
    string_tokens,
)
from .processes import AppFact, LoopFact, ServerRunFact, SigtermHandlerFact, commands, resolve_module, traits

#: Calls that load a module from a file path: the modules of the loader's package are its plugins.
_FILE_LOADERS = {"spec_from_file_location", "SourceFileLoader", "SourcelessFileLoader", "run_path", "load_source"}
_IMPORT_CALLS = {"import_module", "__import__"}
_DOTTED_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*")
_SCRIPT_RE = re.compile(r"(?:\./)?[A-Za-z_]\w*(?:/[A-Za-z_]\w*)*\.py")
_COMMAND_RE = re.compile(r"\bpython[\d.]*\s+(?:-\w+\s+)*?(?:-m\s+([A-Za-z_][\w.]*)|(?:\./)?([A-Za-z_]\w*(?:/[A-Za-z_]\w*)*)\.py\b)")
#: Files kept but no longer run: a server module named so is not an entry point.
_RETIRED_RE = re.compile(r"(?i)(^|/)(archived?|attic|deprecated|obsolete|unused)(/|_)|_(archived?|deprecated|obsolete|old|bak|backup)\.py$")
_STDLIB = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class ModuleGraphFact(FactData):
    """What one Python file imports, and how it loads plugins."""

    kind = "module-graph"
    imports: list[str]  # dotted module names, sorted
    relative: list[str]  # repository paths without the .py suffix, sorted
    loads_files: bool  # it imports modules by file path (plugins)
    interrupted_loops: list[int]  # lines of `while True` loops a KeyboardInterrupt handler stops


class ModuleGraphFacts(AstCollector):
    """One "module-graph" fact per Python file: what it imports, and how it loads plugins."""

    name = "module-graph"
    records = (ModuleGraphFact,)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._imports: set[str] = set()  # dotted module names
        self._relative: set[str] = set()  # repository paths without the .py suffix
        self._loads_files = False
        self._interrupted: list[int] = []  # lines of loops inside `try: … except KeyboardInterrupt`
        self._source = source(file.text)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._imports.add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        names = [a.name for a in node.names if a.name != "*"]
        if node.level:
            base = posixpath.dirname(self.file.path)
            for _ in range(node.level - 1):
                base = posixpath.dirname(base)
            prefix = posixpath.join(base, module.replace(".", "/")) if module else base
            self._relative.update([prefix, *(posixpath.join(prefix, n) for n in names)])
        elif module:
            self._imports.update([module, *(f"{module}.{n}" for n in names)])

    def visit_Call(self, node: ast.Call) -> None:
        callee = callee_name(node.func) or ""
        if callee in _FILE_LOADERS:
            self._loads_files = True
        elif callee in _IMPORT_CALLS:
            arguments = call_arguments(node)
            value = simple_string(self._source, arguments[0].value) if arguments else None
            if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*", value):
                self._imports.add(value)

    def _plain_strings(self, node: ast.Constant | ast.JoinedStr) -> None:
        """Module names in each plain string literal (libcst's ``SimpleString``: the parts of an
        implicit concatenation one by one)."""
        segment_hint = self._source.segment(node)
        if not ("." in segment_hint or ":" in segment_hint or "python" in segment_hint):
            return  # no token of it can name a module
        for raw, value in string_tokens(self._source, node):
            if len(raw) > 300 or not ("." in raw or ":" in raw or "python" in raw):
                continue
            if not isinstance(value, str):
                continue
            if _DOTTED_RE.fullmatch(value):
                self._imports.add(value.split(":")[0])
            elif _SCRIPT_RE.fullmatch(value):
                self._imports.add(value.removeprefix("./")[:-3].replace("/", "."))
            elif "python" in value:  # a command line the process starts: `python -m pkg.job`, `python job.py`
                self._imports.update(m.group(1) or m.group(2).replace("/", ".") for m in _COMMAND_RE.finditer(value))

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, (str, bytes)) and not fstring_part(self.semantic, node):
            self._plain_strings(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if not is_format_spec(self.semantic, node):
            self._plain_strings(node)

    def visit_Try(self, node: ast.Try) -> None:
        if any(_catches(h, "KeyboardInterrupt") for h in node.handlers):
            self._interrupted += [self.position(w)[0] for statement in node.body
                                  for w in find_all(statement, ast.While) if _forever(w.test)]

    def leave_Module(self, node: ast.Module) -> None:
        self.record(ModuleGraphFact(imports=sorted(self._imports), relative=sorted(self._relative),
                                    loads_files=self._loads_files, interrupted_loops=self._interrupted))


def _forever(test: ast.expr) -> bool:
    """``True`` or ``1``."""
    return isinstance(test, ast.Constant) and (test.value is True or (type(test.value) is int and test.value == 1))


def _catches(handler: ast.ExceptHandler, name: str) -> bool:
    """The handler names ``name``, alone, in a tuple or as an attribute (``errors.Interrupt``)."""
    return handler.type is not None and name in names_in(handler.type)


class _Index:
    """Every Python file under each dotted name it can be imported as (``a/b/c.py``: ``a.b.c``,
    ``b.c``, ``c``), with the directory that name is relative to."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = set(paths)
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        for path in paths:
            parts = path[:-3].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            for cut in range(len(parts)):
                self.by_name.setdefault(".".join(parts[cut:]), []).append(("/".join(parts[:cut]), path))

    def resolve(self, name: str, importer: str) -> list[str]:
        """The files ``import name`` in ``importer`` runs, its parent packages' ``__init__.py``
        included. A name is searched from the importer's own tree outwards (the nearest
        directory that holds it wins); outside that tree only a name exactly one file answers
        to counts, and never a standard-library name."""
        candidates = self.by_name.get(name, ())
        mine = [c for c in candidates if not c[0] or importer.startswith(c[0] + "/")]
        if mine:
            nearest = max(len(c[0]) for c in mine)
            chosen = [c for c in mine if len(c[0]) == nearest]
        elif len(candidates) == 1 and name.split(".")[0] not in _STDLIB:
            chosen = list(candidates)
        else:
            return []
        found = [path for _, path in chosen]
        parts = name.split(".")
        for base, _ in chosen:
            for depth in range(1, len(parts)):
                init = posixpath.join(base, *parts[:depth], "__init__.py")
                if init in self.paths:
                    found.append(init)
        return found

    def resolve_path(self, stem: str) -> list[str]:
        return [c for c in (f"{stem}.py", f"{stem}/__init__.py") if c in self.paths]


def module_index(repo: Repo) -> _Index:
    """The repository's Python files by every dotted name they can be imported as (kept in
    ``repo.memo``): ``resolve(name, importer)`` and ``resolve_path(stem)`` answer imports."""
    if "module-index" not in repo.memo:
        repo.memo["module-index"] = _Index([p for p in repo.files_of(FileKind.PYTHON) if p.endswith(".py")])
    return repo.memo["module-index"]


def service_roots(repo: Repo) -> set[str]:
    """Modules that serve: they build a web app, start a server or run a service loop (not one
    a person stops with Ctrl-C), or a declared process runs them. Tests, examples and retired
    (``archived_*``) files are none."""
    graph = {f.path: f.data for f in repo.facts(ModuleGraphFact)}
    handles_sigterm = {f.path for f in repo.facts(SigtermHandlerFact)}
    roots = {f.path for f in repo.facts(AppFact)}
    roots.update(f.path for f in repo.facts(ServerRunFact) if f.data.reachable)
    for loop in repo.facts(LoopFact):
        # `while True` until the person at the terminal presses Ctrl-C, with no SIGTERM
        # handler: a foreground tool, not a service.
        interrupted = graph[loop.path].interrupted_loops if loop.path in graph else ()
        if loop.data.reachable and (loop.path in handles_sigterm or loop.line not in interrupted):
            roots.add(loop.path)
    python = set(repo.files_of(FileKind.PYTHON))
    for command in commands(repo):
        targets = command.python_targets() + command.app_targets()
        if command.runner:  # `celery -A pkg.worker worker`, `streamlit run app.py`
            targets += [w.split(":")[0].replace(".", "/") + ".py" for w in command.words
                        if re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(:\w+)?", w)]
            targets += [w for w in command.words if w.endswith(".py")]
        for target in targets:
            near = posixpath.normpath(posixpath.join(posixpath.dirname(command.path), target.lstrip("./")))
            path = near if near in python else resolve_module(repo, target)
            if path:
                roots.add(path)
    return {p for p in roots if path_role(p) in ("src", "script") and not _RETIRED_RE.search(p)}


def service_modules(repo: Repo) -> frozenset[str] | None:
    """The repository's modules a service runs: the roots of :func:`service_roots` and every
    module they import, transitively. A reached module that loads plugins from file paths
    brings in its package's modules and the modules that import what is reached.

    None when the repository declares a service but no Python module of it could be found
    (a shell entry script, an ``EXPOSE`` alone): then every source module may be service code.
    Empty when it has no service at all (its only loops are stopped with Ctrl-C)."""
    if "service-modules" in repo.memo:
        return repo.memo["service-modules"]
    roots = service_roots(repo)
    result: frozenset[str] | None
    if not roots:
        shape = traits(repo)
        declared = shape.is_service or any(c.runner for c in commands(repo))
        result = None if declared else frozenset()
    else:
        result = frozenset(_reach(repo, roots))
    repo.memo["service-modules"] = result
    return result


def _reach(repo: Repo, roots: set[str]) -> set[str]:
    graph = {f.path: f.data for f in repo.facts(ModuleGraphFact)}
    python = [p for p in repo.files_of(FileKind.PYTHON) if p.endswith(".py")]
    index = module_index(repo)
    edges: dict[str, set[str]] = {}

    def imported(path: str) -> set[str]:
        if path not in edges:
            data = graph.get(path)
            out: set[str] = set()
            for name in data.imports if data else ():
                out.update(index.resolve(name, path))
            for stem in data.relative if data else ():
                out.update(index.resolve_path(stem))
                parts = stem.split("/")
                for cut in range(1, len(parts)):
                    out.update(index.resolve_path("/".join(parts[:cut])))
            out.discard(path)
            edges[path] = out
        return edges[path]

    seen = set(roots)

    def walk(start: set[str]) -> None:
        todo = list(start)
        while todo:
            for target in imported(todo.pop()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)

    walk(roots)
    loaders = [p for p in seen if p in graph and graph[p].loads_files]
    if loaders:
        plugins: set[str] = set()
        runtime = [p for p in python if p not in seen and path_role(p) in ("src", "script")]
        for loader in loaders:
            package = _top_package(loader, index.paths)
            if package:
                plugins.update(p for p in runtime if p.startswith(package + "/"))
        # A plugin written against the framework imports it; the loader finds it by path.
        plugins.update(p for p in runtime if imported(p) & seen)
        seen |= plugins
        walk(plugins)
    return seen


def _top_package(path: str, paths: set[str]) -> str | None:
    """The outermost regular package (a chain of ``__init__.py``) holding ``path``."""
    parts = path.split("/")[:-1]
    top = None
    while parts and "/".join(parts) + "/__init__.py" in paths:
        top = "/".join(parts)
        parts.pop()
    return top
