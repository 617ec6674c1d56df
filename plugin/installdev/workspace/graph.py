"""Which workspace projects install which others by path, and so must be built after them.

A project depends on another member when its venv installs that member's directory by path: ``-e ../lib``,
``--editable=../lib[dev]`` or a bare ``../lib`` line in its requirement or constraint files (followed
through ``-r``/``-c``), or ``name @ file:../lib`` there, in ``[project] dependencies``, in the optional
dependencies of its extras or in its dependency-group lines. Which files, extras and groups count is
what ``development_set`` says the build installs. Both builds would otherwise run setuptools in the same
source tree at once. Relative paths are relative to the project, where pip runs. Unreadable files and
invalid declarations are skipped: the project's own build reports them.

A cycle cannot be ordered: when nothing runs and no waiting project can start, the waiting projects
are built in any order (``blocked_by_cycle``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Set
from pathlib import Path

from installdev.errors import InstalldevError
from installdev.request.locks.lockedset import LockedSet
from installdev.request.project.development import DevelopmentSet, development_set
from installdev.request.project.documents import parse_toml
from installdev.request.project.input_file import read_input_file
from installdev.request.project.model import Project, load_project
from installdev.request.project.requirements import decode_requirement_file, logical_lines, requirement_file_closure
from installdev.request.project.tables import normalize_name
from installdev.request.project.uv_workspace import UvWorkspace, uv_workspace_members
from installdev.request.selection import choose_locked_install, read_lock
from installdev.request.settings.resolve import Settings

_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_DIRECT_URL = re.compile(r"@\s*(file:\S+)")
_TRAILING_EXTRAS = re.compile(r"\[[^\]]*\]$")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def path_dependencies(settings: Settings, locked: LockedSet | None = None) -> set[Path]:
    """Directories this project's venv installs by path (``locked``: the lock's packages, when the plan read them)."""
    directory = settings.project.directory
    if locked is None:
        locked = _read_lock(settings)
    if locked is not None and not locked.constraints:
        found = set(locked.directories())
        found.update(filter(None, (_path_from_reference(reference, directory)
                                   for reference in _requirement_file_references(settings.requirements))))
        return {path for path in found if os.path.realpath(path) != os.path.realpath(directory)}
    try:
        development = development_set(settings)
    except InstalldevError:  # the build reports it; the files given explicitly are still installed
        development = DevelopmentSet((), (), settings.requirements, "")
    files = (*development.requirement_files, *settings.constraints, *development.constraint_files)
    fallback = development.fallback  # installed when the build declares no dev extra after all
    if fallback:
        files += (*fallback.requirement_files, *fallback.constraint_files)
    requirements = [*development.requirement_lines, *(fallback.requirements if fallback else ()),
                    *_pyproject_requirements(settings.project, development.extras)]
    references = [*_requirement_file_references(files), *_direct_url_references(requirements)]
    found = {target for target in (_path_from_reference(reference, directory) for reference in references) if target}
    return found | uv_source_directories(settings.project, requirements)


def _read_lock(settings: Settings) -> LockedSet | None:
    """The project's lock as installdev reads it for this interpreter (close enough for ordering); None without one."""
    try:
        choice = choose_locked_install(settings._replace(locked=False, frozen=True), uv_installs=True)
        return read_lock(settings, choice, tuple(sys.version_info[:3]))
    except InstalldevError:
        return None


def uv_source_directories(project: Project, requirements: Iterable[object]) -> set[Path]:
    """The directories ``[tool.uv.sources]`` installs for these requirements (the project's own table, else its uv
    workspace root's): ``{path = "../lib"}`` relative to the file declaring it, ``{workspace = true}`` the member of
    that name. uv honours them, pip does not; either way the two builds must not share a source tree at once."""
    names = {normalize_name(match.group(0)) for requirement in requirements if isinstance(requirement, str)
             for match in [_NAME.match(requirement.strip())] if match}
    workspace = project.uv_workspace
    tables = [(project.directory, _uv_sources(project.pyproject_path))]
    if workspace is not None and workspace.root != project.directory:
        tables.append((workspace.root, _uv_sources(workspace.root / "pyproject.toml")))
    members = None
    found: set[Path] = set()
    for name in names:
        base, source = next(((base, table[name]) for base, table in tables if name in table), (None, None))
        if isinstance(source, dict) and isinstance(source.get("path"), str):
            found.add(Path(os.path.abspath(base / source["path"])))
        elif isinstance(source, dict) and source.get("workspace") is True and workspace is not None:
            if members is None:
                members = _members_by_name(workspace)
            if name in members:
                found.add(members[name])
    return found


def _members_by_name(workspace: UvWorkspace) -> dict[str, Path]:
    try:
        return {_project_name(path): path for path in uv_workspace_members(workspace)}
    except InstalldevError:  # a member uv refuses: the build reports it
        return {}


def _project_name(directory: Path) -> str:
    try:
        table = load_project(directory).pyproject.get("project", {})
    except InstalldevError:
        return ""
    return normalize_name(str(table.get("name", ""))) if isinstance(table, dict) else ""


def _uv_sources(pyproject: Path) -> dict:
    try:
        content = read_input_file(pyproject)
        tool = parse_toml(pyproject, content).get("tool", {}) if b"sources" in content else {}
    except (OSError, InstalldevError):
        return {}
    sources = tool.get("uv", {}).get("sources", {}) if isinstance(tool, dict) and isinstance(tool.get("uv"), dict) else {}
    return {normalize_name(name): value for name, value in sources.items()} if isinstance(sources, dict) else {}


def member_dependencies(directories: Mapping[str, Path], settings: Mapping[str, Settings]) -> dict[str, frozenset[str]]:
    """For each member (name -> directory) with settings, the other members it installs by path."""
    by_directory = {os.path.realpath(directory): name for name, directory in directories.items()}
    dependencies = {}
    for name, member_settings in settings.items():
        found = {by_directory.get(os.path.realpath(target)) for target in path_dependencies(member_settings)}
        dependencies[name] = frozenset(found - {None, name})
    return dependencies


def ready_to_start(waiting: Mapping[str, Set[str]], done: Set[str]) -> list[str]:
    """The waiting projects (name -> the names it depends on) whose dependencies are all done, in order."""
    return [name for name, depends_on in waiting.items() if depends_on <= done]


def blocked_by_cycle(waiting: Mapping[str, Set[str]], done: Set[str], running: int) -> bool:
    """Nothing runs and no waiting project can start: they install each other by path (or wait for ones that do)."""
    return bool(waiting) and not running and not ready_to_start(waiting, done)


def _requirement_file_references(files: tuple[Path, ...]) -> Iterable[str]:
    """The path-like references of these files and those they include, read as pip reads them."""
    try:
        closure = requirement_file_closure(files)
    except InstalldevError:
        return
    for path in closure:
        try:
            lines = logical_lines(decode_requirement_file(path, read_input_file(path)), os.environ)
        except (OSError, InstalldevError):
            continue
        for line in lines:
            line = line.strip()
            match = _EDITABLE.match(line) or _DIRECT_URL.search(line)
            if match:
                yield match.group(1)
            elif not line.startswith("-"):
                yield line


def _pyproject_requirements(project: Project, extras: tuple[str, ...]) -> list:
    """``[project] dependencies`` and the optional dependencies of ``extras``, unchecked."""
    try:
        table = project.pyproject.get("project", {})
    except InstalldevError:
        return []
    if not isinstance(table, dict):
        return []
    requirements = list(table.get("dependencies", []))
    optional = table.get("optional-dependencies", {})
    if isinstance(optional, dict):
        by_extra = {normalize_name(name): lines for name, lines in optional.items()}
        for extra in extras:
            requirements += by_extra.get(normalize_name(extra), [])
    return requirements


def _direct_url_references(requirements: Iterable[object]) -> Iterable[str]:
    for requirement in requirements:
        match = _DIRECT_URL.search(requirement) if isinstance(requirement, str) else None
        if match:
            yield match.group(1)


def _path_from_reference(reference: str, base: Path) -> Path | None:
    """The directory a requirement's path or ``file:`` URL names, or None when it names no local path."""
    reference = _TRAILING_EXTRAS.sub("", reference.strip().strip("'\"").split("#", 1)[0])
    if reference.startswith("file:"):
        reference = reference.removeprefix("file:")
        reference = reference.removeprefix("//")
    elif not reference.startswith((".", "/", "~")) and os.sep not in reference and "/" not in reference:
        return None
    if not reference or "://" in reference:
        return None
    return Path(os.path.abspath(base / os.path.expanduser(reference)))
