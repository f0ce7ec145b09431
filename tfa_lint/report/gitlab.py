"""GitLab Code Quality: the JSON array of issues that GitLab shows in merge requests
(``artifacts: reports: codequality:``).

Each issue has the fields GitLab documents (https://docs.gitlab.com/ci/testing/code_quality/):
``description``, ``check_name``, ``fingerprint``, ``severity`` and ``location: {path, lines:
{begin}}``. Paths are relative to the checkout's top, where GitLab resolves them, even when a
subdirectory was scanned. GitLab tells new issues from old ones by fingerprint, so each finding
keeps its own (the baseline's key, which survives line moves). Files tfa-lint could not check
are issues too, so a partial scan never looks like a clean one.
"""

from __future__ import annotations

import hashlib
import json
import posixpath

from tfa_lint.engine import ScanResult
from tfa_lint.model import Diagnostic, Finding, Severity
from tfa_lint.report import ReportOptions, priority
from tfa_lint.rule import Rule
from tfa_lint.score import Scorecard

#: GitLab's scale is info, minor, major, critical, blocker. Blocker is left out: tfa-lint
#: judges practice, and a leaked credential (critical) is the worst it finds.
_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.NOTE: "info"}
_DIAGNOSTIC = {"internal-error": "tfa-lint", "file-skipped": "tfa-lint could not check this file",
               "file-partly-checked": "tfa-lint checked this file only in part"}


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    rules = {r.id: r for r in result.rules}
    issues = [_finding_issue(f, rules[f.rule], result) for f in sorted(result.findings, key=priority(rules))]
    issues += [_diagnostic_issue(d, result.checkout_prefix) for d in result.diagnostics]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def severity(rule: type[Rule]) -> str:
    """The GitLab severity of a rule's findings: a security error is critical."""
    if rule.security and rule.severity is Severity.ERROR:
        return "critical"
    return _SEVERITY[rule.severity]


def _finding_issue(finding: Finding, rule: type[Rule], scan: ScanResult) -> dict:
    return {
        # The message as every report shows it (rules redact secrets); the id for `tfa-lint explain`.
        "description": f"{rule.id}: {finding.message}",
        "check_name": rule.id,
        "fingerprint": _in_checkout(scan.identities[finding].fingerprint, scan.checkout_prefix),
        "severity": severity(rule),
        "location": {"path": _checkout_path(scan.checkout_prefix, finding.path),
                     "lines": {"begin": max(finding.line, 1)}},
    }


def _diagnostic_issue(diagnostic: Diagnostic, prefix: str) -> dict:
    kind = diagnostic.kind
    path = _checkout_path(prefix, diagnostic.path)
    return {
        "description": f"{_DIAGNOSTIC[kind]}: {diagnostic.message}",
        "check_name": f"tfa-lint/{kind}",
        "fingerprint": _digest(kind, path, diagnostic.message),
        # An internal error fails the run (exit code 2); a skipped file hides what it holds.
        "severity": "major" if diagnostic.internal else "minor" if diagnostic.skipped else "info",
        "location": {"path": path, "lines": {"begin": 1}},
    }


def _checkout_path(prefix: str, path: str) -> str:
    """``path`` (relative to the scanned root) relative to the checkout. A baseline kept above
    the scanned directory is named ``../…`` from it: joined with the prefix, that is its path in
    the checkout (still ``../…`` only when it lies outside the checkout)."""
    return posixpath.normpath(prefix + path)


def _in_checkout(fingerprint: str, prefix: str) -> str:
    """A finding's fingerprint, unique in the checkout. Ours hashes the path from the scanned
    root, so a monorepo with one report per service would give two services' identical lines
    one fingerprint, and GitLab would show one of them; the scanned directory tells them apart."""
    return _digest(prefix, fingerprint) if prefix else fingerprint


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
