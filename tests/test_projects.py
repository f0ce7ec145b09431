"""What the repository, or each project of a monorepo, is judged to be (rules/facts/projects.py),
and how the reports say it."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import scan_tree

from tfa_lint.cli import cli

LIBRARY = {
    "setup.py": """from setuptools import find_packages, setup

setup(name="flowboard", version="0.2.0", packages=find_packages(),
      classifiers=["Programming Language :: Python :: 3"],
      install_requires=open("requirements.txt").read().splitlines())
""",
    "requirements.txt": "flask>=2\n",
    "flowboard/__init__.py": "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
}

CLI_IMAGE = {
    "pyproject.toml": """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "trace-runner"
version = "1.0.0"
readme = "README.md"

[project.scripts]
trace-runner = "trace_runner.cli:main"
""",
    "Dockerfile": 'FROM python:3.12-slim\nRUN pip install /src\nEXPOSE 9000\nENTRYPOINT ["trace-runner"]\n',
    "trace_runner/cli.py": "def main():\n    pass\n",
}


def kinds(result) -> dict[str, tuple[str, str]]:
    return {p.path: (p.kind, p.evidence) for p in result.projects}


def test_a_published_library_is_no_application(tree) -> None:
    result = scan_tree(tree(LIBRARY))
    assert kinds(result)["."][0] == "library"
    assert "setup.py" in kinds(result)["."][1]


def test_an_image_that_wraps_the_console_script_keeps_a_cli_a_cli(tree) -> None:
    result = scan_tree(tree(CLI_IMAGE))
    kind, evidence = kinds(result)["."]
    assert kind == "cli" and "trace-runner" in evidence


def test_a_deploy_file_that_runs_a_server_makes_an_application(tree) -> None:
    files = {**LIBRARY, "Procfile": "web: gunicorn 'flowboard:create_app()'\n"}
    assert kinds(scan_tree(tree(files)))["."] == ("application", "deployed by Procfile (`web`)")


def test_monorepo_projects_are_judged_one_by_one(tree) -> None:
    files = {
        "apps/chat/requirements.txt": "fastapi==0.115.6\n",
        "apps/chat/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        "libs/core/pyproject.toml": '[build-system]\nbuild-backend = "hatchling.build"\n\n'
                                    '[project]\nname = "core"\nversion = "1"\nlicense = "MIT"\n',
        "libs/core/core/__init__.py": "",
        "examples/demo/requirements.txt": "openai\n",
    }
    found = kinds(scan_tree(tree(files)))
    assert found["apps/chat"][0] == "application"
    assert found["libs/core"][0] == "library"
    assert "examples/demo" not in found  # examples are not projects the report speaks of


def test_reports_say_what_was_decided(tree) -> None:
    root = tree(LIBRARY)
    doc = json.loads(CliRunner().invoke(cli, [str(root), "--format", "json", "--no-cache"]).stdout)
    assert [p["kind"] for p in doc["projects"]] == ["library"]
    text = CliRunner().invoke(cli, [str(root), "--no-cache"]).output
    assert "Judged as: library — published by setup.py" in text
