"""Shell scripts (``start.sh``, ``docker-entrypoint.sh``): the simple commands they run, parsed
with tree-sitter-bash.

Why tree-sitter-bash: it is the grammar editors and GitHub's code navigation use for bash, so it
knows the whole language (functions, ``case``, ``[[ ]]``, here-documents, arithmetic, arrays)
that a hand-written splitter or bashlex (GPL-3, and it raises on many real scripts) gets wrong;
its parser is error-tolerant C, linear in the input, so a hostile or half-written script still
yields the commands it can read, with an ERROR node where it cannot, and never raises. Nothing
is ever run: the tree is read, and only plain data leaves this module (it crosses processes).

The model is what rules about a process's start need: every simple command in the order the
script runs it, with whether it is started by ``exec`` (the shell is replaced), sent to the
background with ``&``, nested in a condition or loop; the functions the script calls (their
bodies are read at the call, once); the signals it traps; and the commands that can be the last
one the script runs (``final``), which decide whether the shell stays PID 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from tfa_lint.model import Artifact, FileKind

#: Shells whose scripts this module reads (the shebang of a file without a ``.sh`` suffix).
_SHEBANG_RE = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|da|a|k|z)?sh\b")
#: Builtins that end the script: skipped when looking for the script's last command.
_ENDINGS = {"exit", "return"}
#: Statements that hold other statements; the value is the children that are run in sequence.
_BODIES = {"program", "compound_statement", "subshell", "do_group", "else_clause", "elif_clause"}
_CONDITIONAL = {"if_statement", "elif_clause", "else_clause", "case_statement", "case_item",
                "while_statement", "for_statement", "c_style_for_statement", "do_group"}
#: Deeper than this the script is not read further (tree-sitter keeps the tree; this bounds the walk).
_MAX_DEPTH = 200
#: A start script has tens of commands; past this many the rest of a (generated or hostile) file is not read.
MAX_STEPS = 5000
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_ESCAPE_RE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class ShellStep:
    """One simple command of a script, as the shell runs it."""

    line: int
    column: int  # 1-based character column of the command's first word
    words: tuple[str, ...]  # quotes removed from literal parts; expansions kept as written (`$PORT`)
    exec: bool  # started by `exec`: the program replaces the shell
    background: bool  # followed by `&`: the shell does not wait for it
    conditional: bool  # in an `if`/`case` branch, a loop, or after `&&`/`||`
    function: str | None  # the script function it is in (read where the function is called)
    variables: tuple[str, ...]  # variables its words expand (`$DB_PASSWORD`, `${TOKEN}`)
    final: bool  # one of the commands the script can end with
    output: str = "log"  # where its standard output goes: "log" (the process's), "file" or "pipe"
    #: a statement of the script itself (perhaps redirected), or the last command of such an `&&`/`||`
    #: list: not in a pipeline, subshell, group, branch, loop or function, so `exec` before it
    #: replaces the script's own shell
    top_level: bool = False

    @property
    def program(self) -> tuple[str, ...]:
        """The words from the program on: `VAR=x` prefixes and `exec` left out."""
        words = list(self.words)
        while words and (_ASSIGNMENT_RE.match(words[0]) or words[0] == "exec"):
            words.pop(0)
        return tuple(words)


@dataclass(frozen=True)
class ShellScript(Artifact):
    steps: tuple[ShellStep, ...] = ()
    traps: frozenset[str] = frozenset()  # signals a `trap` names (TERM, INT, EXIT…), upper case, no SIG
    is_shell: bool = True  # False for a file named like a script whose shebang is another language
    unreadable: tuple[int, ...] = field(default=())  # lines tree-sitter could not parse
    too_deep: int = 0  # the first line nested too deeply to be read, if any
    truncated: int = 0  # the first line left unread because the script has too many commands

    def problems(self) -> list[str]:
        deep = [f"line {self.too_deep}: commands nested more than {_MAX_DEPTH} deep: not read"] if self.too_deep else []
        if self.truncated:
            deep.append(f"line {self.truncated}: more than {MAX_STEPS} commands: the rest is not read")
        return deep + [f"line {n}: shell syntax not understood: read past" for n in self.unreadable]


def parse(path: str, text: str) -> ShellScript:
    data = text.encode("utf-8", "surrogatepass")
    if not path.endswith((".sh", ".bash")) and not _SHEBANG_RE.match(data):
        return ShellScript(path=path, kind=FileKind.SHELL, text=text, is_shell=False)
    tree = _parser().parse(data)
    reader = _Reader(data)
    reader.read(tree.root_node)
    return ShellScript(path=path, kind=FileKind.SHELL, text=text, steps=tuple(reader.steps),
                       traps=frozenset(reader.traps), unreadable=tuple(sorted(reader.unreadable)),
                       too_deep=reader.too_deep, truncated=reader.truncated)


def _parser():  # type: ignore[no-untyped-def]
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_bash

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))
    return _PARSER


_PARSER = None


@dataclass(frozen=True)
class _Where:
    """Where a statement sits: what every command under it inherits."""

    conditional: bool = False
    function: str | None = None
    background: bool = False
    output: str = "log"
    top_level: bool = False  # a statement of the script's own body (see ShellStep.top_level)


#: Destinations that are still the process's own output stream.
_STREAMS = ("/dev/stdout", "/dev/stderr", "/proc/1/fd/1", "/proc/1/fd/2", "/proc/self/fd/1", "/proc/self/fd/2")
_STDOUT_REDIRECT_RE = re.compile(r"^(1?>>?|&>>?|>\|)\s*(?P<to>\S+)")


def _sends_stdout_to_file(redirect: str) -> bool:
    """`> out.log`, `>> f`, `&> /dev/null`: standard output no longer reaches the log."""
    match = _STDOUT_REDIRECT_RE.match(redirect.strip())
    return bool(match) and not match.group("to").startswith("&") and match.group("to").strip("\"'") not in _STREAMS


class _Reader:
    """Walks the tree once, in execution order, inlining the bodies of called functions."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.steps: list[ShellStep] = []
        self.traps: set[str] = set()
        self.unreadable: set[int] = set()
        self.too_deep = 0  # the first line nested deeper than the walk goes, if any
        self.truncated = 0  # the first line not read because the script has too many commands
        self.functions: dict[str, object] = {}
        self._inlined: set[str] = set()
        self._finals: set[int] = set()  # ids of command nodes that can end the script

    def read(self, root) -> None:  # type: ignore[no-untyped-def]
        for node in _all_of(root, "function_definition"):
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                self.functions.setdefault(self._text(name), body)
        self._mark_finals(root, 0)
        self._statements(root, _Where(), depth=0)

    # -- which commands can end the script --------------------------------------------------

    def _mark_finals(self, node, depth: int) -> None:  # type: ignore[no-untyped-def]
        if depth > _MAX_DEPTH:
            return
        kind = node.type
        if kind in _BODIES:
            last = next((c for c in reversed(_statements_of(node)) if not self._is_ending(c)), None)
            if last is not None:
                self._mark_finals(last, depth + 1)
        elif kind == "redirected_statement":
            inner = node.child_by_field_name("body") or (node.named_children[0] if node.named_children else None)
            if inner is not None:
                self._mark_finals(inner, depth + 1)
        elif kind in ("list", "pipeline"):
            if node.named_children:
                self._mark_finals(node.named_children[-1], depth + 1)
        elif kind == "if_statement":
            for child in node.named_children:
                if child.type in ("elif_clause", "else_clause"):
                    self._mark_finals(child, depth + 1)
            consequence = [c for c in _statements_of(node) if c.type not in ("elif_clause", "else_clause")]
            if len(consequence) > 1:  # the first is the condition
                self._mark_finals(consequence[-1], depth + 1)
        elif kind == "case_statement":
            for item in node.named_children:
                if item.type == "case_item":
                    body = [c for c in _statements_of(item)][1:]  # the first is the pattern
                    if body:
                        self._mark_finals(body[-1], depth + 1)
        elif kind in ("while_statement", "for_statement", "c_style_for_statement"):
            # a final loop (`while true; do python worker.py; done`) may be in any of its commands
            # when the script is stopped: each of them is final
            self._finals |= {n.id for n in _all_of(node, "command")}
        elif kind == "command":
            self._finals.add(node.id)
            called = self.functions.get(self._command_name(node))
            if called is not None:
                self._mark_finals(called, depth + 1)

    def _is_ending(self, node) -> bool:  # type: ignore[no-untyped-def]
        return node.type == "command" and self._command_name(node) in _ENDINGS

    # -- commands in execution order ------------------------------------------------------

    def _statements(self, node, where: _Where, depth: int) -> None:  # type: ignore[no-untyped-def]
        children = node.children
        for index, child in enumerate(children):
            if self.truncated:
                return
            if child.type == "ERROR":
                self.unreadable.add(child.start_point[0] + 1)
            if not child.is_named:
                continue
            background = index + 1 < len(children) and children[index + 1].type == "&"
            self._statement(child, replace(where, background=background, top_level=node.type == "program"), depth + 1)

    def _statement(self, node, where: _Where, depth: int) -> None:  # type: ignore[no-untyped-def]
        if depth > _MAX_DEPTH:
            self.too_deep = self.too_deep or node.start_point[0] + 1
            return
        kind = node.type
        if kind not in ("command", "redirected_statement", "list"):
            where = replace(where, top_level=False)  # a pipeline, subshell, group, branch or loop
        if kind == "command":
            self._command(node, where, depth)
        elif kind in ("function_definition", "comment", "command_substitution", "heredoc_body"):
            return  # a function runs where it is called; a substitution only computes a value
        elif kind == "list":
            # `a && b`: b runs only if a succeeds; the first command always runs. The last command of a
            # top-level list is the script's own statement still: an `exec` before it replaces the shell.
            children = node.named_children
            for position, child in enumerate(children):
                self._statement(child, replace(where, conditional=where.conditional or position > 0,
                                               top_level=where.top_level and position == len(children) - 1),
                                depth + 1)
        elif kind == "pipeline":
            # every command but the last writes into the next one, not to the log
            commands = node.named_children
            for position, child in enumerate(commands):
                output = where.output if position == len(commands) - 1 else "pipe"
                self._statement(child, replace(where, output=output), depth + 1)
        elif kind in ("redirected_statement", "negated_command"):
            output = "file" if any(_sends_stdout_to_file(self._text(c)) for c in node.named_children
                                   if c.type == "file_redirect") else where.output
            for child in node.named_children:
                if child.type not in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                    self._statement(child, replace(where, output=output), depth + 1)
        elif kind == "if_statement":
            for position, child in enumerate(node.named_children):
                # the condition runs every time; the branches only sometimes
                self._statement(child, replace(where, conditional=where.conditional or position > 0,
                                               background=False), depth + 1)
        elif kind in _CONDITIONAL or kind in _BODIES:
            self._statements(node, replace(where, conditional=where.conditional or kind in _CONDITIONAL), depth)
        elif kind == "ERROR":
            self.unreadable.add(node.start_point[0] + 1)

    def _command(self, node, where: _Where, depth: int) -> None:  # type: ignore[no-untyped-def]
        words: list[str] = []
        variables: list[str] = []
        for child in node.named_children:
            if child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                continue
            words.append(self._text(child) if child.type == "variable_assignment" else self._word(child))
            variables += self._variables(child)
        if not words:
            return
        if len(self.steps) >= MAX_STEPS:
            self.truncated = self.truncated or node.start_point[0] + 1
            return
        name_at = _name_index(words)
        is_exec = name_at is not None and words[name_at] == "exec"
        step = ShellStep(line=node.start_point[0] + 1, column=self._column(node), words=tuple(words), exec=is_exec,
                         background=where.background, conditional=where.conditional, function=where.function,
                         variables=tuple(dict.fromkeys(variables)), final=node.id in self._finals, output=where.output,
                         top_level=where.top_level)
        self.steps.append(step)
        name = step.program[0] if step.program else ""
        if name == "trap":
            self.traps |= {_signal(word) for word in step.program[2:]}
        called = self.functions.get(name)
        if called is not None and name not in self._inlined:
            self._inlined.add(name)  # read a function's body once, where it is first called
            self._statement(called, replace(where, function=name), depth + 1)

    # -- text ---------------------------------------------------------------------------------

    def _text(self, node) -> str:  # type: ignore[no-untyped-def]
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def _word(self, node) -> str:  # type: ignore[no-untyped-def]
        """A word as the program receives it where it is literal: quotes removed, expansions as written."""
        kind = node.type
        if kind == "command_name":
            return "".join(self._word(c) for c in node.named_children) or self._text(node)
        if kind == "raw_string":
            return self._text(node)[1:-1]
        if kind == "string":
            return self._text(node)[1:-1]
        if kind == "concatenation":
            return "".join(self._word(c) for c in node.children)
        if kind == "word":
            text = self._text(node)
            return _ESCAPE_RE.sub(r"\1", text) if "\\" in text else text
        return self._text(node)

    def _variables(self, node) -> list[str]:  # type: ignore[no-untyped-def]
        found: list[str] = []
        todo = [node]
        while todo:
            current = todo.pop()
            if current.type in ("simple_expansion", "expansion"):
                name = next((c for c in current.named_children if c.type == "variable_name"), None)
                if name is not None:
                    found.append(self._text(name))
            if current.type != "command_substitution":
                todo += reversed(current.named_children)  # popped from the end: in source order
        return found

    def _column(self, node) -> int:  # type: ignore[no-untyped-def]
        row, byte_column = node.start_point
        line_start = node.start_byte - byte_column
        return len(self.data[line_start:node.start_byte].decode("utf-8", "replace")) + 1

    def _command_name(self, node) -> str:  # type: ignore[no-untyped-def]
        name = node.child_by_field_name("name")
        return self._word(name) if name is not None else ""


def _name_index(words: list[str]) -> int | None:
    """The index of the command's name: the first word that is not a `VAR=value` prefix."""
    for index, word in enumerate(words):
        if not _ASSIGNMENT_RE.match(word):
            return index
    return None


def _statements_of(node) -> list:  # type: ignore[no-untyped-def]
    """The statements a body runs: function definitions only define, comments do nothing."""
    return [c for c in node.named_children if c.type not in ("comment", "heredoc_body", "function_definition")]


def _all_of(root, kind: str) -> list:  # type: ignore[no-untyped-def]
    """Every node of one kind under ``root``, found by a tree-sitter query (in C, however deep)."""
    import tree_sitter

    query = _QUERIES.get(kind)
    if query is None:
        query = _QUERIES[kind] = tree_sitter.Query(_parser().language, f"({kind}) @node")
    return tree_sitter.QueryCursor(query).captures(root).get("node", [])


_QUERIES: dict = {}


def _signal(word: str) -> str:
    word = word.upper()
    return {"15": "TERM", "2": "INT", "0": "EXIT", "1": "HUP"}.get(word, word.removeprefix("SIG"))
