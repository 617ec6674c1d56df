"""The ``[tool.installdev.workspace]`` table: which projects a workspace holds, and their overrides.

The table lives in ``ROOT/pyproject.toml`` or, for a root that is no Python project, in
``ROOT/installdev.toml`` (which may hold nothing else); declaring it in both is a usage error::

    [tool.installdev.workspace]
    projects = ["libs/*", "apps/app"]   # directories relative to ROOT; globs match directories that
                                         # hold pyproject.toml or setup.py; required, non-empty
    exclude = ["libs/experimental"]     # optional: paths or globs to leave out
    jobs = 4                             # optional: default for --jobs (default: the CPU count)

    [tool.installdev.workspace.overrides."apps/app"]   # optional, one table per project path
    venv = ".venv"                       # same keys, types and meaning as the project's own
    extras = ["dev", "test"]             # [tool.installdev] table; relative paths are relative
    python = "python3.12"                # to the project; they win over the project's table

Paths must stay below ROOT. Unknown keys, wrong types, a glob matching no project, an exclude leaving
none and an override naming no listed project are usage errors (exit 2); a missing table, root or
listed directory is a project error (exit 6). Projects keep the order of ``projects`` (each glob's
matches sorted), each once; ``select_projects`` narrows them to those bootstrap's --only globs match.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from installdev.errors import ProjectError, UsageError
from installdev.request.project import PROJECT_FILES, parse_toml
from installdev.request.settings import validate_tool_table

WORKSPACE_FILES = ("pyproject.toml", "installdev.toml")
TABLE = "[tool.installdev.workspace]"
_KEY_TYPES: dict[str, tuple[type, str]] = {
    "projects": (list, "a list of project paths or globs"),
    "exclude": (list, "a list of project paths or globs"),
    "jobs": (int, "a positive number of parallel builds"),
    "overrides": (dict, "a table of per-project tables"),
}


class WorkspaceProject(NamedTuple):
    name: str  # its path relative to the root, "/"-separated; "." for the root itself
    directory: Path
    overrides: dict  # validated [tool.installdev] keys that win over the project's own


class Workspace(NamedTuple):
    root: Path
    origin: Path  # the file declaring the table
    projects: list[WorkspaceProject]
    jobs: int | None


def load_workspace(root: Path) -> Workspace:
    """Read and validate ROOT's workspace table and expand its project patterns. Raises UsageError/ProjectError."""
    root = Path(os.path.abspath(root))
    origin, table = _find_table(root)
    _check_keys(table, origin)
    patterns = [_normalize(item, origin) for item in _path_list(table["projects"], "projects", origin)]
    excludes = [_normalize(item, origin) for item in _path_list(table.get("exclude", []), "exclude", origin)]
    jobs = table.get("jobs")
    if jobs is not None and jobs < 1:
        raise UsageError(f"{origin}: {TABLE} jobs must be a positive number, not {jobs!r}")

    names: list[str] = []
    for pattern in patterns:
        names.extend(name for name in _expand(pattern, root, origin) if name not in names)
    names = [name for name in names if not any(fnmatch.fnmatchcase(name, exclude) for exclude in excludes)]
    if not names:
        raise UsageError(f"{origin}: {TABLE} exclude leaves no project")

    overrides = _overrides_by_name(table.get("overrides", {}), names, origin)
    projects = [WorkspaceProject(name, root / name if name != "." else root, overrides.get(name, {})) for name in names]
    return Workspace(root, origin, projects, jobs)


def select_projects(workspace: Workspace, only: tuple[str, ...]) -> list[WorkspaceProject]:
    """The projects whose path or directory name one of the ``only`` globs matches (all when empty), in workspace order."""
    if not only:
        return workspace.projects
    chosen: list[WorkspaceProject] = []
    for pattern in only:
        pattern = pattern.strip().strip("/") or "."
        matches = [member for member in workspace.projects
                   if fnmatch.fnmatchcase(member.name, pattern) or fnmatch.fnmatchcase(member.directory.name, pattern)]
        if not matches:
            raise UsageError(f"--only {pattern} matches no workspace project; projects: "
                             f"{', '.join(member.name for member in workspace.projects)}")
        chosen.extend(member for member in matches if member not in chosen)
    return [member for member in workspace.projects if member in chosen]


def _find_table(root: Path) -> tuple[Path, Any]:
    if not root.is_dir():
        raise ProjectError(f"workspace root {root} does not exist: pass the directory holding the workspace's pyproject.toml")
    found = []
    for name in WORKSPACE_FILES:
        path = root / name
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ProjectError(f"cannot read {path}: {error.strerror}") from None
        document = parse_toml(path, content)
        tool = document.get("tool", {})
        installdev = tool.get("installdev", {}) if isinstance(tool, dict) else {}
        if name == "installdev.toml":
            unknown = sorted(set(document) - {"tool"}) + sorted(set(tool) - {"installdev"} if isinstance(tool, dict) else [])
            if unknown:
                raise UsageError(f"{path}: unknown key(s) {', '.join(unknown)}; it holds only {TABLE}")
        if isinstance(installdev, dict) and "workspace" in installdev:
            found.append((path, installdev["workspace"]))
    if not found:
        raise ProjectError(f"{root} declares no workspace: add a {TABLE} table with projects = [...] to "
                           f"{root / 'pyproject.toml'} or {root / 'installdev.toml'}")
    if len(found) > 1:
        raise UsageError(f"both {found[0][0]} and {found[1][0]} declare {TABLE}: keep one")
    return found[0]


def _check_keys(table: Any, origin: Path) -> None:
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: {TABLE} must be a table")
    for key, value in table.items():
        if key not in _KEY_TYPES:
            raise UsageError(f"{origin}: unknown {TABLE} key {key!r}; known keys: {', '.join(sorted(_KEY_TYPES))}")
        expected, description = _KEY_TYPES[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise UsageError(f"{origin}: {TABLE} {key} must be {description}, not {value!r}")
    if not table.get("projects"):
        raise UsageError(f"{origin}: {TABLE} needs projects = [...], a non-empty list of project paths or globs")


def _path_list(value: list, key: str, origin: Path) -> list[str]:
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise UsageError(f"{origin}: {TABLE} {key} must be a list of non-empty path strings, not {value!r}")
    return value


def _normalize(pattern: str, origin: Path) -> str:
    """``pattern`` as a "/"-separated path below the root, without "." parts ("." for the root itself)."""
    if os.path.isabs(pattern) or pattern.startswith("~"):
        raise UsageError(f"{origin}: workspace path {pattern!r} must be relative to the workspace root")
    parts = [part for part in re.split(r"[\\/]+", pattern) if part not in ("", ".")]
    if ".." in parts:
        raise UsageError(f"{origin}: workspace path {pattern!r} leaves the workspace root")
    return "/".join(parts) or "."


def _is_project(directory: Path) -> bool:
    return any((directory / name).is_file() for name in PROJECT_FILES)


def _expand(pattern: str, root: Path, origin: Path) -> list[str]:
    """The project names ``pattern`` stands for: a glob's project directories, sorted, or the one named directory."""
    if glob.has_magic(pattern):
        matches = sorted(
            _normalize(os.path.relpath(match, root), origin)
            for match in glob.glob(str(root / pattern))
            if os.path.isdir(match) and _is_project(Path(match))
        )
        if not matches:
            raise UsageError(f"{origin}: workspace pattern {pattern!r} matches no directory holding "
                             f"{' or '.join(PROJECT_FILES[:2])}")
        return matches
    directory = root / pattern
    if not directory.is_dir():
        raise ProjectError(f"{origin}: workspace project {pattern!r} does not exist ({directory})")
    if not _is_project(directory):
        raise ProjectError(f"{origin}: workspace project {pattern!r} has neither pyproject.toml nor setup.py")
    return [pattern]


def _overrides_by_name(overrides: dict, names: list[str], origin: Path) -> dict[str, dict]:
    by_name: dict[str, dict] = {}
    for key, value in overrides.items():
        name = _normalize(key, origin)
        if name not in names:
            raise UsageError(f"{origin}: [tool.installdev.workspace.overrides.{key!r}] names no workspace project; "
                             f"projects: {', '.join(names)}")
        if not isinstance(value, dict):
            raise UsageError(f"{origin}: [tool.installdev.workspace.overrides.{key!r}] must be a table")
        by_name[name] = validate_tool_table(value, f"{origin} (overrides for {key})")
    return by_name
