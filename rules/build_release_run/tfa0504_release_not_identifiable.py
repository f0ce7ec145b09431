"""TFA0504 — Deploy runs the repository's own image by a moving tag."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tfa_lint.model import FileKind, Finding, Repo, Severity, path_role
from tfa_lint.rule import Example, RepoRule
from tfa_lint.sources.compose import ComposeFile
from tfa_lint.sources.platform import PlatformManifest

from ..facts.projects import COLLECTORS as PROJECT_COLLECTORS
from ..facts.projects import distribution_names

#: Tags that name no release: they move to whatever was pushed last.
_MOVING_TAGS = frozenset({"latest", "main", "master", "nightly", "edge", "dev", "develop", "stable", "current",
                          "rolling"})


def _comparable(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _runtime_composes(repo: Repo) -> list[ComposeFile]:
    return [a for a in repo.artifacts(FileKind.COMPOSE)
            if isinstance(a, ComposeFile) and path_role(a.path) in ("src", "script")]


def _runtime_platforms(repo: Repo) -> list[PlatformManifest]:
    return [a for a in repo.artifacts(FileKind.PLATFORM)
            if isinstance(a, PlatformManifest) and path_role(a.path) in ("src", "script")]


def _moving_tag(image: str, own: set[str]) -> tuple[bool, str]:
    """Whether ``image`` is the repository's own image by a moving tag (or none), and its tag."""
    if "$" in image or "@" in image:
        return False, ""
    name, _, tag = image.rsplit("/", 1)[-1].partition(":")
    return _comparable(name) in own and (not tag or tag.lower() in _MOVING_TAGS), tag


class ReleaseNotIdentifiable(RepoRule):
    id = "TFA0504"
    name = "release-not-identifiable"
    factor = 5
    severity = Severity.NOTE
    title = "Deploy runs the repository's own image by a moving tag"
    collectors = PROJECT_COLLECTORS
    what = """
        A compose service or a platform manifest's process (a Kubernetes container, fly.toml
        `[build] image`, render.yaml `image.url`, DigitalOcean `image`), outside tests and
        examples, that pulls the repository's own image —
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
    #: Invalid examples that pin lines but not columns, and why (tests/test_rule_layout.py).
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
        }, lines=(3, 7), columns=(5, 5), message="runs this repository's own image"),
        Example.repo({
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
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
                          image: ghcr.io/acme/support-agent:latest
                        - name: redis
                          image: redis:latest
            """,
        }, lines=(10,), columns=(11,), message="`api/api` runs this repository's own image"),
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
        Example.repo({  # a release tag, and a Helm value for the tag
            "pyproject.toml": '[project]\nname = "support-agent"\nversion = "1.4.2"\n',
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
                          image: ghcr.io/acme/support-agent:1.4.2
            """,
            "deploy/chart/templates/worker.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: worker
                spec:
                  template:
                    spec:
                      containers:
                        - name: worker
                          image: "ghcr.io/acme/support-agent:{{ .Values.image.tag | default .Chart.AppVersion }}"
            """,
        }),
    )

    @classmethod
    def applies(cls, repo: Repo) -> str | None:
        if not any(not s.builds and s.image for c in _runtime_composes(repo) for s in c.services) and not any(
                p.image for m in _runtime_platforms(repo) for p in m.processes):
            return "no compose file or platform manifest (outside tests and examples) pulls an image to run"
        return None

    def check(self, repo: Repo) -> Iterable[Finding]:
        own = {_comparable(n) for n in distribution_names(repo)}
        if not own:
            return
        for compose in _runtime_composes(repo):
            for service in compose.services:
                image = service.image
                if service.builds or not image:
                    continue
                moving, tag = _moving_tag(image, own)
                if not moving:
                    continue
                line = next((n for n, text in enumerate(compose.lines[service.line - 1:], service.line)
                             if re.match(r"^\s*image\s*:", text)), service.line)
                yield self.finding(
                    compose.path, line, compose.column_of(line),
                    f"`{service.name}` runs this repository's own image `{image}` "
                    f"{f'by the moving tag `{tag}`' if tag else 'with no tag (latest)'}: nothing says which release "
                    "runs. Deploy a version tag or a digest (`:1.4.2`, `:${APP_VERSION}`), pushed once per build")
        seen: set[tuple[str, int]] = set()
        for manifest in _runtime_platforms(repo):
            for process in manifest.processes:
                moving, tag = _moving_tag(process.image or "", own)
                if not moving or (manifest.path, process.image_line) in seen:
                    continue
                seen.add((manifest.path, process.image_line))  # one image line, several processes (fly)
                yield self.finding(
                    manifest.path, process.image_line, manifest.column_of(process.image_line),
                    f"`{process.name}` runs this repository's own image `{process.image}` "
                    f"{f'by the moving tag `{tag}`' if tag else 'with no tag (latest)'}: nothing says which release "
                    "runs, and a restarted pod may pull another build. Deploy a version tag or a digest, pushed once "
                    "per build")
