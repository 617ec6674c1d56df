"""Where a project's own settings may put its venv: inside the project, or inside the workspace it belongs to (its uv
workspace root, or the root of the bootstrap workspace that lists it).

installdev creates the venv and ``clean-venv`` deletes it, so a checkout's pyproject.toml naming ``venv =
"../../../x"`` or an absolute path would have installdev create and delete directories anywhere its user can write,
on the word of a file that came with the checkout. A place outside the project is the user's to choose: on the
command line (``--venv``), which Gradle's ``installdevVenv`` and Make's ``INSTALLDEV_VENV`` (also from the
environment) pass on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from installdev.errors import UsageError

if TYPE_CHECKING:
    from installdev.request.project.model import Project


def check_venv_placement(venv: Path, written: str, project: Project, workspace_root: Path | None, origin: str) -> None:
    """UsageError unless ``venv`` (the setting ``written`` in ``origin``, made absolute) lies inside the project
    directory or the workspace root (``workspace_root``: bootstrap's; the uv workspace root is the project's own)."""
    if _inside(venv, project.directory) or (workspace_root is not None and _inside(venv, workspace_root)):
        return
    if project.uv_workspace is not None and _inside(venv, project.uv_workspace.root):
        return
    raise UsageError(
        f"{origin}: [tool.installdev] venv = {written!r} places the venv at {venv}, outside the project "
        f"{'and its workspace ' if workspace_root or project.uv_workspace else ''}({project.directory}): a project's own "
        f"settings keep its venv inside it; to put it there, pass --venv {venv} (Gradle: installdevVenv, Make: "
        "INSTALLDEV_VENV)")


def _inside(path: Path, directory: Path) -> bool:
    return Path(os.path.abspath(directory)) in Path(os.path.abspath(path)).parents
