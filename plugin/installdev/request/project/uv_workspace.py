"""Which lock file a project's own tool would install from, and the files a locked venv depends on.

Four kinds, tried in this order:

* ``uv.lock`` of the project's uv project root: the project directory itself, or the root of the uv workspace
  that lists it (the nearest ancestor whose pyproject.toml has ``[tool.uv.workspace]``, when its ``members``
  globs match the project and its ``exclude`` globs do not), as uv finds it; only for a project with a
  ``[project]`` table, which uv requires;
* ``pdm.lock`` beside the project's pyproject.toml: where pdm's own detection puts it, before a PEP 751 lock (pdm
  installs from pylock.toml only when its ``lock.format`` setting says ``pylock``, which installdev does not read:
  a pylock.toml beside a pdm.lock is taken for an export, such as ``pdm export -f pylock`` writes);
* a PEP 751 lock in the project directory: ``pylock.toml``, else the only ``pylock.<name>.toml`` (several
  named ones and no ``pylock.toml`` is a ProjectError: which one is meant cannot be told);
* ``poetry.lock`` beside a poetry project's pyproject.toml (``[tool.poetry]``).

Pure and cheap (no TOML parser unless a file mentions the table asked for): ``lock_input_files`` is on the
up-to-date path.
"""

from __future__ import annotations

import enum
import glob
import os
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.model import parse_toml

UV_LOCK = "uv.lock"
PYLOCK = "pylock.toml"
POETRY_LOCK = "poetry.lock"
PDM_LOCK = "pdm.lock"
PYLOCK_PATTERN = "pylock.*.toml"


class LockKind(str, enum.Enum):
    UV = UV_LOCK
    PYLOCK = PYLOCK
    POETRY = POETRY_LOCK
    PDM = PDM_LOCK

    def __str__(self) -> str:
        return self.value


class ProjectLock(NamedTuple):
    """The lock a project's own tool installs from. ``root`` is the uv project root (a workspace root for a member)."""

    kind: LockKind
    path: Path
    root: Path


class UvWorkspace(NamedTuple):
    """A ``[tool.uv.workspace]`` table: its root, and its ``members`` and ``exclude`` globs (relative to the root)."""

    root: Path
    members: tuple[str, ...]
    exclude: tuple[str, ...]


def _read_table(pyproject: Path, marker: bytes, *keys: str) -> dict | None:
    """The table at ``keys`` of ``pyproject`` when its text mentions ``marker``; None when absent or unreadable."""
    try:
        content = pyproject.read_bytes()
    except OSError:
        return None
    if marker not in content:
        return None
    try:
        table = parse_toml(pyproject, content)
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
    table = _read_table(root / "pyproject.toml", b"workspace", "tool", "uv", "workspace")
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
    if _read_table(root / "pyproject.toml", b"project", "project") is not None:
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


def uv_project_root(directory: Path) -> Path:
    """Where uv keeps ``directory``'s uv.lock: its workspace root, or the project directory itself."""
    workspace = find_uv_workspace(directory)
    return workspace.root if workspace else Path(os.path.abspath(directory))


def _named_pylocks(directory: Path) -> list[Path]:
    return sorted(Path(path) for path in glob.glob(os.path.join(glob.escape(str(directory)), PYLOCK_PATTERN)))


def lock_input_files(directory: Path) -> list[Path]:
    """Every existing file a locked install of ``directory`` may read: its uv.lock (and, for a uv workspace member, the
    workspace root's pyproject.toml and uv.lock), pdm.lock, pylock.toml, every pylock.<name>.toml, and poetry.lock.
    Whether or not one is chosen, its appearance can change the choice."""
    directory = Path(os.path.abspath(directory))
    root = uv_project_root(directory)
    candidates = [root / UV_LOCK, *([root / "pyproject.toml"] if root != directory else []), directory / PDM_LOCK,
                  directory / PYLOCK, *_named_pylocks(directory), directory / POETRY_LOCK]
    return [path for path in dict.fromkeys(candidates) if path.is_file()]


def lock_candidates(directory: Path) -> list[Path]:
    """The fixed paths at which a lock appearing would change the install (``pylock.<name>.toml`` excepted)."""
    directory = Path(os.path.abspath(directory))
    return list(dict.fromkeys([uv_project_root(directory) / UV_LOCK, directory / PDM_LOCK, directory / PYLOCK,
                               directory / POETRY_LOCK]))


def uv_lock_applies(directory: Path, pyproject: dict) -> bool:
    """Whether uv would install ``directory`` from a uv.lock: a ``[project]`` table and a uv.lock at its uv project
    root."""
    return isinstance(pyproject.get("project"), dict) and (uv_project_root(directory) / UV_LOCK).is_file()


def pdm_lock_applies(directory: Path, pyproject: dict) -> bool:
    """Whether ``directory`` is installed from its pdm.lock: one beside its pyproject.toml, and no uv.lock that wins."""
    directory = Path(os.path.abspath(directory))
    return ((directory / PDM_LOCK).is_file() and (directory / "pyproject.toml").is_file()
            and not uv_lock_applies(directory, pyproject))


def find_lock(directory: Path, pyproject: dict) -> ProjectLock | None:
    """The lock the project's own tool would install from (see the module docstring), or None.

    Raises ProjectError when several ``pylock.<name>.toml`` and no ``pylock.toml`` exist.
    """
    directory = Path(os.path.abspath(directory))
    if uv_lock_applies(directory, pyproject):
        root = uv_project_root(directory)
        return ProjectLock(LockKind.UV, root / UV_LOCK, root)
    if pdm_lock_applies(directory, pyproject):
        return ProjectLock(LockKind.PDM, directory / PDM_LOCK, directory)
    if (directory / PYLOCK).is_file():
        return ProjectLock(LockKind.PYLOCK, directory / PYLOCK, directory)
    named = _named_pylocks(directory)
    if len(named) == 1:
        return ProjectLock(LockKind.PYLOCK, named[0], directory)
    if named:
        raise ProjectError(f"{directory} holds several PEP 751 locks ({', '.join(path.name for path in named)}) and no "
                           f"{PYLOCK}: keep one, or name the one to install {PYLOCK}")
    tool = pyproject.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict) and (directory / POETRY_LOCK).is_file():
        return ProjectLock(LockKind.POETRY, directory / POETRY_LOCK, directory)
    return None
