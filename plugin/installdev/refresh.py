"""Update the venv in place, or build it from nothing: a pure decision, with the reason.

A venv whose identity is unchanged (the same base interpreter and version, link mode, creator settings, installdev
version and scope) and whose inputs changed only in what it holds (requirement files, the selection, the project's
declarations, a lock, the install variables) is updated where it stands (``installdev.update``): the new development
set is installed exactly, as ``uv sync`` and ``uv pip install --exact`` update an environment, removing what the set
no longer names, under an undo journal that puts the previous venv back when the update fails. Anything else is
built from nothing, and ``Rebuild`` says why.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, NamedTuple

from installdev import __version__

if TYPE_CHECKING:
    from installdev.actions.stamp import Stamp
    from installdev.plan import Plan


class Rebuild(enum.Enum):
    """Why the venv is built from nothing rather than updated."""

    NO_VENV = "there is no complete venv to update"
    FORCED = "--force builds from nothing"
    INSTALLDEV = "another installdev version built it"
    BASE_PYTHON = "its base interpreter changed"
    MODE = "its link mode changed"
    VENV_OPTIONS = "its creation options changed (system-site-packages, seed-pip, the installer, the scope)"
    PIP = "pip cannot update a venv exactly (remove what the development set no longer names); uv can"
    LOCK_READ = "a lock installdev reads is installed package by package with --no-deps, which does not remove"
    GIVEN_FILES_AFTER_LOCK = "the -r files installed after uv sync are not removed by it"


# The stamp's inputs that are part of the venv's identity besides those the stamp records itself (installdev's version,
# the base interpreter, the mode): a change in one of them rebuilds.
_IDENTITY_INPUTS = ("system_site_packages", "seed_pip", "installer", "scope")


class Refresh(NamedTuple):
    """How the venv is brought up to date: ``rebuild`` None to update it in place, else why it is built anew."""

    rebuild: Rebuild | None

    @property
    def updates(self) -> bool:
        return self.rebuild is None

    def describe(self) -> str:
        return ("updating it in place (same interpreter, mode and options: only what changed is installed or removed)"
                if self.rebuild is None else f"building from nothing: {self.rebuild.value}")


def choose_refresh(plan: Plan, force: bool) -> Refresh:
    """The :class:`Refresh` for ``plan``'s venv, against the stamp it was read with (``plan.freshness``)."""
    stamp = plan.freshness.reading.stamp
    if force:
        return Refresh(Rebuild.FORCED)
    if stamp is None:
        return Refresh(Rebuild.NO_VENV)
    identity_change = _identity_change(plan, stamp)
    if identity_change is not None:
        return Refresh(identity_change)
    if plan.locked is not None and plan.locked.is_locked:
        from installdev.request.selection import InstallMethod

        if plan.locked.method != InstallMethod.UV_SYNC:
            return Refresh(Rebuild.LOCK_READ)
        if plan.settings.requirements:
            return Refresh(Rebuild.GIVEN_FILES_AFTER_LOCK)
        return Refresh(None)
    from installdev.vocabulary import InstallerName

    if plan.installer is None or plan.installer.name != InstallerName.UV:
        return Refresh(Rebuild.PIP)
    return Refresh(None)


def _identity_change(plan: Plan, stamp: Stamp) -> Rebuild | None:
    if stamp.installdev != __version__:
        return Rebuild.INSTALLDEV
    if plan.base is None or (stamp.python_path, stamp.python_version) != (plan.base.path, plan.base.version_text):
        return Rebuild.BASE_PYTHON
    if stamp.mode != plan.host.decision.mode:
        return Rebuild.MODE
    recorded, expected = stamp.inputs, plan.freshness.inputs or {}
    if any(recorded.get(key) != expected.get(key) for key in _IDENTITY_INPUTS):
        return Rebuild.VENV_OPTIONS
    return None
