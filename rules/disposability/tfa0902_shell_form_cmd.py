"""TFA0902 — Shell-form CMD/ENTRYPOINT keeps SIGTERM from the process."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable

from tfa_lint.fix import Edit, Fix
from tfa_lint.model import Artifact, FileKind, Finding, Severity
from tfa_lint.rule import ArtifactRule, Example
from tfa_lint.sources.dockerfile import Dockerfile, Instruction
from tfa_lint.sources.platform import PlatformManifest

from ..facts.commandline import is_admin_command, segments, shell_execs_last_command

_INITS = ("tini", "dumb-init", "s6-svscan", "/init", "catatonit")


class ShellFormCommand(ArtifactRule):
    id = "TFA0902"
    name = "shell-form-cmd"
    factor = 9
    severity = Severity.WARNING
    title = "Shell-form CMD/ENTRYPOINT keeps SIGTERM from the process"
    kinds = (FileKind.DOCKERFILE, FileKind.PLATFORM)
    runtime_only = True
    fixable = """
        safe, when the shell-form command has no shell syntax, no variable to expand and no
        comment among its continued lines, and the stage has a CMD or an ENTRYPOINT but not both:
        it is written in exec form, on one line.
    """
    what = """
        A final-stage `CMD` or `ENTRYPOINT` written in shell form (`CMD python app.py`), or in
        exec form around a shell (`["sh", "-c", "migrate && python app.py"]`), whose last
        command is not started with `exec`; the same for a long-running container of a
        Kubernetes manifest or a fly.toml process written as `["sh", "-c", "…"]` (those
        platforms run the command itself, so the shell is there only because it was written),
        unless its pod sets `terminationGracePeriodSeconds: 0` (killed at once by design).
        Images whose exec-form `ENTRYPOINT` is an init (tini, dumb-init) are not reported, nor
        one-off job images whose every command is an admin task (`make migrate && python
        migrate_data.py`): they run to completion. Nor `bash -c` around a plain list
        (`cd /app && uvicorn …`): bash 5.1 and later replace themselves with its last command,
        which dash (`sh`) does not.
    """
    why = """
        The shell form runs `/bin/sh -c "…"` as PID 1. The shell does not forward SIGTERM
        to its child, so the application never learns it should shut down and is SIGKILLed
        when the stop grace period ends (Docker's own build check `JSONArgsRecommended`).
    """
    fix = """
        Use the exec form: `CMD ["python", "-m", "agent.worker"]`. If you need shell
        features, end the script with `exec "$@"` or prefix the command with `exec`.
    """
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD python /app/agent.py
        """, "Dockerfile", lines=(3,), columns=(1,), message="Shell-form CMD makes a shell PID 1", fixed="""
            FROM python:3.12-slim
            COPY . /app
            CMD ["python", "/app/agent.py"]
        """),
        Example.of("""
            FROM python:3.12-slim
            CMD gunicorn --bind 0.0.0.0:8000 \\
                --workers 2 \\
                agent.api:app
            EXPOSE 8000
        """, "Dockerfile", lines=(2,), columns=(1,), message="Shell-form CMD", fixed="""
            FROM python:3.12-slim
            CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "agent.api:app"]
            EXPOSE 8000
        """),
        # must not fix: the variable needs the shell to expand it, and CMD beside ENTRYPOINT changes meaning
        Example.of("""
            FROM python:3.12-slim
            CMD uvicorn agent.api:app --port $PORT
        """, "Dockerfile", lines=(2,), columns=(1,), message="keep the variables", fixed={}),
        Example.of("""
            FROM python:3.12-slim
            ENTRYPOINT ["/usr/local/bin/agent"]
            CMD serve --port 8000
        """, "Dockerfile", lines=(3,), columns=(1,), message="Shell-form CMD", fixed={}),
        Example.of("""
            FROM python:3.12-slim
            ENTRYPOINT ["sh", "-c", "python migrate.py && python worker.py"]
        """, "Dockerfile", lines=(2,), columns=(1,), message="`sh -c` ENTRYPOINT makes a shell PID 1"),
        Example.repo({
            "k8s/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["/bin/sh", "-c"]
                          args: ["cd /srv && uvicorn agent.app:app --host 0.0.0.0 --port 8000"]
            """,
        }, lines=(11,), columns=(11,), message="`/bin/sh -c` in the `api` process makes a shell PID 1"),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            CMD ["python", "/app/agent.py"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD exec uvicorn app:app --host 0.0.0.0 --port "$PORT"
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD ["bash", "-c", "cd /srv && uvicorn agent.api:app --host 0.0.0.0"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            CMD ["sh", "-c", "python migrate.py && exec python worker.py"]
        """, "Dockerfile"),
        Example.of("""
            FROM agent:1.4.2
            COPY copy_sessions.py .
            ENTRYPOINT sh -c "make migrate && python migrate_sessions.py"
        """, "jobs/session-migration/Dockerfile"),
        Example.repo({  # the script's last line execs the server; init containers and Jobs run to completion
            "k8s/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  template:
                    spec:
                      initContainers:
                        - name: wait-for-db
                          image: busybox:1.36
                          command: ["sh", "-c", "until nc -z db 5432; do sleep 1; done"]
                      containers:
                        - name: api
                          image: ghcr.io/acme/agent:1.4.2
                          command:
                            - sh
                            - -c
                            - |
                              if [ -f /run/secrets/token ]; then
                                export API_TOKEN="$(cat /run/secrets/token)"
                              fi
                              exec uvicorn agent.app:app --host 0.0.0.0
                ---
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: reindex
                spec:
                  template:
                    spec:
                      containers:
                        - name: reindex
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["sh", "-c", "python -m agent.reindex && echo done"]
            """,
        }),
        Example.repo({  # a placeholder that keeps an image cached: the pod is meant to be killed at once
            "deploy/image-warmer.yaml": """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: image-warmer
                spec:
                  template:
                    spec:
                      terminationGracePeriodSeconds: 0
                      containers:
                        - name: warmer
                          image: ghcr.io/acme/agent-sandbox:3.0.0
                          command: ["sh", "-c", "while true; do sleep 3600; done"]
            """,
        }),
    )

    def check(self, artifact: Artifact) -> Iterable[Finding]:
        if isinstance(artifact, PlatformManifest):
            yield from self._platform(artifact)
            return
        assert isinstance(artifact, Dockerfile)
        stage = artifact.final_stage
        if stage is None:
            return
        entry = [i for i in stage.instructions if i.keyword == "ENTRYPOINT"][-1:]
        if entry and entry[0].exec_form and entry[0].exec_form[0].rsplit("/", 1)[-1] in _INITS:
            return
        for ins in entry + [i for i in stage.instructions if i.keyword == "CMD"][-1:]:
            args = ins.exec_form
            if args is None:
                script, form = ins.value, "Shell-form"
            elif len(args) >= 3 and args[0].rsplit("/", 1)[-1] in _SHELLS and args[1] == "-c":
                script, form = args[2], f"`{args[0]} -c`"
                if shell_execs_last_command(args[0], script):
                    continue  # `bash -c "cd /app && uvicorn …"`: bash replaces itself with uvicorn
            else:
                continue
            if _EXEC_RE.search(script):
                continue
            steps = segments((script,))
            if steps and all(is_admin_command(step.words) for step in steps):
                continue  # a one-off job (migrations) that runs to completion: nothing to stop gracefully
            others = [i for i in stage.instructions if i.keyword in ("CMD", "ENTRYPOINT") and i.keyword != ins.keyword]
            yield self.finding(
                artifact.path, ins.line, 1,
                f"{form} {ins.keyword} makes a shell PID 1, and it does not pass SIGTERM on; {_advice(ins.keyword, script)}",
                fix=None if args is not None or others else _exec_form(artifact, ins))

    def _platform(self, manifest: PlatformManifest) -> Iterable[Finding]:
        """Kubernetes containers and fly.toml processes that run long under `sh -c` without `exec`."""
        if manifest.platform not in ("kubernetes", "fly"):
            return  # Render, Railway, DigitalOcean, Heroku start commands go through the platform's own shell
        for process in manifest.processes:
            args = process.command
            if process.role not in ("web", "worker") or not isinstance(args, tuple) or len(args) < 3:
                continue  # init containers, Jobs and release commands run to completion
            if process.stop_grace == 0:
                continue  # the pod asks to be killed at once (terminationGracePeriodSeconds: 0): no graceful stop to miss
            if args[0].rsplit("/", 1)[-1] not in _SHELLS or args[1] not in ("-c", "-ec", "-ce"):
                continue
            script = args[2]
            if shell_execs_last_command(args[0], script):
                continue  # `bash -c "a && server"`: bash replaces itself with the server
            steps = segments((script,))
            if any(step.words[:1] == ("exec",) for step in steps) or (
                    steps and all(is_admin_command(step.words) for step in steps)):
                continue  # the server replaces the shell (a script's lines are steps too), or a one-off task
            yield self.finding(
                manifest.path, process.line, manifest.column_of(process.line),
                f"`{args[0]} {args[1]}` in the `{process.name}` process makes a shell PID 1 of its container, and it "
                "does not pass SIGTERM on: start the last command with `exec` (`… && exec uvicorn …`) or run "
                "the server as the command itself")

_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_EXEC_RE = re.compile(r"(^|&&|;|\|\|)\s*exec\s")
_SHELL_SYNTAX_RE = re.compile(r"&&|\|\||;|\||[<>`]|\$\(")


def _exec_form(artifact: Dockerfile, ins: Instruction) -> Fix | None:
    """The same command in exec form, on one line, when that is the same program with the same
    arguments: no shell syntax, no variable to expand, no comment among continued lines. Only for a CMD without ENTRYPOINT (or the
    reverse): beside the other, the form decides what is passed to what."""
    if _SHELL_SYNTAX_RE.search(ins.value) or "$" in ins.value or "\\" in ins.value:
        return None
    lines = artifact.text.splitlines()
    spanned = lines[ins.line - 1:ins.end_line]
    if not 1 <= ins.line <= ins.end_line <= len(lines) or any("{{" in line for line in spanned) or any(
            line.lstrip().startswith("#") for line in spanned[1:]):
        return None  # a template, or a comment inside the continued lines that one line would lose
    head = re.match(r"\s*\S+\s+", lines[ins.line - 1])
    try:
        words = shlex.split(ins.value)
    except ValueError:
        return None
    if head is None or not words:
        return None
    return Fix(f"Write the {ins.keyword} in exec form",
               (Edit.lines(artifact.path, artifact.text, ins.line, ins.end_line, head.group() + json.dumps(words)),))


def _advice(keyword: str, script: str) -> str:
    if _SHELL_SYNTAX_RE.search(script):
        return ("start the last command with `exec` (`… && exec python worker.py`) or move the steps into an "
                'entrypoint script that ends with `exec "$@"`')
    if "$" in script:
        return f"keep the variables and prefix the command with `exec`: {keyword} exec {script.strip()}"
    try:
        return f"write it in exec form: {keyword} {json.dumps(shlex.split(script))}"
    except ValueError:
        return f"prefix the command with `exec`: {keyword} exec {script.strip()}"
