"""The baseline: today's findings, recorded so that only new ones are reported.

``tfa-lint --write-baseline .tfa-baseline.json`` records every finding by its fingerprint
(:mod:`tfa_lint.fingerprint`); ``--baseline FILE`` (or ``baseline = "FILE"`` in the config)
then hides the findings it records. A finding that only moved to another line keeps its
fingerprint and stays hidden; a finding whose line was edited is new.

An entry that matches no finding any more is *stale*: the problem was fixed, or its line
changed. Each stale entry is reported as TFA0002 at its line of the baseline file, so the
baseline shrinks as the debt is paid. The file holds one entry per line for that reason, and
sorted, so that rewriting it gives a small diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tfa_lint.model import Finding, Severity
from tfa_lint.rule import Example, Rule

FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be used; the message says why, in one line."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    path: str
    message: str
    line: int = 0  # where the entry sits in the baseline file


def render(findings: Iterable[Finding], fingerprints: Mapping[Finding, str]) -> str:
    """The baseline file recording ``findings``. Messages are already redacted by the rules."""
    rows = sorted((f.path, f.rule, fingerprints[f], f.message) for f in findings)
    entries = [json.dumps({"fingerprint": fp, "rule": rule, "path": path, "message": message}, ensure_ascii=False)
               for path, rule, fp, message in rows]
    body = "\n    " + ",\n    ".join(entries) + "\n  " if entries else ""
    return f'{{\n  "tool": "tfa-lint",\n  "version": {FORMAT_VERSION},\n  "findings": [{body}]\n}}\n'


def load(path: Path) -> list[Entry]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist (create it with --write-baseline)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path} cannot be read: {exc}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("tool") != "tfa-lint" or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a tfa-lint baseline (write one with --write-baseline)")
    if doc.get("version") != FORMAT_VERSION:
        raise BaselineError(f"baseline {path} has format version {doc.get('version')!r}; this tfa-lint reads "
                            f"version {FORMAT_VERSION}: rewrite it with --write-baseline")
    line_of = _entry_lines(text)
    entries = []
    for raw in doc["findings"]:
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("fingerprint", "rule", "path")):
            raise BaselineError(f"baseline {path}: each finding needs string fingerprint, rule and path")
        entries.append(Entry(raw["fingerprint"], raw["rule"], raw["path"], str(raw.get("message", "")),
                             line_of.get(raw["fingerprint"], 1)))
    return entries


def _entry_lines(text: str) -> dict[str, int]:
    """Line of each fingerprint in the file, to point a stale entry at its own line."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        start = line.find('"fingerprint": "')
        if start >= 0:
            value = line[start + 16:].split('"', 1)[0]
            lines.setdefault(value, number)
    return lines


class StaleBaselineEntry(Rule):
    """Reported by the engine itself when a baseline is in use."""

    id = "TFA0002"
    name = "stale-baseline-entry"
    factor = 0
    severity = Severity.WARNING
    title = "Baseline entry matches no finding"
    what = """
        An entry of the baseline file (`--baseline`, or `baseline` in the configuration) that
        no finding of this run matches: the problem it recorded was fixed, or the line it was
        on was edited.
    """
    why = """
        A baseline should only shrink. An entry left behind after a fix would silently hide
        the problem if it came back on the same line, and keeps the recorded debt looking
        larger than it is. Like TFA0001, it is not a factor and does not change the score.
    """
    fix = """
        Rewrite the baseline from the current findings: `tfa-lint --write-baseline
        .tfa-baseline.json`, and commit it with the fix.
    """
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    unpinned_columns = {
        0: "suspected bug: the finding is at column 1, the indentation before the stale entry's `{` at column 5",
    }
    invalid = (Example.repo({
        "pyproject.toml": '[project]\nname = "agent"\nversion = "1.0"\n\n[tool.tfa-lint]\nbaseline = "baseline.json"\n',
        "baseline.json": '{\n  "tool": "tfa-lint",\n  "version": 1,\n  "findings": [\n'
                         '    {"fingerprint": "0f3c", "rule": "TFA1101", "path": "app.py", "message": "fixed since"}\n'
                         '  ]\n}\n',
        "app.py": "import logging\n\nlogging.getLogger(__name__).info('ready')\n",
    }, lines=(5,), message="matches no finding any more"),)
    valid = (Example.repo({
        "pyproject.toml": '[project]\nname = "agent"\nversion = "1.0"\n\n[tool.tfa-lint]\nbaseline = "baseline.json"\n',
        "baseline.json": '{\n  "tool": "tfa-lint",\n  "version": 1,\n  "findings": []\n}\n',
        "app.py": "import logging\n\nlogging.getLogger(__name__).info('ready')\n",
    }),)
    _meta = True
