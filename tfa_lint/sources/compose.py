"""Compose files, read with PyYAML's safe composer so every value keeps its line.

Only the node graph is built (never Python objects from tags), and the walk visits each
node once, so an alias bomb costs as much as the text it is written in.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import SourceError
from tfa_lint.sources.envfile import EnvEntry

Command = tuple[str, ...] | str | None


@dataclass(frozen=True)
class Service:
    name: str
    line: int
    image: str | None
    builds: bool
    command: Command
    command_line: int
    entrypoint: Command
    environment: tuple[EnvEntry, ...]
    ports: tuple[tuple[str, int], ...]
    #: A volume mounts a relative host path (`./src:/app`): the source tree, as a live-reload dev setup does.
    mounts_source: bool
    #: Copies it asks for (`deploy.replicas`, or the older `scale`); None when it names none.
    replicas: int | None = None


@dataclass(frozen=True)
class ComposeFile(Artifact):
    services: tuple[Service, ...]


#: The safe loader's composer (nodes only: no tag is ever constructed), in C when PyYAML has
#: it: a 650 KB compose file took 2.0 s to compose in Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(path: str, text: str) -> ComposeFile:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise SourceError(f"compose file is not valid YAML: {str(exc).splitlines()[0]}") from None
    services: list[Service] = []
    services_node = _get(root, "services")
    if isinstance(services_node, yaml.MappingNode):
        for key, node in services_node.value:
            if isinstance(node, yaml.MappingNode):
                services.append(_service(str(key.value), key.start_mark.line + 1, node))
    return ComposeFile(path=path, kind=FileKind.COMPOSE, text=text, services=tuple(services))


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _command(node: yaml.Node | None) -> Command:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return tuple(str(n.value) for n in node.value if isinstance(n, yaml.ScalarNode))
    return None


def _service(name: str, line: int, node: yaml.MappingNode) -> Service:
    env: list[EnvEntry] = []
    env_node = _get(node, "environment")
    if isinstance(env_node, yaml.MappingNode):
        for k, v in env_node.value:
            if isinstance(k, yaml.ScalarNode):
                value = _scalar(v) or ""
                env.append(EnvEntry(str(k.value), value, v.start_mark.line + 1, v.start_mark.column + 1))
    elif isinstance(env_node, yaml.SequenceNode):
        for item in env_node.value:
            text = _scalar(item)
            if text and "=" in text:
                key, _, value = text.partition("=")
                env.append(EnvEntry(key.strip(), value, item.start_mark.line + 1,
                                    item.start_mark.column + 1 + len(key) + 1))
    ports: list[tuple[str, int]] = []
    ports_node = _get(node, "ports")
    if isinstance(ports_node, yaml.SequenceNode):
        ports = [(str(p.value), p.start_mark.line + 1) for p in ports_node.value if isinstance(p, yaml.ScalarNode)]
    command_node = _get(node, "command")
    return Service(
        name=name,
        line=line,
        image=_scalar(_get(node, "image")),
        builds=_get(node, "build") is not None,
        command=_command(command_node),
        command_line=command_node.start_mark.line + 1 if command_node is not None else line,
        entrypoint=_command(_get(node, "entrypoint")),
        environment=tuple(env),
        ports=tuple(ports),
        mounts_source=_mounts_source(_get(node, "volumes")),
        replicas=_count(_get(_get(node, "deploy"), "replicas") or _get(node, "scale")),
    )


def _count(node: yaml.Node | None) -> int | None:
    value = _scalar(node)
    return int(value) if value is not None and value.strip().isdigit() else None


def _mounts_source(volumes: yaml.Node | None) -> bool:
    for item in volumes.value if isinstance(volumes, yaml.SequenceNode) else ():
        source = (str(item.value).split(":")[0] if isinstance(item, yaml.ScalarNode)
                  else str(getattr(_get(item, "source"), "value", "")))
        if source.startswith("."):
            return True
    return False
