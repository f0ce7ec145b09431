"""The collectors and TFA0103, moved from libcst to ``ast``, record what the libcst versions
recorded: the facts and findings below are what they gave at a471f1f on these files (implicit
concatenation, f-strings, decorators and defaults, elif chains, parenthesised tests, names in
every position, backslash continuations, a form feed, non-ASCII columns)."""

from __future__ import annotations

import pytest

from tfa_lint.analysis import analyze_file
from tfa_lint.model import FileKind
from tfa_lint.rule import RuleSet
from tfa_lint.rules.codebase.tfa0103_environment_name_branch import EnvironmentNameBranch
from tfa_lint.rules.facts.manifests import ImportFacts
from tfa_lint.rules.facts.modules import ModuleGraphFacts
from tfa_lint.rules.facts.processes import ProcessFacts
from tfa_lint.rules.facts.projects import ProjectFacts
from tfa_lint.rules.facts.runtime_installs import RuntimeInstallFacts
from tfa_lint.rules.facts.top_level_names import TopLevelNames


class _Rules(RuleSet):
    """Every collector of this change, and TFA0103."""

    @property
    def collectors(self) -> list:  # type: ignore[override]
        return [ProcessFacts, ProjectFacts, ModuleGraphFacts, ImportFacts, TopLevelNames, RuntimeInstallFacts]


RULES = _Rules(python=[EnvironmentNameBranch])

SOURCES = {
    'pkg/server.py': """\
import os, signal, subprocess, sys
import importlib
from importlib import import_module
from flask import Flask
from fastapi import FastAPI
import uvicorn
from signal import SIGTERM as TERM

app = Flask(__name__)
api = (FastAPI())
mod = import_module(name="pkg.tasks")
mod2 = importlib.import_module(*["pkg.x"])
mod3 = __import__("pkg" ".y")
path = "pkg" ".main:app"
cmd = "python " "-m pkg.job"
fcmd = "python -m pkg.a" f"{x}"
weird = f"pkg.fmain:{x}" "pkg.z"
nested = f"{d['pkg.inner']}"
bs = b"pkg.bytes"
spec = f"{x:{'pkg.spec'}}"
tcmd = f"python {'-m pkg.q'}"

def decorated(f):
    return f

@decorated(uvicorn.run)
def serve(x=print("pkg.default")):
    uvicorn.run(api)

async def worker():
    while True:
        await something()
    async for x in y:
        break

def loopy():
    while running:
        def inner():
            return 1
        inner()

def loopy2():
    while not self.stop:
        for i in x:
            return 5

def loopy3():
    while 1:
        input("?")

def caller():
    loopy()

if __name__ != "__main__":
    loopy()
else:
    serve()

if __name__ == "__main__":
    caller()
    app.run()
elif x:
    pass

try:
    while True:
        pass
except (errors.KeyboardInterrupt, ValueError):
    pass

try:
    while 1:
        pass
except KeyboardInterrupt:
    pass

signal.signal(signal.SIGINT, handler)
loop.run_forever()
""",
    'pkg/order.py': """\
from fastapi import FastAPI
from flask import Flask
import uvicorn, signal

def make(x=FastAPI(), *, y=Flask("b")):
    pass

@register(FastAPI(title="deco"))
def handler(a=signal.signal(1, 2)):
    signal.signal(3, 4)
    return {uvicorn.run(FastAPI()): 1, "k": Flask("c")}

class Service:
    app = FastAPI()
    def start(self):
        uvicorn.run(self.app)
    start2 = lambda self: uvicorn.run(self.app)

server = create_app()
socketio.run(server)
server.run()
x = Flask("d") if uvicorn.run(1) else FastAPI()
f(k=Flask("e"), *[FastAPI()])

if __name__ == "__main__":
    def main():
        uvicorn.run("m:app")
    main()
    while True:
        pass
    signal.signal(signal.SIGTERM, h)
""",
    'pkg/cli.py': """\
import subprocess, os, sys, asyncio
import pip

def install():
    subprocess.run("pip " "install foo", shell=True)
    subprocess.run(f"pip install \\"{pkg}\\"", shell=True)
    subprocess.run(["apt-get", "install", "-y", f"{pkg}"])
    subprocess.run(f"apt-get install -y \\"{pkg}\\"", shell=True)
    subprocess.run("" "pip install x")
    subprocess.call(cmd=["pip", "install", *extra])
    subprocess.check_call(args="git clone https://github.com/x/y.git", cwd="/tmp")
    os.system("git " f"clone {url}.git")
    os.system(f"git clone {{}}https://example.com/x.git")
    asyncio.create_subprocess_exec("npm", "install", *rest)
    pip.main(["install", "requests"])
    pip.main(args=["install", "x"])
    subprocess.run(f"pip\\tinstall x")
    subprocess.run(f"npm i {x}" " && echo")
""",
    'setup.py': """\
from setuptools import setup, find_packages
reqs = open("requirements" ".txt").read()
dev = open(f"requirements-{env}.txt")
other = "dev-requirements.in"
setup(
    name="edge" "pkg",
    version="1",
    install_requires=["a", "b" "c", *"de"],
    extras_require={"x": ["y"], **more},
    entry_points={"console_scripts": ["edge=edge.cli:main", f"{n}=edge.cli:main", "e2" "=edge:main"], "x": [f"{'q=a:b'}"]},
    packages=find_packages(),
)
""",
    'pkg/imports.py': """\
import requests
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import numpy
else:
    import pandas
try:
    import yaml
except mod.ImportError:
    import toml
if config.is_windows:
    import winreg
elif sys.platform == "darwin":
    import appkit
if f(is_linux=True):
    import linuxonly
def f():
    import lazy_one
class C:
    import cls_level
try:
    import tomli
except* ImportError:
    pass
import  os . path
from . import sibling
from .. parent import thing
""",
    'pkg/defs.py': """\
def \\
  cont():
    pass

class \\
   Klass:
    pass

async def af():
    pass
\x0c
def after_ff():
    "é"
    x = "ü"; app = __import__("pkg.ü")
""",
    'pkg/envs.py': """\
import os
from openai import OpenAI
ENV = os.getenv("ENV", "dev").lower()
if (ENV == "prod"):
    url = "https://prod.example.com"
elif ENV == "staging":
    url = "https://staging.example.com"
else:
    url = "http://localhost:8000"
if ENV == "prod":
    pass
else:
    if ENV == "dev":
        model = "gpt-4o"
    else:
        model = "gpt-4o-mini"
if not (os.environ["APP_ENV"] in ("dev", "local")) or x:
    client = OpenAI()
if ( ENV != "production" ) and (os.getenv(key="STAGE") == "prod"):
    base = f"http://localhost:8000/{p}"
else:
    base = "https://api.example.com/" f"{p}"
config = {"model": "gpt-4o"} if ENV == "prod" else {"model": "llama3", **extra}
host = "db.internal" if settings.ENVIRONMENT == "prod" else "localhost"
if ENV == "prod":
    cfg = dict(base_url="https://x.example.com", debug_url="https://debug.example.com")
    f"{'https://inner.example.com'}"
    d = {"host": "a.example.com"}
    os.environ["OPENAI_BASE_URL"] = "https://proxy.example.com"
""",
}

#: TFA0103's message.
def _branch(shown: str, what: str) -> str:
    return (f"Code branches on the environment name (`{shown}`) to pick {what}: read that value from an "
            "environment variable each deploy sets (e.g. `DATABASE_URL`, `MODEL`) and run the same code everywhere")


#: What the libcst collectors and rule gave: [kind, line, column, data] and
#: [rule, line, column, end line, end column, message].
EXPECTED = {
    'pkg/server.py': (
        [['app', 9, 7, {'framework': 'flask'}],
         ['app', 10, 8, {'framework': 'fastapi'}],
         ['main-guard', 54, 1, {}],
         ['main-guard', 59, 1, {}],
         ['sigterm-handler', 77, 1, {}],
         ['server-run',
          28,
          5,
          {'handles_sigterm': True, 'reachable': True, 'runner': 'uvicorn.run', 'scope': 'serve'}],
         ['loop', 31, 5, {'how': 'while loop', 'reachable': False, 'scope': 'worker'}],
         ['loop', 37, 5, {'how': 'while loop', 'reachable': True, 'scope': 'loopy'}],
         ['server-run',
          61,
          5,
          {'handles_sigterm': False, 'reachable': True, 'runner': 'app.run()', 'scope': '<main>'}],
         ['loop', 66, 5, {'how': 'while loop', 'reachable': True, 'scope': '<module>'}],
         ['loop', 72, 5, {'how': 'while loop', 'reachable': True, 'scope': '<module>'}],
         ['server-run',
          78,
          1,
          {'handles_sigterm': False, 'reachable': True, 'runner': 'run_forever', 'scope': '<module>'}],
         ['module-graph',
          1,
          1,
          {'imports': ['fastapi',
                       'fastapi.FastAPI',
                       'flask',
                       'flask.Flask',
                       'importlib',
                       'importlib.import_module',
                       'os',
                       'pkg.a',
                       'pkg.default',
                       'pkg.inner',
                       'pkg.spec',
                       'pkg.tasks',
                       'pkg.x',
                       'pkg.z',
                       'signal',
                       'signal.SIGTERM',
                       'subprocess',
                       'sys',
                       'uvicorn'],
           'interrupted_loops': [66, 72],
           'loads_files': False,
           'relative': []}],
         ['import', 4, 1, {'lazy': False, 'module': 'flask', 'optional': False}],
         ['import', 5, 1, {'lazy': False, 'module': 'fastapi', 'optional': False}],
         ['import', 6, 1, {'lazy': False, 'module': 'uvicorn', 'optional': False}],
         ['top-level-names',
          1,
          1,
          {'names': {'caller': 51,
                     'decorated': 23,
                     'loopy': 36,
                     'loopy2': 42,
                     'loopy3': 47,
                     'serve': 27,
                     'worker': 30}}]],
        []),
    'pkg/order.py': (
        [['app', 5, 12, {'framework': 'fastapi'}],
         ['app', 5, 28, {'framework': 'flask'}],
         ['app', 8, 11, {'framework': 'fastapi'}],
         ['app', 11, 25, {'framework': 'fastapi'}],
         ['app', 11, 45, {'framework': 'flask'}],
         ['app', 14, 11, {'framework': 'fastapi'}],
         ['app', 22, 5, {'framework': 'flask'}],
         ['app', 22, 39, {'framework': 'fastapi'}],
         ['app', 23, 5, {'framework': 'flask'}],
         ['app', 23, 19, {'framework': 'fastapi'}],
         ['main-guard', 25, 1, {}],
         ['sigterm-handler', 9, 15, {}],
         ['server-run',
          11,
          13,
          {'handles_sigterm': True, 'reachable': False, 'runner': 'uvicorn.run', 'scope': 'handler'}],
         ['server-run',
          16,
          9,
          {'handles_sigterm': True, 'reachable': False, 'runner': 'uvicorn.run', 'scope': 'start'}],
         ['server-run',
          17,
          27,
          {'handles_sigterm': True, 'reachable': True, 'runner': 'uvicorn.run', 'scope': '<module>'}],
         ['server-run',
          20,
          1,
          {'handles_sigterm': False, 'reachable': True, 'runner': 'socketio.run()', 'scope': '<module>'}],
         ['server-run',
          21,
          1,
          {'handles_sigterm': False, 'reachable': True, 'runner': 'server.run()', 'scope': '<module>'}],
         ['server-run',
          22,
          19,
          {'handles_sigterm': True, 'reachable': True, 'runner': 'uvicorn.run', 'scope': '<module>'}],
         ['server-run',
          27,
          9,
          {'handles_sigterm': True, 'reachable': True, 'runner': 'uvicorn.run', 'scope': '<main>'}],
         ['loop', 29, 5, {'how': 'while loop', 'reachable': True, 'scope': '<main>'}],
         ['module-graph',
          1,
          1,
          {'imports': ['fastapi', 'fastapi.FastAPI', 'flask', 'flask.Flask', 'm', 'signal', 'uvicorn'],
           'interrupted_loops': [],
           'loads_files': False,
           'relative': []}],
         ['import', 1, 1, {'lazy': False, 'module': 'fastapi', 'optional': False}],
         ['import', 2, 1, {'lazy': False, 'module': 'flask', 'optional': False}],
         ['import', 3, 1, {'lazy': False, 'module': 'uvicorn', 'optional': False}],
         ['top-level-names', 1, 1, {'names': {'Service': 13, 'handler': 9, 'make': 5}}]],
        []),
    'pkg/cli.py': (
        [['module-graph',
          1,
          1,
          {'imports': ['asyncio', 'os', 'pip', 'subprocess', 'sys'],
           'interrupted_loops': [],
           'loads_files': False,
           'relative': []}],
         ['import', 2, 1, {'lazy': False, 'module': 'pip', 'optional': False}],
         ['top-level-names', 1, 1, {'names': {'install': 4}}],
         ['runtime-install', 5, 5, {'via': 'subprocess.run', 'what': 'pip install'}],
         ['runtime-install', 6, 5, {'via': 'subprocess.run', 'what': 'pip install'}],
         ['runtime-install', 8, 5, {'via': 'subprocess.run', 'what': 'apt-get install'}],
         ['runtime-install', 9, 5, {'via': 'subprocess.run', 'what': 'pip install'}],
         ['runtime-install', 10, 5, {'via': 'subprocess.call', 'what': 'pip install'}],
         ['runtime-install', 11, 5, {'via': 'subprocess.check_call', 'what': 'git clone'}],
         ['runtime-install', 14, 5, {'via': 'asyncio.create_subprocess_exec', 'what': 'npm install'}],
         ['runtime-install', 15, 5, {'via': 'pip.main', 'what': 'pip install'}],
         ['runtime-install', 16, 5, {'via': 'pip.main', 'what': 'pip install'}],
         ['runtime-install', 18, 5, {'via': 'subprocess.run', 'what': 'npm i'}]],
        []),
    'setup.py': (
        [['setup-call',
          5,
          1,
          {'keywords': ['entry_points', 'extras_require', 'install_requires', 'name', 'packages', 'version'],
           'name': 'edgepkg',
           'reads': ['dev-requirements.in'],
           'scripts': ['e2', 'edge', 'q']}],
         ['module-graph',
          1,
          1,
          {'imports': ['setuptools', 'setuptools.find_packages', 'setuptools.setup'],
           'interrupted_loops': [],
           'loads_files': False,
           'relative': []}],
         ['import', 1, 1, {'lazy': False, 'module': 'setuptools', 'optional': False}],
         ['setup-requires', 5, 1, {'dynamic': True, 'requirements': []}],
         ['setup-requires', 5, 1, {'dynamic': True, 'requirements': []}]],
        []),
    'pkg/imports.py': (
        [['module-graph',
          1,
          1,
          {'imports': ['appkit',
                       'cls_level',
                       'lazy_one',
                       'linuxonly',
                       'numpy',
                       'os.path',
                       'pandas',
                       'requests',
                       'toml',
                       'tomli',
                       'typing',
                       'typing.TYPE_CHECKING',
                       'winreg',
                       'yaml'],
           'interrupted_loops': [],
           'loads_files': False,
           'relative': ['parent', 'parent/thing', 'pkg', 'pkg/sibling']}],
         ['import', 1, 1, {'lazy': False, 'module': 'requests', 'optional': False}],
         ['import', 4, 5, {'lazy': False, 'module': 'numpy', 'optional': True}],
         ['import', 6, 5, {'lazy': False, 'module': 'pandas', 'optional': True}],
         ['import', 8, 5, {'lazy': False, 'module': 'yaml', 'optional': True}],
         ['import', 10, 5, {'lazy': False, 'module': 'toml', 'optional': True}],
         ['import', 14, 5, {'lazy': False, 'module': 'appkit', 'optional': True}],
         ['import', 16, 5, {'lazy': False, 'module': 'linuxonly', 'optional': True}],
         ['import', 18, 5, {'lazy': True, 'module': 'lazy_one', 'optional': False}],
         ['import', 20, 5, {'lazy': False, 'module': 'cls_level', 'optional': False}],
         ['import', 22, 5, {'lazy': False, 'module': 'tomli', 'optional': False}],
         ['import', 25, 1, {'lazy': False, 'module': 'os . path', 'optional': False}],
         ['top-level-names', 1, 1, {'names': {'C': 19, 'f': 17}}]],
        []),
    'pkg/defs.py': (
        [['module-graph',
          1,
          1,
          {'imports': ['pkg.ü'], 'interrupted_loops': [], 'loads_files': False, 'relative': []}],
         ['top-level-names', 1, 1, {'names': {'Klass': 6, 'af': 9, 'after_ff': 12, 'cont': 2}}]],
        []),
    'pkg/envs.py': (
        [['module-graph',
          1,
          1,
          {'imports': ['a.example.com', 'db.internal', 'openai', 'openai.OpenAI', 'os'],
           'interrupted_loops': [],
           'loads_files': False,
           'relative': []}],
         ['import', 2, 1, {'lazy': False, 'module': 'openai', 'optional': False}]],
        [['TFA0103', 4, 5, 4, 18, _branch('(ENV == "prod")', 'a different URL')],
         ['TFA0103', 10, 4, 10, 17, _branch('ENV == "prod"', 'a different model')],
         ['TFA0103', 13, 8, 13, 20, _branch('ENV == "dev"', 'a different model')],
         ['TFA0103', 17, 4, 17, 56, _branch('(os.environ["APP_ENV"] in ("dev", "local"))', 'a different client')],
         ['TFA0103', 19, 4, 19, 66, _branch('( ENV != "production" )', 'a different URL')],
         ['TFA0103', 23, 33, 23, 46, _branch('ENV == "prod"', 'a different model')],
         ['TFA0103', 25, 4, 25, 17, _branch('ENV == "prod"', 'a different host and a different URL')]]),
}


@pytest.mark.parametrize("path", list(SOURCES))
def test_the_same_facts_and_findings_as_on_libcst(path: str) -> None:
    result = analyze_file(path, FileKind.PYTHON, SOURCES[path].encode("utf-8"), RULES)
    facts, findings = EXPECTED[path]
    assert result.diagnostics == []
    assert [[f.kind, f.line, f.column, f.data.fields()] for f in result.facts] == facts
    assert [[f.rule, f.line, f.column, f.end_line, f.end_column, f.message] for f in result.findings] == findings
