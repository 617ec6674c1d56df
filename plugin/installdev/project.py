"""The Python project being installed: its files, its declared extras, its requirement files.

pyproject.toml is parsed only when something needs it: the up-to-date path reads it as bytes (for
the input hash) and parses it only if it mentions installdev's own settings.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from installdev.errors import ProjectError

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_INCLUDE_OPTION = re.compile(r"^\s*(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S.*?)\s*$")


def normalize_extra(name: str) -> str:
    """PEP 685 normalization, so ``Dev_Tools`` and ``dev-tools`` name the same extra."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _parse_toml(path: Path, content: bytes) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path} is not valid TOML ({error}): fix the file and re-run") from None


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
            self._pyproject = _parse_toml(self.pyproject_path, self.pyproject_bytes) if self.pyproject_bytes else {}
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

    def declared_extras(self) -> set[str] | None:
        """Normalized extras from static ``[project.optional-dependencies]``; None when pip must tell."""
        table = self.pyproject.get("project")
        if not isinstance(table, dict) or "optional-dependencies" in table.get("dynamic", []):
            return None
        return {normalize_extra(name) for name in table.get("optional-dependencies", {})}


def load_project(directory: Path) -> Project:
    """Check that ``directory`` holds an installable project; read (not parse) its pyproject.toml."""
    if not directory.is_dir():
        raise ProjectError(f"project directory {directory} does not exist: pass the directory holding pyproject.toml")
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


def check_extras(project: Project, extras: tuple[str, ...]) -> None:
    """Refuse an extra the project does not declare (pip would only warn and install nothing)."""
    declared = project.declared_extras()
    if declared is None:
        return
    missing = [extra for extra in extras if normalize_extra(extra) not in declared]
    if missing:
        available = ", ".join(sorted(declared)) or "none"
        raise ProjectError(
            f"{project.pyproject_path} declares no extra {', '.join(missing)} (available: {available}): "
            "fix --extras, or pass --extras '' for none"
        )


def requirement_file_closure(files: tuple[Path, ...]) -> list[Path]:
    """The given requirement/constraint files plus every file they include with -r/-c, in order."""
    seen: list[Path] = []
    pending = list(files)
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProjectError(f"requirement file {path} does not exist: fix the path or create it") from None
        except OSError as error:
            raise ProjectError(f"cannot read requirement file {path}: {error.strerror}") from None
        seen.append(path)
        for line in text.splitlines():
            match = _INCLUDE_OPTION.match(line.split(" #", 1)[0])
            if match:
                pending.append((path.parent / match.group(2)).resolve())
    return seen
