"""No output format ever contains a secret in clear."""

from __future__ import annotations

from click.testing import CliRunner
from conftest import REPO_ROOT
from rules_secrets import planted_secrets

from tfa_lint.cli import cli
from tfa_lint.report import FORMATS
from tfa_lint.redact import PROVIDER_PATTERNS, find_keys, redact

BAD = REPO_ROOT / "examples" / "bad-agent"


def test_redact_keeps_at_most_a_fifth() -> None:
    assert redact("sk-proj-Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt9Xa2") == "sk-p…9Xa2"
    assert redact("Zq8!rT4#pLm2") == "…(12 chars)"
    for n in range(1, 80):
        shown = redact("x" * n).replace("…", "").split("(")[0]
        assert len(shown) <= n / 5


def test_no_format_prints_a_planted_secret(tmp_path) -> None:
    secrets = planted_secrets(BAD)
    assert len(secrets) >= 5
    for fmt in FORMATS:
        out = CliRunner().invoke(cli, [str(BAD), "--format", fmt]).output
        for secret in secrets:
            assert secret not in out, (fmt, redact(secret))
        # Not even the rule docs SARIF carries hold a full key-shaped example.
        shaped = [(name, redact(m.group(0))) for name, p in PROVIDER_PATTERNS for m in p.finditer(out)
                  if name != "private key"]
        assert not shaped, (fmt, shaped)
    baseline = tmp_path / "baseline.json"
    CliRunner().invoke(cli, [str(BAD), "--write-baseline", str(baseline)])
    for secret in secrets:
        assert secret not in baseline.read_text(), ("baseline", redact(secret))


def test_find_keys_finds_what_finditer_finds() -> None:
    """The fast search drops each pattern's leading ``\\b`` and checks it itself: the matches
    must be the same, at the start of the text, after word characters (Unicode ones too), in
    runs of candidates and overlapping ones."""
    key = "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt9Xa2pL"
    samples = [
        f"sk-proj-{key}", f"xsk-proj-{key}", f"ésk-{key} sk-{key}", f"_sk-{key}", f"-sk-{key}",
        f"ask-sk-{key}", f"sk-sk-{key}", f"tasksk-{key}sk-{key}", f"ghp_{key}ghp_{key} ghp_{key}",
        f"AKIA{key.upper()[:16]} xAKIA{key.upper()[:16]}", f"hf_{key}\nhf_{key}", "sk-short", "",
        f"key='sk-ant-api03-{key * 3}' # ok", f"rk_live_{key} ark_live_{key}", f"SG.{key[:22]}.{key}{key[:5]}",
        f"1xai-{key * 2} (xai-{key * 2})", f"-----BEGIN PRIVATE KEY-----\n{key}",
    ]
    for text in samples + ["\n".join(samples), " ".join(samples)]:
        for name, pattern in PROVIDER_PATTERNS:
            expected = [(m.span(), m.group(0)) for m in pattern.finditer(text)]
            assert [(m.span(), m.group(0)) for m in find_keys(pattern, text)] == expected, (name, text)
