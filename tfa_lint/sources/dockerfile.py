"""Dockerfiles and Containerfiles, through dockerfile-parse on an in-memory buffer."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

from dockerfile_parse import DockerfileParser

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError

_HEREDOC_RE = re.compile(r"<<-?\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ARG_REF_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}?")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, CMD, ...
    value: str  # arguments, continuation lines joined
    line: int
    end_line: int
    heredoc: str = ""  # body of any heredoc the instruction opens

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON-array (exec) form's arguments, or None for the shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            args = json.loads(text)
        except ValueError:
            return None
        return args if isinstance(args, list) and all(isinstance(a, str) for a in args) else None


@dataclass(frozen=True)
class Stage:
    index: int
    image: str  # as written after FROM (flags removed), ARG references unresolved
    name: str | None
    line: int
    instructions: tuple[Instruction, ...]


#: Every instruction Docker's builder knows (MAINTAINER is deprecated, still accepted).
INSTRUCTIONS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"})


@dataclass(frozen=True)
class Dockerfile(Artifact):
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    #: ARGs declared before the first FROM, with their defaults (None when there is none).
    global_args: tuple[tuple[str, str | None], ...]

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def problems(self) -> list[str]:
        # The word is named only when it is a short plain word: a line may be a pasted secret.
        return [f"line {ins.line}: "
                f"{f'`{ins.keyword}`' if re.fullmatch(r'[A-Z]{1,12}', ins.keyword) else 'the first word'}"
                " is not a Dockerfile instruction: ignored"
                for ins in self.instructions if ins.keyword not in INSTRUCTIONS]

    def resolve(self, text: str) -> str | None:
        """``text`` with global ARG references replaced by their defaults; None when one
        has no default (the value is only known at build time)."""
        defaults = dict(self.global_args)

        def sub(match: re.Match[str]) -> str:
            value = defaults.get(match.group(1))
            if value is None:
                value = match.group(2)
            if value is None:
                raise KeyError(match.group(1))
            return value

        try:
            return _ARG_REF_RE.sub(sub, text)
        except KeyError:
            return None


#: Suffixes of a Dockerfile that a template engine renders (`Dockerfile.j2`, `Dockerfile.tmpl`).
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".template")
_TEMPLATE_TAG_RE = re.compile(r"\{%.*?%\}|\{#.*?#\}")
_TEMPLATE_VALUE_RE = re.compile(r"\{\{.*?\}\}")


def untemplate(text: str) -> str:
    """A template's text with its expressions made unknowable, each line and column kept.

    ``{% … %}`` tags and ``{# … #}`` comments become blanks (both branches of an ``if`` are read);
    a ``{{ value }}`` becomes a build-argument reference of the same width (``${_______}``),
    which rules already treat as known only at build time: never taken for an image tag, a
    version or a secret."""
    text = _TEMPLATE_TAG_RE.sub(lambda m: " " * len(m.group()), text)
    return _TEMPLATE_VALUE_RE.sub(lambda m: "${" + "_" * (len(m.group()) - 3) + "}", text)


def parse(path: str, text: str) -> Dockerfile:
    read = untemplate(text) if path.lower().endswith(TEMPLATE_SUFFIXES) else text
    try:
        parser = DockerfileParser(fileobj=io.BytesIO(read.encode("utf-8")), env_replace=False)
        items = parser.structure
    except Exception as exc:  # dockerfile-parse raises plain exceptions on odd input
        raise SourceError(f"Dockerfile could not be parsed: {exc}") from None

    instructions: list[Instruction] = []
    pending_heredoc: list[str] = []  # terminators still open
    body: list[str] = []
    for item in items:
        if pending_heredoc:
            # dockerfile-parse does not know heredocs: their body lines come back as
            # instructions. Fold them into the instruction that opened them.
            if item["content"].strip() == pending_heredoc[0]:
                pending_heredoc.pop(0)
                if not pending_heredoc:
                    last = instructions[-1]
                    instructions[-1] = Instruction(last.keyword, last.value, last.line,
                                                   item["endline"] + 1, "".join(body))
                    body = []
            else:
                body.append(item["content"])
            continue
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        instructions.append(Instruction(keyword, item["value"], item["startline"] + 1, item["endline"] + 1))
        if keyword in {"RUN", "COPY", "ADD"}:
            pending_heredoc = [m.group(2) for m in _HEREDOC_RE.finditer(item["value"])]

    stages: list[Stage] = []
    global_args: list[tuple[str, str | None]] = []
    current: list[Instruction] | None = None
    header: Instruction | None = None

    def close() -> None:
        if header is not None and current is not None:
            image, name = _split_from(header.value)
            stages.append(Stage(len(stages), image, name, header.line, tuple(current)))

    for ins in instructions:
        if ins.keyword == "FROM":
            close()
            header, current = ins, []
        elif current is None:
            if ins.keyword == "ARG":
                for name, value in arg_pairs(ins.value):
                    global_args.append((name, value))
        else:
            current.append(ins)
    close()
    return Dockerfile(path=path, kind=FileKind.DOCKERFILE, text=text, instructions=tuple(instructions),
                      stages=tuple(stages), global_args=tuple(global_args))


def _split_from(value: str) -> tuple[str, str | None]:
    words = [w for w in value.split() if not w.startswith("--")]
    image = words[0] if words else ""
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return image, name


def arg_pairs(value: str) -> list[tuple[str, str | None]]:
    pairs: list[tuple[str, str | None]] = []
    for word in value.split():
        name, eq, default = word.partition("=")
        pairs.append((name, default.strip("\"'") if eq else None))
    return pairs


def env_pairs(value: str) -> list[tuple[str, str]]:
    """``ENV`` arguments as (key, value): both ``K=V K2="V 2"`` and legacy ``K V`` forms."""
    import shlex

    try:
        words = shlex.split(value, posix=True)
    except ValueError:
        words = value.split()
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    out = []
    for word in words:
        key, eq, val = word.partition("=")
        if eq:
            out.append((key, val))
    return out
