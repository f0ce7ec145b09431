"""Run tfa-lint from a source checkout other than the installed one (an older commit, for a
behaviour check or a timing beside this one).

The package maps ``tfa_lint.rules`` to the top-level ``rules/`` directory, and an editable
install answers that import from *its* checkout whatever ``sys.path`` says. So the command
loads ``rules/`` of the given checkout as ``tfa_lint.rules`` explicitly; otherwise an old
commit would be run with today's rules, and every rule change would compare equal to itself.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_LAUNCHER = """
import sys
sys.path.insert(0, {bench!r})
from source_run import use_checkout
use_checkout({source!r})
from tfa_lint.cli import main
sys.argv[0] = "tfa-lint"
main()
"""


def use_checkout(source: str | Path) -> None:
    """Make ``tfa_lint`` and ``tfa_lint.rules`` in this process the ones of the checkout at ``source``."""
    source = str(source)
    sys.path.insert(0, source)
    spec = importlib.util.spec_from_file_location(
        "tfa_lint.rules", source + "/rules/__init__.py", submodule_search_locations=[source + "/rules"])
    rules = importlib.util.module_from_spec(spec)
    sys.modules["tfa_lint.rules"] = rules
    spec.loader.exec_module(rules)


def tfa_lint_from(source: Path, *args: str) -> list[str]:
    """The command running ``tfa-lint ARGS`` from the checkout at ``source``."""
    return [sys.executable, "-c", _LAUNCHER.format(bench=str(Path(__file__).resolve().parent), source=str(source)), *args]
