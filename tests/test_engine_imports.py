"""The engine reads Python with CPython's ``ast`` alone: libcst is the tests' reference (and the
autofix's tool), never imported by a scan, so an install without it scans the same."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO_ROOT

# libcst blocked the way a missing install is: any import of it raises ImportError.
SCAN_WITHOUT_LIBCST = """
import sys
sys.modules["libcst"] = None
sys.argv = ["tfa-lint", sys.argv[1], "--no-cache", "--format", "json", "--exit-zero"]
from tfa_lint.cli import main
main()
"""


def test_a_scan_never_imports_libcst() -> None:
    out = subprocess.run([sys.executable, "-c", SCAN_WITHOUT_LIBCST, str(REPO_ROOT / "examples" / "bad-agent")],
                         capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["findings"] and not report["diagnostics"], report["diagnostics"]
    assert "libcst" not in out.stderr
