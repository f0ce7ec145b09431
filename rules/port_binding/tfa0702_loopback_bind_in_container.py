"""TFA0702 — Service binds loopback only inside a container."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity
from tfa_lint.rule import Example, RepoRule

from ..facts.commandline import segments
from ..facts.ports import PortFacts
from ..facts.processes import ProcessFacts, commands
from ._shared import Listen, _container_env, _service_reason, in_container, listens

_PROXIES = {"nginx", "caddy", "traefik", "envoy", "haproxy"}


class LoopbackInContainer(RepoRule):
    id = "TFA0702"
    name = "loopback-bind-in-container"
    factor = 7
    severity = Severity.WARNING
    title = "Service binds loopback only inside a container"
    collectors = (PortFacts, ProcessFacts)
    what = """
        The process a container runs (the final Dockerfile stage's `CMD`/`ENTRYPOINT`, a compose
        `command`, or a container platform's process: Kubernetes, fly.toml, render.yaml,
        `.do/app.yaml`, Railway) listens on `127.0.0.1`/`localhost`: explicitly (`host="127.0.0.1"`,
        `--host localhost`, `-b 127.0.0.1:8000`) or by the server's default — `uvicorn.run()`,
        Flask's `app.run()`, gradio `launch()` without a host, or the `uvicorn`, `flask run`,
        `hypercorn` commands without `--host`/`--bind`. Not reported: hosts read from the environment,
        defaults overridden by a container variable (`UVICORN_HOST`, `GRADIO_SERVER_NAME`…), a
        reverse proxy started by the same command, compose `network_mode: host|service:…`, and a
        Kubernetes pod with several containers (a sidecar shares its loopback).
    """
    why = """
        Inside a container, loopback is the container's own: a server bound to 127.0.0.1 cannot be
        reached through the published port, so the service starts, passes no request, and looks
        healthy from the inside only. The port binding the factor asks for is an address other
        processes can reach.
    """
    fix = """
        Bind all interfaces in the container: `--host 0.0.0.0` on the command line,
        `host="0.0.0.0"` (or `host=os.getenv("HOST", "0.0.0.0")`) in code,
        `server_name="0.0.0.0"` or `ENV GRADIO_SERVER_NAME=0.0.0.0` for gradio.
    """
    invalid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                WORKDIR /app
                CMD ["python", "app.py"]
            """,
            "app.py": """
                import os

                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run(port=int(os.getenv("PORT", "5000")))
            """,
        }, lines=(8,), columns=(5,), message="binds loopback"),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD uvicorn agent.api:app --port ${PORT:-8000}
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(3,), columns=(1,), message="binds loopback"),
        Example.repo({
            "docker-compose.yml": """
                services:
                  agent:
                    build: .
                    command: ["python", "-m", "agent.serve"]
                    ports: ["8000:8000"]
            """,
            "agent/serve.py": """
                import uvicorn as server

                from agent.api import app

                server.run(app, host="localhost", port=8000)
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(5,), columns=(22,), message="binds `localhost` inside the container"),
        Example.repo({
            "k8s/api.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                spec:
                  replicas: 2
                  template:
                    spec:
                      containers:
                        - name: api
                          image: ghcr.io/acme/agent:1.4.2
                          command: ["uvicorn", "agent.app:app", "--port", "8000"]
                          ports:
                            - containerPort: 8000
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(12,), columns=(1,), message="binds loopback (its default without `--host`/`--bind`)"),
    )
    valid = (
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "agent/api.py": """
                import uvicorn
                from fastapi import FastAPI

                app = FastAPI()

                if __name__ == "__main__":
                    uvicorn.run(app)
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                ENV GRADIO_SERVER_NAME=0.0.0.0
                COPY . /app
                CMD ["python", "/app/ui.py"]
            """,
            "ui.py": """
                import os

                import gradio as gr
                from flask import Flask

                demo = gr.Interface(fn=str.upper, inputs="text", outputs="text")
                admin = Flask(__name__)


                def serve_admin():
                    admin.run(host=os.getenv("ADMIN_HOST", "0.0.0.0"))


                if __name__ == "__main__":
                    demo.launch()
            """,
        }),
        Example.repo({
            "app.py": """
                from flask import Flask

                app = Flask(__name__)

                if __name__ == "__main__":
                    app.run()
            """,
        }),
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["sh", "-c", "nginx && exec gunicorn -b 127.0.0.1:8001 agent.api:app"]
            """,
            "agent/api.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }),
        Example.repo({  # a pod's containers share one loopback: the proxy beside it reaches the server
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
                          command: ["uvicorn", "agent.app:app", "--port", "8000"]
                        - name: auth-proxy
                          image: quay.io/oauth2-proxy/oauth2-proxy:v7.6.0
                          args: ["--upstream=http://127.0.0.1:8000", "--http-address=0.0.0.0:4180"]
                          ports:
                            - containerPort: 4180
            """,
            "agent/app.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        reason = _service_reason(repo)
        if reason:
            return reason
        if not any(in_container(repo, c) for c in commands(repo)):
            return "no container command found (no Dockerfile CMD/ENTRYPOINT, compose command or platform process)"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        if any(re.search(r"(?m)^\s*network_mode:\s*[\"']?(host|service:)", a.text) for a in repo.artifacts(FileKind.COMPOSE)):
            return  # host networking or a sidecar: loopback is reachable by design
        env = _container_env(repo)
        seen: set[tuple[str, int]] = set()
        for cmd in commands(repo):
            if not in_container(repo, cmd):
                continue
            if any(s.program and s.program[0].rsplit("/", 1)[-1] in _PROXIES for s in segments(cmd.words)):
                continue  # a reverse proxy in the same container forwards to the loopback server
            for listen in listens(repo, cmd):
                if not listen.binds_loopback(env):
                    continue
                line, column = listen.host_at or (listen.line, listen.column)
                if (listen.path, line) in seen:
                    continue
                seen.add((listen.path, line))
                how = (f"`{listen.host}`" if listen.host else "loopback (its default when no host is given)"
                       if listen.in_code else "loopback (its default without `--host`/`--bind`)")
                yield self.finding(listen.path, line, column,
                                   f"`{listen.source}` binds {how} inside the container ({cmd.path}), where no "
                                   f"published port can reach it: {_host_hint(listen)}")


def _host_hint(listen: Listen) -> str:
    if not listen.in_code:
        return ("pass `--bind 0.0.0.0:$PORT`" if listen.runner in ("gunicorn", "hypercorn", "daphne")
                else "pass `--host 0.0.0.0`")
    if listen.host_env:
        return 'pass `server_name="0.0.0.0"` or set `ENV GRADIO_SERVER_NAME=0.0.0.0`'
    return 'pass `host="0.0.0.0"` (or `host=os.getenv("HOST", "0.0.0.0")`)'
