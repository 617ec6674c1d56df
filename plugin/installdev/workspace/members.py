"""A workspace member's settings: the workspace defaults, under its own ``[tool.installdev]`` (minus ``workspace``),
under the workspace overrides.

Each layer replaces the keys it sets whole (a list is not merged with the one below); the command line's options
still win over all three, as for ``install-dev``. The root project may be a member: its ``workspace`` key declares
the workspace, not a setting of its venv, so it is left out.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from installdev.request.project.model import load_project
from installdev.request.settings.options import Options
from installdev.request.settings.resolve import Settings, resolve_settings
from installdev.workspace.config import WorkspaceProject


def merge_overrides(own: Any, overrides: Mapping[str, Any], defaults: Mapping[str, Any] | None = None) -> Any:
    """The project's own ``[tool.installdev]`` value with ``workspace`` dropped, over ``defaults``, under ``overrides``.

    A value that is not a table is returned as it is, for the settings' validation to report.
    """
    if not isinstance(own, dict):
        return own
    return {**(defaults or {}), **{key: value for key, value in own.items() if key != "workspace"}, **overrides}


def member_settings(member: WorkspaceProject, options: Options, env: Mapping[str, str] | None = None,
                    defaults: Mapping[str, Any] | None = None) -> Settings:
    """The settings of ``member``'s venv (``defaults``: the workspace-wide ones). Raises ProjectError/UsageError (a
    missing project, a bad table)."""
    project = load_project(member.directory)
    table = merge_overrides(project.installdev_table, member.overrides, defaults or {})
    root = member.directory if member.name == "." else member.directory.parents[member.name.count("/")]
    return resolve_settings(options._replace(project_dir=str(member.directory)), project, os.environ if env is None else env,
                            table, root)
