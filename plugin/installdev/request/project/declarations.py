"""What a project declares for development, read the way its own tooling reads it.

Five kinds of declaration, in the order ``find_dev_sources`` tries them:

* PEP 735 ``[dependency-groups]`` (plus uv's legacy ``[tool.uv] dev-dependencies``, merged into ``dev``),
  selected as ``uv sync`` selects them: ``[tool.uv] default-groups``, else ``dev``; not for a pdm project (one that
  declares ``[tool.pdm.dev-dependencies]`` or is installed from a pdm.lock), whose ``[dependency-groups]`` are read
  as pdm reads them (below);
* poetry groups (``[tool.poetry.group.NAME]`` and the legacy ``[tool.poetry.dev-dependencies]``), selected as
  ``poetry install`` selects them: every group not marked ``optional = true``; poetry's constraint syntax is
  translated into PEP 508 requirement lines;
* pdm's development groups (``[tool.pdm.dev-dependencies]`` merged with ``[dependency-groups]``, as pdm merges them),
  selected as ``pdm install`` selects them: all of them; pdm's local entries (``-e ./lib``,
  ``file:///${PROJECT_ROOT}/...``) become absolute paths (a pdm.lock is read by ``installdev.request.locks.pdm``
  instead, unless it records no groups: then its versions constrain these);
* a ``dev`` extra;
* a conventional development requirement file.

The first three are read by ``dependency_groups``, ``poetry_groups`` (poetry's syntax by ``poetry_dependencies``) and
``pdm_groups``. Only pdm reads ``[tool.pdm.dev-dependencies]`` and pdm.lock, so a project with either is pdm's:
reading its ``[dependency-groups]`` as uv does would drop the entries pdm keeps in its own table (pdm 2.20+ puts a
group's editable entries there and the rest in ``[dependency-groups]``, under the same name), and would find no
default set in a project whose groups are all pdm's but none is named ``dev`` (pdm-project/pdm itself).
Pure: reads the parsed pyproject.toml it is given and a listing of the project directory; never writes, no network.
Every error is a one-line ProjectError naming the file, the problem and the fix.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.model import CONVENTIONAL_REQUIREMENT_FILES, parse_toml
from installdev.request.project.readers.dependency_groups import dependency_groups, uv_default_groups, uv_default_reason
from installdev.request.project.readers.pdm_groups import pdm_default_groups, pdm_groups, pdm_project, pdm_reason, resolve_pdm_group
from installdev.request.project.readers.poetry_groups import poetry_default_groups, poetry_groups, resolve_poetry_group
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


class DevSources(NamedTuple):
    """The development dependencies a project declares by default, and why these were chosen.

    ``names`` are the group or extra names (normalized; empty for a requirement file); ``requirements`` are the
    resolved requirement-file lines of the groups (empty for an extra or a requirement file, which the installer
    reads itself). ``confirmed`` is False for a ``dev`` extra that only the build can declare (dynamic
    optional-dependencies, or a setup.py / setup.cfg project): install it, check that the built metadata lists it,
    and if not, use ``fallback`` (the conventional requirement file, if any).
    """

    kind: DevSourceKind
    names: tuple[str, ...]
    requirements: tuple[str, ...]
    requirement_file: Path | None
    reason: str
    confirmed: bool = True
    fallback: DevSources | None = None


# --------------------------------------------------------------------------------------------------
# Extras and requirement files


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
    elif _setup_script(directory):
        return None
    else:
        extras = {}
    return deduplicated(map(normalize_name, extras)) if isinstance(extras, dict) else ()


def check_extras(pyproject: dict, directory: Path, pyproject_path: Path, extras: Iterable[str]) -> tuple[str, ...] | None:
    """The project's static extras (None when only its build can tell), once each of ``extras`` is among them.

    Raises ProjectError naming the undeclared ones and the extras available.
    """
    declared = static_extras(pyproject, directory)
    missing = [extra for extra in extras if declared is not None and normalize_name(extra) not in declared]
    if missing:
        raise ProjectError(f"{pyproject_path} declares no extra {', '.join(missing)} "
                           f"(available: {', '.join(declared or ()) or 'none'}): fix --extras, or pass --extras '' for none")
    return declared


def _setup_script(directory: Path) -> str | None:
    return next((name for name in ("setup.py", "setup.cfg") if (directory / name).is_file()), None)


def conventional_requirement_file(directory: Path) -> Path | None:
    """The first existing file of CONVENTIONAL_REQUIREMENT_FILES, or None."""
    return next((directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file()), None)


def _requirement_files(directory: Path) -> list[str]:
    found = {path.relative_to(directory).as_posix() for pattern in ("requirements*.txt", "requirements/*.txt")
             for path in directory.glob(pattern) if path.is_file()}
    found.update(name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file())
    return sorted(found, key=lambda name: ("/" in name, name))


# --------------------------------------------------------------------------------------------------
# The default development set, explicit requests, and the summary


def default_development_groups(pyproject: dict, directory: Path) -> tuple[DevSourceKind | None, tuple[str, ...]]:
    """The groups the project's own tool installs for development by default, and which kind they are: the first
    of ``find_dev_sources``' 1-3 that names some; ``(None, ())`` when none does. Raises ProjectError on a malformed
    declaration."""
    if not pdm_project(pyproject, directory):
        names = uv_default_groups(pyproject, directory)
        if names:
            return DevSourceKind.DEPENDENCY_GROUPS, names
    names = poetry_default_groups(pyproject, directory)
    if names:
        return DevSourceKind.POETRY_GROUPS, names
    names = pdm_default_groups(pyproject, directory)
    return (DevSourceKind.PDM_GROUPS, names) if names else (None, ())


# Whose default ``default_development_groups`` gives, by its kind
DEFAULT_GROUPS_TOOL = {DevSourceKind.DEPENDENCY_GROUPS: "uv sync's default", DevSourceKind.POETRY_GROUPS:
                       "poetry install's default", DevSourceKind.PDM_GROUPS: "pdm install's default"}


def declared_groups(pyproject: dict, directory: Path) -> tuple[str, ...]:
    """Every group name the project declares, normalized: its dependency groups (pdm's merged groups for a pdm
    project), then its poetry groups. Raises ProjectError on a malformed declaration."""
    first = pdm_groups(pyproject, directory) if pdm_project(pyproject, directory) else dependency_groups(pyproject, directory)
    return deduplicated([*first, *poetry_groups(pyproject, directory)])


def find_dev_sources(pyproject: dict, directory: Path) -> DevSources:
    """What installs the project's development dependencies by default: the first of these that yields something.

    1. the dependency groups ``uv sync`` installs by default (see ``uv_default_groups``), unless the project is pdm's
       (``pdm_project``: then 3 reads them, merged as pdm merges them);
    2. the poetry groups ``poetry install`` installs by default (every group not marked optional);
    3. the pdm development groups ``pdm install`` installs by default: all of them;
    4. a ``dev`` extra: declared statically, or possibly declared by the build (``confirmed=False``, with the
       conventional requirement file, if any, as ``fallback``);
    5. a conventional requirement file (see CONVENTIONAL_REQUIREMENT_FILES).

    Raises ProjectError on a malformed declaration, and NoDevelopmentDeclared when none applies (naming what the
    project does declare, and why none of it is a default).
    """
    kind, names = default_development_groups(pyproject, directory)
    if kind is DevSourceKind.DEPENDENCY_GROUPS:
        requirements = [line for group in names for line in dependency_groups(pyproject, directory)[group]]
        return DevSources(kind, names, deduplicated(requirements), None, uv_default_reason(pyproject, directory, names))
    if kind is DevSourceKind.POETRY_GROUPS:
        requirements = [line for group in names for line in resolve_poetry_group(pyproject, directory, group)]
        noun = "poetry group" if len(names) == 1 else "poetry groups"
        return DevSources(kind, names, deduplicated(requirements), None,
                          f"{noun} {listing(names)} (poetry install's default: every group not marked optional)")
    if kind is DevSourceKind.PDM_GROUPS:
        requirements = [line for group in names for line in resolve_pdm_group(pyproject, directory, group)]
        return DevSources(kind, names, deduplicated(requirements), None, pdm_reason(pyproject, names))
    requirement_file = conventional_requirement_file(directory)
    file_source = None
    if requirement_file is not None:
        name = requirement_file.relative_to(directory).as_posix()
        file_source = DevSources(DevSourceKind.REQUIREMENT_FILE, (), (), requirement_file,
                                 f"{name} (a conventional development requirements file)")
    extras = static_extras(pyproject, directory)
    if extras is None:
        project_table = isinstance(pyproject.get("project"), dict)
        decider = "[project] optional-dependencies is dynamic" if project_table else f"{_setup_script(directory)} decides"
        return DevSources(DevSourceKind.EXTRA, (DEV,), (), None, f"dev extra, if the build declares it ({decider})",
                          confirmed=False, fallback=file_source)
    if DEV in extras:
        table = "[project.optional-dependencies]" if isinstance(pyproject.get("project"), dict) else "[tool.poetry.extras]"
        return DevSources(DevSourceKind.EXTRA, (DEV,), (), None, f"extra dev (declared in {table})")
    if file_source is not None:
        return file_source
    raise NoDevelopmentDeclared(f"{directory} declares no default development set "
                                f"({declared_summary(pyproject, directory, why_not_default=True)}): pick one with "
                                "--group NAME, --extras NAME or -r FILE, or pass --extras '' to install the project alone")


def resolve_requested_groups(pyproject: dict, directory: Path, names: Iterable[str]) -> tuple[str, ...]:
    """The requirement lines of the groups named by ``--group NAME`` (repeatable), without duplicates.

    A name is looked up among the dependency groups first (for a pdm project: among pdm's development groups, which
    include them), then among the poetry groups; ProjectError listing them all when it is in none.
    """
    requirements: list[str] = []
    pdm = pdm_project(pyproject, directory)
    first_groups = pdm_groups(pyproject, directory) if pdm else dependency_groups(pyproject, directory)
    first_kind = "pdm dev groups" if pdm else "dependency groups"
    declared_poetry_groups = poetry_groups(pyproject, directory)
    for name in names:
        normalized = normalize_name(name)
        if normalized in first_groups:
            requirements.extend(resolve_pdm_group(pyproject, directory, normalized) if pdm else first_groups[normalized])
        elif normalized in declared_poetry_groups:
            requirements.extend(resolve_poetry_group(pyproject, directory, normalized))
        else:
            declared = "; ".join(f"{kind}: {listing(groups)}" for kind, groups in
                                 ((first_kind, first_groups), ("poetry groups", declared_poetry_groups)) if groups)
            raise ProjectError(f"{directory} declares no group {name!r} ({declared or 'it declares no groups'}): "
                               "fix --group NAME, or use --extras NAME or -r FILE")
    return deduplicated(requirements)


def requested_dependency_groups(pyproject: dict, directory: Path, names: Iterable[str]) -> tuple[str, ...]:
    """The groups named by ``--group NAME``, normalized, when every one is a PEP 735 dependency group (what uv installs
    by name); else none (a poetry group among them, or a project whose groups pdm merges). Call after
    ``resolve_requested_groups``, which reports unknown names."""
    if pdm_project(pyproject, directory):
        return ()
    declared = dependency_groups(pyproject, directory)
    normalized = deduplicated(normalize_name(name) for name in names)
    return normalized if all(name in declared for name in normalized) else ()


def declared_summary(pyproject: dict, directory: Path, why_not_default: bool = False) -> str:
    """One line listing what the project declares: extras, dependency groups, poetry groups, pdm dev groups (of
    ``[tool.pdm.dev-dependencies]``), requirement files. ``why_not_default``: say after each why none of it is a
    default development set (for a project ``find_dev_sources`` found none in: no extra is ``dev``, no dependency group
    is uv's default, every poetry group is optional, no requirement file has a conventional development name).

    Tolerates malformed tables (it only lists names), so it can describe a project whose declarations fail to resolve.
    """
    parts = []
    extras = static_extras(pyproject, directory)
    if extras is None:
        parts.append("extras: decided by the build")
    elif extras:
        parts.append(f"extras: {listing(extras)}" + (", none is dev" if why_not_default else ""))

    def names(table: object) -> list[str]:
        return list(dict.fromkeys(map(normalize_name, table))) if isinstance(table, dict) else []

    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    groups = names(pyproject.get("dependency-groups"))
    if "dev-dependencies" in uv and DEV not in groups:
        groups.append(DEV)
    if groups:
        why = ", [tool.uv] default-groups is empty" if uv.get("default-groups") == [] else ", none is uv's default dev"
        parts.append(f"dependency groups: {listing(groups)}" + (why if why_not_default else ""))
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    poetry_table = poetry.get("group", {}) if isinstance(poetry.get("group"), dict) else {}
    poetry_group_options = {normalize_name(name): isinstance(config, dict) and config.get("optional") is True
                     for name, config in poetry_table.items()}
    if poetry.get("dev-dependencies"):
        poetry_group_options.setdefault(DEV, False)
    if poetry_group_options:
        named = listing(name + (" (optional)" if optional else "") for name, optional in poetry_group_options.items())
        parts.append(f"poetry groups: {named}")
    pdm = tool.get("pdm", {}) if isinstance(tool.get("pdm"), dict) else {}
    pdm_names = names(pdm.get("dev-dependencies"))
    if pdm_names:
        parts.append(f"pdm dev groups: {listing(pdm_names)}")
    files = _requirement_files(directory)
    if files:
        why = ", none is a conventional development file" if why_not_default else ""
        parts.append(f"requirement files: {listing(files)}{why}")
    hatch = _hatch_environments(tool, directory)
    if hatch:
        parts.append(f"hatch environments: {listing(hatch)}, which installdev does not read")
    return "; ".join(parts) or "no extras, dependency groups, poetry groups, pdm dev groups or requirement files"


def _hatch_environments(tool: dict, directory: Path) -> list[str]:
    """The names of hatch's environments (``[tool.hatch.envs]``, or ``[envs]`` in hatch.toml), for the summary only: what
    hatch installs in them (its internal ``hatch-test`` defaults, templates, matrices) is hatch's own."""
    hatch = tool.get("hatch", {}) if isinstance(tool.get("hatch"), dict) else {}
    envs = hatch.get("envs") if isinstance(hatch.get("envs"), dict) else {}
    try:
        hatch_toml = parse_toml(directory / "hatch.toml", (directory / "hatch.toml").read_bytes())
    except (OSError, ProjectError):
        hatch_toml = {}
    if isinstance(hatch_toml.get("envs"), dict):
        envs = {**envs, **hatch_toml["envs"]}
    return list(envs)
