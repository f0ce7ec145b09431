"""Helpers for the collectors that read Python's own ``ast`` tree (``AstCollector``).

:class:`ImportScopes` answers, for a call, which imported names it reaches: the part of
libcst's ``ScopeProvider`` the call graph needs (``from m import f as g``, ``import x.y as z``,
names rebound locally, ``global``/``nonlocal``, class bodies hidden from their methods), with
the same answers on the field-trial repos (docs/field-trials.md) at a fraction of the cost.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def full_name(node: ast.AST) -> str | None:
    """``a.b.c`` for ``a.b.c``, ``a.b()`` and ``a[0].b``, as libcst's ``get_full_name_for_node``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = full_name(node.value)
        return f"{head}.{node.attr}" if head is not None else None
    if isinstance(node, ast.Call):
        return full_name(node.func)
    if isinstance(node, ast.Subscript):
        return full_name(node.value)
    return None


def is_named(node: ast.expr, name: str) -> bool:
    """``name`` or ``anything.name``."""
    if isinstance(node, ast.Attribute):
        return node.attr == name
    return isinstance(node, ast.Name) and node.id == name


def is_main_guard(node: ast.If) -> bool:
    """``if __name__ == "__main__":`` (either side first)."""
    test = node.test
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    strings = [s.value for s in sides if isinstance(s, ast.Constant) and isinstance(s.value, str)]
    return names == ["__name__"] and strings == ["__main__"]


@dataclass(frozen=True)
class _Import:
    """One name an import statement binds, and the statement's module and names."""

    index: int
    module: str  # "" for `import x`; "..pkg" for `from ..pkg import x`
    names: tuple[tuple[str, str | None], ...]  # (name as written, alias)

    def qualified_names(self, dotted: str) -> set[str]:
        """What ``dotted`` (which starts with a name this import binds) stands for."""
        out: set[str] = set()
        for written, alias in self.names:
            parts = written.split(".")
            for size in range(len(parts), 0, -1):
                real = ".".join(parts[:size])
                bound = alias if alias is not None else real
                if self.module.endswith("."):
                    real = self.module + real
                elif self.module:
                    real = f"{self.module}.{real}"
                if dotted.startswith(bound):
                    rest = dotted.split(bound, 1)[1]
                    if rest and not rest.startswith("."):
                        continue
                    rest = rest.lstrip(".")
                    out.add(f"{real}.{rest}" if rest else real)
                    break
        return out


@dataclass(eq=False)
class _Scope:
    kind: str  # module, function, class or comprehension
    parent: _Scope | None
    bindings: dict[str, list[_Import | int]] = field(default_factory=dict)  # int: a local binding's index
    declared: dict[str, str] = field(default_factory=dict)  # name -> "global" or "nonlocal"

    def lookup(self, name: str) -> list[_Import | int]:
        """Every binding ``name`` may refer to from this scope, in any order."""
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.declared:
                scope = _visible(scope.declaration_target(name))
            elif name in scope.bindings:
                return scope.bindings[name]
            else:
                scope = _visible(scope.parent)
        return []

    def declaration_target(self, name: str) -> _Scope | None:
        """Where ``global name`` or ``nonlocal name`` sends the name."""
        if self.declared[name] == "nonlocal":
            return self.parent
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


def _visible(scope: _Scope | None) -> _Scope | None:
    """The nearest of ``scope`` and its parents that nested code sees: class bodies are not."""
    while scope is not None and scope.kind == "class":
        scope = scope.parent
    return scope


@dataclass(frozen=True)
class CallSite:
    node: ast.Call
    scope: _Scope
    index: int
    #: The innermost function's name, "<main>" anywhere in the ``__main__`` block, else "<module>".
    label: str


class ImportScopes(ast.NodeVisitor):
    """Bindings of every scope of a module, and each call with the scope it is made in.

    After :meth:`scan`, :meth:`imported_names` answers for a call's callee what libcst's
    ``ScopeProvider`` answers with source ``IMPORT``.
    """

    def __init__(self) -> None:
        self.module = _Scope("module", None)
        self._scope = self.module
        self._index = 0
        self._functions: list[str] = []
        self._main_depth = 0
        self.calls: list[CallSite] = []

    def scan(self, tree: ast.Module) -> ImportScopes:
        self.visit(tree)
        return self

    # -- resolution --------------------------------------------------------------------------
    def imported_names(self, site: CallSite) -> set[str]:
        """The imported names (``pkg.mod.func``) a call's callee may stand for."""
        func, scope = site.node.func, site.scope
        if isinstance(func, ast.Name):
            bindings = self._name_access(func.id, scope, site.index)
            return {q for b in bindings if isinstance(b, _Import) for q in b.qualified_names(func.id)}
        dotted = full_name(func)
        if dotted is None:
            return set()
        prefix: str | None = dotted
        while prefix:
            bindings = scope.lookup(prefix)
            if bindings:
                return {q for b in bindings if isinstance(b, _Import) for q in b.qualified_names(dotted)}
            cut = prefix.rfind(".")
            prefix = prefix[:cut] if cut != -1 else None
        return set()

    @staticmethod
    def _name_access(name: str, scope: _Scope, index: int) -> list[_Import | int]:
        """A plain name sees its own scope's bindings made before it, else the enclosing ones."""
        if name in scope.bindings and name not in scope.declared:
            earlier = [b for b in scope.bindings[name] if _index(b) < index]
            if earlier:
                return earlier
            return scope.parent.lookup(name) if scope.parent is not None else []
        return scope.lookup(name)

    # -- binding -----------------------------------------------------------------------------
    def _tick(self) -> int:
        self._index += 1
        return self._index

    def _bind(self, name: str, binding: _Import | int, scope: _Scope | None = None) -> None:
        scope = scope or self._scope
        if name in scope.declared:
            scope = scope.declaration_target(name) or scope
        scope.bindings.setdefault(name, []).append(binding)

    def _in_scope(self, kind: str, nodes: Iterator[ast.AST] | list[ast.AST]) -> _Scope:
        scope = _Scope(kind, self._scope)
        outer, self._scope = self._scope, scope
        for node in nodes:
            self.visit(node)
        self._scope = outer
        return scope

    def visit_Import(self, node: ast.Import) -> None:
        names = tuple((a.name, a.asname) for a in node.names)
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, _Import(self._tick(), "", names))
                continue
            parts = alias.name.split(".")
            for size in range(len(parts), 0, -1):
                self._bind(".".join(parts[:size]), _Import(self._tick(), "", names))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        names = tuple((a.name, a.asname) for a in node.names if a.name != "*")
        for alias in node.names:
            if alias.name != "*":
                self._bind(alias.asname or alias.name, _Import(self._tick(), module, names))

    def visit_Global(self, node: ast.Global) -> None:
        if self._scope is not self.module:
            self._scope.declared.update(dict.fromkeys(node.names, "global"))

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        if self._scope.parent is not None:
            self._scope.declared.update(dict.fromkeys(node.names, "nonlocal"))

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store):
            self._bind(node.id, self._tick())

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        label = "<main>" if self._main_depth else self._functions[-1] if self._functions else "<module>"
        self.calls.append(CallSite(node, self._scope, self._tick(), label))

    def visit_If(self, node: ast.If) -> None:
        main = is_main_guard(node)
        self._main_depth += main
        self.generic_visit(node)
        self._main_depth -= main

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        scope = self._scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent  # `:=` in a comprehension binds in the enclosing function
        self._bind(node.target.id, self._tick(), scope)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name, self._tick())
        for statement in node.body:
            self.visit(statement)

    def _visit_match_capture(self, node: ast.MatchAs | ast.MatchStar) -> None:
        self.generic_visit(node)
        if node.name:
            self._bind(node.name, self._tick())

    visit_MatchAs = visit_MatchStar = _visit_match_capture

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self.generic_visit(node)
        if node.rest:
            self._bind(node.rest, self._tick())

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        named = not isinstance(node, ast.Lambda)
        if named:
            self._functions.append(node.name)  # its decorators and defaults too, as the graph counts them
        self._visit_function_parts(node)
        if named:
            self._functions.pop()

    def _visit_function_parts(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for decorator in getattr(node, "decorator_list", ()):
            self.visit(decorator)
        arguments = node.args
        for default in (*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)):
            self.visit(default)
        if not isinstance(node, ast.Lambda):
            for annotation in _annotations(node):
                self.visit(annotation)
            self._bind(node.name, self._tick())
        params = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                  *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)]
        scope = _Scope("function", self._scope)
        for param in params:
            self._bind(param.arg, self._tick(), scope)
        outer, self._scope = self._scope, scope
        for statement in (node.body if isinstance(node.body, list) else [node.body]):
            self.visit(statement)
        self._scope = outer

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in (*node.decorator_list, *node.bases, *(k.value for k in node.keywords)):
            self.visit(expression)
        self._bind(node.name, self._tick())
        self._in_scope("class", node.body)

    def _visit_comprehension(self, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        first, *rest = node.generators
        self.visit(first.iter)  # evaluated in the enclosing scope
        parts: list[ast.AST] = [first.target, *first.ifs]
        for generator in rest:
            parts += [generator.iter, generator.target, *generator.ifs]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self._in_scope("comprehension", parts)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension


def _index(binding: _Import | int) -> int:
    return binding.index if isinstance(binding, _Import) else binding


def _annotations(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.expr]:
    arguments = node.args
    for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)):
        if arg.annotation is not None:
            yield arg.annotation
    if node.returns is not None:
        yield node.returns
