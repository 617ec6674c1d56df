"""The ``[tool.installdev.workspace]`` table: which projects a workspace holds, their defaults and overrides.

The table lives in ``ROOT/pyproject.toml`` or, for a root that is no Python project, in
``ROOT/installdev.toml`` (which may hold nothing else); declaring it in both is a usage error::

    [tool.installdev.workspace]
    projects = ["libs/*", "apps/app"]   # directories relative to ROOT; globs match directories that
                                         # hold pyproject.toml or setup.py; required, non-empty, unless
                                         # ROOT/pyproject.toml has [tool.uv.workspace] (its members then,
                                         # each with its own venv)
    exclude = ["libs/experimental"]     # optional: paths or globs to leave out
    jobs = 4                             # optional: default for --jobs (default: the CPU count)
    extras = ["dev"]                     # optional workspace-wide defaults of these [tool.installdev]
    groups = ["test"]                    # keys: a project's own table and its overrides win over them;
    python = "python3.12"                # requirements are relative to ROOT (the file naming them)
    requirements = ["requirements-dev.txt"]

    [tool.installdev.workspace.overrides."apps/app"]   # optional, one table per project path
    venv = ".venv"                       # same keys, types and meaning as the project's own
    extras = ["dev", "test"]             # [tool.installdev] table; relative paths are relative
    python = "python3.12"                # to the project; they win over the project's table

Without the table, a ``[tool.uv.workspace]`` in ROOT/pyproject.toml is one project, the root, whose venv holds the
whole uv workspace (``installdev.request.settings.scope``), as ``uv sync --all-packages`` keeps one environment at
the root. With the table and no ``projects``, each uv workspace member (as uv collects them:
``uv_workspace_members``) is a project with its own venv. ``Workspace.source`` says which definition was read.

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
from installdev.request.project.conventions import PROJECT_FILES
from installdev.request.project.documents import parse_toml
from installdev.request.project.input_file import read_input_file
from installdev.request.project.uv_workspace import UvWorkspace, uv_workspace_members, uv_workspace_table
from installdev.request.settings.resolve import validate_tool_table

WORKSPACE_FILES = ("pyproject.toml", "installdev.toml")
TABLE = "[tool.installdev.workspace]"
_KEY_TYPES: dict[str, tuple[type, str]] = {
    "projects": (list, "a list of project paths or globs"),
    "exclude": (list, "a list of project paths or globs"),
    "jobs": (int, "a positive number of parallel builds"),
    "overrides": (dict, "a table of per-project tables"),
}
SELECTION_KEYS = ("extras", "all-extras", "groups", "all-groups", "no-groups", "no-dev", "no-default-groups", "only-groups")
DEFAULT_KEYS = (*SELECTION_KEYS, "python", "requirements")  # [tool.installdev] keys the table may default


class WorkspaceProject(NamedTuple):
    name: str  # its path relative to the root, "/"-separated; "." for the root itself
    directory: Path
    overrides: dict  # validated [tool.installdev] keys that win over the project's own


class Workspace(NamedTuple):
    root: Path
    origin: Path  # the file declaring the table
    projects: list[WorkspaceProject]
    jobs: int | None
    defaults: dict  # validated [tool.installdev] keys for every project (DEFAULT_KEYS), paths made absolute
    source: str  # which definition listed the projects, for the announcement


class NoWorkspace(ProjectError):
    """The directory declares no workspace."""


def load_workspace(root: Path) -> Workspace:
    """Read and validate ROOT's workspace table and expand its project patterns; without one, ROOT's
    ``[tool.uv.workspace]`` is the one project ``.``; without either, the workspace above ROOT that lists it (or a
    directory holding it) among its projects, as ``uv sync`` in a member finds its workspace. Raises
    UsageError/ProjectError."""
    root = Path(os.path.abspath(root))
    try:
        return _load_workspace(root)
    except NoWorkspace:
        enclosing = _enclosing_workspace(root)
        if enclosing is None:
            raise
        return enclosing


def _enclosing_workspace(directory: Path) -> Workspace | None:
    """The nearest workspace above ``directory`` among whose projects it is, announced as found from it."""
    for parent in directory.parents:
        if not any((parent / name).is_file() for name in WORKSPACE_FILES):
            continue
        try:
            workspace = _load_workspace(parent)
        except (ProjectError, UsageError):  # not a workspace, or not one of interest: keep looking
            continue
        if any(directory == project.directory or project.directory in directory.parents for project in workspace.projects):
            return workspace._replace(source=f"{workspace.source}, the workspace {directory} belongs to")
    return None


def _load_workspace(root: Path) -> Workspace:
    uv_workspace = uv_workspace_table(root)
    found = _find_table(root, required=uv_workspace is None)
    if found is None:
        return Workspace(root, root / "pyproject.toml", [WorkspaceProject(".", root, {})], None, {},
                         f"[tool.uv.workspace] of {root / 'pyproject.toml'}: one venv for the whole uv workspace "
                         f"(there is no {TABLE})")
    origin, table = found
    _check_keys(table, origin, has_uv_workspace=uv_workspace is not None)
    jobs = table.get("jobs")
    if jobs is not None and jobs < 1:
        raise UsageError(f"{origin}: {TABLE} jobs must be a positive number, not {jobs!r}")
    defaults = _defaults(table, root, origin)
    if "projects" not in table:
        return _from_uv_workspace(root, uv_workspace, table.get("overrides", {}), defaults, jobs,
                                  f"[tool.uv.workspace] of {root / 'pyproject.toml'}, a venv per project ({TABLE} in "
                                  f"{origin} lists no projects)")
    patterns = [_normalize(item, origin) for item in _path_list(table["projects"], "projects", origin)]
    excludes = [_normalize(item, origin) for item in _path_list(table.get("exclude", []), "exclude", origin)]

    names: list[str] = []
    for pattern in patterns:
        names.extend(name for name in _expand(pattern, root, origin) if name not in names)
    names = [name for name in names if not any(fnmatch.fnmatchcase(name, exclude) for exclude in excludes)]
    if not names:
        raise UsageError(f"{origin}: {TABLE} exclude leaves no project")

    overrides = _overrides_by_name(table.get("overrides", {}), names, origin)
    projects = [WorkspaceProject(name, root / name if name != "." else root, overrides.get(name, {})) for name in names]
    return Workspace(root, origin, projects, jobs, defaults, f"{TABLE} of {origin}")


def _from_uv_workspace(root: Path, uv_workspace: UvWorkspace, overrides: dict, defaults: dict, jobs: int | None,
                       source: str) -> Workspace:
    """A venv per uv workspace member, as ``[tool.installdev.workspace]`` without ``projects`` asks."""
    origin = root / "pyproject.toml"
    names = [_normalize(os.path.relpath(path, root), origin) for path in uv_workspace_members(uv_workspace)]
    if not names:
        raise UsageError(f"{origin}: [tool.uv.workspace] members match no directory holding pyproject.toml")
    by_name = _overrides_by_name(overrides, names, origin)
    projects = [WorkspaceProject(name, root / name if name != "." else root, by_name.get(name, {})) for name in names]
    return Workspace(root, origin, projects, jobs, defaults, source)


def _defaults(table: dict, root: Path, origin: Path) -> dict:
    """The workspace-wide [tool.installdev] defaults, validated, requirement paths made absolute (relative to ROOT)."""
    defaults = validate_tool_table({key: table[key] for key in DEFAULT_KEYS if key in table}, f"{origin} ({TABLE})")
    if "requirements" in defaults:
        defaults["requirements"] = [os.path.normpath(root / os.path.expanduser(path)) for path in defaults["requirements"]]
    return defaults


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


def _find_table(root: Path, required: bool) -> tuple[Path, Any] | None:
    if not root.is_dir():
        raise ProjectError(f"workspace root {root} does not exist: pass the directory holding the workspace's pyproject.toml")
    found = []
    for name in WORKSPACE_FILES:
        path = root / name
        try:
            content = read_input_file(path)
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
        if not required:
            return None
        raise NoWorkspace(f"{root} declares no workspace (neither {TABLE} nor [tool.uv.workspace]): add a {TABLE} "
                           f"table with projects = [...] to {root / 'pyproject.toml'} or {root / 'installdev.toml'}")
    if len(found) > 1:
        raise UsageError(f"both {found[0][0]} and {found[1][0]} declare {TABLE}: keep one")
    return found[0]


def _check_keys(table: Any, origin: Path, has_uv_workspace: bool) -> None:
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: {TABLE} must be a table")
    for key, value in table.items():
        if key in DEFAULT_KEYS:
            continue  # validated as [tool.installdev] keys
        if key not in _KEY_TYPES:
            known = ", ".join(sorted((*_KEY_TYPES, *DEFAULT_KEYS)))
            raise UsageError(f"{origin}: unknown {TABLE} key {key!r}; known keys: {known}")
        expected, description = _KEY_TYPES[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise UsageError(f"{origin}: {TABLE} {key} must be {description}, not {value!r}")
    if not table.get("projects") and not ("projects" not in table and has_uv_workspace):
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
