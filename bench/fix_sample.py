"""A seeded sample of the fixes tfa-lint would make on the field corpus, to read as a maintainer.

    python bench/fix_sample.py --corpus DIR [--size 30] [--seed 19] [NAME ...]

Runs this checkout's ``tfa-lint --diff --unsafe-fixes --format json`` on each corpus repository
(nothing is written to it), takes every finding that carries a fix, and prints a seeded sample
of them (the rules taking turns), each with its rule, safety, title and the text its edits replace and insert, so each
can be judged: does it break the code, or change behaviour beyond its safety label? The
verdicts go to docs/field-trials.md by hand, after reading each fix in its file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from source_run import tfa_lint_from, use_checkout  # noqa: E402

use_checkout(HERE.parent)
from tfa_lint.redact import redact_known_keys  # noqa: E402


def fixes_of(checkout: Path) -> list[dict]:
    """Every finding with a fix, with the replaced text read from the file."""
    run = subprocess.run(tfa_lint_from(HERE.parent, str(checkout), "--preview", "--format", "json", "--no-cache",
                                       "--exit-zero"), capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{checkout.name}: tfa-lint exited {run.returncode}: {run.stderr.strip()[-300:]}")
    out = []
    for finding in json.loads(run.stdout)["findings"]:
        if finding.get("fix"):
            for edit in finding["fix"]["edits"]:
                target = checkout / edit["path"]
                text = target.read_text(encoding="utf-8", errors="replace") if target.is_file() else ""
                # the replaced text of a credential fix is the key itself: shown redacted, as everywhere
                edit["replaced"] = redact_known_keys(text[edit["start"]:edit["end"]]) if edit["start"] >= 0 else ""
            out.append({"repo": checkout.name, **finding})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--size", type=int, default=30)
    parser.add_argument("--seed", default="19")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    found = []
    for checkout in sorted(p for p in args.corpus.iterdir() if p.is_dir()):
        if not args.names or checkout.name in args.names:
            found += fixes_of(checkout)
    by_rule: dict[str, int] = {}
    for fix in found:
        by_rule[fix["rule"]] = by_rule.get(fix["rule"], 0) + 1
    print(f"{len(found)} fixes on {len({f['repo'] for f in found})} repositories: "
          + ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items())))

    def rank(fix: dict) -> str:
        key = f"{args.seed}:{fix['repo']}:{fix['fingerprint']}"
        return hashlib.sha256(key.encode()).hexdigest()

    # Stratified: the rules take turns (each in its seeded order), so a rule with hundreds of
    # fixes does not crowd out the rest of the sample.
    queues: dict[str, list[dict]] = {}
    for fix in sorted(found, key=rank):
        queues.setdefault(fix["rule"], []).append(fix)
    sample: list[dict] = []
    while len(sample) < args.size and any(queues.values()):
        for rule in sorted(queues):
            if queues[rule] and len(sample) < args.size:
                sample.append(queues[rule].pop(0))
    for fix in sample:
        print(f"\n## {fix['repo']} {fix['path']}:{fix['line']} {fix['rule']} ({fix['fix']['applicability']}): "
              f"{fix['fix']['title']}")
        for edit in fix["fix"]["edits"]:
            print(f"- {edit['path']} [{edit['start']}:{edit['end']}]\n  replaced: {edit['replaced']!r}\n"
                  f"  inserted: {edit['content']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
