"""TFA0402 — Backing-service clients constructed ad hoc across modules."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.backing_clients import BackingClientFact, BackingFacts
from ._shared import _short, backing_reason


class AdHocClients(RepoRule):
    id = "TFA0402"
    name = "ad-hoc-service-clients"
    factor = 4
    severity = Severity.NOTE
    title = "Backing-service clients constructed ad hoc across modules"
    collectors = (BackingFacts,)
    what = """
        Three or more source modules each construct their own client of the same kind of
        backing service — an LLM provider, a vector store, an SQL engine, Redis, a message
        broker — and at least one constructor recurs. A set of adapter modules that each
        wrap a different provider is not reported; nor are tests, examples and scripts.
    """
    why = """
        When every module builds its own client, the locator, credentials, timeouts and
        retries are decided in several places. Attaching a different service then means
        finding and editing each one, and they drift apart.
    """
    fix = """
        Build each backing-service client once, in one factory module, from configuration
        (`def get_vector_store(settings) -> VectorStore`), and import it (or inject it) where
        it is used.
    """
    invalid = (
        Example.repo({
            "agent/ingest.py": "from qdrant_client import QdrantClient\n\nclient = QdrantClient(url=URL)\n",
            "agent/search.py": "import qdrant_client\n\nstore = qdrant_client.QdrantClient(url=URL)\n",
            "agent/tools/rag.py": """
                from qdrant_client import AsyncQdrantClient


                async def lookup(q):
                    client = AsyncQdrantClient(url=URL)
                    return await client.query_points("docs", query=q)
            """,
        }, lines=(3,), columns=(10,), message="construct their own vector store client"),
        Example.repo({
            "app/chat.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "app/summary.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "app/agents/planner.py": "from openai import AsyncOpenAI\n\nclient = AsyncOpenAI()\n",
        }, lines=(3,), columns=(10,), message="construct their own LLM provider client"),
    )
    valid = (
        Example.repo({
            "agent/clients.py": """
                import os

                from openai import OpenAI
                from qdrant_client import QdrantClient

                llm = OpenAI()
                store = QdrantClient(url=os.environ["QDRANT_URL"])
            """,
            "agent/ingest.py": "from agent.clients import store\n",
            "agent/search.py": "from agent.clients import llm, store\n",
        }),
        Example.repo({
            "agent/providers/openai_provider.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "agent/providers/anthropic_provider.py": "from anthropic import Anthropic\n\nclient = Anthropic()\n",
            "agent/providers/ollama_provider.py": "from ollama import Client\n\nclient = Client()\n",
        }),
        Example.repo({
            "agent/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "tests/test_llm.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "examples/demo.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "scripts/backfill.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
        Example.repo({
            "apps/chat_bot/requirements.txt": "openai==1.55.0\n",
            "apps/chat_bot/bot.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "apps/summariser/requirements.txt": "openai==1.55.0\n",
            "apps/summariser/main.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "apps/tutor/requirements.txt": "openai==1.55.0\n",
            "apps/tutor/tutor.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return backing_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        roots = _project_roots(repo)
        by_family: dict[tuple[str, str], dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for fact in repo.facts(BackingClientFact):
            dirs = fact.path.split("/")[:-1]
            if (path_role(fact.path) != "src" or fact.data.ctor in _APPS_NOT_CLIENTS
                    or fact.data.function.startswith("from_") or {"alembic", "migrations"} & set(dirs)):
                continue  # `from_*` class methods are the factory; alembic builds its own engine by design
            project = max((r for r in roots if not r or fact.path.startswith(r + "/")), key=len)
            # modules of one providers/ or clients/ package are one factory, not ad hoc constructions
            parent = "/".join(dirs)
            place = parent if dirs and _FACTORY_DIR_RE.match(dirs[-1]) else fact.path
            by_family[(project, fact.data.family)][place].append(fact)
        for (_, family), places in sorted(by_family.items()):
            if len(places) < 3:
                continue
            ctor_places: dict[str, set[str]] = defaultdict(set)
            for place, facts in places.items():
                for fact in facts:
                    ctor_places[_short(fact.data.ctor)].add(place)
            if max(len(p) for p in ctor_places.values()) < 2:
                continue  # one module per provider: an adapter set, not duplication
            modules: dict[str, list] = defaultdict(list)
            for facts in places.values():
                for fact in facts:
                    modules[fact.path].append(fact)
            paths = sorted(modules)
            first = min(modules[paths[0]], key=lambda f: (f.line, f.column))
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            yield self.finding(first.path, first.line, first.column,
                               f"{len(paths)} modules construct their own {family} client ({shown}): build it once "
                               "in one factory module from configuration and import it where it is used")


_APPS_NOT_CLIENTS = {"celery.Celery"}  # one Celery app per worker type is by design
_FACTORY_DIR_RE = re.compile(r"(?i)^(providers?|llms?|clients?|adapters?|backends?|integrations?|connectors?|"
                             r"vector_?stores?|stores?|engines?|drivers?|db|database)$")


def _project_roots(repo: Repo) -> set[str]:
    """Directories holding a dependency manifest: each is its own project in a monorepo."""
    manifests = [*repo.files_of(FileKind.REQUIREMENTS), *repo.files_of(FileKind.PYPROJECT),
                 *repo.files_of(FileKind.SETUP_CFG)]
    return {""} | {posixpath.dirname(p) for p in manifests if path_role(p) in ("src", "script")}
