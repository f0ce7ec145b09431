"""TFA0204 — Imported third-party package not declared."""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.lockfile import LockFile

from ..facts.distributions import DATA_VERSION
from ..facts.manifests import ImportFact, ImportFacts, declarations, distribution_candidates, is_declared, third_party_imports
from ._shared import pip_install_commands


def _image_installed(repo: Repo) -> set[str]:
    """Distributions a Dockerfile installs by name (`pip install x`, `poetry add x`, `uv add x`): the image
    declares them, and TFA0205 judges their pins."""
    names: set[str] = set()
    for dockerfile in repo.artifacts(FileKind.DOCKERFILE):
        if isinstance(dockerfile, Dockerfile):
            for ins in dockerfile.instructions:
                if ins.keyword == "RUN":
                    script = re.sub(r"\b(poetry|uv) add\b", "pip install", ins.value)
                    names.update(canonicalize_name(Requirement(p).name) for p in pip_install_packages(script))
    return names


def _lock_brought(repo: Repo, parents: set[str]) -> frozenset[str]:
    """Distributions a lock file pins as direct requirements of ``parents`` (the declared and
    image-installed ones): they are installed, at the locked version, whenever a parent is."""
    brought: set[str] = set()
    for lock in repo.artifacts(FileKind.LOCKFILE):
        if isinstance(lock, LockFile):
            for parent in parents & lock.requires.keys():
                brought |= lock.requires[parent] & lock.packages
    return frozenset(brought)


def _lazy_imports(repo: Repo) -> set[tuple[str, int, int]]:
    """(path, line, column) of the imports made inside a function body."""
    return {(f.path, f.line, f.column) for f in repo.facts(ImportFact) if f.data.lazy}


def pip_install_packages(script: str) -> list[str]:
    """Package arguments of every ``pip install`` in a shell script (files and options removed)."""
    return [p for packages, _, _ in pip_install_commands(script) for p in packages]


class UndeclaredImport(RepoRule):
    id = "TFA0204"
    name = "undeclared-import"
    factor = 2
    severity = Severity.WARNING
    title = "Imported third-party package not declared"
    collectors = (ImportFacts,)
    what = f"""
        An unconditional import, in the repository's own source, of a module that is neither
        the standard library, nor part of the repository, nor provided by any distribution a
        manifest declares (requirements files, pyproject dependencies, optional dependencies
        and groups, setup.py/setup.cfg, Pipfile, conda). Import names are mapped to
        distributions by versioned data (data version {DATA_VERSION}): the top-level names that
        wheels install (`yaml` → `pyyaml`, `mem0` → `mem0ai`), a hand-kept table, and the usual
        affixes of a declared name (`python-ulid`, `pyhumps`, `firecrawl-py`, `onepassword-sdk`
        for `ulid`, `humps`, `firecrawl`, `onepassword`). Not reported: imports guarded by
        `try/except ImportError`, `if TYPE_CHECKING:` or a branch on the operating system; a
        package imported only inside functions (a provider chosen by configuration, a plugin:
        an optional feature); packages that always come with a declared one (`pydantic` with
        `fastapi`), and packages a committed lock file pins as a direct requirement of a
        declared distribution (`uv.lock`, `poetry.lock`, `pdm.lock`, rye's
        `requirements.lock`). One finding per package, at its first import.
    """
    why = """
        The app works on the developer's machine because the package happens to be installed
        there; a fresh build or container fails at import time, or silently takes whatever
        version a transitive dependency drags in.
    """
    fix = """
        Declare the distribution (with a pinned version) in the manifest the app is built
        from, e.g. `tiktoken==0.8.0` in `requirements.txt`.
    """
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    unpinned_columns = {
        2: "its findings sit in two files (agent/api.py, agent/db.py): lines and columns cannot say which",
    }
    invalid = (
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/llm.py": "import openai\nimport tiktoken\nimport yaml\n",
        }, lines=(2, 3), columns=(1, 1), message="is imported but no manifest declares"),
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["fastapi==0.115.6"]\n',
            "agent/app.py": "from fastapi import FastAPI\nfrom redis import asyncio as aioredis\n",
        }, lines=(2,), columns=(1,), message="is imported but no manifest declares"),
        # Two steps down the lock's graph (`pgdriver` comes with `store-core`, which comes with the
        # declared `store-saver`) is not a dependency of anything declared; with no lock at all,
        # what a dependency happens to bring floats.
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["store-saver>=2"]\n',
            "poetry.lock": """
                [[package]]
                name = "store-saver"
                version = "2.0.3"

                [package.dependencies]
                store-core = ">=1"

                [[package]]
                name = "store-core"
                version = "1.4.0"

                [package.dependencies]
                pgdriver = ">=3"

                [[package]]
                name = "pgdriver"
                version = "3.2.1"
            """,
            "agent/db.py": "import os\nfrom pgdriver import connect\n",
            "agent/api.py": "import chat_sdk\n",
        }, lines=(2, 1), message="is imported but no manifest declares"),
        # A package imported lazily in one place and at module level in another is required.
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/a.py": "def fetch(url):\n    import requests\n    return requests.get(url)\n",
            "agent/b.py": "import requests\n",
        }, lines=(2,), columns=(5,), message="is imported but no manifest declares"),
    )
    valid = (
        Example.repo({
            "requirements.txt": "openai==1.54.3\npyyaml==6.0.2\nbeautifulsoup4==4.12.3\nfastapi==0.115.6\n",
            "agent/llm.py": "import openai\nimport yaml\nfrom bs4 import BeautifulSoup\nfrom pydantic import BaseModel\n",
        }),
        Example.repo({
            "requirements.txt": "libpass==1.9.3\nopensearch-py==3.2.0\nmarkdown-it-py==4.0.0\npython3-saml==1.15.0\n",
            "agent/auth.py": "from passlib.hash import bcrypt\nfrom opensearchpy import OpenSearch\n"
                             "from markdown_it import MarkdownIt\nfrom onelogin.saml2.auth import OneLogin_Saml2_Auth\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/llm.py": """
                from typing import TYPE_CHECKING

                from agent.tools import search

                try:
                    import tiktoken
                except ImportError:
                    tiktoken = None

                if TYPE_CHECKING:
                    import numpy
            """,
            "agent/tools.py": "def search(q):\n    return q\n",
        }),
        Example.repo({
            "pyproject.toml": """
                [project]
                name = "a"
                version = "1"
                dependencies = []

                [project.optional-dependencies]
                rag = ["chromadb==0.5.23", "llama-index-core==0.12.0"]
            """,
            "agent/rag.py": "import chromadb\nfrom llama_index.core import VectorStoreIndex\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "tests/test_llm.py": "import pytest\n",
            "scripts/plot.py": "import matplotlib\n",
        }),
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "jobs/backfill/Dockerfile": "FROM python:3.12-slim\nRUN poetry add qdrant-client==1.12.1 && pip install tqdm==4.67.1\n",
            "jobs/backfill/run.py": "import qdrant_client\nimport tqdm\n",
        }),
        # Import names that differ from the distribution's: from the wheels' top-level names
        # (z3-solver installs `z3`, pywavelets `pywt`), and the usual affixes of a declared name.
        Example.repo({
            "requirements.txt": "z3-solver==4.13.0\npywavelets==1.7.0\npython-ulid==3.0.0\npyhumps==3.8.0\n"
                                "weatherkit-sdk==2.1.0\nmoon-rex==0.4.0\n",
            "planner/solve.py": "import z3\nimport pywt\nfrom ulid import ULID\nimport humps\n"
                                "from weatherkit import Client\nimport moonrex\n",
        }),
        # A committed lock records that a declared distribution requires the imported one: it is
        # installed, at the locked version, with it (uv.lock, poetry.lock, rye's requirements.lock).
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["chat-wrapper>=1.2"]\n',
            "uv.lock": """
                version = 1

                [[package]]
                name = "chat-wrapper"
                version = "1.2.0"
                dependencies = [{ name = "chat-sdk" }]

                [[package]]
                name = "chat-sdk"
                version = "0.9.1"
            """,
            "agent/llm.py": "import chat_sdk\nfrom chat_wrapper import Chat\n",
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["store-saver>=2"]\n',
            "requirements.lock": """
                # generated by rye
                -e file:.
                store-saver==2.0.3
                    # via a
                pgdriver==3.2.1
                    # via store-saver
            """,
            "agent/db.py": "from pgdriver import connect\n",
        }),
        # Imports deferred into a function (a provider picked by configuration, a plugin) or
        # made on one operating system only are optional features, not the app's dependencies.
        Example.repo({
            "requirements.txt": "openai==1.54.3\n",
            "agent/providers.py": """
                import sys

                def make_client(provider):
                    if provider == "openai":
                        from openai import OpenAI
                        return OpenAI()
                    elif provider == "bedrock":
                        from langchain_aws import ChatBedrock
                        return ChatBedrock()

                if sys.platform == "win32":
                    import winshell
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        decl = declarations(repo)
        if not decl.manifests:
            return "no dependency manifest to compare imports with"
        if decl.dynamic:
            return f"dependencies in {decl.dynamic} are computed at build time and cannot be read statically"
        return None if third_party_imports(repo) else "the source imports no third-party package"

    def check(self, repo: Repo) -> Iterable[Finding]:
        decl = declarations(repo)
        installed = _image_installed(repo)
        brought = _lock_brought(repo, set(decl.by_name) | installed)
        lazy = _lazy_imports(repo)
        seen: dict[str, list[tuple[str, str, int, int]]] = {}
        for module, path, line, column in third_party_imports(repo):
            if not is_declared(module, decl, brought) and not installed.intersection(distribution_candidates(module)):
                seen.setdefault(distribution_candidates(module)[0], []).append((module, path, line, column))
        for dist, sites in seen.items():
            if all((path, line, column) in lazy for _, path, line, column in sites):
                continue  # imported only where a feature runs: an optional dependency
            module, path, line, column = sites[0]
            others = len({p for _, p, _, _ in sites}) - 1
            yield self.finding(
                path, line, column,
                f"`{module.split('.')[0]}` is imported but no manifest declares `{dist}`"
                f"{f' (imported in {others} more file(s))' if others else ''}: add `{dist}==<version>` "
                "to the manifest the app is built from")
