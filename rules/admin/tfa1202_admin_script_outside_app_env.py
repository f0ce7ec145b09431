"""TFA1202 — Admin script runs outside the app's environment."""

from __future__ import annotations

import ast
import posixpath
import re

from tfa_lint.model import Repo, Severity
from tfa_lint.rule import AstRule, Example

from ..facts.admin_ops import AdminFacts
from ..facts.ast_source import call_arguments
from ._shared import admin_reason

_SCRIPT_MODULE_RE = re.compile(r"(?i)^(migrat|ingest|seed|backfill|reindex)")
_SYSTEM_PYTHON_RE = re.compile(r"^#!\s*(/usr/bin/|/usr/local/bin/|/bin/|/opt/homebrew/bin/|/home/|/Users/)\S*python")


class AdminScriptOutsideEnvironment(AstRule):
    id = "TFA1202"
    name = "admin-script-outside-app-env"
    factor = 12
    severity = Severity.WARNING
    precision = "medium"  # field trials: see docs/field-trials.md
    title = "Admin script runs outside the app's environment"
    collectors = (AdminFacts,)
    what = """
        In an admin script (under `scripts/` or `bin/`, or a module named `migrate*`, `ingest*`,
        `seed*`, `backfill*`, `reindex*`): a shebang naming an absolute system or per-user
        interpreter (`#!/usr/bin/python3`, `#!/usr/local/bin/python3.11`) instead of
        `#!/usr/bin/env python3`, or a `sys.path.insert`/`append` that reaches up the tree
        (`".."`, `Path(__file__).parent.parent`, nested `os.path.dirname`) to import the app.
    """
    why = """
        Admin processes must run against the same code, dependencies and config as the app's
        release. A system interpreter does not see the app's virtualenv or lock file, and a
        path hack imports whatever checkout happens to sit next to the script, so the task can
        run different code from the release it administers.
    """
    fix = """
        Make the app an installable package and run the task inside its environment as a
        module: `python -m agent.scripts.reindex` (or a `[project.scripts]` entry point), with
        `#!/usr/bin/env python3` if the file must stay executable. Drop the `sys.path` edits.
    """
    invalid = (
        Example.of("""
            #!/usr/bin/python3
            import os
            import sys

            sys.path.append(os.path.join(os.path.dirname(__file__), ".."))

            from agent.store import rebuild

            rebuild()
        """, "scripts/reindex.py", lines=(1, 5), columns=(1, 1), message="`python -m <package>.<script>`"),
        Example.of("""
            import sys
            from pathlib import Path

            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

            from agent.db import migrate

            migrate()
        """, "agent/migrate_memory.py", lines=(4,), columns=(1,), message="`sys.path` edited to import the app"),
        Example.of("""
            import os
            import sys

            parent_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
            sys.path.append(parent_dir)

            from agent.store import purge_orphans  # noqa: E402
        """, "backend/scripts/cleanup_orphans.py", lines=(5,), columns=(1,),
            message="`sys.path` edited to import the app"),
    )
    valid = (
        Example.of("""
            #!/usr/bin/env python3
            from agent.config import settings
            from agent.store import rebuild

            rebuild(settings.vector_url)
        """, "scripts/reindex.py"),
        Example.of("""
            #!/usr/bin/python3
            import os
            import sys

            sys.path.insert(0, os.path.dirname(__file__))
        """, "agent/server.py"),
        Example.of("""
            #!/usr/bin/python3
            import sys

            sys.path.append("..")
        """, "tests/seed_fixtures.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return admin_reason(repo)

    def __init__(self, file) -> None:  # type: ignore[no-untyped-def]
        super().__init__(file)
        stem = posixpath.splitext(file.path.rsplit("/", 1)[-1])[0]
        self._admin = file.role == "script" or (file.role == "src" and bool(_SCRIPT_MODULE_RE.match(stem)))
        self._up_names: set[str] = set()

    def visit_Module(self, node: ast.Module) -> None:
        first = self.file.lines[0] if self.file.lines else ""
        if self._admin and _SYSTEM_PYTHON_RE.match(first):
            self.findings.append(self.finding(
                self.file.path, 1, 1,
                f"`{first.strip()}` runs this admin script with a fixed interpreter, outside the app's "
                "environment: run it as `python -m <package>.<script>` in the app's environment "
                "(or use `#!/usr/bin/env python3`)", end_line=1, end_column=len(first) + 1))

    def visit_Assign(self, node: ast.Assign) -> None:
        # `parent_dir = os.path.dirname(os.path.dirname(__file__))` then `sys.path.append(parent_dir)`
        if self._admin and _reaches_up(self.source_of(node.value)):
            self._up_names.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def visit_Call(self, node: ast.Call) -> None:
        if not self._admin or not (node.args or node.keywords) or not self.qualified_names(node.func) & {
                "sys.path.insert", "sys.path.append"}:
            return
        value = call_arguments(node)[-1].value
        if _reaches_up(self.source_of(value)) or (isinstance(value, ast.Name) and value.id in self._up_names):
            self.report(node, "`sys.path` edited to import the app from outside this script: install the app as a "
                              "package and run the script as `python -m <package>.<script>` in its environment")


def _reaches_up(code: str) -> bool:
    """A path expression that climbs out of the script's directory."""
    return bool(re.search(r"""["']\.\.(["'/\\]|$)|\.parent\.parent|\.parents\[""", code)) or code.count("dirname(") >= 2
