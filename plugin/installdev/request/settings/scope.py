"""What one venv holds: one project, or every member of a uv workspace.

``venv_scope`` decides, for ``install-dev``, ``doctor`` and each venv ``bootstrap`` builds alike:

* ``UV_WORKSPACE``: the project is the root of a uv workspace (its pyproject.toml declares ``[tool.uv.workspace]``)
  and declares no ``[tool.installdev.workspace]`` (in its pyproject.toml or its installdev.toml): its venv holds the
  whole workspace, as ``uv sync --all-packages`` fills the one environment uv keeps at the root (every member
  editable, the default groups and the selection flags applied to every member, as uv applies them);
* ``PROJECT``: anything else, the project alone; a member of a uv workspace is filled from the workspace's lock with
  ``uv sync --package NAME`` run at the workspace root. A root declaring ``[tool.installdev.workspace]`` has asked for a
  venv per project: its own venv holds the root project alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file
from installdev.request.project.input_file import read_input_file
from installdev.vocabulary import Word

if TYPE_CHECKING:
    from pathlib import Path

    from installdev.request.project.model import Project

INSTALLDEV_WORKSPACE = "[tool.installdev.workspace]"


class VenvScope(Word):
    PROJECT = "the project"
    UV_WORKSPACE = "the whole uv workspace"


class ScopeDecision(NamedTuple):
    scope: VenvScope
    reason: str

    @property
    def all_packages(self) -> bool:
        return self.scope is VenvScope.UV_WORKSPACE


PROJECT_ALONE = ScopeDecision(VenvScope.PROJECT, "the project alone")


def installdev_workspace_file(root: Path, installdev_table: object) -> Path | None:
    """The file declaring ``[tool.installdev.workspace]`` for ``root`` (its pyproject.toml, whose ``[tool.installdev]``
    is ``installdev_table``, or its installdev.toml), or None. The table itself is validated by bootstrap."""
    if isinstance(installdev_table, dict) and "workspace" in installdev_table:
        return root / "pyproject.toml"
    path = root / "installdev.toml"
    try:
        content = read_input_file(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ProjectError(f"cannot read {path}: {error.strerror}") from None
    tool = parse_toml_file(path, content).get("tool")
    installdev = tool.get("installdev") if isinstance(tool, dict) else None
    return path if isinstance(installdev, dict) and "workspace" in installdev else None


def venv_scope(project: Project) -> ScopeDecision:
    """What the project's venv holds, and why (see the module). Raises ProjectError for an unreadable installdev.toml
    or a workspace glob uv cannot read."""
    from installdev.request.project.uv_workspace import UvSearchOutcome

    search = project.uv_search
    if search.outcome is UvSearchOutcome.NOTHING_ABOVE:
        return PROJECT_ALONE
    if search.workspace is None:  # a pyproject.toml above decided that the project is its own uv project
        return ScopeDecision(VenvScope.PROJECT, search.reason)
    if search.outcome is not UvSearchOutcome.ROOT:
        return ScopeDecision(
            VenvScope.PROJECT, f"a member of the uv workspace at {search.workspace.root} ({search.reason}): its lock is "
                               "the workspace's, installed with uv sync --package at the workspace root")
    declared = installdev_workspace_file(project.directory, project.installdev_table)
    if declared is not None and not isinstance(project.pyproject.get("project"), dict):
        raise ProjectError(f"{project.directory} is no project (its pyproject.toml has no [project] table) and "
                           f"{INSTALLDEV_WORKSPACE} in {declared} asks for a venv per project: build them with "
                           f"installdev bootstrap {project.directory}")
    if declared is not None:
        return ScopeDecision(VenvScope.PROJECT, f"{INSTALLDEV_WORKSPACE} in {declared} asks for a venv per project: "
                                                "this one holds the root project alone")
    return ScopeDecision(VenvScope.UV_WORKSPACE, f"{project.pyproject_path} declares [tool.uv.workspace] and no "
                                                 f"{INSTALLDEV_WORKSPACE}: one venv for every member, as uv sync "
                                                 "--all-packages keeps one environment at the workspace root")
