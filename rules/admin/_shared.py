"""What several admin rules share: when they apply, and admin tasks chained into a process's
start command.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from tfa_lint.model import Repo, path_role

from ..facts.admin_ops import AdminOpFact, AdminRouteFact
from ..facts.commandline import is_admin_command, unwrap_command
from ..facts.processes import commands
from ..facts.start_scripts import script_runs

_ADMIN_MODULE_RE = re.compile(r"(?i)^(migrat\w*|ingest\w*|index_\w+|indexer|indexing|embed|embed_\w+|seed\w*|"
                              r"backfill\w*|reindex\w*|cleanup\w*|purge\w*|load_docs\w*|build_\w+)$")
NO_ADMIN = "no admin or maintenance tasks found"


def admin_reason(repo: Repo) -> str | None:
    """``applies`` helper: None when the repository has admin-type code."""
    if "admin_reason" in repo.memo:
        return repo.memo["admin_reason"]
    runtime = [f.path for f in repo.files if path_role(f.path) in ("src", "script")]
    found = (
        any({"alembic", "migrations"} & set(p.split("/")[:-1]) for p in runtime)
        or any(p.rsplit("/", 1)[-1] == "manage.py" for p in runtime)
        or any(_ADMIN_MODULE_RE.match(posixpath.splitext(p.rsplit("/", 1)[-1])[0])
               for p in runtime if p.endswith(".py"))
        or any(path_role(f.path) in ("src", "script") for f in repo.facts(AdminOpFact, AdminRouteFact))
        or bool(chained_admin(repo))
    )
    repo.memo["admin_reason"] = None if found else NO_ADMIN
    return repo.memo["admin_reason"]


def _segments(words: tuple[str, ...]) -> list[list[str]]:
    """The commands of a shell chain (``a && b; c``), with ``sh -c`` scripts split too."""
    tokens: list[str] = []
    for word in words:
        if " " in word:
            try:
                tokens += shlex.split(word)
            except ValueError:
                tokens += word.split()
        else:
            tokens.append(word)
    out: list[list[str]] = [[]]
    for token in tokens:
        if token in ("&&", ";", "||", "&"):
            out.append([])
        elif token.endswith(";"):
            out[-1].append(token[:-1])
            out.append([])
        else:
            out[-1].append(token)
    return [s for s in out if s]


def chained_admin(repo: Repo) -> list[tuple[str, int, int, str, str]]:
    """Declared processes whose command, or the start script it runs, runs an admin task before
    the process itself: (path, line, column, process name, admin command)."""
    if "chained_admin" in repo.memo:
        return repo.memo["chained_admin"]
    out = []
    for command in commands(repo):
        if command.name == "release":
            continue  # Heroku's release phase: the right place
        segments = _segments(command.words)
        admin = next((i for i, s in enumerate(segments) if is_admin_command(s)), None)
        if admin is not None and any(not is_admin_command(s) for s in segments[admin + 1:]):
            out.append((command.path, command.line, 1, command.name, " ".join(unwrap_command(segments[admin]))))
    for run in script_runs(repo):
        if run.process.name == "release" or not run.last:
            continue
        steps = run.script.steps
        for index, step in enumerate(steps):
            if is_admin_command(step.program) and any(
                    later.final and later.program and not is_admin_command(later.program) for later in steps[index + 1:]):
                out.append((run.script.path, step.line, step.column, run.process.name,
                            " ".join(unwrap_command(step.program))))
    repo.memo["chained_admin"] = out
    return out
