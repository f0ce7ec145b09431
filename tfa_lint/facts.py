"""Typed fact payloads: what a collector says it observed, one class per kind of fact.

A collector module defines the payload classes of the facts it records, next to the
collector, as frozen dataclasses subclassing :class:`FactData`::

    @dataclass(frozen=True)
    class ImportFact(FactData):
        kind = "import"
        module: str
        optional: bool

and a repo rule reads them back by class: ``for fact in repo.facts(ImportFact): fact.data.module``.

The cache stores a payload as its ``kind`` and its fields as JSON, and rebuilds it from
:data:`FACT_CLASSES`; so fields hold JSON values only — str, int, float, bool, None, and
lists and str-keyed dicts of them. A tuple or a set would come back as a list, so the cache
refuses to keep such a file's result rather than return it changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

#: Every payload class, by its kind; filled as the classes are defined.
FACT_CLASSES: dict[str, type[FactData]] = {}


class FactError(TypeError):
    """A payload class is malformed, claims a kind already taken, or was not declared."""


@dataclasses.dataclass(frozen=True)
class FactData:
    """The base of every fact payload. A subclass sets ``kind``, the name the cache, the
    ``Fact`` and messages know it by, unique across the rule packs of a run."""

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if not isinstance(kind, str) or not kind:
            raise FactError(f"{cls.__qualname__} must set kind, the name of its facts")
        claimed = FACT_CLASSES.get(kind)
        if claimed is not None:
            raise FactError(f"fact kind {kind!r} is claimed by {claimed.__module__}.{claimed.__qualname__} "
                            f"and again by {cls.__module__}.{cls.__qualname__}")
        FACT_CLASSES[kind] = cls

    def fields(self) -> dict[str, Any]:
        """The payload's fields by name, as the cache stores them."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def fact_data(kind: str, fields: dict[str, Any]) -> FactData:
    """The payload of ``kind`` rebuilt from its fields; raises ValueError when ``kind`` is
    unknown or the fields are not that class's."""
    try:
        return FACT_CLASSES[kind](**fields)
    except KeyError:
        raise ValueError(f"unknown fact kind {kind!r}") from None
    except TypeError as exc:
        raise ValueError(f"fields of a {kind!r} fact: {exc}") from None
