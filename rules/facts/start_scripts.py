"""What a process runs when it starts, followed into the repository's shell scripts.

A declared process (a Dockerfile CMD/ENTRYPOINT, a compose command, a Procfile line, a platform
manifest) often names a script: ``CMD ["./start.sh"]``, ``command: bash scripts/run.sh``. The
script is what runs: it may install packages, migrate the database, start a second service in
the background, or leave the shell as PID 1. ``script_runs`` finds the scripts processes run;
``start_steps`` lists every command those scripts run, following the scripts they source or call
(``. ./env.sh``, ``bash migrate.sh``), each script once.

A script is named by a path inside the image (``/app/start.sh``), relative to a working directory,
or relative to the declaring file; it is matched to the repository's script whose path ends the
same way, nearest the declaring file first. A reference that stays ambiguous is not followed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from tfa_lint.model import FileKind, Repo
from tfa_lint.sources.shell import ShellScript, ShellStep

from .commandline import Segment, is_admin_command, segments
from .processes import RUNNERS, AppFact, Command, LoopFact, ServerRunFact, commands, resolve_module

#: Programs that serve until stopped, besides the Python runners (a server, a database, a display).
DAEMONS = frozenset({
    "node", "npm", "yarn", "pnpm", "bun", "deno", "java", "supervisord", "nginx", "caddy", "httpd", "apache2",
    "redis-server", "postgres", "mongod", "mysqld", "mariadbd", "memcached", "rabbitmq-server", "ollama",
    "qdrant", "chroma", "Xvfb", "x11vnc", "websockify", "sshd", "cron", "crond", "dockerd", "vllm", "litellm",
    "jupyter", "code-server", "streamlit", "chainlit", "gradio", "flask", "hypercorn", "fastapi", "ray",
})
_PYTHON_RE = re.compile(r"^python(\d(\.\d+)?)?$")
#: Words that run the script named after them.
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_SOURCE = {".", "source"}


@dataclass(frozen=True)
class ScriptRun:
    """A script a declared process runs as its command (``CMD ["./start.sh"]``)."""

    process: Command
    script: ShellScript
    last: bool  # the process's last command: its final command is the process's main one


@dataclass(frozen=True)
class StartStep:
    """One command a process's start script runs (or a script it sources or calls runs)."""

    process: Command
    script: ShellScript
    step: ShellStep

    @property
    def segment(self) -> Segment:
        return Segment(self.step.words, background=self.step.background)

    @property
    def label(self) -> str:
        """How a message names the process: `start.sh` (run by the `web` process)."""
        return f"`{self.script.path}` (started by {describe(self.process)})"


def describe(process: Command) -> str:
    """`CMD` of Dockerfile, the `web` process of Procfile, the compose service `api`."""
    if process.name == "CMD":
        return f"the CMD/ENTRYPOINT of `{process.path}`"
    return f"`{process.name}` in `{process.path}`"


def script_runs(repo: Repo) -> list[ScriptRun]:
    """The scripts declared processes run as a command, each (process, script) pair once."""
    if "script_runs" in repo.memo:
        return repo.memo["script_runs"]
    out: list[ScriptRun] = []
    seen: set[tuple[str, int, str]] = set()
    for process in commands(repo):
        parts = segments(process.words)
        for index, part in enumerate(parts):
            script = resolve_script(repo, named_script(part.program), process.path)
            if script is not None and (process.path, process.line, script.path) not in seen:
                seen.add((process.path, process.line, script.path))
                out.append(ScriptRun(process, script, last=index == len(parts) - 1))
    repo.memo["script_runs"] = out
    return out


def start_steps(repo: Repo) -> list[StartStep]:
    """Every command the processes' scripts run, and the scripts those source or call; each
    script's commands once (for the first process that runs it)."""
    if "start_steps" in repo.memo:
        return repo.memo["start_steps"]
    out: list[StartStep] = []
    done: set[str] = set()
    for run in script_runs(repo):
        todo = [run.script]
        while todo:
            script = todo.pop(0)
            if script.path in done:
                continue
            done.add(script.path)
            for step in script.steps:
                out.append(StartStep(run.process, script, step))
                called = resolve_script(repo, named_script(step.program), script.path)
                if called is not None:
                    todo.append(called)
    repo.memo["start_steps"] = out
    return out


def script_commands(repo: Repo) -> list[Command]:
    """The commands start scripts run, as process commands of the process that runs the script
    (``exec uvicorn app:app`` in ``start.sh``): what makes a repository a service, and which
    modules its processes run. Admin steps (migrations) are left out."""
    return [Command(s.script.path, s.step.line, s.step.words, s.process.name) for s in start_steps(repo)
            if s.step.program and not is_admin_command(s.step.program)]


def runs_until_stopped(repo: Repo, program: tuple[str, ...]) -> bool:
    """Whether a command serves until it is stopped: a runner (uvicorn, celery), a daemon
    (redis-server, node server.js), or a Python module of the repository that starts an app, a
    server or a service loop. A Python file the repository does not hold is not judged."""
    if not program or is_admin_command(program):
        return False
    name = program[0].rsplit("/", 1)[-1]
    if name in RUNNERS:
        return True
    if _PYTHON_RE.match(name):
        targets = Command("", 0, program, "").python_targets()
        modules = {p for t in targets if (p := resolve_module(repo, t))}
        return any(f.path in modules and (isinstance(f.data, AppFact) or f.data.reachable)
                   for f in repo.facts(AppFact, ServerRunFact, LoopFact))
    if name == "sleep":
        return program[1:2] == ("infinity",)
    if name == "tail":
        return "-f" in program or "-F" in program
    return name in DAEMONS and not any(w in ("--version", "--help", "-v", "install", "ci", "run-script", "build")
                                       for w in program[1:2])


def named_script(program: tuple[str, ...]) -> str | None:
    """The script a command runs: ``bash x.sh``, ``. ./env.sh``, ``source x``, ``./x.sh``."""
    if not program:
        return None
    name = program[0].rsplit("/", 1)[-1]
    if name in _SHELLS or name in _SOURCE:
        rest = [w for w in program[1:] if not w.startswith("-")]
        return rest[0] if rest and not program[1:2] == ("-c",) else None
    # a program named by a path (`./start.sh`, `/app/run`) or with a script's suffix
    return program[0] if "/" in program[0] or program[0].endswith((".sh", ".bash")) else None


def resolve_script(repo: Repo, ref: str | None, near: str) -> ShellScript | None:
    """The repository's shell script ``ref`` names, seen from the file ``near`` that names it."""
    if not ref or "$" in ref or "`" in ref or ref.startswith("-"):
        return None
    scripts = repository_scripts(repo)
    if not ref.startswith("/"):
        local = posixpath.normpath(posixpath.join(posixpath.dirname(near), ref))
        if local in scripts:
            return scripts[local]
    parts = [p for p in ref.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    # `/app/scripts/start.sh` inside the image: the longest tail of it that names one script
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        found = [path for path in scripts if path == tail or path.endswith("/" + tail)]
        if len(found) > 1:
            base = posixpath.dirname(near)
            found = [path for path in found if not base or path.startswith(base + "/")]
        if len(found) == 1:
            return scripts[found[0]]
        if found:
            return None  # ambiguous: several scripts of that name
    return None


def repository_scripts(repo: Repo) -> dict[str, ShellScript]:
    """The repository's shell scripts by path."""
    if "shell_scripts" not in repo.memo:
        repo.memo["shell_scripts"] = {a.path: a for a in repo.artifacts(FileKind.SHELL)
                                      if isinstance(a, ShellScript) and a.is_shell}
    return repo.memo["shell_scripts"]
