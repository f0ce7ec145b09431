"""Qualified names (``os.environ.get``, ``builtins.print``), as libcst's scope analysis gives them,
for a third of its cost: the oracle the ast engine's :class:`tfa_lint.semantic.SemanticModel` is
checked against (tests/test_semantic.py, ``bench/semantic_check.py``). The rules ran on it
until the engine moved to ``ast``; it lives in bench/ since, as the reference only.

Rules ask what a callee, a subscripted value or a base class resolves to. libcst answers with
``ScopeProvider``: a pass of ``ExpressionContextProvider`` to tell stores from loads, then a
pass that builds the scopes, records the scope of every node, creates an ``Access`` for every
name read and resolves all of them. Measured on 150 langgraph files it cost 1.7 times the parse.

:class:`NameResolver` builds the same scopes with libcst's own ``Scope`` classes, in one walk
that mirrors ``ScopeVisitor`` method by method (so assignments get the same order indices),
tells stores from loads from the assignment targets themselves, and resolves a read only when
a rule asks about it. tests/test_names.py compares its answer with ``ScopeProvider``'s for
every name, attribute, call and subscript of the rule examples, the example repos and a
generated repo; ``bench/names_check.py`` does the same on any tree.

What it leaves out: names inside string annotations (``"Foo"``), which ``ScopeProvider``
parses and rules never ask about.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import (
    ClassScope,
    ComprehensionScope,
    FunctionScope,
    GlobalScope,
    QualifiedName,
    Scope,
)
from libcst.metadata.scope_provider import (
    _ASSIGNMENT_LIKE_NODES,
    AnnotationScope,
    BaseAssignment,
    _gen_dotted_names,
)

#: Node types ``get_full_name_for_node`` names: the only ones a query can resolve.
_NAMED = frozenset({cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.FunctionDef, cst.ClassDef,
                    cst.Decorator})
_ASSIGNMENT_LIKE = frozenset(_ASSIGNMENT_LIKE_NODES)
_Comprehension = cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
#: A name read: the scope it is read in, that scope's assignment count then, and the outermost
#: attribute around it (``a.b.c`` for the ``a`` in it), as ``ScopeVisitor`` defers them.
_Read = tuple[Scope, int, cst.Attribute | None]


def _stored_names(target: cst.BaseExpression, into: set[cst.Name]) -> None:
    """The names an assignment target binds: what ``ExpressionContextProvider`` marks STORE
    (attributes and subscripts bind none of their own names)."""
    if isinstance(target, cst.Name):
        into.add(target)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _stored_names(element.value, into)
    elif isinstance(target, cst.StarredElement):
        _stored_names(target.value, into)


class _ScopeWalker(cst.CSTVisitor):
    """``libcst.metadata.scope_provider.ScopeVisitor``, method for method, minus accesses."""

    def __init__(self) -> None:
        super().__init__()
        self.scope: Scope = GlobalScope()
        self.scope_of: dict[cst.CSTNode, Scope] = {}
        self.reads: dict[cst.Name, _Read] = {}
        self._stores: set[cst.Name] = set()
        self._top_attribute: list[cst.Attribute | None] = [None]

    def on_leave(self, original_node: cst.CSTNode) -> None:
        cls = type(original_node)
        if cls in _NAMED:
            self.scope_of[original_node] = self.scope
            if cls is cst.Call:
                self._top_attribute.pop()
        if cls in _ASSIGNMENT_LIKE:
            self.scope._assignment_count += 1

    # -- stores, which ScopeVisitor learns from ExpressionContextProvider -------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            _stored_names(target.target, self._stores)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        _stored_names(node.target, self._stores)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        _stored_names(node.target, self._stores)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        _stored_names(node.target, self._stores)

    def visit_AsName(self, node: cst.AsName) -> None:
        _stored_names(node.name, self._stores)

    def visit_Name(self, node: cst.Name) -> None:
        if node in self._stores:
            self.scope.record_assignment(node.value, node)
        else:
            self.reads[node] = (self.scope, self.scope._assignment_count, self._top_attribute[-1])

    # -- the rest follows ScopeVisitor ------------------------------------------------------
    def _visit_import_alike(self, node: cst.Import | cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            self.scope_of[alias] = self.scope
            bound = alias.asname.name if alias.asname is not None else alias.name
            for dotted, _ in _gen_dotted_names(bound):  # type: ignore[arg-type]
                self.scope.record_import_assignment(dotted, node, bound)
        return False

    visit_Import = visit_ImportFrom = _visit_import_alike

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if self._top_attribute[-1] is None:
            self._top_attribute[-1] = node
        node.value.visit(self)
        if self._top_attribute[-1] is node:
            self._top_attribute[-1] = None
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self._top_attribute.append(None)

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scope_of[node.name] = outer = self.scope
        if node.type_parameters:
            self.scope = AnnotationScope(outer, node, None)
            node.type_parameters.visit(self)
        around = self.scope
        self.scope = FunctionScope(around, node, get_full_name_for_node(node.name))
        node.params.visit(self)
        node.body.visit(self)
        self.scope = around
        for decorator in node.decorators:
            decorator.visit(self)
        if node.returns:
            node.returns.visit(self)
        self.scope = outer
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        outer = self.scope
        self.scope = FunctionScope(outer, node)
        node.params.visit(self)
        node.body.visit(self)
        self.scope = outer
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scope_of[node.name] = inner = self.scope
        self.scope = inner.parent
        for part in (node.default, node.annotation):
            if part:
                part.visit(self)
        self.scope = inner
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)  # the keyword is neither a store nor a read
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.scope.record_assignment(node.name.value, node)
        self.scope_of[node.name] = outer = self.scope
        for decorator in node.decorators:
            decorator.visit(self)
        if node.type_parameters:
            self.scope = AnnotationScope(outer, node, None)
            node.type_parameters.visit(self)
        for part in (*node.bases, *node.keywords):
            part.visit(self)
        around = self.scope
        self.scope = ClassScope(around, node, get_full_name_for_node(node.name))
        for statement in node.body.body:
            statement.visit(self)
        self.scope = outer
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        for item in node.names:
            self.scope.record_global_overwrite(item.name.value)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        for item in node.names:
            self.scope.record_nonlocal_overwrite(item.name.value)
        return False

    def _visit_comprehension(self, node: _Comprehension) -> bool:
        for_in: cst.CompFor | None = node.for_in
        while for_in is not None:
            _stored_names(for_in.target, self._stores)
            for_in = for_in.inner_for_in
        for_in = node.for_in
        for_in.iter.visit(self)  # the first iterable is evaluated outside the comprehension
        outer = self.scope
        self.scope = ComprehensionScope(outer, node)
        for_in.target.visit(self)
        self.scope._assignment_count += 1
        for condition in for_in.ifs:
            condition.visit(self)
        if for_in.inner_for_in:
            for_in.inner_for_in.visit(self)
        if isinstance(node, cst.DictComp):
            node.key.visit(self)
            node.value.visit(self)
        else:
            node.elt.visit(self)
        self.scope = outer
        return False

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension

    def visit_For(self, node: cst.For) -> bool:
        _stored_names(node.target, self._stores)
        node.target.visit(self)
        self.scope._assignment_count += 1
        for child in (node.iter, node.body, node.orelse, node.asynchronous):
            if child is not None:
                child.visit(self)
        return False

    def visit_TypeAlias(self, node: cst.TypeAlias) -> bool:
        self.scope.record_assignment(node.name.value, node)
        outer = self.scope
        self.scope = AnnotationScope(outer, node, None)
        if node.type_parameters is not None:
            node.type_parameters.visit(self)
        node.value.visit(self)
        self.scope = outer
        return False

    def visit_TypeVar(self, node: cst.TypeVar) -> bool:
        self.scope.record_assignment(node.name.value, node)
        if node.bound is not None:
            node.bound.visit(self)
        return False

    def visit_TypeVarTuple(self, node: cst.TypeVarTuple) -> bool:
        self.scope.record_assignment(node.name.value, node)
        return False

    def visit_ParamSpec(self, node: cst.ParamSpec) -> bool:
        self.scope.record_assignment(node.name.value, node)
        return False


class NameResolver:
    """What the names of one module resolve to. Built with one walk of the module; each
    answer is computed on the first question and remembered."""

    def __init__(self, module: cst.Module) -> None:
        walker = _ScopeWalker()
        module.visit(walker)
        self._scope_of = walker.scope_of
        self._reads = walker.reads
        self._answers: dict[cst.CSTNode, set[QualifiedName]] = {}
        self._names: dict[cst.CSTNode, frozenset[str]] = {}

    def qualified_names(self, node: cst.CSTNode) -> set[QualifiedName]:
        """``ScopeProvider``'s ``scope.get_qualified_names_for(node)``, with the scope libcst
        records for ``node``; an empty set for a node it records none for."""
        answer = self._answers.get(node)
        if answer is None:
            answer = self._answers[node] = self._resolve(node)
        return answer

    def names(self, node: cst.CSTNode) -> frozenset[str]:
        """Just the names of :meth:`qualified_names`: what rules compare, often several rules
        about the same call (on langgraph, 15 questions per distinct node)."""
        answer = self._names.get(node)
        if answer is None:
            answer = self._names[node] = frozenset(q.name for q in self.qualified_names(node))
        return answer

    def _resolve(self, node: cst.CSTNode) -> set[QualifiedName]:
        scope = self._scope_of.get(node)
        if scope is None:
            return set()
        referents = self._read_referents(node)
        if referents is not None:  # the node is a read: what it refers to at that point
            return {q for referent in referents for q in referent.get_qualified_names_for(referent.name)}
        # Not a read: libcst resolves its dotted name in the scope (its own reads are empty here).
        return set(scope.get_qualified_names_for(node))

    def _read_referents(self, node: cst.CSTNode) -> set[BaseAssignment] | None:
        """The assignments a read refers to, when ``node`` is the node libcst files the read
        under: the name itself, or the longest dotted prefix bound in its scope (``os.path``
        after ``import os.path``). None when ``node`` is no read."""
        head = node
        while isinstance(head, (cst.Attribute, cst.Call)):
            head = head.value if isinstance(head, cst.Attribute) else head.func
        read = self._reads.get(head) if isinstance(head, cst.Name) else None
        if read is None:
            return None
        scope, index, around = read
        read_node: cst.CSTNode = head
        name = head.value
        if around is not None:
            for dotted, part in _gen_dotted_names(around):
                if dotted in scope:
                    read_node, name = part, dotted
                    break
        if read_node is not node:
            return None
        # Access.record_assignments: only assignments made before the read in its own scope,
        # else the enclosing scope's.
        assignments = scope._resolve_scope_for_access(name, scope)
        earlier = {a for a in assignments if a.scope is not scope or a._index < index}
        if not earlier and assignments and scope.parent is not scope:
            earlier = set(scope.parent._resolve_scope_for_access(name, scope))
        return earlier
