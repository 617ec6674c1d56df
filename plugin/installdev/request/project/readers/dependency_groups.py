"""PEP 735 dependency groups (``[dependency-groups]``, with uv's legacy ``[tool.uv] dev-dependencies`` merged into
``dev``), resolved the way uv resolves them, and the groups ``uv sync`` installs by default."""

from __future__ import annotations

from pathlib import Path

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


def dependency_groups(pyproject: dict, directory: Path) -> dict[str, tuple[str, ...]]:
    """Every dependency group: normalized name -> requirement strings, ``{include-group}`` entries expanded.

    Groups come in declaration order. ``[tool.uv] dev-dependencies`` is appended to ``dev`` (created if absent) after
    expansion, as uv does: an ``include-group = "dev"`` sees only ``[dependency-groups] dev``. Every group is expanded,
    so any unknown include, cycle, name clash or malformed entry raises ProjectError, as it makes uv fail.
    """
    path = pyproject_path(directory)
    declared: dict[str, tuple[str, list]] = {}
    for name, entries in subtable(pyproject, "dependency-groups", "[dependency-groups]", directory).items():
        normalized = normalize_name(name)
        if normalized in declared:
            raise ProjectError(f"{path}: dependency groups {declared[normalized][0]!r} and {name!r} both normalize to "
                               f"{normalized!r}: merge them or rename one")
        if not isinstance(entries, list):
            raise ProjectError(f"{path}: dependency group {name!r} must be a list of requirement strings and "
                               "{include-group = \"NAME\"} tables: fix its type")
        declared[normalized] = (name, entries)

    expanded: dict[str, tuple[str, ...]] = {}

    def expand(name: str, chain: tuple[str, ...]) -> tuple[str, ...]:
        if name in chain:
            raise ProjectError(f"{path}: dependency groups include each other in a cycle ({cycle_text(chain, name)}): "
                               "remove one of those include-group entries")
        if name not in expanded:
            declared_name, entries = declared[name]
            lines: list[str] = []
            for entry in entries:
                if isinstance(entry, str):
                    lines.append(entry)
                elif isinstance(entry, dict) and list(entry) == ["include-group"] and isinstance(entry["include-group"], str):
                    included = normalize_name(entry["include-group"])
                    if included not in declared:
                        raise ProjectError(f"{path}: dependency group {declared_name!r} includes {entry['include-group']!r}, "
                                           f"which [dependency-groups] does not declare ({listing(declared) or 'none'}): "
                                           "fix the name or declare that group")
                    lines.extend(expand(included, (*chain, name)))
                else:
                    raise ProjectError(f"{path}: dependency group {declared_name!r} has an entry that is neither a "
                                       f"requirement string nor an {{include-group = \"NAME\"}} table ({entry!r}): fix it")
            expanded[name] = tuple(lines)
        return expanded[name]

    groups = {name: expand(name, ()) for name in declared}
    legacy = tool_table(pyproject, "uv", directory).get("dev-dependencies")
    if legacy is not None:
        if not isinstance(legacy, list) or not all(isinstance(line, str) for line in legacy):
            raise ProjectError(f"{path}: [tool.uv] dev-dependencies must be a list of requirement strings: fix its type")
        groups[DEV] = (*groups.get(DEV, ()), *legacy)
    return groups


def resolve_dependency_group(pyproject: dict, directory: Path, name: str) -> tuple[str, ...]:
    """The requirement strings of dependency group ``name`` (any spelling); ProjectError listing the groups if unknown."""
    groups = dependency_groups(pyproject, directory)
    normalized = normalize_name(name)
    if normalized not in groups:
        raise ProjectError(f"{pyproject_path(directory)} declares no dependency group {name!r} "
                           f"(dependency groups: {listing(groups) or 'none'}): pick a declared one")
    return groups[normalized]


def uv_default_groups(pyproject: dict, directory: Path, groups: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The dependency groups ``uv sync`` installs by default, normalized.

    ``[tool.uv] default-groups`` is a list of names or ``"all"`` (every group, in declaration order); without it,
    ``dev`` if that group exists, else none. A listed group that does not exist raises ProjectError, as it makes uv
    fail; a ``dev`` declared only by the legacy ``[tool.uv] dev-dependencies`` counts as existing. ``groups``:
    ``dependency_groups``' result, when already read.
    """
    groups = dependency_groups(pyproject, directory) if groups is None else groups
    setting = tool_table(pyproject, "uv", directory).get("default-groups")
    if setting is None:
        return (DEV,) if DEV in groups else ()
    if setting == "all":
        return tuple(groups)
    path = pyproject_path(directory)
    if not isinstance(setting, list) or not all(isinstance(name, str) for name in setting):
        raise ProjectError(f'{path}: [tool.uv] default-groups must be a list of group names or "all": fix its value')
    names = deduplicated(normalize_name(name) for name in setting)
    for name in names:
        if name not in groups:
            raise ProjectError(f"{path}: default group {name!r} (from [tool.uv] default-groups) is not declared in "
                               f"[dependency-groups] ({listing(groups) or 'none'}): declare it or remove it from default-groups")
    return names


def uv_default_reason(pyproject: dict, directory: Path, names: tuple[str, ...]) -> str:
    setting = tool_table(pyproject, "uv", directory).get("default-groups")
    if setting is None:
        return "dependency group dev (uv sync's default)"
    if setting == "all":
        return f'[tool.uv] default-groups = "all": {listing(names)}'
    noun = "dependency group" if len(names) == 1 else "dependency groups"
    return f"{noun} {listing(names)} ([tool.uv] default-groups)"
