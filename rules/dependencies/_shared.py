"""What several dependency rules share: development-only requirement files, build tools,
the LLM SDK pattern, ``pip install`` command lines, and an application's manifests.
"""

from __future__ import annotations

import functools
import re
import shlex

from packaging.requirements import InvalidRequirement, Requirement

from tfa_lint.model import Repo

from ..facts.projects import projects

_DEV_FILE_RE = re.compile(r"(?i)(^|[/_.-])(dev|develop|test|tests|testing|lint|docs?|ci|typing|mypy|local)([/_.-]|$)")
_BUILD_TOOLS = frozenset({"pip", "setuptools", "wheel", "uv", "poetry", "pipenv", "pip-tools", "hatch", "pdm"})


#: LLM SDKs and agent frameworks: fast-moving, with breaking changes between minor versions.
LLM_SDK_RE = re.compile(
    r"^(openai|anthropic|langchain(-.*)?|langgraph(-.*)?|llama-index(-.*)?|crewai(-tools)?|smolagents|autogen(-.*)?|"
    r"pyautogen|ag2|litellm|instructor|pydantic-ai(-slim)?|google-genai|google-generativeai|mistralai|cohere|groq|"
    r"transformers|dspy(-ai)?|semantic-kernel|haystack-ai|openai-agents)$")
#: Images and compose files that run a test suite or CI job, by file name (`Dockerfile.test`,
#: `docker-compose.ci.yml`) or directory (`tests/`, `integration/`, `e2e/`).
TEST_IMAGE_RE = re.compile(r"(?i)(^|[/._-])(tests?|testing|integration|e2e|ci)([/._-]|$)")
#: Shell commands that install the project's own manifest (its lock, extras or requirements).
_PROJECT_INSTALL_RE = re.compile(r"\b(uv\s+sync|poetry\s+install|pdm\s+(install|sync)|pipenv\s+(install|sync))\b")


@functools.lru_cache(maxsize=4096)
def _dependency_name(spec: str) -> str:
    # Cached: a pyproject's dependency list is matched against each LLM SDK it declares.
    try:
        return Requirement(spec).name.lower().replace("_", "-")
    except InvalidRequirement:
        return spec.lower()


def pip_install_commands(script: str) -> list[tuple[list[str], bool, bool]]:
    """Each command of a shell script, in order: the packages it ``pip install``s by name,
    whether it upgrades (``-U``), and whether it installs the project's own manifest (``.``,
    ``-r file``, ``uv sync``, ``poetry install``…)."""
    out: list[tuple[list[str], bool, bool]] = []
    for command in re.split(r"&&|\|\||;|\||\n", script):
        try:
            words = shlex.split(command, posix=True)
        except ValueError:
            words = command.split()
        for i in range(len(words) - 1):
            if words[i].rsplit("/", 1)[-1] in ("pip", "pip3") and words[i + 1] == "install":
                args = words[i + 2:]
                upgrade = any(a in ("-U", "--upgrade") for a in args)
                project = any(a in ("-r", "--requirement") or a.startswith(("-r", ".", "/")) and not a.startswith("--")
                              or a.startswith("--requirement=") for a in args)
                out.append((_install_args(args), upgrade, project))
                break
        else:
            out.append(([], False, bool(_PROJECT_INSTALL_RE.search(command))))
    return out


def _install_args(args: list[str]) -> list[str]:
    out: list[str] = []
    skip_next = False
    for word in args:
        if skip_next:
            skip_next = False
            continue
        if word.startswith("-"):
            if word in ("-r", "-c", "-e", "--requirement", "--constraint", "--editable", "-i", "--index-url",
                        "--extra-index-url", "-f", "--find-links", "--target", "-t", "--prefix", "--root",
                        "--python", "--platform", "--trusted-host", "--cache-dir"):
                skip_next = True
            continue
        if word.startswith((".", "/", "$", "git+", "http://", "https://")) or word.endswith((".whl", ".tar.gz", ".zip")):
            continue
        try:
            name = Requirement(word).name.lower()
        except InvalidRequirement:
            continue
        if name not in _BUILD_TOOLS:
            out.append(word)
    return out


def _application_manifest(repo: Repo, path: str) -> bool:
    """A manifest of an application project that is deployed or runs a long-running process
    (not a library's or a CLI's, whose published ranges are meant for users' resolvers)."""
    project = projects(repo).owner(path)
    return project.runtime and project.is_application and (project.deployed or project.runs_python)
