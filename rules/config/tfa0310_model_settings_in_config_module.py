"""TFA0310 — Model name or temperature fixed in a config module."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule

from ..facts.config_flow import COLLECTORS as CONFIG_FLOW_COLLECTORS
from ..facts.config_flow import MODEL, TEMPERATURE, ConstantUseFact, constant_uses
from ..facts.modules import ModuleGraphFacts

_ROLES = (MODEL, TEMPERATURE)


class ModelSettingsInConfigModule(RepoRule):
    id = "TFA0310"
    name = "model-settings-in-config-module"
    factor = 3
    severity = Severity.NOTE
    title = "Model name or temperature fixed in a config module"
    collectors = (*CONFIG_FLOW_COLLECTORS, ModuleGraphFacts)
    what = """
        A module constant holding a literal model name or temperature (`MODEL = "gpt-4o"`,
        `TEMPERATURE = 0.7`, or the same as a class attribute, `AgentConfig.MODEL_NAME`, read
        through the class or an instance of it) that
        another module of the repository passes to an LLM client or call as `model=`,
        `model_name=`, `azure_deployment=` or `temperature=` (an Agno model's `id=`)
        (`ChatOpenAI(model=config.MODEL, temperature=config.TEMPERATURE)`). Reported once, at
        the constant. Not reported: a constant read from the environment
        (`MODEL = os.getenv("MODEL", "gpt-4o")`), one assigned more than once or set at run
        time by another module (`settings.MODEL = args.model`), the defaults of a published
        library or CLI, tests and examples.
        Advisory: not scored.
    """
    why = """
        Which model an agent runs, and how it samples, is deploy configuration: staging may
        run a cheaper model, production a pinned snapshot, an incident may need a fallback.
        Fixed in a settings module, changing it is still a code change and a release.
    """
    fix = """
        Read it from the environment in the config module, with the current value as the
        default: `MODEL_NAME = os.getenv("MODEL_NAME", "gpt-4o")`,
        `TEMPERATURE = float(os.getenv("TEMPERATURE", "0.7"))`, or a `pydantic-settings` field.
    """
    invalid = (
        Example.repo({
            "agent/config.py": """
                MODEL = "gpt-4o"
                TEMPERATURE = 0.7


                class Planner:
                    MODEL_NAME = "claude-sonnet-4-5"
            """,
            "agent/chains.py": """
                from langchain_openai import ChatOpenAI

                from agent import config

                llm = ChatOpenAI(model=config.MODEL, temperature=config.TEMPERATURE)
            """,
            "agent/team.py": """
                from agno.agent import Agent
                from agno.models.openai import OpenAIChat

                from agent.config import MODEL

                researcher = Agent(model=OpenAIChat(id=MODEL))
            """,
            "agent/plan.py": """
                import anthropic

                from .config import Planner

                client = anthropic.Anthropic()


                def plan(task):
                    return client.messages.create(model=Planner.MODEL_NAME, max_tokens=512, messages=[task])
            """,
        }, lines=(1, 2, 6), columns=(9, 15, 18), message="is fixed in the module constant"),
        Example.repo({
            "agent/config.py": """
                import os


                class AgentConfig:
                    OPENAI_API_KEY = os.getenv("OPENAI_API_KEY")
                    MODEL_NAME = "gpt-4"
                    TEMPERATURE = 0.7


                config = AgentConfig()
            """,
            "agent/agent.py": """
                from langchain_openai import ChatOpenAI

                from agent.config import config


                class Agent:
                    def __init__(self):
                        self.llm = ChatOpenAI(model=config.MODEL_NAME, temperature=config.TEMPERATURE)
            """,
        }, lines=(6, 7), columns=(18, 19), message="is fixed in the module constant `AgentConfig."),
    )
    valid = (
        Example.repo({
            "agent/config.py": """
                import os

                MODEL = os.getenv("MODEL", "gpt-4o")
                TEMPERATURE = float(os.getenv("TEMPERATURE", "0.7"))
                FALLBACK_MODEL = "gpt-4o-mini"
                FALLBACK_MODEL = os.environ.get("FALLBACK_MODEL", FALLBACK_MODEL)
                RETRIES = 3
            """,
            "agent/chains.py": """
                from langchain_openai import ChatOpenAI

                from agent.config import FALLBACK_MODEL, MODEL, RETRIES, TEMPERATURE

                llm = ChatOpenAI(model=MODEL, temperature=TEMPERATURE, max_retries=RETRIES)
                backup = ChatOpenAI(model=FALLBACK_MODEL)
            """,
        }),
        Example.repo({
            "agent/settings.py": 'MODEL = "gpt-4o"\n',
            "agent/cli.py": """
                import argparse

                from agent import settings


                def main():
                    parser = argparse.ArgumentParser()
                    parser.add_argument("--model", default=settings.MODEL)
                    settings.MODEL = parser.parse_args().model
            """,
            "agent/chains.py": """
                from langchain_openai import ChatOpenAI

                from agent import settings


                def build():
                    return ChatOpenAI(model=settings.MODEL)
            """,
        }),
        Example.repo({
            "agent/chains.py": """
                from langchain_openai import ChatOpenAI

                MODEL = "gpt-4o"
                llm = ChatOpenAI(model=MODEL)
            """,
            "examples/demo.py": """
                from langchain_openai import ChatOpenAI

                from agent.chains import MODEL

                demo = ChatOpenAI(model=MODEL)
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(f.data.role in _ROLES and path_role(f.path) == "src" for f in repo.facts(ConstantUseFact)):
            return None
        return "no LLM call takes its model or temperature from another module's constant"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for (path, name), uses in sorted(constant_uses(repo).items()):
            value = uses[0].constant.data.value
            reaching = [use for use in uses if use.use.data.role in _ROLES and _fits(value, use.use.data.role)]
            if not reaching:
                continue
            first = reaching[0]
            data, constant = first.use.data, first.constant
            others = len({use.use.path for use in reaching}) - 1
            more = f" (and {others} more module{'s' if others > 1 else ''})" if others else ""
            short = name.rsplit(".", 1)[-1]
            if data.role == MODEL:
                what, default = f"model `{value}`", f'os.getenv("{short}", "{value}")'
            else:
                what, default = f"temperature `{value}`", f'float(os.getenv("{short}", "{value}"))'
            yield self.finding(
                constant.path, constant.line, constant.column,
                f"{what} is fixed in the module constant `{name}` and reaches `{data.callee}({data.slot}=…)` in "
                f"{first.use.path}:{first.use.line}{more}: read it from the environment with this as its "
                f"default (`{short} = {default}`)")


def _fits(value: str | float, role: str) -> bool:
    """A model name is a string (one word: the collector records no other); a temperature is a number."""
    return isinstance(value, str) if role == MODEL else isinstance(value, (int, float))
