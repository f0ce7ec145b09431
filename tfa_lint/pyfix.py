"""Python rewrites for fixes, with libcst: comments, formatting and quotes stay as written.

A rule imports this module only when it builds a fix for a Python file it reports, so a scan
whose Python findings offer no fix never imports libcst (``tests/test_engine_imports.py``).
``PythonSource`` parses one file and gives what the fixes of several rules need: where a node
is (as character offsets into the text the rule read, what an ``Edit`` takes), the code of a
node, which names the module binds, and the edits that add an import where isort would put it
and a module logger after the imports. Each of those is the same ``Edit`` for every fix of the
file, so the fixer makes it once and fixes every finding of the file in one pass.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import (
    CodeRange,
    FunctionScope,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from tfa_lint.fix import Edit

N = TypeVar("N", bound=cst.CSTNode)
T = TypeVar("T")


def optional_fix(build: Callable[[], T], default: T) -> T:
    """``build()``, or ``default`` when building the fix fails. A fix is an extra: code shaped
    in a way no fix foresaw (a relative import, an odd statement) must cost that fix only, never
    the rule's findings, which a raised exception would take with it for the whole repository."""
    try:
        return build()
    except Exception:  # noqa: BLE001 - any failure means "no fix here", by design
        return default


_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
#: Names a module logger goes by, in the order one is preferred when a module has several.
LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log", "_LOGGER", "_LOG")


class PythonSource:
    """One Python file parsed with libcst, for the fixes of its findings."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.module = cst.parse_module(text)  # raises cst.ParserSyntaxError
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self._positions = wrapper.resolve(PositionProvider)
        self._parents = wrapper.resolve(ParentNodeProvider)
        self._scopes = wrapper.resolve(ScopeProvider)
        self._line_starts = [0] + [m.end() for m in _LINE_BREAK_RE.finditer(text)]
        self.newline = self.module.default_newline

    @classmethod
    def parse(cls, path: str, text: str | None) -> PythonSource | None:
        """The file parsed, or None when there is no text or libcst cannot parse it."""
        if text is None:
            return None
        try:
            return cls(path, text)
        except (cst.ParserSyntaxError, RecursionError, ValueError):
            return None

    # -- where things are ----------------------------------------------------------------------
    def offset(self, line: int, column: int) -> int:
        """The character offset of 1-based ``line`` and 0-based ``column``."""
        if line - 1 >= len(self._line_starts):
            return len(self.text)
        return self._line_starts[line - 1] + column

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        where: CodeRange = self._positions[node]
        return (self.offset(where.start.line, where.start.column), self.offset(where.end.line, where.end.column))

    def code(self, node: cst.CSTNode) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def line_after(self, node: cst.CSTNode) -> int:
        """The offset where the line after ``node``'s last line starts (the end of the text when
        it is the last line)."""
        return self.offset(self._positions[node].end.line + 1, 0)

    def line_of(self, node: cst.CSTNode) -> int:
        """The offset where ``node``'s first line starts (a definition's first decorator's)."""
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.decorators:
            node = node.decorators[0]
        return self.offset(self._positions[node].start.line, 0)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def nodes_at(self, line: int, column: int, kind: type[N]) -> Iterator[N]:
        """The nodes of ``kind`` that start at 1-based ``line`` and 1-based ``column`` (as
        findings give them), outermost first."""
        for node, where in self._positions.items():
            if isinstance(node, kind) and where.start.line == line and where.start.column == column - 1:
                yield node

    def nodes_spanning(self, start: int, end: int, kind: type[N]) -> Iterator[N]:
        """The nodes of ``kind`` whose text holds the characters ``start``..``end``."""
        for node in self._positions:
            if isinstance(node, kind):
                first, last = self.span(node)
                if first <= start and end <= last:
                    yield node

    def replace(self, node: cst.CSTNode, content: str) -> Edit:
        start, end = self.span(node)
        return Edit.replace(self.path, self.text, start, end, content)

    # -- names ---------------------------------------------------------------------------------
    @property
    def global_scope(self) -> GlobalScope | None:
        scope = self._scopes.get(self.module)
        return scope if isinstance(scope, GlobalScope) else None

    def global_bindings(self, name: str) -> list[cst.CSTNode]:
        """The nodes that bind ``name`` in the module's global scope (imports, assignments,
        definitions, ``global`` assignments in functions)."""
        scope = self.global_scope
        if scope is None:
            return []
        return [a.node for a in scope.assignments[name]] if name in scope.assignments else []

    def shadowed(self, node: cst.CSTNode, name: str) -> bool:
        """Whether a scope around ``node`` (a function, class or comprehension) binds ``name``
        itself, so that ``name`` there is not the module's."""
        scope: Scope | None = self._scopes.get(node)
        while scope is not None and not isinstance(scope, GlobalScope):
            if name in scope.assignments:
                return True
            scope = scope.parent
        return False

    def deferred(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` runs only when a function around it is called, not on import."""
        scope: Scope | None = self._scopes.get(node)
        while scope is not None and not isinstance(scope, GlobalScope):
            if isinstance(scope, FunctionScope):
                return True
            scope = scope.parent
        return False

    def imports_module(self, module: str) -> bool:
        """Whether the module body binds ``module`` by ``import module`` and by nothing else."""
        bindings = self.global_bindings(module)
        return bool(bindings) and all(
            isinstance(b, cst.Import) and any(_dotted(a.name) == module and a.asname is None for a in b.names)
            for b in bindings)

    # -- imports -------------------------------------------------------------------------------
    def import_block(self) -> ImportBlock:
        return ImportBlock.of(self)

    def add_import(self, module: str) -> Edit | None:
        """``import module`` (a standard library module) where isort would put it, or None when
        the module is imported already."""
        if self.imports_module(module):
            return None
        return self.import_block().insertion(self, module)


@dataclass(frozen=True)
class ImportLine:
    statement: cst.SimpleStatementLine
    module: str  # the first module it names ("os", "openai.types", ".local")
    straight: bool  # `import x`, not `from x import y`

    @property
    def section(self) -> str:
        """isort's section: future, stdlib or other (third-party, first-party and local alike)."""
        if self.module == "__future__":
            return "future"
        if self.module.split(".")[0] in sys.stdlib_module_names:
            return "stdlib"
        return "other"


@dataclass(frozen=True)
class ImportBlock:
    """The imports at the top of a module: the docstring, then import lines, and the ``try`` and
    ``if`` blocks among them that import (``try: import ujson``); the first other statement ends it."""

    docstring: cst.SimpleStatementLine | None
    lines: tuple[ImportLine, ...]
    last: cst.BaseStatement | None  # the block's last statement
    first_code: cst.BaseStatement | None  # the first statement after it

    @classmethod
    def of(cls, source: PythonSource) -> ImportBlock:
        body: Sequence[cst.BaseStatement] = source.module.body
        docstring = None
        index = 0
        if body and _is_docstring(body[0]):
            docstring = body[0]  # type: ignore[assignment]
            index = 1
        lines: list[ImportLine] = []
        last = None
        for statement in body[index:]:
            if isinstance(statement, cst.SimpleStatementLine) and all(
                    isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body):
                first = statement.body[0]
                lines.append(ImportLine(statement, _import_module(first), isinstance(first, cst.Import)))  # type: ignore[arg-type]
            elif not (isinstance(statement, (cst.Try, cst.If)) and _imports(statement)):
                return cls(docstring, tuple(lines), last or docstring, statement)
            last = statement
        return cls(docstring, tuple(lines), last or docstring, None)

    def insertion(self, source: PythonSource, module: str) -> Edit:
        """``import module`` (standard library) among the standard library imports, straight
        imports before ``from`` imports, alphabetically; a new section when there is none."""
        newline = source.newline
        stdlib = [line for line in self.lines if line.section == "stdlib"]
        straight = [line for line in stdlib if line.straight]
        statement = f"import {module}{newline}"
        later = next((line for line in straight if line.module.lower() > module.lower()), None)
        if later is not None:
            at, content = source.line_of(later.statement), statement
        elif straight:
            at, content = source.line_after(straight[-1].statement), statement
        elif stdlib:
            at, content = source.line_of(stdlib[0].statement), statement
        else:
            other = next((line for line in self.lines if line.section == "other"), None)
            future = [line for line in self.lines if line.section == "future"]
            if other is not None:  # a standard library section before the others
                at, content = source.line_of(other.statement), statement + newline
            elif future:
                at, content = source.line_after(future[-1].statement), newline + statement
            elif self.docstring is not None:
                at, content = source.line_after(self.docstring), newline + statement
            else:
                first = self.first_code
                at = source.line_of(first) if first is not None else len(source.text)
                content = statement + (newline if first is not None else "")
        return _insert(source, at, content)

    def after(self, source: PythonSource, content: str) -> Edit:
        """``content`` (lines) after the block, a blank line before it."""
        if self.last is None:  # no docstring, no imports: at the top, before the first statement
            at = source.line_of(self.first_code) if self.first_code is not None else len(source.text)
            return _insert(source, at, content + (source.newline if self.first_code is not None else ""))
        return _insert(source, source.line_after(self.last), source.newline + content)


def merged(edits: Sequence[Edit | None]) -> tuple[Edit, ...]:
    """The edits without the missing ones, insertions at one place joined into one edit (in the
    order given): the edits of one fix must not overlap."""
    out: list[Edit] = []
    for edit in edits:
        if edit is None:
            continue
        same = next((i for i, e in enumerate(out) if e.start == e.end == edit.start == edit.end and e.path == edit.path),
                    None)
        if same is None:
            out.append(edit)
        else:
            first = out[same]
            out[same] = Edit(first.path, first.start, first.end, first.content + edit.content, first.expect)
    return tuple(out)


def _insert(source: PythonSource, at: int, content: str) -> Edit:
    """An insertion at ``at``; at the end of a text without a final line break, one comes first."""
    if at == len(source.text) and source.text and not source.text.endswith(("\n", "\r")):
        content = source.newline + content
    return Edit.insert(source.path, source.text, at, content)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _imports(statement: cst.CSTNode) -> bool:
    """Whether a compound statement holds an import (``try: import ujson``, ``if TYPE_CHECKING:``)."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> None:
            nonlocal found
            found = True

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            nonlocal found
            found = True

    statement.visit(Finder())
    return found


def _import_module(statement: cst.Import | cst.ImportFrom) -> str:
    if isinstance(statement, cst.Import):
        return _dotted(statement.names[0].name)
    dots = "." * len(statement.relative)
    return dots + (_dotted(statement.module) if statement.module is not None else "")


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
