"""One key of every provider tfa-lint knows, planted wherever a repository can hold one —
code, dotenv, Dockerfile, compose, pyproject, requirements, Procfile, and lines that break
their parser — must appear in no output: no report format, no baseline, no --debug log, no
--diff of the fixes."""

from __future__ import annotations

import itertools
import random
import string
from pathlib import Path

from click.testing import CliRunner
from conftest import write_tree

from tfa_lint.cli import cli
from tfa_lint.redact import PROVIDER_PATTERNS
from tfa_lint.report import FORMATS
from tfa_lint.rules.facts.secrets import looks_fake

_ALNUM = string.ascii_letters + string.digits
#: provider -> how its keys are spelled: (prefix, alphabet, length) parts, joined.
_SHAPES = {
    "Anthropic API key": [("sk-ant-api03-", _ALNUM + "_-", 95)],
    "OpenRouter API key": [("sk-or-v1-", "0123456789abcdef", 64)],
    "OpenAI API key": [("sk-proj-", _ALNUM, 48)],
    "Hugging Face token": [("hf_", _ALNUM, 34)],
    "Groq API key": [("gsk_", _ALNUM, 52)],
    "Google API key": [("AIza", _ALNUM + "_-", 35)],
    "AWS access key id": [("AKIA", string.ascii_uppercase + string.digits, 16)],
    "GitHub token": [("ghp_", _ALNUM, 36)],
    "Slack token": [("xoxb-", string.digits, 12), ("-", string.digits, 13), ("-", _ALNUM, 24)],
    "Stripe secret key": [("sk_live_", _ALNUM, 24)],
    "LangSmith API key": [("lsv2_pt_", "0123456789abcdef", 32), ("_", "0123456789abcdef", 10)],
    "Tavily API key": [("tvly-", _ALNUM, 32)],
    "Replicate API token": [("r8_", _ALNUM, 37)],
    "xAI API key": [("xai-", _ALNUM, 70)],
    "Perplexity API key": [("pplx-", _ALNUM, 48)],
    "SendGrid API key": [("SG.", _ALNUM + "_-", 22), (".", _ALNUM + "_-", 43)],
}


def _keys(seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    keys = {}
    for provider, parts in _SHAPES.items():
        while True:
            key = "".join(prefix + "".join(rng.choice(alphabet) for _ in range(n)) for prefix, alphabet, n in parts)
            if not looks_fake(key) and key[-1] not in "_-":
                break
        keys[provider] = key
    return keys


def test_every_provider_has_a_planted_key() -> None:
    keys = _keys()
    patterns = dict(PROVIDER_PATTERNS)
    assert set(keys) == set(patterns) - {"private key"}
    for provider, key in keys.items():
        assert patterns[provider].fullmatch(key), provider


def _plant(root: Path, keys: dict[str, str], pem_body: str) -> None:
    k = itertools.cycle(keys.values())  # more places than providers: every key at least once
    write_tree(root, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "app/settings.py": f'OPENAI_API_KEY = "{next(k)}"\nclient_token = "{next(k)}"\n',
        "app/main.py": (f'import logging\nlog = logging.getLogger(__name__)\nTOKEN = "{next(k)}"\n'
                        f'def f():\n    log.info("using %s", TOKEN)\n    print(f"key={{TOKEN}} {next(k)}")\n'),
        "app/broken.py": f'def broken(:\n    key = "{next(k)}"\n',
        ".env": f"ANTHROPIC_API_KEY={next(k)}\nOTHER={next(k)}\n",
        "Dockerfile": f"FROM python:3.12-slim\nENV HF_TOKEN={next(k)}\nARG GH={next(k)}\nCMD [\"python\", \"app/main.py\"]\n"
                      f"{next(k)}\n",
        "docker-compose.yml": f"services:\n  web:\n    build: .\n    environment:\n      SLACK: {next(k)}\n",
        "broken/docker-compose.yml": f"services:\n  web: [\n    environment: {{K: {next(k)}\n",
        "pyproject.toml": f'[project]\nname = "x"\nversion = "1"\n[tool.x]\nkey = "{next(k)}"\n',
        "broken/pyproject.toml": f'[project\nkey = "{next(k)}"\n',
        "requirements.txt": f"--index-url https://user:{next(k)}@pypi.example.org/simple\nrequests==2.32.3\n",
        "broken/requirements.txt": f"requests>={next(k)}\n{next(k)} @@ nonsense\n",
        "Procfile": f"web: python app/main.py --token {next(k)}\nbroken {next(k)}\n",
        "certs/server.pem": f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----\n",
        "app/keys.py": f'PEM = """-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----"""\n',
    })


def test_no_output_carries_a_planted_key(tmp_path: Path) -> None:
    keys = _keys()
    rng = random.Random(11)
    pem_body = "".join(rng.choice(_ALNUM + "+/") for _ in range(64))
    root = tmp_path / "repo"
    _plant(root, keys, pem_body)
    out = tmp_path / "out"
    out.mkdir()
    # Every format: text on stdout, the others to files, so a new format is checked too.
    to_files = [fmt for fmt in FORMATS if fmt != "text"]
    args = [str(root), "--no-cache", "--debug", "--format", "text",
            *(x for fmt in to_files for x in ("--format", f"{fmt}:{out / fmt}"))]
    runs = [CliRunner().invoke(cli, args), CliRunner().invoke(cli, [*args[:3], "--write-baseline", str(out / "baseline")]),
            CliRunner().invoke(cli, [*args[:3], "--show-source", "--preview"]),  # source lines shown too
            CliRunner().invoke(cli, [*args[:3], "--preview", "--diff", "--unsafe-fixes", "--show-fixes"])]  # diff lines
    texts = {f"stdout {i}": r.stdout for i, r in enumerate(runs)} | {f"stderr {i}": r.stderr for i, r in enumerate(runs)}
    texts |= {path.name: path.read_text(encoding="utf-8") for path in out.iterdir()}
    assert {*to_files, "gitlab", "baseline"} <= set(texts)
    assert "TFA0301" in texts["json"]  # the keys were seen, and reported
    assert "--- a/.gitignore" in texts["stdout 3"]  # and a diff was printed
    for secret in [*keys.values(), pem_body]:
        # The whole key, and any 12 characters of it past its (public) prefix.
        body = secret.split("_", 1)[-1] if secret.startswith(("lsv2_",)) else secret
        fragments = {secret} | {body[i:i + 12] for i in range(8, len(body) - 12, 4)}
        leaks = {(name, fragment) for name, text in texts.items() for fragment in fragments if fragment in text}
        assert not leaks, sorted(leaks)[:3]
