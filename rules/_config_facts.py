"""Where code reads its configuration, and where the repository documents it.

``EnvReadFacts`` records environment reads (``os.environ[K]``, ``os.getenv(K)``,
``os.environ.get(K)``, pydantic ``BaseSettings`` fields) and literal model names passed to LLM
clients. ``documented_variables`` collects the names the repository tells an operator about:
``.env`` templates, compose ``environment`` keys and ``${VAR}`` references, Dockerfile
``ENV``/``ARG``, and words of its READMEs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

import libcst as cst

from tfa_lint.model import FileKind, Repo
from tfa_lint.rule import FactCollector, PythonFile
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, arg_pairs, env_pairs
from tfa_lint.sources.envfile import EnvFile

from ._cst import find_all, is_named, string_value

_GETENV = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
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


class EnvReadFacts(FactCollector):
    """"env-read" facts (name, required) and "model-literal" facts (value)."""

    name = "env-reads"

    def __init__(self, file: PythonFile) -> None:
        super().__init__(file)
        self._optional_calls: set[int] = set()  # getenv calls whose code has its own fallback
        self._presence_calls: set[int] = set()  # getenv calls that test whether the variable is set
        self._enforced: set[int] = set()  # tests of an `if` that raises: they make the variable required
        self._written: set[int] = set()  # `os.environ["X"] = …` targets: writes, not reads
        self._main_depth = 0  # inside `if __name__ == "__main__":` (a manual harness, not the service)

    # Parents are visited before their children, so these mark a getenv call before visit_Call sees it.
    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        # `os.getenv("X") or "default"`: every operand of an `or` chain but the last has a fallback.
        if isinstance(node.operator, cst.Or):
            left = node.left
            nested = isinstance(left, cst.BooleanOperation) and isinstance(left.operator, cst.Or)
            self._mark_optional(left.right if nested else left)  # type: ignore[attr-defined]

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
        if any(isinstance(small, cst.Raise) for line in node.body.body if isinstance(line, cst.SimpleStatementLine)
               for small in line.body):  # `if not os.getenv("X"): raise …` requires X
            self._enforced.update(id(n) for n in find_all(node.test, (cst.Call, cst.Comparison)))
            return
        for call in find_all(node.test, cst.Call):  # `if flag and os.getenv("X"):` guards the reads of X
            self._mark_optional(call, presence=True)  # type: ignore[arg-type]

    def visit_IfExp(self, node: cst.IfExp) -> None:
        for call in find_all(node.test, cst.Call):
            self._mark_optional(call, presence=True)  # type: ignore[arg-type]

    def visit_Module(self, node: cst.Module) -> None:
        self._mark_fallbacks(node.body)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._mark_fallbacks(node.body)

    def _mark_optional(self, expr: cst.BaseExpression, presence: bool = False) -> None:
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            expr = expr.expression
        if isinstance(expr, cst.Call) and id(expr) not in self._enforced:
            self._optional_calls.add(id(expr))
            if presence:
                self._presence_calls.add(id(expr))

    def _mark_fallbacks(self, body: Sequence[cst.BaseStatement]) -> None:
        """`x = os.getenv("X")` then `if not x: x = …` (no raise) or `… if x else …`: X has a default."""
        for statement, following in itertools.pairwise(body):
            if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                    and isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1
                    and isinstance(statement.body[0].value, cst.Call)):
                continue
            target = self.source_of(statement.body[0].targets[0].target)
            if isinstance(following, cst.If):
                test = following.test
                test = test.expression if isinstance(test, cst.UnaryOperation) else test
                test = test.left if isinstance(test, cst.Comparison) else test
                assigns = any(self.source_of(t.target) == target for t in find_all(following.body, cst.AssignTarget))
                if self.source_of(test) == target and assigns and not find_all(following.body, cst.Raise):
                    self._optional_calls.add(id(statement.body[0].value))
            elif any(self.source_of(e.test) == target for e in find_all(following, cst.IfExp)):  # type: ignore[attr-defined]
                self._optional_calls.add(id(statement.body[0].value))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._written.add(id(node.target))

    def visit_If_body(self, node: cst.If) -> None:
        if _compares_name(node.test) and "__main__" in self.source_of(node.test):
            self._main_depth += 1

    def leave_If_body(self, node: cst.If) -> None:
        if _compares_name(node.test) and "__main__" in self.source_of(node.test):
            self._main_depth -= 1

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self._written or self._main_depth:
            return
        if "os.environ" in self.qualified_names(node.value) and len(node.slice) == 1:
            index = node.slice[0].slice
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            if key:
                self.record("env-read", node, name=key, required=True)

    def visit_Call(self, node: cst.Call) -> None:
        names = self.qualified_names(node.func)
        if names & _GETENV and node.args and node.args[0].keyword is None and not self._main_depth:
            key = string_value(node.args[0].value)
            if key:
                self.record("env-read", node, name=key,
                            required=len(node.args) == 1 and id(node) not in self._optional_calls,
                            presence=id(node) in self._presence_calls)
        if names & LLM_CALLS or any(n.endswith(LLM_CALL_SUFFIXES) for n in names) or (
                isinstance(node.func, cst.Attribute) and self.source_of(node.func).endswith(LLM_CALL_SUFFIXES)):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in _MODEL_KWARGS:
                    value = string_value(arg.value)
                    if value:
                        self.record("model-literal", arg, value=value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not any(self.qualified_names(base.value) & SETTINGS_BASES for base in node.bases):
            return
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


def is_env_name(name: str) -> bool:
    return bool(_ENV_NAME_RE.match(name))


def _compares_name(test: cst.BaseExpression) -> bool:
    """``__name__ == …``: the start of a main guard."""
    return isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__name__"
