from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _test_this_checkout() -> None:
    """Make ``tfa_lint`` and its rule pack this checkout's, whatever is installed.

    The wheel maps ``tfa_lint.rules`` to the top-level ``rules/``, and an editable install
    answers that import from *its* checkout: a second worktree sharing the virtualenv would
    test its own engine against the other checkout's rules, and pass. So the pack is loaded
    from here explicitly, as bench/source_run.py does for an older commit."""
    sys.path.insert(0, str(REPO_ROOT))
    import tfa_lint

    if Path(tfa_lint.__file__).resolve().parent != REPO_ROOT / "tfa_lint":
        raise pytest.UsageError(f"tfa_lint is imported from {tfa_lint.__file__}, not from {REPO_ROOT}")
    rules_init = REPO_ROOT / "rules" / "__init__.py"
    spec = importlib.util.find_spec("tfa_lint.rules")
    if spec is None or spec.origin is None or Path(spec.origin).resolve() != rules_init:
        spec = importlib.util.spec_from_file_location(
            "tfa_lint.rules", rules_init, submodule_search_locations=[str(rules_init.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["tfa_lint.rules"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]


_test_this_checkout()
# The tfa-lint subprocesses some tests start load this checkout too, engine and rules.
os.environ["TFA_LINT_CHECKOUT_RULES"] = str(REPO_ROOT / "rules")
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(REPO_ROOT / "tests" / "checkout_site"), str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])

from tfa_lint.config import Config  # noqa: E402
from tfa_lint.engine import ScanResult, scan  # noqa: E402
from tfa_lint.report import DEFAULT_WIDTH  # noqa: E402
from tfa_lint.rule import Rule, load_rules  # noqa: E402
#: Findings of examples/bad-agent with preview rules on (one per rule at least: it trips every rule).
#: Report and baseline tests check every format carries exactly these; a rule added to the pack
#: that fires there changes this one number.
BAD_AGENT_FINDINGS = 61  # each rule that can fix fires where its fix applies (tests/test_fix.py)
#: Test data kept in the repository (each directory says where its files came from).
TEST_DATA = REPO_ROOT / "tests" / "data"

sys.path.insert(0, str(REPO_ROOT / "bench"))
from synthetic import generate  # noqa: E402


#: Scoping that name resolution must get right: shadowing before and after use, global and
#: nonlocal, class bodies hidden from methods, comprehension and lambda scopes, dotted and
#: relative imports, conditional imports, walrus, match captures, PEP 695 scopes.
SCOPE_EDGES = """\
import os, os.path
import a.b.c as abc
from .. import sibling
from .pkg import mod as m
from typing import *
try:
    import ujson as json
except ImportError:
    json = None
print("early")
def print(*a): ...
print("late")
x = os.environ.get("X")
class Settings(m.Base, metaclass=abc.Meta):
    os = "shadow"
    value = os.upper()
    def method(self, os=os):
        return os.getenv("Y"), [os for os in range(3)], lambda os=os: os.path
    items = [os.path for _ in range(2)]
def outer():
    client = None
    def inner():
        nonlocal client
        client = sibling.Client()
        global x
        x = json.loads(client)
        return client.get(), x.attr
    requests = __import__("requests")
    requests.get("u")
    del client
    if (n := len(os.sep)) > 1:
        return n
    for os.environ["K"] in ():
        pass
    with open("f") as (fh, other):
        fh.read()
    try:
        pass
    except (OSError, abc.Err) as err:
        raise err.with_traceback(None)
match command:
    case {"k": os, **rest} if os.path:
        rest.clear()
    case [first, *others]:
        first.run(others)
type Alias[T: os.PathLike] = list[T]
def generic[T](arg: T) -> T: return m.call(arg)()
class Box[T](m.Base[T]): item: T = abc.make()
f"{os.getcwd()!r:>{json.width}}"
[y for x in os.listdir() for y in x if y.startswith(abc.p)]
{k: v for k, v in os.environ.items()}
"""


def python_corpus(tmp_path: Path) -> Iterator[tuple[str, cst.Module]]:
    """Every Python source of the rule examples, the example repos and a generated repo, plus
    edge cases of the grammar and of scoping, parsed."""
    texts = {f"{rule_id}:{path}": text for rule_id, rule in load_rules(plugins=False).items()
             for example in (*rule.invalid, *rule.valid) for path, text in example.files.items()
             if path.endswith(".py")}
    for root in (REPO_ROOT / "examples", generate(tmp_path, 40, seed=3)):
        texts.update({str(p): p.read_text() for p in root.rglob("*.py")})
    texts["edge.py"] = (
        'x = f"{a!r:>{width}} {b=}" + rb"\\x00"\nmatch p:\n    case [1, *rest] | {"k": _, **kw}: pass\n'
        "try:\n    pass\nexcept* ValueError as e:\n    raise\nasync def g[T](x: T, /, *a, k=1, **kw) -> T:\n"
        "    async with a as (b, c): yield [y async for y in x if y]\n@d\nclass C(B, metaclass=M): z: int = 1\n"
        "lambda *, q=2: (yield)\nglobal g; del x[0], y\nfrom . import (a as b,)\nimport os.path as p\n")
    texts["scopes.py"] = SCOPE_EDGES
    for label, text in sorted(texts.items()):
        try:
            yield label, cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue



@pytest.fixture(autouse=True)
def _every_rule_stable(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which rules are stable is measured on the field corpus and changes as labels do
    (rules/field_precision.json); the engine, the reports and the score are tested with every
    rule on. Tests of the tiers themselves, and of the shipped defaults, are marked
    ``real_tiers``. Processes forked by the pool inherit the patch; a separate ``tfa-lint``
    process does not, and passes ``--preview`` instead."""
    if request.node.get_closest_marker("real_tiers"):
        return
    for rule in load_rules().values():
        monkeypatch.setattr(rule, "preview", False)


@pytest.fixture(autouse=True)
def _own_cache_key(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's HMAC key lives in the user's cache directory: never the developer's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture(autouse=True)
def _report_style_set_by_the_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """How a text report is coloured and wrapped is up to each test, never the developer's or
    the CI runner's NO_COLOR, FORCE_COLOR or terminal width (``pytest -s`` on a narrow one)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", str(DEFAULT_WIDTH))


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def scan_tree(root: Path, rules: list[type[Rule]] | None = None, config: Config | None = None) -> ScanResult:
    rules = list(load_rules().values()) if rules is None else rules
    return scan([root], root, config or Config(), rules)


@pytest.fixture
def tree(tmp_path: Path):
    """A small repository, checked out like a real one (with a `.git`, so TFA0101 stays quiet
    unless a test asks for a tree without version control)."""
    def make(files: dict[str, str], *, vcs: bool = True) -> Path:
        return write_tree(tmp_path / "repo", {".git/HEAD": "ref: refs/heads/main\n", **files} if vcs else files)

    return make


SARIF_VALIDATOR = TEST_DATA / "sarif" / "validate_sarif.py"
SARIF_SCHEMA_FILE = TEST_DATA / "sarif" / "sarif-schema-2.1.0.json"


def assert_valid_sarif(path: Path) -> dict:
    """Every SARIF the suite produces goes through the validator (OASIS schema and
    GitHub's requirements), warnings included."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(SARIF_VALIDATOR), "--strict", "--schema", str(SARIF_SCHEMA_FILE), str(path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(path.read_text(encoding="utf-8"))


#: GitLab's Code Quality report, from the fields GitLab documents as required
#: (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): a JSON array of
#: issues, each with a description, a check name, a unique fingerprint, one of five
#: severities, and a location whose path is relative to the repository (no ``./``) and whose
#: line is 1-based.
GITLAB_CODE_QUALITY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "not": {"pattern": "^(\\./|/)"}},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def assert_valid_code_quality(path: Path) -> list[dict]:
    """A GitLab Code Quality report: the documented shape, and no two issues with one
    fingerprint (GitLab would show only one of them)."""
    import json

    import jsonschema

    issues = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(issues, GITLAB_CODE_QUALITY_SCHEMA)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(fingerprints) == len(set(fingerprints)), "fingerprints not unique"
    return issues


def cst_find_all(node: cst.CSTNode, types: type | tuple[type, ...]) -> list:
    """Every libcst node of ``types`` in ``node``'s subtree, itself included, in source order:
    the tests that pin the ast helpers to what the rules' libcst versions saw use it."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, types):
            found.append(current)
        stack.extend(reversed(current.children))
    return found
