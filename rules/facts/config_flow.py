"""Configuration that crosses modules: the literal constants a module defines, and the calls of
other modules that use them.

``ConfigFlowFacts`` records, per Python file, its module constants (``QDRANT_URL = "http://…"``,
``TEMPERATURE = 0.7``; a class attribute of a plain module-level class as ``Config.MODEL``)
assigned once, by a literal; and each argument of a call that locates a service or picks a model
which names an imported constant (``QdrantClient(url=config.QDRANT_URL)``,
``requests.get(settings.API_URL + "/x")``, ``ChatOpenAI(model=MODEL)`` after
``from app.config import MODEL``; a name bound nowhere after ``from app.config import *``), and assignments to another module's attribute
(``config.MODEL = args.model``: the constant is set at run time). :func:`constant_uses` joins
them through the repository's module map.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tfa_lint.model import Fact, Repo, path_role
from tfa_lint.rule import AstCollector, FactData

from .ast_nodes import callee_name
from .ast_source import call_arguments
from .backing_clients import client_for
from .config_reads import MODEL_KWARGS, is_llm_call
from .modules import module_index
from .projects import COLLECTORS as PROJECT_COLLECTORS
from .projects import projects

#: How a use's argument locates what the call talks to (the rule judges the constant's value by it).
SERVICE_URL = "service-url"  # a backing-service URL slot: `create_engine(#0)`, `Celery(broker=)`
HOST = "host"  # a backing-service host slot: any literal host there names one deploy's service
ENDPOINT = "endpoint"  # an LLM endpoint, an HTTP call's URL, a `base_url=`/`url=`/`host=` argument
MODEL = "model"  # an LLM call's `model=`
TEMPERATURE = "temperature"  # an LLM call's `temperature=`
LOCATOR_ROLES = (SERVICE_URL, HOST, ENDPOINT)

#: HTTP calls whose URL is the first argument (``url=`` too).
_HTTP_CALLS = {f"{lib}.{verb}" for lib in ("requests", "httpx") for verb in
               ("get", "post", "put", "patch", "delete", "head", "options", "stream")} | {
    "urllib.request.urlopen", "urllib.request.Request", "aiohttp.ClientSession.get", "aiohttp.ClientSession.post"}
#: HTTP calls whose URL is the second argument (after the method).
_HTTP_METHOD_FIRST = {"requests.request", "httpx.request", "aiohttp.request"}
#: The method names of an HTTP session or client object (`session.post(url)`), when the callee
#: cannot be resolved and the object is named like one: its first argument is a URL only when
#: the constant it names is one.
_HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "request", "stream", "ws_connect"}
_HTTP_RECEIVER_RE = re.compile(r"(?i)(session|client|http)")  # `self.session`, `http_client`, not `cache` or `router`
#: Arguments of any call that name where it connects.
_ENDPOINT_KEYWORDS = {"base_url", "url", "uri", "base_uri", "endpoint", "api_endpoint", "api_base", "openai_api_base",
                      "azure_endpoint", "server_url", "api_url", "host"}
#: Calls that start a server: their `host=` is the address it binds, not a service it reaches.
_SERVER_CALLS = {"run", "serve", "launch", "run_app", "run_simple", "listen", "bind", "start_server", "create_server",
                 "Config", "TCPSite"}
#: Model classes that take the model's name as ``id=`` (Agno, and Phidata before it: ``OpenAIChat(id="gpt-4o")``).
_ID_MODEL_PACKAGES = ("agno.models.", "phi.model.", "phi.llm.")
_MAX_WORD = 300  # the longest string constant recorded: URLs and model names are short
_NOT_CONFIG_BASES = ("Settings", "Enum", "BaseModel")  # fields read from the environment, or a set of choices


@dataclass(frozen=True)
class ModuleConstantFact(FactData):
    """A module constant assigned once, by a literal (a string or a number)."""

    kind = "module-constant"
    name: str  # "QDRANT_URL", or "Config.MODEL" for a class attribute
    value: str | int | float


@dataclass(frozen=True)
class ConstantUseFact(FactData):
    """A call argument that names an imported constant, or starts with one (`BASE + "/x"`)."""

    kind = "constant-use"
    reference: str  # the constant as imported: "app.config.QDRANT_URL", ".config.QDRANT_URL"
    callee: str  # what is called, as shown: "QdrantClient"
    slot: str  # the argument: "url", or "#0" for the first positional one
    role: str  # one of SERVICE_URL, HOST, ENDPOINT, MODEL, TEMPERATURE
    family: str  # the backing service a client talks to ("vector store"), or ""
    env: str  # the variable a client's locator is usually read from ("QDRANT_URL"), or ""


@dataclass(frozen=True)
class ConstantWriteFact(FactData):
    """An attribute of an imported module or object assigned (`config.MODEL = args.model`)."""

    kind = "constant-write"
    reference: str  # as imported: "app.config.MODEL"


@dataclass(frozen=True)
class ReExportFact(FactData):
    """A name a package's ``__init__.py`` imports from one of its modules, and so exports."""

    kind = "re-export"
    name: str  # the name the package exports, or "*" for every name of the module
    reference: str  # what it imports: ".settings.QDRANT_URL", or the module ".settings" for "*"


class ConfigFlowFacts(AstCollector):
    """"module-constant" and "constant-use" facts (see the module's doc)."""

    name = "config-flow"
    records = (ModuleConstantFact, ConstantUseFact, ConstantWriteFact, ReExportFact)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        self._literals: dict[str, ast.expr] = {}  # constant name -> its literal value
        self._assignments: dict[str, int] = {}  # constant name -> times assigned in the file
        self._plain_classes: set[ast.ClassDef] = set()
        self._class_instances: dict[str, list[str]] = {}  # a plain class without __init__ -> module names of its instances
        self._without_init: set[str] = set()
        self._star_modules: list[str] = []  # `from app.config import *`: where an unbound name may come from

    # -- constants -------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        if self.semantic.enclosing_def(node) is None and self.semantic.enclosing_class(node) is None:
            bases = [self.source_of(b) for b in node.bases]
            if not any(b.endswith(_NOT_CONFIG_BASES) for b in bases):
                self._plain_classes.add(node)
                if not any(isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name in ("__init__", "__post_init__")
                           for f in node.body):
                    self._without_init.add(node.name)  # `config = Config()` reads the class's literals

    def _constant_name(self, target: ast.expr, statement: ast.stmt) -> str | None:
        """The constant a module-level or plain-class-level target binds, else None."""
        if not isinstance(target, ast.Name) or self.semantic.enclosing_def(statement) is not None:
            return None
        owner = self.semantic.enclosing_class(statement)
        if owner is None:
            return target.id
        return f"{owner.name}.{target.id}" if owner in self._plain_classes else None

    def _assigned(self, targets: list[ast.expr], value: ast.expr | None, statement: ast.stmt) -> None:
        literal = value is not None and _literal(value) is not None
        for target in targets:
            if isinstance(target, ast.Attribute):  # `config.MODEL = args.model`: another module's constant rebound
                for reference in self.semantic.imported_names(target):
                    self.record(ConstantWriteFact(reference=reference), target)
            elif (isinstance(target, ast.Name) and isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                    and value.func.id in self._without_init and not value.args and not value.keywords
                    and self._constant_name(target, statement) == target.id):
                self._class_instances.setdefault(value.func.id, []).append(target.id)
            for element in ([target] if isinstance(target, ast.Name) else _names_bound(target)):
                name = self._constant_name(element, statement)
                if name is None:
                    continue
                self._assignments[name] = self._assignments.get(name, 0) + 1
                if literal and element is target:
                    self._literals[name] = value  # type: ignore[assignment]

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node.value, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assigned([node.target], node.value, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned([node.target], None, node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:  # a function rebinds it: its value is not the literal
            self._assignments[name] = self._assignments.get(name, 0) + 2

    # -- uses ------------------------------------------------------------------------------
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        if any(alias.name == "*" for alias in node.names):
            self._star_modules.append(module)
        if self.file.path.endswith("__init__.py") and self.semantic.enclosing_def(node) is None:
            for alias in node.names:  # a package's names re-exported from its modules
                name = alias.asname or alias.name
                self.record(ReExportFact(name=name, reference=module if name == "*" else _joined(module, alias.name)),
                            node)

    def visit_Call(self, node: ast.Call) -> None:
        arguments = [a for a in call_arguments(node) if not a.star]
        if not any(isinstance(a.value, (ast.Name, ast.Attribute, ast.BinOp, ast.JoinedStr)) for a in arguments):
            return
        names = self.qualified_names(node.func)
        client = client_for(set(names))
        llm = is_llm_call(node, names, self.source_of)
        model_slots = {"id"} if any(n.startswith(_ID_MODEL_PACKAGES) for n in names) else MODEL_KWARGS if llm else ()
        last = callee_name(node.func) or ""
        # The slot of an HTTP call's URL: known functions, else a session's method (`client.post(url)`).
        url_slot = next((("#0" if n in _HTTP_CALLS else "#1") for n in sorted(names)
                         if n in _HTTP_CALLS or n in _HTTP_METHOD_FIRST), None)
        if url_slot is None and last in _HTTP_METHODS and isinstance(node.func, ast.Attribute) and _HTTP_RECEIVER_RE.search(
                callee_name(node.func.value) or ""):
            url_slot = "#1" if last == "request" else "#0"
        shown = client[0].rsplit(".", 1)[-1] if client else self.source_of(node.func)[:80]
        positional = 0
        for argument in arguments:
            slot = argument.keyword or f"#{positional}"
            positional += argument.keyword is None
            role, family, env = "", "", ""
            if client is not None and slot in (*client[1].urls, *client[1].hosts, *client[1].endpoints):
                family, env = client[1].family, client[1].env
                role = SERVICE_URL if slot in client[1].urls else HOST if slot in client[1].hosts else ENDPOINT
            elif slot in model_slots:
                role = MODEL
            elif (llm or model_slots) and slot == "temperature":
                role = TEMPERATURE
            elif (url_slot is not None and slot in (url_slot, "url")) or (
                    slot in _ENDPOINT_KEYWORDS and not (slot == "host" and last in _SERVER_CALLS)):
                role = ENDPOINT  # an HTTP call's URL, or an endpoint argument of any call
            if not role:
                continue
            for reference in self._references(argument.value, whole=role in (MODEL, TEMPERATURE)):
                self.record(ConstantUseFact(reference=reference, callee=shown, slot=slot, role=role,
                                            family=family, env=env), argument.value)

    def _references(self, value: ast.expr, whole: bool) -> frozenset[str]:
        """The imported names ``value`` is, or (unless ``whole``) begins with: ``BASE + "/x"``,
        ``f"{BASE}/x"``."""
        if not whole:
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                    value = value.left
            elif isinstance(value, ast.JoinedStr) and value.values and isinstance(value.values[0], ast.FormattedValue):
                value = value.values[0].value
        if not isinstance(value, (ast.Name, ast.Attribute)):
            return frozenset()
        imported = self.semantic.imported_names(value)
        if imported or not self._star_modules:
            return imported
        # A name bound nowhere in the file, after `from … import *`: one of those modules' names.
        parts: list[str] = []
        head: ast.expr = value
        while isinstance(head, ast.Attribute):
            parts.insert(0, head.attr)
            head = head.value
        if not isinstance(head, ast.Name) or self.qualified_names(head):
            return imported
        dotted = ".".join([head.id, *parts])
        return frozenset(_joined(module, dotted) for module in self._star_modules)

    def leave_Module(self, node: ast.Module) -> None:
        for name, value in self._literals.items():
            if self._assignments.get(name) == 1:
                owner, _, attribute = name.rpartition(".")
                for alias in [name] + [f"{i}.{attribute}" for i in self._class_instances.get(owner, ()) if owner]:
                    if self._assignments.get(alias.split(".")[0], 1) == 1:
                        self.record(ModuleConstantFact(name=alias, value=_literal(value)), value)  # type: ignore[arg-type]


def _literal(node: ast.expr) -> str | float | None:
    """A number (not a bool) or a one-word string written as a literal: what a locator, a model
    name or a temperature can be. Prompts and other text are never recorded."""
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    value = node.value
    if isinstance(value, str):
        return value if value and len(value) <= _MAX_WORD and not any(c.isspace() for c in value) else None
    return value if isinstance(value, (int, float)) else None


def _names_bound(target: ast.expr) -> list[ast.Name]:
    """The plain names a tuple or starred target binds (`A, B = …`), iteratively: nesting is the
    scanned file's to choose."""
    found: list[ast.Name] = []
    stack = [target]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.Tuple, ast.List)):
            stack.extend(reversed(current.elts))
        elif isinstance(current, ast.Starred):
            stack.append(current.value)
        elif isinstance(current, ast.Name):
            found.append(current)
    return found


@dataclass(frozen=True)
class ConstantUse:
    """A constant of one module that a call of another module uses."""

    constant: Fact[ModuleConstantFact]
    use: Fact[ConstantUseFact]


#: The collectors :func:`constant_uses` reads.
COLLECTORS = (ConfigFlowFacts, *PROJECT_COLLECTORS)


def constant_uses(repo: Repo) -> dict[tuple[str, str], list[ConstantUse]]:
    """Each constant of the repository's applications (libraries, CLIs, tests and examples
    aside) that calls of its other modules use, keyed by (path, name), its uses in file order. A class attribute read
    through an instance (``config = Config()``) is the class's constant, named after the class.
    Kept in ``repo.memo``."""
    if "constant-uses" in repo.memo:
        return repo.memo["constant-uses"]
    owners = projects(repo)
    # A library's or a CLI's constants are defaults for the caller or the user's own machine.
    constants = {(f.path, f.data.name): f for f in repo.facts(ModuleConstantFact)
                 if path_role(f.path) == "src" and owners.is_application(f.path)}
    canonical: dict[tuple[str, int, int], Fact[ModuleConstantFact]] = {}
    for fact in constants.values():  # the class's own name comes before its instances' in a file's facts
        canonical.setdefault((fact.path, fact.line, fact.column), fact)
    rebound: set[tuple[str, int, int]] = set()
    for write in repo.facts(ConstantWriteFact):  # set at run time (from arguments, a CLI flag): not fixed
        for key in _definitions(repo, write.data.reference, write.path):
            if key in constants:
                rebound.add((constants[key].path, constants[key].line, constants[key].column))
    found: dict[tuple[str, str], list[ConstantUse]] = {}
    for use in repo.facts(ConstantUseFact) if constants else ():
        if path_role(use.path) != "src":
            continue
        for key in _definitions(repo, use.data.reference, use.path):
            constant = constants.get(key)
            if constant is None or constant.path == use.path:
                continue
            position = (constant.path, constant.line, constant.column)
            if position not in rebound:
                own = canonical[position]
                found.setdefault((own.path, own.data.name), []).append(ConstantUse(own, use))
            break
    repo.memo["constant-uses"] = found
    return found


def _joined(module: str, name: str) -> str:
    """``module.name``; ``.name`` under the package itself (``from . import name``)."""
    return f"{module}{name}" if module.endswith(".") else f"{module}.{name}"


def _definitions(repo: Repo, reference: str, importer: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """The (file, constant name) pairs ``reference`` can name: ``app.config.URL`` is ``URL`` of
    the module ``app.config``, or ``config.URL`` of ``app`` (a class attribute); a relative
    reference (``.config.URL``) is resolved from the importer's package; a name a package's
    ``__init__.py`` re-exports (``from .settings import *``) is followed to its module, a few
    packages deep."""
    if "re-exports" not in repo.memo:
        exports: dict[str, list[ReExportFact]] = {}
        for fact in repo.facts(ReExportFact):
            exports.setdefault(fact.path, []).append(fact.data)
        repo.memo["re-exports"] = exports
    exported: dict[str, list[ReExportFact]] = repo.memo["re-exports"]
    index = module_index(repo)
    level = len(reference) - len(reference.lstrip("."))
    parts = reference[level:].split(".")
    for cut in (len(parts) - 1, len(parts) - 2):
        if cut < (0 if level else 1):
            continue
        name = ".".join(parts[cut:])
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            files = index.resolve_path(posixpath.join(base, *parts[:cut]))
        else:
            module = ".".join(parts[:cut])
            tail = module.replace(".", "/")
            files = [f for f in index.resolve(module, importer)
                     if f in (f"{tail}.py", f"{tail}/__init__.py") or f.endswith((f"/{tail}.py", f"/{tail}/__init__.py"))]
        for path in files:
            yield path, name
            for export in exported.get(path, ()) if depth < 3 else ():
                head, _, rest = name.partition(".")
                if export.name == "*":
                    yield from _definitions(repo, _joined(export.reference, name), path, depth + 1)
                elif export.name == head:
                    target = _joined(export.reference, rest) if rest else export.reference
                    yield from _definitions(repo, target, path, depth + 1)
