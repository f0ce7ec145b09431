"""Property tests: generated and mutated inputs for every source parser and for the whole
per-file engine. Whatever the input, no exception escapes, every finding points inside its
file, and the reports stay valid JSON and SARIF.

CI runs a short, deterministic round (fixed derandomised seed, few examples). A longer one:

    TFA_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import json
import os

import jsonschema
import pytest
from conftest import GITLAB_CODE_QUALITY_SCHEMA, REPO_ROOT, SARIF_SCHEMA_FILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfa_lint.analysis import analyze_file
from tfa_lint.config import Config
from tfa_lint.discover import kind_of
from tfa_lint.engine import scan
from tfa_lint.model import FileKind
from tfa_lint.report import ReportOptions, renderers
from tfa_lint.rule import RuleSet, load_rules
from tfa_lint.score import score
from tfa_lint.sources import SourceError, decode, parse_artifact
from tfa_lint.sources.python import parse_tree
from tfa_lint.suppress import parse_suppressions

EXAMPLES = int(os.environ.get("TFA_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
RULES = RuleSet.of(load_rules().values())


def _seeds() -> dict[FileKind, list[str]]:
    """Real files of each kind, from the rule examples and the example repos, to mutate."""
    seeds: dict[FileKind, list[str]] = {}
    for rule in load_rules(plugins=False).values():
        for example in (*rule.invalid, *rule.valid):
            for path, text in example.files.items():
                kind = kind_of(path.rsplit("/", 1)[-1], path)
                if kind is not None and kind.read:
                    seeds.setdefault(kind, []).append(text)
    for path in (REPO_ROOT / "examples").rglob("*"):
        kind = kind_of(path.name, path.as_posix())
        if path.is_file() and kind is not None and kind.read:
            seeds.setdefault(kind, []).append(path.read_text(encoding="utf-8"))
    return seeds


SEEDS = _seeds()
KINDS = sorted(SEEDS, key=lambda k: k.value)


@st.composite
def mutated(draw: st.DrawFn, kind: FileKind) -> str:
    """A real file of ``kind`` with a few characters, lines or slices changed."""
    text = draw(st.sampled_from(SEEDS[kind]))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "cut"]))
        if op == "insert":
            text = text[:at] + draw(st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 10)):]
        elif op == "duplicate":
            text = text[:at] + text[at:at + 40] * draw(st.integers(2, 5)) + text[at:]
        else:
            text = text[:at]
    return text


def inputs(kind: FileKind) -> st.SearchStrategy[str]:
    return st.one_of(mutated(kind), st.text(max_size=300))


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_parsers_return_a_model_or_a_reason(kind: FileKind) -> None:
    @FUZZ
    @given(text=inputs(kind))
    def check(text: str) -> None:
        try:
            artifact = parse_artifact(kind, "fuzzed", text) if kind is not FileKind.PYTHON else parse_tree(text)
        except SourceError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        if kind is not FileKind.PYTHON:
            assert all(isinstance(p, str) and "\n" not in p for p in artifact.problems())
        parse_suppressions(text, python=kind is FileKind.PYTHON)

    check()


@FUZZ
@given(data=st.binary(max_size=400), kind=st.sampled_from(KINDS))
def test_decode_accepts_or_refuses_any_bytes(data: bytes, kind: FileKind) -> None:
    try:
        assert isinstance(decode(data, kind), str)
    except SourceError as exc:
        assert str(exc)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_the_engine_never_raises_and_points_inside_the_file(kind: FileKind) -> None:
    name = {FileKind.PYTHON: "app/main.py"}.get(kind)

    @FUZZ
    @given(text=inputs(kind))
    def check(text: str) -> None:
        path = name or _path_for(kind)
        result = analyze_file(path, kind, text.encode("utf-8", "surrogatepass"), RULES)
        assert not [d for d in result.diagnostics if d.internal], result.diagnostics
        lines = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").splitlines() or [""]
        for finding in result.findings:
            assert 1 <= finding.line <= len(lines) + 1, finding
            assert finding.column >= 1 and finding.end_line >= finding.line, finding

    check()


def _path_for(kind: FileKind) -> str:
    for rule in load_rules(plugins=False).values():
        for example in (*rule.invalid, *rule.valid):
            for path in example.files:
                if kind_of(path.rsplit("/", 1)[-1], path) is kind:
                    return path
    raise AssertionError(kind)


SARIF_SCHEMA = json.loads(SARIF_SCHEMA_FILE.read_text(encoding="utf-8"))


@settings(FUZZ, max_examples=max(5, EXAMPLES // 8))
@given(python=inputs(FileKind.PYTHON), compose=inputs(FileKind.COMPOSE), docker=inputs(FileKind.DOCKERFILE),
       names=st.lists(st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="/\0"),
                              min_size=1, max_size=12), min_size=1, max_size=3))
def test_reports_stay_valid(tmp_path_factory: pytest.TempPathFactory, python: str, compose: str, docker: str,
                            names: list[str]) -> None:
    root = tmp_path_factory.mktemp("repo")
    files = {"docker-compose.yml": compose, "Dockerfile": docker}
    files |= {f"app/{name.strip('. ') or 'x'}.py": python for name in names}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            (root / rel).write_text(text, encoding="utf-8")
        except (OSError, UnicodeEncodeError):
            continue
    result = scan([root], root, Config(), list(load_rules().values()))
    card = score(result, Config().weights)
    render = renderers()
    json.loads(render["json"](result, card, ReportOptions()))
    jsonschema.validate(json.loads(render["sarif"](result, card, ReportOptions())), SARIF_SCHEMA)
    jsonschema.validate(json.loads(render["gitlab"](result, card, ReportOptions())), GITLAB_CODE_QUALITY_SCHEMA)
