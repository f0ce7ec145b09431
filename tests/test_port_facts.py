"""The port, daemon and import-time collectors on ast record what their libcst versions did,
libcst's quirks included (a def's decorators are in the def, a parenthesised or implicitly
concatenated literal is not a plain one, ``a(); b()`` is one line); and the helpers that keep
those quirks answer as libcst does."""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest

from tfa_lint.analysis import dispatch
from tfa_lint.model import path_role
from tfa_lint.rule import PythonFile
from tfa_lint.rules.concurrency.tfa0802_background_work_in_web_process import BackgroundWorkInWebProcess
from tfa_lint.rules.facts.ast_source import argument_values, one_literal
from tfa_lint.rules.facts.daemons import DaemonFacts
from tfa_lint.rules.facts.import_time_work import ImportTimeWork
from tfa_lint.rules.facts.ports import CstSource, PortFacts
from tfa_lint.semantic import SemanticModel



def _run(visitor_cls: type, code: str, path: str = "app.py") -> object:
    text = textwrap.dedent(code).lstrip("\n")
    tree = ast.parse(text)
    file = PythonFile(path=path, text=text, role=path_role(path), tree=tree, semantic=SemanticModel(tree, text))
    visitor = visitor_cls(file)
    assert dispatch(tree, [visitor]) == []
    return visitor


def _facts(collector: type, code: str, path: str = "app.py") -> list[tuple]:
    return [(f.kind, f.line, f.column, f.data.fields()) for f in _run(collector, code, path).facts]  # type: ignore[attr-defined]


# -- helpers against libcst --------------------------------------------------------------------
@pytest.mark.parametrize("code", ['"a"', "'it''s'", '"a" "b"', '"a" f"b"', 'f"{d[\'k\']}/x.pid"', '"""x"""',
                                  'f"a" f"b"', "b'x' b'y'", '("a"\n "b")'])
def test_one_literal_is_libcsts_simple_or_formatted_string(code: str) -> None:
    node = ast.parse(code, mode="eval").body
    expected = isinstance(cst.parse_expression(code), (cst.SimpleString, cst.FormattedString))
    assert one_literal(ast.get_source_segment(code, node) or "") is expected


@pytest.mark.parametrize("code", ["f(a, *b, k=c, **d)", "f(k=a, *b)", "f(*a, b)", "f()", "f(a, k=b)"])
def test_call_arguments_in_libcsts_order(code: str) -> None:
    call = ast.parse(code, mode="eval").body
    expected = [cst.Module([]).code_for_node(a.value) for a in cst.parse_expression(code).args]
    assert [ast.unparse(a) for a in argument_values(call)] == expected


@pytest.mark.parametrize(("code", "pick", "expected"), [
    ("(app).run()", lambda t: t.func.value, "(app)"),
    ("( app ).run()", lambda t: t.func.value, "( app )"),
    ("app.run()", lambda t: t.func.value, "app"),
    ("(app.run)(port=1)", lambda t: t.func, "(app.run)"),
    ("f(x)", lambda t: t.args[0], "x"),
    ("f((x))", lambda t: t.args[0], "(x)"),
    ("f((x), y)", lambda t: t.args[0], "(x)"),
    ("f(k=(x))", lambda t: t.keywords[0].value, "(x)"),
    ("(\n  # a comment\n  x  # another\n)", lambda t: t, "(\n  # a comment\n  x  # another\n)"),
    ("(\r\n  x\r\n).y", lambda t: t.value, "(\n  x\n)"),
])
def test_cst_source_keeps_the_parentheses_libcst_made_part_of_a_node(code: str, pick, expected: str) -> None:
    text = f"z = {code}\n"
    tree = ast.parse(text)
    file = PythonFile(path="a.py", text=text, role="src", tree=tree, semantic=SemanticModel(tree, text))
    assert CstSource(file)(pick(tree.body[0].value)) == expected


# -- PortFacts ---------------------------------------------------------------------------------
def test_call_graph_scopes_as_the_libcst_traversal_counted_them() -> None:
    facts = _facts(PortFacts, """
        import uvicorn
        from web import serve

        @app.get(route())
        def index(default=make()):
            helper()

        if __name__ == "__main__":
            serve()
        else:
            fallback()
        if __name__ != "__main__":
            other()
    """)
    graph = facts[-1]
    assert graph[0] == "call-graph"
    assert graph[3]["calls"] == {"index": ["get", "helper", "make", "route"], "<main>": ["fallback", "other", "serve"]}
    assert graph[3]["imported"] == {"<main>": ["web.serve"]}


def test_binds_env_reads_and_their_literals() -> None:
    facts = _facts(PortFacts, """
        import os
        from flask import Flask

        HOST = "0.0.0.0"
        app = Flask(__name__)

        @click.option("--port", default=os.getenv("CLI_PORT"))
        def main(port):
            os.environ["APP_PORT"]
            os.getenv("NOT" "_PORT")
            app.run(host=HOST, port=5000)
            (app).run(port=port)
            other.run(port=1)
    """)
    reads = [(f[1], f[3]["name"]) for f in facts if f[0] == "port-env-read"]
    assert reads == [(7, "CLI_PORT"), (9, "APP_PORT")]  # source order: the decorator first
    binds = [(f[1], f[3]["via"], f[3]["host"], f[3]["port"]) for f in facts if f[0] == "bind"]
    assert binds == [(11, "Flask app.run()", "0.0.0.0", 5000), (12, "(app).run()", None, "env"),
                     (13, "other.run()", None, 1)]


# -- DaemonFacts -------------------------------------------------------------------------------
def test_pid_files_and_detaching() -> None:
    facts = _facts(DaemonFacts, """
        import os

        PID = "/run/app.pid"
        NOT_ONE = "/run/" "app.pid"
        NOR_THIS = (
            "/run/app.pid"
        )

        def detach():
            if os.fork():
                return
            os.setsid()
            open(file=PID, mode="w")
            open(NOT_ONE, "w")
            open(NOR_THIS, "w")
            Path(os.path.join(os.getcwd(), "app.pid")).write_text("1")

        def split(a=os.fork()):
            os.setsid()
    """)
    assert [(kind, line) for kind, line, _, _ in facts] == [("pid-file", 13), ("pid-file", 16), ("daemonize", 12),
                                                            ("daemonize", 19)]  # each def's pair at its end


def test_gunicorn_daemon_only_at_module_level() -> None:
    code = "daemon = True\ndef on_starting(server):\n    daemon = True\n"
    assert [f[1] for f in _facts(DaemonFacts, code, "gunicorn.conf.py")] == [1]
    assert _facts(DaemonFacts, code, "settings.py") == []


# -- ImportTimeWork ----------------------------------------------------------------------------
def test_import_time_calls_one_fact_per_line_of_simple_statements() -> None:
    facts = _facts(ImportTimeWork, """
        import time
        from transformers import pipeline
        from . import sibling

        a = pipeline("a"); time.sleep(1)
        if ready: pipeline("b"); time.sleep(2)
        @register(pipeline("c"))
        class Model:
            loaded = pipeline("d")

        def later(model=pipeline("e")):
            pipeline("f")
        while True:
            pipeline("g")
        if __name__ == "__main__":
            pipeline("h")
        else:
            pipeline("i")
    """, "pkg/app.py")
    assert [(f[0], f[1], f[3].get("calls")) for f in facts] == [
        ("import-time-call", 5, ["transformers.pipeline", "time.sleep"]),
        ("import-time-call", 6, ["transformers.pipeline"]),
        ("import-time-call", 6, ["time.sleep"]),
        ("import-time-call", 7, ["transformers.pipeline"]),
        ("import-time-call", 9, ["transformers.pipeline"]),
        ("module-imports", 1, None),
    ]
    assert facts[-1][3] == {"exact": ["pkg", "pkg/sibling"], "absolute": ["time", "transformers", "transformers/pipeline"]}


# -- TFA0802 -----------------------------------------------------------------------------------
def test_schedulers_compare_as_libcst_printed_them() -> None:
    rule = _run(BackgroundWorkInWebProcess, """
        from apscheduler.schedulers.background import BackgroundScheduler
        from flask import Flask

        app = Flask(__name__)
        scheduler = BackgroundScheduler()
        scheduler.start()
        (scheduler).start()
    """)
    assert [f.line for f in rule.findings] == [6]  # type: ignore[attr-defined]
