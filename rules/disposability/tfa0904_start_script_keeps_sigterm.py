"""TFA0904 — Start script or shell command keeps SIGTERM from the server."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator

from tfa_lint.fix import Edit, Fix, offset_of_line
from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources import SourceError
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.compose import parse as parse_compose
from tfa_lint.sources.shell import ShellScript, ShellStep

from ..facts.commandline import is_admin_command, segments, shell_execs_last_command
from ..facts.processes import Command, ProcessFacts, commands, long_running_reason, service_words
from ..facts.start_scripts import (
    describe,
    named_script,
    repository_scripts,
    resolve_script,
    runs_until_stopped,
    script_runs,
)

#: Inits that pass SIGTERM on to what they start (dumb-init and tini -g to its whole process group).
_INITS = {"tini", "dumb-init", "s6-svscan", "catatonit", "init"}
#: Compose files and services for development and tests: a slow `docker compose down` there is no outage.
_DEV_RE = re.compile(r"(?i)(^|[._-])(dev|devel|development|local|debug|test|tests|testing|override)([._-]|$)")


class StartScriptKeepsSigterm(RepoRule):
    id = "TFA0904"
    name = "start-script-keeps-sigterm"
    factor = 9
    severity = Severity.WARNING
    title = "Start script or shell command keeps SIGTERM from the server"
    collectors = (ProcessFacts,)
    fixable = """
        safe: `exec ` is put before the script's last command when it is a statement of the
        script itself or ends one `&&`/`||` list (not in a branch, loop, function, pipeline or
        subshell, nor followed by anything but `exit`, in a script without traps or background
        jobs that nothing sources),
        and before the last command of a compose `sh -c "a && b"` where that is a plain
        insertion in the YAML text.
    """
    what = """
        A shell script that a container process runs (`CMD ["./start.sh"]`, compose
        `command: bash run.sh`, a Kubernetes `command`) whose last command starts the server
        without `exec` (`uvicorn app:app`, `"$@"`, `python worker.py`, or `wait` for servers
        sent to the background), and a compose command `sh -c "a && b"` whose last
        command has no `exec` (dash, Debian's `/bin/sh`, keeps itself as the parent even of a
        single command; `bash -c` replaces itself with the last command of a plain list, so it
        is not reported). A script
        that traps TERM (and passes it on) is not reported, nor one started under an init (tini,
        dumb-init), nor Procfile processes (the platform signals every process of the dyno), nor
        development and test compose files.
    """
    why = """
        The shell stays PID 1 of the container and the server is its child. The shell does
        not pass SIGTERM on, and as PID 1 it ignores it: `docker stop` and every rolling
        deploy wait out the grace period and SIGKILL the server mid-request, without its
        shutdown hooks (factor IX, disposability).
    """
    fix = """
        Start the last command with `exec` (`exec uvicorn app:app …`, `exec "$@"`) so the
        server replaces the shell and receives SIGTERM itself. To run several processes,
        give each its own container or process type.
    """
    invalid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/scripts/start.sh"]\n',
            "scripts/start.sh": """
                #!/bin/sh
                set -e
                python -m agent.migrate_check
                uvicorn agent.api:app --host 0.0.0.0 --port 8000
            """,
        }, lines=(4,), columns=(1,), message="`uvicorn agent.api:app` runs as a child of the shell", fixed={
            "scripts/start.sh": """
                #!/bin/sh
                set -e
                python -m agent.migrate_check
                exec uvicorn agent.api:app --host 0.0.0.0 --port 8000
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["./docker-entrypoint.sh"]\nCMD ["celery", "-A", "agent", "worker"]\n',
            "docker-entrypoint.sh": """
                #!/bin/bash
                if [ -n "$DEBUG" ]; then
                  echo "debug mode"
                fi
                "$@"
            """,
        }, lines=(5,), columns=(1,), message="The command passed to the script", fixed={
            "docker-entrypoint.sh": """
                #!/bin/bash
                if [ -n "$DEBUG" ]; then
                  echo "debug mode"
                fi
                exec "$@"
            """,
        }),
        # the last command of a final `&&` list; an `exit` with the server's own status may follow:
        # exec ends the script the same way
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": "#!/bin/sh\npython -m agent.migrate_check && uvicorn agent.api:app\n",
        }, lines=(2,), columns=(34,), message="`uvicorn agent.api:app` runs as a child",
            fixed={"start.sh": "#!/bin/sh\npython -m agent.migrate_check && exec uvicorn agent.api:app\n"}),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["bash", "run.sh"]\n',
            "run.sh": "cd /srv\n  gunicorn agent.api:app > /proc/1/fd/1 2>&1\nexit $?\n",
        }, lines=(2,), columns=(3,), message="`gunicorn agent.api:app` runs as a child",
            fixed={"run.sh": "cd /srv\n  exec gunicorn agent.api:app > /proc/1/fd/1 2>&1\nexit $?\n"}),
        Example.repo({
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: sh -c "python -m agent.check_db && uvicorn agent.api:app --host 0.0.0.0"
            """,
        }, lines=(4,), columns=(5,), message="`sh -c` keeps the shell as PID 1", fixed={
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: sh -c "python -m agent.check_db && exec uvicorn agent.api:app --host 0.0.0.0"
            """,
        }),
        Example.repo({
            "compose.yaml": """
                services:
                  worker:
                    image: ghcr.io/acme/agent:1.4.2
                    command: ["sh", "-c", "cd /srv; celery -A agent worker"]
            """,
        }, lines=(4,), columns=(5,), message="`celery -A` runs as its child", fixed={
            "compose.yaml": """
                services:
                  worker:
                    image: ghcr.io/acme/agent:1.4.2
                    command: ["sh", "-c", "cd /srv; exec celery -A agent worker"]
            """,
        }),
        # must not fix: `wait` is a builtin, not a program to exec
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["bash", "run.sh"]\n',
            "run.sh": """
                gunicorn agent.api:app &
                python -m agent.worker &
                wait
            """,
        }, lines=(3,), columns=(1,), message="waits for servers it started in the background", fixed={}),
        # must not fix: an exec would skip the EXIT trap, hand the server a child to reap, or skip the
        # `exit 0`; an exec inside a subshell replaces the subshell only
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": """
                #!/bin/sh
                trap 'rm -f /tmp/agent.lock' EXIT
                touch /tmp/agent.lock
                uvicorn agent.api:app
            """,
        }, lines=(4,), columns=(1,), message="`uvicorn agent.api:app` runs as a child", fixed={}),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": "#!/bin/sh\nredis-server --save '' &\nuvicorn agent.api:app\n",
        }, lines=(3,), columns=(1,), message="`uvicorn agent.api:app` runs as a child", fixed={}),

        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": "#!/bin/sh\n(cd /srv && uvicorn agent.api:app)\n",
        }, lines=(2,), columns=(13,), message="`uvicorn agent.api:app` runs as a child", fixed={}),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": "#!/bin/sh\nuvicorn agent.api:app\nexit 0\n",
        }, lines=(2,), columns=(1,), message="`uvicorn agent.api:app` runs as a child", fixed={}),
        # escaped quotes and a folded block: the insertion is checked by reading the file again
        Example.repo({
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: ["sh", "-c", "python -m agent.check_db && uvicorn agent.api:app --host \\"0.0.0.0\\""]
                  worker:
                    build: .
                    command: >
                      sh -c "python -m agent.check_db &&
                      celery -A agent worker"
            """,
        }, lines=(4, 7), columns=(5, 5), message="`sh -c` keeps the shell as PID 1", fixed={
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: ["sh", "-c", "python -m agent.check_db && exec uvicorn agent.api:app --host \\"0.0.0.0\\""]
                  worker:
                    build: .
                    command: >
                      sh -c "python -m agent.check_db &&
                      exec celery -A agent worker"
            """,
        }),
        # must not fix: dash would not pass a variable assigned before `exec` to the server
        Example.repo({
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: sh -c "python -m agent.check_db && PORT=8000 uvicorn agent.api:app"
            """,
        }, lines=(4,), columns=(5,), message="`sh -c` keeps the shell as PID 1", fixed={}),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./start.sh"]\n',
            "start.sh": """
                #!/bin/sh
                set -e
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["./entrypoint.sh"]\n',
            "entrypoint.sh": """
                #!/bin/bash
                main() {
                  exec python -m agent.worker
                }
                main "$@"
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./run.sh"]\n',
            "run.sh": """
                #!/bin/bash
                trap 'kill -TERM "$child"; wait "$child"' TERM
                python -m agent.worker &
                child=$!
                wait "$child"
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/usr/bin/dumb-init", "--", "./start.sh"]\n',
            "start.sh": "#!/bin/sh\nuvicorn agent.api:app\n",
        }),
        Example.repo({
            "Procfile": "web: bash start.sh\n",
            "start.sh": "#!/bin/sh\nuvicorn agent.api:app --port $PORT\n",
        }),
        Example.repo({
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: sh -c "python -m agent.check_db && exec uvicorn agent.api:app"
                  migrate:
                    build: .
                    command: sh -c "alembic upgrade head && python -m agent.seed"
            """,
        }),
        Example.repo({
            "compose.yaml": """
                services:
                  api:
                    build: .
                    command: bash -c "python -m agent.check_db && uvicorn agent.api:app --host 0.0.0.0"
            """,
        }),
        Example.repo({
            "docker-compose.dev.yml": """
                services:
                  web:
                    build: .
                    command: sh -c "pnpm install && pnpm run dev"
            """,
        }),
        Example.repo({
            # a one-shot job (the Python file starts no server, app or loop): it ends by itself
            "Dockerfile": 'FROM python:3.12-slim\nENTRYPOINT ["/entrypoint.sh"]\n',
            "entrypoint.sh": "#!/bin/bash\npython /app/agent/review_once.py\n",
            "agent/review_once.py": "import sys\n\nprint(sys.argv)\n",
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["./migrate.sh"]\n',
            "migrate.sh": "#!/bin/sh\nset -e\nalembic upgrade head\necho done\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        seen: set[tuple[str, int]] = set()
        for run in script_runs(repo):
            if not run.last or _signals_everything(repo, run.process) or _for_development(run.process):
                continue
            for script, step, why in self._held(repo, run.script, set()):
                if (script.path, step.line) not in seen:
                    seen.add((script.path, step.line))
                    yield self.finding(
                        script.path, step.line, step.column,
                        f"{why}, started by {describe(run.process)}: the shell stays PID 1 and does not pass "
                        "SIGTERM on, so the server is SIGKILLed at every stop. Start it with `exec`",
                        fix=_exec_last_step(repo, script, step))
        for process in commands(repo):
            finding = self._shell_c(repo, process)
            if finding is not None:
                yield finding

    def _held(self, repo: Repo, script: ShellScript,
              followed: set[str]) -> Iterator[tuple[ShellScript, ShellStep, str]]:
        """The final commands of ``script`` (or of a script it hands over to) that run a server as
        the shell's child, each with its script and why."""
        if "TERM" in script.traps or script.path in followed:
            return
        followed.add(script.path)
        background_servers = [s for s in script.steps if s.background and runs_until_stopped(repo, s.program)]
        for step in script.steps:
            if not step.final or step.background:
                continue
            program = step.program
            called = resolve_script(repo, named_script(program), script.path)
            if called is not None:
                if step.exec or program[0].rsplit("/", 1)[-1] in (".", "source"):
                    yield from self._held(repo, called, followed)  # the called script is PID 1's now
                elif any(True for _ in self._held(repo, called, set(followed))):
                    yield script, step, f"`{posixpath.basename(called.path)}` runs as a child of the shell"
                continue
            if step.exec:
                continue
            if program[:1] == ("wait",) and background_servers:
                yield script, step, "The script waits for servers it started in the background"
            elif program[:1] in (("$@",), ("$*",)):
                yield script, step, "The command passed to the script (`\"$@\"`) runs as a child of the shell"
            elif runs_until_stopped(repo, program):
                yield script, step, f"`{_name(program)}` runs as a child of the shell"

    def _shell_c(self, repo: Repo, process: Command) -> Finding | None:
        """A compose command `sh -c "a && b"` whose last command has no `exec`."""
        # Dockerfiles and Kubernetes/fly manifests: TFA0902; Procfiles and PaaS start commands: the
        # platform signals every process it started
        if _kind(repo, process.path) is not FileKind.COMPOSE or _signals_everything(repo, process) or _for_development(
                process):
            return None
        words = process.words
        shell_at = next((i for i, w in enumerate(words[:-2]) if w.rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash")
                         and words[i + 1] in ("-c", "-ec", "-ce", "-lc")), None)
        if shell_at is None:
            return None
        parts = segments((words[shell_at + 2],))
        if shell_execs_last_command(words[shell_at], words[shell_at + 2]) or any(w == "exec" for w in parts[-1].words):
            return None
        last = parts[-1]
        if last.background or not runs_until_stopped(repo, last.program) or all(is_admin_command(p.words) for p in parts):
            return None
        artifact = repo.artifact(process.path)
        column = artifact.column_of(process.line) if artifact is not None else 1
        return self.finding(
            process.path, process.line, column,
            f"`sh -c` keeps the shell as PID 1 in `{process.name}`: `{_name(last.program)}` runs as its child and "
            f"never receives SIGTERM. Start the last command with `exec` (`{'… && ' if len(parts) > 1 else ''}exec "
            f"{' '.join(last.program[:2])} …`)",
            fix=_exec_in_compose_script(artifact, process, shell_at, last.words)
            if isinstance(artifact, ComposeFile) else None)


#: Functions of a script's own, and builtins: `exec` runs programs only.
_NOT_PROGRAMS = {"wait", "eval", ".", "source", "exit", "return", "trap", "cd", "set", "export", "true", "false", ":"}
#: What may follow the last command without changing what the script does once it execs:
#: `exit` with the status of that command.
_KEEPS_STATUS = {(), ("$?",), ('"$?"',)}


def _exec_last_step(repo: Repo, script: ShellScript, step: ShellStep) -> Fix | None:
    """`exec ` before the script's last command, when that changes nothing but who is PID 1: the
    command is a statement of the script itself, or the last of a top-level `&&`/`||` list (not in a
    branch, loop, function, pipeline, group or subshell), only `exit` with its status follows, no
    trap would be dropped by the exec and no background child handed to the server, the word is a
    program, and no script sources this one (an exec there would end the sourcing shell)."""
    if not (step.final and step.top_level) or step.exec or script.traps:
        return None
    if any(s.background for s in script.steps):
        return None  # the server would inherit children it started nowhere and may never reap
    if not step.program or step.words[0] != step.program[0]:
        return None  # `VAR=x cmd`: the assignment would have to move after `exec`
    functions = {s.function for s in script.steps if s.function}
    if step.program[0] in _NOT_PROGRAMS or step.program[0] in functions:
        return None
    following = script.steps[script.steps.index(step) + 1:]
    if any(s.program[:1] not in (("exit",), ("return",)) or s.program[1:] not in _KEEPS_STATUS for s in following):
        return None
    if _sourced(repo, script):
        return None
    line_start = offset_of_line(script.text, step.line)
    at = line_start + step.column - 1
    before = script.text[line_start:at].rstrip()
    if before and not before.endswith(("&&", "||")):
        return None  # the model and the text disagree about where the command starts: leave it
    return Fix("Start the last command with `exec`", (Edit.insert(script.path, script.text, at, "exec "),))


def _sourced(repo: Repo, script: ShellScript) -> bool:
    """Whether some script of the repository sources ``script`` (`. ./env.sh`, `source env.sh`)."""
    return any(step.program[:1] in ((".",), ("source",))
               and resolve_script(repo, named_script(step.program), other.path) is script
               for other in repository_scripts(repo).values() for step in other.steps)


def _exec_in_compose_script(compose: ComposeFile, process: Command, shell_at: int,
                            last: tuple[str, ...]) -> Fix | None:
    """`exec ` before the last command of a compose service's `sh -c` script, when it is a plain
    text insertion: the last command is a simple command after the script's last `&&`, `||`, `;`
    or line break, and inserting `exec ` before its first word, where the YAML writes it, gives the
    same words with `exec` before that command (checked by reading the file again: quoting,
    escapes and folded lines decide where the script's text sits in the file)."""
    script = process.words[shell_at + 2]
    start = _last_command_start(script)
    if start is None or not last or "=" in last[0]:
        return None
    try:
        if tuple(shlex.split(script[start:])) != last:
            return None
    except ValueError:
        return None
    expected = (*process.words[:shell_at + 2], f"{script[:start]}exec {script[start:]}", *process.words[shell_at + 3:])
    service = next((s for s in compose.services if s.name == process.name), None)
    if service is None:
        return None
    first_word = script[start:].split(maxsplit=1)[0]
    text = compose.text
    at = text.find(first_word, offset_of_line(text, service.line))
    for _ in range(_MAX_PLACES):
        if at < 0:
            return None
        if _words_after_insert(compose, process.name, at) == expected:
            return Fix("Start the last command with `exec`", (Edit.insert(compose.path, text, at, "exec "),))
        at = text.find(first_word, at + 1)
    return None


#: Places of the last command's first word a compose fix tries (each is one parse of the file).
_MAX_PLACES = 20


def _words_after_insert(compose: ComposeFile, service: str, at: int) -> tuple[str, ...] | None:
    """The words the compose service runs once `exec ` is inserted at ``at``, or None."""
    try:
        changed = parse_compose(compose.path, compose.text[:at] + "exec " + compose.text[at:])
    except SourceError:
        return None
    return next((service_words(s) for s in changed.services if s.name == service), None)


def _last_command_start(script: str) -> int | None:
    """Where the last command of a script starts: after its last `&&`, `||`, `;` or line break
    outside quotes. None when a pipe, a `&`, a subshell or a backquote makes the last command less plain."""
    script = script.rstrip()  # a YAML block ends with a line break
    start = 0
    quote = ""
    index = 0
    while index < len(script):
        char = script[index]
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                index += 1
        elif char in "'\"":
            quote = char
        elif char == "\\":
            index += 1
        elif script.startswith(("&&", "||"), index):
            index += 1
            start = index + 1
        elif char in ";\n":
            start = index + 1
        elif char in "|&()`":
            return None
        index += 1
    if quote:
        return None
    rest = script[start:]
    return start + len(rest) - len(rest.lstrip(" \t"))


def _name(program: tuple[str, ...]) -> str:
    return " ".join(w.rsplit("/", 1)[-1] if i == 0 else w for i, w in enumerate(program[:2]))


def _for_development(process: Command) -> bool:
    """A process of a development or test compose file or service (`docker-compose.dev.yml`, `tests`)."""
    return bool(_DEV_RE.search(posixpath.basename(process.path)) or _DEV_RE.search(process.name))


def _kind(repo: Repo, path: str) -> FileKind | None:
    artifact = repo.artifact(path)
    return artifact.kind if artifact is not None else None


def _signals_everything(repo: Repo, process: Command) -> bool:
    """Procfile processes (the platform signals the whole dyno) and commands under an init."""
    if _kind(repo, process.path) is FileKind.PROCFILE:
        return True
    return any(w.rsplit("/", 1)[-1] in _INITS for w in process.words[:3])

