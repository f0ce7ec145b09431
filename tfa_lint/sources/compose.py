"""Compose files, read with PyYAML's safe composer so every value keeps its line.

Only the node graph is built (never Python objects from tags), and the walk visits each
node once, so an alias bomb costs as much as the text it is written in.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources.envfile import EnvEntry
from tfa_lint.sources.yaml_nodes import compose, get, scalar

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


def parse(path: str, text: str) -> ComposeFile:
    root = compose(text, "compose file")
    services: list[Service] = []
    services_node = get(root, "services")
    if isinstance(services_node, yaml.MappingNode):
        for key, node in services_node.value:
            if isinstance(node, yaml.MappingNode):
                services.append(_service(str(key.value), key.start_mark.line + 1, node))
    return ComposeFile(path=path, kind=FileKind.COMPOSE, text=text, services=tuple(services))




def _command(node: yaml.Node | None) -> Command:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return tuple(str(n.value) for n in node.value if isinstance(n, yaml.ScalarNode))
    return None


def _service(name: str, line: int, node: yaml.MappingNode) -> Service:
    env: list[EnvEntry] = []
    env_node = get(node, "environment")
    if isinstance(env_node, yaml.MappingNode):
        for k, v in env_node.value:
            if isinstance(k, yaml.ScalarNode):
                value = scalar(v) or ""
                env.append(EnvEntry(str(k.value), value, v.start_mark.line + 1, v.start_mark.column + 1))
    elif isinstance(env_node, yaml.SequenceNode):
        for item in env_node.value:
            text = scalar(item)
            if text and "=" in text:
                key, _, value = text.partition("=")
                env.append(EnvEntry(key.strip(), value, item.start_mark.line + 1,
                                    item.start_mark.column + 1 + len(key) + 1))
    ports: list[tuple[str, int]] = []
    ports_node = get(node, "ports")
    if isinstance(ports_node, yaml.SequenceNode):
        ports = [(str(p.value), p.start_mark.line + 1) for p in ports_node.value if isinstance(p, yaml.ScalarNode)]
    command_node = get(node, "command")
    return Service(
        name=name,
        line=line,
        image=scalar(get(node, "image")),
        builds=get(node, "build") is not None,
        command=_command(command_node),
        command_line=command_node.start_mark.line + 1 if command_node is not None else line,
        entrypoint=_command(get(node, "entrypoint")),
        environment=tuple(env),
        ports=tuple(ports),
        mounts_source=_mounts_source(get(node, "volumes")),
        replicas=_count(get(get(node, "deploy"), "replicas") or get(node, "scale")),
    )


def _count(node: yaml.Node | None) -> int | None:
    value = scalar(node)
    return int(value) if value is not None and value.strip().isdigit() else None


def _mounts_source(volumes: yaml.Node | None) -> bool:
    for item in volumes.value if isinstance(volumes, yaml.SequenceNode) else ():
        source = (str(item.value).split(":")[0] if isinstance(item, yaml.ScalarNode)
                  else str(getattr(get(item, "source"), "value", "")))
        if source.startswith("."):
            return True
    return False
