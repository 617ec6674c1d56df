"""What a project declares for development, read the way its own tooling reads it.

Five kinds of declaration, in the order ``Declarations.dev_sources`` tries them:

* PEP 735 ``[dependency-groups]`` (plus uv's legacy ``[tool.uv] dev-dependencies``, merged into ``dev``),
  selected as ``uv sync`` selects them: ``[tool.uv] default-groups``, else ``dev``; not for a pdm project
  (``installdev.request.project.model.GroupsOwner``), whose ``[dependency-groups]`` are read as pdm reads them (below);
* poetry groups (``[tool.poetry.group.NAME]`` and the legacy ``[tool.poetry.dev-dependencies]``), selected as
  ``poetry install`` selects them: every group not marked ``optional = true``; poetry's constraint syntax is
  translated into PEP 508 requirement lines;
* pdm's development groups (``[tool.pdm.dev-dependencies]`` merged with ``[dependency-groups]``, as pdm merges them),
  selected as ``pdm install`` selects them: all of them; pdm's local entries (``-e ./lib``,
  ``file:///${PROJECT_ROOT}/...``) become absolute paths (a pdm.lock is read by ``installdev.request.locks.pdm``
  instead, unless it records no groups: then its versions constrain these);
* a ``dev`` extra;
* a conventional development requirement file.

The first three are read by ``dependency_groups``, ``poetry_groups`` (poetry's syntax by ``poetry_dependencies`` and
``poetry_constraints``) and ``pdm_groups``. Only pdm reads ``[tool.pdm.dev-dependencies]`` and pdm.lock, so a
project with either is pdm's: reading its ``[dependency-groups]`` as uv does would drop the entries pdm keeps in its
own table (pdm 2.20+ puts a group's editable entries there and the rest in ``[dependency-groups]``, under the same
name), and would find no default set in a project whose groups are all pdm's but none is named ``dev`` (pdm-
project/pdm itself). ``Declarations`` reads each table once per project (the readers stay pure functions of the
document) and owns the "no such group / extra" errors. It reads the parsed pyproject.toml and a listing of the
project directory; never writes, no network. Every error is a one-line ProjectError naming the file, the problem and
the fix. """

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.conventions import conventional_requirement_file
from installdev.request.project.readers.dependency_groups import dependency_groups, uv_default_groups, uv_default_reason
from installdev.request.project.readers.extras import setup_script, static_extras
from installdev.request.project.readers.hatch import hatch_default_env
from installdev.request.project.readers.pdm_groups import PdmGroup, pdm_groups, pdm_reason, resolve_pdm_group
from installdev.request.project.readers.poetry_groups import (
    PoetryGroup,
    poetry_default_groups,
    poetry_groups,
    resolve_poetry_group,
)
from installdev.request.project.readers.tox import tox_development_env
from installdev.request.project.summary import declared_summary
from installdev.request.project.tables import DEV, deduplicated, listing, normalize_name


class NoDevelopmentDeclared(ProjectError):
    """The project declares no default development set: nothing, or only what its tools install when asked (a group
    that is not a default one, an extra not named dev, a requirement file not named as a development one)."""


class DevSourceKind(enum.Enum):
    DEPENDENCY_GROUPS = "dependency groups"  # PEP 735 groups as uv selects them
    POETRY_GROUPS = "poetry groups"
    PDM_GROUPS = "pdm dev groups"  # pdm's dev-dependencies, merged with the PEP 735 groups as pdm merges them
    EXTRA = "extra"
    REQUIREMENT_FILE = "requirement file"
    TOX_ENV = "tox environment"
    HATCH_ENV = "hatch environment"


class DevSources(NamedTuple):
    """The development dependencies a project declares by default, and why these were chosen.

    ``names`` are the group names (normalized; empty for the other kinds); ``requirements`` are resolved requirement
    lines (a group's, or a tox or hatch environment's); ``requirement_files`` are read by the installer; ``extras`` go
    with the project. ``confirmed`` is False for a ``dev`` extra that only the build can declare (dynamic
    optional-dependencies, or a setup.py / setup.cfg project): install it, check that the built metadata lists it,
    and if not, use ``fallback`` (the conventional requirement file, if any).
    """

    kind: DevSourceKind
    names: tuple[str, ...]
    requirements: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    reason: str
    extras: tuple[str, ...] = ()
    confirmed: bool = True
    fallback: DevSources | None = None
    constraint_files: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()


GROUP_KINDS = (DevSourceKind.DEPENDENCY_GROUPS, DevSourceKind.POETRY_GROUPS, DevSourceKind.PDM_GROUPS)
# Whose default ``Declarations.default_groups`` gives, by its kind
DEFAULT_GROUPS_TOOL = {DevSourceKind.DEPENDENCY_GROUPS: "uv sync's default", DevSourceKind.POETRY_GROUPS:
                       "poetry install's default", DevSourceKind.PDM_GROUPS: "pdm install's default"}


class Declarations:
    """A project's development declarations, read as its own tools read them: each table read (and validated) the
    first time it is needed. ``pdm_owned``: the groups are pdm's (``installdev.request.project.model.GroupsOwner``),
    so ``[dependency-groups]`` is read merged with pdm's table. Every method raises ProjectError on a malformed
    declaration."""

    def __init__(self, pyproject: dict, directory: Path, pdm_owned: bool) -> None:
        self._pyproject = pyproject
        self._directory = directory
        self.pdm_owned = pdm_owned

    @cached_property
    def dependency_groups(self) -> dict[str, tuple[str, ...]]:
        return dependency_groups(self._pyproject, self._directory)

    @cached_property
    def pdm_groups(self) -> dict[str, PdmGroup]:
        return pdm_groups(self._pyproject, self._directory)

    @cached_property
    def poetry_groups(self) -> dict[str, PoetryGroup]:
        return poetry_groups(self._pyproject, self._directory)

    @cached_property
    def static_extras(self) -> tuple[str, ...] | None:
        """The normalized extras declared statically; None when only the build can tell (``static_extras``)."""
        return static_extras(self._pyproject, self._directory)

    def check_extras(self, extras: Iterable[str]) -> tuple[str, ...] | None:
        """The static extras (None when only the build can tell), once each of ``extras`` is among them. Raises
        ProjectError naming the undeclared ones and the extras available."""
        declared = self.static_extras
        missing = [extra for extra in extras if declared is not None and normalize_name(extra) not in declared]
        if missing:
            raise ProjectError(f"{self._directory / 'pyproject.toml'} declares no extra {', '.join(missing)} "
                               f"(available: {', '.join(declared or ()) or 'none'}): fix --extra NAME (or the extras setting)")
        return declared

    @cached_property
    def default_groups(self) -> tuple[DevSourceKind | None, tuple[str, ...]]:
        """The groups the project's own tool installs for development by default, and which kind they are: the first
        of ``dev_sources``' 1-3 that names some; ``(None, ())`` when none does."""
        if not self.pdm_owned:
            names = uv_default_groups(self._pyproject, self._directory, self.dependency_groups)
            if names:
                return DevSourceKind.DEPENDENCY_GROUPS, names
        names = poetry_default_groups(self._pyproject, self._directory, self.poetry_groups)
        if names:
            return DevSourceKind.POETRY_GROUPS, names
        names = tuple(self.pdm_groups) if self.pdm_owned else ()
        return (DevSourceKind.PDM_GROUPS, names) if names else (None, ())

    def uv_default_groups(self) -> tuple[str, ...]:
        """The dependency groups ``uv sync`` installs by default (``uv_default_groups``)."""
        return uv_default_groups(self._pyproject, self._directory, self.dependency_groups)

    def poetry_default_groups(self) -> tuple[str, ...]:
        """The poetry groups ``poetry install`` installs by default (``poetry_default_groups``)."""
        return poetry_default_groups(self._pyproject, self._directory, self.poetry_groups)

    @cached_property
    def declared_groups(self) -> tuple[str, ...]:
        """Every group name the project declares, normalized: its dependency groups (pdm's merged groups for a pdm
        project), then its poetry groups."""
        first = self.pdm_groups if self.pdm_owned else self.dependency_groups
        return deduplicated([*first, *self.poetry_groups])

    def _group_lines(self, kind: DevSourceKind, names: Iterable[str]) -> tuple[str, ...]:
        if kind is DevSourceKind.DEPENDENCY_GROUPS:
            lines = [line for group in names for line in self.dependency_groups[group]]
        elif kind is DevSourceKind.POETRY_GROUPS:
            lines = [line for group in names
                     for line in resolve_poetry_group(self._pyproject, self._directory, group, self.poetry_groups)]
        else:
            lines = [line for group in names
                     for line in resolve_pdm_group(self._pyproject, self._directory, group, self.pdm_groups)]
        return deduplicated(lines)

    @cached_property
    def dev_sources(self) -> DevSources:
        """What installs the project's development dependencies by default: the first of these that yields something.

        1. the dependency groups ``uv sync`` installs by default (see ``uv_default_groups``), unless the project is
           pdm's (then 3 reads them, merged as pdm merges them);
        2. the poetry groups ``poetry install`` installs by default (every group not marked optional);
        3. the pdm development groups ``pdm install`` installs by default: all of them;
        4. a ``dev`` extra: declared statically, or possibly declared by the build (``confirmed=False``, with 5, 6 or 7,
           if any, as ``fallback``);
        5. a conventional requirement file (``installdev.request.project.conventions``: the development, then the test
           conventions, then a ``requirements.txt`` that installs the project itself);
        6. tox's development or base test environment (``readers.tox``): its deps, extras and dependency groups;
        7. hatch's default environment (``readers.hatch``): its dependencies, features and dependency groups.

        Raises NoDevelopmentDeclared when none applies (naming what the project does declare, and why none of it is a
        default).
        """
        kind, names = self.default_groups
        if kind is not None:
            return DevSources(kind, names, self._group_lines(kind, names), (), self._groups_reason(kind, names))
        directory, pyproject = self._directory, self._pyproject
        extras = self.static_extras
        if extras is None:
            project_table = isinstance(pyproject.get("project"), dict)
            decider = "[project] optional-dependencies is dynamic" if project_table else f"{setup_script(directory)} decides"
            return DevSources(DevSourceKind.EXTRA, (), (), (), f"dev extra, if the build declares it ({decider})",
                              extras=(DEV,), confirmed=False, fallback=self._file_source())
        if DEV in extras:
            table = "[project.optional-dependencies]" if isinstance(pyproject.get("project"), dict) else "[tool.poetry.extras]"
            return DevSources(DevSourceKind.EXTRA, (), (), (), f"extra dev (declared in {table})", extras=(DEV,))
        file_source = self._file_source()
        if file_source is not None:
            return file_source
        raise NoDevelopmentDeclared(f"{directory} declares no default development set ({self.summary(why_not_default=True)}): "
                                    "pick one with --group NAME, --extra NAME or -r FILE, or pass --no-default-groups to "
                                    "install the project alone")

    def _file_source(self) -> DevSources | None:
        """5-7 of ``dev_sources``: a conventional requirement file, else tox's environment, else hatch's."""
        conventional = conventional_requirement_file(self._directory)
        if conventional is not None:
            name = conventional.path.relative_to(self._directory).as_posix()
            return DevSources(DevSourceKind.REQUIREMENT_FILE, (), (), (conventional.path,), f"{name} ({conventional.why})")
        tox = tox_development_env(self._directory, self._pyproject)
        if tox is not None:
            lines = deduplicated([*tox.requirement_lines, *self.resolve_groups(tox.dependency_groups)])
            return DevSources(DevSourceKind.TOX_ENV, (), lines, tox.requirement_files, tox.reason, tox.extras,
                              constraint_files=tox.constraint_files, notes=tox.notes)
        hatch = hatch_default_env(self._directory, self._pyproject)
        if hatch is not None:
            lines = deduplicated([*hatch.requirement_lines, *self.resolve_groups(hatch.dependency_groups)])
            return DevSources(DevSourceKind.HATCH_ENV, (), lines, (), hatch.reason, hatch.extras, notes=hatch.notes)
        return None

    def _groups_reason(self, kind: DevSourceKind, names: tuple[str, ...]) -> str:
        if kind is DevSourceKind.DEPENDENCY_GROUPS:
            return uv_default_reason(self._pyproject, self._directory, names)
        if kind is DevSourceKind.POETRY_GROUPS:
            noun = "poetry group" if len(names) == 1 else "poetry groups"
            return f"{noun} {listing(names)} (poetry install's default: every group not marked optional)"
        return pdm_reason(self._pyproject, names)

    def _group_kind(self, name: str) -> DevSourceKind | None:
        """Which kind of group ``name`` (normalized) is: a dependency group (pdm's merged groups for a pdm project)
        first, then a poetry group; None when the project declares no such group."""
        if name in (self.pdm_groups if self.pdm_owned else self.dependency_groups):
            return DevSourceKind.PDM_GROUPS if self.pdm_owned else DevSourceKind.DEPENDENCY_GROUPS
        return DevSourceKind.POETRY_GROUPS if name in self.poetry_groups else None

    def check_groups(self, names: Iterable[str]) -> None:
        """ProjectError naming the first of ``names`` the project does not declare, and the groups it does."""
        for name in names:
            if self._group_kind(normalize_name(name)) is None:
                first_kind = DevSourceKind.PDM_GROUPS if self.pdm_owned else DevSourceKind.DEPENDENCY_GROUPS
                first_groups = self.pdm_groups if self.pdm_owned else self.dependency_groups
                declared = "; ".join(f"{kind}: {listing(groups)}" for kind, groups in
                                     ((first_kind.value, first_groups), ("poetry groups", self.poetry_groups)) if groups)
                raise ProjectError(f"{self._directory} declares no group {name!r} ({declared or 'it declares no groups'}): "
                                   "fix the group name (--group, --no-group, --only-group or the setting)")

    def resolve_groups(self, names: Iterable[str]) -> tuple[str, ...]:
        """The requirement lines of the groups ``names``, without duplicates; each is looked up as ``_group_kind``
        says. Raises ProjectError (``check_groups``) for a group the project does not declare."""
        names = [normalize_name(name) for name in names]
        self.check_groups(names)
        return deduplicated(line for name in names for line in self._group_lines(self._group_kind(name), [name]))

    def dependency_group_names(self, names: Iterable[str]) -> tuple[str, ...]:
        """The groups ``names``, normalized, when every one is a PEP 735 dependency group (what uv installs by name);
        else none (a poetry group among them, or a project whose groups pdm merges). Call after ``resolve_groups``,
        which reports unknown names."""
        if self.pdm_owned:
            return ()
        normalized = deduplicated(normalize_name(name) for name in names)
        return normalized if all(name in self.dependency_groups for name in normalized) else ()

    def summary(self, why_not_default: bool = False) -> str:
        """One line listing what the project declares (``declared_summary``)."""
        return declared_summary(self._pyproject, self._directory, self.static_extras, why_not_default)
