"""The per-file result cache: a Python file whose bytes, path, rule set and tool did not
change since the last run is not parsed again.

An entry is keyed by the SHA-256 of the file's content, its path and kind, and a *salt*
made of the tool version, the Python version (its parser decides), the source code of the tool and
of every rule module in use, and the ids of the selected rules (select/ignore are the only
configuration a per-file result depends on; everything else is applied after the map).

Layout, under ``.tfa-lint-cache/`` at the project root (``cache-dir`` / ``--cache-dir``)::

    CACHEDIR.TAG            so backup tools skip it (https://bford.info/cachedir/)
    .gitignore              "*": never committed by accident
    v2/ab/ab12….json        one entry per file result, written to a temporary file and
                            renamed, so concurrent runs never see half an entry

Entries are JSON, never pickle: the cache lives inside the scanned repository, which may
be hostile, and loading it must not run code. Each entry carries an HMAC made with a key
kept in the user's own cache directory, so an entry that a repository ships in its tree (to
hide findings from a CI gate, say) does not verify and is recomputed. Anything wrong with an
entry — unreadable, not JSON, wrong shape, wrong HMAC — makes it a miss, never an error.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import os
import platform
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tfa_lint import __version__
from tfa_lint.atomic import write_atomically
from tfa_lint.facts import fact_data
from tfa_lint.fix import Fix
from tfa_lint.model import Diagnostic, Fact, FileKind, Finding
from tfa_lint.rule import RuleSet
from tfa_lint.suppress import Suppression

CACHE_DIR_NAME = ".tfa-lint-cache"
FORMAT = "v3"  # v2: facts are typed payloads, stored as their kind and fields; v3: findings carry their fix
CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by tfa-lint.\n"
                "# For information about cache directory tags, see https://bford.info/cachedir/\n")
_TOOL_SOURCES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "rules")


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_for(directory: Path, rules: RuleSet) -> tuple[ResultCache | None, str | None]:
    """The cache for a run with these rules: (cache, None) or (None, why it is off)."""
    visitors = [*rules.python, *rules.artifact, *rules.collectors]
    modules = {path for v in visitors if (path := inspect.getsourcefile(v)) is not None}
    ids = [getattr(v, "id", None) or v.name for v in visitors]
    return open_cache(directory, code_salt(modules, ids))


def code_salt(rule_modules: Iterable[str], rule_ids: Iterable[str]) -> str:
    """What every entry of this run depends on besides the file itself.

    The tool's own source is hashed, not only its version, so an edited rule never serves a
    stale result (a development checkout keeps one version number for many changes)."""
    digest = hashlib.sha256()
    for part in (__version__, platform.python_version(), *sorted(rule_ids)):
        digest.update(part.encode() + b"\0")
    files = {p for d in _TOOL_SOURCES if d.is_dir() for p in d.rglob("*.py")}
    files |= {Path(m) for m in rule_modules}
    for path in sorted(files):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"unreadable:" + os.fsencode(path))
    return digest.hexdigest()


class ResultCache:
    """Get and put per-file results. Use :func:`open_cache`, which sets the directory up."""

    def __init__(self, directory: Path, salt: str, secret: bytes) -> None:
        self.directory = directory
        self._salt = salt
        self._secret = secret
        self.hits = 0
        self.misses = 0

    def key(self, rel: str, kind: FileKind, digest: str) -> str:
        # a file name that is not UTF-8 reaches here with surrogate escapes: hash its bytes as they are
        return hashlib.sha256(f"{self._salt}\0{rel}\0{kind.value}\0{digest}".encode("utf-8", "surrogateescape")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / FORMAT / key[:2] / f"{key}.json"

    def _mac(self, key: str, body: str) -> str:
        return hmac.new(self._secret, f"{key}\0{body}".encode(), hashlib.sha256).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored result for ``key`` (see :func:`encode_result`), or None."""
        try:
            stored = json.loads(self._entry(key).read_text(encoding="utf-8"))
            body, mac = stored["body"], stored["mac"]
            if not isinstance(body, str) or not hmac.compare_digest(str(mac), self._mac(key, body)):
                raise ValueError("entry does not verify")
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise TypeError("entry is not an object")
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return payload

    def put(self, key: str, payload: dict[str, Any]) -> None:
        """Store ``payload``; a cache that cannot be written is a slower run, not a failure."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
        if json.loads(body) != payload:
            return  # a value JSON cannot hold exactly (a tuple, a set): recompute it next time
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            write_atomically([(entry, json.dumps({"body": body, "mac": self._mac(key, body)}))])
        except OSError:
            pass


def open_cache(directory: Path, salt: str) -> tuple[ResultCache | None, str | None]:
    """(the cache, None) or (None, why it is off this run)."""
    secret, why = _user_secret()
    if secret is None:
        return None, why
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "# created by tfa-lint\n*\n")):
            if not (directory / name).exists():
                write_atomically([(directory / name, text)])
    except OSError as exc:
        return None, f"cannot create {directory}: {exc.strerror or exc}"
    return ResultCache(directory, salt, secret), None


def user_cache_dir() -> Path:
    """tfa-lint's directory in the user's cache (``$XDG_CACHE_HOME/tfa-lint``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tfa-lint"


def _user_secret() -> tuple[bytes | None, str | None]:
    """The HMAC key, made once per user, readable by the user only."""
    path = user_cache_dir() / "cache-key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip()), None
    except (OSError, ValueError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run made it first: use theirs
            return bytes.fromhex(path.read_text(encoding="ascii").strip()), None
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text(encoding="ascii").strip()), None
    except (OSError, ValueError) as exc:
        return None, f"no usable key at {path}: {getattr(exc, 'strerror', None) or exc}"


# -- FileResult <-> JSON ---------------------------------------------------------------------
def encode_result(findings: list[Finding], facts: list[Fact], suppressions: list[Suppression],
                  diagnostics: list[Diagnostic]) -> dict[str, Any]:
    return {
        "findings": [[f.line, f.column, f.rule, f.message, f.end_line, f.end_column,
                      f.fix.to_json() if f.fix is not None else None] for f in findings],
        "facts": [[f.kind, f.line, f.column, f.data.fields()] for f in facts],
        "suppressions": [[s.line, s.column, s.target, list(s.ids)] for s in suppressions],
        "diagnostics": [[d.message, d.skipped] for d in diagnostics],
    }


def decode_result(path: str, payload: dict[str, Any]
                  ) -> tuple[list[Finding], list[Fact], list[Suppression], list[Diagnostic]]:
    """The parts of a file result; raises ValueError when the payload has the wrong shape."""
    try:
        return (
            [Finding(path, int(a), int(b), str(c), str(d), int(e), int(f), Fix.from_json(fix) if fix else None)
             for a, b, c, d, e, f, fix in payload["findings"]],
            [Fact(str(kind), path, int(line), int(column), fact_data(str(kind), dict(data)))
             for kind, line, column, data in payload["facts"]],
            [Suppression(int(a), int(b), int(c), tuple(str(i) for i in ids))
             for a, b, c, ids in payload["suppressions"]],
            [Diagnostic(path, str(message), bool(skipped)) for message, skipped in payload["diagnostics"]],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed cache entry: {exc}") from None
