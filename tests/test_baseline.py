"""The baseline: adopt tfa-lint on a legacy repository, report only what is new.

Fingerprints key on the text of the finding's line, not its number: lines inserted above a
finding keep it recorded; editing the offending line itself makes it new, and the entry it
leaves behind is reported as stale (TFA0002) so the baseline shrinks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, assert_valid_sarif

from tfa_lint.cli import cli

BAD = REPO_ROOT / "examples" / "bad-agent"
KEY_LINE = 'client = OpenAI(api_key="sk-proj-Wq3Er7Ty1Ui5Op9As2Df6Gh0Jk4Lz8XcVbNm7Qp")'


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def findings(root: Path, *args: object) -> list[dict]:
    return json.loads(run(root, "--format", "json", *args).stdout)["findings"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BAD, tmp_path / "bad-agent"))


def test_baseline_hides_known_findings_and_survives_line_moves(repo: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    before = {f["rule"]: f for f in findings(repo) if f["path"] == "agent/llm.py"}
    written = run(repo, "--write-baseline", baseline)
    assert written.exit_code == 0 and "wrote 54 finding(s)" in written.output
    assert len(json.loads(baseline.read_text())["findings"]) == 54

    clean = run(repo, "--baseline", baseline)
    assert clean.exit_code == 0, clean.output
    assert "54 known, hidden by the baseline" in clean.output

    llm = repo / "agent" / "llm.py"
    llm.write_text('"""LLM client."""\n# three lines\n# inserted above\n' + llm.read_text())
    after = {f["rule"]: f for f in findings(repo) if f["path"] == "agent/llm.py"}
    assert after["TFA0301"]["line"] == before["TFA0301"]["line"] + 3
    assert after["TFA0301"]["fingerprint"] == before["TFA0301"]["fingerprint"]
    assert run(repo, "--baseline", baseline).exit_code == 0  # moved, still recorded

    llm.write_text(llm.read_text().replace(KEY_LINE, KEY_LINE.replace("Wq3Er7", "Zz9Yy8")))
    new = findings(repo, "--baseline", baseline)
    # Every finding on the edited line is new (the key, and the client built there)...
    assert sorted((f["rule"], f["path"], f["line"]) for f in new if f["rule"] != "TFA0002") == [
        ("TFA0301", "agent/llm.py", 6), ("TFA0402", "agent/llm.py", 6)]
    # ...and each entry it leaves behind is stale, pointing at the baseline file.
    stale = [f for f in new if f["rule"] == "TFA0002"]
    assert len(stale) == 2 and {f["path"] for f in stale} == {"../baseline.json"}
    assert any("TFA0301" in f["message"] and "agent/llm.py" in f["message"] for f in stale)
    # Code scanning cannot show a file outside the checkout: there they are notifications.
    sarif = tmp_path / "r.sarif"
    run(repo, "--baseline", baseline, "--format", f"sarif:{sarif}")
    sarif_run = assert_valid_sarif(sarif)["runs"][0]
    assert sorted(r["ruleId"] for r in sarif_run["results"]) == ["TFA0301", "TFA0402"]
    notes = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["TFA0002", "TFA0002"]
    # ...and annotations without a file (the runner would not find ../baseline.json).
    annotations = [a for a in run(repo, "--baseline", baseline, "--format", "github").output.splitlines()
                   if "TFA0002" in a]
    assert len(annotations) == 2 and all(a.startswith("::warning title=TFA0002 ") for a in annotations)
    assert all("../baseline.json:" in a for a in annotations)
    assert run(repo, "--baseline", baseline).exit_code == 1


def test_github_line_hash_survives_lines_inserted_above(repo: Path, tmp_path: Path) -> None:
    def line_hash() -> str:
        out = tmp_path / "r.sarif"
        run(repo, "--select", "TFA0301", "--format", f"sarif:{out}")
        (result,) = assert_valid_sarif(out)["runs"][0]["results"]
        return result["partialFingerprints"]["primaryLocationLineHash"]

    first = line_hash()
    llm = repo / "agent" / "llm.py"
    llm.write_text("import logging\n\n" + llm.read_text())
    assert line_hash() == first


def test_stale_entry_points_at_its_line_of_the_baseline(repo: Path) -> None:
    baseline = repo / ".tfa-baseline.json"
    run(repo, "--write-baseline", baseline)
    (repo / "agent" / "llm.py").write_text((repo / "agent" / "llm.py").read_text().replace(KEY_LINE, "client = OpenAI()"))
    new = findings(repo, "--baseline", baseline)
    stale = [f for f in new if f["rule"] == "TFA0002"]
    assert stale and {f["path"] for f in stale} == {".tfa-baseline.json"}
    lines = baseline.read_text().splitlines()
    assert any('"rule": "TFA0301"' in lines[f["line"] - 1] and '"path": "agent/llm.py"' in lines[f["line"] - 1]
               for f in stale)


def test_baseline_from_the_config_file(repo: Path) -> None:
    run(repo, "--write-baseline", repo / ".tfa-baseline.json")
    settings = repo / ".tfa-lint.toml"
    settings.write_text(settings.read_text() + 'baseline = ".tfa-baseline.json"\n')
    assert run(repo).exit_code == 0


def test_the_baseline_does_not_change_the_score(repo: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "b.json"
    score = json.loads(run(repo, "--format", "json").stdout)["score"]
    run(repo, "--write-baseline", baseline)
    doc = json.loads(run(repo, "--format", "json", "--baseline", baseline).stdout)
    assert doc["findings"] == [] and doc["baselined"] == 54
    assert doc["score"] == score  # recorded debt is still debt
    assert run(repo, "--baseline", baseline, "--fail-under", str(score + 1)).exit_code == 1


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{", "not valid JSON"),
    ('{"findings": []}', "not a tfa-lint baseline"),
    ('{"tool": "tfa-lint", "version": 99, "findings": []}', "format version 99"),
    ('{"tool": "tfa-lint", "version": 1, "findings": [{"rule": 1}]}', "string fingerprint"),
])
def test_unusable_baseline_is_a_usage_error(repo: Path, tmp_path: Path, content: str | None, message: str) -> None:
    baseline = tmp_path / "b.json"
    if content is not None:
        baseline.write_text(content)
    result = run(repo, "--baseline", baseline)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_write_baseline_needs_the_whole_repository(repo: Path, tmp_path: Path) -> None:
    result = run(repo / "agent" / "llm.py", "--write-baseline", tmp_path / "b.json")
    assert result.exit_code == 2 and "without paths" in result.output


def test_the_configured_baseline_can_be_started(repo: Path) -> None:
    """The README's set-up: `baseline` in the config first, then --write-baseline makes the file."""
    settings = repo / ".tfa-lint.toml"
    settings.write_text(settings.read_text() + 'baseline = ".tfa-baseline.json"\n')
    written = run(repo, "--write-baseline", repo / ".tfa-baseline.json")
    assert written.exit_code == 0, written.output
    assert run(repo).exit_code == 0


def test_paying_recorded_debt_passes_the_gate(repo: Path) -> None:
    baseline = repo / ".tfa-baseline.json"
    run(repo, "--write-baseline", baseline)
    llm = repo / "agent" / "llm.py"
    llm.write_text("\n".join(line for line in llm.read_text().splitlines() if line != KEY_LINE) + "\n")
    result = run(repo, "--baseline", baseline)
    assert result.exit_code == 0, result.output
    assert "TFA0002" in result.output and "prune it with `tfa-lint --write-baseline" in result.output
    strict = run(repo, "--baseline", baseline, "--fail-on-stale")
    assert strict.exit_code == 1 and "stale baseline entr" in strict.output.splitlines()[-1]
    settings = repo / ".tfa-lint.toml"
    settings.write_text(settings.read_text() + "fail-on-stale = true\n")
    assert run(repo, "--baseline", baseline).exit_code == 1
    # --write-baseline keeps only what still matches.
    before = len(json.loads(baseline.read_text())["findings"])
    run(repo, "--write-baseline", baseline)
    assert len(json.loads(baseline.read_text())["findings"]) < before
    assert run(repo, "--baseline", baseline).exit_code == 0
