"""Do two versions of tfa-lint find the same things? The behaviour check of a refactoring.

    python bench/same_findings.py --base REV PATH [PATH ...] [--jobs N] [--select IDS]

Scans each PATH (a repository) with every rule (``--preview``, no cache) twice: with tfa-lint
as it is at commit REV (its source checked out beside this one, run with this environment's
dependencies) and as it is in this checkout. Prints, per repository, the findings only one side
has (rule, path, line, column, message; messages are redacted by the rules) and whether the
scores agree. Exits 1 on any difference. Paths and findings stay on this machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from source_run import tfa_lint_from  # noqa: E402

Key = tuple[str, str, int, int, str]


def _scan(source: Path, repo: Path, jobs: int, select: str | None) -> dict:
    args = tfa_lint_from(source, str(repo), "--root", str(repo), "--preview", "--no-cache", "--jobs", str(jobs),
                         "--format", "json", "--exit-zero")
    if select:
        args += ["--select", select]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{repo}: tfa-lint at {source} exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return json.loads(proc.stdout)


def _keys(doc: dict) -> set[Key]:
    return {(f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in doc["findings"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--base", required=True, metavar="REV")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--select", help="only these rule ids or prefixes (comma-separated)")
    args = parser.parse_args()
    different = False
    with tempfile.TemporaryDirectory(prefix="tfa-same-") as work:
        base = Path(work) / "base"
        subprocess.run(["git", "-C", str(HERE.parent), "worktree", "add", "--detach", str(base), args.base],
                       check=True, capture_output=True)
        try:
            for repo in args.paths:
                old, new = (_scan(src, repo.resolve(), args.jobs, args.select) for src in (base, HERE.parent))
                gone, added = sorted(_keys(old) - _keys(new)), sorted(_keys(new) - _keys(old))
                same_score = old["score"] == new["score"] and [f["score"] for f in old["factors"]] == [
                    f["score"] for f in new["factors"]]
                print(f"{repo}: {len(_keys(new))} findings; {len(gone)} gone, {len(added)} new; "
                      f"score {old['score']} -> {new['score']}{'' if same_score else ' (factor scores differ)'}")
                for sign, rows in (("-", gone), ("+", added)):
                    for row in rows[:50]:
                        print(f"  {sign} {row[0]} {row[1]}:{row[2]}:{row[3]} {row[4][:140]}")
                different = different or bool(gone or added) or not same_score
        finally:
            subprocess.run(["git", "-C", str(HERE.parent), "worktree", "remove", "--force", str(base)],
                           capture_output=True)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
