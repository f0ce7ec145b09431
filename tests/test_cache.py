"""The content-hash cache: same answers warm as cold, and nothing in it is trusted blindly."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from tfa_lint import parallel
from tfa_lint.cache import CACHE_DIR_NAME, cache_for
from tfa_lint.discover import discover
from tfa_lint.model import FileKind
from tfa_lint.rule import RuleSet, load_rules

FILES = {
    ".git/HEAD": "ref: refs/heads/main\n",
    "app/main.py": "import os\nimport openai\n\nHISTORY = []\n\ndef answer(q):\n    HISTORY.append(q)\n"
                   "    print('asked', q)\n    return os.environ.get('MODEL', 'gpt-4o')\n",
    "app/tools.py": "import logging\n\nlog = logging.getLogger(__name__)\n\ndef tool(x):\n    log.info('x %s', x)\n",
    "app/bad.py": "def broken(:\n",
    "requirements.txt": "openai\n",
}


@pytest.fixture
def repo(tree) -> Path:
    return tree(FILES)


def run(root: Path, *args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "tfa_lint", str(root), "--preview", "--format", "json", "--jobs", "1", *args],
                          capture_output=True, text=True, check=False, env=os.environ.copy())
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def entries(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR_NAME).rglob("*.json"))


def scan_files(root: Path, rules: RuleSet | None = None):
    rules = rules or RuleSet.of(load_rules().values())
    cache, why = cache_for(root / CACHE_DIR_NAME, rules)
    assert cache is not None, why
    files, _ = discover([root], root)
    return parallel.analyze_files(files, rules, cache=cache), cache


def python_count(root: Path) -> int:
    return sum(1 for p in root.rglob("*.py") if CACHE_DIR_NAME not in p.parts)


def test_warm_run_reports_what_the_cold_one_did(repo: Path) -> None:
    cold = run(repo)
    assert (repo / CACHE_DIR_NAME / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (repo / CACHE_DIR_NAME / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(repo)) == python_count(repo)
    assert run(repo) == cold
    assert cold[1]["findings"]  # a cache of nothing would prove nothing
    assert all(CACHE_DIR_NAME not in f["path"] for f in cold[1]["findings"])


def test_warm_run_parses_no_python_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold, _ = scan_files(repo)
    real = parallel.analyze_file

    def no_python(rel, kind, data, rules):
        assert kind is not FileKind.PYTHON, f"{rel} was analysed again"
        return real(rel, kind, data, rules)

    monkeypatch.setattr(parallel, "analyze_file", no_python)
    warm, cache = scan_files(repo)
    assert cache.hits == python_count(repo) and cache.misses == 0
    assert [(r.path, r.findings, r.facts, r.suppressions, r.diagnostics) for r in warm] == \
           [(r.path, r.findings, r.facts, r.suppressions, r.diagnostics) for r in cold]


def test_a_file_name_that_is_not_utf8_is_cached(repo: Path) -> None:
    """A name's bytes reach Python with surrogate escapes; the cache key hashed them as text and
    raised UnicodeEncodeError, which ended every scan that used the cache."""
    os.write(os.open(os.fsencode(repo / "app") + b"/caf\xe9.py", os.O_WRONLY | os.O_CREAT, 0o644),
             b"HISTORY = []\n")
    cold = run(repo)
    assert run(repo) == cold and len(entries(repo)) == python_count(repo)


def test_a_changed_file_alone_is_analysed_again(repo: Path) -> None:
    scan_files(repo)
    (repo / "app/tools.py").write_text("print('changed')\n")
    _, cache = scan_files(repo)
    assert (cache.hits, cache.misses) == (python_count(repo) - 1, 1)


def test_another_rule_set_does_not_share_entries(repo: Path) -> None:
    scan_files(repo)
    fewer = RuleSet.of([r for r in load_rules().values() if not r.id.startswith("TFA11")])
    _, cache = scan_files(repo, fewer)
    assert cache.hits == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "forged-mac", "wrong-shape", "empty"])
def test_a_damaged_entry_is_a_miss_never_an_error(repo: Path, damage: str) -> None:
    cold = run(repo)
    for entry in entries(repo):
        text = entry.read_text()
        stored = json.loads(text)
        entry.write_text({
            "garbage": "\x00\xff not json",
            "truncated": text[: len(text) // 2],
            "forged-mac": json.dumps({"body": json.dumps({"findings": [], "facts": [], "suppressions": [],
                                                          "diagnostics": []}), "mac": stored["mac"]}),
            "wrong-shape": json.dumps({"body": "[1, 2]", "mac": "0" * 64}),
            "empty": "",
        }[damage], errors="surrogateescape")
    assert run(repo) == cold
    assert all(json.loads(e.read_text())["mac"] for e in entries(repo))  # rewritten whole


def test_entries_made_with_another_key_are_not_trusted(repo: Path) -> None:
    """A repository that ships a cache claiming "no findings" does not get a clean report."""
    cold = run(repo)
    for entry in entries(repo):  # the attacker's entries: valid under *their* key, empty results
        key = entry.stem
        body = json.dumps({"findings": [], "facts": [], "suppressions": [], "diagnostics": []})
        entry.write_text(json.dumps({"body": body, "mac": hmac.new(b"attacker", f"{key}\0{body}".encode(),
                                                                    hashlib.sha256).hexdigest()}))
    assert run(repo) == cold


def test_no_cache_writes_nothing(repo: Path) -> None:
    run(repo, "--no-cache")
    assert not (repo / CACHE_DIR_NAME).exists()


def test_cache_dir_option_and_config(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    run(repo, "--cache-dir", str(elsewhere))
    assert len(list(elsewhere.rglob("*.json"))) == python_count(repo)
    (repo / "pyproject.toml").write_text('[tool.tfa-lint]\ncache-dir = "build-cache"\n')
    _, report = run(repo)
    assert len(list((repo / "build-cache").rglob("*.json"))) == python_count(repo)
    assert all(not f["path"].startswith("build-cache/") for f in report["findings"])


def test_an_unusable_cache_dir_is_a_warning(repo: Path) -> None:
    (repo / "not-a-dir").write_text("")
    proc = subprocess.run([sys.executable, "-m", "tfa_lint", str(repo), "--preview", "--format", "json",
                           "--cache-dir", str(repo / "not-a-dir" / "cache")], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]
    assert "warning: running without a cache" in proc.stderr


def test_concurrent_runs_share_one_cache(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    from synthetic import generate

    root = generate(tmp_path / "repo", 16, seed=3)
    cmd = [sys.executable, "-m", "tfa_lint", str(root), "--preview", "--format", "json", "--jobs", "1"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [p.communicate()[0] for p in procs]
    assert all(p.returncode == 1 for p in procs)
    assert outputs[0] == outputs[1] == outputs[2]
    assert subprocess.run(cmd, capture_output=True, text=True, check=False).stdout == outputs[0]
    assert not list((root / CACHE_DIR_NAME).rglob(".*.json.*"))  # no temporary file left behind
