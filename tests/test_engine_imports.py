"""The engine reads Python with CPython's ``ast`` alone. libcst is the tool of ``--fix``'s Python
rewrites, imported only when a rule builds a fix for a Python file it reports (TFA1101's print →
logging, TFA0701's port read from PORT, TFA0301's key read from the environment): a scan whose
Python findings offer no fix to build (none reported, or ``--select`` of rules without Python
fixes) never imports it, and pays for no libcst parse. Without libcst the same findings are
reported, without their fixes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO_ROOT

# Runs a scan and says whether it imported libcst; `block` makes any import of it raise
# ImportError, the way a missing install does.
SCAN = """
import sys
if sys.argv[1] == "block":
    sys.modules["libcst"] = None
sys.argv = ["tfa-lint", *sys.argv[2:], "--no-cache", "--jobs", "1", "--format", "json", "--exit-zero"]
from tfa_lint.cli import main
try:
    main()
finally:
    sys.stderr.write(f"libcst imported: {sys.modules.get('libcst') is not None}")
"""

#: The rules whose fixes rewrite Python with libcst.
PYTHON_FIXES = "TFA1101,TFA0701,TFA0301"
BAD_AGENT = str(REPO_ROOT / "examples" / "bad-agent")


def _scan(*args: str, block: bool = False) -> tuple[dict, bool]:
    """The JSON report, and whether the scan imported libcst."""
    out = subprocess.run([sys.executable, "-c", SCAN, "block" if block else "allow", *args],
                         capture_output=True, text=True, timeout=300, cwd=REPO_ROOT, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr.endswith("libcst imported: True")


@pytest.mark.parametrize("repo", ["bad-agent", "clean-agent"])
def test_a_scan_with_no_python_fix_to_build_never_imports_libcst(repo: str) -> None:
    report, imported = _scan(str(REPO_ROOT / "examples" / repo), "--preview", "--ignore", PYTHON_FIXES)
    assert not imported
    assert not report["diagnostics"], report["diagnostics"]
    assert (repo == "bad-agent") == bool(report["findings"])


def test_a_python_fix_is_built_with_libcst_and_without_it_the_finding_stands() -> None:
    report, imported = _scan(BAD_AGENT, "--select", "TFA1101")
    assert imported and report["findings"] and all(f["fix"] for f in report["findings"])
    blocked, imported = _scan(BAD_AGENT, "--select", "TFA1101", block=True)
    assert not imported and not blocked["diagnostics"], blocked["diagnostics"]
    assert [(f["path"], f["line"]) for f in blocked["findings"]] == [(f["path"], f["line"]) for f in report["findings"]]
    assert not any(f["fix"] for f in blocked["findings"])
