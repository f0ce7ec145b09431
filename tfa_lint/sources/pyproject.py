"""pyproject.toml: the declared dependencies and what kind of project it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tfa_lint.model import Artifact, FileKind
from tfa_lint.sources import toml_text


@dataclass(frozen=True)
class Pyproject(Artifact):
    data: dict[str, Any]

    @property
    def dependencies(self) -> list[str]:
        """Runtime dependencies: PEP 621 ``[project].dependencies`` or Poetry's table."""
        project = self.data.get("project")
        deps: list[str] = []
        if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
            deps += [d for d in project["dependencies"] if isinstance(d, str)]
        poetry = self.data.get("tool", {}).get("poetry", {}) if isinstance(self.data.get("tool"), dict) else {}
        poetry_deps = poetry.get("dependencies") if isinstance(poetry, dict) else None
        if isinstance(poetry_deps, dict):
            deps += [name for name in poetry_deps if name.lower() != "python"]
        return deps

    @property
    def dependencies_line(self) -> int:
        if isinstance(self.data.get("project"), dict) and "dependencies" in self.data["project"]:
            return toml_text.line_of(self.text, "project", "dependencies")
        return toml_text.line_of(self.text, "tool.poetry.dependencies")

    @property
    def tool_config(self) -> dict[str, Any] | None:
        tool = self.data.get("tool")
        return tool.get("tfa-lint") if isinstance(tool, dict) else None


def parse(path: str, text: str) -> Pyproject:
    return Pyproject(path=path, kind=FileKind.PYPROJECT, text=text, data=toml_text.load(text, "pyproject.toml"))
