"""The public rule API: what a rule is, what it reports, and where rules come from.

A rule is one class carrying its id, factor, severity, docs and the examples that must and
must not fire (the style of Fixit's ``LintRule``). There are three kinds of check:

* :class:`AstRule` — a visitor of CPython's ``ast``, asking the file's one
  :class:`~tfa_lint.semantic.SemanticModel` for names and context. Every ast rule of a run
  shares one walk per file, so a rule only declares the nodes it cares about.
* :class:`ArtifactRule` — a function over one parsed artifact (Dockerfile, requirements file,
  Procfile, compose file, ``.env`` file, pyproject, or any file's text).
* :class:`RepoRule` — a function over the whole repository's *facts* and parsed manifests,
  for the checks that join several files.

Per-file facts come from :class:`AstCollector` visitors that a rule names in ``collectors``;
they run in the same walk as the Python rules.

``PythonRule`` and ``FactCollector``, the libcst visitors of versions before 0.2, are gone:
see :data:`_REMOVED`.

Rules see only this module and :mod:`tfa_lint.model`; never the engine.
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, ClassVar

from tfa_lint.facts import FactData, FactError
from tfa_lint.fix import Fix
from tfa_lint.model import (
    FACTOR_NAMES,
    Artifact,
    Fact,
    FileKind,
    Finding,
    Repo,
    Severity,
    path_role,
)
from tfa_lint.redact import redact_known_keys
from tfa_lint.semantic import SemanticModel

__all__ = [
    "ArtifactRule",
    "AstCollector",
    "AstRule",
    "Example",
    "FactData",
    "PythonFile",
    "RepoRule",
    "Rule",
    "RuleError",
    "load_rules",
]

RULE_ID_RE = re.compile(r"^TFA(0[0-9]|1[0-2])\d\d$")  # factor 00: the tool's own checks
ENTRY_POINT_GROUP = "tfa_lint.rules"
#: SARIF's precision levels, most trusted first.
PRECISIONS = ("very-high", "high", "medium", "low")
#: The stable bar (issue 15): a rule is on by default and scored only when the field corpus
#: measured at least this precision over at least this many judged findings, or, where the
#: corpus holds fewer of its findings, none of them false.
STABLE_PRECISION = 0.90
STABLE_MIN_JUDGED = 20


class RuleError(Exception):
    """A rule class is malformed, or two rules claim the same id."""


@dataclass(frozen=True)
class Example:
    """A small repository on which a rule must (``invalid``) or must not (``valid``) fire.

    ``files`` maps relative paths to contents; a plain string is a one-file repo at ``path``.
    An invalid example may pin, as Fixit's ``expected_message`` and ``range`` do:

    * ``lines``: the 1-based lines where the rule must fire;
    * ``columns``: with ``lines``, the 1-based column (characters) of the finding on each of
      those lines, in the same order;
    * ``message``: a substring every finding's message must hold;
    * ``fixed``: the files the rule's fixes (safe and unsafe) change, as they must read after
      one pass; ``{}`` pins that the rule offers no fix here (a must-not-fix example).
    """

    files: Mapping[str, str]
    lines: tuple[int, ...] = ()
    columns: tuple[int, ...] = ()
    message: str = ""
    fixed: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.columns and len(self.columns) != len(self.lines):
            raise RuleError(f"an example pins {len(self.columns)} column(s) for {len(self.lines)} line(s)")

    @classmethod
    def of(cls, code: str, path: str = "app.py", *, lines: tuple[int, ...] = (), columns: tuple[int, ...] = (),
           message: str = "", fixed: str | Mapping[str, str] | None = None) -> Example:
        """A one-file example; ``fixed`` is that file after the fixes (or ``{}``: no fix offered)."""
        return cls.repo({path: code}, lines=lines, columns=columns, message=message,
                        fixed={path: fixed} if isinstance(fixed, str) else fixed)

    @classmethod
    def repo(cls, files: Mapping[str, str], *, lines: tuple[int, ...] = (), columns: tuple[int, ...] = (),
             message: str = "", fixed: Mapping[str, str] | None = None) -> Example:
        def dedent(text: str) -> str:
            return textwrap.dedent(text).lstrip("\n")

        return cls(files={p: dedent(t) for p, t in files.items()}, lines=lines, columns=columns, message=message,
                   fixed=None if fixed is None else {p: dedent(t) for p, t in fixed.items()})

    @property
    def primary(self) -> tuple[str, str]:
        """The example's first file, shown in the docs."""
        path = next(iter(self.files))
        return path, self.files[path]


@dataclass(frozen=True)
class FieldPrecision:
    """What labeling a rule's findings on the field corpus measured (``bench/precision.py``):
    how many findings it made there, and of those read in their code, how many were true,
    false or debatable. ``unlabeled`` counts sampled findings nobody has read yet."""

    findings: int = 0
    true: int = 0
    false: int = 0
    debatable: int = 0
    unlabeled: int = 0

    @property
    def judged(self) -> int:
        """Findings with a verdict either way; debatable ones are left out of the precision."""
        return self.true + self.false

    @property
    def precision(self) -> float | None:
        return self.true / self.judged if self.judged else None

    @property
    def qualifies(self) -> bool:
        """Whether the rule meets the stable bar: every sampled finding read, and at least
        STABLE_PRECISION over STABLE_MIN_JUDGED judged findings, or none false below that."""
        if self.unlabeled:
            return False
        if self.judged >= STABLE_MIN_JUDGED:
            return self.true >= STABLE_PRECISION * self.judged
        return self.false == 0

    @property
    def level(self) -> str:
        """The measured precision as one of SARIF's levels."""
        value = self.precision
        if value is None:
            return "medium"
        return "very-high" if value >= 0.95 else "high" if value >= 0.90 else "medium" if value >= 0.70 else "low"

    def describe(self) -> str:
        """One phrase: ``94% of 31 judged (2 debatable; 120 findings)``."""
        if not self.findings:
            return "no finding on the field corpus"
        text = f"{self.precision:.0%} of {self.judged} judged" if self.judged else "none judged"
        extras = [f"{self.debatable} debatable"] if self.debatable else []
        if self.unlabeled:
            extras.append(f"{self.unlabeled} not yet read")
        extras.append(f"{self.findings} finding{'s' if self.findings != 1 else ''}")
        return f"{text} ({'; '.join(extras)})"


class Rule:
    """Base of every rule. Subclasses set the class attributes below."""

    id: ClassVar[str]
    name: ClassVar[str]
    factor: ClassVar[int]
    severity: ClassVar[Severity]
    title: ClassVar[str]
    #: What the rule finds, why it breaks the factor, how to fix it (Markdown allowed).
    what: ClassVar[str]
    why: ClassVar[str]
    fix: ClassVar[str]
    invalid: ClassVar[tuple[Example, ...]]
    valid: ClassVar[tuple[Example, ...]]
    #: Invalid examples, by index, that pin ``lines`` but not ``columns``, each with the reason
    #: (findings in several files; a column that looks wrong). tests/test_rule_layout.py holds
    #: every other invalid example to pinning its columns.
    unpinned_columns: ClassVar[Mapping[int, str]] = {}
    #: Fact collectors whose output this rule (or its ``applies``) reads.
    collectors: ClassVar[tuple[type[AstCollector], ...]] = ()
    #: Findings that show a security problem. Such a rule also sets ``security_severity``.
    security: ClassVar[bool] = False
    #: A score in (0, 10] that GitHub code scanning shows as low (< 4), medium (< 7), high (< 9)
    #: or critical: how bad the worst true finding of this rule is.
    security_severity: ClassVar[float | None] = None
    #: How often a finding is a true problem (SARIF ``precision``), judged from the field
    #: trials in docs/field-trials.md. GitHub lists higher-precision results first.
    precision: ClassVar[str] = "high"
    #: Preview rules are off by default and never scored; ``--preview`` (or ``preview = true``)
    #: runs them, and naming one's exact id in ``select`` runs it alone. The built-in pack sets
    #: this from its measured ``field_precision``: a rule is stable only when it meets the bar.
    preview: ClassVar[bool] = False
    #: The field corpus measurement behind ``preview`` (built-in rules; None elsewhere).
    field_precision: ClassVar[FieldPrecision | None] = None
    #: When the rule attaches a fix, and how safe it is, in one sentence ("" when it never
    #: does): ``tfa-lint explain`` prints it. A rule that fixes pins the result in an invalid
    #: example's ``fixed`` (tests/test_rule_examples.py holds the two together).
    fixable: ClassVar[str] = ""

    _abstract: ClassVar[bool] = True
    #: Meta rules are reported by the engine itself (factor 0), never scored.
    _meta: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_abstract", False):
            return
        cls._abstract = False
        missing = [a for a in ("id", "name", "factor", "severity", "title", "what", "why", "fix",
                               "invalid", "valid") if not hasattr(cls, a)]
        if missing:
            raise RuleError(f"{cls.__qualname__} lacks {', '.join(missing)}")
        if not RULE_ID_RE.match(cls.id):
            raise RuleError(f"{cls.__qualname__}: id {cls.id!r} is not TFA + factor 01-12 + two digits")
        if cls.factor == 0 and not cls.__dict__.get("_meta", False):
            raise RuleError(f"{cls.id}: factor 00 is reserved for the engine's own checks")
        if int(cls.id[3:5]) != cls.factor:
            raise RuleError(f"{cls.id}: id says factor {int(cls.id[3:5])}, class says {cls.factor}")
        if not cls.invalid or not cls.valid:
            raise RuleError(f"{cls.id}: a rule ships examples that must and must not fire")
        if not isinstance(cls.severity, Severity):
            raise RuleError(f"{cls.id}: severity must be a Severity")
        if cls.precision not in PRECISIONS:
            raise RuleError(f"{cls.id}: precision must be one of {', '.join(PRECISIONS)}")
        if cls.security != (cls.security_severity is not None):
            raise RuleError(f"{cls.id}: a security rule sets security_severity, and only a security rule does")
        if cls.security_severity is not None and not 0 < cls.security_severity <= 10:
            raise RuleError(f"{cls.id}: security_severity must be in (0, 10]")

    # -- applicability -------------------------------------------------------------------
    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        """``None`` when the rule applies to ``repo``; otherwise the reason it does not.

        The reason is shown verbatim as the factor's "n/a — <reason>" when no rule of the
        factor applies. The default: the rule applies when the repo has a file it reads.
        """
        kinds = getattr(cls, "kinds", ())
        files = [p for k in kinds for p in repo.files_of(k)]
        if getattr(cls, "runtime_only", False):
            files = [p for p in files if path_role(p) in ("src", "script")]
        if kinds and not files:
            where = " outside tests and examples" if getattr(cls, "runtime_only", False) else ""
            return "no " + " or ".join(k.label for k in kinds) + f" found{where}"
        return None

    # -- status ----------------------------------------------------------------------------
    @classmethod
    def status(cls) -> str:
        """``stable`` (on by default, scored) or ``preview``."""
        return "preview" if cls.preview else "stable"

    @classmethod
    def precision_level(cls) -> str:
        """SARIF's ``precision``: measured on the field corpus where it was, else declared."""
        measured = cls.field_precision
        return measured.level if measured is not None and measured.judged else cls.precision

    @classmethod
    def status_line(cls) -> str:
        """``stable · field precision 94% of 31 judged (120 findings)``, for docs and listings."""
        measured = cls.field_precision
        return cls.status() + (f" · field precision {measured.describe()}" if measured is not None else "")

    # -- docs ------------------------------------------------------------------------------
    @classmethod
    def docs_markdown(cls) -> str:
        """The rule's docs in three parts, as ``tfa-lint explain`` and SARIF help show them."""
        bad_path, bad = cls.invalid[0].primary
        good_path, good = cls.valid[0].primary
        return (
            f"## {cls.id} — {cls.title}\n\n"
            f"Factor {cls.factor} ({FACTOR_NAMES.get(cls.factor, 'the tool itself')}) · severity {cls.severity.value}"
            f" · {cls.status_line()}"
            + (f" · security severity {cls.security_severity}" if cls.security else "")
            + f" · `{cls.name}`\n\n"
            f"### What it finds\n{_dedent(cls.what)}\n\n"
            f"### Why is this bad?\n{_dedent(cls.why)}\n\n"
            f"### How to fix\n{_dedent(cls.fix)}\n\n"
            + (f"**Fix available** (`--fix`; an unsafe one also needs `--unsafe-fixes`): {_dedent(cls.fixable)}\n\n"
               if cls.fixable else "")
            + f"### Example\n`{bad_path}`:\n```{_fence_lang(bad_path)}\n{redact_known_keys(bad.rstrip())}\n```\n\n"
            f"### Use instead\n`{good_path}`:\n```{_fence_lang(good_path)}\n{redact_known_keys(good.rstrip())}\n```\n"
        )

    # -- reporting -------------------------------------------------------------------------
    @classmethod
    def finding(cls, path: str, line: int, column: int, message: str, *,
                end_line: int | None = None, end_column: int | None = None, fix: Fix | None = None) -> Finding:
        return Finding(rule=cls.id, path=path, line=line, column=column,
                       end_line=end_line if end_line is not None else line,
                       end_column=end_column if end_column is not None else column,
                       message=message, fix=fix)


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip()


def _fence_lang(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return "python"
    if "Dockerfile" in name or "Containerfile" in name:
        return "dockerfile"
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name.endswith(".toml"):
        return "toml"
    return "text"


@dataclass(frozen=True)
class PythonFile:
    """What a Python visitor knows about the file it visits: its ``tree`` and the one
    ``semantic`` model every rule of the run shares."""

    path: str
    text: str
    role: str  # see tfa_lint.model.path_role
    tree: ast.Module = field(default_factory=lambda: ast.Module(body=[], type_ignores=[]), repr=False, compare=False)
    semantic: SemanticModel | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


class _AstVisitor:
    """Shared by ast rules and collectors: the file, its semantic model, positions.

    Declare ``visit_<Node>(self, node)`` and ``leave_<Node>(self, node)`` methods named after
    ``ast`` classes (``visit_Call``, ``leave_FunctionDef``; ``async def`` is
    ``AsyncFunctionDef``). Every ast rule and collector of a run shares one walk of each file
    (:func:`tfa_lint.analysis.dispatch`) and one :class:`~tfa_lint.semantic.SemanticModel`:
    ask ``self.semantic`` for names and context instead of tracking them."""

    def __init__(self, file: PythonFile) -> None:
        self.file = file
        self.semantic: SemanticModel = file.semantic  # type: ignore[assignment]
        # The model's own method, bound once: rules ask it of nearly every call they meet
        # (2.5 million times over deer-flow's 1,201 files), so a forwarding call counts.
        self.qualified_names = self.semantic.qualified_names  # type: ignore[method-assign]

    def position(self, node: ast.AST) -> tuple[int, int, int, int]:
        """1-based line and column (characters) of the node's start and end."""
        return self.semantic.position(node)

    def qualified_names(self, node: ast.AST) -> frozenset[str]:
        """What ``node`` resolves to (``openai.OpenAI``, ``builtins.print``)."""
        return self.semantic.qualified_names(node)

    def source_of(self, node: ast.AST) -> str:
        """The code a node was parsed from."""
        return self.semantic.source(node)


class AstRule(Rule, _AstVisitor):
    """A rule over a Python file's ``ast``: declare ``visit_<Node>`` methods, ask
    ``self.semantic``, and call :meth:`report`."""

    _abstract = True
    kinds: ClassVar[tuple[FileKind, ...]] = (FileKind.PYTHON,)

    def __init__(self, file: PythonFile) -> None:
        _AstVisitor.__init__(self, file)
        self.findings: list[Finding] = []

    def report(self, node: ast.AST, message: str, *, fix: Fix | None = None) -> None:
        line, col, end_line, end_col = self.position(node)
        self.findings.append(self.finding(self.file.path, line, col, message, end_line=end_line, end_column=end_col,
                                          fix=fix))


class AstCollector(_AstVisitor):
    """A visitor on ``ast`` that records typed facts about a Python file for the rules that
    name it in ``collectors``.

    Subclasses set ``name`` (unique), list in ``records`` the :class:`FactData` classes of the
    facts they record, and call :meth:`record` with a payload. Payload fields hold JSON values
    (str, int, float, bool, None, lists and str-keyed dicts of them): facts are what the engine
    keeps, and caches, per file (see :mod:`tfa_lint.facts`).
    """

    name: ClassVar[str]
    #: The payload classes of the facts this collector records.
    records: ClassVar[tuple[type[FactData], ...]] = ()

    def __init__(self, file: PythonFile) -> None:
        super().__init__(file)
        self.facts: list[Fact] = []

    def record(self, payload: FactData, node: ast.AST | None = None) -> None:
        """Record ``payload`` at ``node``'s start (the file's first line without one)."""
        line, col = (self.position(node)[:2] if node is not None else (1, 1))
        self.facts.append(self.fact(payload, line, col))

    def fact(self, payload: FactData, line: int, column: int) -> Fact:
        """The fact of ``payload`` at this file's ``line`` and ``column``, for collectors that
        keep facts aside to order them before recording; ``payload``'s class must be one the
        collector declares in ``records``."""
        if type(payload) not in self.records:
            raise FactError(f"{type(self).__qualname__} records a {type(payload).__qualname__} fact but does not "
                            f"declare it: add it to {type(self).__qualname__}.records")
        return Fact(kind=payload.kind, path=self.file.path, line=line, column=column, data=payload)


class ArtifactRule(Rule):
    """A rule over one parsed artifact: set ``kinds`` and implement :meth:`check`.

    ``runtime_only = True`` skips files of tests and examples (``path_role``), both when
    checking and when deciding whether the rule applies: a sample Dockerfile is not the image
    the repository ships.
    """

    _abstract = True
    kinds: ClassVar[tuple[FileKind, ...]]
    runtime_only: ClassVar[bool] = False

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        raise NotImplementedError


class RepoRule(Rule):
    """A rule over the whole repository: implement :meth:`check` (and usually ``applies``)."""

    _abstract = True

    def check(self, repo: Repo) -> Iterable[Finding]:
        raise NotImplementedError


# -- registry ------------------------------------------------------------------------------

def rules_in(module: ModuleType) -> Iterator[type[Rule]]:
    """Concrete rule classes defined in ``module`` (not the ones it imports)."""
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, Rule) and not value._abstract
                and value.__module__ == module.__name__):
            yield value


@functools.lru_cache(maxsize=2)
def load_rules(*, plugins: bool = True) -> dict[str, type[Rule]]:
    """The built-in pack plus every rule that installed packages add through the
    ``tfa_lint.rules`` entry-point group (an entry point names a module or a rule class)."""
    from tfa_lint import rules as builtin
    from tfa_lint.baseline import StaleBaselineEntry
    from tfa_lint.suppress import UnusedSuppression

    found: dict[str, type[Rule]] = {UnusedSuppression.id: UnusedSuppression,
                                    StaleBaselineEntry.id: StaleBaselineEntry}

    def add(rule: type[Rule], origin: str) -> None:
        if rule.id in builtin.RETIRED:
            raise RuleError(f"rule id {rule.id} is retired and never reused ({origin}): {builtin.RETIRED[rule.id]}")
        if rule.id in found and found[rule.id] is not rule:
            raise RuleError(f"rule id {rule.id} is claimed twice (again by {origin})")
        found[rule.id] = rule

    for module in builtin.MODULES:
        for rule in rules_in(module):
            add(rule, module.__name__)
    if plugins:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = ep.load()
            except Exception as exc:  # the plugin's own code: say whose it is, in one line
                raise RuleError(f"the rules plugin {ep.name} ({ep.value}) failed to load: "
                                f"{type(exc).__name__}: {exc}") from exc
            classes = list(rules_in(loaded)) if isinstance(loaded, ModuleType) else [loaded]
            for rule in classes:
                add(rule, f"entry point {ep.name}")
    return dict(sorted(found.items()))


@dataclass
class RuleSet:
    """The rules of one run, split by kind, in id order."""

    python: list[type[AstRule]] = field(default_factory=list)
    artifact: list[type[ArtifactRule]] = field(default_factory=list)
    repo: list[type[RepoRule]] = field(default_factory=list)

    @classmethod
    def of(cls, rules: Iterable[type[Rule]]) -> RuleSet:
        out = cls()
        for rule in sorted(rules, key=lambda r: r.id):
            if rule._meta:
                continue  # the engine reports these itself
            if issubclass(rule, AstRule):
                out.python.append(rule)
            elif issubclass(rule, ArtifactRule):
                out.artifact.append(rule)
            elif issubclass(rule, RepoRule):
                out.repo.append(rule)
            else:
                raise RuleError(f"{rule.id} is neither an AstRule, an ArtifactRule nor a RepoRule")
        return out

    @property
    def all(self) -> list[type[Rule]]:
        return sorted([*self.python, *self.artifact, *self.repo], key=lambda r: r.id)

    @property
    def collectors(self) -> list[type[AstCollector]]:
        """Every collector a selected rule asks for, each once, in a stable order."""
        seen: dict[str, type[AstCollector]] = {}
        for rule in self.all:
            for collector in rule.collectors:
                seen.setdefault(collector.name, collector)
        return [seen[k] for k in sorted(seen)]


#: The classes of the libcst engine, removed in 0.2, and what replaces each. A plugin that
#: imports one fails with this message instead of a bare "cannot import name".
_REMOVED = {
    "PythonRule": "AstRule",
    "FactCollector": "AstCollector",
}


def __getattr__(name: str) -> Any:
    if name in _REMOVED:
        raise ImportError(
            f"tfa_lint.rule.{name} (a libcst visitor) was removed in tfa-lint 0.2: subclass "
            f"{_REMOVED[name]}, whose visit_<Node> methods take CPython ast nodes and ask "
            f"self.semantic for names and context (see CONTRIBUTING.md)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
