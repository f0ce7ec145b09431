"""The map's unit: everything one file contributes, computed from its path, kind and bytes.

``analyze_file`` parses the file once and runs every per-file rule on it — the Python rules
and fact collectors on ``ast`` in one shared walk over one semantic model (:func:`dispatch`) —
and returns findings, facts, the parsed manifest and the suppression directives. It is a pure function of its arguments, which is
what lets :mod:`tfa_lint.parallel` run it in other processes and cache it by content hash.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from tfa_lint.model import Artifact, Diagnostic, Fact, FileKind, Finding, path_role
from tfa_lint.rule import PythonFile, Rule, RuleSet
from tfa_lint.semantic import SemanticModel, child_fields
from tfa_lint.sources import SourceError, decode, parse_artifact
from tfa_lint.sources.python import parse_tree
from tfa_lint.suppress import Suppression, parse_suppressions


@dataclass
class FileResult:
    path: str
    kind: FileKind
    findings: list[Finding] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    artifact: Artifact | None = None  # parsed manifest, for repo rules (not Python)
    suppressions: list[Suppression] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: bool = True  # False when the file could not be read at all
    size: int = 0

    @classmethod
    def skipped(cls, path: str, kind: FileKind, why: str) -> FileResult:
        """A file not checked at all, with the diagnostic that says why."""
        return cls(path, kind, diagnostics=[Diagnostic(path, why)], checked=False)



def analyze_file(rel: str, kind: FileKind, data: bytes, rules: RuleSet) -> FileResult:
    """Everything one file contributes, computed from its bytes alone."""
    try:
        text = decode(data, kind)
    except SourceError as exc:
        return FileResult.skipped(rel, kind, f"{exc}: skipped")
    result = FileResult(rel, kind)
    result.suppressions = parse_suppressions(text, python=kind is FileKind.PYTHON, markup=kind is FileKind.README)

    if kind is FileKind.PYTHON:
        _run_python(rel, text, rules, result)
        artifact = Artifact(path=rel, kind=kind, text=text)
    else:
        try:
            artifact = parse_artifact(kind, rel, text)
        except SourceError as exc:
            result.diagnostics.append(Diagnostic(rel, f"{exc}; only text checks ran", skipped=False))
            artifact = Artifact(path=rel, kind=kind, text=text)
        else:
            result.artifact = artifact
            result.diagnostics.extend(Diagnostic(rel, problem, skipped=False) for problem in artifact.problems())
    runtime = path_role(rel) in ("src", "script")
    for rule_cls in rules.artifact:
        if rule_cls.runtime_only and not runtime:
            continue
        if kind in rule_cls.kinds and (type(artifact) is not Artifact or _reads_text(rule_cls)):
            _guarded(rule_cls, rel, result, lambda r=rule_cls: list(r().check(artifact)))
    return result


def _reads_text(rule_cls: type[Rule]) -> bool:
    """Rules that read plain text (``text_only``) run even where a parser failed."""
    return bool(getattr(rule_cls, "text_only", False))


def _guarded(rule_cls: type[Rule], rel: str, result: FileResult, run) -> None:
    try:
        result.findings.extend(run())
    except Exception as exc:  # a broken rule must not take the scan down with it
        result.diagnostics.append(Diagnostic(
            rel, f"internal error in {rule_cls.id}: {type(exc).__name__}: {exc}", skipped=False))


def _run_python(rel: str, text: str, rules: RuleSet, result: FileResult) -> None:
    classes = [*rules.python, *rules.collectors]
    if not classes:
        return
    try:
        tree = parse_tree(text)
        semantic = SemanticModel(tree, text)
    except SourceError as exc:
        result.diagnostics.append(Diagnostic(rel, f"{exc}: only text checks ran", skipped=False))
        return
    except RecursionError:
        result.diagnostics.append(Diagnostic(rel, "nested too deeply to analyse: only text checks ran",
                                             skipped=False))
        return
    file = PythonFile(path=rel, text=text, role=path_role(rel), tree=tree, semantic=semantic)
    visitors = [c(file) for c in classes]
    for visitor, exc in dispatch(tree, visitors):
        _report_crash(rel, visitor, exc, result)
    _collect(visitors, result)


def _report_crash(rel: str, visitor: object, exc: BaseException, result: FileResult) -> None:
    name = getattr(visitor, "id", None) or getattr(visitor, "name", type(visitor).__name__)
    result.diagnostics.append(Diagnostic(rel, f"internal error in {name}: {type(exc).__name__}: {exc}", skipped=False))
    visitor.findings = []  # type: ignore[attr-defined]
    visitor.facts = []  # type: ignore[attr-defined]


def _collect(visitors: list, result: FileResult) -> None:
    for visitor in visitors:
        result.findings.extend(getattr(visitor, "findings", ()))
        result.facts.extend(getattr(visitor, "facts", ()))


# -- the shared ast walk ----------------------------------------------------------------------
@functools.cache
def _hooks(cls: type) -> tuple[tuple[str, str], ...]:
    """(``visit`` or ``leave``, ast class name) for each hook a visitor class declares."""
    hooks = []
    for name in dir(cls):
        prefix, _, node_type = name.partition("_")
        if prefix in ("visit", "leave") and node_type and callable(getattr(cls, name)):
            hooks.append((prefix, node_type))
    return tuple(sorted(hooks))


#: The classes of the singletons ``semantic.LEAF_FIELDS`` holds: a walk for visitors
#: that hook none of them need not push them, a third of all nodes.
_LEAF_TYPES = frozenset(
    cls.__name__ for base in (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
    for cls in base.__subclasses__())


def dispatch(tree: ast.AST, visitors: list) -> list[tuple[object, BaseException]]:
    """One walk of ``tree`` calling every visitor's ``visit_<Node>`` on the way down and
    ``leave_<Node>`` on the way up, in the visitors' order; children in ``ast.iter_child_nodes``
    order. The walk keeps its own stack, so no nesting the parser accepts can exhaust Python's.
    A visitor that raises is dropped from the rest of the walk and returned with its exception;
    the others go on."""
    enter: dict[str, list[tuple[int, Callable]]] = {}
    leave: dict[str, list[tuple[int, Callable]]] = {}
    for index, visitor in enumerate(visitors):
        for kind, node_type in _hooks(type(visitor)):
            table = enter if kind == "visit" else leave
            table.setdefault(node_type, []).append((index, getattr(visitor, f"{kind}_{node_type}")))
    leaves = not _LEAF_TYPES.isdisjoint(enter) or not _LEAF_TYPES.isdisjoint(leave)
    failed: dict[int, BaseException] = {}

    # An entry is a node to enter, or a 1-tuple holding a node to leave.
    stack: list = [tree]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if type(node) is tuple:
            node = node[0]
            hooks = leave[type(node).__name__]
        else:
            cls = type(node)
            name = cls.__name__
            if name in leave:
                push((node,))
            for field in reversed(child_fields(cls, leaves)):  # last first: the stack pops the first
                value = getattr(node, field, None)
                if type(value) is list:
                    for child in reversed(value):
                        if isinstance(child, ast.AST):
                            push(child)
                elif isinstance(value, ast.AST):
                    push(value)
            hooks = enter.get(name)
            if not hooks:
                continue
        for index, hook in hooks:
            if failed and index in failed:
                continue
            try:
                hook(node)
            except Exception as exc:  # a broken rule must not take the others down
                failed[index] = exc
    return [(visitors[index], exc) for index, exc in failed.items()]
