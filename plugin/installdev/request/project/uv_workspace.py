"""The uv workspace a project belongs to, found as uv finds it.

A workspace is declared by ``[tool.uv.workspace]`` in the pyproject.toml of its root: ``members`` globs (relative to
the root) select the directories holding a pyproject.toml that belong to it, ``exclude`` globs take some out, and the
root is a member too when it is a project (has a ``[project]`` table). A project belongs to the nearest ancestor (or
itself) that declares a workspace, when that workspace lists it; the search stops at the first directory holding
``.git``.

Cheap: an ancestor's pyproject.toml is parsed only when its text mentions the table asked for, and through the
per-content cache of ``installdev.request.project.documents``, so a walk repeated by another role parses nothing again.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file


class UvWorkspace(NamedTuple):
    """A ``[tool.uv.workspace]`` table: its root, and its ``members`` and ``exclude`` globs (relative to the root)."""

    root: Path
    members: tuple[str, ...]
    exclude: tuple[str, ...]


def read_table(pyproject: Path, marker: bytes, *keys: str) -> dict | None:
    """The table at ``keys`` of ``pyproject`` when its text mentions ``marker``; None when absent or unreadable."""
    try:
        content = pyproject.read_bytes()
    except OSError:
        return None
    if marker not in content:
        return None
    try:
        table = parse_toml_file(pyproject, content)
    except ProjectError:
        return None
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    return table if isinstance(table, dict) else None


def _globs(table: dict, key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def uv_workspace_table(root: Path) -> UvWorkspace | None:
    """The ``[tool.uv.workspace]`` of ``root/pyproject.toml``, or None."""
    table = read_table(root / "pyproject.toml", b"workspace", "tool", "uv", "workspace")
    return None if table is None else UvWorkspace(root, _globs(table, "members"), _globs(table, "exclude"))


def uv_workspace_members(workspace: UvWorkspace) -> list[Path]:
    """The member directories, as uv finds them: directories holding pyproject.toml matched by a ``members`` glob and by
    no ``exclude`` glob, each glob's matches sorted; the root too when it is a project (has a ``[project]`` table)."""
    root = workspace.root

    def matches(patterns: tuple[str, ...]) -> list[Path]:
        found: list[Path] = []
        for pattern in patterns:
            for match in sorted(glob.glob(os.path.join(root, pattern))):
                path = Path(os.path.normpath(match))
                if path not in found and (path / "pyproject.toml").is_file():
                    found.append(path)
        return found

    excluded = set(matches(workspace.exclude))
    members = [path for path in matches(workspace.members) if path not in excluded and path != root]
    if read_table(root / "pyproject.toml", b"project", "project") is not None:
        members.insert(0, root)
    return members


def find_uv_workspace(directory: Path) -> UvWorkspace | None:
    """The uv workspace ``directory`` belongs to: the nearest ancestor (or itself) with ``[tool.uv.workspace]``, when
    that workspace lists it; searching stops at the first directory holding ``.git``."""
    start = Path(os.path.abspath(directory))
    for folder in (start, *start.parents):
        workspace = uv_workspace_table(folder)
        if workspace is not None:
            if folder == start or start in uv_workspace_members(workspace):
                return workspace
            return None
        if os.path.lexists(folder / ".git"):
            return None
    return None
