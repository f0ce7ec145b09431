"""SARIF 2.1.0, shaped for GitHub code scanning (facts in ../shared/sarif/README.md).

One run, one tool. Every selected rule is in ``tool.driver.rules`` with the docs that
``tfa-lint explain`` prints as its help. Results point at URIs relative to the checkout's
top (``%SRCROOT%``, where GitHub resolves them, even when a subdirectory was scanned), carry GitHub's ``primaryLocationLineHash`` (so alerts follow code across
commits) and our own fingerprint (the baseline's key). Files tfa-lint could not check are
``toolExecutionNotifications``, so a partial scan never looks like a clean one.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import PurePath
from urllib.parse import quote

from tfa_lint import HOMEPAGE, __version__
from tfa_lint.docs import rule_url
from tfa_lint.engine import ScanResult
from tfa_lint.fix import Fix
from tfa_lint.fixer import placed
from tfa_lint.model import FACTOR_NAMES, Diagnostic, Finding, Severity
from tfa_lint.report import ReportOptions
from tfa_lint.rule import Rule
from tfa_lint.score import Scorecard

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: GitHub shows at most this many characters of a rule description.
_DESCRIPTION_LIMIT = 1024
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "recommendation"}


def render(result: ScanResult, card: Scorecard, options: ReportOptions) -> str:
    return json.dumps(sarif_log(result, card, options), indent=2, ensure_ascii=False) + "\n"


def sarif_log(result: ScanResult, card: Scorecard, options: ReportOptions) -> dict:
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    # A baseline kept outside the repository can have stale entries (TFA0002) there: code
    # scanning cannot show a file outside the checkout, so those become notifications.
    inside = [f for f in result.findings if not _outside(f.path)]
    outside = [f for f in result.findings if _outside(f.path)]
    run = {
        "tool": {"driver": {
            "name": "tfa-lint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": HOMEPAGE,
            "rules": [_descriptor(r) for r in rules],
        }},
        # "category/": GitHub keeps one analysis per category and commit.
        "automationDetails": {"id": f"{options.sarif_category}/"},
        "originalUriBaseIds": {SRCROOT: {"uri": (result.checkout or result.root.resolve()).as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [*(_notification(d, result.checkout_prefix) for d in result.diagnostics),
                                           *(_outside_notification(f) for f in outside)],
        }],
        "results": [_result(f, rules[index[f.rule]], index[f.rule], result) for f in inside],
        "properties": {
            "score": card.overall,
            "factors": [{"factor": f.factor, "name": f.name, "score": f.score, "summary": f.summary}
                        for f in card.factors],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _descriptor(rule: type[Rule]) -> dict:
    factor = FACTOR_NAMES.get(rule.factor)
    tags = ["twelve-factor", f"factor-{rule.factor:02d}" if factor else "tfa-lint"]
    if factor:
        tags.append(factor.lower().replace(",", "").replace("/", "-").replace(" ", "-"))
    properties: dict = {"precision": rule.precision_level(), "problem.severity": _PROBLEM_SEVERITY[rule.severity],
                        "status": rule.status()}
    if rule.field_precision is not None:
        properties["fieldPrecision"] = rule.field_precision.describe()
    if rule.preview:
        tags.append("preview")
    if rule.security:
        tags.append("security")
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    properties["tags"] = tags
    docs = rule.docs_markdown()
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": _clip(" ".join(textwrap.dedent(rule.what).split()))},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule_url(rule.id),
        "defaultConfiguration": {"level": rule.severity.value},
        "properties": properties,
    }


def _result(finding: Finding, rule: type[Rule], rule_index: int, scan: ScanResult) -> dict:
    region = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1),
              "endLine": max(finding.end_line, finding.line, 1)}
    # A point finding leaves endColumn out: SARIF then means the rest of the line.
    if (finding.end_line, finding.end_column) > (finding.line, finding.column):
        region["endColumn"] = finding.end_column
    identity = scan.identities.get(finding)
    fingerprints = {} if identity is None else {"primaryLocationLineHash": identity.line_hash,
                                                "tfaLintFingerprint/v1": identity.fingerprint}
    out = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": rule.severity.value,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact(scan.checkout_prefix + finding.path),
                                            "region": region}}],
        "properties": {"factor": rule.factor},
    }
    if fingerprints:
        out["partialFingerprints"] = fingerprints
    if finding.fix is not None:
        out["fixes"] = [_fix(finding.fix, scan)]
    return out


def _fix(fix: Fix, scan: ScanResult) -> dict:
    """SARIF's fix: per file, replacements of character ranges (an append placed at the file's end)."""
    changes = []
    for path in fix.paths:
        edits = [placed(scan.root, e) for e in fix.edits if e.path == path]
        changes.append({
            "artifactLocation": _artifact(scan.checkout_prefix + path),
            "replacements": [{"deletedRegion": {"charOffset": max(e.start, 0), "charLength": max(e.end - e.start, 0)},
                              "insertedContent": {"text": e.content}} for e in edits],
        })
    return {"description": {"text": f"{fix.title} ({fix.applicability.value} fix)"}, "artifactChanges": changes}


def _notification(diagnostic: Diagnostic, prefix: str) -> dict:
    internal = diagnostic.internal
    out: dict = {
        "level": "error" if internal else "warning" if diagnostic.skipped else "note",
        "message": {"text": f"{diagnostic.path}: {diagnostic.message}"},
        "descriptor": {"id": diagnostic.kind},
    }
    if diagnostic.path not in (".", "") and not _outside(diagnostic.path):
        out["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(prefix + diagnostic.path)}}]
    return out


def _outside(path: str) -> bool:
    return path.startswith("../") or PurePath(path).is_absolute()


def _outside_notification(finding: Finding) -> dict:
    return {"level": "warning", "message": {"text": f"{finding.rule} {finding.path}:{finding.line}: {finding.message}"},
            "descriptor": {"id": finding.rule}}


def _artifact(path: str) -> dict:
    # The name's bytes, percent-encoded: a name that is not UTF-8 keeps its own bytes.
    return {"uri": quote(path.encode("utf-8", "surrogateescape"), safe="/"), "uriBaseId": SRCROOT}


def _clip(text: str) -> str:
    return text if len(text) <= _DESCRIPTION_LIMIT else text[:_DESCRIPTION_LIMIT - 1] + "…"
