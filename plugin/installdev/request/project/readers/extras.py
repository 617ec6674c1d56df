"""The extras a project declares statically, as the build backends read them."""

from __future__ import annotations

from pathlib import Path

from installdev.request.project.tables import deduplicated, normalize_name


def setup_script(directory: Path) -> str | None:
    """``setup.py`` or ``setup.cfg``, whichever the project has first; None for neither."""
    return next((name for name in ("setup.py", "setup.cfg") if (directory / name).is_file()), None)


def static_extras(pyproject: dict, directory: Path) -> tuple[str, ...] | None:
    """The normalized extras the project declares statically; None when only its build can tell.

    Read from ``[project.optional-dependencies]`` (unless listed in ``[project] dynamic``); without a ``[project]``
    table, from ``[tool.poetry.extras]`` for a poetry project, else None for a setup.py or setup.cfg project.
    """
    project = pyproject.get("project")
    tool = pyproject.get("tool")
    if isinstance(project, dict):
        if "optional-dependencies" in project.get("dynamic", []):
            return None
        extras = project.get("optional-dependencies", {})
    elif isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        extras = tool["poetry"].get("extras", {})
    elif setup_script(directory):
        return None
    else:
        extras = {}
    return deduplicated(map(normalize_name, extras)) if isinstance(extras, dict) else ()
