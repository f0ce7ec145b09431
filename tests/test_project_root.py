"""The project root is found the way ruff, git and pre-commit find theirs, so the answer never
depends on the working directory, and tfa-lint never writes outside a project."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO_ROOT, write_tree

from tfa_lint.cache import CACHE_DIR_NAME
from tfa_lint.cli import cli
from tfa_lint.project import Marker, ProjectError, find_project, project_for

CLEAN = REPO_ROOT / "examples" / "clean-agent"
KEY = 'KEY = "sk-proj-' + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + '"\n'


def run(*args: object, cwd: Path | None = None):
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(here)


def report(*args: object, cwd: Path | None = None) -> dict:
    return json.loads(run(*args, "--format", "json", cwd=cwd).stdout)


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    """The clean example, checked out as a repository of its own."""
    root = Path(shutil.copytree(CLEAN, tmp_path / "clean", ignore=shutil.ignore_patterns(CACHE_DIR_NAME)))
    (root / ".git").mkdir()
    (root / ".tfa-lint.toml").unlink()  # found by its checkout, not by a configuration file
    return root


def test_a_subdirectory_gives_the_same_result_as_the_root(clean: Path) -> None:
    from_root = report(clean, "--no-cache")
    from_inside = report(".", "--no-cache", cwd=clean / "agent")
    assert from_root["score"] == 100 and from_root["findings"] == []
    assert from_inside["score"] == from_root["score"] and from_inside["findings"] == []
    assert from_inside["scope"] == ["agent"]  # findings narrowed to the subdirectory named


def test_one_file_of_a_package_is_judged_within_its_project(tree) -> None:
    root = tree({"pkg/sub/settings.py": "import os\n" + KEY, "pkg/__init__.py": ""})
    from_root = [f for f in report(root, "--select", "TFA0301")["findings"]]
    from_file = report("settings.py", "--select", "TFA0301", cwd=root / "pkg" / "sub")["findings"]
    assert from_root and from_file == from_root
    assert from_file[0]["path"] == "pkg/sub/settings.py"


def test_the_nearest_configuration_wins_and_a_checkout_is_never_crossed(tmp_path: Path) -> None:
    outer = write_tree(tmp_path / "outer", {"pyproject.toml": "[tool.tfa-lint]\n",
                                            "repo/.git/HEAD": "ref: refs/heads/main\n",
                                            "repo/services/agent/pyproject.toml": "[tool.tfa_lint]\n",
                                            "repo/services/agent/app/main.py": "",
                                            "repo/lib/util.py": ""})
    agent = find_project(outer / "repo" / "services" / "agent" / "app" / "main.py")
    assert (agent.root, agent.marker) == ((outer / "repo" / "services" / "agent").resolve(), Marker.CONFIG)
    lib = find_project(outer / "repo" / "lib")
    assert (lib.root, lib.marker) == ((outer / "repo").resolve(), Marker.VCS)  # never outer's config


def test_a_pyproject_without_the_table_is_not_a_root(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {".git/HEAD": "", "agent/pyproject.toml": "[project]\nname = 'a'\n"})
    assert find_project(root / "agent").root == root.resolve()


def test_root_and_config_options_override_the_search(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "repo", {".git/HEAD": "", "sub/app.py": "", "conf/tfa.toml": ""})
    assert project_for([root / "sub"], root=root / "sub").root == (root / "sub").resolve()
    assert project_for([root / "sub"], config=root / "conf" / "tfa.toml").root == (root / "conf").resolve()


def test_paths_of_several_projects_are_a_clear_error(tmp_path: Path) -> None:
    a = write_tree(tmp_path / "a", {".git/HEAD": "", "app.py": ""})
    b = write_tree(tmp_path / "b", {".git/HEAD": "", "app.py": ""})
    with pytest.raises(ProjectError, match="2 different projects"):
        project_for([a, b])
    result = run(a, b)
    assert result.exit_code == 2
    assert "different projects" in result.output and "run tfa-lint once per project" in result.output


def test_a_file_outside_any_project_is_read_alone_and_nothing_is_written(tmp_path: Path) -> None:
    loose = write_tree(tmp_path / "etc", {"hostname": "box\n", "app.py": "import os\n" + KEY,
                                          "other/big.py": "print('not read')\n"})
    before = sorted(p.name for p in loose.rglob("*"))
    doc = report(loose / "app.py")
    assert [f["rule"] for f in doc["findings"]] == ["TFA0301"]
    assert doc["scope"] == ["app.py"]
    assert "TFA0101" not in {f["rule"] for f in doc["findings"]}  # no repository to judge
    assert run(loose / "hostname").exit_code in (0, 1)
    assert sorted(p.name for p in loose.rglob("*")) == before  # no cache, nothing written


def test_a_directory_outside_any_project_keeps_its_cache_in_the_user_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    plain = write_tree(tmp_path / "plain", {"app.py": "import os\n"})
    assert run(plain).exit_code in (0, 1)
    assert not (plain / CACHE_DIR_NAME).exists()
    assert (tmp_path / "user-cache" / "tfa-lint" / "results").is_dir()


def test_a_project_keeps_its_cache_at_its_root(tree) -> None:
    root = tree({"agent/app.py": "import os\n"})
    assert run(".", cwd=root / "agent").exit_code in (0, 1)
    assert (root / CACHE_DIR_NAME).is_dir() and not (root / "agent" / CACHE_DIR_NAME).exists()


def test_dev_null_is_read_alone(tmp_path: Path) -> None:
    result = run("/dev/null")
    assert result.exit_code in (0, 1)
    assert not Path("/dev", CACHE_DIR_NAME).exists()
