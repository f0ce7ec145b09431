"""TFA0703 — Declared and bound ports disagree."""

from __future__ import annotations

from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.dockerfile import Dockerfile
from tfa_lint.sources.platform import PlatformManifest

from ..facts.ports import PortFacts
from ..facts.processes import Command, ProcessFacts, commands
from ._shared import _container_env, _dockerfile_ports, _kind, _service_reason, listens


class DeclaredPortMismatch(RepoRule):
    id = "TFA0703"
    name = "declared-port-mismatch"
    factor = 7
    severity = Severity.NOTE
    title = "Declared and bound ports disagree"
    collectors = (PortFacts, ProcessFacts)
    what = """
        The ports a container declares — Dockerfile `EXPOSE`, the container side of compose
        `ports`, a Kubernetes `containerPort`, fly.toml `internal_port`, DigitalOcean `http_port` — share none with the port its process listens on: a literal in the command
        (`--port 8000`) or the code it runs (`port=8000`), or the server's default (uvicorn 8000,
        Flask 5000, gradio 7860, streamlit 8501) when none is given. Skipped whenever either side
        comes from the environment (`EXPOSE $PORT`, `--port $PORT`, `port=settings.port`,
        `UVICORN_PORT` set).
    """
    why = """
        `EXPOSE` and compose `ports` are how the image tells the platform where the service is.
        When they name another port, the published port forwards to nothing and health checks
        fail, while the process runs happily on a port nobody routes to.
    """
    fix = """
        Make both sides one value: `EXPOSE 8000` with `--port 8000`, or better, derive both from
        `PORT` (`ENV PORT=8000`, `EXPOSE $PORT`, `--port $PORT`).
    """
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
    invalid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            EXPOSE 8080
            CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
        """, "Dockerfile", lines=(3,), columns=(1,), message="EXPOSE declares 8080 but the process listens on 8000"),
        Example.repo({
            "docker-compose.yml": """
                services:
                  ui:
                    build: .
                    command: python ui.py
                    ports:
                      - "80:8000"
            """,
            "ui.py": """
                import gradio as gr

                gr.ChatInterface(lambda m, h: m).launch(server_name="0.0.0.0")
            """,
        }, lines=(6,), columns=(7,), message="ports declares 8000 but the process listens on 7860"),
        Example.repo({
            "fly.toml": """
                app = "support-agent"

                [processes]
                app = "uvicorn agent.app:app --host 0.0.0.0 --port 8000"

                [http_service]
                internal_port = 8080
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(7,), columns=(1,), message="`app` internal_port declares 8080 but the process listens on 8000"),
    )
    valid = (
        Example.of("""
            FROM python:3.12-slim
            COPY . /app
            EXPOSE 8000
            CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
        """, "Dockerfile"),
        Example.of("""
            FROM python:3.12-slim
            ENV PORT=8080
            EXPOSE 8080
            CMD exec uvicorn agent.api:app --host 0.0.0.0 --port $PORT
        """, "Dockerfile"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                EXPOSE 8080
                CMD ["python", "main.py"]
            """,
            "main.py": """
                import os

                import uvicorn

                from agent.api import app

                uvicorn.run(app, host="0.0.0.0", port=int(os.environ["PORT"]))
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                EXPOSE 9000
                CMD ["gunicorn", "agent.api:app"]
            """,
            "docker-compose.yml": """
                services:
                  redis:
                    image: redis:7
                    ports: ["6379:6379"]
            """,
        }),
        Example.repo({  # the containerPort and the listen port are one value; a templated port is not read
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
                          command: ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--port", "8000"]
                          ports:
                            - containerPort: 8000
            """,
            "deploy/chart/templates/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  template:
                    spec:
                      containers:
                        - name: api
                          command: ["uvicorn", "agent.app:app", "--host", "0.0.0.0", "--port", "{{ .Values.port }}"]
                          ports:
                            - containerPort: 8080
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = _service_reason(repo)
        if reason:
            return reason
        has_exposed = any(isinstance(a, Dockerfile) and _dockerfile_ports(a)[2] for a in repo.artifacts(FileKind.DOCKERFILE))
        has_ports = any(isinstance(a, ComposeFile) and any(s.ports for s in a.services)
                        for a in repo.artifacts(FileKind.COMPOSE)) or any(
            isinstance(a, PlatformManifest) and any(p.ports for p in a.processes) for a in repo.artifacts(FileKind.PLATFORM))
        return None if has_exposed or has_ports else ("no declared port (no Dockerfile EXPOSE, compose ports or "
                                                      "platform port)")

    def check(self, repo: Repo) -> Iterable[Finding]:
        env = _container_env(repo)
        cmds = commands(repo)
        docker_cmds = {c.path: c for c in cmds if _kind(repo, c) is FileKind.DOCKERFILE}
        for path, cmd in docker_cmds.items():
            art = repo.artifact(path)
            assert isinstance(art, Dockerfile)
            exposed, dynamic, line = _dockerfile_ports(art)
            bound = self._bound(repo, cmd, env)
            if exposed and not dynamic and bound and not exposed & bound:
                yield self.finding(path, line, 1, self._message("EXPOSE", exposed, bound))
        only_image = next(iter(docker_cmds.values())) if len(docker_cmds) == 1 else None
        for art in repo.artifacts(FileKind.COMPOSE):
            if not isinstance(art, ComposeFile) or path_role(art.path) not in ("src", "script"):
                continue
            for svc in art.services:
                if not svc.ports:
                    continue
                cmd = next((c for c in cmds if c.path == art.path and c.name == svc.name), None)
                if cmd is None and svc.builds:
                    cmd = only_image
                container = [_container_port(p) for p, _ in svc.ports]
                if cmd is None or any(p is None for p in container):
                    continue
                bound = self._bound(repo, cmd, env)
                declared = {p for p in container if isinstance(p, int)}
                if declared and bound and not declared & bound:
                    line = svc.ports[0][1]
                    yield self.finding(art.path, line, art.column_of(line),
                                       self._message(f"`{svc.name}` ports", declared, bound))
        yield from self._platform(repo, cmds, env)

    def _platform(self, repo: Repo, cmds: list[Command], env: set[str]) -> Iterable[Finding]:
        """Kubernetes `containerPort`, fly `internal_port`, DigitalOcean `http_port` against the
        port the process's own command listens on."""
        for art in repo.artifacts(FileKind.PLATFORM):
            if not isinstance(art, PlatformManifest) or path_role(art.path) not in ("src", "script"):
                continue
            for process in art.processes:
                cmd = next((c for c in cmds if c.path == art.path and c.line == process.line
                            and c.name == process.name), None)
                if cmd is None or not process.ports:
                    continue
                declared = {port for port, _ in process.ports}
                bound = self._bound(repo, cmd, env)
                if bound and not declared & bound:
                    line = process.ports[0][1]
                    yield self.finding(art.path, line, art.column_of(line),
                                       self._message(f"`{process.name}` {_PORT_KEYS.get(art.platform, 'port')}",
                                                     declared, bound))

    @staticmethod
    def _bound(repo: Repo, cmd: Command, env: set[str]) -> set[int]:
        """Literal ports the process listens on; empty when any is env-driven or unknown."""
        ports = [listen.bound_port(env) for listen in listens(repo, cmd)]
        if not ports or any(not isinstance(p, int) for p in ports):
            return set()
        return {p for p in ports if isinstance(p, int)}

    @staticmethod
    def _message(what: str, declared: set[int], bound: set[int]) -> str:
        return (f"{what} declares {', '.join(map(str, sorted(declared)))} but the process listens on "
                f"{', '.join(map(str, sorted(bound)))}: traffic to the declared port reaches nothing. Use one "
                "port on both sides, ideally from `PORT`")


_PORT_KEYS = {"kubernetes": "containerPort", "fly": "internal_port", "digitalocean": "http_port"}


def _container_port(mapping: str) -> int | None:
    """The container side of a compose port mapping (`"127.0.0.1:80:8000/tcp"` -> 8000)."""
    if "$" in mapping:
        return None
    side = mapping.rsplit(":", 1)[-1].split("/")[0]
    return int(side) if side.isdigit() else None
