"""Map, then reduce.

The map is :func:`tfa_lint.analysis.analyze_file` over every file, run by
:mod:`tfa_lint.parallel` in a process pool and through the content-hash cache. ``scan`` is
the reduce: it builds the repository view, runs repo rules over facts
and manifests, decides which rules apply, applies suppressions and config, and returns a
:class:`ScanResult` for scoring and reporting.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from tfa_lint import baseline
from tfa_lint.analysis import FileResult
from tfa_lint.baseline import StaleBaselineEntry
from tfa_lint.cache import ResultCache
from tfa_lint.config import Config
from tfa_lint.discover import discover, find_vcs, read_listed
from tfa_lint.fingerprint import Identity, identify
from tfa_lint.model import (
    Diagnostic,
    FileRef,
    Finding,
    ProjectKind,
    Repo,
)
from tfa_lint.parallel import Progress, analyze_files
from tfa_lint.rule import Rule, RuleSet, load_rules
from tfa_lint.sources import SourceError, decode
from tfa_lint.suppress import UnusedSuppression


@dataclass
class ScanResult:
    root: Path
    rules: list[type[Rule]]  # the selected rules
    applicability: dict[str, str | None]  # rule id -> None (applies) or the reason it does not
    #: What to report: findings in scope, not recorded in the baseline, plus stale baseline entries.
    findings: list[Finding]
    diagnostics: list[Diagnostic]
    files: list[FileRef]
    suppressed: int = 0
    #: Every finding left after suppressions, in the whole repository: what the score counts.
    #: A baseline records known debt, it does not pay it, so baselined findings still count.
    all_findings: list[Finding] = field(default_factory=list)
    baselined: list[Finding] = field(default_factory=list)
    #: Fingerprint and GitHub line hash of every reported and baselined finding.
    identities: dict[Finding, Identity] = field(default_factory=dict)
    #: The paths reported on, or None for the whole repository (see ``report_scope``).
    scope: tuple[str, ...] | None = None
    #: The top of the version-control checkout holding the root (None outside one).
    checkout: Path | None = None
    #: What the rules judged each project to be (application, library, cli), when one asked.
    projects: tuple[ProjectKind, ...] = ()

    @property
    def checkout_prefix(self) -> str:
        """The root's path inside its checkout ("" or "services/agent/"). Code scanning and
        annotations resolve paths against the checkout, not against the scanned directory."""
        if self.checkout is None:
            return ""
        rel = self.root.resolve().relative_to(self.checkout).as_posix()
        return "" if rel == "." else rel + "/"

    @property
    def unreported(self) -> list[Finding]:
        """Findings outside the paths reported on: never silently gone, counted in reports."""
        return [f for f in self.all_findings if not in_scope(f.path, self.scope)]


def report_scope(paths: list[Path], root: Path) -> tuple[str, ...] | None:
    """The repo-relative paths whose findings are reported; ``None`` when it is the whole root.

    tfa-lint always reads the whole repository, because its repo rules join files (imports
    and manifests, EXPOSE and the bind call, any SIGTERM handler anywhere): a few paths alone
    would give wrong answers. Naming paths — as pre-commit does with the staged files —
    narrows what is *reported*, never what is *read*.
    """
    scope = []
    for given in paths:
        rel = _relative_to_root(given, root)
        if rel == ".":
            return None
        scope.append(str(given) if rel is None else rel)  # discover reports one outside the root
    return tuple(sorted(set(scope)))


def _relative_to_root(path: Path, root: Path) -> str | None:
    """``path`` relative to ``root`` (posix), or None when it lies outside. The plain absolute
    path is tried first, so a file named through a symlinked directory (``/tmp`` on macOS)
    keeps the name it was given."""
    root = root.resolve()
    for candidate in (Path(os.path.abspath(path)), Path(path).resolve()):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def in_scope(path: str, scope: tuple[str, ...] | None) -> bool:
    return scope is None or path == "." or any(path == s or path.startswith(s + "/") for s in scope)


def scan(paths: list[Path], root: Path, config: Config, rules: list[type[Rule]], *, jobs: int = 1,
         cache: ResultCache | None = None, progress: Progress | None = None, read_whole: bool = True) -> ScanResult:
    """Discover, map every file, reduce over the repository, filter what users silenced, and
    set aside what the baseline records.

    ``jobs`` processes analyse files; ``cache`` serves the files analysed before; ``progress``
    hears how many files are done. None of them changes the result. ``read_whole=False`` reads
    only ``paths``: files outside any project, whose directory is not a repository."""
    scope = report_scope(paths, root)
    # Read first: an unusable baseline is a usage error, not something to learn after the scan.
    recorded = baseline.load(config.baseline) if config.baseline is not None else None
    outside = [p for p in paths if _relative_to_root(p, root) is None]
    files, diagnostics = discover([root, *outside] if read_whole else paths, root, exclude=config.all_excludes)
    rule_set = RuleSet.of(rules)
    results = analyze_files(files, rule_set, jobs=jobs, cache=cache, progress=progress,
                            file_timeout=config.file_timeout)
    vcs = find_vcs(root)

    refs = [FileRef(r.path, r.kind, r.size) for r in results if r.checked]
    repo = Repo(
        files=tuple(refs),
        vcs=vcs[0] if vcs else None,
        artifacts_by_path={r.path: r.artifact for r in results if r.artifact is not None},
        all_facts=tuple(f for r in results for f in r.facts),
        reader=_reader(root, refs),
    )
    findings = [f for r in results for f in r.findings]
    for rule_cls in rule_set.repo:
        try:
            findings.extend(rule_cls().check(repo))
        except Exception as exc:
            diagnostics.append(Diagnostic(".", f"internal error in {rule_cls.id}: {type(exc).__name__}: {exc}",
                                          skipped=False))
    applicability: dict[str, str | None] = {}
    for rule_cls in rules:
        try:
            applicability[rule_cls.id] = rule_cls.applies(repo)
        except Exception as exc:
            applicability[rule_cls.id] = f"internal error deciding applicability: {exc}"
            diagnostics.append(Diagnostic(".", f"internal error in {rule_cls.id}.applies: {exc}", skipped=False))
    findings = [f for f in findings if applicability.get(f.rule) is None]

    kept, suppressed = _apply_suppressions(findings, results, config, {r.id for r in rules}, applicability)
    for r in results:
        diagnostics.extend(r.diagnostics)
    kept = sorted(set(kept))
    reported = [f for f in kept if in_scope(f.path, scope)]
    identities = identify(root, reported, {r.path: r.kind for r in results})
    baselined: list[Finding] = []
    if config.baseline is not None and recorded is not None:
        reported, baselined, stale = _apply_baseline(reported, identities, recorded, config.baseline, root,
                                                     scope, {r.id for r in rules})
        identities.update(identify(root, stale, {}))
        reported = sorted([*reported, *stale])
    return ScanResult(root=root, rules=rules, applicability=applicability, findings=reported,
                      diagnostics=[d for d in sorted(set(diagnostics)) if in_scope(d.path, scope)],
                      files=refs, suppressed=suppressed, all_findings=kept, baselined=baselined,
                      identities=identities, scope=scope, checkout=vcs[1] if vcs else None,
                      projects=tuple(repo.projects))


def _reader(root: Path, refs: list[FileRef]) -> Callable[[str], str | None]:
    """What ``Repo.text_of`` reads with: a listed file under the root, through ``read_listed``
    (regular files only, never past the listed size), decoded as the map decoded it."""
    listed = {ref.path: ref for ref in refs}

    def read(path: str) -> str | None:
        ref = listed.get(path)
        if ref is None or path.startswith("/") or ".." in path.split("/"):
            return None
        try:
            return decode(read_listed(root / path, ref.size), ref.kind)
        except (OSError, SourceError):
            return None

    return read


def _apply_baseline(findings: list[Finding], identities: dict[Finding, Identity], entries: list[baseline.Entry],
                    path: Path, root: Path, scope: tuple[str, ...] | None, selected: set[str]
                    ) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """(new findings, findings the baseline records, a TFA0002 finding per stale entry)."""
    recorded = {e.fingerprint for e in entries}
    new = [f for f in findings if identities[f].fingerprint not in recorded]
    hidden = [f for f in findings if identities[f].fingerprint in recorded]
    matched = {identities[f].fingerprint for f in hidden}
    stale: list[Finding] = []
    if StaleBaselineEntry.id in selected:
        where = Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()
        for entry in entries:
            # An entry can only be judged when this run looked for its rule in its file.
            if entry.fingerprint in matched or entry.rule not in selected or not in_scope(entry.path, scope):
                continue
            stale.append(StaleBaselineEntry.finding(
                where, entry.line, 1,
                f"Baseline entry for {entry.rule} in `{entry.path}` matches no finding any more (fixed, or "
                f"its line changed): prune it with `tfa-lint --write-baseline {where}`, which keeps only "
                "what still matches"))
    return new, hidden, stale


def _apply_suppressions(findings: list[Finding], results: list[FileResult], config: Config,
                        selected: set[str], applicability: dict[str, str | None]) -> tuple[list[Finding], int]:
    by_path = {r.path: r.suppressions for r in results}
    pfi = [(pathspec.GitIgnoreSpec.from_lines([p]), set(ids)) for p, ids in config.per_file_ignores.items()]
    used: set[tuple[str, int, str]] = set()
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        if any(spec.match_file(finding.path) and any(finding.rule.startswith(i) for i in ids) for spec, ids in pfi):
            suppressed += 1
            continue
        hit = next((s for s in by_path.get(finding.path, ())
                    if finding.rule in s.ids and s.target in (0, finding.line)), None)
        if hit is not None:
            used.add((finding.path, hit.line, finding.rule))
            suppressed += 1
        else:
            kept.append(finding)
    if UnusedSuppression.id in selected:
        for path, sups in by_path.items():
            for s in sups:
                for rule_id in s.ids:
                    if (path, s.line, rule_id) in used:
                        continue
                    if rule_id not in applicability:
                        if _known_id(rule_id):
                            continue  # a real rule this run did not select: cannot judge
                        message = f"`tfa: ignore[{rule_id}]` names no known rule; remove it or fix the id"
                    elif applicability[rule_id] is not None:
                        continue  # the rule does not apply here: nothing to judge
                    else:
                        message = f"`tfa: ignore[{rule_id}]` suppresses nothing here; remove it"
                    kept.append(UnusedSuppression.finding(path, s.line, s.column, message))
    return kept, suppressed


def _known_id(rule_id: str) -> bool:
    return rule_id in load_rules()
