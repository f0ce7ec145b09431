"""tfa-lint as a pre-commit hook: the manifest, report scoping, and a real commit.

pre-commit passes only the staged files. tfa-lint still reads the whole repository, so a
cross-file check never answers from a partial view, and reports the findings located in the
staged files; the rest are counted, never silently dropped."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import REPO_ROOT

from tfa_lint.cli import cli
from tfa_lint.discover import kind_of

HOOKS = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
CLEAN = REPO_ROOT / "examples" / "clean-agent"
KEY = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt"


def test_manifest_has_a_file_hook_and_a_repository_hook() -> None:
    hooks = {h["id"]: h for h in HOOKS}
    assert set(hooks) == {"tfa-lint", "tfa-lint-repo"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["entry"].split()[0] == "tfa-lint"
        assert {"id", "name", "entry", "language"} <= set(hook)
    assert hooks["tfa-lint-repo"]["pass_filenames"] is False and hooks["tfa-lint-repo"]["always_run"] is True


@pytest.mark.parametrize("path", [
    "app.py", "Dockerfile", "docker/Dockerfile.prod", "api.dockerfile", "Containerfile",
    "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile.lock", "pylock.toml", "Procfile", "Procfile.dev",
    "docker-compose.yml", "compose.yaml", ".env", ".env.example", "prod.env", "requirements.txt",
    "requirements/base.in", "constraints.txt", ".dockerignore", ".python-version", "runtime.txt",
    ".tool-versions", "setup.cfg", "Pipfile", "environment.yml", "README", "docs/config.md", "docs/ops.rst", "docs/deploy.mdx",
    "index.faiss", "data/app.sqlite3", "memory.pkl", "storage/docstore.json",
])
def test_the_hook_passes_every_file_tfa_lint_reads(path: str) -> None:
    name = path.rsplit("/", 1)[-1]
    assert kind_of(name, path) is not None, "the sample must be a file tfa-lint reads"
    (hook,) = [h for h in HOOKS if h["id"] == "tfa-lint"]
    assert re.search(hook["files"], path), f"the hook's files pattern misses {path}"


def run_in(root: Path, *args: str, monkeypatch):
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_paths_narrow_the_report_not_the_analysis(tree, monkeypatch) -> None:
    root = tree({
        "pyproject.toml": '[project]\nname = "a"\nversion = "1"\ndependencies = ["openai==1.54.3"]\n',
        "keys.py": f'KEY = "{KEY}"\n',
        "other.py": f'TOKEN = "{KEY}"\n',
    })
    result = run_in(root, "keys.py", "--select", "TFA0301", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "keys.py:1" in result.output and "other.py" not in result.output
    assert "1 more finding(s) in files outside the given paths" in result.output
    assert "Twelve-factor score" not in result.output  # the factor table is the whole repo's


def test_cross_file_checks_see_the_whole_repository(tree, monkeypatch) -> None:
    # The worker's SIGTERM handler lives in another file than the one committed: passing only
    # worker.py must not make TFA0901 conclude that no handler exists anywhere.
    root = tree({
        "pyproject.toml": '[project]\nname = "a"\nversion = "1"\n',
        "Procfile": "worker: python worker.py\n",
        "worker.py": "import shutdown\nimport time\n\nshutdown.install()\nwhile True:\n    time.sleep(1)\n",
        "shutdown.py": "import signal\nimport sys\n\n\ndef install():\n"
                       "    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n",
    })
    whole = run_in(root, ".", "--select", "TFA0901", monkeypatch=monkeypatch)
    scoped = run_in(root, "worker.py", "--select", "TFA0901", monkeypatch=monkeypatch)
    assert whole.exit_code == 0 and scoped.exit_code == 0, scoped.output


def test_excluded_files_stay_excluded_when_passed(tree, monkeypatch) -> None:
    root = tree({
        "pyproject.toml": '[project]\nname = "a"\nversion = "1"\n\n[tool.tfa-lint]\nextend-exclude = ["fixtures/"]\n',
        "fixtures/keys.py": f'KEY = "{KEY}"\n',
    })
    result = run_in(root, "fixtures/keys.py", "--select", "TFA0301", monkeypatch=monkeypatch)
    assert result.exit_code == 0 and "keys.py" not in result.output


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.mark.skipif(not (REPO_ROOT / ".git").exists(), reason="the hook is installed from this git checkout")
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_blocks_a_bad_commit_and_passes_a_good_one(tmp_path: Path) -> None:
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is a test dependency (pyproject [test] extra)"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    project = Path(shutil.copytree(CLEAN, tmp_path / "project"))
    (project / ".pre-commit-config.yaml").write_text(
        # The rule named by its id runs whatever its tier (rules/field_precision.json decides that).
        f"repos:\n  - repo: {REPO_ROOT}\n    rev: {head}\n    hooks:\n      - id: tfa-lint\n"
        "        args: [--select, TFA0301]\n")
    assert _git(project, "init", "-q", "-b", "main", env=env).returncode == 0
    assert _git(project, "add", ".", env=env).returncode == 0
    assert _git(project, "commit", "-q", "-m", "initial", env=env).returncode == 0
    installed = subprocess.run([str(pre_commit), "install"], cwd=project, env=env, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    bad = project / "agent" / "keys.py"
    bad.write_text(f'OPENAI_API_KEY = "{KEY}"\n')
    _git(project, "add", "agent/keys.py", env=env)
    blocked = _git(project, "commit", "-m", "add a key", env=env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "agent/keys.py:1" in output and "TFA0301" in output
    assert KEY not in output  # redacted in the hook's output too

    _git(project, "rm", "-q", "--cached", "agent/keys.py", env=env)
    bad.unlink()
    (project / "agent" / "util.py").write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    _git(project, "add", "agent/util.py", env=env)
    passed = _git(project, "commit", "-m", "add a helper", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "tfa-lint" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr
