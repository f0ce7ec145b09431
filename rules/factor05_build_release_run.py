"""Factor V — Build, release, run: build once, release an identifiable build, run it unchanged.

(The floating base image check of this factor is TFA0207, under Dependencies.)
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections.abc import Iterable

import libcst as cst
import pathspec

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, FactCollector, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile, Instruction
from tfa_lint.sources.envfile import EnvFile

from .facts.config_reads import is_committed_env_file
from .facts.processes import ProcessFacts, commands
from .facts.projects import COLLECTORS as PROJECT_COLLECTORS
from .facts.projects import distribution_names

# -- TFA0501 ---------------------------------------------------------------------------------

#: Installs and code fetches. Non-literal parts of a command are flattened to "{}".
_INSTALL_RE = re.compile(
    r"\b(?P<what>(?:uv\s+)?pip3?\s+install"
    r"|apt(?:-get)?\s+(?:-\S+\s+)*install"
    r"|apk\s+add"
    r"|npm\s+(?:install|i|ci)"
    r"|git\s+(?:clone|pull))\b"
)
_SUBPROCESS_CALLS = {
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen",
    "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen",
    "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec",
}
_PIP_MAIN = {"pip.main", "pip._internal.main", "pip._internal.cli.main.main"}
#: The command runs somewhere else (a sandbox container, a remote host): not this process's release.
_REMOTE_RE = re.compile(r"\b(docker|podman|kubectl)\s+(exec|run)\b|\bssh\s")
#: One-off installer modules by name (what setup.py/noxfile.py/tasks.py are to path_role).
_REPO_URL_RE = re.compile(r"://|^git@|\.git$")
_INSTALLER_FILE_RE = re.compile(r"^(install|installer|setup|bootstrap|build)(_\w+)?\.py$")
#: Compose files for local development, where a mounted source tree is installed on start.
_DEV_COMPOSE_RE = re.compile(r"(?i)(dev|local|test|override|debug)")


def _flatten(node: cst.BaseExpression) -> str | None:
    """A command argument as text, non-literal parts as ``{}``; None when nothing is literal."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _flatten(node.left), _flatten(node.right)
        return None if left is None and right is None else (left or "{}") + (right or "{}")
    if isinstance(node, cst.FormattedString):
        return "".join(p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = _flatten(node.left), _flatten(node.right)
        return None if left is None and right is None else (left or "{}") + (right or "{}")
    if isinstance(node, (cst.List, cst.Tuple)):
        words = [_flatten(e.value) if isinstance(e, cst.Element) else None for e in node.elements]
        return None if all(w is None for w in words) else " ".join(w or "{}" for w in words)
    return None


def install_in(command: str, *, elsewhere: bool = False) -> str | None:
    """The install or fetch a command runs (``pip install``…), or None.

    ``git clone`` counts only with a literal source (cloning what a user asked for is the
    product, not a build step); ``git pull`` only when it runs in the process's own directory.
    """
    if _REMOTE_RE.search(command):
        return None
    for match in _INSTALL_RE.finditer(command):
        what = " ".join(match.group("what").split())
        if what.startswith("git clone"):
            rest = re.split(r"&&|\|\||;|\|", command[match.end():])[0].split()
            if not any(_REPO_URL_RE.search(w) and "{}" not in w and "$" not in w for w in rest):
                continue
        elif what.startswith("git pull") and (elsewhere or re.search(r"\bgit\s+-C\b", command)):
            continue
        elif what.startswith(("apt", "apk")):
            # `apt install -y {package}`: a system package named only at run time is one the user or
            # the agent asked for (a tool), not a dependency of this process.
            rest = re.split(r"&&|\|\||;|\|", command[match.end():])[0].split()
            if all(w == "{}" for w in rest if not w.startswith("-")):
                continue
        return what
    return None


class RuntimeInstallFacts(FactCollector):
    """Subprocess calls and ``pip.main`` calls that install packages or fetch code."""

    name = "runtime-installs"

    def visit_Call(self, node: cst.Call) -> None:
        if self.file.role != "src" or _INSTALLER_FILE_RE.match(posixpath.basename(self.file.path)):
            return
        names = self.qualified_names(node.func)
        if names & _PIP_MAIN:
            first = node.args[0].value if node.args else None
            text = _flatten(first) if first is not None else None
            if text and text.split()[:1] == ["install"]:
                self.record("runtime-install", node, what="pip install", via=min(names & _PIP_MAIN))
            return
        called = names & _SUBPROCESS_CALLS
        if not called:
            return
        positional = [a for a in node.args if a.keyword is None and a.star == ""]
        if "asyncio.create_subprocess_exec" in called:
            parts = [_flatten(a.value) for a in positional]
            text = None if all(p is None for p in parts) else " ".join(p or "{}" for p in parts)
        else:
            arg = next((a.value for a in node.args if a.keyword is not None and a.keyword.value in ("args", "cmd")),
                       positional[0].value if positional else None)
            text = _flatten(arg) if arg is not None else None
        elsewhere = any(a.keyword is not None and a.keyword.value == "cwd" for a in node.args)
        what = install_in(text, elsewhere=elsewhere) if text else None
        if what:
            self.record("runtime-install", node, what=what, via=min(called))


class InstallAtRunTime(RepoRule):
    id = "TFA0501"
    name = "install-at-run-time"
    factor = 5
    severity = Severity.ERROR
    title = "Packages installed or code fetched when the process starts"
    collectors = (RuntimeInstallFacts, ProcessFacts)
    what = """
        A process that installs packages or fetches code as it runs: `pip install`,
        `uv pip install`, `apt-get install`, `npm install`, `git clone` of a fixed source or
        `git pull` — in the `CMD`/`ENTRYPOINT` of a Dockerfile's final stage, a Procfile line or a
        compose `command`, or run from source code through `subprocess`, `os.system` or
        `pip.main` (the `except ImportError: pip install …` auto-installer included). Not
        reported: scripts, `setup.py`/`noxfile.py`/`tasks.py`, `install*.py`/`bootstrap*.py`
        modules, tests and examples, commands run in another container or host
        (`docker exec`, `ssh`), `git clone` of a URL only known at run time, and
        development compose files and services (`docker-compose.dev.yml`, `…override.yml`, a
        `tests` service).
    """
    why = """
        The build stage turns a commit into an executable bundle; the run stage only runs it.
        An install at start-up makes every start a new, untested build: it resolves whatever
        versions the index serves that minute, fails when the index or network is down, slows
        every restart and scale-out, and means two replicas of one release may run different
        code.
    """
    fix = """
        Move the install into the build: a Dockerfile `RUN pip install -r requirements.txt`
        (or `uv sync --frozen`) and a `CMD` that only starts the app, or a declared dependency in
        `pyproject.toml`/`requirements.txt`. Delete auto-installers and let a missing
        dependency fail with a clear `ImportError`.
    """
    invalid = (
        Example.of("""
            FROM python:3.12.8-slim
            WORKDIR /app
            COPY . .
            CMD pip install -r requirements.txt && python agent.py
        """, "Dockerfile", lines=(4,)),
        Example.of("""
            import subprocess
            import sys

            try:
                import chromadb
            except ImportError:
                subprocess.check_call([sys.executable, "-m", "pip", "install", "chromadb"])
                import chromadb
        """, "agent/memory.py", lines=(7,)),
        Example.repo({
            "Procfile": "web: git pull && uvicorn app:app --port $PORT\n",
            "app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(1,)),
        Example.of("""
            import os as system
            from subprocess import run as sh

            sh("apt-get install -y ffmpeg", shell=True)
            system.system("npm install --prefix ui")
        """, "agent/tools.py", lines=(4, 5)),
    )
    valid = (
        Example.of("""
            FROM python:3.12.8-slim
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY agent agent
            CMD ["python", "-m", "agent"]
        """, "Dockerfile"),
        Example.repo({
            "scripts/setup_env.py": """
                import subprocess

                subprocess.run(["pip", "install", "-r", "requirements.txt"], check=True)
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "setup.py": 'import os\n\nos.system("pip install wheel")\n',
            "tests/conftest.py": 'import subprocess\n\nsubprocess.run("pip install pytest-xdist", shell=True)\n',
            "examples/demo.py": 'import os\n\nos.system("git clone https://github.com/acme/kb data")\n',
        }),
        Example.of("""
            import subprocess


            def checkout(repo_url: str, workdir: str) -> None:
                subprocess.run(["git", "clone", "--depth", "1", repo_url, workdir], check=True)
                subprocess.run(["git", "pull"], cwd=workdir, check=True)


            def run_in_sandbox(container: str, package: str) -> None:
                subprocess.run(["docker", "exec", container, "pip", "install", package], check=True)


            def pip_version() -> str:
                return subprocess.check_output(["pip", "--version"], text=True)
        """, "agent/tools/git.py"),
        Example.repo({
            "docker-compose.dev.yml": """
                services:
                  api:
                    build: .
                    command: sh -c "pip install -e . && uvicorn app:app --reload"
            """,
            "app.py": """
                def install(args):
                    return args


                install("pip install nothing")
            """,
        }),
        Example.of("""
            import subprocess


            class Shell:
                def run(self, command: str) -> str:
                    if command.startswith("apt-get install"):
                        return self.install_system_package(command.split()[-1])
                    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout

                def install_system_package(self, name: str) -> str:
                    subprocess.run(["sudo", "apt-get", "install", "-y", name], check=True)
                    return f"installed {name}"
        """, "agent/tools/shell.py"),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if any(path_role(p) == "src" for p in repo.files_of(FileKind.PYTHON)) or commands(repo):
            return None
        return "no source code or process declaration found outside tests, scripts and examples"

    def check(self, repo: Repo) -> Iterable[Finding]:
        for fact in repo.facts("runtime-install"):
            yield self.finding(
                fact.path, fact.line, fact.column,
                f"`{fact.data['via']}` runs `{fact.data['what']}` at run time: every start becomes an untested "
                "build. Declare the dependency and install it in the build (Dockerfile `RUN`, requirements), "
                "and let a missing package fail at import")
        for command in commands(repo):
            name = posixpath.basename(command.path)
            if command.path.endswith((".yml", ".yaml")) and (
                    _DEV_COMPOSE_RE.search(name) or _DEV_COMPOSE_RE.search(command.name)):
                continue  # a development file or a test/dev service
            what = install_in(" ".join(command.words))
            if what:
                label = "CMD/ENTRYPOINT" if command.name == "CMD" else f"process `{command.name}`"
                yield self.finding(
                    command.path, command.line, 1,
                    f"{label} runs `{what}` on every start: move it into the build (a Dockerfile `RUN` step "
                    "or the buildpack's install) and make the command only start the app")


# -- TFA0503 ---------------------------------------------------------------------------------

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
        """, "Dockerfile", lines=(3, 4)),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12.8-slim
                WORKDIR /app
                COPY . .
                CMD ["python", "-m", "agent"]
            """,
            ".env": "OPENAI_MODEL=gpt-4o\nDATABASE_URL=postgresql://agent@db/agent\n",
            ".dockerignore": ".git\n__pycache__\n",
        }, lines=(3,)),
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


# -- TFA0504 ---------------------------------------------------------------------------------

#: Tags that name no release: they move to whatever was pushed last.
_MOVING_TAGS = frozenset({"latest", "main", "master", "nightly", "edge", "dev", "develop", "stable", "current",
                          "rolling"})


def _comparable(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _runtime_composes(repo: Repo) -> list[ComposeFile]:
    return [a for a in repo.artifacts(FileKind.COMPOSE)
            if isinstance(a, ComposeFile) and path_role(a.path) in ("src", "script")]


class ReleaseNotIdentifiable(RepoRule):
    id = "TFA0504"
    name = "release-not-identifiable"
    factor = 5
    severity = Severity.NOTE
    title = "Deploy runs the repository's own image by a moving tag"
    collectors = PROJECT_COLLECTORS
    what = """
        A compose service (outside tests and examples) that pulls the repository's own image —
        its name is the name a manifest of the repository gives the project (`pyproject.toml`,
        `setup.py`, `setup.cfg`) — by a tag that names no release: no tag, or `latest`, `main`,
        `nightly`, `stable`…. Services that build the image (`build:`), tags from a variable
        (`${APP_VERSION}`) and digests (`@sha256:…`) are not reported. Advisory: whether a
        release is identified elsewhere (CI, a registry) cannot be seen from the files; this
        rule fires only on a deploy file that shows it is not.
    """
    why = """
        Every release should carry a unique id, so that what runs can be traced back to the
        commit it was built from, compared between environments and rolled back to. A deploy
        that pulls `app:latest` runs whatever was pushed last: two hosts started a day apart
        run different code from the same file, and there is no older release to go back to.
    """
    fix = """
        Deploy a release tag or a digest (`image: acme/agent:1.4.2`, or
        `image: acme/agent:${APP_VERSION}` set by the release step), and push each build under
        its own tag (the version, or the git SHA).
    """
    invalid = (
        Example.repo({
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
            "deploy/docker-compose.yml": """
                services:
                  api:
                    image: ghcr.io/acme/support-agent:latest
                    ports:
                      - "8000:8000"
                  worker:
                    image: ghcr.io/acme/support_agent
                    command: python -m support_agent.worker
                  db:
                    image: postgres:16
            """,
        }, lines=(3, 7)),
    )
    valid = (
        Example.repo({
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
            "deploy/docker-compose.yml": """
                services:
                  api:
                    image: ghcr.io/acme/support-agent:1.4.2
                  worker:
                    image: ghcr.io/acme/support-agent:${APP_VERSION:-1.4.2}
                  scheduler:
                    image: ghcr.io/acme/support-agent@sha256:4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0e9
                  cache:
                    image: redis:latest
            """,
        }),
        # Built from the checkout by compose itself: the tag names a local build, not a pull.
        Example.repo({
            "setup.py": 'from setuptools import setup\n\nsetup(name="support-agent", version="0.3.0")\n',
            "docker-compose.yml": """
                services:
                  api:
                    build: .
                    image: acme/support-agent
            """,
        }),
        # An application with no deploy file: nothing shows how releases are identified.
        Example.repo({
            "Dockerfile": 'FROM python:3.12.8-slim\nCMD ["python", "-m", "agent"]\n',
            "agent/__main__.py": "print('hello')\n",
        }),
        Example.repo({
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
            "tests/docker-compose.yml": "services:\n  api:\n    image: acme/support-agent:latest\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not any(not s.builds and s.image for c in _runtime_composes(repo) for s in c.services):
            return "no compose file (outside tests and examples) pulls an image to run"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        own = {_comparable(n) for n in distribution_names(repo)}
        if not own:
            return
        for compose in _runtime_composes(repo):
            for service in compose.services:
                image = service.image
                if service.builds or not image or "$" in image or "@" in image:
                    continue
                last = image.rsplit("/", 1)[-1]
                name, _, tag = last.partition(":")
                if _comparable(name) not in own or (tag and tag.lower() not in _MOVING_TAGS):
                    continue
                line = next((n for n, text in enumerate(compose.lines[service.line - 1:], service.line)
                             if re.match(r"^\s*image\s*:", text)), service.line)
                yield self.finding(
                    compose.path, line, 1,
                    f"`{service.name}` runs this repository's own image `{image}` "
                    f"{f'by the moving tag `{tag}`' if tag else 'with no tag (latest)'}: nothing says which release "
                    "runs. Deploy a version tag or a digest (`:1.4.2`, `:${APP_VERSION}`), pushed once per build")
