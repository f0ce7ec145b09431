"""TFA0201 — Third-party imports with no dependency manifest."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

from ..facts.manifests import ImportFacts, declarations, third_party_imports


class NoDependencyManifest(RepoRule):
    id = "TFA0201"
    name = "no-dependency-manifest"
    factor = 2
    severity = Severity.ERROR
    title = "Third-party imports with no dependency manifest"
    collectors = (ImportFacts,)
    what = """
        Source code that imports third-party packages in a repository with no dependency
        manifest at all: no `requirements*.txt`, no `pyproject.toml` with dependencies, no
        `setup.py`/`setup.cfg` `install_requires`, no `Pipfile`, no conda `environment.yml`.
    """
    why = """
        An app that never declares its dependencies relies on whatever happens to be installed
        where it runs. Nobody can rebuild it, and the next machine fails on the first import.
    """
    fix = """
        Declare every runtime dependency: a `requirements.txt` with pinned versions, or
        `[project].dependencies` in `pyproject.toml` plus a lock file.
    """
    invalid = (
        Example.repo({
            "agent.py": "import openai\n\nclient = openai.OpenAI()\n",
            "README.md": "Run `python agent.py`.\n",
        }, lines=(1,), columns=(1,), message="declares no dependencies"),
    )
    valid = (
        Example.repo({
            "agent.py": "import openai\n\nclient = openai.OpenAI()\n",
            "requirements.txt": "openai==1.54.3\n",
        }),
        Example.repo({"agent.py": "import json\nimport os\n\nprint(json.dumps(dict(os.environ)))\n"}),
        Example.repo({
            "agent.py": "from helpers import ask\n",
            "helpers.py": "def ask(q):\n    return q\n",
        }),
        Example.repo({
            "Pipfile": '[packages]\nopenai = "==1.54.3"\n',
            "agent.py": "import openai\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return None if third_party_imports(repo) else "the source imports no third-party package"

    def check(self, repo: Repo) -> Iterable[Finding]:
        if declarations(repo).manifests:
            return
        imports = third_party_imports(repo)
        if not imports:
            return
        roots = sorted({module.split(".")[0] for module, *_ in imports})
        _, path, line, column = imports[0]
        yield self.finding(
            path, line, column,
            f"the code imports {len(roots)} third-party package(s) ({', '.join(f'`{r}`' for r in roots[:5])}"
            f"{', …' if len(roots) > 5 else ''}) but the repository declares no dependencies: "
            "add a pinned requirements.txt or pyproject.toml `[project].dependencies`")
