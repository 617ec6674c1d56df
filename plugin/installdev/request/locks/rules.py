"""Which lock file a project's own tool would install from, and the files a locked venv depends on: one ordered list
of rules, read by the plan (``find_lock``) and by the up-to-date check (``lock_input_files``, ``lock_candidates``).

Four kinds, tried in this order:

* ``uv.lock`` of the project's uv project root: the project directory itself, or the root of the uv workspace
  that lists it (``installdev.request.project.uv_workspace``), as uv finds it; only for a project with a
  ``[project]`` table, which uv requires, or a workspace root without one (a virtual root);
* ``pdm.lock`` beside the project's pyproject.toml: where pdm's own detection puts it, before a PEP 751 lock (pdm
  installs from pylock.toml only when its ``lock.format`` setting says ``pylock``, which installdev does not read:
  a pylock.toml beside a pdm.lock is taken for an export, such as ``pdm export -f pylock`` writes);
* a PEP 751 lock in the project directory: ``pylock.toml``, else the only ``pylock.<name>.toml`` (several
  named ones and no ``pylock.toml`` is a ProjectError: which one is meant cannot be told);
* ``poetry.lock`` beside a poetry project's pyproject.toml (``[tool.poetry]``).

Cheap: the watched files need no TOML parser (the uv workspace search parses only an ancestor that mentions one), so
``lock_input_files`` is on the up-to-date path; only whether a rule applies reads the project's document.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

from installdev.errors import ProjectError
from installdev.request.project.input_file import is_input_present
from installdev.vocabulary import Word

UV_LOCK = "uv.lock"
PYLOCK = "pylock.toml"
POETRY_LOCK = "poetry.lock"
PDM_LOCK = "pdm.lock"
PYLOCK_PATTERN = "pylock.*.toml"


class LockKind(Word):
    UV = UV_LOCK
    PYLOCK = PYLOCK
    POETRY = POETRY_LOCK
    PDM = PDM_LOCK


class Project(Protocol):
    """What the rules read of a project (``installdev.request.project.model.Project``)."""

    directory: Path
    pyproject: dict
    uv_workspace: object  # an UvWorkspace, or None
    uv_project_root: Path


class ProjectLock(NamedTuple):
    """The lock a project's own tool installs from. ``root`` is the uv project root (a workspace root for a member)."""

    kind: LockKind
    path: Path
    root: Path


def _directory(project: Project) -> Path:
    return Path(os.path.abspath(project.directory))


def _named_pylocks(directory: Path) -> list[Path]:
    return sorted(Path(path) for path in glob.glob(os.path.join(glob.escape(str(directory)), PYLOCK_PATTERN)))


def _uv_lock(project: Project) -> ProjectLock | None:
    root = project.uv_project_root
    virtual_root = project.uv_workspace is not None and root == _directory(project)
    uv_project = isinstance(project.pyproject.get("project"), dict) or virtual_root
    if uv_project and is_input_present(root / UV_LOCK):
        return ProjectLock(LockKind.UV, root / UV_LOCK, root)
    return None


def _pdm_lock(project: Project) -> ProjectLock | None:
    directory = _directory(project)
    if is_input_present(directory / PDM_LOCK) and is_input_present(directory / "pyproject.toml"):
        return ProjectLock(LockKind.PDM, directory / PDM_LOCK, directory)
    return None


def _pylock(project: Project) -> ProjectLock | None:
    directory = _directory(project)
    if is_input_present(directory / PYLOCK):
        return ProjectLock(LockKind.PYLOCK, directory / PYLOCK, directory)
    named = _named_pylocks(directory)
    if len(named) == 1:
        return ProjectLock(LockKind.PYLOCK, named[0], directory)
    if named:
        raise ProjectError(f"{directory} holds several PEP 751 locks ({', '.join(path.name for path in named)}) and no "
                           f"{PYLOCK}: keep one, or name the one to install {PYLOCK}")
    return None


def _poetry_lock(project: Project) -> ProjectLock | None:
    directory = _directory(project)
    tool = project.pyproject.get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("poetry"), dict) and is_input_present(directory / POETRY_LOCK):
        return ProjectLock(LockKind.POETRY, directory / POETRY_LOCK, directory)
    return None


def _uv_workspace_pyproject(project: Project) -> list[Path]:
    root = project.uv_project_root
    return [root / "pyproject.toml"] if root != _directory(project) else []


def _nothing_more(project: Project) -> list[Path]:
    return []


class LockRule(NamedTuple):
    """One kind of lock: the lock it finds for a project (None when it does not apply), the fixed paths at which a
    lock of this kind appearing would change the install, and the other files of this kind a locked install may read
    (``also_read``)."""

    find: Callable[[Project], ProjectLock | None]
    candidates: Callable[[Project], list[Path]]
    also_read: Callable[[Project], list[Path]] = _nothing_more


RULES = (
    LockRule(_uv_lock, lambda project: [project.uv_project_root / UV_LOCK], _uv_workspace_pyproject),
    LockRule(_pdm_lock, lambda project: [_directory(project) / PDM_LOCK]),
    LockRule(_pylock, lambda project: [_directory(project) / PYLOCK], lambda project: _named_pylocks(_directory(project))),
    LockRule(_poetry_lock, lambda project: [_directory(project) / POETRY_LOCK]),
)


def find_lock(project: Project) -> ProjectLock | None:
    """The lock the project's own tool would install from: the first rule's that applies (see the module), or None.

    Raises ProjectError when several ``pylock.<name>.toml`` and no ``pylock.toml`` exist.
    """
    for rule in RULES:
        lock = rule.find(project)
        if lock is not None:
            return lock
    return None


def lock_input_files(project: Project) -> list[Path]:
    """Every existing file a locked install of the project may read: its uv.lock (and, for a uv workspace member, the
    workspace root's pyproject.toml and uv.lock), pdm.lock, pylock.toml, every pylock.<name>.toml, and poetry.lock.
    Whether or not one is chosen, its appearance can change the choice."""
    read = (path for rule in RULES for path in (*rule.candidates(project), *rule.also_read(project)))
    return [path for path in dict.fromkeys(read) if is_input_present(path)]


def lock_candidates(project: Project) -> list[Path]:
    """The fixed paths at which a lock appearing would change the install (``pylock.<name>.toml`` excepted)."""
    return list(dict.fromkeys(path for rule in RULES for path in rule.candidates(project)))
