"""TFA0503 — Config or secrets copied into the container image."""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Iterable

import pathspec

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.dockerfile import Dockerfile, Instruction
from tfa_lint.sources.envfile import EnvFile

from ..facts.config_reads import is_committed_env_file

_EXAMPLE_NAME_RE = re.compile(r"(?i)(example|sample|template|dist|defaults?|tpl)")
_SECRET_FILE_RE = re.compile(
    r"(?i)^(\.env(\..+)?|.+\.env|.+\.pem|.+\.key|id_rsa|id_ed25519|.+\.p12|.+\.pfx"
    r"|secrets?([._-].*)?|credentials\.json|client_secret.*\.json|.*service[-_]?account.*\.json)$")
_GLOB_CHARS = re.compile(r"[*?\[]")


#: Key files that say they are public: an apt repository's signing key (`repo.gpg.key`), an armored
#: `.asc`, an SSH `.pub`, a keyring. Copying one into an image configures trust, not a secret.
_PUBLIC_KEY_NAME_RE = re.compile(r"(?i)(\.pub$|\.asc$|gpg|pgp|public|pubkey|keyring)")


def _is_secret_name(name: str) -> bool:
    return (bool(_SECRET_FILE_RE.match(name)) and not _EXAMPLE_NAME_RE.search(name)
            and not _PUBLIC_KEY_NAME_RE.search(name))


def _copy_sources(ins: Instruction) -> list[str] | None:
    """The build-context paths a COPY/ADD reads; None when it reads another stage or image."""
    if "<<" in ins.value:
        return None  # a heredoc writes literal content
    words = ins.exec_form
    if words is None:
        try:
            words = shlex.split(ins.value)
        except ValueError:
            words = ins.value.split()
    if any(w.startswith("--from") for w in words):
        return None
    args = [w for w in words if not w.startswith("--")]
    return [s for s in args[:-1] if not re.match(r"^[a-z]+://|^git@", s)]


def _context_path(source: str) -> str:
    """A COPY source relative to the build context ("" for the whole context)."""
    path = posixpath.normpath(source.lstrip("/"))
    return "" if path == "." else path


def _dockerignore(repo: Repo, dockerfile: Dockerfile, context: str) -> pathspec.PathSpec | None:
    """BuildKit reads ``<Dockerfile>.dockerignore`` first, then the context's ``.dockerignore``."""
    for candidate in (dockerfile.path + ".dockerignore", posixpath.join(context, ".dockerignore")):
        art = repo.artifact(candidate)
        if art is not None:
            lines = [line.strip() for line in art.lines if line.strip() and not line.lstrip().startswith("#")]
            # Docker anchors patterns at the context root; "/x" and "./x" mean the same.
            lines = [("!" if line.startswith("!") else "") + line.lstrip("!").lstrip("/").removeprefix("./")
                     for line in lines]
            return pathspec.PathSpec.from_lines("gitignore", lines)
    return None


def _has_values(repo: Repo, path: str) -> bool:
    art = repo.artifact(path)
    return not isinstance(art, EnvFile) or any(e.value for e in art.entries)


class SecretsBakedIntoImage(RepoRule):
    id = "TFA0503"
    name = "secrets-baked-into-image"
    factor = 5
    severity = Severity.ERROR
    security = True
    security_severity = 7.5
    title = "Config or secrets copied into the container image"
    what = """
        A `COPY`/`ADD` in the final stage of a Dockerfile that copies a `.env` file
        (`.env`, `.env.production`, `prod.env`), a private key (`*.pem`, `*.key`; not one whose name
        says it is public, such as an apt repository's `*.gpg.key`, `*.asc` or `*.pub`), a `secrets*`
        file or directory or a cloud credentials file (`credentials.json`,
        `service-account*.json`); or a `COPY . …` (or a directory) whose build context holds a
        committed `.env` file with values that no `.dockerignore` pattern excludes. Templates
        (`.env.example`, `.env.sample`, `.env.template`), copies from other stages
        (`--from=…`), builder stages, and files in tests and examples are not reported.
    """
    why = """
        An image is a build artifact meant to be promoted unchanged from staging to production;
        config baked into it ties it to one environment, and secrets in a layer are readable by
        anyone who can pull the image — forever, since deleting the file in a later layer does
        not remove it from the earlier one.
    """
    fix = """
        Remove the `COPY` of the file, add `.env*` (with `!.env.example`), `*.pem` and
        `secrets*` to `.dockerignore`, and give config to the container at run time:
        `docker run --env-file`, compose `env_file:`, or the platform's secret store.
    """
    invalid = (
        Example.of("""
            FROM python:3.12.8-slim
            WORKDIR /app
            COPY requirements.txt .env ./
            COPY certs/server.pem /etc/ssl/
            CMD ["python", "-m", "agent"]
        """, "Dockerfile", lines=(3, 4), columns=(1, 1), message="bakes config or secrets into the image"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12.8-slim
                WORKDIR /app
                COPY . .
                CMD ["python", "-m", "agent"]
            """,
            ".env": "OPENAI_MODEL=gpt-4o\nDATABASE_URL=postgresql://agent@db/agent\n",
            ".dockerignore": ".git\n__pycache__\n",
        }, lines=(3,), columns=(1,), message="copies the committed `.env` into the image"),
    )
    valid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12.8-slim
                WORKDIR /app
                COPY . .
                COPY .env.example .env.example
                CMD ["python", "-m", "agent"]
            """,
            ".env": "OPENAI_MODEL=gpt-4o\n",
            ".env.example": "OPENAI_MODEL=\n",
            ".dockerignore": ".env*\n!.env.example\n",
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12.8-slim AS build
                COPY .env.build .
                RUN pip wheel -w /wheels .

                FROM python:3.12.8-slim
                COPY --from=build /wheels /wheels
                COPY agent agent
                CMD ["python", "-m", "agent"]
            """,
            "agent/.env.template": "OPENAI_MODEL=\n",
        }),
        Example.of("""
            FROM python:3.12.8-slim
            COPY vendor-repo.gpg.key /tmp/vendor.gpg.key
            RUN gpg --dearmor -o /usr/share/keyrings/vendor.gpg /tmp/vendor.gpg.key && rm /tmp/vendor.gpg.key
            COPY agent agent
            CMD ["python", "-m", "agent"]
        """, "Dockerfile"),
        Example.repo({
            "Dockerfile": 'FROM python:3.12.8-slim\nCOPY . .\nCMD ["python", "app.py"]\n',
            "tests/.env": "DATABASE_URL=sqlite://\n",
            ".env": "OPENAI_API_KEY=\n",
            "examples/Dockerfile": "FROM python:3.12.8-slim\nCOPY .env .\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not _runtime_dockerfiles(repo):
            return "no Dockerfile found outside tests and examples"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        env_files = [p for p in repo.files_of(FileKind.ENV)
                     if is_committed_env_file(p) and path_role(p) in ("src", "script")]
        for dockerfile in _runtime_dockerfiles(repo):
            stage = dockerfile.final_stage
            if stage is None:
                continue
            context = dockerfile.directory
            in_context = {p[len(context) + 1:] if context else p: p for p in env_files
                          if not context or p.startswith(context + "/")}
            ignore = _dockerignore(repo, dockerfile, context)
            for ins in stage.instructions:
                if ins.keyword not in ("COPY", "ADD"):
                    continue
                for source in _copy_sources(ins) or ():
                    yield from self._check_source(dockerfile, ins, _context_path(source), in_context, ignore, repo)

    def _check_source(self, dockerfile: Dockerfile, ins: Instruction, source: str, in_context: dict[str, str],
                      ignore: pathspec.PathSpec | None, repo: Repo) -> Iterable[Finding]:
        name = posixpath.basename(source)
        if _GLOB_CHARS.search(source):
            hits = [rel for rel in in_context if fnmatch.fnmatch(rel, source)]
            if hits:
                yield self.finding(
                    dockerfile.path, ins.line, 1,
                    f"`{ins.keyword} {source}` copies `{hits[0]}` into the image: config and secrets baked into a "
                    "layer go wherever the image goes. Remove it, exclude `.env*` in .dockerignore, and pass "
                    "config at run time (`--env-file`, platform secrets)")
            return
        if name and _is_secret_name(name):
            yield self.finding(
                dockerfile.path, ins.line, 1,
                f"`{ins.keyword} {source}` bakes config or secrets into the image: anyone who can pull it can "
                "read them, and the image cannot be promoted between environments. Remove the copy and pass them "
                "at run time (`docker run --env-file`, compose `env_file:`, the platform's secret store)")
            return
        leaked = [rel for rel in in_context
                  if (not source or rel.startswith(source + "/"))
                  and not (ignore is not None and ignore.match_file(rel))
                  and _has_values(repo, in_context[rel])]
        if leaked:
            shown = ", ".join(f"`{rel}`" for rel in sorted(leaked)[:3])
            yield self.finding(
                dockerfile.path, ins.line, 1,
                f"`{ins.keyword} {source or '.'}` copies the committed {shown} into the image, and no .dockerignore "
                "pattern excludes it: add `.env*` and `!.env.example` to .dockerignore and pass config at run time")


def _runtime_dockerfiles(repo: Repo) -> list[Dockerfile]:
    return [a for a in repo.artifacts(FileKind.DOCKERFILE)
            if isinstance(a, Dockerfile) and path_role(a.path) in ("src", "script")]
