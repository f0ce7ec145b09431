"""Platform manifests: which files are read, the processes each declares, with their lines."""

from __future__ import annotations

import textwrap

import pytest

from tfa_lint.discover import kind_of
from tfa_lint.model import FileKind
from tfa_lint.sources import SourceError
from tfa_lint.sources.platform import SHOWN_TEMPLATE, PlatformManifest, parse


def _parse(path: str, text: str) -> PlatformManifest:
    return parse(path, textwrap.dedent(text).lstrip("\n"))


@pytest.mark.parametrize(("rel", "kind"), [
    ("fly.toml", FileKind.PLATFORM),
    ("services/api/render.yaml", FileKind.PLATFORM),
    (".do/app.yaml", FileKind.PLATFORM),
    (".do/deploy.template.yaml", FileKind.PLATFORM),
    ("app.yaml", None),  # an app.yaml outside .do/ is anyone's
    ("app.json", FileKind.PLATFORM),
    ("railway.json", FileKind.PLATFORM),
    ("agent/railway.toml", FileKind.PLATFORM),
    ("supervisord.conf", FileKind.PLATFORM),
    ("docker/etc/supervisor/conf.d/agent.conf", FileKind.PLATFORM),
    ("nginx/nginx.conf", None),
    ("k8s/api.yaml", FileKind.PLATFORM),
    ("deploy/helm/agent/templates/worker.yaml", FileKind.PLATFORM),
    ("kubernetes-deployment/backend/backend.yml", FileKind.PLATFORM),
    ("ops/worker-deployment.yaml", FileKind.PLATFORM),
    ("deploy/docker-compose.yml", FileKind.COMPOSE),  # compose keeps its own kind
    (".github/workflows/ci.yml", None),
    ("config/settings.yaml", None),
])
def test_which_files_are_platform_manifests(rel: str, kind: FileKind | None) -> None:
    assert kind_of(rel.rsplit("/", 1)[-1], rel) is kind


def test_fly_processes_ports_env_and_release() -> None:
    fly = _parse("fly.toml", """
        app = "agent"

        [build]
        image = "ghcr.io/acme/agent:1.2.0"

        [env]
        LOG_LEVEL = "info"

        [processes]
        app = "uvicorn agent.app:app --host 0.0.0.0 --port 8080"
        worker = ["celery", "-A", "agent.tasks", "worker"]

        [deploy]
        release_command = "alembic upgrade head"

        [http_service]
        internal_port = 8080
        processes = ["app"]
    """)
    assert fly.platform == "fly"
    app, worker, release = fly.processes
    assert (app.name, app.role, app.line, app.ports) == ("app", "web", 10, ((8080, 17),))
    assert (worker.role, worker.line, worker.command) == ("worker", 11, ("celery", "-A", "agent.tasks", "worker"))
    assert (release.name, release.role, release.line) == ("release", "release", 14)
    assert app.image == "ghcr.io/acme/agent:1.2.0" and app.image_line == 4
    assert [(e.key, e.value, e.line, e.column) for e in app.environment] == [("LOG_LEVEL", "info", 7, 13)]


def test_fly_experimental_cmd_when_no_processes() -> None:
    fly = _parse("fly.toml", 'app = "agent"\n[experimental]\ncmd = ["python", "-m", "agent"]\n')
    assert [(p.name, p.command, p.line) for p in fly.processes] == [("app", ("python", "-m", "agent"), 3)]


def test_render_services_pre_deploy_and_scaling() -> None:
    render = _parse("render.yaml", """
        services:
          - type: web
            name: api
            startCommand: gunicorn agent.app:app
            preDeployCommand: alembic upgrade head
            scaling:
              minInstances: 1
              maxInstances: 4
            envVars:
              - key: MODEL
                value: gpt-4o-mini
              - key: DATABASE_URL
                fromDatabase: {name: db, property: connectionString}
          - type: worker
            name: jobs
            numInstances: 1
            startCommand: celery -A agent.tasks worker
          - type: redis
            name: cache
    """)
    api, release, jobs = render.processes
    assert (api.name, api.role, api.line, api.scaled_by) == ("api", "web", 4, "autoscaling")
    assert [(e.key, e.line) for e in api.environment] == [("MODEL", 11)]
    assert (release.name, release.role, release.line, release.command) == (
        "release", "release", 5, "alembic upgrade head")
    assert (jobs.role, jobs.replicas, jobs.line) == ("worker", 1, 17)


def test_digitalocean_components_and_pre_deploy_job() -> None:
    app = _parse(".do/app.yaml", """
        spec:
          name: agent
          services:
            - name: api
              run_command: uvicorn agent.app:app --host 0.0.0.0 --port 8080
              http_port: 8080
              instance_count: 2
          workers:
            - name: jobs
              run_command: python -m agent.worker
          jobs:
            - name: migrate
              kind: PRE_DEPLOY
              run_command: alembic upgrade head
    """)
    assert [(p.name, p.role, p.line, p.replicas, p.ports) for p in app.processes] == [
        ("api", "web", 5, 2, ((8080, 6),)), ("jobs", "worker", 10, None, ()), ("release", "release", 14, None, ())]


def test_heroku_app_json_and_not_expo() -> None:
    heroku = _parse("app.json", """
        {
        \t"name": "agent",
        \t"scripts": {"postdeploy": "python -m agent.seed"},
        \t"env": {"WEB_CONCURRENCY": {"value": "2"}, "SECRET_KEY": {"generator": "secret"}},
        \t"formation": {"worker": {"quantity": 1}, "web": {"quantity": 2, "size": "basic"}}
        }
    """)
    assert heroku.platform == "heroku"
    assert [(p.name, p.role, p.line) for p in heroku.processes] == [("postdeploy", "release", 3)]
    assert [e.key for e in heroku.processes[0].environment] == ["WEB_CONCURRENCY"]
    assert heroku.formation == (("worker", 1, 5), ("web", 2, 5))
    expo = _parse("mobile/app.json", '{"expo": {"name": "agent", "scripts": {"start": "expo start"}}}')
    assert (expo.platform, expo.processes) == ("", ())
    other = _parse("ui/app.json", '{"name": "agent", "icon": "\\ud83e\\udd16", "unclosed": [')
    assert (other.platform, other.processes, other.problems()) == ("", (), [])  # not composed at all
    emoji = _parse("app.json", '{"description": "agent \\ud83e\\udd16",\n "scripts": {"postdeploy": "python -m seed"}}')
    assert [(p.name, p.line) for p in emoji.processes] == [("postdeploy", 2)]


def test_railway_json_and_toml() -> None:
    json_manifest = _parse("railway.json", """
        {
          "build": {"builder": "NIXPACKS"},
          "deploy": {"startCommand": "uvicorn app:app --host 0.0.0.0 --port $PORT", "numReplicas": 2,
                     "preDeployCommand": ["alembic upgrade head"]}
        }
    """)
    assert [(p.name, p.role, p.line, p.replicas) for p in json_manifest.processes] == [
        ("start", "web", 3, 2), ("release", "release", 4, None)]
    toml_manifest = _parse("railway.toml", '[deploy]\ncronSchedule = "0 * * * *"\nstartCommand = "python -m agent.digest"\n')
    assert [(p.role, p.line) for p in toml_manifest.processes] == [("cron", 3)]


def test_supervisord_programs_continuations_and_numprocs() -> None:
    conf = _parse("supervisord.conf", """
        [supervisord]
        nodaemon=true

        [program:worker]
        command=celery -A agent.tasks worker
            --concurrency 4
        numprocs=2
        environment=QUEUE="default",LOG_LEVEL=info

        [program:api]
        command=uvicorn agent.app:app --host 0.0.0.0
    """)
    worker, api = conf.processes
    assert (worker.name, worker.line, worker.command, worker.replicas) == (
        "worker", 5, "celery -A agent.tasks worker --concurrency 4", 2)
    assert [(e.key, e.value, e.line, e.column) for e in worker.environment] == [
        ("QUEUE", "default", 8, 19), ("LOG_LEVEL", "info", 8, 39)]
    assert (api.name, api.line, api.replicas) == ("api", 11, None)


def test_kubernetes_documents_containers_and_autoscalers() -> None:
    manifest = _parse("k8s/agent.yaml", """
        apiVersion: v1
        kind: Service
        metadata: {name: api}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          replicas: 3
          template:
            spec:
              initContainers:
                - name: migrate
                  image: ghcr.io/acme/agent:1.2.0
                  command: ["alembic", "upgrade", "head"]
              containers:
                - name: api
                  image: ghcr.io/acme/agent:1.2.0
                  command: ["uvicorn"]
                  args: ["agent.app:app", "--host", "0.0.0.0"]
                  env:
                    - name: MODEL
                      value: gpt-4o-mini
                    - name: API_KEY
                      valueFrom: {secretKeyRef: {name: keys, key: api}}
                  ports:
                    - containerPort: 8000
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: digest
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  containers:
                    - name: digest
                      args: ["python", "-m", "agent.digest"]
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: api}
        spec:
          scaleTargetRef: {kind: Deployment, name: api}
          maxReplicas: 5
    """)
    init, api, digest = manifest.processes
    assert (init.name, init.role, init.line, init.replicas) == ("api/migrate", "init", 16, None)
    assert (api.name, api.role, api.line, api.replicas) == ("api", "web", 20, 3)
    assert api.command == ("uvicorn", "agent.app:app", "--host", "0.0.0.0")
    assert [(e.key, e.line, e.column) for e in api.environment] == [("MODEL", 24, 22)]
    assert (api.ports, api.image_line) == (((8000, 28),), 19)
    assert (digest.name, digest.role, digest.line) == ("digest", "cron", 41)
    assert manifest.autoscaled == ("api",)


def test_kubernetes_candidate_without_workload_is_not_composed() -> None:
    values = _parse("deploy/helm/agent/values.yaml", "replicaCount: 2\nimage: {tag: latest}\nbroken: [\n")
    assert (values.platform, values.processes, values.problems()) == ("", (), [])


def test_helm_template_values_are_never_taken_for_values() -> None:
    chart = _parse("deploy/helm/agent/templates/worker.yaml", """
        {{- if .Values.worker.enabled }}
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ include "agent.fullname" . }}-worker
        spec:
          replicas: {{ .Values.worker.replicas }}
          template:
            spec:
              containers:
                - name: worker
                  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                  command:
                    - celery
                    - worker
                    {{- if .Values.worker.beat }}
                    - --beat
                    {{- end }}
                    - --concurrency={{ .Values.worker.concurrency }}
        {{- end }}
    """)
    (worker,) = chart.processes
    assert (worker.name, worker.replicas, worker.image, worker.line) == ("worker", None, None, 13)
    assert worker.command == ("celery", "worker", f"--concurrency={SHOWN_TEMPLATE}")


def test_kubernetes_invalid_document_is_a_problem_not_the_file() -> None:
    manifest = _parse("k8s/jobs.yaml", "kind: Job\nspec: [\n---\nkind: Pod\nspec:\n  containers:\n    - command: [run]\n")
    assert [(p.name, p.line) for p in manifest.processes] == [("jobs", 7)]
    assert manifest.problems() and "line 1" in manifest.problems()[0]


def test_invalid_manifests_raise_source_errors() -> None:
    with pytest.raises(SourceError, match="TOML"):
        parse("fly.toml", "[processes\n")
    with pytest.raises(SourceError, match="YAML"):
        parse("render.yaml", "services: [\n")


_PLATFORM_PATHS = ("fly.toml", "render.yaml", ".do/app.yaml", "app.json", "railway.json", "railway.toml",
                   "supervisord.conf", "k8s/api.yaml", "deploy/chart/templates/api.yaml")


@pytest.mark.parametrize("path", _PLATFORM_PATHS)
def test_every_platform_parser_takes_any_text(path: str) -> None:
    """Each platform's parser, on mutated manifests of every platform: a model whose lines are
    in the file, or a SourceError; never another exception."""
    from hypothesis import given
    from test_fuzz import FUZZ, inputs

    @FUZZ
    @given(text=inputs(FileKind.PLATFORM))
    def check(text: str) -> None:
        try:
            manifest = parse(path, text)
        except SourceError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        last = len(text.splitlines()) + 1  # as the engine counts lines (tests/test_fuzz.py)
        for process in manifest.processes:
            assert 1 <= process.line <= last, process
            assert all(1 <= line <= last for _, line in process.ports), process
            assert all(1 <= entry.line <= last for entry in process.environment), process

    check()
