"""The semantic model of one Python file, on CPython's ``ast``: what rules ask instead of
tracking context themselves, the way ruff's rules ask ``checker.semantic()``.

Built in one walk of the tree, it holds:

* scopes and bindings, and what a name, attribute, call or subscript resolves to as qualified
  names (``os.environ.get``, ``openai.OpenAI``, ``builtins.print``);
* each node's parent, hence its enclosing function, class and statement, whether it runs in
  an ``async`` function, and whether it sits under ``if __name__ == "__main__":``;
* character columns for ``ast``'s UTF-8 byte offsets, so reports keep counting characters.

Qualified names follow libcst's ``QualifiedNameProvider``, which the rules were written
against, quirks included, so that moving a rule from libcst to ``ast`` keeps its findings:

* a bare name read sees the bindings of its scope made before it, else the enclosing
  scope's (``print("early"); def print(): ...`` resolves the first call to the builtin);
* a class body's names are invisible from the functions inside it;
* an attribute chain resolves through its longest bound prefix (``os.path.join`` after
  ``import os.path``), and a call through its callee (``OpenAI().chat`` is
  ``openai.OpenAI.chat``);
* a local binding is named after where it lives (``outer.<locals>.inner``,
  ``Settings.value``); a relative import keeps its dots (``..sibling``).

tests/test_semantic.py compares every answer with :class:`tfa_lint.names.NameResolver`
(libcst's scope analysis) over the rule examples, the example repositories and a generated
repository. What it leaves out, as libcst does: names inside string annotations.
"""

from __future__ import annotations

import ast
import builtins
import functools
import io
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

#: Node types whose qualified names can be asked (``get_full_name_for_node``'s).
QUERYABLE = (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.FunctionDef, ast.AsyncFunctionDef,
             ast.ClassDef)
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


# -- scopes -----------------------------------------------------------------------------------
@dataclass(eq=False)
class Binding:
    """One binding of ``name``: an import, a definition, a parameter or an assignment."""

    name: str  # dotted for ``import a.b`` (which binds ``a``, ``a.b``)
    scope: Scope
    node: ast.AST
    index: int  # the scope's assignment count when it was made: what a read can see
    kind: str = "local"  # local, import or builtin
    def qualified_names(self, full_name: str) -> set[str]:
        if self.kind == "builtin":
            return {f"builtins.{self.name}"}
        if self.kind == "import":
            return _import_names(self.node, full_name)  # type: ignore[arg-type]
        prefix = self.scope.name_prefix
        return {f"{prefix}.{full_name}" if prefix else full_name}


@dataclass(eq=False)
class Scope:
    """A module, class, function (or lambda), comprehension, or PEP 695 annotation scope."""

    kind: str
    parent: Scope | None
    name: str | None = None
    node: ast.AST | None = None
    bindings: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    count: int = 0  # assignment-like statements seen so far
    #: ``global``/``nonlocal`` names: the scope their bindings go to.
    overwrites: dict[str, Scope] = field(default_factory=dict)
    #: Answers of ``in`` and :meth:`resolve`, kept: both are asked only once the walk has made
    #: every binding, and the same few names (``self``, ``os``, ``logger``) are asked again and
    #: again of the same scopes.
    _known: dict[str, bool] = field(default_factory=dict, repr=False)
    _resolved: dict[tuple[str, Scope], list[Binding]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        parent_prefix = self.parent.name_prefix if self.parent is not None else ""
        if self.kind in ("module", "builtins"):
            self.name_prefix = ""
        elif self.kind == "class":
            self.name_prefix = ".".join(filter(None, [parent_prefix, self.name]))
        elif self.kind == "comprehension":
            self.name_prefix = ".".join(filter(None, [parent_prefix, "<comprehension>"]))
        elif self.kind == "annotation":
            self.name_prefix = parent_prefix
        else:
            self.name_prefix = ".".join(filter(None, [parent_prefix, self.name, "<locals>"]))

    @property
    def module(self) -> Scope:
        scope = self
        while scope.kind != "module":
            scope = scope.parent  # type: ignore[assignment]
        return scope

    @property
    def builtins(self) -> Scope:
        return self.module.parent  # type: ignore[return-value]

    def visible_from_children(self, from_scope: Scope) -> bool:
        if self.kind == "class":
            return from_scope.parent is self and from_scope.kind == "annotation"
        return True

    def next_visible_parent(self, from_scope: Scope, first: Scope | None = None) -> Scope:
        parent = first if first is not None else self.parent
        while not parent.visible_from_children(from_scope):  # type: ignore[union-attr]
            parent = parent.parent  # type: ignore[union-attr]
        return parent  # type: ignore[return-value]

    def __contains__(self, name: str) -> bool:
        known = self._known.get(name)
        if known is None:
            known = self._known[name] = self._contains(name)
        return known

    def _contains(self, name: str) -> bool:
        if self.kind == "builtins":
            return hasattr(builtins, name)
        if self.kind != "module" and name in self.overwrites:
            return name in self.overwrites[name]
        if self.bindings.get(name):
            return True
        return name in self.next_visible_parent(self)

    def resolve(self, name: str, from_scope: Scope) -> list[Binding]:
        """The bindings ``name`` refers to, seen from ``from_scope``."""
        key = (name, from_scope)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._resolve(name, from_scope)
        return resolved

    def _resolve(self, name: str, from_scope: Scope) -> list[Binding]:
        if self.kind == "builtins":
            if not self.bindings.get(name) and hasattr(builtins, name):
                self.bindings[name].append(Binding(name, self, ast.Module(body=[], type_ignores=[]), -1, "builtin"))
            return self.bindings.get(name, [])
        if self.kind != "module" and name in self.overwrites:
            return self.next_visible_parent(from_scope, self.overwrites[name]).resolve(name, from_scope)
        if self.bindings.get(name):
            return self.bindings[name]
        return self.next_visible_parent(from_scope).resolve(name, from_scope)

    def target_for(self, name: str) -> Scope:
        """Where a binding of ``name`` made in this scope goes (``global``/``nonlocal``)."""
        if self.kind not in ("module", "builtins") and name in self.overwrites:
            return self.next_visible_parent(self, self.overwrites[name]).target_for(name)
        return self

    def bind(self, name: str, node: ast.AST, kind: str = "local") -> None:
        target = self.target_for(name)
        target.bindings[name].append(Binding(name, target, node, target.count, kind))


def _import_names(node: ast.Import | ast.ImportFrom, full_name: str) -> set[str]:
    """libcst's ``ImportAssignment.get_qualified_names_for``: ``full_name`` (``np.array``)
    in terms of what the import statement brings in (``numpy.array``)."""
    module = ""
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
    results: set[str] = set()
    for alias in node.names:
        if alias.name == "*":
            continue
        parts = alias.name.split(".")
        for real_name in (".".join(parts[:i]) for i in range(len(parts), 0, -1)):
            as_name = real_name
            if module and module.endswith("."):
                real_name = f"{module}{real_name}"
            elif module:
                real_name = f"{module}.{real_name}"
            if alias.asname:
                as_name = alias.asname
            if full_name.startswith(as_name):
                remaining = full_name.split(as_name, 1)[1]
                if remaining and not remaining.startswith("."):
                    continue
                remaining = remaining.lstrip(".")
                results.add(f"{real_name}.{remaining}" if remaining else real_name)
                break
    return results


def full_name(node: ast.AST) -> str | None:
    """libcst's ``get_full_name_for_node`` on ``ast``: ``a.b.c`` for an attribute chain, the
    callee's for a call, the value's for a subscript (an unnamable head reads ``None``).
    Iterative, so that no chain the parser accepts is too long for it."""
    attrs: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    if isinstance(node, ast.Name):
        head: str | None = node.id
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not attrs:
        head = node.name
    else:
        head = None
    if not attrs:
        return head
    return ".".join([str(head), *reversed(attrs)])


def _dotted_names(node: ast.expr) -> Iterator[tuple[str, ast.expr]]:
    """libcst's ``_gen_dotted_names``: ``a.b.c`` yields ``a.b.c``, ``a.b``, ``a`` with their
    nodes; through a call, the callee's (``a.b().c`` yields ``a.b``, ``a``); nothing when the
    chain does not end in a name."""
    chain: list[ast.expr] = []  # from the outermost node in
    current: ast.expr = node
    while True:
        if isinstance(current, ast.Name):
            chain.append(current)
            break
        if not isinstance(current, ast.Attribute):
            return
        value = current.value
        if isinstance(value, ast.Call):
            if not isinstance(value.func, (ast.Attribute, ast.Name)):
                return
            current = value.func  # the attribute over a call names nothing of its own
            continue
        if not isinstance(value, (ast.Attribute, ast.Name)):
            return
        chain.append(current)
        current = value
    names: list[str] = []
    for part in reversed(chain):  # from the head out: a, a.b, a.b.c
        names.append(part.id if isinstance(part, ast.Name) else f"{names[-1]}.{part.attr}")  # type: ignore[union-attr]
    yield from zip(reversed(names), chain)


# -- the walk ---------------------------------------------------------------------------------
def _stored_names(target: ast.expr, into: set[ast.Name]) -> None:
    """The names an assignment target binds (attributes and subscripts bind none)."""
    if isinstance(target, ast.Name):
        into.add(target)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _stored_names(element, into)
    elif isinstance(target, ast.Starred):
        _stored_names(target.value, into)


#: Fields that hold only childless singletons (``Load``, ``Add``, ``Eq`` …): nothing is asked
#: of those, and they are a third of a tree's nodes.
LEAF_FIELDS = frozenset({"ctx", "op", "ops"})


@functools.cache
def child_fields(cls: type, leaves: bool = False) -> tuple[str, ...]:
    """The fields of an ``ast`` class that may hold nodes worth a walk, in order; the singleton
    fields too when ``leaves`` (a visitor hooks ``Load`` or ``Add``)."""
    return tuple(f for f in cls._fields if leaves or f not in LEAF_FIELDS)


#: The walker's method for each node class, looked up once per class instead of once per node.
_HANDLERS: dict[type, Callable[[_Walker, ast.AST], None]] = {}

#: A name read: its scope, that scope's assignment count then, and the outermost attribute
#: around it (``a.b.c`` for the ``a`` in it).
_Read = tuple[Scope, int, ast.Attribute | None]


class _Walker:
    """One walk: parents, the scope of every queryable node, bindings and reads. Iterative over
    statements' and expressions' children except where the order of scopes needs recursion;
    the recursion depth is bounded by the source's nesting, which the parser already bounds."""

    def __init__(self) -> None:
        self.scope = Scope("module", Scope("builtins", None))
        self.scope.parent.parent = self.scope.parent  # type: ignore[union-attr]
        self.scope_of: dict[ast.AST, Scope] = {}
        self.reads: dict[ast.Name, _Read] = {}
        self.parent: dict[ast.AST, ast.AST] = {}
        self._stores: set[ast.Name] = set()
        self._top: list[ast.Attribute | None] = [None]
        self.ifs: list[ast.If] = []

    def visit(self, node: ast.AST) -> None:
        cls = type(node)
        handler = _HANDLERS.get(cls)
        if handler is None:
            handler = _HANDLERS[cls] = getattr(_Walker, f"visit_{cls.__name__}", _Walker.generic)
        handler(self, node)

    def children(self, node: ast.AST, *names: str) -> None:
        for name in names:
            value = getattr(node, name, None)
            if value is None:
                continue
            if isinstance(value, list):
                for child in value:
                    if isinstance(child, ast.AST):
                        self.child(node, child)
            elif isinstance(value, ast.AST):
                self.child(node, value)

    def child(self, parent: ast.AST, node: ast.AST) -> None:
        self.parent[node] = parent
        self.visit(node)

    def generic(self, node: ast.AST) -> None:
        if isinstance(node, QUERYABLE):
            self.scope_of[node] = self.scope
        for name in child_fields(type(node)):
            value = getattr(node, name, None)
            if isinstance(value, list):
                for child in value:
                    if isinstance(child, ast.AST):
                        self.child(node, child)
            elif isinstance(value, ast.AST):
                self.child(node, value)

    def _count(self) -> None:
        self.scope.count += 1

    # -- statements that bind --------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            _stored_names(target, self._stores)
        self.children(node, "targets", "value")
        self._count()

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        _stored_names(node.target, self._stores)
        self.children(node, "target", "annotation", "value")
        self._count()

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        _stored_names(node.target, self._stores)
        self.children(node, "target", "value")
        self._count()

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        _stored_names(node.target, self._stores)
        self.children(node, "target", "value")
        self._count()

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.parent[alias] = node
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            # ``import a.b.c`` binds ``a.b.c``, ``a.b`` and ``a``, as libcst records it.
            parts = bound.split(".")
            for i in range(len(parts), 0, -1):
                self.scope.bind(".".join(parts[:i]), node, "import")
        self._count()

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        if self.scope.kind != "module":
            for name in node.names:
                self.scope.overwrites[name] = self.scope.module
        self._count()

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        for name in node.names:
            self.scope.overwrites[name] = self.scope.parent  # type: ignore[assignment]
        self._count()

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        _stored_names(node.target, self._stores)
        self.children(node, "target")
        self._count()
        self.children(node, "iter", "body", "orelse")

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.parent[item] = node
            self.child(item, item.context_expr)
            if item.optional_vars is not None:
                _stored_names(item.optional_vars, self._stores)
                self.child(item, item.optional_vars)
                self._count()  # the ``as`` name
            self._count()  # the item
        self.children(node, "body")

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.children(node, "type")
        if node.name:
            self.scope.bind(node.name, node)
            self._count()
        self.children(node, "body")

    def visit_If(self, node: ast.If) -> None:
        self.ifs.append(node)
        self.generic(node)

    # -- expressions whose fields are not in source order ----------------------------------
    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.children(node, "body", "test", "orelse")  # ``a if b else c`` reads a first

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values):
            if key is not None:  # None for ``**mapping``
                self.child(node, key)
            self.child(node, value)

    # -- names ---------------------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        self.scope_of[node] = self.scope
        if node in self._stores:
            self.scope.bind(node.id, node)
        else:
            self.reads[node] = (self.scope, self.scope.count, self._top[-1])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.scope_of[node] = self.scope
        if self._top[-1] is None:
            self._top[-1] = node
        self.child(node, node.value)
        if self._top[-1] is node:
            self._top[-1] = None

    def visit_Call(self, node: ast.Call) -> None:
        self.scope_of[node] = self.scope
        self._top.append(None)
        self.children(node, "func", "args", "keywords")
        self._top.pop()

    # -- scopes --------------------------------------------------------------------------
    def _type_params(self, node: ast.AST, outer: Scope) -> None:
        params = getattr(node, "type_params", None)
        if params:
            self.scope = Scope("annotation", outer, None, node)
            for param in params:
                self.scope.bind(param.name, param)
                self._count()
                self.children(param, "bound")

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer = self.scope
        self.scope_of[node] = outer
        outer.bind(node.name, node)
        self._type_params(node, outer)
        around = self.scope
        self.scope = Scope("function", around, node.name, node)
        self._arguments(node, node.args)
        self.children(node, "body")
        self.scope = around
        self.children(node, "decorator_list", "returns")
        self.scope = outer
        self._count()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        outer = self.scope
        self.scope = Scope("function", outer, None, node)
        self._arguments(node, node.args)
        self.children(node, "body")
        self.scope = outer

    def _arguments(self, owner: ast.AST, args: ast.arguments) -> None:
        """Parameters bind in the function's scope; their defaults and annotations are read in
        the scope around it, in source order (libcst's ``visit_Param``)."""
        self.parent[args] = owner
        positional = [*args.posonlyargs, *args.args]
        defaults: dict[int, ast.expr] = {len(positional) - len(args.defaults) + i: d
                                         for i, d in enumerate(args.defaults)}
        ordered: list[tuple[ast.arg, ast.expr | None]] = [(a, defaults.get(i)) for i, a in enumerate(positional)]
        if args.vararg:
            ordered.append((args.vararg, None))
        ordered += list(zip(args.kwonlyargs, args.kw_defaults))
        if args.kwarg:
            ordered.append((args.kwarg, None))
        inner = self.scope
        for arg, default in ordered:
            self.parent[arg] = args
            inner.bind(arg.arg, arg)
            self.scope = inner.parent  # type: ignore[assignment]
            for part in (default, arg.annotation):
                if part is not None:
                    self.child(arg, part)
            self.scope = inner
        self._count()  # libcst's Parameters node

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.scope
        self.scope_of[node] = outer
        outer.bind(node.name, node)
        self.children(node, "decorator_list")
        self._type_params(node, outer)
        self.children(node, "bases", "keywords")
        around = self.scope
        self.scope = Scope("class", around, node.name, node)
        self.children(node, "body")
        self.scope = outer
        self._count()

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        self.scope_of[node] = self.scope
        for generator in node.generators:
            _stored_names(generator.target, self._stores)
            self.parent[generator] = node
        first, *rest = node.generators
        self.child(first, first.iter)  # the first iterable is evaluated outside the comprehension
        outer = self.scope
        self.scope = Scope("comprehension", outer, None, node)
        self.child(first, first.target)
        self._count()
        self.children(first, "ifs")
        for generator in rest:  # nested ``for``s: each counts once all inside it are seen
            self.children(generator, "target", "iter", "ifs")
        self.scope.count += len(rest)
        if isinstance(node, ast.DictComp):
            self.children(node, "key", "value")
        else:
            self.children(node, "elt")
        self.scope = outer

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_TypeAlias(self, node: ast.AST) -> None:  # Python 3.12+
        outer = self.scope
        outer.bind(node.name.id, node)  # type: ignore[attr-defined]
        self.scope = Scope("annotation", outer, None, node)
        for param in getattr(node, "type_params", ()):
            self.scope.bind(param.name, param)
            self._count()  # as in _type_params: the value reads the parameter after its binding
            self.children(param, "bound")
        self.children(node, "value")
        self.scope = outer
        self._count()


# -- the model --------------------------------------------------------------------------------
class SemanticModel:
    """What one file's names mean and where each node sits. Rules ask; nothing is recomputed."""

    def __init__(self, tree: ast.Module, text: str = "") -> None:
        walker = _Walker()
        limit = sys.getrecursionlimit()
        if sys.version_info >= (3, 11):
            # The walk recurses about three frames per level of nesting, and CPython's parser
            # accepts about three times its recursion limit; from 3.11 a Python call does not
            # grow the C stack, so the walk may go as deep as the parser went.
            sys.setrecursionlimit(max(limit, 12 * limit))
        try:
            walker.generic(tree)
        finally:
            sys.setrecursionlimit(limit)
        self.tree = tree
        self._scope_of = walker.scope_of
        self._reads = walker.reads
        self._parent = walker.parent
        #: Every ``if`` statement of the file, ``elif`` included, outermost first.
        self.ifs: tuple[ast.If, ...] = tuple(walker.ifs)
        self._names: dict[ast.AST, frozenset[str]] = {}
        self._imported: dict[ast.AST, frozenset[str]] = {}
        # Lines as the parser counts them: only \n, \r\n and \r end one (str.splitlines also
        # breaks at \f, \v, \x1c-\x1e, \x85, \u2028 and \u2029, which a string may hold).
        self.lines: list[str] = io.StringIO(text, newline="").readlines()
        self._encoded: dict[int, bytes] = {}
        #: A node that is no def -> the innermost def among it and its ancestors (enclosing_def's memo).
        self._def_around: dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None] = {}

    # -- names ---------------------------------------------------------------------------
    def qualified_names(self, node: ast.AST) -> frozenset[str]:
        """What ``node`` resolves to (``openai.OpenAI``, ``builtins.print``), through aliases and
        local shadows; empty for a node that names nothing."""
        answer = self._names.get(node)
        if answer is None:
            self._resolve(node)
            answer = self._names[node]
        return answer

    def qualified_name(self, node: ast.AST) -> str | None:
        """The one qualified name of ``node``, or None when it has none or several."""
        names = self.qualified_names(node)
        return next(iter(names)) if len(names) == 1 else None

    def resolves_to(self, node: ast.AST, *names: str) -> bool:
        return not self.qualified_names(node).isdisjoint(names)

    def imported_names(self, node: ast.AST) -> frozenset[str]:
        """What ``node`` resolves to through import bindings only (libcst's
        ``QualifiedNameSource.IMPORT``): ``requests.get`` after ``import requests``; nothing for
        a name bound by an assignment, a parameter, a def or the builtins."""
        answer = self._imported.get(node)
        if answer is None:
            self._resolve(node)
            answer = self._imported[node]
        return answer

    def bindings_seen(self, node: ast.Name) -> list[Binding]:
        """The bindings a read of a bare name sees where it stands: those its own scope made
        before it (in the order they were made), else the enclosing scope's. Empty for a name
        that is stored, not read, or that nothing binds. ``binding.node`` is the stored
        ``Name`` (its parent the ``Assign``), the ``arg``, the import or the def."""
        if node not in self._reads:
            return []
        return list(self._read_referents(node) or [])

    def _resolve(self, node: ast.AST) -> None:
        """Both answers for ``node`` at once, kept: rules ask one or the other of most calls."""
        everything: set[str] = set()
        imported: set[str] = set()
        for binding, name in self._referents(node):
            names = binding.qualified_names(name)
            everything |= names
            if binding.kind == "import":
                imported |= names
        self._names[node] = frozenset(everything)
        self._imported[node] = frozenset(imported)

    def _referents(self, node: ast.AST) -> list[tuple[Binding, str]]:
        """The bindings ``node``'s answer comes from, each with the dotted name to qualify."""
        scope = self._scope_of.get(node)
        if scope is None:
            return []
        referents = self._read_referents(node)
        if referents is not None:  # a read: what it refers to at that point
            return [(binding, binding.name) for binding in referents]
        # Not a read: the node's dotted name, resolved through its longest bound prefix.
        name = full_name(node)
        if name is None:
            return []
        bindings: list[Binding] = []
        prefix: str | None = name
        while prefix:
            if prefix in scope:
                bindings = scope.resolve(prefix, scope)
                break
            cut = prefix.rfind(".")
            prefix = None if cut == -1 else prefix[:cut]
        own = [binding for binding in bindings if binding.kind != "builtin" and binding.node is node]
        return [(binding, name) for binding in (own[:1] or bindings)]

    def _read_referents(self, node: ast.AST) -> list[Binding] | None:
        head = node
        while isinstance(head, (ast.Attribute, ast.Call)):
            head = head.value if isinstance(head, ast.Attribute) else head.func
        read = self._reads.get(head) if isinstance(head, ast.Name) else None  # type: ignore[arg-type]
        if read is None:
            return None
        scope, index, around = read
        read_node: ast.AST = head
        name = head.id  # type: ignore[attr-defined]
        if around is not None:
            for dotted, part in _dotted_names(around):
                if dotted in scope:
                    read_node, name = part, dotted
                    break
        if read_node is not node:
            return None
        # Only bindings made before the read in its own scope, else the enclosing scope's.
        bindings = scope.resolve(name, scope)
        earlier = [b for b in bindings if b.scope is not scope or b.index < index]
        if not earlier and bindings and scope.parent is not scope:
            earlier = scope.parent.resolve(name, scope)  # type: ignore[union-attr]
        return earlier

    # -- where a node sits ---------------------------------------------------------------
    def parent(self, node: ast.AST) -> ast.AST | None:
        return self._parent.get(node)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self._parent.get(node)
        while current is not None:
            yield current
            current = self._parent.get(current)

    def enclosing_function(self, node: ast.AST) -> FunctionNode | None:
        """The innermost function or lambda whose body holds ``node`` (a def's decorators and
        defaults belong to the scope around it)."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)) and child in ancestor.body:
                return ancestor
            if isinstance(ancestor, ast.Lambda) and child is ancestor.body:
                return ancestor
            child = ancestor
        return None

    def enclosing_def(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost ``def`` or ``async def`` among ``node``'s ancestors. Unlike
        :meth:`enclosing_function`, a def's decorators, defaults and annotations count as inside
        it (libcst's visitors entered the def before them, and the collectors written on libcst
        attributed them so), and lambdas do not count. Memoised along the parent chain, so
        asking for every node of a file costs O(1) per node amortised."""
        passed: list[ast.AST] = []
        current = self._parent.get(node)
        found: ast.FunctionDef | ast.AsyncFunctionDef | None = None
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found = current
                break
            if current in self._def_around:
                found = self._def_around[current]
                break
            passed.append(current)
            current = self._parent.get(current)
        for ancestor in passed:
            self._def_around[ancestor] = found
        return found

    def within_any(self, node: ast.AST, outer: Sequence[ast.AST]) -> bool:
        """Whether ``node`` is one of ``outer`` or lies inside one of them. A node's span holds
        exactly its descendants' (siblings never overlap), so a few ``if`` statements found
        once per file (:attr:`ifs`) answer this for every call without walking ancestors."""
        if not outer:
            return False
        start = getattr(node, "lineno", None)
        if start is None:  # no position (``arguments``, ``withitem``): ask the parents
            return any(ancestor in outer for ancestor in (node, *self.ancestors(node)))
        here = (start, node.col_offset)  # type: ignore[attr-defined]
        return any((o.lineno, o.col_offset) <= here <= (o.end_lineno, o.end_col_offset)  # type: ignore[attr-defined]
                   for o in outer)

    def enclosing_class(self, node: ast.AST) -> ast.ClassDef | None:
        """The class whose body holds ``node`` directly, not through a function."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return None
            if isinstance(ancestor, ast.ClassDef) and child in ancestor.body:
                return ancestor
            child = ancestor
        return None

    def in_async_function(self, node: ast.AST) -> bool:
        return isinstance(self.enclosing_function(node), ast.AsyncFunctionDef)

    def at_module_level(self, node: ast.AST) -> bool:
        """Runs when the module is imported: outside every function and lambda (class bodies
        and ``if`` blocks at the top run on import too)."""
        return self.enclosing_function(node) is None

    def under_main_guard(self, node: ast.AST) -> bool:
        """Inside ``if __name__ == "__main__":`` (its body, not its ``else``)."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, ast.If) and child in ancestor.body and is_main_guard(ancestor.test):
                return True
            child = ancestor
        return False

    def statement(self, node: ast.AST) -> ast.stmt | None:
        """The statement holding ``node`` (itself, if it is one)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self._parent.get(current)
        return current

    # -- positions -----------------------------------------------------------------------
    def _line_bytes(self, line: int) -> bytes:
        encoded = self._encoded.get(line)
        if encoded is None:
            encoded = self._encoded[line] = self.lines[line - 1].encode("utf-8")
        return encoded

    def column(self, line: int, byte_offset: int) -> int:
        """The 0-based character column of ``ast``'s UTF-8 byte offset on 1-based ``line``."""
        if not 1 <= line <= len(self.lines):
            return byte_offset
        text = self.lines[line - 1]
        if text.isascii():
            return byte_offset
        return len(self._line_bytes(line)[:byte_offset].decode("utf-8", "replace"))

    def source(self, node: ast.AST) -> str:
        """The code ``node`` was parsed from: ``ast.get_source_segment``, which splits the whole
        file on every call, from the lines split once."""
        line, end_line = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if None in (line, end_line, start, end) or not 1 <= line <= end_line <= len(self.lines):
            return ""
        if line == end_line:
            return self._line_bytes(line)[start:end].decode("utf-8", "replace")
        first = self._line_bytes(line)[start:].decode("utf-8", "replace")
        last = self._line_bytes(end_line)[:end].decode("utf-8", "replace")
        return first + "".join(self.lines[line:end_line - 1]) + last

    def position(self, node: ast.AST) -> tuple[int, int, int, int]:
        """1-based line and column (characters) of the node's start and end."""
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        column = self.column(line, getattr(node, "col_offset", 0)) + 1
        end_offset = getattr(node, "end_col_offset", None)
        end_column = self.column(end_line, end_offset) + 1 if end_offset is not None else column
        return line, column, end_line, end_column


def is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)
