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
from collections.abc import Iterable, Mapping, Set
from pathlib import Path

from installdev.errors import InstalldevError
from installdev.request.development import DevelopmentSet, development_set
from installdev.request.project import Project, normalize_extra
from installdev.request.requirements import requirement_file_closure
from installdev.request.settings import Settings

_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_DIRECT_URL = re.compile(r"@\s*(file:\S+)")
_TRAILING_EXTRAS = re.compile(r"\[[^\]]*\]$")


def path_dependencies(settings: Settings) -> set[Path]:
    """Directories this project's venv installs by path."""
    try:
        development = development_set(settings)
    except InstalldevError:  # the build reports it; the files given explicitly are still installed
        development = DevelopmentSet((), (), settings.requirements, "")
    files = (*development.requirement_files, *settings.constraints)
    if development.fallback_file:  # installed when the build declares no dev extra after all
        files += (development.fallback_file,)
    requirements = [*development.requirement_lines, *_pyproject_requirements(settings.project, development.extras)]
    references = [*_requirement_file_references(files), *_direct_url_references(requirements)]
    directory = settings.project.directory
    return {target for target in (_path_from_reference(reference, directory) for reference in references) if target}


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
    try:
        closure = requirement_file_closure(files)
    except InstalldevError:
        return
    for path in closure:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
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
        by_extra = {normalize_extra(name): lines for name, lines in optional.items()}
        for extra in extras:
            requirements += by_extra.get(normalize_extra(extra), [])
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
