"""Per-rule precision of tfa-lint on the field corpus, from labels kept as data.

    python bench/precision.py scan --corpus DIR [NAME ...]   # rescan (every rule, preview too)
    python bench/precision.py report [--markdown] [--write]  # match findings to labels
    python bench/precision.py todo NAME [--out FILE]          # the sample's unlabeled findings

The corpus is listed in ``bench/corpus.json`` (repository and commit); its code is never
committed. Clone each repository at its commit into ``DIR/<name>``; ``scan`` refuses a
checkout at another commit. Scan results go to ``bench/results/<name>.json`` (ignored by git).

Labels live in ``bench/labels/<name>.jsonl``, one JSON object a line, each written after
reading the finding in its code, never from the message alone::

    {"fingerprint": "…", "rule": "TFA1101", "path": "app/main.py", "line": 12,
     "verdict": "true" | "false" | "debatable", "reason": "one line: why"}

A finding is matched to its label by ``fingerprint`` (rule, path, the text of the line and
its rank there), so a label survives lines moving above it. A labeled true finding that no
longer fires must say why with ``"gone": "reason"``; ``report`` lists any that does not and
exits 1.

The sample: of each rule's findings in each repository, the 25 whose seeded hash of the
fingerprint is lowest (all of them when there are fewer). Labels outside the sample still
count. ``report`` prints per-rule precision, true / (true + false), debatable excluded, and
the tier each rule earns (:class:`tfa_lint.rule.FieldPrecision` holds the bar); ``--write`` stores the figures in
``rules/field_precision.json``, which the rule registry reads (a rule is stable, on by
default and scored, only when that file says it qualifies), and regenerates the table in
``docs/field-trials.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from source_run import tfa_lint_from, use_checkout  # noqa: E402

use_checkout(HERE.parent)  # this checkout's engine and rule registry, whatever is installed
from tfa_lint.rule import FieldPrecision, load_rules  # noqa: E402

CORPUS = HERE / "corpus.json"
LABELS = HERE / "labels"
RESULTS = HERE / "results"
PRECISION_FILE = HERE.parent / "rules" / "field_precision.json"

SAMPLE_PER_RULE = 25
SAMPLE_SEED = "tfa-lint field sample v1"
VERDICTS = ("true", "false", "debatable")


def corpus() -> list[dict]:
    return json.loads(CORPUS.read_text("utf-8"))["repositories"]


def sample_rank(fingerprint: str) -> str:
    return hashlib.sha256(f"{SAMPLE_SEED}\0{fingerprint}".encode()).hexdigest()


def sample(findings: list[dict]) -> list[dict]:
    """The seeded sample: up to SAMPLE_PER_RULE findings per rule, the same ones every run."""
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        by_rule[finding["rule"]].append(finding)
    chosen: list[dict] = []
    for rule in sorted(by_rule):
        chosen += sorted(by_rule[rule], key=lambda f: sample_rank(f["fingerprint"]))[:SAMPLE_PER_RULE]
    return chosen


def load_labels(name: str) -> dict[str, dict]:
    path = LABELS / f"{name}.jsonl"
    labels: dict[str, dict] = {}
    if not path.exists():
        return labels
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label = json.loads(line)
        if label.get("verdict") not in VERDICTS or not label.get("reason") or not label.get("fingerprint"):
            raise SystemExit(f"{path}:{number}: a label needs fingerprint, verdict ({'/'.join(VERDICTS)}) and reason")
        labels[label["fingerprint"]] = label
    return labels


def load_results(name: str) -> list[dict] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text("utf-8"))["findings"] if path.exists() else None


# -- scan -----------------------------------------------------------------------------------

def scan(corpus_dir: Path, names: list[str], jobs: int) -> int:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ".gitignore").write_text("*\n")
    status = 0
    for repo in corpus():
        if names and repo["name"] not in names:
            continue
        checkout = corpus_dir / repo["name"]
        head = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        if head != repo["commit"]:
            print(f"{repo['name']}: {checkout} is at {head or 'no commit'}, not {repo['commit']}: skipped",
                  file=sys.stderr)
            status = 1
            continue
        out = RESULTS / f"{repo['name']}.json"
        # This checkout's engine and rules, whatever is installed (a worktree measures itself);
        # its cache stays beside its results, never shared with another checkout.
        cache = RESULTS / ".cache" / repo["name"]
        run = subprocess.run(
            tfa_lint_from(HERE.parent, "check", str(checkout), "--preview", "--format", "json", "-o", str(out),
                          "--jobs", str(jobs), "--cache-dir", str(cache)),
            capture_output=True, text=True)
        if run.returncode not in (0, 1):
            print(f"{repo['name']}: tfa-lint exited {run.returncode}: {run.stderr.strip()[-500:]}", file=sys.stderr)
            status = 1
            continue
        print(f"{repo['name']}: {len(load_results(repo['name']) or [])} findings")
    return status


# -- report ---------------------------------------------------------------------------------

@dataclass
class Tally:
    findings: int = 0
    verdicts: Counter = field(default_factory=Counter)
    unlabeled_in_sample: int = 0

    def measured(self) -> FieldPrecision:
        return FieldPrecision(findings=self.findings, true=self.verdicts["true"], false=self.verdicts["false"],
                              debatable=self.verdicts["debatable"], unlabeled=self.unlabeled_in_sample)


def tally() -> tuple[dict[str, Tally], dict[str, list[dict]], list[tuple[str, dict]], list[str]]:
    """Per-rule tallies over the corpus, the unlabeled findings of each repository's sample,
    the labeled true findings that are gone without a reason, and the repositories not scanned."""
    rules: dict[str, Tally] = defaultdict(Tally)
    todo: dict[str, list[dict]] = {}
    lost: list[tuple[str, dict]] = []
    missing: list[str] = []
    for repo in corpus():
        name = repo["name"]
        findings = load_results(name)
        if findings is None:
            missing.append(name)
            continue
        labels = load_labels(name)
        for finding in findings:
            rules[finding["rule"]].findings += 1
            label = labels.get(finding["fingerprint"])
            if label is not None:
                rules[finding["rule"]].verdicts[label["verdict"]] += 1
        todo[name] = [f for f in sample(findings) if f["fingerprint"] not in labels]
        for finding in todo[name]:
            rules[finding["rule"]].unlabeled_in_sample += 1
        present = {f["fingerprint"] for f in findings}
        lost += [(name, label) for fp, label in labels.items()
                 if fp not in present and label["verdict"] == "true" and not label.get("gone")]
    return rules, todo, lost, missing


def report(markdown: bool, write: bool) -> int:
    rules, todo, lost, missing = tally()
    if missing:
        print(f"not scanned (run `scan` first): {', '.join(missing)}", file=sys.stderr)
    rows = []
    for rule_id in sorted(rules):
        m = rules[rule_id].measured()
        precision = f"{m.precision:.0%}" if m.precision is not None else "–"
        rows.append((rule_id, m.findings, m.true, m.false, m.debatable, precision,
                     "stable" if m.qualifies else "preview", m.unlabeled))
    header = ("rule", "findings", "true", "false", "debatable", "precision", "tier", "to label")
    stable = [rules[row[0]].measured() for row in rows if row[6] == "stable"]
    stable_true, stable_judged = sum(m.true for m in stable), sum(m.judged for m in stable)
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(str(c) for c in row) + " |")
    else:
        print(("{:<9}" + "{:>10}" * 5 + "  {:<8}{:>9}").format(*header))
        for row in rows:
            print(("{:<9}" + "{:>10}" * 5 + "  {:<8}{:>9}").format(*row))
    if stable_judged:
        print(f"\nstable rules together: {stable_true}/{stable_judged} = {stable_true / stable_judged:.1%}")
    waiting = sum(len(v) for v in todo.values())
    if waiting:
        print(f"\n{waiting} sampled findings to label: " + ", ".join(f"{k} {len(v)}" for k, v in todo.items() if v))
    for name, label in lost:
        print(f"LOST true finding without a reason: {name} {label['rule']} {label['path']}:{label.get('line')}"
              f" ({label['reason']})", file=sys.stderr)
    if write:
        write_precision(rules)
    return 1 if lost else 0


TABLE_START = "<!-- precision table: generated by `python bench/precision.py report --write` -->"
TABLE_END = "<!-- end of precision table -->"
FIELD_TRIALS = HERE.parent / "docs" / "field-trials.md"


def precision_table(data: dict, repositories: list[dict]) -> str:
    """The Markdown of docs/field-trials.md's precision section, from field_precision.json's
    figures and the corpus list alone (so a test can check it without the corpus)."""
    measured = {rule_id: FieldPrecision(**counts) for rule_id, counts in data["rules"].items()}
    stable = [m for m in measured.values() if m.qualifies]
    together = sum(m.true for m in stable), sum(m.judged for m in stable)
    lines = [TABLE_START, "",
             f"Field corpus: {len(repositories)} repositories (`bench/corpus.json`), labels in `bench/labels/`. "
             "Precision = true / (true + false); debatable findings are left out.", "",
             "| rule | findings | true | false | debatable | precision | tier |", "|---|---|---|---|---|---|---|"]
    for rule_id, m in sorted(measured.items()):
        precision = f"{m.precision:.0%}" if m.precision is not None else "–"
        lines.append(f"| {rule_id} | {m.findings} | {m.true} | {m.false} | {m.debatable} | {precision} | "
                     f"{'stable' if m.qualifies else 'preview'} |")
    share = f"{together[0] / together[1]:.1%}" if together[1] else "–"
    lines += ["", f"Stable rules together: {together[0]} true of {together[1]} judged ({share}).", "",
              "| repository | commit | shape |", "|---|---|---|"]
    lines += [f"| [{r['repo']}](https://github.com/{r['repo']}) | `{r['commit'][:10]}` | {r['shape']} |"
              for r in repositories]
    return "\n".join([*lines, "", TABLE_END])


def write_docs(data: dict) -> None:
    text = FIELD_TRIALS.read_text("utf-8")
    table = precision_table(data, corpus())
    if TABLE_START in text:
        before, rest = text.split(TABLE_START, 1)
        text = before + table + rest.split(TABLE_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Precision on the field corpus (issue 15)\n\n" + table + "\n"
    FIELD_TRIALS.write_text(text, "utf-8")


def write_precision(rules: dict[str, Tally]) -> None:
    """Store the measured figures for the rule registry: every built-in rule gets an entry,
    a rule with no finding in the corpus one with zero counts."""
    data = {"_about": ("Measured by `python bench/precision.py report --write` over the field corpus "
                       "(bench/corpus.json) and its labels (bench/labels/). Do not edit by hand."),
            "rules": {}}
    for rule_id, rule in load_rules(plugins=False).items():
        if rule._meta:
            continue
        m = rules.get(rule_id, Tally()).measured()
        data["rules"][rule_id] = {"findings": m.findings, "true": m.true, "false": m.false,
                                  "debatable": m.debatable, "unlabeled": m.unlabeled}
    PRECISION_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    write_docs(data)
    print(f"wrote {PRECISION_FILE.relative_to(HERE.parent)} and the table in {FIELD_TRIALS.relative_to(HERE.parent)}")


def export_todo(name: str, out: Path | None) -> int:
    _, todo, _, _ = tally()
    if name not in todo:
        raise SystemExit(f"{name}: not scanned")
    lines = [json.dumps({k: f[k] for k in ("fingerprint", "rule", "severity", "path", "line", "column", "message")},
                        ensure_ascii=False) for f in todo[name]]
    text = "\n".join(lines) + ("\n" if lines else "")
    if out:
        out.write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_scan = sub.add_parser("scan")
    p_scan.add_argument("--corpus", type=Path, required=True, help="directory holding DIR/<name> checkouts")
    p_scan.add_argument("--jobs", type=int, default=2)
    p_scan.add_argument("names", nargs="*")
    p_report = sub.add_parser("report")
    p_report.add_argument("--markdown", action="store_true")
    p_report.add_argument("--write", action="store_true", help=f"store the figures in {PRECISION_FILE.name}")
    p_todo = sub.add_parser("todo")
    p_todo.add_argument("name")
    p_todo.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.command == "scan":
        return scan(args.corpus, args.names, args.jobs)
    if args.command == "report":
        return report(args.markdown, args.write)
    return export_todo(args.name, args.out)


if __name__ == "__main__":
    sys.exit(main())
