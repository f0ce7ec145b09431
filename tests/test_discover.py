from __future__ import annotations

import os
from pathlib import Path

from conftest import write_tree

from tfa_lint.discover import discover, kind_of
from tfa_lint.model import FileKind


def rels(root: Path, **kw) -> list[str]:
    files, _ = discover([root], root, **kw)
    return [f.rel for f in files]


def test_kinds() -> None:
    assert kind_of("Dockerfile", "Dockerfile") is FileKind.DOCKERFILE
    assert kind_of("Dockerfile.worker", "x") is FileKind.DOCKERFILE
    assert kind_of("api.Dockerfile", "x") is FileKind.DOCKERFILE
    assert kind_of("Containerfile", "x") is FileKind.DOCKERFILE
    assert kind_of("auth.md", "docs/auth.md") is FileKind.README
    assert kind_of("deploy.mdx", "docs/deploy.mdx") is FileKind.README
    assert kind_of("chroma.sqlite3", "chroma_db/chroma.sqlite3") is FileKind.STATE
    assert kind_of(".python-version", ".python-version") is FileKind.RUNTIME
    assert kind_of("requirements-prod.txt", "x") is FileKind.REQUIREMENTS
    assert kind_of("base.txt", "requirements/base.txt") is FileKind.REQUIREMENTS
    assert kind_of("requirements.in", "x") is FileKind.REQUIREMENTS
    assert kind_of("constraints.txt", "x") is FileKind.REQUIREMENTS
    assert kind_of("uv.lock", "x") is FileKind.LOCKFILE
    assert kind_of("requirements.lock", "x") is FileKind.LOCKFILE
    assert kind_of("requirements-dev.lock", "x") is FileKind.LOCKFILE
    assert kind_of("tags.lock", "x") is None
    assert kind_of("docker-compose.prod.yml", "x") is FileKind.COMPOSE
    assert kind_of("compose.yaml", "x") is FileKind.COMPOSE
    assert kind_of(".env.production", "x") is FileKind.ENV
    assert kind_of(".gitignore", "sub/.gitignore") is FileKind.GITIGNORE
    assert kind_of("notes.txt", "notes.txt") is None


def test_gitignore_nested_and_negated(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        ".gitignore": "*.py\n!keep.py\ngenerated/\n",
        "keep.py": "", "drop.py": "",
        "generated/a.py": "",
        "sub/.gitignore": "!drop.py\nlocal.py\n",
        "sub/drop.py": "", "sub/local.py": "", "sub/keep.py": "",
    })
    # The .gitignore files themselves are listed: rules read them (TFA0206 names the line
    # that keeps a lock file out of the repository).
    assert rels(tmp_path) == [".gitignore", "keep.py", "sub/.gitignore", "sub/drop.py", "sub/keep.py"]


def test_lock_files_are_read_even_when_gitignore_lists_them(tmp_path: Path) -> None:
    write_tree(tmp_path, {".gitignore": "poetry.lock\n*.py\n", "poetry.lock": "", "app.py": "", "pyproject.toml": ""})
    assert rels(tmp_path) == [".gitignore", "poetry.lock", "pyproject.toml"]


def test_default_excludes_and_virtualenvs(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app.py": "", ".venv/lib/x.py": "", "node_modules/m.py": "", "build/b.py": "",
        "myenv/pyvenv.cfg": "", "myenv/lib/y.py": "", "__pycache__/c.py": "",
    })
    assert rels(tmp_path) == ["app.py"]
    # `exclude` replaces the defaults; a directory holding pyvenv.cfg stays out regardless.
    assert rels(tmp_path, exclude=["app.py"]) == [".venv/lib/x.py", "__pycache__/c.py", "build/b.py",
                                                  "node_modules/m.py"]


def test_symlinks_fifos_and_size_cap(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    root = write_tree(tmp_path / "repo", {"app.py": "", "big.py": "x = 1\n" * 1000})
    write_tree(outside, {"secret.py": ""})
    (root / "link_out.py").symlink_to(outside / "secret.py")
    (root / "link_in.py").symlink_to(root / "app.py")
    (root / "loop").symlink_to(root, target_is_directory=True)
    os.mkfifo(root / "pipe.py")
    files, diagnostics = discover([root], root, max_bytes=1000)
    assert [f.rel for f in files] == ["app.py", "link_in.py"]
    reasons = {d.path: d.message for d in diagnostics}
    assert "outside the scanned root" in reasons["link_out.py"]
    assert "not a regular file" in reasons["pipe.py"]
    assert "size cap" in reasons["big.py"]


def test_explicit_files_keep_paths_relative_to_root(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"agent/app.py": "", "agent/notes.txt": ""})
    files, _ = discover([root / "agent" / "app.py", root / "agent" / "notes.txt"], root)
    assert [f.rel for f in files] == ["agent/app.py"]
