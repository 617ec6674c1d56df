"""poetry.lock read by installdev (poetry itself is not needed): is it fresh, and what ``poetry install`` installs.

Freshness is poetry's own test: ``[metadata] content-hash`` is the SHA-256 of the JSON (sorted keys) of the
pyproject.toml keys poetry locks from (``[project]`` requires-python, dependencies and optional-dependencies,
``[dependency-groups]``, and ``[tool.poetry]`` dependencies, source, extras, dev-dependencies and group); a lock
written before poetry 2.3 hashed the same without ``[dependency-groups]``, so either digest is fresh.

Lock format 2.1 (poetry >= 2.0) records for every package the groups that need it and its marker per group: a package
is installed when one of its groups is selected (``main`` always) and its marker holds for the venv's interpreter
with the selected extras, as poetry's installer decides. Older formats record neither, and poetry re-resolves from
the lock for them: installdev does the same, giving every locked version as a constraint to a normal install (the
caller says so). The project itself is not in the lock.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from installdev.errors import ProjectError
from installdev.request.locks.formats import LockStatus, tool_default_reason
from installdev.request.locks.lockedset import (
    LockedPackage,
    LockedSet,
    editable_line,
    local_index_option,
    marker_matches,
    requirement_line,
    target_environment,
)
from installdev.request.project.documents import read_lock_document
from installdev.request.project.tables import normalize_name

if TYPE_CHECKING:
    from installdev.request.project.model import Project

MAIN_GROUP = "main"
_LEGACY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")
_RELEVANT_KEYS = (*_LEGACY_KEYS, "group")
_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")


def content_hash(pyproject: dict, with_dependency_groups: bool = True) -> str:
    """The content-hash poetry writes into poetry.lock for this pyproject.toml."""
    project = pyproject.get("project", {}) if isinstance(pyproject.get("project"), dict) else {}
    groups = pyproject.get("dependency-groups", {}) if with_dependency_groups else {}
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    relevant_project = {key: project[key] for key in _PROJECT_KEYS if project.get(key) is not None}
    relevant_poetry = {}
    for key in _RELEVANT_KEYS:
        value = poetry.get(key)
        if value is None and (key not in _LEGACY_KEYS or relevant_project or groups):
            continue
        relevant_poetry[key] = value
    content: dict = {}
    if relevant_project:
        content["project"] = relevant_project
    if groups:
        content["dependency-groups"] = groups
    content = {**content, "tool": {"poetry": relevant_poetry}} if content else relevant_poetry
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _document(lock: Path) -> dict:
    document = read_lock_document(lock)
    if not isinstance(document.get("metadata"), dict) or not isinstance(document.get("package", []), list):
        raise ProjectError(f"{lock} has no [metadata] table: it is no poetry lock; regenerate it with `poetry lock`")
    return document


def is_fresh(lock: Path, pyproject: dict) -> bool:
    """Whether ``lock`` was made from this pyproject.toml, as ``poetry install`` checks before installing."""
    recorded = _document(lock)["metadata"].get("content-hash")
    return recorded in (content_hash(pyproject), content_hash(pyproject, with_dependency_groups=False))


def lock_version(lock: Path) -> tuple[int, ...]:
    text = str(_document(lock)["metadata"].get("lock-version", "1.0"))
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _locked_package(package: dict, base: Path) -> tuple[LockedPackage, str]:
    name, version = package["name"], str(package.get("version", ""))
    source = package.get("source", {}) if isinstance(package.get("source"), dict) else {}
    kind, url = source.get("type"), str(source.get("url", ""))
    hashes = tuple(item["hash"] for item in package.get("files", []) if isinstance(item, dict) and item.get("hash"))
    if kind == "directory":
        target = (base / url).resolve()
        line = editable_line(target) if package.get("develop") else f"{name} @ {target.as_uri()}"
        return LockedPackage(name, line, (), target), ""
    if kind == "file":
        return LockedPackage(name, f"{name} @ {(base / url).resolve().as_uri()}", hashes), ""
    if kind == "url":
        return LockedPackage(name, f"{name} @ {url}", hashes), ""
    if kind == "git":
        reference = source.get("resolved_reference") or source.get("reference") or ""
        subdirectory = f"#subdirectory={source['subdirectory']}" if source.get("subdirectory") else ""
        return LockedPackage(name, f"{name} @ git+{url}{'@' + reference if reference else ''}{subdirectory}"), ""
    option = local_index_option(url, base) if kind == "legacy" and url else ""
    return LockedPackage(name, requirement_line(name, version), hashes), option


def read_poetry_lock(lock: Path, groups: tuple[str, ...], extras: tuple[str, ...], environment: dict) -> LockedSet:
    """What ``poetry install`` installs from ``lock`` (format 2.1 or later) for the ``main`` group plus ``groups`` and
    these ``extras`` (normalized), markers evaluated in ``environment``. For an older format, the constraints of every
    locked version instead (``LockedSet.constraints``), and a note saying so."""
    document = _document(lock)
    packages = [package for package in document.get("package", []) if isinstance(package, dict) and "name" in package]
    if lock_version(lock) < (2, 1):
        pins = tuple(requirement_line(package["name"], str(package["version"])) for package in packages
                     if package.get("version") and not isinstance(package.get("source"), dict))
        note = (f"{lock.name} is lock format {'.'.join(map(str, lock_version(lock)))}, which records no groups or markers: "
                "resolving the development set with every locked version as a constraint, as poetry re-resolves from it")
        return LockedSet((), (), note, pins)
    selected = {MAIN_GROUP, *map(normalize_name, groups)}
    chosen, options = [], []
    for package in packages:
        package_groups = {normalize_name(group) for group in package.get("groups", [])} & selected
        if not package_groups:
            continue
        markers = package.get("markers", "")
        if isinstance(markers, dict):
            by_group = {normalize_name(group): marker for group, marker in markers.items()}
            wanted = [by_group.get(group, "") for group in package_groups]
        else:
            wanted = [markers]
        if not any(marker_matches(marker, environment, extras) for marker in wanted):
            continue
        locked, option = _locked_package(package, lock.parent)
        chosen.append(locked)
        if option and option not in options:
            options.append(option)
    return LockedSet(tuple(chosen), tuple(options))


class PoetryLockFormat:
    """poetry.lock: fresh when its content-hash is pyproject.toml's (``is_fresh``); ``poetry install``'s default is
    every poetry group not marked optional, no extras."""

    def status(self, project: Project, lock: Path) -> LockStatus:
        fresh = is_fresh(lock, project.pyproject)
        return LockStatus(fresh, "its content-hash matches" if fresh else "its content-hash differs")

    def default_groups(self, project: Project, lock: Path) -> tuple[str, ...]:
        return project.declarations.poetry_default_groups()

    def default_reason(self, project: Project, lock: Path, groups: tuple[str, ...]) -> str:
        return tool_default_reason("poetry install", groups)

    def read(self, project: Project, lock: Path, extras: tuple[str, ...], groups: tuple[str, ...],
             version: tuple[int, ...]) -> LockedSet:
        return read_poetry_lock(lock, groups, extras, target_environment(version, extras, groups))


FORMAT = PoetryLockFormat()
