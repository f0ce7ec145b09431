"""How fast tfa-lint is, against the parse floor and the tools a user would run instead.

    python bench/bench.py PATH            # a copy of PATH is measured; PATH is never written
    python bench/bench.py --synthetic N   # a generated agent repo of N Python files
    options: --jobs J (default 2), --no-peers, --json FILE, --compare REV

Every figure comes from one run of a fresh process, measured here: wall time, the peak
memory of the largest single process (``ru_maxrss`` from ``wait4``, which covers the pool's
workers), and the peak of all of a run's processes together (sampled from /proc every 20 ms;
Linux only). Lines:

* ``cold``: ``--no-cache``, with ``--jobs J`` and with ``--jobs 1``;
* ``fill``, ``warm``, ``touched``: the cache filled, nothing changed, one file changed;
* ``pre-commit``: 10 files changed and named on the command line, as the hook runs it;
* ``floor``: read and parse every Python file tfa-lint reads, serial and with a pool of J
  processes like tfa-lint's, with ``libcst.parse_module`` and with ``ast.parse`` (the floor of
  the engine on ``ast``, issue 17);
* ``old``: with ``--compare REV``, the cold run of tfa-lint at that commit, beside this one;
* peers, when installed: bandit, detect-secrets and ruff over the same tree.

Then the ratios the targets of issues 6 and 17 are stated in. Figures depend on the machine: this is
not a test, and nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from source_run import tfa_lint_from  # noqa: E402
from synthetic import generate  # noqa: E402

PY = sys.executable
COPY_IGNORE = shutil.ignore_patterns(".git", "node_modules", ".tfa-lint-cache", ".venv", "venv", "__pycache__")

_FLOOR = r'''
import ast, multiprocessing, sys, time
from pathlib import Path
import libcst
from tfa_lint.discover import discover
from tfa_lint.model import FileKind

PARSE = {"libcst": libcst.parse_module, "ast": ast.parse}[sys.argv[3]]

def parse(path):
    try:
        PARSE(Path(path).read_bytes().decode("utf-8"))
    except Exception:
        pass

root, jobs = Path(sys.argv[1]), int(sys.argv[2])
files, _ = discover([root], root)
paths = [str(f.path) for f in sorted(files, key=lambda f: -f.size) if f.kind is FileKind.PYTHON]
if jobs == 1:
    for p in paths:
        parse(p)
else:
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        list(pool.imap_unordered(parse, paths, chunksize=1))
print(len(paths))
'''


@dataclass
class Run:
    name: str
    seconds: float
    peak_process_mb: float
    peak_total_mb: float
    exit_code: int


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total


def measure(name: str, cmd: list[str], cwd: Path | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_total = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_total
        while not done.is_set():
            peak_total = max(peak_total, _tree_rss_kb(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        print(f"  {name}: exit {proc.returncode}: {stderr.strip()[:300]}", file=sys.stderr)
    run = Run(name, seconds, usage.ru_maxrss / 1024, max(peak_total, usage.ru_maxrss) / 1024, proc.returncode)
    print(f"  {name:<28} {seconds:8.2f} s  {run.peak_process_mb:7.0f} MB/process  {run.peak_total_mb:7.0f} MB in all",
          file=sys.stderr)
    return run


def tfa(root: Path, *args: str) -> list[str]:
    return [PY, "-m", "tfa_lint", str(root), "--format", "json", *args]


def peers(root: Path) -> list[tuple[str, list[str]]]:
    bindir = Path(PY).parent
    found = []
    for name, args in (("bandit", ["-r", str(root), "-q", "-f", "json", "-o", os.devnull]),
                       ("detect-secrets", ["scan", "--all-files", str(root)]),
                       ("ruff", ["check", "--no-cache", "--exit-zero", "--quiet", str(root)])):
        exe = shutil.which(name, path=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
        if exe:
            found.append((name, [exe, *args]))
    return found


def old_tfa(work: Path, rev: str, root: Path, jobs: str) -> list[str]:
    """The command running tfa-lint as it was at ``rev``: its source checked out beside this one,
    first on the path, with this environment's dependencies."""
    checkout = work / f"tfa-lint-{rev}"
    subprocess.run(["git", "-C", str(HERE.parent), "worktree", "add", "--detach", str(checkout), rev],
                   check=True, capture_output=True)
    compile_bytecode(checkout)
    return tfa_lint_from(checkout, str(root), "--no-cache", "--jobs", jobs)


def compile_bytecode(checkout: Path) -> None:
    """Compile the tool's modules as ``pip install`` does. A checkout run under
    ``PYTHONDONTWRITEBYTECODE`` otherwise compiles every module on every run (about 0.1 s of a
    warm scan), which no installed tfa-lint pays, and the peers are installed."""
    subprocess.run([PY, "-m", "compileall", "-q", str(checkout / "tfa_lint"), str(checkout / "rules")],
                   check=True, capture_output=True)


def touch(path: Path, n: int) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n# bench edit {n}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("path", nargs="?", type=Path)
    where.add_argument("--synthetic", type=int, metavar="N")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--compare", metavar="REV", help="also time the cold run of tfa-lint at this commit")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tfa-bench-"))
    env_cache = work / "xdg"  # the cache key of this benchmark, not the user's
    os.environ["XDG_CACHE_HOME"] = str(env_cache)
    root = work / "repo"
    try:
        if args.synthetic:
            generate(root, args.synthetic)
            source = f"synthetic repo of {args.synthetic} Python files"
        else:
            shutil.copytree(args.path, root, ignore=COPY_IGNORE, symlinks=True)
            source = str(args.path)
        (root / ".git").mkdir(exist_ok=True)  # a checkout, as the original was
        python_files = sorted((p for p in root.rglob("*.py") if p.is_file()), key=lambda p: p.stat().st_size)
        print(f"{source}: {len(python_files)} Python files, jobs={args.jobs}", file=sys.stderr)

        runs: dict[str, Run] = {}
        j = str(args.jobs)
        compile_bytecode(HERE.parent)
        runs["floor serial"] = measure("floor serial", [PY, "-c", _FLOOR, str(root), "1", "libcst"])
        runs["floor pool"] = measure(f"floor pool ({j})", [PY, "-c", _FLOOR, str(root), j, "libcst"])
        runs["ast floor"] = measure(f"ast floor pool ({j})", [PY, "-c", _FLOOR, str(root), j, "ast"])
        runs["cold"] = measure(f"tfa-lint cold --jobs {j}", tfa(root, "--no-cache", "--jobs", j))
        if args.compare:
            runs["old"] = measure(f"tfa-lint {args.compare} cold", old_tfa(work, args.compare, root, j))
        runs["cold 1"] = measure("tfa-lint cold --jobs 1", tfa(root, "--no-cache", "--jobs", "1"))
        runs["fill"] = measure("tfa-lint filling the cache", tfa(root, "--jobs", j))
        runs["warm"] = measure("tfa-lint warm", tfa(root, "--jobs", j))
        touch(python_files[len(python_files) // 2], 0)
        runs["touched"] = measure("tfa-lint one file touched", tfa(root, "--jobs", j))
        step = max(1, len(python_files) // 10)  # ten files spread over the sizes, as a commit's would be
        changed = python_files[step // 2::step][:10]
        for n, path in enumerate(changed):
            touch(path, n + 1)
        # As the hook runs: from the repository's top, with the changed files' relative names.
        runs["pre-commit"] = measure("tfa-lint pre-commit, 10 files",
                                     [PY, "-m", "tfa_lint", "--jobs", j, *(str(p.relative_to(root)) for p in changed)],
                                     cwd=root)
        if not args.no_peers:
            for name, cmd in peers(root):
                runs[name] = measure(name, cmd, cwd=root)

        cold = runs["cold"].seconds
        ratios = {
            "cold / floor pool (target <= 1.25)": cold / runs["floor pool"].seconds,
            "cold / floor serial": cold / runs["floor serial"].seconds,
            "jobs 1 / jobs N (target >= 1.75)": runs["cold 1"].seconds / cold,
            "warm / cold (target <= 0.05)": runs["warm"].seconds / cold,
            "touched / cold (target <= 0.10)": runs["touched"].seconds / cold,
            "peak per process / floor's (target <= 1.2)":
                runs["cold"].peak_process_mb / runs["floor pool"].peak_process_mb,
            "pre-commit seconds (target < 1)": runs["pre-commit"].seconds,
            "files/s cold": len(python_files) / cold,
            "files/s floor pool": len(python_files) / runs["floor pool"].seconds,
        }
        ratios |= {
            "cold / ast floor pool (target <= 2.5)": cold / runs["ast floor"].seconds,
            "peak per process / ast floor's (target <= 1.5)":
                runs["cold"].peak_process_mb / runs["ast floor"].peak_process_mb,
            "warm seconds (target <= 0.5)": runs["warm"].seconds,
        }
        if "old" in runs:
            ratios[f"cold / {args.compare} cold (target <= 0.2)"] = cold / runs["old"].seconds
        for peer, target in (("bandit", 0.25), ("detect-secrets", 0.2), ("ruff", None)):
            if peer in runs:
                label = f"cold / {peer}" + (f" (target <= {target})" if target else "")
                ratios[label] = cold / runs[peer].seconds
        print(f"\n{source}, {len(python_files)} Python files, --jobs {j}:")
        for name, run in runs.items():
            print(f"  {name:<16} {run.seconds:8.2f} s  {run.peak_process_mb:6.0f} MB/process  "
                  f"{run.peak_total_mb:6.0f} MB in all")
        for label, value in ratios.items():
            print(f"  {label:<44} {value:8.2f}")
        if args.json:
            args.json.write_text(json.dumps({"source": source, "python_files": len(python_files), "jobs": args.jobs,
                                             "runs": {k: asdict(v) for k, v in runs.items()}, "ratios": ratios},
                                            indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.compare:  # the old commit's checkout is gone: forget it
            subprocess.run(["git", "-C", str(HERE.parent), "worktree", "prune"], capture_output=True)


if __name__ == "__main__":
    main()
