"""A PEP 751 lock (``pylock.toml``) read by installdev, for pip: the packages an installer of the lock installs.

pip reads pylock.toml itself from 26.1 (experimentally), but in hash-checking mode, so a lock holding a local
directory (the project itself, ``uv export`` writes it as ``directory = {path = ".", editable = true}``) makes it
fail. installdev reads the lock instead: a package is installed when its ``marker`` holds for the venv's interpreter
with the selected ``extras`` and ``dependency_groups`` (``group_selection``).
``wheels``/``sdist`` become ``name==version`` with every file's hashes (their ``index``, or the directory of local
files, as an index option), ``archive`` and ``vcs`` direct references, ``directory`` ``-e DIR`` when editable. Paths
are relative to the lock's directory.

Which groups (``group_selection``): a development venv gets the lock's ``default-groups`` plus the project's own
default development groups (``installdev.request.project.declarations.default_development_groups``) that the lock holds:
pdm exports ``dependency-groups = ["default", "dev"]`` with ``default-groups = ["default"]``, its ``default`` being
the project's dependencies, so the default-groups alone would give a venv without its ``dev`` group. A default group
the project does not declare stands for its dependencies, and is selected with any groups asked for too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from installdev.errors import ProjectError
from installdev.request.locks.formats import LockStatus
from installdev.request.locks.lockedset import (
    LockedPackage,
    LockedSet,
    editable_line,
    local_index_option,
    marker_matches,
    requirement_line,
    target_environment,
)
from installdev.request.project.declarations import DEFAULT_GROUPS_TOOL
from installdev.request.project.documents import read_lock_document
from installdev.request.project.tables import listing, normalize_name

if TYPE_CHECKING:
    from installdev.request.project.declarations import Declarations
    from installdev.request.project.model import Project


def _document(lock: Path) -> dict:
    document = read_lock_document(lock)
    if not str(document.get("lock-version", "")).startswith("1.") or not isinstance(document.get("packages", []), list):
        raise ProjectError(f"{lock} is not a PEP 751 lock of version 1.x (lock-version {document.get('lock-version')!r}): "
                           "regenerate it")
    return document


def default_groups(lock: Path) -> tuple[str, ...]:
    return tuple(normalize_name(name) for name in _document(lock).get("default-groups", []))


def locked_groups(lock: Path) -> tuple[str, ...]:
    """The lock's ``dependency-groups``, normalized."""
    return tuple(normalize_name(name) for name in _document(lock).get("dependency-groups", []))


def group_selection(lock: Path, declarations: Declarations, asked: tuple[str, ...] | None) -> tuple[tuple[str, ...], str]:
    """The groups to install from ``lock``, and why: with none ``asked`` (None), the lock's default-groups plus the
    project's default development groups the lock holds (the reason is the whole selection's); else ``asked`` plus
    the lock's default groups the project does not declare, which stand for its dependencies (the reason says what
    was added to the request). Raises ProjectError for a malformed declaration."""
    defaults = default_groups(lock)
    declared = set(declarations.declared_groups)
    own = tuple(group for group in defaults if group not in declared)
    if asked is not None:
        chosen = tuple(dict.fromkeys([*own, *asked]))
        extra = [group for group in own if group not in asked]
        return chosen, f"; plus {lock.name}'s {listing(extra)} (its group for the project's dependencies)" if extra else ""
    kind, development = declarations.default_groups
    locked = locked_groups(lock)
    added = [group for group in development if group in locked and group not in defaults]
    unlocked = [group for group in development if group not in locked]
    reason = f"{lock.name}'s default-groups {listing(defaults) or 'none'}"
    if added:
        noun = "group" if len(added) == 1 else "groups"
        reason += f", plus the project's default development {noun} {listing(added)} ({DEFAULT_GROUPS_TOOL[kind]})"
    if unlocked:
        reason += f" ({listing(unlocked)} not in the lock)"
    return tuple(dict.fromkeys([*defaults, *added])), reason + ", no extras"


def _hashes(files: list) -> tuple[str, ...]:
    return tuple(f"{algorithm}:{digest}" for item in files if isinstance(item, dict)
                 for algorithm, digest in (item.get("hashes") or {}).items())


def _file_location(item: dict, base: Path) -> str:
    return str(item["url"]) if "url" in item else (base / str(item.get("path", ""))).resolve().as_uri()


def _locked_package(package: dict, base: Path) -> tuple[LockedPackage, str]:
    name = package["name"]
    if isinstance(package.get("directory"), dict):
        directory = package["directory"]
        target = (base / str(directory.get("path", ""))).resolve()
        if directory.get("subdirectory"):
            target = target / str(directory["subdirectory"])
        line = editable_line(target) if directory.get("editable") else f"{name} @ {target.as_uri()}"
        return LockedPackage(name, line, (), target), ""
    if isinstance(package.get("vcs"), dict):
        vcs = package["vcs"]
        location = vcs.get("url") or (base / str(vcs.get("path", ""))).resolve().as_uri()
        subdirectory = f"#subdirectory={vcs['subdirectory']}" if vcs.get("subdirectory") else ""
        return LockedPackage(name, f"{name} @ {vcs.get('type', 'git')}+{location}@{vcs.get('commit-id', '')}{subdirectory}"), ""
    if isinstance(package.get("archive"), dict):
        archive = package["archive"]
        subdirectory = f"#subdirectory={archive['subdirectory']}" if archive.get("subdirectory") else ""
        return LockedPackage(name, f"{name} @ {_file_location(archive, base)}{subdirectory}", _hashes([archive])), ""
    files = [*package.get("wheels", []), *([package["sdist"]] if isinstance(package.get("sdist"), dict) else [])]
    option = ""
    if package.get("index"):
        option = local_index_option(str(package["index"]), base)
    elif files and isinstance(files[0], dict) and "url" not in files[0]:
        option = local_index_option(str(Path(str(files[0].get("path", ""))).parent), base)
    return LockedPackage(name, requirement_line(name, str(package.get("version", ""))), _hashes(files)), option


def read_pylock(lock: Path, version: tuple[int, ...], extras: tuple[str, ...], groups: tuple[str, ...] | None) -> LockedSet:
    """The packages of ``lock`` an installer installs on a CPython ``version`` with these ``extras`` and ``groups``
    (None: the lock's default groups). Raises ProjectError for a file that is no PEP 751 lock."""
    document = _document(lock)
    chosen_groups = default_groups(lock) if groups is None else groups
    environment = target_environment(version, extras, chosen_groups)
    chosen, options = [], []
    for package in document.get("packages", []):
        if not isinstance(package, dict) or "name" not in package:
            raise ProjectError(f"{lock} has a [[packages]] entry without a name: regenerate it")
        if not marker_matches(package.get("marker"), environment):
            continue
        locked, option = _locked_package(package, lock.parent)
        chosen.append(locked)
        if option and option not in options:
            options.append(option)
    return LockedSet(tuple(chosen), tuple(options))


class PylockFormat:
    """A PEP 751 lock: it records nothing to check; its tool's default is the lock's default-groups plus the project's
    default development groups it holds (``group_selection``)."""

    def status(self, project: Project, lock: Path) -> LockStatus:
        return LockStatus(None, "a PEP 751 lock records nothing to check against pyproject.toml")

    def default_groups(self, project: Project, lock: Path) -> tuple[str, ...]:
        return group_selection(lock, project.declarations, None)[0]

    def default_reason(self, project: Project, lock: Path, groups: tuple[str, ...]) -> str:
        return group_selection(lock, project.declarations, None)[1]

    def read(self, project: Project, lock: Path, extras: tuple[str, ...], groups: tuple[str, ...],
             version: tuple[int, ...]) -> LockedSet:
        return read_pylock(lock, version, extras, groups)


FORMAT = PylockFormat()
