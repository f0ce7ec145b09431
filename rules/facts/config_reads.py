"""Where code reads its configuration, and where the repository documents it.

``EnvReadFacts`` records environment reads (``os.environ[K]``, ``os.getenv(K)``,
``os.environ.get(K)``, pydantic ``BaseSettings`` fields) and literal model names passed to LLM
clients. ``documented_variables`` collects the names the repository tells an operator about:
``.env`` templates, compose ``environment`` keys and ``${VAR}`` references, Dockerfile
``ENV``/``ARG``, and words of its READMEs. ``is_committed_env_file`` tells a dotenv file with
values from a documented template.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import libcst as cst

from tfa_lint.model import FileKind, Repo
from tfa_lint.rule import FactCollector, PythonFile
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs
from tfa_lint.sources.envfile import EnvFile

from .cst_nodes import find_all, is_named, string_value

_GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
_GETENV_NAMES = {"getenv", "get", "setdefault"}
SETTINGS_BASES = {"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"}
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Client constructors and calls whose ``model=`` picks the LLM (qualified-name suffixes).
LLM_CALL_SUFFIXES = (".chat.completions.create", ".chat.completions.parse", ".responses.create",
                     ".messages.create", ".beta.chat.completions.parse")
LLM_CALLS = {
    "openai.OpenAI", "openai.AsyncOpenAI", "openai.AzureOpenAI", "openai.AsyncAzureOpenAI",
    "langchain_openai.ChatOpenAI", "langchain_openai.AzureChatOpenAI", "langchain_anthropic.ChatAnthropic",
    "langchain_google_genai.ChatGoogleGenerativeAI", "langchain_ollama.ChatOllama", "langchain_groq.ChatGroq",
    "langchain_mistralai.ChatMistralAI", "langchain_community.chat_models.ChatOllama",
    "langchain.chat_models.init_chat_model", "litellm.completion", "litellm.acompletion", "crewai.LLM",
    "smolagents.OpenAIServerModel", "smolagents.LiteLLMModel", "smolagents.InferenceClientModel",
    "pydantic_ai.Agent", "instructor.from_openai",
}
_MODEL_KWARGS = {"model", "model_name", "deployment_name", "azure_deployment"}
#: Calls that raise on None: a read without default passed to one is required.
_NONE_BREAKING = {"builtins.int", "builtins.float", "builtins.len", "json.loads", "pathlib.Path",
                  "os.path.join", "os.path.expanduser", "os.path.exists", "os.path.isfile", "os.path.isdir"}
#: Keywords that hand a client its credential: a read without default passed as one is required.
_CREDENTIAL_KEYWORD_RE = re.compile(r"(?i)(api_?key|token|secret|password)$")
#: What a branch calls when it only warns: `log.warning(…)`, `warnings.warn(…)`, `print(…)`.
_WARN_CALLS = ("warning", "warn", "error", "critical", "exception", "print")


class EnvReadFacts(FactCollector):
    """"env-read" facts (name, required), "env-write" facts (name: the program sets the variable
    itself) and "model-literal" facts (value).

    ``os.environ["X"]`` is required. ``os.getenv("X")`` / ``os.environ.get("X")`` with no default
    returns None by design, so it is required only where the code shows it cannot do without the
    value: an ``if`` that raises or warns when it is unset (on the call, or on the name or attribute
    it was assigned to, later in the same block), a use that breaks on None
    (``os.getenv("X").split()``, ``int(os.getenv("X"))``, ``os.getenv("X") + …``), or a client's
    credential keyword (``api_key=os.getenv("X")``).
    """

    name = "env-reads"

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
        self._function: cst.FunctionDef | None = None  # the module-level function being visited
        self._depth = 0  # function and class bodies around the current node
        self._in_function: dict[int, str] = {}  # index in self.facts -> module-level function holding that read
        self._calls_outside_main: set[str] = set()  # plain names called outside the `__main__` block
        self._calls_in_main: set[str] = set()
        self._main_depth = 0  # inside `if __name__ == "__main__":` (a manual harness, not the service)

    # Parents are visited before their children, so these mark a getenv call before visit_Call sees it.
    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        # `os.getenv("X") or "default"`: every operand of an `or` chain but the last has a fallback.
        if isinstance(node.operator, cst.Or):
            left = node.left
            nested = isinstance(left, cst.BooleanOperation) and isinstance(left.operator, cst.Or)
            self._mark_optional(left.right if nested else left)  # type: ignore[attr-defined]
            if id(node) not in self._chained:  # the outermost `or` of a chain: its reads are alternatives
                operands = []
                while isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
                    self._chained.add(id(node))
                    operands.append(node.right)
                    node = node.left  # type: ignore[assignment]
                operands.append(node)
                reads = [(o, self._key(o)) for o in operands if isinstance(o, cst.Call)]
                names = sorted({key for _, key in reads if key})
                if len(names) > 1:  # `os.getenv("NEW") or os.getenv("OLD")`
                    for call, key in reads:
                        if key:
                            self._alternatives[id(call)] = [n for n in names if n != key]

    def _key(self, call: cst.Call) -> str | None:
        """The variable a getenv-like call reads, when it is one with a literal name."""
        if (call.args and call.args[0].keyword is None and _call_name(call.func) in _GETENV_NAMES
                and self.qualified_names(call.func) & _GETENV):
            return string_value(call.args[0].value)
        return None

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if id(node) in self._enforced:
            return
        if any(isinstance(c.operator, (cst.Is, cst.IsNot)) for c in node.comparisons):
            self._mark_optional(node.left, presence=True)  # `os.getenv("X") is not None`
        for c in node.comparisons:
            key = string_value(node.left)
            if key and isinstance(c.operator, (cst.In, cst.NotIn)) and "os.environ" in self.qualified_names(
                    c.comparator):
                self.record("env-read", node, name=key, required=False, presence=True)  # `"X" in os.environ`

    def visit_If(self, node: cst.If) -> None:
        # `if not os.getenv("X"): raise …` (or a warning that X is unset) requires X.
        if _raises(node.body) or (_negative_test(node.test) and any(
                _warns_about(node.body, self._key(call), self.source_of) for call in find_all(node.test, cst.Call))):
            tested = find_all(node.test, (cst.Call, cst.Comparison))
            self._enforced.update(id(n) for n in tested)
            self._needed.update(id(n) for n in tested)
            return
        for call in find_all(node.test, cst.Call):  # `if flag and os.getenv("X"):` guards the reads of X
            self._mark_optional(call, presence=True)  # type: ignore[arg-type]

    def visit_IfExp(self, node: cst.IfExp) -> None:
        for call in find_all(node.test, cst.Call):
            self._mark_optional(call, presence=True)  # type: ignore[arg-type]

    def visit_Module(self, node: cst.Module) -> None:
        self._mark_checked(node.body)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._mark_checked(node.body)

    # Uses that break on None: they make a read without default required.
    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Call):  # `os.getenv("X").split(",")`
            self._needed.add(id(node.value))

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        for side in (node.left, node.right):  # `os.getenv("X") + "/v1"`
            if isinstance(side, cst.Call):
                self._needed.add(id(side))

    def _mark_consumed(self, node: cst.Call) -> None:
        for arg in node.args:
            if not isinstance(arg.value, cst.Call):
                continue
            if arg.keyword is not None and _CREDENTIAL_KEYWORD_RE.search(arg.keyword.value):
                self._needed.add(id(arg.value))  # `Client(api_key=os.getenv("X"))`: the client's credential
            elif arg is node.args[0] and arg.keyword is None and self.qualified_names(node.func) & _NONE_BREAKING:
                self._needed.add(id(arg.value))  # `int(os.getenv("X"))`

    def _mark_optional(self, expr: cst.BaseExpression, presence: bool = False) -> None:
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            expr = expr.expression
        if isinstance(expr, cst.Call) and id(expr) not in self._enforced:
            self._optional_calls.add(id(expr))
            if presence:
                self._presence_calls.add(id(expr))

    def _mark_checked(self, body: Sequence[cst.BaseStatement]) -> None:
        """`x = os.getenv("X")` (or `x = given or os.getenv("X")`), then, later in the same block, the
        first `if` that tests `x`: when its unset branch raises, or only warns naming X, X is required;
        when that branch assigns `x` a fallback, or the `if` only uses `x` when set, it is not."""
        tests: list[tuple[int, cst.If, set[str]]] | None = None  # the block's `if`s and what they test
        for index, statement in enumerate(body):
            if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                    and isinstance(statement.body[0], (cst.Assign, cst.AnnAssign))):
                continue
            assign = statement.body[0]
            value = assign.value
            while isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
                value = value.right
            if not isinstance(value, cst.Call) or isinstance(assign, cst.Assign) and len(assign.targets) != 1:
                continue
            key = self._key(value)
            if not key:
                continue
            target = self.source_of(assign.targets[0].target if isinstance(assign, cst.Assign) else assign.target)
            if tests is None:
                tests = [(i, s, {self.source_of(n) for n in find_all(s.test, (cst.Name, cst.Attribute))})
                         for i, s in enumerate(body) if isinstance(s, cst.If)]
            for position, following, tested in tests:
                if position <= index or target not in tested:
                    continue
                negative = _negative_test(following.test, target, self.source_of)
                if negative:
                    unset = following.body
                elif isinstance(following.orelse, cst.Else):
                    unset = following.orelse.body
                else:
                    break
                falls_back = any(self.source_of(t.target) == target for t in find_all(unset, cst.AssignTarget))
                if not falls_back and (_raises(unset) or (negative and _warns_about(unset, key, self.source_of))):
                    self._needed.add(id(value))
                break

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._written.add(id(node.target))
        target = node.target
        if (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)
                and target.value.value in self._env_copies and len(target.slice) == 1
                and isinstance(target.slice[0].slice, cst.Index)):
            key = string_value(target.slice[0].slice.value)
            if key:  # `env = os.environ.copy(); env["X"] = …`: the program sets X for a child process
                self.record("env-write", node, name=key)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if isinstance(value, cst.Call) and _call_name(value.func) in ("copy", "dict") and (
                "os.environ.copy" in self.qualified_names(value.func)
                or (is_named(value.func, "dict") and value.args
                    and "os.environ" in self.qualified_names(value.args[0].value))):
            self._env_copies.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def visit_Dict(self, node: cst.Dict) -> None:
        # `{**os.environ, "X": …}`: an environment the program builds for a child process, X set.
        if not any(isinstance(e, cst.StarredDictElement) and "os.environ" in self.qualified_names(e.value)
                   for e in node.elements):
            return
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string_value(element.key)
                if key:
                    self.record("env-write", element, name=key)

    def visit_If_body(self, node: cst.If) -> None:
        if _compares_name(node.test) and "__main__" in self.source_of(node.test):
            self._main_depth += 1

    def leave_If_body(self, node: cst.If) -> None:
        if _compares_name(node.test) and "__main__" in self.source_of(node.test):
            self._main_depth -= 1

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Call):  # `os.getenv("X")[0]` breaks on None
            self._needed.add(id(node.value))
            return
        if self._main_depth or len(node.slice) != 1 or "os.environ" not in self.qualified_names(node.value):
            return
        index = node.slice[0].slice
        key = string_value(index.value) if isinstance(index, cst.Index) else None
        if key:
            if id(node) in self._written:
                self.record("env-write", node, name=key)  # `os.environ["X"] = …`: the program sets X itself
            else:
                self._record_read(node, key, required=True)

    def _record_read(self, node: cst.CSTNode, key: str, **data: object) -> None:
        alternatives = self._alternatives.get(id(node))
        if alternatives:
            data["alternatives"] = alternatives
        if self._function is not None and data.get("required"):
            self._in_function[len(self.facts)] = self._function.name.value
        self.record("env-read", node, name=key, **data)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._depth == 0 and not self._main_depth and not node.decorators:
            self._function = node
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._depth -= 1
        if original_node is self._function:
            self._function = None

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._depth -= 1

    def leave_Module(self, original_node: cst.Module) -> None:
        # A module-level function that only the module's own `__main__` harness calls is a manual
        # helper: the reads in it are not the service's contract.
        for index, function in self._in_function.items():
            if function in self._calls_in_main and function not in self._calls_outside_main:
                self.facts[index].data["required"] = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            (self._calls_in_main if self._main_depth else self._calls_outside_main).add(node.func.value)
        names = self.qualified_names(node.func)
        self._mark_consumed(node)
        if names & _GETENV and node.args and node.args[0].keyword is None and not self._main_depth:
            if len(node.args) > 1 and isinstance(node.args[1].value, cst.Call):
                self._optional_calls.add(id(node.args[1].value))  # `os.getenv("NEW", os.getenv("OLD"))`
            key = string_value(node.args[0].value)
            if key:
                self._record_read(node, key, required=(len(node.args) == 1 and id(node) in self._needed
                                                       and id(node) not in self._optional_calls),
                                  presence=id(node) in self._presence_calls)
        elif "os.putenv" in names and node.args:
            key = string_value(node.args[0].value)
            if key:
                self.record("env-write", node, name=key)
        elif "os.environ.update" in names:
            for arg in node.args:
                if arg.keyword is not None:
                    self.record("env-write", arg, name=arg.keyword.value)
                elif isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
                        if key:
                            self.record("env-write", element, name=key)
        if names & LLM_CALLS or any(n.endswith(LLM_CALL_SUFFIXES) for n in names) or (
                isinstance(node.func, cst.Attribute) and self.source_of(node.func).endswith(LLM_CALL_SUFFIXES)):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in _MODEL_KWARGS:
                    value = string_value(arg.value)
                    if value:
                        self.record("model-literal", arg, value=value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._depth += 1
        if not any(self.qualified_names(base.value) & SETTINGS_BASES for base in node.bases):
            return
        if _is_command_line(node):
            return  # its fields come as command-line flags (pydantic-settings' CLI), not as variables
        prefix = env_prefix(node)
        for small, field in settings_fields(node):
            if field == "model_config" or field.startswith("_"):
                continue
            alias = _field_alias(small.value)
            self.record("env-read", small, name=alias or (prefix + field).upper(),
                        required=_field_required(small.value), settings=True)




def settings_fields(node: cst.ClassDef) -> Iterator[tuple[cst.AnnAssign, str]]:
    """Each annotated field of a class body (``name: type [= value]``) and its name."""
    for statement in node.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    yield small, small.target.value


def env_prefix(node: cst.ClassDef) -> str:
    """A settings class's ``env_prefix``: ``model_config = SettingsConfigDict(env_prefix=…)`` or
    ``{"env_prefix": …}``, or pydantic v1's inner ``class Config``. Upper-cased, as env names are."""
    for arg in find_all(node.body, cst.Arg):
        if arg.keyword is not None and arg.keyword.value == "env_prefix":
            return (string_value(arg.value) or "").upper()
    for element in find_all(node.body, cst.DictElement):
        if isinstance(element.key, cst.SimpleString) and string_value(element.key) == "env_prefix":
            return (string_value(element.value) or "").upper()
    for assign in find_all(node.body, cst.Assign):
        target = assign.targets[0].target if len(assign.targets) == 1 else None
        if isinstance(target, cst.Name) and target.value == "env_prefix":
            return (string_value(assign.value) or "").upper()
    return ""


def _is_command_line(node: cst.ClassDef) -> bool:
    """A settings class configured as a command line: a ``cli_…`` class keyword
    (``class Run(BaseSettings, cli_parse_args=True)``) or ``model_config`` setting."""
    if any(k.keyword is not None and k.keyword.value.startswith("cli_") for k in node.keywords):
        return True
    for arg in find_all(node.body, cst.Arg):
        if arg.keyword is not None and arg.keyword.value.startswith("cli_"):
            return True
    return any(isinstance(e.key, cst.SimpleString) and (string_value(e.key) or "").startswith("cli_")
               for e in find_all(node.body, cst.DictElement))


def _field_required(value: cst.BaseExpression | None) -> bool:
    if value is None:
        return True
    if isinstance(value, cst.Call) and is_named(value.func, "Field"):
        positional = [a for a in value.args if a.keyword is None]
        has_default = any(a.keyword is not None and a.keyword.value in ("default", "default_factory")
                          for a in value.args)
        return not has_default and (not positional or isinstance(positional[0].value, cst.Ellipsis))
    return False


def _field_alias(value: cst.BaseExpression | None) -> str | None:
    if isinstance(value, cst.Call):
        for arg in value.args:
            if arg.keyword is not None and arg.keyword.value in ("alias", "validation_alias", "env"):
                return string_value(arg.value)
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


def _negative_test(test: cst.BaseExpression, target: str | None = None, source_of=None) -> bool:
    """Whether ``test`` is true when the value is unset: ``not x``, ``x is None``, ``x == ""``, or
    such a test first in an ``or`` chain (``not x or other``). With ``target``, ``x`` must be it."""
    while isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        test = test.left
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        subject = test.expression
    elif (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
          and ((isinstance(test.comparisons[0].operator, cst.Is) and is_named(test.comparisons[0].comparator, "None"))
               or (isinstance(test.comparisons[0].operator, cst.Equal)
                   and string_value(test.comparisons[0].comparator) == ""))):
        subject = test.left
    else:
        return False
    return target is None or source_of(subject) == target


def _raises(body: cst.BaseSuite) -> bool:
    """A branch with a ``raise`` of its own (not one nested in a further condition)."""
    lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
    return any(isinstance(small, cst.Raise) for line in lines
               if isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) for small in line.body)


def _warns_about(body: cst.BaseSuite, key: str | None, source_of) -> bool:
    """A branch made only of warning, logging or print calls whose text names the variable ``key``."""
    if not key:
        return False
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        lines = body.body  # type: ignore[attr-defined]
        if not all(isinstance(line, cst.SimpleStatementLine) for line in lines):
            return False
        smalls = [small for line in lines for small in line.body]
    return bool(smalls) and all(isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)
                                and _call_name(small.value.func) in _WARN_CALLS for small in smalls) and any(
        key in source_of(small) for small in smalls)


def _call_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _compares_name(test: cst.BaseExpression) -> bool:
    """``__name__ == …``: the start of a main guard."""
    return isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
