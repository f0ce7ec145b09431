"""TFA0305 — Model name hardcoded at several LLM call sites."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Fact, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.config_reads import EnvReadFacts, ModelLiteralFact


class HardcodedModelName(RepoRule):
    id = "TFA0305"
    name = "hardcoded-model-name"
    factor = 3
    severity = Severity.NOTE
    title = "Model name hardcoded at several LLM call sites"
    collectors = (EnvReadFacts,)
    what = """
        The same literal model name (`model="gpt-4o"`, `model_name=…`, `azure_deployment=…`)
        passed to LLM clients or calls (OpenAI, Anthropic, LangChain chat models, LiteLLM,
        CrewAI, smolagents, pydantic-ai) at two or more call sites of the repository's own
        source. One finding per model name, at its first site. Advisory: not scored.
    """
    why = """
        Which model an agent uses is deploy configuration: staging may run a cheaper model,
        production a pinned snapshot, an incident may need a fallback. Spread across call
        sites, switching it is a code change and a redeploy, and the sites drift apart.
    """
    fix = """
        Read the model name once from configuration (`MODEL_NAME = os.getenv("MODEL_NAME",
        "gpt-4o")` in a settings module, or a `BaseSettings` field) and pass that everywhere.
    """
    invalid = (
        Example.repo({
            "agent/plan.py": """
                from openai import OpenAI

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model="gpt-4o", messages=[task])
            """,
            "agent/act.py": """
                from langchain_openai import ChatOpenAI as Chat

                llm = Chat(model="gpt-4o", temperature=0)
            """,
        }, lines=(3,), columns=(12,), message="model `gpt-4o` is hardcoded"),
    )
    valid = (
        Example.repo({
            "agent/config.py": 'import os\n\nMODEL_NAME = os.getenv("MODEL_NAME", "gpt-4o")\n',
            "agent/plan.py": """
                from openai import OpenAI

                from agent.config import MODEL_NAME

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model=MODEL_NAME, messages=[task])
            """,
        }),
        Example.repo({
            "agent/plan.py": """
                from openai import OpenAI

                client = OpenAI()


                def plan(task):
                    return client.chat.completions.create(model="gpt-4o", messages=[task])
            """,
            "examples/demo.py": 'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="gpt-4o")\n',
        }),
        Example.of("""
            def create(model="gpt-4o"):
                return model


            a = create(model="gpt-4o")
            b = create(model="gpt-4o")
        """, "agent/models.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(path_role(f.path) == "src" for f in repo.facts(ModelLiteralFact)):
            return None
        return "no LLM call with a literal model name in the source"

    def check(self, repo: Repo) -> Iterable[Finding]:
        sites: dict[str, list[Fact[ModelLiteralFact]]] = {}
        for fact in repo.facts(ModelLiteralFact):
            if path_role(fact.path) == "src":
                sites.setdefault(fact.data.value, []).append(fact)
        for value, facts in sorted(sites.items()):
            if len(facts) < 2:
                continue
            first = min(facts, key=lambda f: (f.path, f.line))
            modules = len({f.path for f in facts})
            yield self.finding(
                first.path, first.line, first.column,
                f"model `{value}` is hardcoded at {len(facts)} call sites in {modules} module(s): read it once "
                "from configuration (e.g. a MODEL_NAME environment variable) and pass that")
