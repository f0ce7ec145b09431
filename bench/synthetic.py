"""A synthetic agent repository of N Python files, for the benchmark and the pool tests.

Files are built from a few templates that look like the modules of real agent apps (tools,
API routes, settings, workers, tests), with sizes spread like theirs (a few hundred to a few
thousand lines), and a handful of manifests. The same ``seed`` gives the same tree.
"""

from __future__ import annotations

import random
from pathlib import Path

_HEADER = '''"""{doc}"""

from __future__ import annotations

import json
import logging
import os
{extra_imports}

logger = logging.getLogger(__name__)
'''

_TOOL = '''

class {name}Tool:
    """Calls the {name} API for the agent."""

    def __init__(self, client=None, timeout: float = 30.0) -> None:
        self.client = client
        self.timeout = timeout
        self.base_url = os.environ.get("{upper}_URL", "http://localhost:{port}")

    def run(self, query: str, *, limit: int = {limit}) -> list[dict]:
        results = []
        for index, item in enumerate(self._search(query)[:limit]):
            if not item:
                continue
            results.append({{"rank": index, "title": item.get("title", ""), "score": item.get("score", 0.0)}})
        logger.info("tool %s returned %d results", "{name}", len(results))
        return results

    def _search(self, query: str) -> list[dict]:
        payload = json.dumps({{"q": query, "timeout": self.timeout}})
        response = self.client.post(f"{{self.base_url}}/search", data=payload) if self.client else None
        return response.json() if response is not None else []
'''

_ROUTE = '''

@router.post("/{path}")
async def {func}(request: dict) -> dict:
    agent = build_agent(model=os.getenv("MODEL_NAME", "gpt-4o-mini"))
    try:
        answer = await agent.arun(request.get("input", ""))
    except Exception as exc:  # pragma: no cover - network
        logger.exception("agent failed: %s", exc)
        return {{"error": str(exc)}}
    print("answered", len(answer))
    return {{"output": answer, "steps": [s.dict() for s in agent.steps if s is not None]}}
'''

_STATE = '''

_SESSIONS: dict[str, list] = {{}}


def remember_{func}(session_id: str, message: str) -> None:
    _SESSIONS.setdefault(session_id, []).append(message)
    if len(_SESSIONS[session_id]) > {limit}:
        _SESSIONS[session_id] = _SESSIONS[session_id][-{limit}:]
'''

_PURE = '''

def {func}(values: list[float], weights: list[float] | None = None) -> float:
    """Weighted mean, with the usual guards."""
    if not values:
        return 0.0
    weights = weights or [1.0] * len(values)
    total = sum(w for w in weights)
    acc = 0.0
    for value, weight in zip(values, weights):
        acc += value * weight if weight > 0 else 0.0
    return acc / total if total else 0.0
'''

_TEST = '''

def test_{func}(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({{"a": {limit}}}))
    assert json.loads(path.read_text())["a"] == {limit}
'''

_MANIFESTS = {
    "requirements.txt": "openai>=1.0\nfastapi==0.115.0\nuvicorn\nlangchain\nhttpx==0.27.2\n",
    "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n'
                  'EXPOSE 8000\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
    "Procfile": "web: uvicorn app.main:app --port $PORT\nworker: python -m app.worker\n",
    "pyproject.toml": '[project]\nname = "synthetic-agent"\nversion = "0.1.0"\ndependencies = ["openai>=1"]\n',
    ".env.example": "OPENAI_API_KEY=\nMODEL_NAME=gpt-4o-mini\n",
}


def generate(root: Path, files: int, *, seed: int = 0) -> Path:
    """Write ``files`` Python files (plus manifests) under ``root``; returns ``root``."""
    rng = random.Random(seed)
    for rel, text in _MANIFESTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    packages = ["app", "app/tools", "app/routes", "app/memory", "app/utils", "tests"]
    for index in range(files):
        package = packages[index % len(packages)]
        name = f"{package.rsplit('/', 1)[-1]}_{index}"
        # Sizes of real agent modules: most are short, a few are long.
        blocks = max(1, int(rng.lognormvariate(1.6, 0.8)))
        extra = "from fastapi import APIRouter\n\nrouter = APIRouter()" if package == "app/routes" else ""
        parts = [_HEADER.format(doc=f"Module {name} of the synthetic agent.", extra_imports=extra)]
        for block in range(blocks):
            values = {"name": f"Search{index}x{block}", "upper": f"SEARCH{index}", "port": 8000 + block,
                      "limit": rng.randint(3, 50), "func": f"handle_{index}_{block}", "path": f"run/{index}/{block}"}
            template = {"tests": _TEST, "app/routes": _ROUTE, "app/memory": _STATE}.get(
                package, rng.choice([_TOOL, _PURE, _TOOL]))
            parts.append(template.format(**values))
        path = root / package / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(parts), encoding="utf-8")
    return root
