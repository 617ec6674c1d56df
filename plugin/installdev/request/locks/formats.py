"""One interface for every lock format: the questions the selection asks of a lock, whichever tool wrote it.

Each format module (``uv``, ``pylock``, ``poetry``, ``pdm``) exposes ``FORMAT``, answering: whether the lock was
made from the project's pyproject.toml (as far as installdev can tell without the tool), which groups its tool
installs by default and why, and which packages it locks for a selection and an interpreter. A format module is
imported when its kind of lock is found (the up-to-date path imports none).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from installdev.request.locks.rules import LockKind
from installdev.request.project.tables import listing

if TYPE_CHECKING:
    from installdev.request.locks.lockedset import LockedSet
    from installdev.request.project.model import Project

_MODULES = {LockKind.UV: "uv", LockKind.PYLOCK: "pylock", LockKind.POETRY: "poetry", LockKind.PDM: "pdm"}


class LockStatus(NamedTuple):
    """Whether a lock was made from the project's pyproject.toml, as its tool checks before installing: ``fresh`` is
    None when installdev cannot tell without the tool; ``why`` says why, for the messages."""

    fresh: bool | None
    why: str


class LockFormat(Protocol):
    def status(self, project: Project, lock: Path) -> LockStatus:
        """Whether ``lock`` is fresh (``LockStatus``). Raises ProjectError for a lock installdev cannot read."""

    def default_groups(self, project: Project, lock: Path) -> tuple[str, ...]:
        """The groups the lock's tool installs when none is asked for (normalized)."""

    def default_reason(self, project: Project, lock: Path, groups: tuple[str, ...]) -> str:
        """Why ``default_groups``: the second half of the ``development set:`` line."""

    def read(self, project: Project, lock: Path, extras: tuple[str, ...], groups: tuple[str, ...],
             version: tuple[int, ...]) -> LockedSet:
        """The packages the lock installs for these extras and groups into a venv of Python ``version``. Raises
        ProjectError for a lock installdev cannot read."""


def tool_default_reason(tool: str, groups: tuple[str, ...]) -> str:
    """``TOOL's default: groups A, B, no extras``: the reason of a tool whose default is some groups and no extras."""
    return f"{tool}'s default: {f'groups {listing(groups)}' if groups else 'no groups'}, no extras"


def lock_format(kind: LockKind) -> LockFormat:
    """The format of ``kind``'s locks."""
    return importlib.import_module(f"installdev.request.locks.{_MODULES[kind]}").FORMAT
