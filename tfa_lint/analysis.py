"""The map's unit: everything one file contributes, computed from its path, kind and bytes.

``analyze_file`` parses the file once and runs every per-file rule on it — all Python rules
and fact collectors in one batched libcst traversal — and returns findings, facts, the parsed
manifest and the suppression directives. It is a pure function of its arguments, which is
what lets :mod:`tfa_lint.parallel` run it in other processes and cache it by content hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from tfa_lint import fastvisit
from tfa_lint.model import Artifact, Diagnostic, Fact, FileKind, Finding, path_role
from tfa_lint.rule import PythonFile, Rule, RuleSet
from tfa_lint.sources import SourceError, decode, parse_artifact
from tfa_lint.sources.python import parse_python
from tfa_lint.suppress import Suppression, parse_suppressions

fastvisit.install()


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
    if not rules.python and not rules.collectors:
        return
    try:
        module = parse_python(text)
    except SourceError as exc:
        result.diagnostics.append(Diagnostic(rel, f"{exc}: only text checks ran", skipped=False))
        return
    file = PythonFile(path=rel, text=text, role=path_role(rel), module=module)
    visitors = [r(file) for r in rules.python] + [c(file) for c in rules.collectors]
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    try:
        wrapper.visit_batched(visitors)
    except (Exception, RecursionError):
        # Find the culprit: run each visitor alone so the others still report.
        visitors = [type(v)(file) for v in visitors]
        for visitor in visitors:
            try:
                cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([visitor])
            except (Exception, RecursionError) as exc:
                name = getattr(visitor, "id", None) or getattr(visitor, "name", type(visitor).__name__)
                result.diagnostics.append(Diagnostic(
                    rel, f"internal error in {name}: {type(exc).__name__}: {exc}", skipped=False))
                visitor.findings = []  # type: ignore[attr-defined]
                visitor.facts = []  # type: ignore[attr-defined]
    for visitor in visitors:
        result.findings.extend(getattr(visitor, "findings", ()))
        result.facts.extend(getattr(visitor, "facts", ()))
