"""TFA0804 — Celery beat runs in a replicated process."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.platform import PlatformManifest, PlatformProcess
from tfa_lint.sources.procfile import Procfile

from ..facts.commandline import segments
from ..facts.processes import Command, ProcessFacts, commands
from ._shared import _applies

#: `celery worker -B`, `--beat`, and `-B` bundled with `-E` (task events), its only short
#: companion flag without a value in Celery 5's `worker` command.
_BEAT_FLAG_RE = re.compile(r"^(--beat|-E?BE?)$")
#: Celery options whose value is the next word (so `-A beat` names an app, not the subcommand).
_VALUE_OPTIONS = frozenset({"-A", "--app", "-b", "--broker", "--result-backend", "--workdir", "--config"})
#: Platforms whose process types are scaled by a dial (dashboard, `heroku ps:scale`, `fly scale
#: count`): a worker type there is meant to run in as many copies as the load needs.
_SCALED_PLATFORMS = frozenset({"fly", "render", "digitalocean", "railway", "heroku"})
#: Files for a developer's machine (`Procfile.dev` under honcho or foreman, `compose.local.yml`):
#: one copy of each process, whatever a platform would do with the same line.
_DEV_FILE_RE = re.compile(r"(?i)(^|[._-])(dev|devel|development|local)([._-]|$)")


class ReplicatedCeleryBeat(RepoRule):
    id = "TFA0804"
    name = "replicated-celery-beat"
    factor = 8
    severity = Severity.WARNING
    title = "Celery beat runs in a replicated process"
    collectors = (ProcessFacts,)
    what = """
        Celery's periodic-task scheduler started inside a worker (`celery worker --beat` or
        `-B`) in a process that runs in several copies: a Kubernetes Deployment or StatefulSet
        with `replicas` over 1 or an autoscaler (HorizontalPodAutoscaler, KEDA ScaledObject), a
        DaemonSet, a Job with `parallelism` over 1, a compose service with `deploy.replicas` or
        `scale` over 1, a supervisord program with `numprocs` over 1, or a process type of a
        platform that scales process types by a dial (Procfile, fly.toml, render.yaml,
        `.do/app.yaml`, Railway) unless the manifest pins its count to 1 (`numInstances: 1`,
        app.json `formation` quantity 1). Files for a developer's machine (`Procfile.dev`,
        `compose.local.yml`) are not reported. A dedicated `celery beat` process is reported only when
        it is itself declared with several copies. A single-replica compose service and an
        image's `CMD` (whose copies no file of the repository declares) are not reported.
    """
    why = """
        Beat is a clock, not a worker: each running copy reads the schedule and sends every due
        task. With three replicas each periodic task runs three times — three digests mailed,
        three billing runs, three re-index jobs racing each other. Celery's documentation says
        `-B` is for development and that exactly one beat may run per schedule. Scaling the
        worker, which is the point of a worker process type, silently multiplies the schedule.
    """
    fix = """
        Drop `-B`/`--beat` from the worker and run the scheduler as its own process type with
        exactly one copy: `beat: celery -A app beat` (Procfile), a separate Deployment with
        `replicas: 1` and `strategy: Recreate`, or a compose service without replicas. Scale
        the worker freely.
    """
    invalid = (
        Example.repo({
            "k8s/worker.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: agent-worker
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: worker
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["celery", "-A", "agent.tasks", "worker", "--beat", "-l", "info"]
            """,
            "agent/tasks.py": "from celery import Celery\n\napp = Celery('agent')\n",
        }, lines=(12,), columns=(11,), message="declares 3 replicas"),
        Example.repo({
            "Procfile": "web: gunicorn agent.app:app\nworker: celery -A agent.tasks worker -B --concurrency 4\n",
            "agent/tasks.py": "from celery import Celery\n\napp = Celery('agent')\n",
        }, lines=(2,), columns=(1,), message="process type `worker` can be scaled"),
        Example.repo({
            "deploy/worker.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: summarizer
                spec:
                  template:
                    spec:
                      containers:
                        - name: summarizer
                          image: ghcr.io/acme/summarizer:2.0.1
                          args: ["celery", "-A", "summarizer", "worker", "-B"]
            """,
            "deploy/hpa.yaml": """
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: summarizer
                spec:
                  scaleTargetRef:
                    kind: Deployment
                    name: summarizer
                  minReplicas: 1
                  maxReplicas: 6
            """,
        }, lines=(11,), columns=(11,), message="an autoscaler scales it"),
        Example.repo({
            "docker-compose.prod.yml": """
                services:
                  scheduler:
                    image: ghcr.io/acme/agent:1.4.2
                    command: celery -A agent.tasks beat
                    deploy:
                      replicas: 2
            """,
        }, lines=(4,), columns=(5,), message="runs `celery beat`"),
        Example.repo({
            "render.yaml": """
                services:
                  - type: worker
                    name: jobs
                    runtime: python
                    startCommand: celery -A agent.tasks worker --beat --loglevel info
            """,
            "agent/tasks.py": "from celery import Celery\n\napp = Celery('agent')\n",
        }, lines=(5,), columns=(5,), message="can be scaled"),
    )
    valid = (
        Example.repo({  # a single-replica development compose file
            "docker-compose.yml": """
                services:
                  worker:
                    build: .
                    command: celery -A agent.tasks worker -B -l debug
            """,
        }),
        Example.repo({  # the scheduler is its own process with one copy; the worker scales
            "k8s/celery.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: worker
                spec:
                  replicas: 4
                  template:
                    spec:
                      containers:
                        - name: worker
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["celery", "-A", "agent.tasks", "worker"]
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: beat
                spec:
                  replicas: 1
                  strategy:
                    type: Recreate
                  template:
                    spec:
                      containers:
                        - name: beat
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["celery", "-A", "agent.tasks", "beat"]
            """,
        }),
        Example.repo({  # explicitly one copy: `replicas: 1`, and the PaaS count pinned to 1
            "k8s/worker.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: worker
                spec:
                  replicas: 1
                  template:
                    spec:
                      containers:
                        - name: worker
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["celery", "-A", "agent.tasks", "worker", "-B"]
            """,
            "render.yaml": """
                services:
                  - type: worker
                    name: jobs
                    numInstances: 1
                    startCommand: celery -A agent.tasks worker -B
            """,
            "Procfile": "worker: celery -A agent.tasks worker --beat\n",
            "app.json": '{"name": "agent", "formation": {"worker": {"quantity": 1, "size": "basic"}}}\n',
        }),
        Example.repo({  # a dedicated beat process type on a PaaS: scaled to one by whoever runs it
            "Procfile": "worker: celery -A agent.tasks worker\nbeat: celery -A agent.tasks beat\n",
            "agent/tasks.py": "from celery import Celery\n\napp = Celery('agent')\n",
        }),
        Example.repo({  # a developer's Procfile, run by honcho or foreman: one copy of each process
            "Procfile.dev": "web: uvicorn agent.app:app --reload\nworker: celery -A agent.tasks worker -B -l debug\n",
            "agent/tasks.py": "from celery import Celery\n\napp = Celery('agent')\n",
        }),
        Example.repo({  # `-A beat` names the app; `-b` is the broker: no scheduler here
            "Procfile": "worker: celery -A beat worker -b redis://queue:6379/0 -E\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        return _applies(repo)

    def check(self, repo: Repo) -> Iterable[Finding]:
        for command in commands(repo):
            scheduler = _scheduler(command.words)
            if scheduler is None or _DEV_FILE_RE.search(posixpath.basename(command.path)):
                continue
            copies = _copies(repo, command, in_worker=scheduler == "worker")
            if copies is None:
                continue
            where = repo.artifact(command.path)
            column = where.column_of(command.line) if where is not None else 1
            if scheduler == "worker":
                message = (f"`{command.name}` runs Celery beat inside its worker (`-B`/`--beat`) and {copies}: every "
                           "copy runs the scheduler, so each periodic task fires once per copy. Drop `-B` and run "
                           "`celery beat` as its own process with exactly one copy")
            else:
                message = (f"`{command.name}` runs `celery beat` and {copies}: every copy runs the scheduler, so "
                           "each periodic task fires once per copy. Run exactly one beat process")
            yield self.finding(command.path, command.line, column, message)


def _scheduler(words: tuple[str, ...]) -> str | None:
    """"worker" for `celery worker -B`, "beat" for `celery beat`, else None."""
    for segment in segments(words):
        program = list(segment.program)
        if program[:3] and re.match(r"^python(\d(\.\d+)?)?$", program[0].rsplit("/", 1)[-1]) and program[1:3] == [
                "-m", "celery"]:
            program = program[2:]
        if not program or program[0].rsplit("/", 1)[-1] != "celery":
            continue
        subcommand = _subcommand(program[1:])
        if subcommand == "beat":
            return "beat"
        if subcommand == "worker" and any(_BEAT_FLAG_RE.match(word) for word in program):
            return "worker"
    return None


def _subcommand(arguments: list[str]) -> str | None:
    skip = False
    for word in arguments:
        if skip:
            skip = False
        elif word in _VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def _copies(repo: Repo, command: Command, *, in_worker: bool) -> str | None:
    """Why the process runs in several copies (a phrase after "and"), or None when it runs
    once or nothing says. A worker type of a dial-scaled platform counts unless pinned to 1;
    a dedicated beat process only when its own declaration asks for several."""
    artifact = repo.artifact(command.path)
    if isinstance(artifact, ComposeFile):
        service = next((s for s in artifact.services if s.name == command.name), None)
        return _declared(service.replicas if service else None)
    if isinstance(artifact, Procfile):
        quantity = _formation(repo, command.name)
        if quantity is not None:
            return _declared(quantity)
        return f"its process type `{command.name}` can be scaled (`heroku ps:scale`)" if in_worker else None
    if isinstance(artifact, PlatformManifest):
        process = next((p for p in artifact.processes if p.line == command.line and p.name == command.name), None)
        return _platform_copies(repo, artifact, process, in_worker) if process else None
    return None


def _platform_copies(repo: Repo, manifest: PlatformManifest, process: PlatformProcess, in_worker: bool) -> str | None:
    if process.replicas is not None and process.replicas > 1:
        return _declared(process.replicas)
    if process.scaled_by:
        return f"{process.scaled_by} scales it" if process.scaled_by == "autoscaling" else f"runs as {process.scaled_by}"
    if manifest.platform == "kubernetes" and process.role not in ("init", "job", "cron") and any(
            process.name.split("/")[0] in other.autoscaled
            for other in repo.artifacts(FileKind.PLATFORM) if isinstance(other, PlatformManifest)):
        return "an autoscaler scales it"
    if (in_worker and process.replicas is None and manifest.platform in _SCALED_PLATFORMS
            and process.role in ("web", "worker")):
        return f"its {manifest.platform} process `{process.name}` can be scaled and pins no count of 1"
    return None


def _declared(count: int | None) -> str | None:
    return f"declares {count} replicas" if count is not None and count > 1 else None


def _formation(repo: Repo, process_type: str) -> int | None:
    """The quantity a Heroku app.json `formation` gives a Procfile process type, if any."""
    for manifest in repo.artifacts(FileKind.PLATFORM):
        if isinstance(manifest, PlatformManifest):
            for name, quantity, _ in manifest.formation:
                if name == process_type:
                    return quantity
    return None
