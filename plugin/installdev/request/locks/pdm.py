"""pdm.lock read by installdev (pdm is not needed): which groups ``pdm install`` installs, and which packages.

The format is lock_version 4.x: ``[metadata]`` holds ``groups`` (the groups locked), ``strategy``, ``lock_version``
and ``content_hash``; each ``[[package]]`` its ``name``, ``version``, ``files`` (``{file, hash}``, or ``{url, hash}``
with the ``static_urls`` strategy), ``extras`` (pdm locks a package once per extras set, with the same files), and for
a local or remote artifact ``path`` (relative to the project) or ``url``, for a VCS checkout ``git`` (``hg``,
``svn``, ``bzr``) with ``ref`` and ``revision``, with ``editable`` and ``subdirectory``. With the ``inherit_metadata``
strategy (pdm's default) each package also records the ``groups`` that need it and its ``marker``.

Freshness is ``installdev.request.locks.pdm_freshness``'s.

Selection is ``pdm install``'s: by default every group the lock locks that the project still declares (optional
dependencies count as groups for pdm), or for a lock that records no groups every development group; ``default``,
the project's dependencies, always. A package is installed when it records no groups or one of them is selected, its
marker holds for the venv's interpreter, and ``[tool.pdm.resolution] excludes`` does not name it; an interpreter
outside every ``[[metadata.targets]]`` ``requires_python`` is refused, as pdm refuses it. A lock made
without inherit_metadata records no groups or markers, and pdm resolves from it: installdev gives every locked
version as a constraint to a normal install instead (``LockedSet.constraints``, with a note saying so). The project
itself is not in the lock; ``[[tool.pdm.source]]`` indexes become index options.
"""

from __future__ import annotations

from pathlib import Path

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
from installdev.request.locks.pdm_freshness import LockCheck, check_lock, lock_document, resolution, tool_pdm
from installdev.request.project.model import Project
from installdev.request.project.tables import listing, normalize_name

DEFAULT_GROUP = "default"  # pdm's name for the project's own dependencies
INHERIT_METADATA = "inherit_metadata"
STATIC_URLS = "static_urls"
CROSS_PLATFORM = "cross_platform"
_VCS = ("git", "hg", "svn", "bzr")
_PROJECT_ROOT_URL = "file:///${PROJECT_ROOT}"


def _strategy(document: dict) -> frozenset[str]:
    """The lock's strategy flags, read as pdm reads them (an old lock's ``cross_platform`` / ``static_urls`` keys)."""
    metadata = document["metadata"]
    flags = set(metadata.get("strategy", [CROSS_PLATFORM]))
    if not metadata.get(CROSS_PLATFORM, True):
        flags.discard(CROSS_PLATFORM)
    if metadata.get(STATIC_URLS, False):
        flags.add(STATIC_URLS)
    return frozenset(flags)


# --------------------------------------------------------------------------------------------------
# Selection


def _project_groups(model: Project) -> set[str]:
    """Every group pdm knows the project by: ``default``, its extras and its development groups."""
    project = model.pyproject.get("project") if isinstance(model.pyproject.get("project"), dict) else {}
    extras = project.get("optional-dependencies", {})
    return {DEFAULT_GROUP, *map(normalize_name, extras if isinstance(extras, dict) else {}),
            *model.declarations.pdm_groups}


def _locked_groups(document: dict) -> tuple[str, ...] | None:
    """The groups a lock locks (``[metadata] groups``, normalized), or None when it does not say."""
    groups = document["metadata"].get("groups")
    return tuple(map(normalize_name, groups)) if isinstance(groups, list) else None


def default_groups(lock: Path, project: Project) -> tuple[str, ...]:
    """The groups ``pdm install`` installs besides ``default`` when none is asked for: every group the lock locks that
    the project declares (its extras among them), or every development group when the lock does not say."""
    locked = _locked_groups(lock_document(lock))
    if locked is None:
        return tuple(project.declarations.pdm_groups)
    declared = _project_groups(project)
    return tuple(group for group in dict.fromkeys(locked) if group in declared and group != DEFAULT_GROUP)


def default_reason(lock: Path, model: Project, groups: tuple[str, ...]) -> str:
    """Why ``default_groups``: the second half of the ``development set:`` line."""
    if _locked_groups(lock_document(lock)) is None:
        return f"pdm install's default: every development group ({listing(groups) or 'none'})"
    project = model.pyproject.get("project") if isinstance(model.pyproject.get("project"), dict) else {}
    declared = project.get("optional-dependencies", {})
    extras = [group for group in groups if isinstance(declared, dict) and group in map(normalize_name, declared)]
    among = f" (extras {listing(extras)} among them, as pdm counts extras as groups)" if extras else ""
    return f"pdm install's default: every group {lock.name} locks: {listing(groups) or 'default alone'}{among}"


# --------------------------------------------------------------------------------------------------
# Packages


def _hashes(package: dict) -> tuple[str, ...]:
    return tuple(str(item["hash"]) for item in package.get("files", []) if isinstance(item, dict) and item.get("hash"))


def _locked_package(package: dict, directory: Path) -> LockedPackage:
    name = str(package["name"])
    subdirectory = str(package.get("subdirectory") or "")
    vcs = next((kind for kind in _VCS if kind in package), None)
    if vcs is not None:
        reference = package.get("revision") or package.get("ref")
        url = f"{vcs}+{package[vcs]}{'@' + str(reference) if reference else ''}"
        if package.get("editable"):  # pip reads no NAME @ on an editable line: the URL names it with #egg=
            return LockedPackage(name, f"-e {url}#egg={name}" + (f"&subdirectory={subdirectory}" if subdirectory else ""))
        return LockedPackage(name, f"{name} @ {url}" + (f"#subdirectory={subdirectory}" if subdirectory else ""))
    if "path" in package:
        target = (directory / str(package["path"])).resolve()
        target = target / subdirectory if subdirectory else target
        if package.get("editable"):
            return LockedPackage(name, editable_line(target), (), target)
        if target.is_file():  # a local archive, hash-checked
            return LockedPackage(name, f"{name} @ {target.as_uri()}", _hashes(package))
        return LockedPackage(name, f"{name} @ {target.as_uri()}", (), target)
    if "url" in package:
        url = str(package["url"]).replace(_PROJECT_ROOT_URL, directory.resolve().as_uri())
        fragment = f"#subdirectory={subdirectory}" if subdirectory and "#" not in url else ""
        return LockedPackage(name, f"{name} @ {url}{fragment}", _hashes(package))
    return LockedPackage(name, requirement_line(name, str(package.get("version", ""))), _hashes(package))


def _index_options(pyproject: dict, directory: Path, packages: list[dict]) -> tuple[str, ...]:
    """The index options pdm's sources need: each ``[[tool.pdm.source]]`` (``type = "find_links"`` as
    ``--find-links``, one named ``pypi`` replacing PyPI as ``--index-url``, the others as extra indexes), and the
    directories of the lock's local ``file:`` URLs (the ``static_urls`` strategy) as ``--find-links``."""
    options: list[str] = []
    for source in tool_pdm(pyproject).get("source", []):
        if not isinstance(source, dict) or not isinstance(source.get("url"), str):
            continue
        url = source["url"]
        if source.get("type") == "find_links":
            options.append(local_index_option(url, directory) if url.startswith("file:") or "://" not in url
                           else f"--find-links {url}")
        elif source.get("name") == "pypi":
            options.append(f"--index-url {url}")
        else:
            options.append(local_index_option(url, directory))
    for package in packages:
        for item in package.get("files", []):
            url = item.get("url", "") if isinstance(item, dict) else ""
            if url.startswith("file:"):
                options.append(local_index_option(url.rsplit("/", 1)[0], directory))
    return tuple(option for option in dict.fromkeys(options) if option)


def _constraints(lock: Path, packages: list[dict]) -> LockedSet:
    """A lock without groups and markers: its index packages' versions as constraints (a name locked at several
    versions, one per target, is left to the resolver)."""
    versions: dict[str, set[str]] = {}
    for package in packages:
        if package.get("version") and not any(key in package for key in ("path", "url", *_VCS)):
            versions.setdefault(normalize_name(str(package["name"])), set()).add(str(package["version"]))
    pins = tuple(requirement_line(name, next(iter(found))) for name, found in versions.items() if len(found) == 1)
    note = (f"{lock.name} was locked without pdm's {INHERIT_METADATA} strategy, so it records no groups or markers: "
            "resolving the development set with every locked version as a constraint, as pdm resolves from it")
    return LockedSet((), (), note, pins)


def _check_targets(lock: Path, document: dict, python: str) -> None:
    """ProjectError when the lock's targets all name the Pythons they cover and none covers ``python``."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    targets = document["metadata"].get("targets", [])
    pythons = [str(target.get("requires_python") or "") for target in targets if isinstance(target, dict)]
    if not pythons or not all(pythons):
        return
    try:
        if any(SpecifierSet(specifier).contains(python, prereleases=True) for specifier in pythons):
            return
    except InvalidSpecifier:
        return  # the installer, which reads the packages' own requirements, decides
    minor = ".".join(python.split(".")[:2])
    raise ProjectError(f"{lock} is locked for Python {' or '.join(pythons)} (its targets), not {python}: pick an "
                       f"interpreter it covers with --python, or add this one with `pdm lock --append --python =={minor}.*`")


def read_pdm_lock(lock: Path, project: Project, groups: tuple[str, ...], environment: dict) -> LockedSet:
    """What ``pdm install`` installs from ``lock`` for ``default`` plus ``groups`` (normalized development groups and
    extras), markers evaluated in ``environment``; for a lock made without inherit_metadata, the constraints of every
    locked version instead, and a note saying so. Raises ProjectError for a file that is no pdm lock of version 4.x, an
    entry without a name, a group the lock does not lock, and an interpreter no target covers."""
    document = lock_document(lock)
    _check_targets(lock, document, str(environment["python_full_version"]))
    packages = document.get("package", [])
    for package in packages:
        if not isinstance(package, dict) or "name" not in package:
            raise ProjectError(f"{lock} has a [[package]] entry without a name: regenerate it with `pdm lock`")
    if INHERIT_METADATA not in _strategy(document):
        return _constraints(lock, packages)
    locked = _locked_groups(document)
    missing = [group for group in groups if locked is not None and group not in locked]
    if missing:
        raise ProjectError(f"{lock} does not lock {listing(missing)} (it locks {listing(locked or ()) or 'no group'}): "
                           "lock every group with `pdm lock -G :all`, or ask for one it locks")
    selected = {DEFAULT_GROUP, *groups}
    excludes = {normalize_name(str(name)) for name in resolution(project.pyproject).get("excludes", [])}
    chosen: dict[str, LockedPackage] = {}
    for package in packages:
        package_groups = {normalize_name(str(group)) for group in package.get("groups", [])}
        if package_groups and not package_groups & selected:
            continue
        if normalize_name(str(package["name"])) in excludes or not marker_matches(package.get("marker"), environment):
            continue
        locked_package = _locked_package(package, project.directory)
        chosen.setdefault(locked_package.line, locked_package)  # one install per extras set pdm locks the package with
    options = _index_options(project.pyproject, project.directory, packages)
    return LockedSet(tuple(chosen.values()), options)


class PdmLockFormat:
    """pdm.lock: fresh as pdm decides it (``installdev.request.locks.pdm_freshness``); ``pdm install``'s default is
    every group the lock locks that the project declares (``default_groups``); pdm locks extras as groups."""

    def status(self, project: Project, lock: Path) -> LockStatus:
        check = check_lock(lock, project)
        return LockStatus(check is LockCheck.FRESH if check.checked else None, check.value)

    def default_groups(self, project: Project, lock: Path) -> tuple[str, ...]:
        return default_groups(lock, project)

    def default_reason(self, project: Project, lock: Path, groups: tuple[str, ...]) -> str:
        return default_reason(lock, project, groups)

    def read(self, project: Project, lock: Path, extras: tuple[str, ...], groups: tuple[str, ...],
             version: tuple[int, ...]) -> LockedSet:
        selected = tuple(dict.fromkeys([*groups, *extras]))
        return read_pdm_lock(lock, project, selected, target_environment(version, extras, groups))


FORMAT = PdmLockFormat()
