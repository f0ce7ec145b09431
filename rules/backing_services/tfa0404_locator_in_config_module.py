"""TFA0404 — Backing-service locator fixed in a config module."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.backing_clients import BackingFacts, service_url
from ..facts.config_flow import (
    COLLECTORS as CONFIG_FLOW_COLLECTORS,
)
from ..facts.config_flow import (
    ENDPOINT,
    HOST,
    LOCATOR_ROLES,
    SERVICE_URL,
    ConstantUse,
    ConstantUseFact,
    constant_uses,
)
from ..facts.modules import ModuleGraphFacts
from ._shared import backing_reason, bound_locator, deploy_endpoint, literal_host

_ENV_NAME_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _locator(use: ConstantUse) -> str | None:
    """The displayable locator when the constant, used as this argument, names one deploy's service."""
    value = use.constant.data.value
    if not isinstance(value, str):
        return None
    role = use.use.data.role
    if role == SERVICE_URL:
        return service_url(value)
    if role == HOST:
        return literal_host(value)
    return deploy_endpoint(value) if role == ENDPOINT else None


class LocatorInConfigModule(RepoRule):
    id = "TFA0404"
    name = "locator-in-config-module"
    factor = 4
    severity = Severity.WARNING
    title = "Backing-service locator fixed in a config module"
    collectors = (*CONFIG_FLOW_COLLECTORS, ModuleGraphFacts, BackingFacts)
    what = """
        A module constant holding a literal locator (`QDRANT_URL = "http://localhost:6333"`,
        `LLM_BASE_URL = "http://10.12.0.45:8000"`, `API_URL = "https://api.staging.acme.io"`)
        that another module of the repository (importing it by name, as a module, relatively or
        with `*`) passes to a backing-service client
        (`QdrantClient(url=config.QDRANT_URL)`), to an HTTP call
        (`requests.get(config.API_URL + "/x")`) or as a `base_url=`, `url=`, `host=` or
        `endpoint=` argument. Reported once, at the constant, with the first call that uses it.
        A client's locator slot counts with any host, as in TFA0401; elsewhere only a local,
        private or internal host, or a staging or production one. Not reported: a constant
        read from the environment (`os.getenv("QDRANT_URL", "http://localhost:6333")`) or
        set at run time by another module (`defaults.SERVER_URL = sys.argv[1]`), a public
        API host, a constant TFA0401 already reports, the defaults of a published library or
        CLI (its caller or the user's own machine picks the service), tests and examples.
    """
    why = """
        A settings module looks like configuration, but a literal in it is code: every deploy
        (a laptop, staging, production) runs against the one machine it names, and attaching
        another service means editing and releasing the code. The call that connects sits in
        another file, so reading either file alone shows nothing wrong.
    """
    fix = """
        Read the constant from the environment in the config module, keeping the development
        value only as the default if at all: `QDRANT_URL = os.getenv("QDRANT_URL",
        "http://localhost:6333")`, or a `pydantic-settings` field.
    """
    invalid = (
        Example.repo({
            "gateway/config.py": """
                VECTOR_URL = "http://localhost:6333"
                LLM_BASE_URL = "http://10.12.0.45:8000/v1"
                CACHE_HOST = "cache.internal"
            """,
            "gateway/app.py": """
                from openai import OpenAI
                from qdrant_client import QdrantClient
                import redis

                from . import config
                from .config import LLM_BASE_URL as llm_url

                vectors = QdrantClient(url=config.VECTOR_URL)
                llm = OpenAI(base_url=llm_url)
                cache = redis.Redis(host=config.CACHE_HOST)
            """,
        }, lines=(1, 2, 3), columns=(14, 16, 14), message="reaches"),
        Example.repo({
            "svc/settings.py": """
                class Upstream:
                    API_URL = "https://api.staging.acme.io"
                    TIMEOUT = 10
            """,
            "svc/client.py": """
                import requests

                import svc.settings as cfg


                def fetch(item):
                    return requests.get(cfg.Upstream.API_URL + f"/items/{item}", timeout=cfg.Upstream.TIMEOUT)
            """,
            "svc/worker.py": """
                import httpx

                from svc.settings import *

                session = httpx.Client(base_url=Upstream.API_URL)
            """,
            "svc/sync.py": """
                import aiohttp

                from . import settings


                async def push(batch):
                    async with aiohttp.ClientSession() as http_session:
                        await http_session.post(settings.Upstream.API_URL + "/batches", json=batch)
            """,
        }, lines=(2,), columns=(15,), message="`requests.get(…)` in svc/client.py:7 (and 2 more modules)"),
        Example.repo({
            "app/config/__init__.py": "from .services import *\nfrom .llm import Router as LLMRouter\n",
            "app/config/services.py": 'SEARCH_URL = "http://search.internal:9200"\n',
            "app/config/llm.py": """
                class Router:  # the LiteLLM proxy
                    BASE_URL = "http://172.20.0.8:4000"
            """,
            "app/search.py": """
                from elasticsearch import Elasticsearch
                from openai import OpenAI

                from app.config import SEARCH_URL, LLMRouter

                search = Elasticsearch(SEARCH_URL)
                llm = OpenAI(base_url=LLMRouter.BASE_URL)
            """,
        }, lines=(1, 2), columns=(14, 16), message="fixed in"),
    )
    valid = (
        Example.repo({
            "gateway/config.py": """
                import os

                QDRANT_URL = os.getenv("QDRANT_URL", "http://localhost:6333")
                OPENAI_BASE_URL = "https://api.openai.com/v1"
                DATABASE_URL = "postgresql://db.internal:5432/agent"
                BIND_HOST = "0.0.0.0"
                ENV_VAR_NAME = "REDIS_HOST"
            """,
            "gateway/app.py": """
                import os

                import uvicorn
                from openai import OpenAI
                from qdrant_client import QdrantClient
                from sqlalchemy import create_engine

                from gateway import config

                vectors = QdrantClient(url=config.QDRANT_URL)
                llm = OpenAI(base_url=config.OPENAI_BASE_URL)
                engine = create_engine(config.DATABASE_URL)
                cache_host = os.environ.get(config.ENV_VAR_NAME)


                def main(app):
                    uvicorn.run(app, host=config.BIND_HOST)
            """,
        }),
        Example.repo({
            "agent/config.py": """
                QDRANT_URL = "http://localhost:6333"
                if __debug__:
                    QDRANT_URL = "http://qdrant.internal:6333"
            """,
            "agent/store.py": """
                from qdrant_client import QdrantClient

                from agent.config import QDRANT_URL

                store = QdrantClient(url=QDRANT_URL)
            """,
            "tests/test_store.py": """
                from qdrant_client import QdrantClient

                from tests.fixtures import LOCAL_URL

                store = QdrantClient(url=LOCAL_URL)
            """,
            "tests/fixtures.py": 'LOCAL_URL = "http://localhost:6333"\n',
        }),
        Example.repo({
            "client/defaults.py": 'SERVER_URL = "http://localhost:8000"\n',
            "client/main.py": """
                import sys

                import requests

                from client import defaults


                def run():
                    if len(sys.argv) > 1:
                        defaults.SERVER_URL = sys.argv[1]
                    return requests.get(f"{defaults.SERVER_URL}/health", timeout=5)
            """,
        }),
        Example.repo({
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"

                [project]
                name = "vecstore-client"
                version = "0.3.1"
                readme = "README.md"
                dependencies = ["httpx>=0.27"]
            """,
            "vecstore_client/defaults.py": 'SERVER_URL = "http://localhost:6333"\n',
            "vecstore_client/client.py": """
                import httpx

                from vecstore_client.defaults import SERVER_URL


                def connect():
                    return httpx.Client(base_url=SERVER_URL)
            """,
        }),
        Example.repo({
            "agent/store.py": """
                from qdrant_client import QdrantClient

                QDRANT_URL = "http://localhost:6333"
                store = QdrantClient(url=QDRANT_URL)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = backing_reason(repo)
        if reason and any(f.data.role in LOCATOR_ROLES and path_role(f.path) == "src" for f in repo.facts(ConstantUseFact)):
            return None  # it calls services through HTTP or endpoint arguments
        return reason

    def check(self, repo: Repo) -> Iterable[Finding]:
        for (path, name), uses in sorted(constant_uses(repo).items()):
            value = uses[0].constant.data.value
            if isinstance(value, str) and bound_locator(name.rsplit(".", 1)[-1], value):
                continue  # TFA0401 reports a service URL bound to a locator name where it stands
            reaching = [(use, shown) for use in uses if use.use.data.role in LOCATOR_ROLES
                        for shown in [_locator(use)] if shown]
            if not reaching:
                continue
            first, shown = reaching[0]
            constant, data = first.constant, first.use.data
            others = len({use.use.path for use, _ in reaching}) - 1
            more = f" (and {others} more module{'s' if others > 1 else ''})" if others else ""
            family = data.family[0].upper() + data.family[1:] if data.family else "Service"
            short = name.rsplit(".", 1)[-1]
            env = short if _ENV_NAME_RE.match(short) else (data.env or "SERVICE_URL")
            argument = "" if data.slot.startswith("#") else f"{data.slot}="
            yield self.finding(
                constant.path, constant.line, constant.column,
                f"{family} locator `{shown}` fixed in `{name}` reaches `{data.callee}({argument}…)` in "
                f"{first.use.path}:{first.use.line}{more}: read it from the environment "
                f"(`os.getenv(\"{env}\", …)`) so each deploy attaches its own service")
