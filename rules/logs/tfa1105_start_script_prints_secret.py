"""TFA1105 — Start script prints a secret to the log."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

from ..facts.processes import ProcessFacts, long_running_reason
from ..facts.secrets import is_secret_name
from ..facts.start_scripts import start_steps

#: Commands that write their arguments to standard output, which the platform collects as the log.
_PRINTERS = {"echo", "printf"}
#: Commands that print every environment variable, secrets included, when run without arguments.
_ENVIRONMENT_DUMPS = {"env", "printenv", "export", "set"}


class StartScriptPrintsSecret(RepoRule):
    id = "TFA1105"
    name = "start-script-prints-secret"
    factor = 11
    severity = Severity.ERROR
    security = True
    security_severity = 6.5
    title = "Start script prints a secret to the log"
    collectors = (ProcessFacts,)
    what = """
        A shell script that a process runs at start (`CMD ["./start.sh"]`, a compose or
        Procfile command naming a script, and the scripts it sources) that echoes a
        secret-named variable (`echo "password: $DB_PASSWORD"`, `printf '%s' "$API_KEY"`) or
        dumps the whole environment (`env`, `printenv`, `export -p` with no pattern).
        Printing that a variable is set, its name, or its length is not reported, nor output
        redirected into a file or piped into another command (`| docker login --password-stdin`).
    """
    why = """
        A process's standard output is its log stream (factor XI): the platform collects it,
        ships it to a log service, keeps it for weeks and shows it to everyone with log
        access. A secret printed at start is in every log of every restart.
    """
    fix = """
        Print whether the value is set, never the value: `echo "DB_PASSWORD is
        ${DB_PASSWORD:+set}"`. Drop `env`/`printenv` dumps, or filter them
        (`printenv | grep -v -E 'KEY|TOKEN|SECRET|PASSWORD'`). Rotate any secret that has
        been printed.
    """
    invalid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/start.sh"]\n',
            "start.sh": """
                #!/bin/sh
                echo "connecting with db password: $DB_PASSWORD"
                printenv
                exec uvicorn agent.api:app --host 0.0.0.0
            """,
        }, lines=(2, 3), columns=(1, 1), message="The start script `start.sh`"),
        Example.repo({
            "Procfile": "web: bash bin/web.sh\n",
            "bin/web.sh": """
                . bin/env.sh
                exec uvicorn agent.api:app --port "$PORT"
            """,
            "bin/env.sh": 'printf "token=%s\\n" "${OPENAI_API_KEY}"\n',
        }, lines=(1,), columns=(1,), message="prints `$OPENAI_API_KEY`"),
    )
    valid = (
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["/app/start.sh"]\n',
            "start.sh": """
                #!/bin/sh
                echo "DB_PASSWORD is ${DB_PASSWORD:+set}"
                echo "token length: ${#API_TOKEN}"
                echo "Set OPENAI_API_KEY before starting"
                printenv PORT
                echo "max tokens: $MAX_TOKENS"
                echo "$REGISTRY_PASSWORD" | docker login -u agent --password-stdin registry.example.com
                printf 'api_key = "%s"\n' "$API_KEY" > /app/config/credentials.toml
                exec python -m agent.worker
            """,
        }),
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCMD ["python", "-m", "agent.worker"]\n',
            "scripts/debug_env.sh": 'echo "key: $OPENAI_API_KEY"\n',
            "agent/worker.py": "while True:\n    pass\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return long_running_reason(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for start in start_steps(repo):
            step = start.step
            program = step.program
            name = program[0].rsplit("/", 1)[-1] if program else ""
            if step.output != "log":
                continue  # into a file or a pipe (`echo "$TOKEN" | docker login --password-stdin`), not the log
            if name in _PRINTERS:
                shown = [v for v in step.variables if is_secret_name(v) and _prints_value(program, v)]
                if shown:
                    yield self.finding(
                        start.script.path, step.line, step.column,
                        f"The start script {start.label} prints `${shown[0]}` to the log: every log line of "
                        "every start holds the secret. Print whether it is set (`${VAR:+set}`), never its value")
            elif name in _ENVIRONMENT_DUMPS and _dumps_all(name, program):
                yield self.finding(
                    start.script.path, step.line, step.column,
                    f"The start script {start.label} runs `{' '.join(program)}`, which prints every environment "
                    "variable, secrets included, to the log: remove it or filter out the secrets")


def _prints_value(program: tuple[str, ...], variable: str) -> bool:
    """Whether the command prints the variable's value, not a test of it (`${X:+set}`, `${#X}`)."""
    for word in program[1:]:
        for form in (f"${variable}", f"${{{variable}}}", f"${{{variable}:-", f"${{{variable}-"):
            if form in word:
                return True
    return False


def _dumps_all(name: str, program: tuple[str, ...]) -> bool:
    arguments = [w for w in program[1:] if w not in ("-0", "--null")]
    if name == "export":
        return arguments == ["-p"]
    if name == "set":
        return not arguments  # `set` alone lists every variable; `set -e` sets options
    return not arguments
