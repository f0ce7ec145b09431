"""What several config rules share: the file kinds read as text for credentials, compose's
default syntax, where a variable of a multi-line Dockerfile ``ENV`` sits, and a key shape for
their examples.
"""

from __future__ import annotations

import re

from collections.abc import Iterator

from tfa_lint.model import FileKind, Repo, path_role
from tfa_lint.sources.dockerfile import Dockerfile, env_pairs

_TEXT_KINDS = (FileKind.PYTHON, FileKind.DOCKERFILE, FileKind.REQUIREMENTS, FileKind.PYPROJECT,
               FileKind.PROCFILE, FileKind.COMPOSE, FileKind.ENV)

# Key shapes for examples, assembled so that this file itself holds no key-shaped literal.
_OPENAI = "sk-proj-" + "Q3vT9xLm2Rk7Wp4Zs8Nd1Hf6Jy0Bc5Gt" + "Kp3Lw7Xa2"

#: ``${VAR:-default}`` / ``${VAR-default}``: compose's own silent default (group 1).
COMPOSE_DEFAULT_RE = re.compile(r"^\$\{\s*[A-Za-z_][A-Za-z0-9_]*\s*:?-(.*)\}$", re.DOTALL)


def env_key_position(lines: list[str], first: int, last: int, key: str) -> tuple[int, int]:
    """The line and column of ``key=`` in an instruction spanning ``first``..``last``, so each
    variable of a multi-line ``ENV`` is reported (and tracked) at its own line."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(key)}(?=[=\s])")
    for number in range(first, min(last, len(lines)) + 1):
        match = pattern.search(lines[number - 1], 4 if number == first else 0)
        if match:
            return number, match.start() + 1
    return first, 1


def dockerfile_env_values(repo: Repo) -> Iterator[tuple[str, int, int, str, str]]:
    """Every ``ENV`` variable of the repository's own Dockerfiles (not its tests' or examples'):
    (path, line, column, variable, value), each variable at its own line of a multi-line ``ENV``."""
    for art in repo.artifacts(FileKind.DOCKERFILE):
        assert isinstance(art, Dockerfile)
        if path_role(art.path) not in ("src", "script"):
            continue
        lines = art.text.splitlines()
        for ins in (i for i in art.instructions if i.keyword == "ENV"):
            for key, value in env_pairs(ins.value):
                line, column = env_key_position(lines, ins.line, ins.end_line, key)
                yield art.path, line, column, key, value
