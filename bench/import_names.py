"""Regenerate ``rules/facts/import_names.json``: the top-level import names that distributions
install, where they differ from the distribution's own name.

    python bench/import_names.py [--wheels DIR ...] [--download NAME ...] [--ranks FILE] [--out FILE]

Each wheel is read as a zip file, never installed or imported: its ``*.dist-info/top_level.txt``
when it has one, else the paths of its ``RECORD``. A top-level package without ``__init__.py``
(a namespace such as ``google`` or ``azure``) is recorded one level down (``google.protobuf``),
so that one distribution of a namespace never stands for all of them. Private names (``_foo``),
the standard library's, and directories that are never imports (``tests``, ``docs``…) are left
out, and so is every name that is just the distribution's own (``requests`` → ``requests``),
which the rule assumes anyway.

``--wheels`` reads every ``*.whl`` of a directory (a local wheelhouse or mirror); ``--download``
fetches the newest wheel of each named distribution with ``pip download --no-deps
--only-binary=:all:`` into a temporary directory first. ``--ranks`` names a tab-separated list
with the columns ``name`` and ``rank_among_15000_most_downloaded``: distributions sharing an
import name are listed most downloaded first (the first one is what a finding suggests).
Run it again with the previous sources to refresh the data; add ``--download NAME`` for a
distribution a real repository showed missing. The data file's ``sources`` field records what
the current one was built from.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "rules" / "facts" / "import_names.json"
_STDLIB = frozenset(sys.stdlib_module_names)
#: Top-level directories some wheels ship that are nobody's import name.
_NOT_IMPORTS = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks",
                          "benchmark", "scripts", "bin", "share", "include", "licenses", "license", "src",
                          "setup", "conftest", "typings", "stubs", "vendor", "lib", "lib64"})
_IDENTIFIER_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MODULE_SUFFIX_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9_-]+)?\.(py|pyd|so)$")


def top_level_names(wheel: Path) -> tuple[str, str, set[str]]:
    """(canonical distribution name, version, import names) of one wheel."""
    name, version, _build, _tags = parse_wheel_filename(wheel.name)
    with zipfile.ZipFile(wheel) as archive:
        files = [PurePosixPath(n) for n in archive.namelist() if not n.endswith("/")]
        info = next((f.parts[0] for f in files if f.parts[0].endswith(".dist-info")), None)
        declared: set[str] = set()
        if info and f"{info}/top_level.txt" in archive.namelist():
            declared = {line.strip().replace("/", ".") for line in
                        archive.read(f"{info}/top_level.txt").decode("utf-8", "replace").splitlines() if line.strip()}
    packages: dict[str, set[str]] = {}  # top-level directory -> its files (relative)
    modules: set[str] = set()
    for path in files:
        top = path.parts[0]
        if top.endswith((".dist-info", ".data")):
            continue
        if len(path.parts) == 1:
            if mo := _MODULE_SUFFIX_RE.match(top):
                modules.add(mo.group(1))
            continue
        packages.setdefault(top, set()).add("/".join(path.parts[1:]))
    names: set[str] = set(modules)
    for top, inner in packages.items():
        if not any(f.endswith((".py", ".so", ".pyd", ".pyi")) for f in inner):
            continue  # data only (a `share/` tree, a bundled binary)
        if "__init__.py" in inner or "__init__.pyi" in inner:
            names.add(top)
        else:  # a namespace package: name the sub-packages this distribution provides
            names.update(_namespace_members(top, inner))
    if declared and not names:
        names = declared
    return canonicalize_name(name), str(version), {n for n in names if _keep(n, canonicalize_name(name))}


def _namespace_members(prefix: str, inner: set[str], depth: int = 1) -> set[str]:
    """``google/protobuf/__init__.py`` → ``google.protobuf``; deeper while the level has no
    ``__init__.py`` either (``google/cloud/storage``), at most three levels down."""
    # Modules right in a namespace level (`google/api/http_pb2.py`) are named one by one: the
    # level itself (`google.cloud`) is shared with other distributions.
    out: set[str] = {f"{prefix}.{m.group(1)}" for f in inner if "/" not in f and (m := _MODULE_SUFFIX_RE.match(f))
                     and m.group(1) != "__init__"}
    subs: dict[str, set[str]] = {}
    for f in inner:
        if "/" in f:
            head, rest = f.split("/", 1)
            subs.setdefault(head, set()).add(rest)
    for sub, files in subs.items():
        if not _IDENTIFIER_RE.match(sub) or not any(f.endswith((".py", ".pyi")) for f in files):
            continue
        if "__init__.py" in files or "__init__.pyi" in files or depth >= 3:
            out.add(f"{prefix}.{sub}")
        else:
            out |= _namespace_members(f"{prefix}.{sub}", files, depth + 1)
    return out


def _keep(module: str, distribution: str) -> bool:
    parts = module.split(".")
    if not all(_IDENTIFIER_RE.match(part) and "__" not in part for part in parts):
        return False
    if parts[0].startswith("_") or parts[0] in _STDLIB or parts[0].lower() in _NOT_IMPORTS:
        return False
    # The rule's default already maps an import name, or a namespace's first levels
    # (`langgraph.checkpoint.base` → `langgraph-checkpoint`), to the same-named distribution.
    return all(default_name(".".join(parts[:depth])) != distribution for depth in range(1, len(parts) + 1))


def default_name(module: str) -> str:
    """The distribution the rule assumes for an import name the data does not list."""
    return canonicalize_name(module.replace("_", "-").replace(".", "-"))


def download(names: list[str], into: Path) -> None:
    for name in names:
        run = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                              "--quiet", "--dest", str(into), name], capture_output=True, text=True)
        if run.returncode:
            print(f"{name}: no wheel downloaded ({run.stderr.strip().splitlines()[-1:] or '?'})", file=sys.stderr)


def ranks(path: Path | None) -> dict[str, int]:
    if path is None:
        return {}
    out: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            rank = (row.get("rank_among_15000_most_downloaded") or "").strip()
            if rank.isdigit():
                out[canonicalize_name(row["name"])] = int(rank)
    return out


def build(wheels: list[Path], ranking: dict[str, int]) -> tuple[dict[str, list[str]], dict[str, str]]:
    provided: dict[str, set[str]] = {}
    versions: dict[str, str] = {}
    for wheel in sorted(wheels):
        try:
            dist, version, names = top_level_names(wheel)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            print(f"{wheel.name}: skipped ({exc})", file=sys.stderr)
            continue
        for module in names:
            provided.setdefault(module, set()).add(dist)
        if names:
            versions[dist] = version
    # Namespace entries nobody needs: `google.protobuf` is kept, but a dotted name under a root
    # that some distribution provides as a regular package adds nothing.
    imports: dict[str, list[str]] = {}
    for module, dists in sorted(provided.items()):
        if "." in module and module.split(".")[0] in provided:
            continue  # the root's entry already answers
        # A distribution named like the import that is itself among the most downloaded also
        # provides it (`tensorflow` beside a wheelhouse's `tensorflow-cpu`): list it too.
        own = default_name(module.split(".")[0])
        if own in ranking and "." not in module:
            dists = dists | {own}
        imports[module] = sorted(dists, key=lambda d: (ranking.get(d, 10**6), d))
    used = {d for dists in imports.values() for d in dists}
    return imports, {d: v for d, v in sorted(versions.items()) if d in used}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, action="append", default=[], help="a directory of wheels")
    parser.add_argument("--download", nargs="*", default=[], help="distributions to fetch from the index")
    parser.add_argument("--ranks", type=Path, help="TSV of name and rank_among_15000_most_downloaded")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fetched = Path(tmp)
        download(args.download, fetched)
        wheels = [w for d in args.wheels for w in d.glob("*.whl")] + list(fetched.glob("*.whl"))
        imports, versions = build(wheels, ranks(args.ranks))
    sources = [f"{len(list(d.glob('*.whl')))} wheels of a local wheelhouse" for d in args.wheels]
    if args.download:
        sources.append("the newest wheels of " + ", ".join(sorted(args.download)) + " from PyPI")
    data = {
        "about": "Top-level import names of distributions whose import name differs from the distribution "
                 "name, read from the wheels' top_level.txt or RECORD (never installed or imported).",
        "generated": datetime.date.today().isoformat(),
        "sources": sources,
        "regenerate": "python bench/import_names.py --wheels DIR --ranks pypi.tsv --download NAME ... "
                      "(see the script's docstring)",
        "order": ("distributions sharing an import name, most downloaded first" if args.ranks
                  else "distributions sharing an import name, alphabetical"),
        "distributions": versions,
        "imports": imports,
    }
    args.out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(imports)} import names from {len(versions)} distributions ({len(wheels)} wheels read)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
