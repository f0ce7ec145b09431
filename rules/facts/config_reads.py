"""Where code reads its configuration, and where the repository documents it.

``EnvReadFacts`` records environment reads (``os.environ[K]``, ``os.getenv(K)``,
``os.environ.get(K)``, pydantic ``BaseSettings`` fields) and literal model names passed to LLM
clients. ``documented_variables`` collects the names the repository tells an operator about:
``.env`` templates, compose ``environment`` keys and ``${VAR}`` references, Dockerfile
``ENV``/``ARG``, and words of its READMEs. ``is_committed_env_file`` tells a dotenv file with
values from a documented template.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from tfa_lint.model import FileKind, Repo
from tfa_lint.rule import AstCollector, FactData, PythonFile
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs
from tfa_lint.sources.envfile import EnvFile

from .ast_nodes import callee_name, find_all, is_named, string_value
from .ast_source import Argument, call_arguments

_GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
_GETENV_NAMES = {"getenv", "get", "setdefault"}
SETTINGS_BASES = {"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"}
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Client constructors and calls whose ``model=`` picks the LLM (qualified-name suffixes).
LLM_CALL_SUFFIXES = (".chat.completions.create", ".chat.completions.parse", ".responses.create",
                     ".messages.create", ".beta.chat.completions.parse")
#: The last names of those suffixes: a callee whose source can end with one ends with one of these.
_LLM_CALL_LAST = {suffix.rsplit(".", 1)[1] for suffix in LLM_CALL_SUFFIXES}
LLM_CALLS = {
    "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
    "langchain_openai.ChatOpenAI", "langchain_openai.AzureChatOpenAI", "langchain_anthropic.ChatAnthropic",
    "langchain_google_genai.ChatGoogleGenerativeAI", "langchain_ollama.ChatOllama", "langchain_groq.ChatGroq",
    "langchain_mistralai.ChatMistralAI", "langchain_community.chat_models.ChatOllama",
    "langchain.chat_models.init_chat_model", "litellm.completion", "litellm.acompletion", "crewai.LLM",
    "smolagents.OpenAIServerModel", "smolagents.LiteLLMModel", "smolagents.InferenceClientModel",
    "pydantic_ai.Agent", "instructor.from_openai",
}
MODEL_KWARGS = {"model", "model_name", "deployment_name", "azure_deployment"}
#: Calls that raise on None: a read without default passed to one is required.
_NONE_BREAKING = {"builtins.int", "builtins.float", "builtins.len", "json.loads", "pathlib.Path",
                  "os.path.join", "os.path.expanduser", "os.path.exists", "os.path.isfile", "os.path.isdir"}
#: Keywords that hand a client its credential: a read without default passed as one is required.
_CREDENTIAL_KEYWORD_RE = re.compile(r"(?i)(api_?key|token|secret|password)$")
#: What a branch calls when it only warns: `log.warning(…)`, `warnings.warn(…)`, `print(…)`.
_WARN_CALLS = ("warning", "warn", "error", "critical", "exception", "print")

def is_llm_call(node: ast.Call, names: frozenset[str] | set[str], source_of: Callable[[ast.AST], str]) -> bool:
    """Whether ``node`` (whose callee resolves to ``names``) builds an LLM client or calls a model:
    its ``model=`` picks the LLM."""
    return bool(names & LLM_CALLS) or any(n.endswith(LLM_CALL_SUFFIXES) for n in names) or (
        isinstance(node.func, ast.Attribute) and node.func.attr in _LLM_CALL_LAST
        and source_of(node.func).endswith(LLM_CALL_SUFFIXES))


def _is_or(node: ast.AST | None) -> bool:
    return isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or)


@dataclass(frozen=True)
class EnvReadFact(FactData):
    """A read of an environment variable by its literal name (a settings field is one)."""

    kind = "env-read"
    name: str
    required: bool  # the code cannot do without it (see EnvReadFacts)
    presence: bool = False  # only whether it is set is asked: `"X" in os.environ`, `getenv("X") is None`
    settings: bool = False  # a field of a pydantic BaseSettings class
    alternatives: list[str] = dataclasses.field(default_factory=list)  # `getenv("NEW") or getenv("OLD")`: the others


@dataclass(frozen=True)
class EnvWriteFact(FactData):
    """The program sets an environment variable itself, or for a child process."""

    kind = "env-write"
    name: str


@dataclass(frozen=True)
class ModelLiteralFact(FactData):
    """A literal model name passed to an LLM call."""

    kind = "model-literal"
    value: str


class EnvReadFacts(AstCollector):
    """"env-read" facts (name, required), "env-write" facts (name: the program sets the variable
    itself) and "model-literal" facts (value).

    ``os.environ["X"]`` is required. ``os.getenv("X")`` / ``os.environ.get("X")`` with no default
    returns None by design, so it is required only where the code shows it cannot do without the
    value: an ``if`` that raises or warns when it is unset (on the call, or on the name or attribute
    it was assigned to, later in the same block), a use that breaks on None
    (``os.getenv("X").split()``, ``int(os.getenv("X"))``, ``os.getenv("X") + …``), or a client's
    credential keyword (``api_key=os.getenv("X")``).

    Reads under ``if __name__ == "__main__":`` (a manual harness, not the service) are not
    recorded; the semantic model says where that guard is.
    """

    name = "env-reads"
    records = (EnvReadFact, EnvWriteFact, ModelLiteralFact)

    def __init__(self, file: PythonFile) -> None:
        super().__init__(file)
        self._optional_calls: set[int] = set()  # getenv calls whose code has its own fallback
        self._presence_calls: set[int] = set()  # getenv calls that test whether the variable is set
        self._needed: set[int] = set()  # getenv calls without default whose value the code cannot do without
        self._enforced: set[int] = set()  # tests of an `if` that raises: they make the variable required
        self._written: set[int] = set()  # `os.environ["X"] = …` targets: writes, not reads
        self._env_copies: set[str] = set()  # names bound to a copy of os.environ (`env = os.environ.copy()`)
        self._chained: set[int] = set()  # `or` operations already seen as part of a longer chain
        self._alternatives: dict[int, list[str]] = {}  # getenv call -> the other names its `or` chain reads
        self._in_function: dict[int, str] = {}  # index in self.facts -> module-level function holding that read
        self._calls_outside_main: set[str] = set()  # plain names called outside the `__main__` block
        self._calls_in_main: set[str] = set()

    # Parents are visited before their children, so these mark a getenv call before visit_Call sees it.
    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # `os.getenv("X") or "default"`: every operand of an `or` chain but the last has a fallback.
        # (ast keeps `a or b or c` in one node; a parenthesized `(a or b) or c` nests, and its
        # inner chain's last operand has the outer chain's fallback.)
        if not _is_or(node):
            return
        for operand in node.values[:-1]:
            self._mark_optional(operand.values[-1] if _is_or(operand) else operand)  # type: ignore[attr-defined]
        if id(node) not in self._chained:  # the outermost `or` of a chain: its reads are alternatives
            operands: list[ast.expr] = []
            current: ast.expr = node
            while _is_or(current):
                self._chained.add(id(current))
                operands.extend(reversed(current.values[1:]))  # type: ignore[attr-defined]
                current = current.values[0]  # type: ignore[attr-defined]
            operands.append(current)
            reads = [(o, self._key(o)) for o in operands if isinstance(o, ast.Call)]
            names = sorted({key for _, key in reads if key})
            if len(names) > 1:  # `os.getenv("NEW") or os.getenv("OLD")`
                for call, key in reads:
                    if key:
                        self._alternatives[id(call)] = [n for n in names if n != key]

    def _key(self, call: ast.Call) -> str | None:
        """The variable a getenv-like call reads, when it is one with a literal name."""
        arguments = call_arguments(call)
        if (arguments and arguments[0].keyword is None and callee_name(call.func) in _GETENV_NAMES
                and self.qualified_names(call.func) & _GETENV):
            return string_value(arguments[0].value)
        return None

    def visit_Compare(self, node: ast.Compare) -> None:
        if id(node) in self._enforced:
            return
        if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            self._mark_optional(node.left, presence=True)  # `os.getenv("X") is not None`
        for op, comparator in zip(node.ops, node.comparators):
            key = string_value(node.left)
            if key and isinstance(op, (ast.In, ast.NotIn)) and "os.environ" in self.qualified_names(comparator):
                self.record(EnvReadFact(name=key, required=False, presence=True), node)  # `"X" in os.environ`

    def visit_If(self, node: ast.If) -> None:
        self._mark_blocks(node)
        # `if not os.getenv("X"): raise …` (or a warning that X is unset) requires X.
        if _raises(node.body) or (_negative_test(node.test) and any(
                _warns_about(node.body, self._key(call), self.source_of) for call in find_all(node.test, ast.Call))):
            tested = find_all(node.test, (ast.Call, ast.Compare))
            self._enforced.update(id(n) for n in tested)
            self._needed.update(id(n) for n in tested)
            return
        for call in find_all(node.test, ast.Call):  # `if flag and os.getenv("X"):` guards the reads of X
            self._mark_optional(call, presence=True)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        for call in find_all(node.test, ast.Call):
            self._mark_optional(call, presence=True)

    # Every block of statements: libcst's `visit_Module` and `visit_IndentedBlock`. (A block on
    # its header's line holds no `if`, so _mark_checked finds nothing in it either way.)
    def _mark_blocks(self, node: ast.AST) -> None:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block:
                self._mark_checked(block)

    visit_Module = visit_FunctionDef = visit_AsyncFunctionDef = visit_For = visit_AsyncFor = _mark_blocks
    visit_While = visit_With = visit_AsyncWith = visit_Try = visit_ExceptHandler = visit_match_case = _mark_blocks
    visit_TryStar = _mark_blocks

    # Uses that break on None: they make a read without default required.
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Call):  # `os.getenv("X").split(",")`
            self._needed.add(id(node.value))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        for side in (node.left, node.right):  # `os.getenv("X") + "/v1"`
            if isinstance(side, ast.Call):
                self._needed.add(id(side))

    def _mark_consumed(self, node: ast.Call, arguments: list[Argument]) -> None:
        for index, (keyword, _, value, _) in enumerate(arguments):
            if not isinstance(value, ast.Call):
                continue
            if keyword is not None and _CREDENTIAL_KEYWORD_RE.search(keyword):
                self._needed.add(id(value))  # `Client(api_key=os.getenv("X"))`: the client's credential
            elif index == 0 and keyword is None and self.qualified_names(node.func) & _NONE_BREAKING:
                self._needed.add(id(value))  # `int(os.getenv("X"))`

    def _mark_optional(self, expr: ast.expr, presence: bool = False) -> None:
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            expr = expr.operand
        if isinstance(expr, ast.Call) and id(expr) not in self._enforced:
            self._optional_calls.add(id(expr))
            if presence:
                self._presence_calls.add(id(expr))

    def _mark_checked(self, body: list[ast.stmt]) -> None:
        """`x = os.getenv("X")` (or `x = given or os.getenv("X")`), then, later in the same block, the
        first `if` that tests `x`: when its unset branch raises, or only warns naming X, X is required;
        when that branch assigns `x` a fallback, or the `if` only uses `x` when set, it is not."""
        tests: list[tuple[int, ast.If, set[str]]] | None = None  # the block's `if`s and what they test
        for index, statement in enumerate(body):
            if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or _shares_line(body, index):
                continue
            value = statement.value
            while _is_or(value):
                value = value.values[-1]  # type: ignore[union-attr]
            if not isinstance(value, ast.Call) or isinstance(statement, ast.Assign) and len(statement.targets) != 1:
                continue
            key = self._key(value)
            if not key:
                continue
            target = self.source_of(statement.targets[0] if isinstance(statement, ast.Assign) else statement.target)
            if tests is None:
                tests = [(i, s, self._tested(s.test)) for i, s in enumerate(body) if isinstance(s, ast.If)]
            for position, following, tested in tests:
                if position <= index or target not in tested:
                    continue
                negative = _negative_test(following.test, target, self.source_of)
                if negative:
                    unset = following.body
                elif following.orelse and not self._is_elif(following.orelse):
                    unset = following.orelse
                else:
                    break
                falls_back = any(self.source_of(t) == target for s in unset for a in find_all(s, ast.Assign)
                                 for t in a.targets)
                if not falls_back and (_raises(unset) or (negative and _warns_about(unset, key, self.source_of))):
                    self._needed.add(id(value))
                break

    def _tested(self, test: ast.expr) -> set[str]:
        """The code of each name and attribute in an ``if`` test, and the bare names libcst sees
        there as well (an attribute's name, a keyword argument's, a lambda parameter's)."""
        tested: set[str] = set()
        for node in find_all(test, (ast.Name, ast.Attribute, ast.keyword, ast.arg)):
            if isinstance(node, ast.keyword):
                if node.arg is not None:
                    tested.add(node.arg)
            elif isinstance(node, ast.arg):
                tested.add(node.arg)
            else:
                tested.add(self.source_of(node))
                if isinstance(node, ast.Attribute):
                    tested.add(node.attr)
        return tested

    def _is_elif(self, orelse: list[ast.stmt]) -> bool:
        """An ``elif`` (not an ``else:`` block holding an ``if``; ast tells them apart only by the text)."""
        return len(orelse) == 1 and isinstance(orelse[0], ast.If) and self.source_of(orelse[0]).startswith("elif")

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if isinstance(value, ast.Call) and callee_name(value.func) in ("copy", "dict"):
            arguments = call_arguments(value)
            if "os.environ.copy" in self.qualified_names(value.func) or (
                    is_named(value.func, "dict") and arguments and "os.environ" in self.qualified_names(arguments[0].value)):
                self._env_copies.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for target in node.targets:  # libcst's visit_AssignTarget
            self._written.add(id(target))
            if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                    and target.value.id in self._env_copies):
                key = string_value(target.slice)
                if key:  # `env = os.environ.copy(); env["X"] = …`: the program sets X for a child process
                    self.record(EnvWriteFact(name=key), target)

    def visit_Dict(self, node: ast.Dict) -> None:
        # `{**os.environ, "X": …}`: an environment the program builds for a child process, X set.
        if not any(key is None and "os.environ" in self.qualified_names(value)
                   for key, value in zip(node.keys, node.values)):
            return
        for key in node.keys:
            name = string_value(key)
            if name:
                self.record(EnvWriteFact(name=name), key)  # type: ignore[arg-type]

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Call):  # `os.getenv("X")[0]` breaks on None
            self._needed.add(id(node.value))
            return
        if "os.environ" not in self.qualified_names(node.value):
            return
        key = string_value(node.slice)
        if key and not self.semantic.under_main_guard(node):
            if id(node) in self._written:
                self.record(EnvWriteFact(name=key), node)  # `os.environ["X"] = …`: the program sets X itself
            else:
                self._record_read(node, key, required=True)

    def _record_read(self, node: ast.AST, key: str, *, required: bool, presence: bool = False) -> None:
        if required:
            function = self._module_function(node)
            if function is not None:
                self._in_function[len(self.facts)] = function
        self.record(EnvReadFact(name=key, required=required, presence=presence,
                                alternatives=self._alternatives.get(id(node), [])), node)

    def _module_function(self, node: ast.AST) -> str | None:
        """The undecorated module-level function (outside any class and the ``__main__`` block)
        that holds ``node``, decorators, defaults and annotations included."""
        outermost = None
        for ancestor in self.semantic.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                outermost = ancestor
        if (isinstance(outermost, (ast.FunctionDef, ast.AsyncFunctionDef)) and not outermost.decorator_list
                and not self.semantic.under_main_guard(outermost)):
            return outermost.name
        return None

    def leave_Module(self, node: ast.Module) -> None:
        # A module-level function that only the module's own `__main__` harness calls is a manual
        # helper: the reads in it are not the service's contract.
        for index, function in self._in_function.items():
            if function in self._calls_in_main and function not in self._calls_outside_main:
                fact = self.facts[index]
                self.facts[index] = replace(fact, data=replace(fact.data, required=False))
        # In source order, as libcst's walk recorded them: ast's visits a conditional expression's
        # test before its body and a function's decorators after its body, and the rules take the
        # first read of a variable on a line as where it is read.
        self.facts.sort(key=lambda fact: (fact.line, fact.column))

    def visit_Call(self, node: ast.Call) -> None:
        in_main: bool | None = None  # under `if __name__ == "__main__":`, asked only when it matters
        if isinstance(node.func, ast.Name):
            in_main = self.semantic.under_main_guard(node)
            (self._calls_in_main if in_main else self._calls_outside_main).add(node.func.id)
        names = self.qualified_names(node.func)
        arguments = call_arguments(node)
        self._mark_consumed(node, arguments)
        if names & _GETENV and arguments and arguments[0].keyword is None and not (
                self.semantic.under_main_guard(node) if in_main is None else in_main):
            if len(arguments) > 1 and isinstance(arguments[1].value, ast.Call):
                self._optional_calls.add(id(arguments[1].value))  # `os.getenv("NEW", os.getenv("OLD"))`
            key = string_value(arguments[0].value)
            if key:
                self._record_read(node, key, required=(len(arguments) == 1 and id(node) in self._needed
                                                       and id(node) not in self._optional_calls),
                                  presence=id(node) in self._presence_calls)
        elif "os.putenv" in names and arguments:
            key = string_value(arguments[0].value)
            if key:
                self.record(EnvWriteFact(name=key), node)
        elif "os.environ.update" in names:
            for keyword, _, value, where in arguments:
                if keyword is not None:
                    self.record(EnvWriteFact(name=keyword), where)
                elif isinstance(value, ast.Dict):
                    for element in value.keys:
                        key = string_value(element)
                        if key:
                            self.record(EnvWriteFact(name=key), element)  # type: ignore[arg-type]
        if is_llm_call(node, names, self.source_of):
            for keyword, _, value, where in arguments:
                if keyword is not None and keyword in MODEL_KWARGS:
                    literal = string_value(value)
                    if literal:
                        self.record(ModelLiteralFact(value=literal), where)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._mark_blocks(node)
        if not any(self.qualified_names(_unstarred(base)) & SETTINGS_BASES for base in node.bases):
            return
        if _is_command_line(node):
            return  # its fields come as command-line flags (pydantic-settings' CLI), not as variables
        prefix = env_prefix(node)
        for small, field in settings_fields(node):
            if field == "model_config" or field.startswith("_"):
                continue
            alias = _field_alias(small.value)
            self.record(EnvReadFact(name=alias or (prefix + field).upper(), required=_field_required(small.value),
                                    settings=True), small)


def _unstarred(node: ast.expr) -> ast.expr:
    return node.value if isinstance(node, ast.Starred) else node


def _shares_line(body: list[ast.stmt], index: int) -> bool:
    """Whether ``body[index]`` shares its line with another statement (``a = 1; b = 2``): libcst
    holds those in one ``SimpleStatementLine``, which the checks above pass over."""
    statement = body[index]
    return ((index > 0 and body[index - 1].end_lineno == statement.lineno)
            or (index + 1 < len(body) and body[index + 1].lineno == statement.end_lineno))


def settings_fields(node: ast.ClassDef) -> Iterator[tuple[ast.AnnAssign, str]]:
    """Each annotated field of a class body (``name: type [= value]``) and its name."""
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            yield statement, statement.target.id


def _in_body(node: ast.ClassDef, types: type | tuple[type, ...]) -> list:
    """Every node of ``types`` in a class's body (not its bases, keywords or decorators)."""
    return [found for statement in node.body for found in find_all(statement, types)]


def env_prefix(node: ast.ClassDef) -> str:
    """A settings class's ``env_prefix``: ``model_config = SettingsConfigDict(env_prefix=…)`` or
    ``{"env_prefix": …}``, or pydantic v1's inner ``class Config``. Upper-cased, as env names are."""
    for keyword in _in_body(node, ast.keyword):
        if keyword.arg == "env_prefix":
            return (string_value(keyword.value) or "").upper()
    for mapping in _in_body(node, ast.Dict):
        for key, value in zip(mapping.keys, mapping.values):
            if string_value(key) == "env_prefix":
                return (string_value(value) or "").upper()
    for assign in _in_body(node, ast.Assign):
        target = assign.targets[0] if len(assign.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id == "env_prefix":
            return (string_value(assign.value) or "").upper()
    return ""


def _is_command_line(node: ast.ClassDef) -> bool:
    """A settings class configured as a command line: a ``cli_…`` class keyword
    (``class Run(BaseSettings, cli_parse_args=True)``) or ``model_config`` setting."""
    if any(k.arg is not None and k.arg.startswith("cli_") for k in node.keywords):
        return True
    for keyword in _in_body(node, ast.keyword):
        if keyword.arg is not None and keyword.arg.startswith("cli_"):
            return True
    return any((string_value(key) or "").startswith("cli_") for mapping in _in_body(node, ast.Dict)
               for key in mapping.keys)


def _field_required(value: ast.expr | None) -> bool:
    if value is None:
        return True
    if isinstance(value, ast.Call) and is_named(value.func, "Field"):
        arguments = call_arguments(value)
        positional = [a.value for a in arguments if a.keyword is None]
        has_default = any(a.keyword in ("default", "default_factory") for a in arguments)
        return not has_default and (not positional or (isinstance(positional[0], ast.Constant)
                                                       and positional[0].value is Ellipsis))
    return False


def _field_alias(value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg in ("alias", "validation_alias", "env"):
                return string_value(keyword.value)
    return None


# -- what the repository documents --------------------------------------------------------

_REFERENCE_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COMMENTED_ENTRY_RE = re.compile(r"(?m)^[ \t]*#[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=")
_EXAMPLE_ENV_RE = re.compile(r"(?i)(example|sample|template|dist|defaults?|tpl)")


def documented_variables(repo: Repo) -> set[str]:
    """Variable names the repository documents for whoever deploys it."""
    if "documented-variables" in repo.memo:
        return repo.memo["documented-variables"]
    names: set[str] = set()
    for env in repo.artifacts(FileKind.ENV):
        if isinstance(env, EnvFile):
            names.update(e.key for e in env.entries)
        names.update(_COMMENTED_ENTRY_RE.findall(env.text))  # `# OPTIONAL_FLAG=` documents it too
    for compose in repo.artifacts(FileKind.COMPOSE):
        if isinstance(compose, ComposeFile):
            names.update(e.key for s in compose.services for e in s.environment)
            names.update(_REFERENCE_RE.findall(compose.text))
    for dockerfile in repo.artifacts(FileKind.DOCKERFILE):
        if isinstance(dockerfile, Dockerfile):
            for ins in dockerfile.instructions:
                if ins.keyword == "ENV":
                    names.update(k for k, _ in env_pairs(ins.value))
                elif ins.keyword == "ARG":
                    names.update(k for k, _ in arg_pairs(ins.value))
    for readme in repo.artifacts(FileKind.README):
        names.update(_WORD_RE.findall(readme.text))
    repo.memo["documented-variables"] = names
    return names


def is_committed_env_file(path: str) -> bool:
    """A dotenv file with real values, as opposed to a documented template."""
    name = path.rsplit("/", 1)[-1]
    return not _EXAMPLE_ENV_RE.search(name)


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME_RE.match(name))


def _negative_test(test: ast.expr, target: str | None = None, source_of: Callable[[ast.AST], str] | None = None) -> bool:
    """Whether ``test`` is true when the value is unset: ``not x``, ``x is None``, ``x == ""``, or
    such a test first in an ``or`` chain (``not x or other``). With ``target``, ``x`` must be it."""
    while _is_or(test):
        test = test.values[0]  # type: ignore[attr-defined]
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        subject = test.operand
    elif (isinstance(test, ast.Compare) and len(test.ops) == 1
          and ((isinstance(test.ops[0], ast.Is) and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None)
               or (isinstance(test.ops[0], ast.Eq) and string_value(test.comparators[0]) == ""))):
        subject = test.left
    else:
        return False
    return target is None or source_of(subject) == target  # type: ignore[misc]


def _raises(body: list[ast.stmt]) -> bool:
    """A branch with a ``raise`` of its own (not one nested in a further condition)."""
    return any(isinstance(statement, ast.Raise) for statement in body)


def _warns_about(body: list[ast.stmt], key: str | None, source_of: Callable[[ast.AST], str]) -> bool:
    """A branch made only of warning, logging or print calls whose text names the variable ``key``."""
    if not key:
        return False
    return bool(body) and all(isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                              and callee_name(statement.value.func) in _WARN_CALLS for statement in body) and any(
        key in source_of(statement) for statement in body)
