"""Every CI snippet in the README works: each is parsed, checked against this repository
(action inputs, hook ids, the commit pin, install source) and its commands are run on an example
repository. The composite action's own script runs here the way the runner runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, assert_valid_code_quality, assert_valid_sarif

from tfa_lint import HOMEPAGE

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
SNIPPETS = {m[1]: m[2] for m in re.finditer(r"<!-- snippet: (\S+) -->\n```yaml\n(.*?)```", README, re.DOTALL)}
#: No release is tagged, so the snippets pin a commit, shown as this placeholder.
PIN = "<commit-sha>"
INSTALL = f'pip install "tfa-lint @ git+{HOMEPAGE}@{PIN}"'
ACTION_REF = f"{HOMEPAGE.removeprefix('https://github.com/')}@{PIN}"
BIN = str(Path(sys.executable).parent)


def test_every_yaml_block_of_the_readme_is_a_checked_snippet() -> None:
    assert README.count("```yaml") == len(SNIPPETS) == 4
    assert set(SNIPPETS) == {"github-action", "github-pip", "pre-commit", "gitlab"}


def _repo(tmp_path: Path, example: str) -> Path:
    """A checkout of an example, as CI has it (under version control)."""
    repo = Path(shutil.copytree(REPO_ROOT / "examples" / example, tmp_path / example))
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return repo


def _bash(script: str, cwd: Path, env: dict[str, str], *, tfa_lint_on_path: bool = True) -> subprocess.CompletedProcess:
    """Run a CI script. The action's steps run with tfa-lint off PATH, as on a runner: they
    must call the one in the action's own virtualenv."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p != BIN]
    full_env = {**os.environ, **env, "PATH": os.pathsep.join([BIN, *path] if tfa_lint_on_path else path)}
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=full_env, capture_output=True, text=True,
                          check=False)


def _runner_files(tmp_path: Path) -> dict[str, str]:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    files = {"GITHUB_OUTPUT": tmp_path / "output.txt", "GITHUB_STEP_SUMMARY": tmp_path / "summary.md"}
    for path in files.values():
        path.write_text("")
    return {"RUNNER_TEMP": str(temp), **{k: str(v) for k, v in files.items()}}


# -- the composite action ------------------------------------------------------------------

def _step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)


#: When the job runs for a pull request from a fork, whose token may not write security events.
FORK_PR = "github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != github.repository"


def _resolve(value: str, inputs: dict[str, str], steps: dict[str, dict[str, str]], fork_pr: bool = False) -> str:
    """The expressions the action's env uses: inputs, earlier steps' outputs, FORK_PR."""
    value = re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: inputs[m[1]], value)
    value = re.sub(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}",
                   lambda m: steps.get(m[1], {}).get(m[2], ""), value)
    value = value.replace(f"${{{{ {FORK_PR} }}}}", str(fork_pr).lower())
    assert "${{" not in value, f"an expression this test cannot evaluate: {value}"
    return value


def run_action(repo: Path, tmp_path: Path, given: dict,
               fork_pr: bool = False) -> tuple[subprocess.CompletedProcess, dict, str, int]:
    """Run the action's scan and gate steps; return (scan process, outputs, summary, gate exit)."""
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update({k: str(v) for k, v in given.items()})
    runner = _runner_files(tmp_path)
    # The install step's virtualenv is this test's own: building another needs the network.
    steps = {"install": {"bin": BIN}}
    scan = _step("Run tfa-lint")
    env = {k: _resolve(v, inputs, steps, fork_pr) for k, v in scan["env"].items()}
    proc = _bash(scan["run"], repo, {**env, **runner}, tfa_lint_on_path=False)
    outputs = dict(line.split("=", 1) for line in Path(runner["GITHUB_OUTPUT"]).read_text().splitlines())
    gate = _step("Gate on tfa-lint's exit code")
    gate_env = {k: _resolve(v, inputs, {**steps, "scan": outputs}) for k, v in gate["env"].items()}
    gate_exit = _bash(gate["run"], repo, gate_env, tfa_lint_on_path=False).returncode
    return proc, outputs, Path(runner["GITHUB_STEP_SUMMARY"]).read_text(), gate_exit


def test_action_installs_itself_and_uploads_what_it_scanned() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert '"$GITHUB_ACTION_PATH"' in _step("Install tfa-lint")["run"]
    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"] == {"sarif_file": "${{ steps.scan.outputs.sarif-file }}", "category": "${{ inputs.category }}"}
    # The scan step decides, from the input and the event (test_action_skips_the_upload_…).
    assert upload["if"] == "always() && steps.scan.outputs.upload-sarif == 'true'"
    assert _step("Run tfa-lint")["env"]["TFA_FORK_PR"] == f"${{{{ {FORK_PR} }}}}"
    assert "always()" in _step("Gate on tfa-lint's exit code")["if"]
    for output in ACTION["outputs"].values():
        assert output["value"].startswith("${{ steps.scan.outputs.")


def test_action_leaves_the_jobs_python_and_path_alone() -> None:
    # actions/setup-python changed the calling job's python and PATH for every later step;
    # the action now runs tfa-lint from a virtualenv of its own, found by its path.
    steps = ACTION["runs"]["steps"]
    assert not [s for s in steps if "setup-python" in s.get("uses", "")]
    assert not [s for s in steps if re.search(r"GITHUB_(PATH|ENV)\b", s.get("run", ""))]
    install = _step("Install tfa-lint")
    assert install["env"] == {"TFA_PYTHON": "${{ inputs.python }}"}
    assert 'venv="${RUNNER_TEMP:-/tmp}/tfa-lint-venv"' in install["run"]
    assert '"$TFA_PYTHON" -m venv "$venv"' in install["run"]
    assert '"$venv/bin/python" -m pip install' in install["run"] and 'bin=$venv/bin' in install["run"]
    assert _step("Run tfa-lint")["env"]["TFA_BIN"] == "${{ steps.install.outputs.bin }}"
    # Running it with tfa-lint off PATH (run_action, below) shows that it calls only its own.


def test_the_readme_lists_the_actions_inputs_and_outputs() -> None:
    described = re.search(r"Inputs:\s(.*?);\soutputs:\s(.*?)\.\n", README, re.DOTALL)
    assert described, "the README's sentence listing the action's inputs and outputs"
    # Each name in backticks, leaving out the remarks in brackets.
    inputs, outputs = (re.findall(r"`([\w-]+)`", re.sub(r"\([^)]*\)", "", part)) for part in described.groups())
    assert inputs == list(ACTION["inputs"]) and outputs == list(ACTION["outputs"])


def test_action_on_a_repository_with_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "bad-agent")
    # --preview: the annotations checked below come from rules whose tier the field corpus decides.
    proc, outputs, summary, gate = run_action(repo, tmp_path, {"upload-sarif": "false", "args": "--preview"})
    assert proc.returncode == 0, proc.stderr  # the scan step records the exit code, the gate step fails
    assert outputs["exit-code"] == "1" and gate == 1
    assert outputs["score"] == str(json.loads((tmp_path / "runner-temp" / "tfa-lint" / "report.json")
                                              .read_text())["score"])
    assert_valid_sarif(Path(outputs["sarif-file"]))
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert annotations and "file=agent/llm.py" in "\n".join(annotations)
    # The text report is fenced off so that the runner reads none of it as a command.
    start = proc.stdout.index("::stop-commands::")
    token = proc.stdout[start:].split("::")[2].split("\n")[0]
    assert f"::{token}::" in proc.stdout and "Twelve-factor score" in proc.stdout[start:]
    assert summary.startswith("## tfa-lint: twelve-factor score")


def test_the_readme_action_snippet_runs(tmp_path: Path) -> None:
    workflow = yaml.safe_load(SNIPPETS["github-action"])
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    step = next(s for s in job["steps"] if s.get("uses", "").startswith(ACTION_REF.split("@")[0] + "@"))
    assert step["uses"] == ACTION_REF
    assert set(step["with"]) <= set(ACTION["inputs"])
    repo = _repo(tmp_path, "clean-agent")
    baseline = repo / step["with"]["baseline"]
    subprocess.run([f"{BIN}/tfa-lint", ".", "--write-baseline", baseline.name], cwd=repo, check=True,
                   capture_output=True)
    proc, outputs, summary, gate = run_action(repo, tmp_path, {**step["with"], "upload-sarif": "false"})
    assert outputs["exit-code"] == "0" and gate == 0, proc.stdout + proc.stderr
    assert outputs["score"] == "100" and "score 100/100" in summary

    # The same inputs on a repository under the score gate fail the job.
    bad = _repo(tmp_path, "bad-agent")
    _, outputs, _, gate = run_action(bad, tmp_path, {"fail-under": step["with"]["fail-under"], "upload-sarif": "false"})
    assert outputs["exit-code"] == "1" and gate == 1


@pytest.mark.parametrize(("upload_input", "fork_pr", "uploads"), [
    ("true", False, "true"), ("true", True, "false"), ("false", True, "false")])
def test_action_skips_the_upload_on_a_pull_request_from_a_fork(upload_input: str, fork_pr: bool, uploads: str,
                                                                tmp_path: Path) -> None:
    # Code scanning refuses a fork's upload (no security-events write), which failed the job.
    repo = _repo(tmp_path, "bad-agent")
    proc, outputs, summary, gate = run_action(repo, tmp_path, {"upload-sarif": upload_input}, fork_pr=fork_pr)
    assert outputs["upload-sarif"] == uploads and Path(outputs["sarif-file"]).is_file()
    notices = [line for line in proc.stdout.splitlines() if line.startswith("::notice title=tfa-lint::SARIF not")]
    assert len(notices) == (upload_input == "true" and fork_pr)
    if notices:  # said outside the fenced text report, where the runner reads commands
        fence_end = re.search(r"^::tfa-lint-\d+::$", proc.stdout, re.M)
        assert fence_end and proc.stdout.index(notices[0]) > fence_end.start()
    # The findings are still shown: annotations, summary, and the gate fails the job.
    assert "::error file=" in proc.stdout and summary.startswith("## tfa-lint") and gate == 1


def test_action_imports_nothing_from_the_scanned_repository(tmp_path: Path) -> None:
    # The step reading the score ran `python -c` in the checkout, whose json.py came first.
    repo = _repo(tmp_path, "clean-agent")
    marker = tmp_path / "json.py-ran"
    (repo / "json.py").write_text(f"open({str(marker)!r}, 'w').close()\nloads = load = None\n")
    _, outputs, _, _ = run_action(repo, tmp_path, {"upload-sarif": "false"})
    assert not marker.exists() and outputs["score"].isdigit()


def test_action_reports_a_configuration_error_and_fails(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "clean-agent")
    proc, outputs, _, gate = run_action(repo, tmp_path, {"baseline": "missing.json", "upload-sarif": "false"})
    assert outputs["exit-code"] == "2" and gate == 2 and "sarif-file" not in outputs
    assert "missing.json does not exist" in proc.stderr


# -- plain pip, GitLab, pre-commit -----------------------------------------------------------

def _run_commands(commands: list[str], repo: Path, env: dict[str, str]) -> None:
    for command in commands:
        if command.startswith("pip install"):
            assert command == INSTALL, "install the released version of this project"
            continue
        proc = _bash(command, repo, env)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)


def test_the_readme_pip_workflow_runs(tmp_path: Path) -> None:
    (job,) = yaml.safe_load(SNIPPETS["github-pip"])["jobs"].values()
    repo = _repo(tmp_path, "clean-agent")
    runner = _runner_files(tmp_path)
    _run_commands([s["run"] for s in job["steps"] if "run" in s], repo, runner)
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert_valid_sarif(repo / upload["with"]["sarif_file"])
    # Not on a pull request from a fork, whose token may not write security events.
    assert upload["if"] == f"always() && !({FORK_PR})"
    assert Path(runner["GITHUB_STEP_SUMMARY"]).read_text().startswith("## tfa-lint")


def test_the_readme_gitlab_job_runs(tmp_path: Path) -> None:
    (job,) = yaml.safe_load(SNIPPETS["gitlab"]).values()
    repo = _repo(tmp_path, "clean-agent")
    _run_commands(job["script"], repo, {})
    for artefact in [*job["artifacts"]["paths"], *job["artifacts"]["reports"].values()]:
        assert (repo / artefact).is_file(), artefact
    assert assert_valid_code_quality(repo / job["artifacts"]["reports"]["codequality"]) == []
    assert json.loads((repo / "tfa-lint.json").read_text())["score"] == 100


def test_the_readme_gitlab_job_shows_code_quality_in_merge_requests() -> None:
    (job,) = yaml.safe_load(SNIPPETS["gitlab"]).values()
    scan = next(c for c in job["script"] if c.startswith("tfa-lint "))
    assert "--format gitlab:gl-code-quality-report.json" in scan
    # GitLab reads the report it is told of, also from a job the findings failed.
    assert job["artifacts"]["reports"] == {"codequality": "gl-code-quality-report.json"}
    assert job["artifacts"]["when"] == "always"


def test_the_readme_pre_commit_config_names_real_hooks() -> None:
    (entry,) = yaml.safe_load(SNIPPETS["pre-commit"])["repos"]
    assert entry["repo"] == HOMEPAGE and entry["rev"] == PIN
    assert {h["id"] for h in entry["hooks"]} <= {h["id"] for h in HOOKS}
    # Installing and running the hook itself: tests/test_pre_commit.py.


def test_the_readme_pins_this_project_by_commit_never_by_a_tag() -> None:
    # The snippets named v0.1.0, a tag that does not exist. A test cannot ask GitHub which
    # tags do (no network, and a CI clone may have no tags), so every reference to this
    # project (action, pip URL, pre-commit rev) must be the one placeholder, explained.
    project = HOMEPAGE.removeprefix("https://github.com/")
    refs = re.findall(rf"{re.escape(project)}@([^\s\"']+)", README) + re.findall(r"^\s*rev: (\S+)", README, re.M)
    assert len(refs) == 4 and set(refs) == {PIN}, refs
    assert f"git ls-remote {HOMEPAGE}" in README


#: Images and runners that come with git. GitHub's hosted runners carry it; of the official
#: Python images only the full (Debian) ones do, not -slim or -alpine.
_RUNNER_WITH_GIT = re.compile(r"(ubuntu|macos|windows)-")
_IMAGE_WITH_GIT = re.compile(r"python:[\d.]+(-(bookworm|trixie))?")
_GIT_INSTALL = re.compile(r"\b(apt-get install|apk add)\b.*\bgit\b")


def _jobs() -> list[tuple[str, bool, list[str]]]:
    """(snippet, whether its machine has git, its commands in order) of every CI job in the README."""
    jobs = []
    for job in yaml.safe_load(SNIPPETS["github-pip"])["jobs"].values():
        jobs.append(("github-pip", bool(_RUNNER_WITH_GIT.match(job["runs-on"])),
                     [s["run"] for s in job["steps"] if "run" in s]))
    for job in yaml.safe_load(SNIPPETS["gitlab"]).values():
        jobs.append(("gitlab", bool(_IMAGE_WITH_GIT.fullmatch(job["image"])),
                     [*job.get("before_script", []), *job["script"]]))
    return jobs


def test_every_job_that_pip_installs_from_git_has_git() -> None:
    # pip clones a `git+` URL with the git command: python:3.12-slim has none, and the job failed.
    for name, has_git, commands in _jobs():
        for i, command in enumerate(commands):
            if "pip install" in command and "git+" in command:
                assert has_git or any(_GIT_INSTALL.search(c) for c in commands[:i]), (name, command)


@pytest.mark.parametrize("name", ["github-pip", "gitlab"])
def test_snippet_commands_fail_the_job_on_a_bad_repository(name: str, tmp_path: Path) -> None:
    doc = yaml.safe_load(SNIPPETS[name])
    commands = ([s["run"] for s in next(iter(doc["jobs"].values()))["steps"] if "run" in s] if name == "github-pip"
                else next(iter(doc.values()))["script"])
    scan = next(c for c in commands if c.startswith("tfa-lint "))
    repo = _repo(tmp_path, "bad-agent")
    assert _bash(scan, repo, _runner_files(tmp_path)).returncode == 1
