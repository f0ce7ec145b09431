"""TFA0702 — Service binds loopback only inside a container."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.fix import Applicability, Edit, Fix, digest, offset_of_line
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
    fixable = """
        unsafe: a loopback host written as a literal (`127.0.0.1`, `localhost`) becomes `0.0.0.0`:
        the text of the string literal a bind call passes (quotes kept), or the host after
        `--host`/`--bind` on the command line, where it is written once on the command's line.
        A server's loopback default and a host held in a constant are left to you.
    """
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
        }, lines=(8,), columns=(5,), message="binds loopback", fixed={}),  # a default: no literal to change
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
        }, lines=(5,), columns=(22,), message="binds `localhost` inside the container", fixed={
            "agent/serve.py": """
                import uvicorn as server

                from agent.api import app

                server.run(app, host="0.0.0.0", port=8000)
            """,
        }),
        # the host after its flag, in exec form and in shell form
        Example.repo({
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.api:app", "--host", "127.0.0.1", "--port", "8000"]
            """,
            "compose.yaml": """
                services:
                  admin:
                    build: .
                    command: gunicorn -b localhost:9000 agent.admin:app
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            "agent/admin.py": "from flask import Flask\n\napp = Flask(__name__)\n",
        }, lines=(3, 4), columns=(1, 1), message="inside the container", fixed={
            "Dockerfile": """
                FROM python:3.12-slim
                COPY . /app
                CMD ["uvicorn", "agent.api:app", "--host", "0.0.0.0", "--port", "8000"]
            """,
            "compose.yaml": """
                services:
                  admin:
                    build: .
                    command: gunicorn -b 0.0.0.0:9000 agent.admin:app
            """,
        }),
        # must not fix: the host is a constant other code may read too
        Example.repo({
            "Dockerfile": 'FROM python:3.12-slim\nCOPY . /app\nCMD ["python", "-m", "agent.serve"]\n',
            "agent/serve.py": """
                import uvicorn

                from agent.api import app

                HOST = "127.0.0.1"
                uvicorn.run(app, host=HOST, port=8000)
            """,
            "agent/api.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        }, lines=(6,), columns=(23,), message="binds `127.0.0.1` inside the container", fixed={}),
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
                                   f"published port can reach it: {_host_hint(listen)}",
                                   fix=_bind_all_interfaces(repo, listen))


#: Loopback hosts a fix rewrites; `::1` would want `::`, which binds IPv6 (and maybe IPv4): left to a person.
_REWRITTEN = ("127.0.0.1", "localhost")
#: A loopback host after a host or bind flag on a command line, in shell form (`--host 127.0.0.1`,
#: `--bind=localhost:8000`, `-b127.0.0.1:8000`) or exec form (`"--host", "127.0.0.1"`).
_CLI_HOST_RE = re.compile(r"""(?<![\w-])(?:--host|-h|--bind|-b|--server\.address)(?:=|["']?[\s,]*["']?)"""
                          r"(?P<host>127\.0\.0\.1|localhost)(?![\w.-])")


def _bind_all_interfaces(repo: Repo, listen: Listen) -> Fix | None:
    """`0.0.0.0` for the loopback host, where it is written as a literal: the text of the string
    literal the bind call passes (its quotes kept), or the host after the flag on the command's line
    when it is written there once. Unsafe: the server becomes reachable from every interface."""
    if listen.host not in _REWRITTEN:
        return None
    title = f"Bind `0.0.0.0` instead of `{listen.host}`"
    if listen.in_code:
        if listen.host_span is None:
            return None  # a constant defined elsewhere, an f-string, a concatenation: left to a person
        start, end = listen.host_span
        return Fix(title, (Edit(listen.path, start, end, "0.0.0.0", digest(listen.host)),), Applicability.UNSAFE)
    artifact = repo.artifact(listen.path)
    if artifact is None:
        return None
    line_start = offset_of_line(artifact.text, listen.line)
    line_end = artifact.text.find("\n", line_start)
    line = artifact.text[line_start:line_end if line_end >= 0 else len(artifact.text)]
    found = [m for m in _CLI_HOST_RE.finditer(line) if m.group("host") == listen.host]
    if len(found) != 1 or len(_CLI_HOST_RE.findall(line)) != 1:
        return None
    return Fix(title, (Edit.replace(listen.path, artifact.text, line_start + found[0].start("host"),
                                    line_start + found[0].end("host"), "0.0.0.0"),), Applicability.UNSAFE)


def _host_hint(listen: Listen) -> str:
    if not listen.in_code:
        return ("pass `--bind 0.0.0.0:$PORT`" if listen.runner in ("gunicorn", "hypercorn", "daphne")
                else "pass `--host 0.0.0.0`")
    if listen.host_env:
        return 'pass `server_name="0.0.0.0"` or set `ENV GRADIO_SERVER_NAME=0.0.0.0`'
    return 'pass `host="0.0.0.0"` (or `host=os.getenv("HOST", "0.0.0.0")`)'
