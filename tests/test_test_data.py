"""The suite runs from a plain clone with nothing beside it: every file a test reads lives in
the repository, and the copied reference files are the ones their README names."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import REPO_ROOT, SARIF_SCHEMA_FILE, SARIF_VALIDATOR

#: sha256 of each copied file, as tests/data/sarif/README.md states with its source.
COPIED = {
    SARIF_SCHEMA_FILE: "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e",
    SARIF_VALIDATOR: "51fdbf08af1a0001bc998d81e673fc3832ca7f056708a298e1f3ba873b4a3720",
}

#: Ways a test could reach outside the checkout: the repository's parent, or a sibling by name.
_OUTSIDE = re.compile(r"REPO_ROOT\.parent\b|\.\./shared|/work/|parent\.parent\.parent")


def test_copied_reference_files_are_the_ones_their_readme_names() -> None:
    readme = (REPO_ROOT / "tests" / "data" / "sarif" / "README.md").read_text(encoding="utf-8")
    for path, expected in COPIED.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == expected, f"{path.name} changed"
        assert f"`{path.name}`" in readme and expected in readme, f"{path.name}: source and hash not in README"


def test_no_test_reads_outside_the_checkout() -> None:
    offenders = []
    for source in sorted((REPO_ROOT / "tests").rglob("*.py")):
        if "data" in source.relative_to(REPO_ROOT / "tests").parts:
            continue
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if _OUTSIDE.search(line) and source != Path(__file__):
                offenders.append(f"{source.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert not offenders, "tests must not read outside the repository:\n" + "\n".join(offenders)


def test_the_suite_tests_this_checkouts_engine_and_rules() -> None:
    """conftest.py loads both from this checkout, even where an editable install of another
    checkout answers ``tfa_lint.rules``: every rule module in use is one of ours."""
    import tfa_lint
    from tfa_lint.rules import MODULES

    assert Path(tfa_lint.__file__).resolve().parent == REPO_ROOT / "tfa_lint"
    assert MODULES and all(Path(m.__file__).resolve().is_relative_to(REPO_ROOT / "rules") for m in MODULES)
