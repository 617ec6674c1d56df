"""What ``uv sync --all-packages`` installs into the one venv of a uv workspace, for installdev to resolve when uv does
not fill it from the workspace's uv.lock (no lock, or uv is not the installer).

The root project editable (a virtual root, without a ``[project]`` table, is not installed itself), every other
member editable (``uv_workspace_members``), and for each of them (the virtual root too) the dependency groups and
extras uv selects with ``--all-packages``: the selection flags apply to every member that declares the group or extra
named, and the default groups are the root's ``[tool.uv] default-groups`` (``"all"``: every group of each member;
unset: ``dev``) taken from each member that declares them. As in uv, a group or extra asked for that no member
declares is a ProjectError. Only uv's declarations count here (PEP 735 groups, ``[project.optional-dependencies]``):
this is uv's selection, not each member's own tool's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from installdev.errors import ProjectError
from installdev.request.project.development import DevelopmentSet
from installdev.request.project.model import Project, load_project
from installdev.request.project.tables import DEV, deduplicated, listing, tool_table
from installdev.request.project.uv_workspace import uv_workspace_members

if TYPE_CHECKING:
    from installdev.request.settings.resolve import Settings
    from installdev.request.settings.selection_flags import SelectionFlags


def _default_groups(setting: object, project: Project) -> tuple[str, ...]:
    """The groups of ``project`` the root's ``default-groups`` ``setting`` names."""
    declared = tuple(project.declarations.dependency_groups)
    if setting == "all":
        return declared
    names = (DEV,) if setting is None else tuple(name for name in setting if isinstance(name, str))
    return tuple(name for name in declared if name in names)


def _check_declared(flags: SelectionFlags, projects: list[Project], root: Project) -> None:
    """ProjectError, in uv's words, for a group or extra asked for that no member declares."""
    groups = {name for project in projects for name in project.declarations.dependency_groups}
    extras = {name for project in projects for name in project.declarations.static_extras or ()}
    for name in flags.named_groups:
        if name not in groups:
            raise ProjectError(f"the uv workspace at {root.directory}: group {name!r} is not defined in any member's "
                               f"[dependency-groups] ({listing(sorted(groups)) or 'none'}), as uv sync --all-packages "
                               "would say: fix the group name")
    for name in flags.extras:
        if name not in extras:
            raise ProjectError(f"the uv workspace at {root.directory}: extra {name!r} is not defined in any member's "
                               f"[project.optional-dependencies] ({listing(sorted(extras)) or 'none'}), as uv sync "
                               "--all-packages would say: fix the extra name")


def _selected(project: Project, flags: SelectionFlags, setting: object) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The extras and the groups of ``project`` that ``uv sync --all-packages`` with ``flags`` installs."""
    declarations = project.declarations
    declared_extras = declarations.static_extras or ()
    extras = tuple(name for name in flags.chosen_extras(declared_extras, project.directory) if name in declared_extras)
    declared_groups = tuple(declarations.dependency_groups)
    chosen = flags.chosen_groups(_default_groups(setting, project), declared_groups)
    return extras, tuple(name for name in chosen if name in declared_groups)


def workspace_development_set(settings: Settings, why: str) -> DevelopmentSet:
    """The development set of the venv of the whole uv workspace rooted at ``settings.project`` (see the module);
    ``why`` says why installdev resolves it. Raises ProjectError."""
    root, flags = settings.project, settings.selection
    members = uv_workspace_members(root.uv_workspace)
    projects = [root if member == root.directory else load_project(member) for member in members]
    if root not in projects:
        projects.insert(0, root)  # the virtual root: its groups count, it is not installed
    _check_declared(flags, projects, root)
    setting = tool_table(root.pyproject, "uv", root.directory).get("default-groups")
    root_is_project = isinstance(root.pyproject.get("project"), dict)
    lines: list[str] = []
    root_extras: tuple[str, ...] = ()
    for project in projects:
        extras, groups = _selected(project, flags, setting)
        if project is root:
            root_extras = extras
        elif flags.installs_project:
            lines.append(f"-e {project.directory}" + (f"[{','.join(extras)}]" if extras else ""))
        lines += project.declarations.resolve_groups(groups)
    names = [project.pyproject["project"].get("name", project.directory.name) for project in projects
             if isinstance(project.pyproject.get("project"), dict)]
    reason = (f"{why}; " if why else "") + (f"{len(names)} member(s) editable ({listing(names)}) and "
                                             f"{flags.describe() or 'the default groups'} of every member, as uv sync "
                                             "--all-packages installs them")
    return DevelopmentSet(root_extras, deduplicated(lines), settings.requirements, reason,
                          installs_project=root_is_project and flags.installs_project)
