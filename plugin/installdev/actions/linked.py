"""The local directories a built venv installs from, read from the venv itself: every distribution whose
``direct_url.json`` (PEP 610, written by pip and uv) names a local directory (editable or not), other than the project.

Their project files (pyproject.toml, setup.py, setup.cfg) go into the stamp, so a sibling that changes its dependencies
rebuilds the venvs that install it. Reading the venv, not the declarations, counts exactly what was installed, whichever
way (a lock, a ``-e ../lib`` line, a ``[tool.uv.sources]`` path, a workspace member), for a few small file reads.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlparse

from installdev.actions.creator import site_packages
from installdev.request.project.conventions import PROJECT_FILES
from installdev.request.project.requirements import url_path_to_local


def installed_directories(venv: Path, version: tuple[int, int, int]) -> list[Path]:
    """The local directories the distributions in ``venv`` (of Python ``version``) were installed from, sorted."""
    found: set[Path] = set()
    try:
        entries = list(os.scandir(site_packages(venv, version)))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.endswith(".dist-info"):
            continue
        try:
            with open(os.path.join(entry.path, "direct_url.json"), encoding="utf-8") as file:
                document = json.load(file)
        except (OSError, ValueError):
            continue
        url = urlparse(document.get("url", "")) if isinstance(document, dict) else None
        if url is not None and url.scheme == "file" and isinstance(document.get("dir_info"), dict):
            found.add(Path(url_path_to_local(url.path)))
    return sorted(found)


def linked_project_files(venv: Path, version: tuple[int, int, int], project_dir: Path) -> list[Path]:
    """The project files of the local directories ``venv`` installs, the project's own excepted."""
    project = os.path.realpath(project_dir)
    return [directory / name for directory in installed_directories(venv, version) if os.path.realpath(directory) != project
            for name in PROJECT_FILES if (directory / name).is_file()]
