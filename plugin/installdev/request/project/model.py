"""The Python project being installed: its files, its pyproject.toml, its declared extras.

pyproject.toml is parsed only when something needs it: the up-to-date path reads it as bytes (for
the input hash) and parses it only if it mentions installdev's own settings.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

from installdev.errors import ProjectError

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
CONVENTIONAL_REQUIREMENT_FILES = ("requirements-dev.txt", "dev-requirements.txt", "requirements_dev.txt", "requirements/dev.txt")
VERSION_FILE_NAMES = (".python-version", ".python-versions")  # uv's order: the plural is read only when alone


def conventional_requirement_files(directory: Path) -> list[Path]:
    """The conventional development requirement files ``directory`` holds, in CONVENTIONAL_REQUIREMENT_FILES order."""
    return [directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file()]


def normalize_extra(name: str) -> str:
    """PEP 685 normalization, so ``Dev_Tools`` and ``dev-tools`` name the same extra."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_toml(path: Path, content: bytes) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path} is not valid TOML ({error}): fix the file and re-run") from None


_PARSED_FILES: dict[tuple[str, bytes], dict] = {}


def parse_toml_file(path: Path) -> dict:
    """``path`` parsed as TOML, once per process for the same content: the lock readers consult one lock several times
    while a plan is made (which groups, its freshness, its packages), and a large lock takes tens of milliseconds to
    parse, reading it again takes microseconds. The document is shared: callers must not change it. Raises OSError and
    ProjectError (not valid TOML)."""
    key = (str(path), path.read_bytes())
    if key not in _PARSED_FILES:
        _PARSED_FILES[key] = parse_toml(path, key[1])
    return _PARSED_FILES[key]


class Project:
    """A project directory holding pyproject.toml and/or setup.py."""

    def __init__(self, directory: Path, pyproject_bytes: bytes | None = None) -> None:
        self.directory = directory
        self.pyproject_bytes = pyproject_bytes
        self._pyproject: dict | None = None

    @property
    def pyproject_path(self) -> Path:
        return self.directory / "pyproject.toml"

    @property
    def pyproject(self) -> dict:
        """The parsed pyproject.toml (empty for a setup.py-only project); raises ProjectError if invalid."""
        if self._pyproject is None:
            self._pyproject = parse_toml(self.pyproject_path, self.pyproject_bytes) if self.pyproject_bytes else {}
        return self._pyproject

    @property
    def input_files(self) -> list[Path]:
        return [self.directory / name for name in PROJECT_FILES if (self.directory / name).is_file()]

    @property
    def tool_settings(self) -> dict:
        if not self.pyproject_bytes or b"installdev" not in self.pyproject_bytes:
            return {}
        tool = self.pyproject.get("tool", {})
        return tool.get("installdev", {}) if isinstance(tool, dict) else {}


def version_file_search(directory: Path) -> tuple[Path | None, list[Path]]:
    """The nearest ``.python-version`` (or lone ``.python-versions``) from ``directory`` up to the first ``.git`` holder,
    and the candidate paths looked at before it that do not exist (one appearing would change the answer)."""
    start = directory.resolve()
    missing = []
    for folder in (start, *start.parents):
        for name in VERSION_FILE_NAMES:
            if (folder / name).is_file():
                return folder / name, missing
            missing.append(folder / name)
        if os.path.lexists(folder / ".git"):
            break
    return None, missing


def find_version_file(directory: Path) -> Path | None:
    """The nearest ``.python-version`` (or lone ``.python-versions``), as uv finds it (see ``version_file_search``)."""
    return version_file_search(directory)[0]


def load_project(directory: Path) -> Project:
    """Check that ``directory`` holds an installable project; read (not parse) its pyproject.toml."""
    try:
        status = os.stat(directory)
    except FileNotFoundError:
        if os.path.islink(directory):
            raise ProjectError(f"the project path {directory} is a symbolic link to {os.readlink(directory)}, which does "
                               "not exist: pass the directory holding pyproject.toml") from None
        raise ProjectError(f"project directory {directory} does not exist: pass the directory holding pyproject.toml") from None
    except OSError as error:
        raise ProjectError(f"cannot reach the project directory {directory}: {error.strerror}") from None
    if not stat.S_ISDIR(status.st_mode):
        what = "a file" if stat.S_ISREG(status.st_mode) else "a special file"
        holder = f" ({directory.parent})" if directory.name in PROJECT_FILES else ""
        raise ProjectError(f"the project path {directory} is {what}, not a directory: pass the directory holding "
                           f"pyproject.toml{holder}")
    try:
        return Project(directory, (directory / "pyproject.toml").read_bytes())
    except FileNotFoundError:
        if not (directory / "setup.py").is_file():
            raise ProjectError(
                f"{directory} has neither pyproject.toml nor setup.py: pass the project directory, not a subfolder"
            ) from None
        return Project(directory)
    except OSError as error:
        raise ProjectError(f"cannot read {directory / 'pyproject.toml'}: {error.strerror}") from None
