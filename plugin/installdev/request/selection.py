"""How the venv is filled: from the project's lock (``installdev.request.locks.rules``) when it has one, else by resolving.

``choose_locked_install`` names the method and why:

* ``uv sync``: a uv.lock and uv as the installer: ``uv sync`` fills the venv installdev made, run at the lock's
  directory, selecting what ``uv sync`` selects by default (its default groups, no extras) unless extras or groups
  are asked for; ``--all-packages`` when the venv holds the whole uv workspace (``installdev.request.settings.scope``),
  ``--package NAME`` for a workspace member; always ``--locked`` (a stale lock is a ProjectError before anything is
  built, never re-locked) unless ``--frozen``;
* ``uv.lock read``: a uv.lock without uv: installdev reads the lock (``installdev.request.locks.uv``) and the installer
  installs exactly those packages; the lock is used as it is (nothing can re-lock it), and ``--locked`` is refused;
* ``pylock``: a PEP 751 lock and uv as the installer: ``uv pip install -r pylock.toml``, its groups chosen by
  ``installdev.request.locks.pylock.group_selection`` (the lock's default-groups plus the project's default development
  groups) and always passed explicitly;
* ``pylock read``: a PEP 751 lock read by installdev, for pip, or for uv when the selection is no group at all from a
  lock with default-groups (``uv pip install`` installs those when given no ``--group``);
* ``poetry.lock``: read by installdev; out of date with pyproject.toml is an error, as for ``poetry install``,
  unless ``--frozen``;
* ``pdm.lock``: read by installdev (``installdev.request.locks.pdm``); out of date with pyproject.toml is an error
  unless ``--frozen`` (``pdm install`` would re-lock it, which needs pdm); a lock whose freshness only pdm can
  check is installed as it is, and ``--locked`` on it is refused;
* ``resolve``: no lock: the installer resolves the development set (``installdev.request.project.development``);
  also for a whole uv workspace when uv is not the installer (every member, ``installdev.request.project.workspace_set``).

``--locked`` and ``--frozen`` need a lock. The selection flags change the lock tool's default selection as they change
``uv sync``'s (``installdev.request.settings.selection_flags``: ``--group NAME`` adds that group to the default ones);
an extra or group the project does not declare is a ProjectError before anything is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from installdev.errors import ProjectError, UsageError
from installdev.request.locks.formats import lock_format
from installdev.request.locks.rules import LockKind, ProjectLock
from installdev.request.project.development import DevelopmentSet, development_set
from installdev.request.settings.selection_flags import SelectionFlags
from installdev.vocabulary import Word

if TYPE_CHECKING:
    from installdev.request.locks.lockedset import LockedSet
    from installdev.request.settings.resolve import Settings


class InstallMethod(Word):
    RESOLVE = "resolve"
    UV_SYNC = "uv sync"
    UV_LOCK_READ = "uv.lock read"
    PYLOCK = "pylock"
    PYLOCK_READ = "pylock read"
    POETRY_LOCK = "poetry.lock"
    PDM_LOCK = "pdm.lock"


class LockSelection(NamedTuple):
    """What to take from the lock: ``groups`` None means the lock's tool's default groups; ``flags`` are the selection
    flags as given (``uv sync`` reads them itself)."""

    extras: tuple[str, ...]
    groups: tuple[str, ...] | None
    reason: str
    flags: SelectionFlags = SelectionFlags()


class LockedInstall(NamedTuple):
    """How the venv is filled. ``sync_target``: what ``uv sync`` (run at the lock's directory) installs besides the
    selection: ``--all-packages`` for a whole uv workspace, ``--package NAME`` for a member, nothing for a project
    that is its own uv project."""

    method: InstallMethod
    lock: ProjectLock | None
    selection: LockSelection | None
    reason: str
    sync_target: tuple[str, ...] = ()

    @property
    def is_locked(self) -> bool:
        return self.lock is not None


_NO_LOCK = LockedInstall(InstallMethod.RESOLVE, None, None, "no lock file: the installer resolves the development set")


def lock_selection(settings: Settings, lock: ProjectLock) -> LockSelection:
    """The extras and groups to take from ``lock``: its tool's default groups changed by the selection flags, as
    ``uv sync``, ``poetry install`` and ``pdm install`` change them, checked against the project's declarations.
    Raises ProjectError (an undeclared extra or group) or UsageError (``--only-group`` where installdev reads the
    lock: its readers always install the project's dependencies)."""
    flags = settings.selection
    if flags.is_default:
        return LockSelection((), None, "")
    declarations = settings.project.declarations
    declarations.check_groups((*flags.named_groups, *flags.no_groups))
    extras = flags.chosen_extras(declarations.check_extras(flags.extras), settings.project.directory)
    if flags.only_groups and lock.kind != LockKind.UV:
        raise UsageError(f"--only-group: installdev reads {lock.path.name} itself and always installs the project's "
                         "dependencies with it; pass --no-default-groups --group NAME instead (the project stays)")
    defaults = lock_format(lock.kind).default_groups(settings.project, lock.path)
    groups = flags.chosen_groups(defaults, declarations.declared_groups)
    return LockSelection(extras, groups, f"asked for: {flags.describe()}", flags)


def choose_locked_install(settings: Settings, uv_installs: bool) -> LockedInstall:
    """The method that fills the venv, with its reason; ``uv_installs``: uv is the installer. Raises ProjectError (an
    ambiguous or stale lock, an undeclared extra or group) or UsageError (--locked or --frozen without a lock;
    --locked on a uv.lock without uv, or on a pdm.lock installdev cannot check)."""
    directory = settings.project.directory
    lock = settings.project.lock
    flag = "--locked" if settings.locked else "--frozen" if settings.frozen else None
    if settings.scope.all_packages:
        return _whole_workspace(settings, uv_installs, flag)
    if lock is None:
        if flag:
            raise UsageError(f"{flag}, but {directory} has no lock file (uv.lock, pdm.lock, pylock.toml or poetry.lock): "
                             f"create one (uv lock, pdm lock, poetry lock) or drop {flag}")
        return _NO_LOCK
    selection = lock_selection(settings, lock)
    if lock.kind == LockKind.PYLOCK:
        from installdev.request.locks.pylock import group_selection

        groups, why = group_selection(lock.path, settings.project.declarations, selection.groups)
        selection = selection._replace(groups=groups, reason=why if selection.groups is None else selection.reason + why)
    elif selection.groups is None:
        lock_kind = lock_format(lock.kind)
        reason = lock_kind.default_reason(settings.project, lock.path, lock_kind.default_groups(settings.project, lock.path))
        selection = selection._replace(reason=reason)
    where = str(lock.path) if lock.root == directory else f"{lock.path} (the uv workspace's lock)"
    if lock.kind == LockKind.UV and uv_installs:
        return _uv_sync(settings, lock, selection, where)
    if lock.kind == LockKind.UV:
        if settings.locked:
            raise UsageError(f"--locked: checking {lock.path} against pyproject.toml needs uv, which is not the installer "
                             "here: install uv (pip install 'installdev[uv]') and drop --installer pip, or pass --frozen")
        return LockedInstall(InstallMethod.UV_LOCK_READ, lock, selection,
                             f"{where}: uv is not the installer, so installdev reads the lock and pip installs exactly its "
                             "packages, as it is (not re-locked)")
    if lock.kind == LockKind.PYLOCK:
        from installdev.request.locks.pylock import default_groups as pylock_default_groups

        note = f" ({lock_format(lock.kind).status(settings.project, lock.path).why})" if settings.locked else ""
        if uv_installs and (selection.groups or not pylock_default_groups(lock.path)):
            return LockedInstall(InstallMethod.PYLOCK, lock, selection, f"{where}: uv pip install -r{note}")
        how = "pip" if not uv_installs else "uv (given no group, uv pip install -r would install the lock's default-groups)"
        return LockedInstall(InstallMethod.PYLOCK_READ, lock, selection, f"{where}: read by installdev, installed with {how}{note}")
    if lock.kind == LockKind.PDM:
        return _pdm_install(settings, lock, selection, where)
    status = None if settings.frozen else lock_format(lock.kind).status(settings.project, lock.path)
    if status is not None and status.fresh is False:
        raise ProjectError(f"{lock.path} is out of date with pyproject.toml ({status.why}), as poetry install "
                           "would say: run `poetry lock`, or pass --frozen to install it as it is")
    return LockedInstall(InstallMethod.POETRY_LOCK, lock, selection,
                         f"{where}: read by installdev (poetry is not needed), installed exactly")


def _uv_sync(settings: Settings, lock: ProjectLock, selection: LockSelection, where: str) -> LockedInstall:
    """``uv sync`` at the lock's directory: ``--all-packages`` for a whole workspace, ``--package NAME`` for one
    member; checked against pyproject.toml (``--locked``) unless ``--frozen``, so nothing re-locks it."""
    project = settings.project
    name = project.pyproject.get("project", {}).get("name") if isinstance(project.pyproject.get("project"), dict) else None
    if settings.scope.all_packages:
        target: tuple[str, ...] = ("--all-packages",)
    elif project.uv_workspace is not None and isinstance(name, str):
        target = ("--package", name)
    else:
        target = ()
    check = "as it is (--frozen)" if settings.frozen else "checked against pyproject.toml first (--locked)"
    command = " ".join(("uv sync", *target))
    return LockedInstall(InstallMethod.UV_SYNC, lock, selection, f"{where}: {command} fills the venv, {check}", target)


def _whole_workspace(settings: Settings, uv_installs: bool, flag: str | None) -> LockedInstall:
    """A venv for a whole uv workspace: ``uv sync --all-packages`` from its uv.lock with uv, which checks the
    selection flags against every member; else installdev resolves every member (``workspace_development_set``: its
    uv.lock reader follows one project, not a workspace), and ``--locked`` / ``--frozen`` are a UsageError."""
    lock = settings.project.lock
    if lock is not None and lock.kind == LockKind.UV and uv_installs:
        flags = settings.selection
        asked = f"asked for: {flags.describe()}" if not flags.is_default else "the default groups"
        selection = LockSelection((), None, f"{asked}, of every member, as uv sync --all-packages applies them", flags)
        return _uv_sync(settings, lock, selection, str(lock.path))
    if lock is None or lock.kind != LockKind.UV:
        why = f"no uv.lock at {settings.project.directory}"
        fix = f"create one with `uv lock`, or drop {flag}"
    else:
        why = f"uv is not the installer, so {lock.path} is not read"
        fix = f"install uv (pip install 'installdev[uv]') and drop --installer pip, or drop {flag}"
    if flag:
        raise UsageError(f"{flag}: {why}, and a whole uv workspace is installed from its lock only by uv sync: {fix}")
    return LockedInstall(InstallMethod.RESOLVE, None, None, f"{why}: the installer resolves every member of the uv workspace")


def _pdm_install(settings: Settings, lock: ProjectLock, selection: LockSelection, where: str) -> LockedInstall:
    """A pdm.lock: fresh (or --frozen) is installed exactly; stale is a ProjectError; one installdev cannot check is
    installed as it is, and refused (UsageError) under --locked."""
    status = lock_format(lock.kind).status(settings.project, lock.path)
    if status.fresh is None and settings.locked:
        raise UsageError(f"--locked: installdev cannot check {lock.path} against pyproject.toml ({status.why}): "
                         "check it with `pdm lock --check`, then pass --frozen instead")
    if status.fresh is False and not settings.frozen:
        raise ProjectError(f"{lock.path} is out of date with pyproject.toml ({status.why}), and pdm install would "
                           "re-lock it, which needs pdm: run `pdm lock`, or pass --frozen to install it as it is")
    how = "as it is (--frozen)" if settings.frozen else "exactly"
    unchecked = "" if status.fresh is not None else f" (not checked against pyproject.toml: {status.why})"
    return LockedInstall(InstallMethod.PDM_LOCK, lock, selection,
                         f"{where}: read by installdev (pdm is not needed), installed {how}{unchecked}")


def read_lock(settings: Settings, choice: LockedInstall, version: tuple[int, ...]) -> LockedSet | None:
    """The packages ``choice``'s lock installs into a venv of Python ``version`` (None without a lock), read by
    installdev: what it installs itself when no tool does, and in every case the local directories the venv installs
    (the build order of a workspace, and the files the stamp watches). Raises ProjectError for an unreadable lock."""
    lock, selection = choice.lock, choice.selection
    if lock is None or selection is None:
        return None
    reader = lock_format(lock.kind)
    groups = reader.default_groups(settings.project, lock.path) if selection.groups is None else selection.groups
    return reader.read(settings.project, lock.path, selection.extras, groups, version)


def chosen_development(settings: Settings, choice: LockedInstall | None, locked: LockedSet | None) -> DevelopmentSet:
    """The development set besides the project: what the lock installs (then only the ``-r`` files remain to name),
    or, without a lock or from one that only pins versions, what the project declares (``development_set``), or for
    a whole uv workspace resolved by installdev, every member and what they declare (``workspace_development_set``).
    Raises ProjectError."""
    if choice is not None and choice.is_locked and not (locked is not None and locked.constraints):
        return DevelopmentSet((), (), settings.requirements, f"{choice.reason}; {choice.selection.reason}")
    if settings.scope.all_packages:
        from installdev.request.project.workspace_set import workspace_development_set

        return workspace_development_set(settings, choice.reason if choice is not None else "")
    return development_set(settings)
