"""The CI formats: SARIF for code scanning, GitHub annotations, GitLab Code Quality, the
Markdown job summary, and several reports from one scan, written all-or-nothing; the text
report's layout."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, assert_valid_code_quality, assert_valid_sarif, scan_tree

from tfa_lint.cli import cli
from tfa_lint.report import ReportOptions, github, gitlab, markdown, text
from tfa_lint.rule import load_rules
from tfa_lint.score import score

BAD = REPO_ROOT / "examples" / "bad-agent"
CLEAN = REPO_ROOT / "examples" / "clean-agent"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def bad_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BAD, tmp_path / "bad-agent"))


def test_sarif_of_the_bad_example_is_valid_and_complete(bad_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    assert run(bad_copy, "--format", f"sarif:{out}").exit_code == 1
    doc = assert_valid_sarif(out)
    (sarif_run,) = doc["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    registry = load_rules()
    assert [r["id"] for r in rules] == list(registry)  # every selected rule, in id order
    for rule in rules:
        cls = registry[rule["id"]]
        assert rule["help"]["markdown"] == cls.docs_markdown()  # what `tfa-lint explain` prints
        assert rule["helpUri"].endswith(f"#{cls.id.lower()}")
        assert rule["properties"]["precision"] == cls.precision_level()
        assert rule["properties"]["status"] == cls.status()
        assert ("preview" in rule["properties"]["tags"]) == cls.preview
        assert ("security-severity" in rule["properties"]) == cls.security
        assert len(rule["properties"]["tags"]) <= 10
    results = sarif_run["results"]
    assert len(results) == 54 - 0 and {r["ruleId"] for r in results} >= {"TFA0301", "TFA1101"}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert set(result["partialFingerprints"]) == {"primaryLocationLineHash", "tfaLintFingerprint/v1"}
    assert sarif_run["automationDetails"]["id"] == "tfa-lint/"
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == bad_copy.resolve().as_uri() + "/"


def test_sarif_of_a_clean_repo_has_an_empty_results_array(tmp_path: Path) -> None:
    out = tmp_path / "clean.sarif"
    assert run(CLEAN, "--output-sarif", out, "--sarif-category", "agents/clean").exit_code == 0
    doc = assert_valid_sarif(out)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["automationDetails"]["id"] == "agents/clean/"


def test_files_tfa_lint_cannot_check_are_notifications_not_silence(tree, tmp_path: Path) -> None:
    root = tree({"app.py": "import logging\n", "broken.py": "def f(:\n", "Dockerfile": "FROM python:3.12.8\n"})
    (root / "binary.py").write_bytes(b"\x00\x01\x02")
    (root / "latin.py").write_bytes(b"x = '\xff'\n")
    out = tmp_path / "out.sarif"
    run(root, "--format", f"sarif:{out}")
    doc = assert_valid_sarif(out)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert not [n for n in notes if n["level"] == "error"]  # no internal error
    by_uri = {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n for n in notes}
    assert by_uri["binary.py"]["level"] == "warning" and "binary" in by_uri["binary.py"]["message"]["text"]
    assert by_uri["latin.py"]["descriptor"]["id"] == "file-skipped"
    assert by_uri["broken.py"]["level"] == "note" and "syntax error" in by_uri["broken.py"]["message"]["text"]


def test_sarif_uris_are_percent_encoded(tree, tmp_path: Path) -> None:
    root = tree({"my app/main.py": 'import os\nKEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n'})
    out = tmp_path / "out.sarif"
    run(root, "--select", "TFA0301", "--format", f"sarif:{out}")
    doc = assert_valid_sarif(out)
    (result,) = doc["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20app/main.py"


def test_github_escaping() -> None:
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%") == "a%2Cb%3Ac%25"
    # The message keeps : and , as they are: the runner does not unescape them there.
    assert github.escape_data("a: b, c") == "a: b, c"


def test_github_annotations_put_the_most_severe_first(bad_copy: Path) -> None:
    out = run(bad_copy, "--format", "github").output.splitlines()
    *commands, failed = [line for line in out if line.startswith("::")]
    assert failed.startswith("::error title=tfa-lint::failed: ")  # the step's verdict comes last
    kinds = [line.split(" ", 1)[0] for line in commands]
    assert kinds == sorted(kinds, key=["::error", "::warning", "::notice"].index)
    assert len(commands) == 54
    first = commands[0]
    assert first.startswith("::error file=") and ",line=" in first and ",title=TFA" in first
    assert out[-2].startswith("tfa-lint: 54 finding(s); twelve-factor score")


def test_github_annotation_of_an_awkward_path(tree) -> None:
    root = tree({"a,b:c.py": 'import os\nKEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n'})
    (line,) = [x for x in run(root, "--select", "TFA0301", "--format", "github").output.splitlines()
               if x.startswith("::") and "title=tfa-lint::" not in x]
    assert line.startswith("::error file=a%2Cb%3Ac.py,line=2,")


def test_gitlab_code_quality_of_the_bad_example(bad_copy: Path, tmp_path: Path) -> None:
    report, data = tmp_path / "gl-code-quality-report.json", tmp_path / "r.json"
    assert run(bad_copy, "--format", f"gitlab:{report}", "--format", f"json:{data}").exit_code == 1
    issues = assert_valid_code_quality(report)  # GitLab's documented fields, unique fingerprints
    findings = json.loads(data.read_text())["findings"]
    assert len(issues) == len(findings) == 54
    assert ({(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues}
            == {(f["rule"], f["path"], f["line"]) for f in findings})
    # The findings' own fingerprints (the baseline's key): GitLab follows them across line moves.
    assert {i["fingerprint"] for i in issues} == {f["fingerprint"] for f in findings}
    # The message every report shows, secrets redacted by the rule.
    assert {i["description"] for i in issues} == {f"{f['rule']}: {f['message']}" for f in findings}
    registry = load_rules()
    critical = {i["check_name"] for i in issues if i["severity"] == "critical"}
    assert critical and all(registry[rule_id].security for rule_id in critical)
    assert {i["severity"] for i in issues} == {"critical", "major", "minor", "info"}


@pytest.mark.parametrize(("rule_id", "expected"), [
    ("TFA0301", "critical"),  # a security error: a hardcoded provider key
    ("TFA0201", "major"),     # an error
    ("TFA0202", "minor"),     # a warning
    ("TFA0403", "info"),      # a note: advisory, never scored
])
def test_gitlab_severity_follows_the_rules_severity(rule_id: str, expected: str) -> None:
    assert gitlab.severity(load_rules()[rule_id]) == expected


def test_gitlab_paths_and_fingerprints_are_the_checkouts(tree, tmp_path: Path) -> None:
    # GitLab resolves paths against the checkout; one report per service of a monorepo must
    # not give two services' identical lines one fingerprint (GitLab would show only one).
    line = 'import os\nKEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n'
    root = tree({"services/a/app.py": line, "services/b/app.py": line})
    issues = {}
    for service in ("a", "b"):
        out = tmp_path / f"{service}.json"
        run(root / "services" / service, "--select", "TFA0301", "--format", f"gitlab:{out}")
        (issues[service],) = assert_valid_code_quality(out)
        assert issues[service]["location"] == {"path": f"services/{service}/app.py", "lines": {"begin": 2}}
    assert issues["a"]["fingerprint"] != issues["b"]["fingerprint"]


def test_gitlab_names_a_baseline_above_the_scanned_directory_by_its_checkout_path(tree, tmp_path: Path) -> None:
    key = 'KEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n'
    root = tree({"services/agent/app.py": key, "services/agent/.tfa-lint.toml": ""})  # a project of a monorepo
    agent, baseline = root / "services" / "agent", root / ".tfa-baseline.json"
    run(agent, "--select", "TFA0301,TFA0002", "--write-baseline", baseline)
    (agent / "app.py").write_text("import os\n")  # fixed: the baseline entry is stale (TFA0002)
    out = tmp_path / "gl.json"
    run(agent, "--select", "TFA0301,TFA0002", "--baseline", baseline, "--format", f"gitlab:{out}")
    (issue,) = assert_valid_code_quality(out)
    assert issue["check_name"] == "TFA0002" and issue["location"]["path"] == ".tfa-baseline.json"


def test_gitlab_lists_the_files_tfa_lint_could_not_check(tree, tmp_path: Path) -> None:
    root = tree({"app.py": "import logging\n", "broken.py": "def f(:\n"})
    (root / "binary.py").write_bytes(b"\x00\x01\x02")
    out = tmp_path / "gl.json"
    run(root, "--format", f"gitlab:{out}")
    by_path = {i["location"]["path"]: i for i in assert_valid_code_quality(out)}
    assert by_path["binary.py"]["check_name"] == "tfa-lint/file-skipped" and by_path["binary.py"]["severity"] == "minor"
    assert by_path["broken.py"]["check_name"] == "tfa-lint/file-partly-checked"
    assert "syntax error" in by_path["broken.py"]["description"] and by_path["broken.py"]["severity"] == "info"


def test_markdown_summary(bad_copy: Path) -> None:
    out = run(bad_copy, "--format", "markdown").output
    assert out.startswith("## tfa-lint: twelve-factor score ")
    assert "| 3 | Config | 0/10 |" in out
    assert f"### Findings (the {markdown.TOP_FINDINGS} most severe)" in out
    assert "…and 29 more" in out
    rows = [line for line in out.splitlines() if line.startswith("| 🔴 error")]
    assert rows and "(https://" in rows[0]
    assert markdown.cell("a|b\nc <b>") == "a\\|b c &lt;b&gt;"
    # Inside a code span an entity would show literally (field trial: `requests==&lt;version&gt;`).
    assert markdown.cell("pin `requests==<version>` & `a|b`") == "pin `requests==<version>` &amp; `a\\|b`"
    # What no static check can see: once, collapsed under the factor table, every factor's row.
    assert out.count("Not checked statically") == 1
    details = out[out.index("<details><summary>Not checked statically"):]
    details = details[:details.index("</details>")]
    assert len([row for row in details.splitlines() if row.startswith("| ") and row[2].isdigit()]) == 12
    assert out.index("| 12 | Admin processes |") < out.index("<details><summary>Not checked") < out.index("### Findings")


def test_several_reports_from_one_scan(bad_copy: Path, tmp_path: Path) -> None:
    sarif, data, summary = tmp_path / "r.sarif", tmp_path / "r.json", tmp_path / "summary.md"
    result = run(bad_copy, "--format", "text", "--output-sarif", sarif, "--format", f"json:{data}",
                 "--format", f"markdown:{summary}")
    assert result.exit_code == 1
    assert "Twelve-factor score" in result.output  # text on stdout
    assert_valid_sarif(sarif)
    assert len(json.loads(data.read_text())["findings"]) == 54
    assert summary.read_text().startswith("## tfa-lint")


def test_reports_get_an_ordinary_file_mode(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    mask = os.umask(0o022)
    try:
        run(CLEAN, "--format", f"json:{out}")
    finally:
        os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600 (field trial)


def test_text_stays_on_stdout_when_every_named_format_goes_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run(CLEAN, "--format", f"json:{out}")
    assert "Overall: 100/100" in result.output and json.loads(out.read_text())["score"] == 100


def test_output_redirects_the_stdout_report(tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    result = run(CLEAN, "--format", "sarif", "-o", out)
    assert result.output == "" and assert_valid_sarif(out)


@pytest.mark.parametrize("args", [
    ("--format", "json", "--format", "sarif"),  # two reports on stdout
    ("--format", "xml"),
    ("--format", "json:"),
])
def test_format_usage_errors(args: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [str(CLEAN), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_failed_run_leaves_no_report_behind(tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / "r.json"
    old.write_text("previous report\n")
    missing_dir = tmp_path / "no-such-dir" / "r.sarif"
    result = CliRunner().invoke(cli, [str(CLEAN), "--format", f"json:{old}", "--format", f"sarif:{missing_dir}"])
    assert result.exit_code == 2 and "cannot write" in result.output
    assert old.read_text() == "previous report\n"  # untouched: reports are written all or none
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left

    import tfa_lint.report.sarif as sarif_module

    def broken(*_a):
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(sarif_module, "render", broken)
    result = CliRunner().invoke(cli, [str(CLEAN), "--format", f"json:{old}", "--format", f"sarif:{tmp_path / 'x'}"])
    assert result.exit_code == 2 and "internal error" in result.output
    assert old.read_text() == "previous report\n" and not (tmp_path / "x").exists()


def test_paths_are_relative_to_the_checkout_when_a_subdirectory_is_the_root(tree, tmp_path: Path) -> None:
    # GitHub resolves SARIF URIs and annotation paths against the checkout, not the project root
    # (here a project of a monorepo, rooted by its own configuration file).
    root = tree({"services/agent/app.py": 'import os\nKEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n',
                 "services/agent/.tfa-lint.toml": ""})
    out = tmp_path / "out.sarif"
    annotations = run(root / "services" / "agent", "--select", "TFA0301", "--format", "github",
                      "--format", f"sarif:{out}").output
    assert "::error file=services/agent/app.py,line=2," in annotations
    sarif_run = assert_valid_sarif(out)["runs"][0]
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"
    (result,) = sarif_run["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "services/agent/app.py"
    # The text and JSON reports stay relative to the project root.
    doc = json.loads(run(root / "services" / "agent", "--select", "TFA0301", "--format", "json").stdout)
    assert doc["findings"][0]["path"] == "app.py"


def _sentences(report: str) -> list[str]:
    """The text report from the factor table's heading to the overall score, without style codes."""
    lines = click.unstyle(report).splitlines()
    return lines[lines.index("Twelve-factor score"):next(i for i, line in enumerate(lines) if line.startswith("Overall:"))]


@pytest.mark.parametrize("width", [100, 64])
@pytest.mark.parametrize("selection", ["", "TFA03"])  # every factor scored; most n/a
def test_the_factor_table_wraps_to_the_width_under_its_summary_column(bad_copy: Path, width: int,
                                                                       selection: str) -> None:
    result = scan_tree(bad_copy, [r for r in load_rules().values() if r.id.startswith(selection)])
    card = score(result)
    plain = text.render(result, card, ReportOptions(width=width, verbose=True))
    assert "Not checked statically (never scored):" in plain  # which wraps too
    assert max(len(line) for line in _sentences(plain)) <= width
    table = _sentences(plain)[1:_sentences(plain).index("")]
    # Every summary, n/a ones too, starts in one column, and so do its further lines.
    column = table[0].index(card.factors[0].summary[:20])
    assert len(table) >= 12 and all(line[column - 1] == " " != line[column] for line in table)
    assert all(line[:column].isspace() for line in table if not line[:5].strip().isdigit())
    # No word is cut: each summary reads whole once the line breaks are undone.
    flat = " ".join(" ".join(table).split())
    assert all(" ".join(f.summary.split()) in flat for f in card.factors)
    # Style codes take no columns: the coloured report wraps where the plain one does.
    assert click.unstyle(text.render(result, card, ReportOptions(width=width, verbose=True, color=True))) == plain


def test_the_text_report_wraps_to_the_terminal_and_a_file_to_the_default_width(
        bad_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    report = tmp_path / "report.txt"
    stdout = run(bad_copy, "--no-color", "--format", "text", "--format", f"text:{report}").output
    assert max(len(line) for line in _sentences(stdout)) <= 80
    assert 80 < max(len(line) for line in _sentences(report.read_text())) <= 100
