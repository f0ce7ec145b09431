"""`--fix`, `--diff`, `--unsafe-fixes`: which fixes are applied, and that nothing else happens.

The rules' own fixes are pinned by their examples (tests/test_rule_examples.py); here the
engine: ordering and overlaps, files changed since they were read, results that would not
parse, symlinks, modes and line endings, secrets in diffs, and the whole loop on bad-agent.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, assert_valid_sarif

from tfa_lint.fix import APPEND, Applicability, Edit, Fix, apply_edits, digest
from tfa_lint.fixer import HIDDEN_LINE, plan, unified_diff, write
from tfa_lint.model import Finding
from tfa_lint.sources import parse_artifact
from tfa_lint.discover import kind_of


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tfa_lint", str(root), "--no-cache", "--jobs", "1", *args],
                          capture_output=True, text=True, check=False, env=os.environ.copy())


def finding(path: str, rule: str, fix: Fix, line: int = 1) -> Finding:
    return Finding(path, line, 1, rule, "m", fix=fix)


def every(rule_id: str) -> bool:
    return True


def test_edits_replace_insert_and_append() -> None:
    text = "a\nb\nc"
    edits = [Edit.lines("f", text, 2, 2, "B"), Edit.insert("f", text, 0, "# top\n"), Edit.append("f", "d\n")]
    assert apply_edits(text, edits) == "# top\na\nB\nc\nd\n"
    assert Edit.append("f", "x").start == APPEND
    assert apply_edits("", [Edit.append("f", "x\n")]) == "x\n"  # a new file gets no leading line break


def test_overlapping_fixes_wait_for_the_next_pass_in_a_fixed_order(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nCMD python app.py\n")
    text = (tmp_path / "Dockerfile").read_text()
    first = Fix("one", (Edit.lines("Dockerfile", text, 2, 2, 'CMD ["python", "app.py"]'),))
    second = Fix("two", (Edit.lines("Dockerfile", text, 2, 2, "CMD exec python app.py"),))
    for order in ([finding("Dockerfile", "TFA0902", first), finding("Dockerfile", "TFA0999", second)],
                  [finding("Dockerfile", "TFA0999", second), finding("Dockerfile", "TFA0902", first)]):
        step = plan(tmp_path, order, unsafe=True, fixable=every)
        assert [f.rule for f in step.applied] == ["TFA0902"]  # by rule id at one offset, whatever the input order
        assert step.changes["Dockerfile"][1] == 'FROM python:3.12\nCMD ["python", "app.py"]\n'


def test_the_same_change_from_several_findings_is_made_once(tmp_path: Path) -> None:
    ignore = Fix("ignore", (Edit.append(".gitignore", ".env\n"),))
    step = plan(tmp_path, [finding(".env", "TFA0303", ignore, 1), finding(".env", "TFA0303", ignore, 2)],
                unsafe=False, fixable=every)
    assert len(step.applied) == 2 and step.changes == {".gitignore": ("", ".env\n")}


def test_an_edit_several_fixes_share_is_made_once_and_their_own_edits_in_the_same_pass(tmp_path: Path) -> None:
    text = "import os\n\nprint(1)\nprint(2)\n"
    (tmp_path / "app.py").write_text(text)
    logger = Edit.insert("app.py", text, 11, "logger = logging.getLogger(__name__)\n")
    fixes = [Fix("log", (Edit.insert("app.py", text, 0, "import logging\n"), logger,
                         Edit.lines("app.py", text, line, line, f"logger.info({line - 2})")), Applicability.UNSAFE)
             for line in (3, 4)]
    step = plan(tmp_path, [finding("app.py", "TFA1101", fix, line) for fix, line in zip(fixes, (3, 4))],
                unsafe=True, fixable=every)
    assert len(step.applied) == 2
    assert step.changes["app.py"][1] == ("import logging\nimport os\n\nlogger = logging.getLogger(__name__)\n"
                                         "logger.info(1)\nlogger.info(2)\n")


def test_unsafe_and_unfixable_fixes_are_left_unless_asked(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    text = "x = 1\n"
    unsafe = finding("app.py", "TFA0301", Fix("t", (Edit.replace("app.py", text, 4, 5, "2"),), Applicability.UNSAFE))
    assert not plan(tmp_path, [unsafe], unsafe=False, fixable=every).changes
    assert not plan(tmp_path, [unsafe], unsafe=True, fixable=lambda rule_id: rule_id != "TFA0301").changes
    assert plan(tmp_path, [unsafe], unsafe=True, fixable=every).changes["app.py"][1] == "x = 2\n"


def test_a_file_changed_since_it_was_read_is_not_edited(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    fix = Fix("t", (Edit.replace("app.py", "x = 1\n", 4, 5, "2"),))
    (tmp_path / "app.py").write_text("x = 7\n")  # changed between the scan and the fix
    step = plan(tmp_path, [finding("app.py", "TFA9999", fix)], unsafe=True, fixable=every)
    assert not step.changes and "changed since it was read" in step.diagnostics[0].message


def test_a_fix_whose_result_would_not_parse_is_not_written(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = (1)\n")
    fix = Fix("t", (Edit.replace("app.py", "x = (1)\n", 6, 7, ""),))  # drops the closing parenthesis
    step = plan(tmp_path, [finding("app.py", "TFA9999", fix)], unsafe=True, fixable=every)
    assert not step.changes and "would not parse" in step.diagnostics[0].message
    assert (tmp_path / "app.py").read_text() == "x = (1)\n"


def test_a_symlink_or_a_path_out_of_the_root_is_never_edited(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.py").symlink_to(outside)
    for path in ("link.py", "../outside.py"):
        fix = Fix("t", (Edit.replace(path, "x = 1\n", 4, 5, "2"),))
        step = plan(root, [finding(path, "TFA9999", fix)], unsafe=True, fixable=every)
        assert not step.changes and step.diagnostics, path
    assert write(root, {"../outside.py": ("x = 1\n", "x = 2\n")})[0].message.startswith("not fixed")
    assert outside.read_text() == "x = 1\n"


def test_a_write_keeps_mode_line_endings_and_byte_order_mark(tmp_path: Path) -> None:
    target = tmp_path / "Dockerfile"
    target.write_bytes(b"\xef\xbb\xbfFROM python:3.12\r\nCMD python app.py\r\n")
    target.chmod(0o640)
    text = target.read_bytes()[3:].decode()
    fix = Fix("t", (Edit.lines("Dockerfile", text, 2, 2, 'CMD ["python", "app.py"]'),))
    step = plan(tmp_path, [finding("Dockerfile", "TFA0902", fix)], unsafe=False, fixable=every)
    assert not write(tmp_path, step.changes)
    assert target.read_bytes() == b'\xef\xbb\xbfFROM python:3.12\r\nCMD ["python", "app.py"]\r\n'
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert not [p for p in tmp_path.iterdir() if p.name != "Dockerfile"]  # no temporary file left


def test_a_diff_never_shows_a_line_that_holds_a_secret() -> None:
    old = 'ENV SESSION_KEY=Xk2p9Lq7Vb4mZ8rT1wN6\nCMD python app.py\n'
    new = 'ENV SESSION_KEY=Xk2p9Lq7Vb4mZ8rT1wN6\nCMD ["python", "app.py"]\n'
    diff = unified_diff({"Dockerfile": (old, new)}, {("Dockerfile", 1)})
    assert "Xk2p9" not in diff and HIDDEN_LINE in diff and '+CMD ["python", "app.py"]' in diff
    dotenv = unified_diff({".env": ("A=1\nKEY=Zq8rT4pLm2xW\n", "A=1\nKEY=Zq8rT4pLm2xW\nB=2\n")})
    assert "Zq8r" not in dotenv and "A=1" not in dotenv


def _bad_copy(tmp_path: Path) -> Path:
    root = tmp_path / "bad"
    shutil.copytree(REPO_ROOT / "examples" / "bad-agent", root, ignore=shutil.ignore_patterns(".tfa-lint-cache"))
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def _findings(root: Path) -> list[dict]:
    return json.loads(run(root, "--preview", "--format", "json").stdout)["findings"]


def _key(f: dict) -> tuple:
    # A message may name another line of its file ("(line 23)"), which moves when a fix adds lines.
    return f["rule"], f["path"], re.sub(r"\bline \d+", "line N", f["message"])


def test_fix_on_bad_agent_removes_what_it_fixes_adds_nothing_and_settles(tmp_path: Path) -> None:
    root = _bad_copy(tmp_path)
    before = _findings(root)
    fixable = [f for f in before if f["fix"] is not None]
    assert {f["rule"] for f in fixable} >= {"TFA0902", "TFA0303"}

    diff = run(root, "--preview", "--diff", "--unsafe-fixes")
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/")
    assert _findings(root) == before  # --diff changes nothing

    fixed = run(root, "--preview", "--fix", "--unsafe-fixes", "--show-fixes")
    assert fixed.returncode == 1, fixed.stderr  # findings remain, and they fail the run
    assert f"Fixed {len(fixable)} finding(s)" in fixed.stderr
    after = _findings(root)
    assert not [f for f in after if f["fix"] is not None]
    assert {_key(f) for f in after} <= {_key(f) for f in before}  # nothing new
    # every rule that offered a fix here has no finding left (the bar on bad-agent)
    assert not {f["rule"] for f in fixable} & {f["rule"] for f in after}, sorted(
        (f["rule"], f["path"], f["line"]) for f in after if f["rule"] in {g["rule"] for g in fixable})
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            rel = path.relative_to(root).as_posix()
            kind = kind_of(path.name, rel)
            if kind is not None and kind.value == "python":
                ast.parse(path.read_text())
            elif kind is not None and kind.read:
                assert not parse_artifact(kind, rel, path.read_text()).problems(), rel

    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run(root, "--preview", "--fix", "--unsafe-fixes")
    assert "Fixed 0 finding(s)" in again.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot


def test_fix_only_reports_nothing_else_and_exits_zero(tmp_path: Path) -> None:
    root = _bad_copy(tmp_path)
    proc = run(root, "--fix-only")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "Fixed" in proc.stderr


def test_json_carries_the_fix_but_never_the_digest_of_what_it_replaces(tmp_path: Path) -> None:
    root = _bad_copy(tmp_path)
    fixes = [f["fix"] for f in _findings(root) if f["fix"] is not None]
    assert fixes and all(set(e) == {"path", "start", "end", "content"} for fix in fixes for e in fix["edits"])
    assert all(fix["applicability"] in ("safe", "unsafe") and fix["title"] for fix in fixes)


def test_sarif_carries_the_fixes(tmp_path: Path) -> None:
    root = _bad_copy(tmp_path)
    sarif = tmp_path / "report.sarif"
    run(root, "--format", f"sarif:{sarif}")
    assert_valid_sarif(sarif)
    fixes = [r["fixes"][0] for r in json.loads(sarif.read_text())["runs"][0]["results"] if "fixes" in r]
    by_uri = {c["artifactLocation"]["uri"]: c["replacements"][0] for fix in fixes for c in fix["artifactChanges"]}
    assert by_uri[".gitignore"] == {"deletedRegion": {"charOffset": 0, "charLength": 0},
                                    "insertedContent": {"text": ".env\n"}}  # no .gitignore yet: created
    dockerfile = (root / "Dockerfile").read_text()
    cmd = by_uri["Dockerfile"]["deletedRegion"]
    assert dockerfile[cmd["charOffset"]:cmd["charOffset"] + cmd["charLength"]] == "CMD python -m agent.worker"


def test_fixable_and_unfixable_in_the_configuration(tmp_path: Path) -> None:
    root = _bad_copy(tmp_path)
    config = root / ".tfa-lint.toml"
    config.write_text(config.read_text() + '\nunfixable = ["TFA0902"]\n')
    proc = run(root, "--diff")
    assert "CMD [" not in proc.stdout and ".gitignore" in proc.stdout


@pytest.mark.parametrize("text", ["", "x = 1\n"])
def test_digest_is_of_the_replaced_text(text: str) -> None:
    assert Edit.replace("f", text, 0, len(text), "y").expect == digest(text)


def test_a_fix_that_fails_to_build_costs_that_fix_only() -> None:
    """A libcst fix meeting code it did not foresee (gpt-researcher's `from . import x` once
    raised CSTValidationError) gives no fix; the finding, and the rule's others, stand."""
    from tfa_lint.pyfix import optional_fix

    assert optional_fix(lambda: 1 // 0, None) is None
    assert optional_fix(lambda: "fix", None) == "fix"
