from __future__ import annotations

from conftest import scan_tree

from tfa_lint.rule import load_rules
from tfa_lint.suppress import parse_suppressions

KEY = "sk-proj-" + "Zt4Wq8Lm2Xp6Rv1Nc9Bk3Hj7Fd5Gs0Ya"


def test_directive_targets() -> None:
    text = "a = 1  # tfa: ignore[TFA0301, tfa0302]\n# tfa: ignore[TFA0207]\n\nFROM python\n# tfa: ignore-file[TFA0202]\n"
    sups = parse_suppressions(text)
    assert [(s.line, s.target, s.ids) for s in sups] == [
        (1, 1, ("TFA0301", "TFA0302")), (2, 4, ("TFA0207",)), (5, 0, ("TFA0202",))]


def test_suppressions_in_every_kind(tree) -> None:
    root = tree({
        "app.py": f'KEY = "{KEY}"  # tfa: ignore[TFA0301]\n',
        "Dockerfile": "# tfa: ignore[TFA0207]\nFROM python:latest\n",
        "requirements.txt": "httpx>=0.27  # tfa: ignore[TFA0202]\n",
        "Procfile": f"# tfa: ignore[TFA0301]\nweb: OPENAI_API_KEY={KEY} uvicorn app:app\n",
        "compose.yaml": f"services:\n  web:\n    environment:\n      # tfa: ignore[TFA0301]\n      KEY: {KEY}\n",
        ".env": f"# tfa: ignore-file[TFA0303]\nOPENAI_API_KEY={KEY}\n",
    })
    rules = [r for i, r in load_rules().items() if i.startswith(("TFA00", "TFA02", "TFA03"))]
    result = scan_tree(root, rules)
    assert result.findings == [], result.findings
    assert result.suppressed == 6


def test_unused_and_unknown_suppressions_are_reported(tree) -> None:
    root = tree({"app.py": "TIMEOUT = 30  # tfa: ignore[TFA0301]\nRETRIES = 3  # tfa: ignore[TFA0399]\n"})
    result = scan_tree(root)
    messages = [(f.rule, f.line, f.message) for f in result.findings]
    assert messages[0][:2] == ("TFA0001", 1) and "suppresses nothing" in messages[0][2]
    assert messages[1][:2] == ("TFA0001", 2) and "names no known rule" in messages[1][2]


def test_documentation_shows_directives_without_making_them(tree) -> None:
    """A README explaining suppressions quotes `# tfa: ignore[…]` in code blocks: text, not a
    directive, so never an unused suppression. An HTML comment is a directive there."""
    root = tree({
        "README.md": "# Agent\n\n```python\nKEY = os.environ['KEY']  # tfa: ignore[TFA0301]\n```\n\n"
                     "Suppress with `# tfa: ignore[ID]`.\n\n<!-- tfa: ignore[TFA0301] -->\nSome text.\n",
        "app.py": "import os\n",
    })
    result = scan_tree(root)
    unused = [(f.path, f.line) for f in result.findings if f.rule == "TFA0001"]
    assert unused == [("README.md", 9)]  # the HTML comment only
    assert [s.line for s in parse_suppressions("# tfa: ignore[TFA0301]\n", markup=True)] == []
