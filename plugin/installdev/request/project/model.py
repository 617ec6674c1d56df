"""The Python project being installed, read once: construction is a stat and the bytes of its pyproject.toml, and
every fact a plan needs is worked out the first time a role asks, then kept for the life of the process.

The up-to-date path reads pyproject.toml as bytes (for the input hash) and parses it only if it mentions installdev's
own settings. The facts: the parsed document, the ``[tool.installdev]`` table, the uv workspace the project belongs to
(``installdev.request.project.uv_workspace``), the lock that applies (``installdev.request.locks.rules``), which
tool's reading of the groups applies (``GroupsOwner``), its declarations
(``installdev.request.project.declarations.Declarations``), its own distribution name
(``installdev.request.project.own_name``), its Python request
(``installdev.request.project.python_request``) and its ``.python-version`` search. A fact whose computation raised
an InstalldevError raises the same error each time it is asked for.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from installdev.errors import InstalldevError, ProjectError
from installdev.request.project.conventions import PROJECT_FILES, TOOL_ENVIRONMENT_FILES
from installdev.request.project.documents import parse_toml_file
from installdev.request.project.input_file import is_input_present, read_input_file
from installdev.vocabulary import Word

if TYPE_CHECKING:
    from installdev.request.locks.rules import ProjectLock
    from installdev.request.project.declarations import Declarations
    from installdev.request.project.python_request import PythonRequest
    from installdev.request.project.uv_workspace import UvSearch, UvWorkspace

_Fact = TypeVar("_Fact")


class GroupsOwner(Word):
    """Whose reading of ``[dependency-groups]`` applies: uv's (PEP 735 as ``uv sync`` selects it), or pdm's (merged
    with ``[tool.pdm.dev-dependencies]``, all installed), for a project that declares that table, which only pdm
    reads, or is installed from a pdm.lock."""

    UV = "uv"
    PDM = "pdm"


class cached_outcome(Generic[_Fact]):
    """``functools.cached_property`` that also keeps an InstalldevError the computation raised, and raises it again."""

    def __init__(self, compute: Callable[[Project], _Fact]) -> None:
        self._compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = f"_{name}_outcome"  # not the attribute's own name: the instance's entry would shadow this

    def __get__(self, project: Project | None, owner: type | None = None) -> _Fact:
        if project is None:
            return self  # type: ignore[return-value]
        kept = project.__dict__.get(self._name)
        if kept is None:
            try:
                kept = (self._compute(project), None)
            except InstalldevError as error:
                kept = (None, error)
            project.__dict__[self._name] = kept
        if kept[1] is not None:
            raise kept[1]
        return kept[0]


class Project:
    """A project directory holding pyproject.toml and/or setup.py, and the facts read from it (see the module)."""

    def __init__(self, directory: Path, pyproject_bytes: bytes | None = None) -> None:
        self.directory = directory
        self.pyproject_bytes = pyproject_bytes

    @classmethod
    def of(cls, directory: Path, document: dict) -> Project:
        """A project whose pyproject.toml is ``document``, already parsed (a workspace member's, a test's)."""
        project = cls(directory)
        project.__dict__["_pyproject_outcome"] = (document, None)
        return project

    @property
    def pyproject_path(self) -> Path:
        return self.directory / "pyproject.toml"

    @cached_outcome
    def pyproject(self) -> dict:
        """The parsed pyproject.toml (empty for a setup.py-only project); raises ProjectError if invalid."""
        return parse_toml_file(self.pyproject_path, self.pyproject_bytes) if self.pyproject_bytes else {}

    @property
    def input_files(self) -> list[Path]:
        """The project's own files that exist: its project files and tox's and hatch's configuration files."""
        return [self.directory / name for name in (*PROJECT_FILES, *TOOL_ENVIRONMENT_FILES)
                if is_input_present(self.directory / name)]

    @cached_outcome
    def installdev_table(self) -> object:
        """``[tool.installdev]`` as written (not validated: the settings do that), ``{}`` when absent."""
        if self.pyproject_bytes is not None and b"installdev" not in self.pyproject_bytes:
            return {}
        tool = self.pyproject.get("tool", {})
        return tool.get("installdev", {}) if isinstance(tool, dict) else {}

    @cached_outcome
    def uv_search(self) -> UvSearch:
        """Which uv workspace the project belongs to, and by which of uv's rules (``search_uv_workspace``); raises
        ProjectError for a workspace glob uv cannot read."""
        from installdev.request.project.uv_workspace import search_uv_workspace

        return search_uv_workspace(self.directory)

    @property
    def uv_workspace(self) -> UvWorkspace | None:
        """The uv workspace the project belongs to, if any."""
        return self.uv_search.workspace

    @property
    def uv_project_root(self) -> Path:
        """Where uv keeps the project's uv.lock: its workspace root, or the project directory itself."""
        return self.uv_workspace.root if self.uv_workspace else Path(os.path.abspath(self.directory))

    @cached_outcome
    def lock(self) -> ProjectLock | None:
        """The lock the project's own tool would install from (``installdev.request.locks.rules``), or None; raises
        ProjectError when which one is meant cannot be told."""
        from installdev.request.locks.rules import find_lock

        return find_lock(self)

    @cached_property
    def groups_owner(self) -> GroupsOwner:
        """Whose reading of the groups applies (see GroupsOwner)."""
        from installdev.request.locks.rules import LockKind
        from installdev.request.project.readers.pdm_groups import pdm_declared

        if pdm_declared(self.pyproject):
            return GroupsOwner.PDM
        try:
            lock = self.lock
        except ProjectError:  # several PEP 751 locks: the uv.lock and pdm.lock rules, tried before, found none
            lock = None
        return GroupsOwner.PDM if lock is not None and lock.kind is LockKind.PDM else GroupsOwner.UV

    @cached_property
    def declarations(self) -> Declarations:
        """What the project declares for development, read as its own tools read it."""
        from installdev.request.project.declarations import Declarations

        return Declarations(self.pyproject, self.directory, self.groups_owner is GroupsOwner.PDM)

    @cached_outcome
    def distribution_name(self) -> str | None:
        """The project's own distribution name, normalized, or None when not declared statically
        (``installdev.request.project.own_name``); raises ProjectError for an invalid pyproject.toml."""
        from installdev.request.project.own_name import own_distribution_name

        return own_distribution_name(self.pyproject, self.directory)

    @cached_outcome
    def python_request(self) -> PythonRequest:
        """Which Python the project accepts: requires-python (or poetry's python), and ``.python-version``. Raises
        ProjectError for an invalid one."""
        from installdev.request.project.python_request import python_request

        return python_request(self.pyproject, self.directory, self.version_file_search)

    @cached_property
    def version_file_search(self) -> tuple[Path | None, list[Path]]:
        """The project's ``.python-version`` search (``installdev.request.project.python_request.version_file_search``)."""
        from installdev.request.project.python_request import version_file_search

        return version_file_search(self.directory)

    @property
    def version_file(self) -> Path | None:
        return self.version_file_search[0]


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
        return Project(directory, read_input_file(directory / "pyproject.toml"))
    except FileNotFoundError:
        if not is_input_present(directory / "setup.py"):
            raise ProjectError(
                f"{directory} has neither pyproject.toml nor setup.py: pass the project directory, not a subfolder"
            ) from None
        return Project(directory)
    except OSError as error:
        raise ProjectError(f"cannot read {directory / 'pyproject.toml'}: {error.strerror}") from None
