"""uv.lock read by installdev, for when uv itself is not there: the packages ``uv sync`` would install.

From the project's own package in the lock, its ``dependencies``, the ``optional-dependencies`` of the selected
extras and the ``dev-dependencies`` of the selected groups, then each reached package's dependencies (with the
extras the edge asks for), following only edges whose marker holds for the venv's interpreter. Sources become
requirement lines: a registry package ``name==version`` with the hashes of its files (a local registry directory
becomes ``--find-links``), ``editable`` ``-e DIR``, ``directory``/``path``/``url`` a direct reference, ``git`` the
locked commit; a ``virtual`` package installs nothing itself. Paths are relative to the lock's directory.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

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
from installdev.request.project.input_file import input_file_status
from installdev.request.project.tables import normalize_name

if TYPE_CHECKING:
    from installdev.request.project.model import Project


def _packages(lock: Path) -> list[dict]:
    document = read_lock_document(lock)
    packages = document.get("package", [])
    if not isinstance(packages, list) or not all(isinstance(package, dict) and "name" in package for package in packages):
        raise ProjectError(f"{lock} is not a uv lock installdev can read (no [[package]] list): run `uv lock` again")
    return packages


def _lookup(by_name: dict[str, list[dict]], entry: dict, lock: Path) -> dict:
    candidates = by_name.get(normalize_name(str(entry.get("name", ""))), [])
    if "version" in entry:
        candidates = [package for package in candidates if package.get("version") == entry["version"]]
    if "source" in entry:
        candidates = [package for package in candidates if package.get("source") == entry["source"]] or candidates
    if not candidates:
        raise ProjectError(f"{lock} names {entry.get('name')!r} as a dependency but locks no such package: run `uv lock`")
    return candidates[0]


def _hashes(package: dict) -> tuple[str, ...]:
    files = [*package.get("wheels", []), *([package["sdist"]] if isinstance(package.get("sdist"), dict) else [])]
    return tuple(item["hash"] for item in files if isinstance(item, dict) and isinstance(item.get("hash"), str))


def _git_line(name: str, location: str) -> str:
    url = urlparse(location)
    query = parse_qs(url.query)
    base = url._replace(query="", fragment="").geturl()
    reference = url.fragment or next(iter(query.get("rev", query.get("tag", query.get("branch", [""])))), "")
    subdirectory = next(iter(query.get("subdirectory", [])), "")
    return f"{name} @ git+{base}{'@' + reference if reference else ''}{'#subdirectory=' + subdirectory if subdirectory else ''}"


def _locked_package(package: dict, base: Path) -> tuple[LockedPackage | None, str]:
    """The requirement of one lock entry and the index option its source needs ("" for none)."""
    name, source = package["name"], package.get("source", {})
    kind, location = next(iter(source.items()), ("registry", "https://pypi.org/simple"))
    location = str(location)
    if kind == "virtual":
        return None, ""
    if kind == "registry":
        return LockedPackage(name, requirement_line(name, package["version"]), _hashes(package)), local_index_option(location, base)
    if kind == "git":
        return LockedPackage(name, _git_line(name, location)), ""
    if kind == "url":
        return LockedPackage(name, f"{name} @ {location}", _hashes(package)), ""
    target = (base / location).resolve()
    if kind == "editable":
        return LockedPackage(name, editable_line(target), (), target), ""
    if kind == "directory":
        return LockedPackage(name, f"{name} @ {target.as_uri()}", (), target), ""
    return LockedPackage(name, f"{name} @ {target.as_uri()}", _hashes(package)), ""


def read_uv_lock(lock: Path, project_name: str, extras: Iterable[str], groups: Iterable[str],
                 environment: dict) -> LockedSet:
    """What ``uv sync --frozen`` installs for ``project_name`` from ``lock`` with these extras and groups (normalized
    names), markers evaluated in ``environment``. Raises ProjectError for a lock that does not lock the project or a
    package it depends on."""
    packages = _packages(lock)
    by_name: dict[str, list[dict]] = {}
    for package in packages:
        by_name.setdefault(normalize_name(package["name"]), []).append(package)
    roots = [package for package in by_name.get(normalize_name(project_name), [])
             if next(iter(package.get("source", {})), "") in ("editable", "virtual", "directory")]
    if not roots:
        raise ProjectError(f"{lock} does not lock the project {project_name!r}: run `uv lock`")
    root = roots[0]
    edges = list(root.get("dependencies", []))
    for table, names in (("optional-dependencies", extras), ("dev-dependencies", groups)):
        declared = {normalize_name(key): value for key, value in root.get(table, {}).items()}
        for name in names:  # an empty extra or group is not written down
            edges.extend(declared.get(normalize_name(name), []))

    chosen: list[dict] = []
    seen: set[tuple[int, str]] = set()
    pending: list[dict] = []

    def visit(package: dict, extra: str) -> None:
        if (id(package), extra) in seen:
            return
        seen.add((id(package), extra))
        if extra:
            visit(package, "")
            optional = {normalize_name(key): value for key, value in package.get("optional-dependencies", {}).items()}
            pending.extend(optional.get(normalize_name(extra), []))
        else:
            chosen.append(package)
            pending.extend(package.get("dependencies", []))

    visit(root, "")
    pending[:] = edges  # the root's own edges, with its selected extras and groups
    while pending:
        edge = pending.pop(0)
        if isinstance(edge, dict) and marker_matches(edge.get("marker"), environment):
            target = _lookup(by_name, edge, lock)
            for extra in ("", *edge.get("extra", [])):
                visit(target, extra)

    locked, options = [], []
    for package in chosen:
        requirement, option = _locked_package(package, lock.parent)
        if requirement is not None and requirement not in locked:
            locked.append(requirement)
        if option and option not in options:
            options.append(option)
    return LockedSet(tuple(locked), tuple(options))


# --------------------------------------------------------------------------------------------------
# Running uv on the lock


def uv_environment(venv: Path | None = None) -> dict[str, str]:
    """The environment uv runs in for the project: no active venv, and ``UV_PROJECT_ENVIRONMENT`` the one given."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    if venv is not None:
        env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    return env


STALE_LOCK_SAYS = "needs to be updated"  # uv's words for a lock out of date under --locked or --check


def stale_uv_lock_error(lock: Path) -> ProjectError:
    """The one-line error for a uv.lock out of date with pyproject.toml (exit 6)."""
    return ProjectError(f"{lock} is out of date with pyproject.toml, as `uv sync --locked` says: run `uv lock`, or pass "
                        "--frozen to install it as it is")


def check_uv_lock(uv: str, lock: Path, python: str | None) -> None:
    """The check ``uv sync --locked`` makes, before anything is built: ``uv lock --check`` at the lock's directory
    (it writes nothing), with ``--python`` the base interpreter when it is known (uv then skips its own interpreter
    discovery, which costs more than the check). Raises ProjectError when the lock is out of date with pyproject.toml,
    or when uv cannot tell (with uv's own reason), or when the lock is not a regular file uv can read without
    blocking."""
    input_file_status(lock)
    command = [uv, "lock", "--check", "--no-progress", *(["--python", python] if python else [])]
    completed = subprocess.run(command, cwd=lock.parent, env=uv_environment(),
                               capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    if completed.returncode == 0:
        return
    said = [line.strip() for line in (completed.stderr + completed.stdout).splitlines() if line.strip()]
    if any(STALE_LOCK_SAYS in line for line in said):
        raise stale_uv_lock_error(lock)
    reason = next((line.removeprefix("error: ") for line in said if line.startswith("error:")), said[-1] if said else "")
    raise ProjectError(f"uv lock --check cannot check {lock} against pyproject.toml ({reason}); nothing was built: fix the "
                       "cause, or pass --frozen to install the lock as it is")


class UvLockFormat:
    """uv.lock: only uv can check it (``check_uv_lock``); ``uv sync``'s default is the project's default dependency
    groups, no extras."""

    def status(self, project: Project, lock: Path) -> LockStatus:
        return LockStatus(None, "uv checks it: uv lock --check")

    def default_groups(self, project: Project, lock: Path) -> tuple[str, ...]:
        return project.declarations.uv_default_groups()

    def default_reason(self, project: Project, lock: Path, groups: tuple[str, ...]) -> str:
        return tool_default_reason("uv sync", groups)

    def read(self, project: Project, lock: Path, extras: tuple[str, ...], groups: tuple[str, ...],
             version: tuple[int, ...]) -> LockedSet:
        name = project.pyproject.get("project", {}).get("name", "")
        return read_uv_lock(lock, str(name), extras, groups, target_environment(version, extras, groups))


FORMAT = UvLockFormat()
