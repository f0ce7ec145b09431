"""TFA0102 — Per-environment copies of code."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.top_level_names import TopLevelNames, TopLevelNamesFact

_ENV_TOKENS = r"(?:dev|development|local|staging|stage|prod|production|test)"
_SUFFIX_RE = re.compile(rf"^(?P<base>.+?)[_.-](?P<env>{_ENV_TOKENS})$", re.IGNORECASE)
_PREFIX_RE = re.compile(rf"^(?P<env>{_ENV_TOKENS})[_.-](?P<base>.+)$", re.IGNORECASE)


def _split_env(stem: str) -> tuple[str, str | None]:
    """``agent_dev`` -> (``agent``, ``dev``); a stem with no env token is its own base."""
    for pattern in (_SUFFIX_RE, _PREFIX_RE):
        match = pattern.match(stem)
        if match:
            return match.group("base").lower(), match.group("env").lower()
    return stem.lower(), None


class PerEnvironmentCopies(RepoRule):
    id = "TFA0102"
    name = "per-environment-code-copies"
    factor = 1
    severity = Severity.NOTE
    title = "Per-environment copies of code"
    collectors = (TopLevelNames,)
    what = """
        Modules in the same directory whose names differ only by an environment token
        (`agent_dev.py` and `agent_prod.py`, `config_local.py` and `config.py`, `prod_bot.py`)
        and that define at least half of the same top-level functions and classes. Modules
        that only assign settings (no functions or classes), tests and examples are not
        reported.
    """
    why = """
        One codebase, many deploys: each environment should run the same code with different
        config. Copies per environment drift apart — a fix lands in `bot_dev.py` and never
        reaches `bot_prod.py` — so what was tested is not what runs in production.
    """
    fix = """
        Merge the copies into one module and move what differs (URLs, model names, flags)
        into environment variables read at start-up, e.g. `MODEL = os.environ["MODEL"]`.
    """
    invalid = (
        Example.repo({
            "bot_dev.py": """
                from openai import OpenAI

                client = OpenAI(base_url="http://localhost:11434/v1")


                def run_agent(question: str) -> str:
                    return client.responses.create(model="llama3", input=question).output_text
            """,
            "bot_prod.py": """
                from openai import OpenAI

                client = OpenAI()


                def run_agent(question: str) -> str:
                    return client.responses.create(model="gpt-4o", input=question).output_text
            """,
        }, lines=(6,), columns=(1,), message="is a per-environment copy of"),
        Example.repo({
            "agent/server.py": "def build_app():\n    return None\n\n\ndef serve():\n    pass\n",
            "agent/server_local.py": "def build_app():\n    return 1\n\n\ndef serve():\n    pass\n",
        }, lines=(1,), columns=(1,), message="is a per-environment copy of"),
    )
    valid = (
        Example.repo({
            "bot.py": """
                import os

                from openai import OpenAI

                client = OpenAI(base_url=os.getenv("OPENAI_BASE_URL"))


                def run_agent(question: str) -> str:
                    return client.responses.create(model=os.environ["MODEL"], input=question).output_text
            """,
        }),
        Example.repo({
            "settings/dev.py": "DEBUG = True\nDATABASE_URL = 'sqlite:///dev.db'\n",
            "settings/prod.py": "DEBUG = False\n",
            "config_dev.py": "LOG_LEVEL = 'DEBUG'\n",
            "config_prod.py": "LOG_LEVEL = 'INFO'\n",
        }),
        Example.repo({
            "agent/tools_dev.py": "def list_files():\n    pass\n",
            "agent/tools_prod.py": "def deploy():\n    pass\n\n\ndef rollback():\n    pass\n",
            "tests/agent_test.py": "def run_agent():\n    pass\n",
            "tests/agent_prod.py": "def run_agent():\n    pass\n",
        }),
        Example.repo({
            "app/bot_dev.py": "def run_agent():\n    pass\n",
            "worker/bot_prod.py": "def run_agent():\n    pass\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if repo.files_of(FileKind.PYTHON) else "no Python file found"

    def check(self, repo: Repo) -> Iterable[Finding]:
        groups: dict[tuple[str, str], list[tuple[str, str | None, dict[str, int]]]] = {}
        for fact in repo.facts(TopLevelNamesFact):
            if path_role(fact.path) in ("test", "example"):
                continue
            directory, name = posixpath.split(fact.path)
            base, env = _split_env(name[:-3])
            groups.setdefault((directory, base), []).append((fact.path, env, fact.data.names))
        for members in groups.values():
            yield from self._copies(sorted(members))

    def _copies(self, members: list[tuple[str, str | None, dict[str, int]]]) -> Iterator[Finding]:
        reported: set[str] = set()
        for path, env, names in members:
            if env is None or path in reported:
                continue
            twins = [other for other, _, other_names in members
                     if other != path and _shares_most(names, other_names)]
            if not twins:
                continue
            reported.update([path, *twins])
            shared = sorted(set(names).intersection(*(dict(m[2]) for m in members if m[0] in twins)),
                            key=names.__getitem__)
            line = names[shared[0]] if shared else 1
            others = ", ".join(f"`{t}`" for t in twins)
            yield self.finding(
                path, line, 1,
                f"`{path}` is a per-environment copy of {others} (same top-level "
                f"{', '.join(f'`{n}`' for n in shared[:5]) or 'definitions'}): keep one module and read what "
                "differs between environments from environment variables")


def _shares_most(a: dict[str, int], b: dict[str, int]) -> bool:
    """At least half the definitions of the smaller module also appear in the other."""
    smaller = min(len(a), len(b))
    return smaller > 0 and len(a.keys() & b.keys()) * 2 >= smaller
