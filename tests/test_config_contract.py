"""TFA0307's message names the config contract of the sub-project that reads the variable."""

from __future__ import annotations

from pathlib import Path

from conftest import scan_tree, write_tree

from tfa_lint.config import build_config
from tfa_lint.rule import load_rules

RULES = load_rules()


def _targets(tmp_path: Path, files: dict[str, str]) -> dict[str, str]:
    root = write_tree(tmp_path / "repo", files)
    result = scan_tree(root, [RULES["TFA0307"]], build_config({}, None, RULES))
    return {f.path: f.message.rsplit(" to ", 1)[1] for f in result.findings if f.rule == "TFA0307"}


def test_monorepo_names_the_template_of_the_app_that_reads(tmp_path: Path) -> None:
    read = 'import os\n\nKEY = os.environ["{}"]\n'
    assert _targets(tmp_path, {
        "apps/web/.env.sample": "WEB_TOKEN=\n",
        "apps/web/pyproject.toml": "[project]\nname = 'web'\n",
        "apps/web/web/main.py": read.format("WEB_SECRET"),
        "apps/worker/pyproject.toml": "[project]\nname = 'worker'\n",
        "apps/worker/worker/jobs.py": read.format("QUEUE_URL"),
        "deploy/.env.example": "SHARED=\n",
        "tools/sync.py": read.format("SYNC_TARGET"),
    }) == {
        "apps/web/web/main.py": "apps/web/.env.sample",
        "apps/worker/worker/jobs.py": "apps/worker/.env.example",
        "tools/sync.py": "deploy/.env.example",
    }


def test_single_app_keeps_its_one_template(tmp_path: Path) -> None:
    assert _targets(tmp_path, {
        "docker/.env.example": "OPENAI_API_KEY=\n",
        "pyproject.toml": "[project]\nname = 'agent'\n",
        "agent/llm.py": 'import os\n\nKEY = os.environ["SEARCH_KEY"]\n',
    }) == {"agent/llm.py": "docker/.env.example"}
