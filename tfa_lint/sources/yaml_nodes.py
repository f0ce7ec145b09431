"""Reading YAML as nodes, never as objects: what every YAML-based parser shares.

The safe loader's composer builds nodes only: no tag is ever constructed, so a
``!!python/object`` is text and a billion-laughs alias costs one node. It runs in C when
PyYAML has it (a 650 KB compose file took 2.0 s to compose in Python).
"""

from __future__ import annotations

import yaml

from tfa_lint.sources import SourceError

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, what: str) -> yaml.Node | None:
    """The document's root node; a one-line :class:`SourceError` naming ``what`` when it is not YAML."""
    try:
        return yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        raise SourceError(f"{what} is not valid YAML: {str(exc).splitlines()[0]}") from None


def get(node: yaml.Node | None, *keys: str) -> yaml.Node | None:
    """The value under ``keys`` (each a mapping key, in turn), or None."""
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    return node


def scalar(node: yaml.Node | None) -> str | None:
    """A scalar's text as written, or None for a mapping, a sequence or nothing."""
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None
