"""Platform manifests, read as process declarations: what each platform starts, with what
image, environment, ports and number of copies.

Read: fly.toml, render.yaml, DigitalOcean's ``.do/app.yaml``, Heroku's ``app.json``,
railway.json / railway.toml, Kubernetes workload manifests (Deployment, StatefulSet,
DaemonSet, ReplicaSet, Pod, Job, CronJob, and the HorizontalPodAutoscalers and KEDA
ScaledObjects that scale them) and supervisord configs.

YAML and JSON go through PyYAML's safe composer (nodes only, never a constructed tag, as
compose files do) so every value keeps its line; the walk only follows the keys it names,
so an alias bomb or a self-referencing anchor costs no more than its text. TOML goes
through tomllib (no positions: lines are looked up in the text). Helm templates are Go
templates: their ``{{ }}`` expressions are blanked or replaced by ``TEMPLATED`` before
composing, and a value that holds one is never taken for a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError, toml_text
from tfa_lint.sources.envfile import EnvEntry
from tfa_lint.sources.yaml_nodes import LOADER, compose, get, scalar

Command = tuple[str, ...] | str | None

#: What a Helm template expression becomes before composing: never a value.
TEMPLATED = "__helm_template__"
SHOWN_TEMPLATE = "{{…}}"
#: Kubernetes kinds that run containers -> where their pod template sits.
_POD_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
_SCALERS = ("HorizontalPodAutoscaler", "ScaledObject")
#: A cheap test run before any YAML is composed: a candidate file that names no workload
#: or scaler is not composed at all (values.yaml, kustomization.yaml, Services, ConfigMaps).
_K8S_KIND_RE = re.compile(r"^kind:\s*[\"']?(" + "|".join((*_POD_PATHS, *_SCALERS)) + r")\b", re.MULTILINE)
_TEMPLATE_RE = re.compile(r"\{\{.*?\}\}")
_DOC_SEPARATOR_RE = re.compile(r"^---[ \t]*(#.*)?$", re.MULTILINE)


@dataclass(frozen=True)
class PlatformProcess:
    """One process a platform starts."""

    name: str  # the platform's name for it: fly process group, Render service, k8s workload…
    #: "web", "worker", "cron", "job", "release" (runs once per deploy), "init" (a k8s init
    #: container, before every pod start) or "program" (supervisord)
    role: str
    line: int  # where its command is written (or the process, when it has none)
    command: Command  # as written: a list stays a list, a string is a shell command line
    image: str | None = None
    image_line: int = 0
    environment: tuple[EnvEntry, ...] = ()
    ports: tuple[tuple[int, int], ...] = ()  # (container port, line): where the process is expected to listen
    #: Copies the manifest asks for (Kubernetes replicas, Render numInstances, DO
    #: instance_count, Railway numReplicas, supervisord numprocs); None when it names none.
    replicas: int | None = None
    #: Why the platform may run more copies than ``replicas`` says: an autoscaler or a
    #: DaemonSet. Empty when nothing scales it.
    scaled_by: str = ""
    #: Other containers share its network (a Kubernetes pod's): a sidecar may reach its loopback.
    shares_network: bool = False
    #: Seconds between SIGTERM and SIGKILL the manifest sets (Kubernetes
    #: terminationGracePeriodSeconds); 0 asks for an immediate kill. None when not set.
    stop_grace: int | None = None


@dataclass(frozen=True)
class PlatformManifest(Artifact):
    #: "fly", "render", "digitalocean", "heroku", "railway", "kubernetes", "supervisord",
    #: or "" for a file of a candidate name that declares nothing (an Expo app.json).
    platform: str
    processes: tuple[PlatformProcess, ...]
    #: Kubernetes workloads an autoscaler (HorizontalPodAutoscaler, KEDA ScaledObject) scales past one.
    autoscaled: tuple[str, ...] = ()
    #: Heroku app.json formation: process type -> (quantity, line). A Procfile process's count.
    formation: tuple[tuple[str, int, int], ...] = ()
    skipped: tuple[str, ...] = ()  # why parts were not read (one line each, never the file's text)

    def problems(self) -> list[str]:
        return list(self.skipped)


def platform_of(name: str, rel: str) -> str | None:
    """Which platform a file's name says it configures ("kubernetes" only for a candidate:
    its text decides), or None."""
    lower = name.lower()
    parts = [p.lower() for p in rel.split("/")[:-1]]
    if lower == "fly.toml":
        return "fly"
    if lower in ("render.yaml", "render.yml"):
        return "render"
    if parts[-1:] == [".do"] and lower in ("app.yaml", "app.yml", "deploy.template.yaml", "deploy.template.yml"):
        return "digitalocean"
    if lower == "app.json":
        return "heroku"
    if lower in ("railway.json", "railway.toml"):
        return "railway"
    if lower == "supervisord.conf" or (lower.endswith(".conf") and any("supervisor" in p for p in parts)):
        return "supervisord"
    if lower.endswith((".yaml", ".yml")) and _kubernetes_candidate(lower, parts):
        return "kubernetes"
    return None


#: Directories (and file names) of deployment manifests. Measured on the field corpus (25
#: repos, 2609 YAML files, 165 MB): 206 files (1.9 MB) are candidates, they hold all 45 files
#: that declare a workload, and reading them as manifests took 0.02 s; composing every YAML
#: file took 3.7 s, and 112 of them are no YAML at all (Helm templates, other Go templates).
_K8S_DIRS = frozenset({"k8s", "kubernetes", "kube", "manifests", "deploy", "deployment", "deployments", "helm",
                       "charts", "kustomize", "kustomization", "kustomizations", "overlays", "openshift", "argocd"})
_K8S_NAME_RE = re.compile(r"(deployment|statefulset|daemonset|cronjob|k8s|kubernetes|kube)")


def _kubernetes_candidate(lower: str, parts: list[str]) -> bool:
    return (any(p in _K8S_DIRS or "k8s" in p or "kubernetes" in p for p in parts)
            or bool(_K8S_NAME_RE.search(lower)))


def parse(path: str, text: str) -> PlatformManifest:
    name = path.rsplit("/", 1)[-1]
    platform = platform_of(name, path)
    try:
        if platform == "fly":
            return _fly(path, text)
        if platform == "railway":
            return _railway(path, text)
        if platform == "supervisord":
            return _supervisord(path, text)
        if platform == "kubernetes":
            return _kubernetes(path, text)
        if platform == "heroku" and not _HEROKU_KEY_RE.search(text):
            return _manifest(path, text, "", [])  # an app.json of another tool (Expo, React Native): not composed
        if platform in ("render", "digitalocean", "heroku"):
            root = _compose(_json_as_yaml(text) if name.endswith(".json") else text, path)
            return {"render": _render, "digitalocean": _digitalocean, "heroku": _heroku}[platform](path, text, root)
    except RecursionError:
        raise SourceError("platform manifest nested too deep to read") from None
    return _manifest(path, text, "", [])


def _manifest(path: str, text: str, platform: str, processes: list[PlatformProcess], **extra: Any) -> PlatformManifest:
    return PlatformManifest(path=path, kind=FileKind.PLATFORM, text=text, platform=platform,
                            processes=tuple(processes), **extra)


# -- YAML nodes ----------------------------------------------------------------------------------

def _compose(text: str, path: str) -> yaml.Node | None:
    return compose(text, "platform manifest")


def _json_as_yaml(text: str) -> str:
    """JSON the YAML composer reads, line for line and column for column: tabs (YAML refuses
    them as indentation) become spaces, and an escaped surrogate pair (an emoji, which PyYAML
    refuses) becomes escaped question marks of the same length."""
    return _SURROGATE_ESCAPE_RE.sub(r"\\u003f", text.replace("\t", " "))


_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _key(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node itself: where a block value (`command:` then `- celery` below) is written."""
    if isinstance(node, yaml.MappingNode):
        return next((k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    """A scalar's text, or None: a Helm template's `{{ }}` is never a value."""
    text = scalar(node)
    return None if text is None or TEMPLATED in text else text


def _int(node: yaml.Node | None) -> int | None:
    value = _scalar(node)
    return int(value) if value is not None and value.strip().isdigit() else None


def _line(node: yaml.Node | None, default: int = 1, offset: int = 0) -> int:
    """1-based line of a node; ``offset`` lines precede the document it was composed from."""
    return node.start_mark.line + 1 + offset if node is not None else default


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _command(node: yaml.Node | None) -> Command:
    """A command as written; a Helm expression in it shows as ``{{…}}``, which no rule takes
    for a literal (a port there is dynamic, a flag is no flag)."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value).replace(TEMPLATED, SHOWN_TEMPLATE) or None
    if isinstance(node, yaml.SequenceNode):
        return tuple(str(n.value).replace(TEMPLATED, SHOWN_TEMPLATE)
                     for n in node.value if isinstance(n, yaml.ScalarNode)) or None
    return None


def _env_pairs(node: yaml.Node | None, key_field: str, value_field: str, offset: int = 0) -> tuple[EnvEntry, ...]:
    """``[{key: A, value: "1"}]`` lists (Render, DigitalOcean, Kubernetes): literal values only."""
    out = []
    for item in _items(node):
        key, value_node = _scalar(get(item, key_field)), get(item, value_field)
        value = _scalar(value_node)
        if key and value is not None and value_node is not None:
            out.append(EnvEntry(key, value, _line(value_node, offset=offset), value_node.start_mark.column + 1))
    return tuple(out)


# -- Render ------------------------------------------------------------------------------------------

_RENDER_ROLES = {"web": "web", "pserv": "web", "worker": "worker", "background_worker": "worker", "cron": "cron"}


def _render(path: str, text: str, root: yaml.Node | None) -> PlatformManifest:
    processes = []
    for service in _items(get(root, "services")):
        name = _scalar(get(service, "name")) or "service"
        role = _RENDER_ROLES.get(_scalar(get(service, "type")) or "")
        if role is None:
            continue  # a static site or a managed Redis: no process of the repository's
        start_key = "startCommand" if get(service, "startCommand") is not None else "dockerCommand"
        start = get(service, start_key)
        image = get(service, "image", "url")
        common = {"image": _scalar(image), "image_line": _line(image, 0),
                  "environment": _env_pairs(get(service, "envVars"), "key", "value")}
        maximum = _int(get(service, "scaling", "maxInstances"))
        processes.append(PlatformProcess(
            name, role, _line(_key(service, start_key), _line(service)), _command(start), **common,
            replicas=_int(get(service, "numInstances")),
            scaled_by="autoscaling" if maximum is not None and maximum > 1 else ""))
        pre_deploy = get(service, "preDeployCommand")
        if pre_deploy is not None:
            processes.append(PlatformProcess("release", "release", _line(_key(service, "preDeployCommand")),
                                             _command(pre_deploy), **common))
    return _manifest(path, text, "render", processes)


# -- DigitalOcean App Platform -------------------------------------------------------------------

def _digitalocean(path: str, text: str, root: yaml.Node | None) -> PlatformManifest:
    spec = get(root, "spec") or root  # deploy.template.yaml wraps the app spec in `spec:`
    processes = []
    for section, role in (("services", "web"), ("workers", "worker"), ("jobs", "job")):
        for component in _items(get(spec, section)):
            name = _scalar(get(component, "name")) or section
            run = get(component, "run_command")
            kind = _scalar(get(component, "kind")) or ""
            port = _int(get(component, "http_port"))
            image = get(component, "image", "repository")
            maximum = _int(get(component, "autoscaling", "max_instance_count"))
            processes.append(PlatformProcess(
                "release" if kind in ("PRE_DEPLOY", "POST_DEPLOY") else name,
                "release" if kind in ("PRE_DEPLOY", "POST_DEPLOY") else role,
                _line(_key(component, "run_command"), _line(component)), _command(run),
                image=_scalar(image), image_line=_line(image, 0),
                environment=_env_pairs(get(component, "envs"), "key", "value"),
                ports=((port, _line(get(component, "http_port"))),) if port else (),
                replicas=_int(get(component, "instance_count")),
                scaled_by="autoscaling" if maximum is not None and maximum > 1 else ""))
    return _manifest(path, text, "digitalocean", processes)


# -- Heroku app.json -------------------------------------------------------------------------------

_HEROKU_KEYS = ("formation", "scripts", "buildpacks", "addons", "stack", "environments", "success_url")
_HEROKU_KEY_RE = re.compile(r'"(' + "|".join(_HEROKU_KEYS) + r')"\s*:')


def _heroku(path: str, text: str, root: yaml.Node | None) -> PlatformManifest:
    if not isinstance(root, yaml.MappingNode) or get(root, "expo") is not None or not any(
            get(root, key) is not None for key in _HEROKU_KEYS):
        return _manifest(path, text, "", [])  # an app.json of another tool (Expo, React Native)
    env = []
    env_node = get(root, "env")
    for key, value in env_node.value if isinstance(env_node, yaml.MappingNode) else ():
        literal = value if isinstance(value, yaml.ScalarNode) else get(value, "value")
        if isinstance(key, yaml.ScalarNode) and isinstance(literal, yaml.ScalarNode) and _scalar(literal) is not None:
            env.append(EnvEntry(str(key.value), str(literal.value), _line(literal), literal.start_mark.column + 1))
    processes = []
    post_deploy = get(root, "scripts", "postdeploy")
    if post_deploy is not None:
        command = get(post_deploy, "command") if isinstance(post_deploy, yaml.MappingNode) else post_deploy
        processes.append(PlatformProcess("postdeploy", "release", _line(command), _command(command),
                                         environment=tuple(env)))
    formation = []
    formation_node = get(root, "formation")
    for key, value in formation_node.value if isinstance(formation_node, yaml.MappingNode) else ():
        quantity = get(value, "quantity")
        if isinstance(key, yaml.ScalarNode) and _int(quantity) is not None:
            formation.append((str(key.value), _int(quantity) or 0, _line(quantity)))
    return _manifest(path, text, "heroku", processes, formation=tuple(formation))


# -- Kubernetes ------------------------------------------------------------------------------------

def _kubernetes(path: str, text: str) -> PlatformManifest:
    if not _K8S_KIND_RE.search(text):
        return _manifest(path, text, "", [])
    templated = "{{" in text
    source = _untemplate(text) if templated else text
    processes: list[PlatformProcess] = []
    autoscaled: list[str] = []
    skipped: list[str] = []
    for first_line, document in _documents(source):
        if not _K8S_KIND_RE.search(document):
            continue
        try:
            root = yaml.compose(document, Loader=LOADER)
        except yaml.YAMLError as exc:
            what = "a Helm template document" if templated else "a document"
            skipped.append(f"line {first_line}: {what} is not valid YAML ({str(exc).splitlines()[0]}): not read")
            continue
        kind = _scalar(get(root, "kind")) or ""
        if kind in _SCALERS:
            target = _scalar(get(root, "spec", "scaleTargetRef", "name"))
            maximum = _int(get(root, "spec", "maxReplicas")) or _int(get(root, "spec", "maxReplicaCount"))
            if target and (maximum is None or maximum > 1):
                autoscaled.append(target)
        elif kind in _POD_PATHS:
            processes += _workload(kind, root, first_line - 1, path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    return _manifest(path, text, "kubernetes" if processes or autoscaled else "", processes,
                     autoscaled=tuple(autoscaled), skipped=tuple(skipped))


def _untemplate(text: str) -> str:
    """A Helm template with every ``{{ }}`` made harmless, line for line: a line that is only
    a directive (``{{- if … }}``, ``{{ include … | nindent 8 }}``) becomes blank, a multi-line
    directive too, and an inline expression becomes ``TEMPLATED``. What an indented block
    (``if``, ``with``, ``range``) holds is blanked as well: it is there only for some values
    (an optional ``--reload``). A block at column 0 wraps whole documents (``{{- if
    .Values.worker.enabled }}``) and is read."""
    out = []
    open_directive = False
    blocks: list[bool] = []  # open if/with/range blocks: whether each is indented
    for line in text.split("\n"):
        if open_directive:
            open_directive = "}}" not in line
            out.append("")
            continue
        stripped = line.strip()
        if stripped.startswith("{{") and ("}}" not in stripped or _TEMPLATE_RE.sub("", stripped).strip() == ""):
            open_directive = "}}" not in stripped
            keyword = _BLOCK_RE.match(stripped)
            if keyword and keyword.group(1) == "end":
                if blocks:
                    blocks.pop()
            elif keyword and keyword.group(1) != "else":
                blocks.append(line[:1] in (" ", "\t"))
            out.append("")
        elif any(blocks):
            out.append("")
        else:
            out.append(_TEMPLATE_RE.sub(TEMPLATED, line))
    return "\n".join(out)


_BLOCK_RE = re.compile(r"^\{\{-?\s*(if|with|range|define|block|else|end)\b")


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """Each YAML document and its first line (node lines count from the document's start)."""
    start = 0
    for match in _DOC_SEPARATOR_RE.finditer(text):
        yield from _padded(text, start, match.start())
        start = match.end()
    yield from _padded(text, start, len(text))


def _padded(text: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    document = text[start:end]
    if document.strip():
        yield text.count("\n", 0, start) + 1, document


def _workload(kind: str, root: yaml.Node | None, offset: int, stem: str) -> list[PlatformProcess]:
    pod = get(root, *_POD_PATHS[kind])
    containers = _items(get(pod, "containers"))
    # A templated name (`{{ include "chart.fullname" . }}`) falls back to the container's or the file's.
    name = (_scalar(get(root, "metadata", "name"))
            or (_scalar(get(containers[0], "name")) if len(containers) == 1 else None) or stem)
    replicas = _int(get(root, "spec", "replicas")) if kind in ("Deployment", "StatefulSet", "ReplicaSet") else None
    if kind == "Job":
        replicas = _int(get(root, "spec", "parallelism"))
    role = {"Job": "job", "CronJob": "cron"}.get(kind, "web" if _has_ports(pod) else "worker")
    out = []
    for section, section_role in (("initContainers", "init"), ("containers", role)):
        for container in _items(get(pod, section)):
            label = _scalar(get(container, "name")) or section
            command, args = get(container, "command"), get(container, "args")
            words = _words_of(_command(command)) + _words_of(_command(args))
            image = get(container, "image")
            ports = tuple((port, _line(get(item, "containerPort"), offset=offset))
                          for item in _items(get(container, "ports"))
                          if (port := _int(get(item, "containerPort"))) is not None)
            out.append(PlatformProcess(
                name if section == "containers" and len(containers) == 1 else f"{name}/{label}",
                section_role,
                _line(_key(container, "command" if command is not None else "args"), _line(container, offset=offset),
                      offset),
                words or None, image=_scalar(image), image_line=_line(image, 0, offset),
                environment=_env_pairs(get(container, "env"), "name", "value", offset), ports=ports,
                replicas=replicas if section == "containers" else None,
                scaled_by="a DaemonSet, one copy per node" if kind == "DaemonSet" and section == "containers" else "",
                shares_network=section == "containers" and len(containers) > 1,
                stop_grace=_int(get(pod, "terminationGracePeriodSeconds"))))
    return out


def _has_ports(pod: yaml.Node | None) -> bool:
    return any(get(c, "ports") is not None for c in _items(get(pod, "containers")))


def _words_of(command: Command) -> tuple[str, ...]:
    """Kubernetes runs ``command`` and ``args`` as exec arguments: a string is one word."""
    if command is None:
        return ()
    return (command,) if isinstance(command, str) else command


# -- TOML platforms ------------------------------------------------------------------------------

def _fly(path: str, text: str) -> PlatformManifest:
    data = toml_text.load(text, "fly.toml")
    env = _toml_env(text, data.get("env"), "env")
    image = (data.get("build") or {}).get("image") if isinstance(data.get("build"), dict) else None
    image_line = toml_text.line_of(text, "build", "image") if image else 0
    ports: dict[str, list[tuple[int, int]]] = {}
    services = [("http_service", data.get("http_service"))] if isinstance(data.get("http_service"), dict) else []
    services += [("services", s) for s in data.get("services") or () if isinstance(s, dict)]
    for table, service in services:
        port = service.get("internal_port")
        if isinstance(port, int):
            for group in service.get("processes") or ["app"]:
                ports.setdefault(str(group), []).append((port, toml_text.line_of(text, table, "internal_port")))
    declared = data.get("processes")
    commands: list[tuple[str, Command, int]] = []
    if isinstance(declared, dict) and declared:
        commands = [(str(name), _toml_command(command), toml_text.line_of(text, "processes", str(name)))
                    for name, command in declared.items()]
    elif isinstance(data.get("experimental"), dict) and data["experimental"].get("cmd"):
        commands = [("app", _toml_command(data["experimental"]["cmd"]), toml_text.line_of(text, "experimental", "cmd"))]
    processes = [PlatformProcess(name, "web" if name in ports else "worker", line, command, image=image,
                                 image_line=image_line, environment=env, ports=tuple(ports.get(name, ())))
                 for name, command, line in commands]
    deploy = data.get("deploy")
    if isinstance(deploy, dict) and deploy.get("release_command"):
        processes.append(PlatformProcess("release", "release", toml_text.line_of(text, "deploy", "release_command"),
                                         _toml_command(deploy["release_command"]), environment=env))
    return _manifest(path, text, "fly", processes)


def _railway(path: str, text: str) -> PlatformManifest:
    if path.endswith(".toml"):
        data = toml_text.load(text, "railway.toml")
        deploy = data.get("deploy") if isinstance(data.get("deploy"), dict) else {}

        def line(key: str) -> int:
            return toml_text.line_of(text, "deploy", key)
    else:
        root = _compose(_json_as_yaml(text), path)
        deploy_node = get(root, "deploy")
        deploy = {str(k.value): _command(v) for k, v in deploy_node.value
                  if isinstance(k, yaml.ScalarNode)} if isinstance(deploy_node, yaml.MappingNode) else {}

        def line(key: str) -> int:
            return _line(get(deploy_node, key))
    processes = []
    replicas = deploy.get("numReplicas")
    count = int(replicas) if isinstance(replicas, (int, str)) and str(replicas).isdigit() else None
    if deploy.get("startCommand"):
        processes.append(PlatformProcess("start", "cron" if deploy.get("cronSchedule") else "web",
                                         line("startCommand"), _toml_command(deploy["startCommand"]), replicas=count))
    if deploy.get("preDeployCommand"):
        processes.append(PlatformProcess("release", "release", line("preDeployCommand"),
                                         _toml_command(deploy["preDeployCommand"])))
    return _manifest(path, text, "railway", processes)


def _toml_command(value: object) -> Command:
    if isinstance(value, str):
        return value or None
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value) or None
    return None


def _toml_env(text: str, table: object, name: str) -> tuple[EnvEntry, ...]:
    if not isinstance(table, dict):
        return ()
    lines = text.splitlines()
    out = []
    for key, value in table.items():
        if isinstance(value, (str, int, float, bool)):
            line = toml_text.line_of(text, name, str(key))
            raw = lines[line - 1] if line <= len(lines) else ""
            after = raw.find("=") + 1  # the value starts after `=` and its blanks
            out.append(EnvEntry(str(key), str(value), line, after + len(raw[after:]) - len(raw[after:].lstrip()) + 1))
    return tuple(out)


# -- supervisord -------------------------------------------------------------------------------------

_SECTION_RE = re.compile(r"^\[\s*program:([^\]]+?)\s*\]")
_OPTION_RE = re.compile(r"^([A-Za-z_][\w.-]*)\s*[=:]\s?(.*)$")
_SUPERVISOR_ENV_RE = re.compile(r"([A-Za-z_]\w*)=(\"[^\"]*\"|'[^']*'|[^,]*)")


def _supervisord(path: str, text: str) -> PlatformManifest:
    programs: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    last_key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith((";", "#")):
            continue
        if raw.startswith("["):
            match = _SECTION_RE.match(raw)
            current = {"name": match.group(1), "line": number, "options": {}} if match else None
            if current is not None:
                programs.append(current)
            continue
        if current is None:
            continue
        if raw[0] in " \t" and last_key:  # a continuation line of the option above
            value, line, column = current["options"][last_key]
            current["options"][last_key] = (f"{value} {raw.strip()}".strip(), line, column)
            continue
        option = _OPTION_RE.match(raw)
        if option:
            last_key = option.group(1).lower()
            current["options"][last_key] = (option.group(2).strip(), number, option.start(2) + 1)
    processes = []
    for program in programs:
        options = program["options"]
        command, line, _ = options.get("command", (None, program["line"], 1))
        numprocs = options.get("numprocs", ("",))[0]
        env = options.get("environment")
        processes.append(PlatformProcess(
            program["name"], "program", line, command or None,
            environment=tuple(EnvEntry(m.group(1), m.group(2).strip("\"'"), env[1], env[2] + m.start(2))
                              for m in _SUPERVISOR_ENV_RE.finditer(env[0])) if env else (),
            replicas=int(numprocs) if numprocs.isdigit() else None))
    return _manifest(path, text, "supervisord", processes)

