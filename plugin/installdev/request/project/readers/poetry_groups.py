"""Poetry groups (``[tool.poetry.group.<name>]`` and the legacy ``[tool.poetry.dev-dependencies]``): which ones
``poetry install`` installs by default, and each one's requirement lines with ``include-groups`` expanded."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.tables import (
    DEV,
    cycle_text,
    deduplicated,
    listing,
    normalize_name,
    pyproject_path,
    subtable,
    tool_table,
)


class PoetryGroup(NamedTuple):
    optional: bool
    dependencies: tuple[tuple[str, object], ...]
    includes: tuple[str, ...]


def poetry_groups(pyproject: dict, directory: Path) -> dict[str, PoetryGroup]:
    """Normalized name -> group, in declaration order; the legacy dev-dependencies are merged into ``dev``."""
    path = pyproject_path(directory)
    poetry = tool_table(pyproject, "poetry", directory)
    groups: dict[str, PoetryGroup] = {}
    for name, config in subtable(poetry, "group", "[tool.poetry.group]", directory).items():
        label = f"[tool.poetry.group.{name}]"
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: {label} must be a table: fix its type")
        normalized = normalize_name(name)
        if normalized in groups:
            raise ProjectError(f"{path}: two poetry groups normalize to {normalized!r}: merge them or rename one")
        optional = config.get("optional", False)
        includes = config.get("include-groups", [])
        if not isinstance(optional, bool):
            raise ProjectError(f"{path}: {label} optional must be true or false: fix its value")
        if not isinstance(includes, list) or not all(isinstance(include, str) for include in includes):
            raise ProjectError(f"{path}: {label} include-groups must be a list of group names: fix its value")
        dependencies = subtable(config, "dependencies", f"{label} dependencies", directory)
        groups[normalized] = PoetryGroup(optional, tuple(dependencies.items()), tuple(map(normalize_name, includes)))
    legacy = subtable(poetry, "dev-dependencies", "[tool.poetry.dev-dependencies]", directory)
    if legacy:
        dev = groups.get(DEV, PoetryGroup(False, (), ()))
        groups[DEV] = dev._replace(dependencies=(*dev.dependencies, *legacy.items()))
    return groups


def poetry_default_groups(pyproject: dict, directory: Path, groups: dict[str, PoetryGroup] | None = None) -> tuple[str, ...]:
    """The poetry groups ``poetry install`` installs by default: every group not marked ``optional = true``.
    ``groups``: ``poetry_groups``' result, when already read."""
    groups = poetry_groups(pyproject, directory) if groups is None else groups
    return tuple(name for name, group in groups.items() if not group.optional)


def resolve_poetry_group(pyproject: dict, directory: Path, name: str,
                         groups: dict[str, PoetryGroup] | None = None) -> tuple[str, ...]:
    """The requirement lines of poetry group ``name`` (any spelling), its ``include-groups`` expanded.

    The ``python`` key is skipped (it constrains the interpreter, it is no package) and so are dependencies marked
    ``optional = true`` (poetry installs those only through an extra). ProjectError if the group is unknown, an
    include is unknown or cyclic, or a dependency cannot be expressed as a requirement line. ``groups``:
    ``poetry_groups``' result, when already read.
    """
    path = pyproject_path(directory)
    groups = poetry_groups(pyproject, directory) if groups is None else groups

    from installdev.request.project.readers.poetry_dependencies import poetry_requirement_lines  # poetry's syntax: loaded when used

    def lines(group_name: str, chain: tuple[str, ...]) -> list[str]:
        if group_name in chain:
            raise ProjectError(f"{path}: poetry groups include each other in a cycle ({cycle_text(chain, group_name)}): "
                               "remove one of those include-groups entries")
        if group_name not in groups:
            raise ProjectError(f"{path}: poetry group {chain[-1]!r} includes {group_name!r}, which is not declared "
                               f"({listing(groups) or 'none'}): fix the name or declare that group")
        group = groups[group_name]
        result = [line for dependency, declaration in group.dependencies if normalize_name(dependency) != "python"
                  for line in poetry_requirement_lines(dependency, declaration, directory)]
        for include in group.includes:
            result.extend(lines(include, (*chain, group_name)))
        return result

    normalized = normalize_name(name)
    if normalized not in groups:
        raise ProjectError(f"{path} declares no poetry group {name!r} (poetry groups: {listing(groups) or 'none'}): "
                           "pick a declared one")
    return deduplicated(lines(normalized, ()))
