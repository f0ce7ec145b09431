"""``--show-source``: the line under each finding with a caret under its columns, never a line
that holds a secret."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tfa_lint.cli import cli
from tfa_lint.report.source import HIDDEN

KEY = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt"


def run(root: Path, *args: str) -> list[str]:
    result = CliRunner().invoke(cli, [str(root), "--no-cache", "--show-source", *args], catch_exceptions=False)
    return result.stdout.splitlines()


def test_the_line_and_a_caret_under_the_finding(tree) -> None:
    root = tree({"requirements.txt": "fastapi==0.110.0\nopenai>=1.40\n"})
    lines = run(root, "--select", "TFA0203")
    at = lines.index(next(line for line in lines if line.startswith("requirements.txt:2:1 TFA0203")))
    assert lines[at + 1:at + 3] == ["    2 | openai>=1.40", "      | ^"]


def test_the_caret_counts_characters_and_keeps_tabs(tree) -> None:
    root = tree({"agent/app.py": 'import redis\n\n\ndef main():\n\tr = redis.Redis(host="héllo-10.0.4.12.internal"); return r\n',
                 "Dockerfile": "FROM python:3.12\nCMD python -m agent.app\n"})
    lines = run(root, "--select", "TFA0401")
    at = lines.index(next(line for line in lines if line.startswith("agent/app.py:5:")))
    column = int(lines[at].split(":")[2].split()[0])
    source, caret = lines[at + 1], lines[at + 2]
    assert source == '    5 | \tr = redis.Redis(host="héllo-10.0.4.12.internal"); return r'
    assert column == 23  # characters, not UTF-8 bytes, and the tab counts as one
    assert caret.startswith("      | \t") and caret.index("^") - len("      | ") == column - 1


def test_a_line_holding_a_secret_is_never_shown(tree) -> None:
    root = tree({"agent/llm.py": f'from openai import OpenAI\nclient = OpenAI(api_key="{KEY}")\n',
                 ".env": f"OPENAI_API_KEY={KEY}\n"})
    output = "\n".join(run(root, "--preview"))
    assert KEY[8:20] not in output and "OpenAI(api_key=" not in output
    assert output.count(HIDDEN) >= 2


def test_a_very_long_line_is_shown_around_the_column(tree) -> None:
    root = tree({"requirements.txt": "fastapi==0.110.0\n" + "openai>=1.40 ; python_version >= '3.8'" + " " * 400 + "\n"})
    lines = run(root, "--select", "TFA0203")
    shown = next(line for line in lines if line.startswith("    2 | "))
    assert len(shown) < 200 and shown.endswith("…")
