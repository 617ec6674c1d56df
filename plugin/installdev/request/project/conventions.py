"""The file names a project is recognised by, as the tools agree on them: its project files, and the requirement
files that by convention hold its development set. Light (no parser), so the up-to-date path can list them."""

from __future__ import annotations

from pathlib import Path

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
CONVENTIONAL_REQUIREMENT_FILES = ("requirements-dev.txt", "dev-requirements.txt", "requirements_dev.txt", "requirements/dev.txt")


def conventional_requirement_files(directory: Path) -> list[Path]:
    """The conventional development requirement files ``directory`` holds, in CONVENTIONAL_REQUIREMENT_FILES order."""
    return [directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file()]


def conventional_requirement_file(directory: Path) -> Path | None:
    """The first conventional development requirement file ``directory`` holds, or None."""
    return next(iter(conventional_requirement_files(directory)), None)
