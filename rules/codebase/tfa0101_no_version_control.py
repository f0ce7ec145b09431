"""TFA0101 — Repository not under version control."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

#: Root files a repository-wide finding is anchored at, most telling first.
_ANCHORS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "README.md", "README.rst", "README")


class NoVersionControl(RepoRule):
    id = "TFA0101"
    name = "no-version-control"
    factor = 1
    severity = Severity.WARNING
    title = "Repository not under version control"
    what = """
        The scanned directory has no version-control metadata: no `.git` directory or git
        worktree file (nor `.hg`, `.svn` or `.jj`) at its root or in any parent directory.
        Reported once, at the project's manifest (or its first file).
    """
    why = """
        A twelve-factor app is one codebase tracked in revision control, deployed many times.
        Without it there is no way to say which code a deploy runs, to review a change, or to
        roll back a bad release: every copy of the directory is its own, untracked codebase.
    """
    fix = """
        Put the project under version control: `git init`, add a `.gitignore` (virtual
        environments, `.env`, runtime state), commit, and push to a shared remote that every
        deploy is built from.
    """
    invalid = (
        Example.repo({
            "requirements.txt": "openai==1.57.0\n",
            "agent.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }, lines=(1,), columns=(1,), message="is not under version control"),
        Example.of("""
            from openai import OpenAI

            client = OpenAI()
        """, "agent.py", lines=(1,), columns=(1,), message="is not under version control"),
    )
    valid = (
        Example.repo({
            ".git/HEAD": "ref: refs/heads/main\n",
            "agent.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
        Example.repo({
            ".git": "gitdir: ../.git/worktrees/agent\n",
            "agent.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
        Example.repo({
            ".hg/requires": "store\n",
            "agent.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None  # every codebase belongs in version control

    def check(self, repo: Repo) -> Iterable[Finding]:
        if repo.vcs is not None:
            return
        paths = [f.path for f in repo.files]
        anchor = next((name for name in _ANCHORS if name in paths), paths[0] if paths else ".")
        yield self.finding(
            anchor, 1, 1,
            "This directory is not under version control (no `.git`, `.hg`, `.svn` or `.jj` here or above): "
            "run `git init`, commit the code, and build every deploy from that one repository")
