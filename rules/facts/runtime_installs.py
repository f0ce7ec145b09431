"""Installs and code fetches at run time: ``install_in`` reads a command line, and
``RuntimeInstallFacts`` records the subprocess and ``pip.main`` calls that install or fetch.
"""

from __future__ import annotations

import ast
import posixpath
import re
from dataclasses import dataclass

from tfa_lint.rule import AstCollector, FactData

from .ast_source import Source, call_arguments, fstring_text, literal_tokens, source

#: Installs and code fetches. Non-literal parts of a command are flattened to "{}".
_INSTALL_RE = re.compile(
    r"\b(?P<what>(?:uv\s+)?pip3?\s+install"
    r"|apt(?:-get)?\s+(?:-\S+\s+)*install"
    r"|apk\s+add"
    r"|npm\s+(?:install|i|ci)"
    r"|git\s+(?:clone|pull))\b"
)
_SUBPROCESS_CALLS = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen",
    "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec",
}
_PIP_MAIN = {"pip.main", "pip._internal.main", "pip._internal.cli.main.main"}
#: The command runs somewhere else (a sandbox container, a remote host): not this process's release.
_REMOTE_RE = re.compile(r"\b(docker|podman|kubectl)\s+(exec|run)\b|\bssh\s")
#: One-off installer modules by name (what setup.py/noxfile.py/tasks.py are to path_role).
_REPO_URL_RE = re.compile(r"://|^git@|\.git$")
_INSTALLER_FILE_RE = re.compile(r"^(install|installer|setup|bootstrap|build)(_\w+)?\.py$")


def _flatten(src: Source, node: ast.expr) -> str | None:
    """A command argument as text, non-literal parts as ``{}``; None when nothing is literal."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))):
        # Each literal as libcst read it (an f-string's text as written), joined from the right
        # as libcst nested an implicit concatenation: a part with no text of its own is "{}".
        parts = [(value if isinstance(value, str) else None) if value is not None else fstring_text(raw)
                 for raw, value in literal_tokens(src, node)]
        if not parts:  # an f-string the tokenizer could not split: its own parts
            return "".join(v.value if isinstance(v, ast.Constant) else "{}"
                           for v in node.values) if isinstance(node, ast.JoinedStr) else None
        text = parts[-1]
        for left in reversed(parts[:-1]):
            text = None if left is None and text is None else (left or "{}") + (text or "{}")
        return text
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _flatten(src, node.left), _flatten(src, node.right)
        return None if left is None and right is None else (left or "{}") + (right or "{}")
    if isinstance(node, (ast.List, ast.Tuple)):
        words = [_flatten(src, e) if not isinstance(e, ast.Starred) else None for e in node.elts]
        return None if all(w is None for w in words) else " ".join(w or "{}" for w in words)
    return None


def install_in(command: str, *, elsewhere: bool = False) -> str | None:
    """The install or fetch a command runs (``pip install``…), or None.

    ``git clone`` counts only with a literal source (cloning what a user asked for is the
    product, not a build step); ``git pull`` only when it runs in the process's own directory.
    """
    if _REMOTE_RE.search(command):
        return None
    for match in _INSTALL_RE.finditer(command):
        what = " ".join(match.group("what").split())
        if what.startswith("git clone"):
            rest = re.split(r"&&|\|\||;|\|", command[match.end():])[0].split()
            if not any(_REPO_URL_RE.search(w) and "{}" not in w and "$" not in w for w in rest):
                continue
        elif what.startswith("git pull") and (elsewhere or re.search(r"\bgit\s+-C\b", command)):
            continue
        elif what.startswith(("apt", "apk")):
            # `apt install -y {package}`: a system package named only at run time is one the user or
            # the agent asked for (a tool), not a dependency of this process.
            rest = re.split(r"&&|\|\||;|\|", command[match.end():])[0].split()
            if all(w == "{}" for w in rest if not w.startswith("-")):
                continue
        return what
    return None


@dataclass(frozen=True)
class RuntimeInstallFact(FactData):
    """A call that installs packages or fetches code while the program runs."""

    kind = "runtime-install"
    what: str  # the command, in short: "pip install"
    via: str  # the qualified name of the function called: "subprocess.run"


class RuntimeInstallFacts(AstCollector):
    """Subprocess calls and ``pip.main`` calls that install packages or fetch code."""

    name = "runtime-installs"
    records = (RuntimeInstallFact,)

    def visit_Call(self, node: ast.Call) -> None:
        if self.file.role != "src" or _INSTALLER_FILE_RE.match(posixpath.basename(self.file.path)):
            return
        names = self.qualified_names(node.func)
        src = source(self.file.text)
        arguments = call_arguments(node)
        if names & _PIP_MAIN:
            first = arguments[0].value if arguments else None
            text = _flatten(src, first) if first is not None else None
            if text and text.split()[:1] == ["install"]:
                self.record(RuntimeInstallFact(what="pip install", via=min(names & _PIP_MAIN)), node)
            return
        called = names & _SUBPROCESS_CALLS
        if not called:
            return
        positional = [a.value for a in arguments if a.keyword is None and a.star == ""]
        if "asyncio.create_subprocess_exec" in called:
            parts = [_flatten(src, value) for value in positional]
            text = None if all(p is None for p in parts) else " ".join(p or "{}" for p in parts)
        else:
            arg = next((k.value for k in node.keywords if k.arg in ("args", "cmd")),
                       positional[0] if positional else None)
            text = _flatten(src, arg) if arg is not None else None
        elsewhere = any(k.arg == "cwd" for k in node.keywords)
        what = install_in(text, elsewhere=elsewhere) if text else None
        if what:
            self.record(RuntimeInstallFact(what=what, via=min(called)), node)

    def leave_Module(self, node: ast.Module) -> None:
        self.facts.sort(key=lambda fact: (fact.line, fact.column))  # source order, as libcst met the calls
