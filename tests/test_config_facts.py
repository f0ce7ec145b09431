"""The config facts on ``ast`` keep what their libcst versions recorded where the two trees
differ: ``or`` chains ast flattens, arguments in source order, ``elif`` against ``else: if``,
statements sharing a line, the ``__main__`` harness."""

from __future__ import annotations

import ast
import textwrap

from tfa_lint.rules.config.tfa0302_secret_named_literal import SecretNamedLiteral
from tfa_lint.rules.facts.ast_source import call_arguments
from tfa_lint.rules.facts.config_reads import EnvReadFact, EnvReadFacts
from tfa_lint.rules.facts.dev_servers import DevServerFacts
from tfa_lint.rules.facts.env_defaults import EnvDefaults

from tfa_lint.analysis import dispatch
from tfa_lint.rule import PythonFile
from tfa_lint.semantic import SemanticModel


def _run(visitor_class, code: str, path: str = "agent/app.py"):
    text = textwrap.dedent(code)
    tree = ast.parse(text)
    visitor = visitor_class(PythonFile(path=path, text=text, role="src", tree=tree, semantic=SemanticModel(tree, text)))
    assert dispatch(tree, [visitor]) == []
    return visitor


def _reads(code: str) -> dict[str, EnvReadFact]:
    return {f.data.name: f.data for f in _run(EnvReadFacts, code).facts if isinstance(f.data, EnvReadFact)}


def test_call_arguments_in_source_order() -> None:
    call = ast.parse("f(a, *b, key=c, **d)").body[0].value
    assert [(a.keyword, ast.unparse(a.value)) for a in call_arguments(call)] == [
        (None, "a"), (None, "b"), ("key", "c"), (None, "d")]
    call = ast.parse("f(key=c, *b)").body[0].value  # a starred argument may follow a keyword
    assert [a.keyword for a in call_arguments(call)] == ["key", None]


def test_or_chains_give_every_operand_but_the_last_a_fallback() -> None:
    reads = _reads("""
        import os
        a = (os.getenv("A") or os.getenv("B")) or os.getenv("C")
        d = os.getenv("D") or (os.getenv("E") or "x")
        int(os.getenv("F") or os.getenv("G"))
    """)
    assert reads["A"].alternatives == ["B", "C"] and reads["B"].alternatives == ["A", "C"]
    assert reads["D"].alternatives == [] and reads["E"].alternatives == []
    assert not any(r.required for r in reads.values())


def test_a_checked_assignment_on_its_own_line_is_required() -> None:
    reads = _reads("""
        import os
        a = os.getenv("OWN_LINE")
        if not a:
            raise SystemExit("OWN_LINE is not set")
        b = os.getenv("SHARED_LINE"); c = 1
        if not b:
            raise SystemExit("SHARED_LINE is not set")
        d = os.getenv("ELSE_IF")
        if d:
            pass
        else:
            if c:
                pass
            raise SystemExit
        e = os.getenv("ELIF")
        if e:
            pass
        elif c:
            raise SystemExit
    """)
    assert {name: data.required for name, data in reads.items()} == {
        "OWN_LINE": True, "SHARED_LINE": False, "ELSE_IF": True, "ELIF": False}


def test_reads_of_the_main_harness_are_not_the_services() -> None:
    reads = _reads("""
        import os

        def manual():
            return os.environ["MANUAL"]

        def served():
            return os.environ["SERVED"]

        class Handler:
            def handle(self):
                return os.environ["METHOD"]

        served()

        if __name__ == "__main__":
            manual()
            served()
            os.environ["HARNESS"]
    """)
    assert {name: data.required for name, data in reads.items()} == {
        "MANUAL": False, "SERVED": True, "METHOD": True}


def test_settings_fields_and_writes() -> None:
    facts = _run(EnvReadFacts, """
        import os
        from pydantic import Field
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class Settings(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="agent_")
            api_key: str
            timeout: int = Field(...)
            region: str = Field("eu", alias="AWS_REGION")

        env = os.environ.copy()
        env["CHILD"] = "1"
        os.environ.update({"UPDATED": "1"}, KEYWORD="1")
        run(env={**os.environ, "MERGED": "1"})
    """).facts
    assert [(f.kind, f.data.name, getattr(f.data, "required", None)) for f in facts] == [
        ("env-read", "AGENT_API_KEY", True), ("env-read", "AGENT_TIMEOUT", True), ("env-read", "AWS_REGION", False),
        ("env-write", "CHILD", None), ("env-write", "UPDATED", None), ("env-write", "KEYWORD", None),
        ("env-write", "MERGED", None)]


def test_env_defaults_and_dev_servers() -> None:
    defaults = _run(EnvDefaults, """
        import os
        a = os.getenv("DB_URL", default="postgres://localhost/db")
        b = os.environ.get("CACHE_URL") or "redis://localhost" or "redis://other"
        c = os.environ.setdefault("JWT_SECRET", "changeme")
        d = os.getenv("API_BASE", "https://api.example.org/v1")
        e = os.getenv("MAX_TOKENS", "512"), os.getenv("LOG_LEVEL", "info")
    """).facts
    assert [(f.data.var, f.data.value, f.line, f.column) for f in defaults] == [
        ("DB_URL", "postgres://localhost/db", 3, 33), ("CACHE_URL", "redis://localhost", 4, 36),
        ("JWT_SECRET", "changeme", 5, 41), ("API_BASE", "https://api.example.org/v1", 6, 27)]
    calls = _run(DevServerFacts, """
        from flask import Flask
        app = Flask(__name__)
        app.run(debug=True)
        app.run()
    """).facts
    assert [f.data.what for f in calls] == ["`app.run(debug=True)`", "Flask's development server (`app.run()`)"]


def test_a_secret_default_passed_by_keyword() -> None:
    rule = _run(SecretNamedLiteral, """
        import os
        key = os.getenv(key="PINECONE_API_KEY", default="4f9c2b1e-7d3a-48e5-b6f0-93ad7c21e8b4")
    """)
    assert [(f.line, f.column, f.message.split(":")[0]) for f in rule.findings] == [
        (3, 49, "Secret default `4f…b4` for `PINECONE_API_KEY` in `os.getenv`")]
