"""The admin and backing-service collectors and rules on ``ast`` keep what they answered on
libcst: the code the auth checks read, source order of facts, literals of an implicit
concatenation, identifiers counted as uses, ``elif`` chains."""

from __future__ import annotations

import ast
import re
import textwrap

import libcst as cst
from tfa_lint.rules.facts.admin_ops import AdminFacts, _Source
from tfa_lint.rules.facts.ast_source import call_arguments
from tfa_lint.rules.facts.backing_clients import BackingFacts

from tfa_lint.analysis import analyze_file, dispatch
from tfa_lint.model import FileKind, path_role
from tfa_lint.rule import PythonFile, RuleSet, load_rules
from tfa_lint.semantic import SemanticModel


DEFS = textwrap.dedent('''
    """Module docstring."""
    # a module comment
    import os


    # a comment of the def below
    @app.middleware("http")  # on the decorator
    # between decorator and def
    async def check(request, call_next):  # after the colon
        # before the first statement
        return await call_next(request)  # trailing
        # the block's footer
    # at the def's column: the next statement's


    def outer():
        if x:
            pass
        elif y:
            a = 1
            # inner footer
        # outer footer
      # less indented: the next def's
    # the next def's too
    def nested(  # after the paren
        a,  # after a
        b: int = 1,
        *,
        c=lambda: 0,
    ) -> dict[str, int]: return {}  # one line
    def empty(): pass
    class K:
        def m(self, /, x): ...
''')


def _defs(text: str):
    tree, module = ast.parse(text), cst.parse_module(text)
    found: list[cst.FunctionDef] = []

    class Defs(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            found.append(node)

    module.visit(Defs())
    ours = sorted((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))),
                  key=lambda n: (n.lineno, n.col_offset))
    return _Source(SemanticModel(tree, text)), list(zip(ours, found, strict=True))


def test_the_auth_checks_read_what_libcst_gave_a_def_its_parameters_and_body() -> None:
    source, pairs = _defs(DEFS)
    squash = lambda code: re.sub(r"\s+", "", code)  # indentation is libcst's own
    for ours, theirs in pairs:
        assert squash(source.definition(ours)) == squash(cst.Module([]).code_for_node(theirs)), ours.name
        assert squash(source.parameters(ours)) == squash(cst.Module([]).code_for_node(theirs.params)), ours.name
        assert squash(source.body(ours)) == squash(cst.Module([]).code_for_node(theirs.body)), ours.name


def _facts(text: str, collector: type, path: str = "agent/app.py") -> list[tuple]:
    text = textwrap.dedent(text)
    tree = ast.parse(text)
    file = PythonFile(path=path, text=text, role=path_role(path), tree=tree, semantic=SemanticModel(tree, text))
    visitor = collector(file)
    assert dispatch(tree, [visitor]) == []
    return [(f.kind, f.line, f.column, f.data.fields()) for f in visitor.facts]


def _findings(text: str, rule_id: str, path: str = "agent/app.py") -> list[tuple]:
    result = analyze_file(path, FileKind.PYTHON, textwrap.dedent(text).encode(),
                          RuleSet.of([load_rules(plugins=False)[rule_id]]))
    assert result.diagnostics == []
    return [(f.line, f.column, f.message) for f in result.findings]


def test_a_comment_of_the_route_counts_as_authentication() -> None:
    facts = _facts("""
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/admin/reset")
        def reset():  # behind the auth proxy
            db.drop_all()

        @app.post("/admin/purge")
        def purge():
            db.drop_all()
            # TODO: authentication
    """, AdminFacts)
    assert [(f[3]["handler"], f[3]["authed"]) for f in facts if f[0] == "admin-route"] == [
        ("reset", True), ("purge", True)]


def test_admin_facts_keep_source_order_and_decorators_belong_to_their_def() -> None:
    facts = _facts("""
        from fastapi import FastAPI, Depends
        app = FastAPI()

        @app.middleware("http")  # auth
        @app.get("/x", dependencies=[Depends(verify)])
        def guard(x=migrate_db()):
            seed_db(); ingest_all(**{"k": reindex_a()}, key=backfill_b())
            run_migrations() if cond() else reindex_c()

        if __name__ != "__main__":
            migrate()
        else:
            seed_db()
    """, AdminFacts)
    assert [(f[0], f[1], f[2], f[3].get("how") or f[3].get("op")) for f in facts if f[0] in ("auth-guard", "admin-op")] == [
        ("auth-guard", 7, 1, "middleware guard"), ("auth-guard", 6, 2, "dependencies"),
        ("admin-op", 7, 13, "migrate_db()"), ("admin-op", 8, 5, "seed_db()"), ("admin-op", 8, 16, "ingest_all()"),
        ("admin-op", 8, 35, "reindex_a()"), ("admin-op", 8, 53, "backfill_b()"),
        ("admin-op", 9, 5, "run_migrations()"), ("admin-op", 9, 37, "reindex_c()")]


def test_call_arguments_in_source_order() -> None:
    call = ast.parse("f(a=1, *b, **c)").body[0].value
    assert [(a.keyword, ast.unparse(a.value)) for a in call_arguments(call)] == [("a", "1"), (None, "b"), (None, "c")]


def test_a_service_url_in_one_literal_of_an_implicit_concatenation() -> None:
    facts = _facts("""
        import redis
        def make(client=redis.Redis()):
            text = f"postgresql://{host}/db"
            return "a" "redis://cache.prod:6379" f"{x}"
        URL = "postgresql://db.prod/x" "{suffix}"
    """, BackingFacts)
    assert facts == [("backing-client", 3, 17, {"ctor": "redis.Redis", "family": "Redis", "function": "make"}),
                     ("backing-url", 5, 16, {})]


def test_a_locator_name_used_as_an_attribute_is_not_only_rendered() -> None:
    code = """
        redis_url = "redis://cache.prod:6379"
        banner = f"REDIS_URL: {redis_url}"
        db_url = "postgresql://db.prod/agent"
        print(f"{db_url}", settings.db_url)
    """
    assert [line for line, _, _ in _findings(code, "TFA0401")] == [4]


def test_an_if_alone_in_an_else_block_starts_a_chain_of_its_own() -> None:
    code = """
        import chromadb
        from qdrant_client import QdrantClient
        VECTOR_DB = ("qdrant")
        USE_CHROMA = True
        if VECTOR_DB == "chroma":
            pass
        else:
            if USE_CHROMA:
                store = chromadb.PersistentClient(path="index")
            else:
                store = QdrantClient(":memory:")
        if VECTOR_DB == "chroma":
            pass
        elif USE_CHROMA:
            store = chromadb.PersistentClient(path="index")
        else:
            store = QdrantClient(":memory:")
    """
    assert [(line, message[message.index("editing"):message.index(" in code")]) for line, _, message in
            _findings(code, "TFA0403")] == [(6, 'editing `VECTOR_DB = ("qdrant")`'),
                                            (9, "editing `USE_CHROMA = True`"),
                                            (13, 'editing `VECTOR_DB = ("qdrant")`')]
