"""Settings for one venv: the command line wins over ``[tool.installdev]`` in pyproject.toml.

Paths on the command line are relative to the current directory; paths in pyproject.toml are
relative to the project directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from installdev.errors import UsageError
from installdev.request.project.model import Project
from installdev.request.settings.envflags import ModeRequest, requested_mode, resolve_flag_prefix
from installdev.request.settings.options import Options
from installdev.request.settings.scope import PROJECT_ALONE, ScopeDecision, venv_scope
from installdev.request.settings.selection_flags import SelectionFlags
from installdev.request.settings.venv_placement import check_venv_placement
from installdev.vocabulary import InstallerName

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_VENV_NAME = "venv"
DEFAULT_LOCK_TIMEOUT = 900.0

# [tool.installdev] key -> (accepted types, description for the error message)
_SETTING_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "venv": ((str,), "a path string"),
    "python": ((str,), "an interpreter: a version such as 3.12, a name on PATH or a path"),
    "extras": ((list,), "a list of extra names"),
    "all-extras": ((bool,), "true or false"),
    "groups": ((list,), "a list of dependency group names"),
    "all-groups": ((bool,), "true or false"),
    "no-groups": ((list,), "a list of dependency group names"),
    "no-dev": ((bool,), "true or false"),
    "no-default-groups": ((bool,), "true or false"),
    "only-groups": ((list,), "a list of dependency group names"),
    "requirements": ((list,), "a list of requirement file paths"),
    "constraints": ((list,), "a list of constraint file paths"),
    "build-constraints": ((list,), "a list of build constraint file paths"),
    "flag-prefix": ((str,), "a variable prefix such as DATAHUB"),
    "lock-timeout": ((int, float), "a number of seconds"),
    "system-site-packages": ((bool,), "true or false"),
    "installer": ((str,), "one of auto, pip, uv"),
    "seed-pip": ((bool,), "true or false"),
    "locked": ((bool,), "true or false"),
    "frozen": ((bool,), "true or false"),
}


class Settings(NamedTuple):
    """One venv's settings. ``python`` None: choose one the project accepts; ``selection``: the extras and groups
    asked for besides (or instead of) what the project declares for development
    (``installdev.request.project.development``)."""

    project: Project
    venv: Path
    python: str | None
    selection: SelectionFlags
    requirements: tuple[Path, ...]
    constraints: tuple[Path, ...]
    build_constraints: tuple[Path, ...]
    flag_prefix: str
    mode_request: ModeRequest
    lock_timeout: float
    system_site_packages: bool
    installer: InstallerName = InstallerName.AUTO
    seed_pip: bool | None = None  # None: seed pip when pip installs
    force: bool = False
    locked: bool = False  # a lock out of date with pyproject.toml is an error (installdev.request.locks.rules)
    frozen: bool = False  # the lock is installed as it is, unchecked
    python_named: str | None = None  # how messages name ``python``: ``--python X``, or the setting it came from
    scope: ScopeDecision = PROJECT_ALONE  # the project alone, or every member of the uv workspace it is the root of


def validate_tool_table(table: Any, origin: str) -> dict:
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: [tool.installdev] must be a table")
    for key, value in table.items():
        if key not in _SETTING_TYPES:
            known = ", ".join(sorted(_SETTING_TYPES))
            raise UsageError(f"{origin}: unknown [tool.installdev] key {key!r}; known keys: {known}")
        types, description = _SETTING_TYPES[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise UsageError(f"{origin}: [tool.installdev] {key} must be {description}, not {value!r}")
        if isinstance(value, list) and not all(isinstance(item, str) and item.strip() for item in value):
            raise UsageError(f"{origin}: [tool.installdev] {key} must be {description}, not {value!r}")
        if isinstance(value, str) and not value.strip():
            raise UsageError(f"{origin}: [tool.installdev] {key} is empty: give {description}, or remove the key")
        if key == "lock-timeout":
            check_lock_timeout(value, f"{origin}: [tool.installdev] lock-timeout")
    return table


def check_lock_timeout(value: float, origin: str) -> float:
    """A lock timeout is a finite number of seconds, 0 or more; anything else is a usage error."""
    if not (0 <= value < float("inf")):  # also false for nan
        raise UsageError(f"{origin} must be a number of seconds, 0 or more (0: do not wait), not {value!r}")
    return float(value)


def _absolute(path: str | Path, base: Path) -> Path:
    return Path(os.path.abspath(base / os.path.expanduser(str(path))))


def _check_given_paths(option: str, given: tuple[str, ...], resolved: tuple[Path, ...], project_dir: Path) -> None:
    """UsageError for a relative path given on the command line that is missing from the current directory but present
    in the project directory: the user meant the project's file (paths on the command line are relative to the current
    directory, as pip reads them; those in ``[tool.installdev]`` are relative to the project)."""
    for value, path in zip(given, resolved, strict=True):
        in_project = project_dir / os.path.expanduser(value)
        if not os.path.isabs(os.path.expanduser(value)) and not path.exists() and in_project.exists():
            shown = os.path.relpath(in_project)
            raise UsageError(f"{option} {value}: no such file in the current directory ({Path.cwd()}); paths on the command "
                             f"line are relative to it, as pip reads them: pass {option} {shown} for the project's file")


def resolve_settings(options: Options, project: Project, env: Mapping[str, str], table: object = None,
                     workspace_root: Path | None = None) -> Settings:
    """Merge the command line's ``options`` with the project's ``[tool.installdev]`` table (``table`` instead, when
    given: a workspace member's, merged with the workspace's, whose root is ``workspace_root``), then the defaults. The
    table's ``workspace`` key is bootstrap's ``[tool.installdev.workspace]``, not a setting of this venv; what the venv
    holds is ``venv_scope``'s."""
    origin = str(project.directory / "pyproject.toml")
    _refuse_empty_values(options)
    table = project.installdev_table if table is None else table
    if isinstance(table, dict):
        table = {key: value for key, value in table.items() if key != "workspace"}
    sources = _Sources(validate_tool_table(table, origin), Path.cwd(), project.directory)
    venv_value, venv_base = sources.pick(options.venv, "venv")
    venv = _absolute(venv_value, venv_base) if venv_value else project.directory / DEFAULT_VENV_NAME
    if venv_value and options.venv is None:
        check_venv_placement(venv, venv_value, project, workspace_root, origin)
    python, python_named = _python_setting(options.python, sources)
    lock_timeout = sources.value(options.lock_timeout, "lock-timeout")
    installer = _installer_name(sources.value(options.installer, "installer"), origin)
    locked, frozen = sources.value(options.locked, "locked"), sources.value(options.frozen, "frozen")
    if locked and frozen:
        raise UsageError("--locked and --frozen (or the settings locked and frozen) exclude each other: "
                         "--locked checks the lock against pyproject.toml, --frozen skips that check; pick one")
    prefix = resolve_flag_prefix(options.flag_prefix, env, sources.table.get("flag-prefix"))
    return Settings(
        project=project,
        venv=venv,
        python=python,
        selection=_selection(options, sources),
        requirements=sources.paths(options.requirements, "requirements", "-r"),
        constraints=sources.paths(options.constraints, "constraints", "-c"),
        build_constraints=sources.paths(options.build_constraints, "build-constraints", "--build-constraint"),
        flag_prefix=prefix,
        mode_request=requested_mode(options.link_mode, env, prefix),
        lock_timeout=DEFAULT_LOCK_TIMEOUT if lock_timeout is None else check_lock_timeout(lock_timeout, "--lock-timeout"),
        system_site_packages=bool(sources.value(options.system_site_packages, "system-site-packages")),
        installer=installer,
        seed_pip=sources.value(options.seed_pip, "seed-pip"),
        force=options.force,
        locked=bool(locked),
        frozen=bool(frozen),
        python_named=python_named,
        scope=venv_scope(project),
    )


def _refuse_empty_values(options: Options) -> None:
    for option, value in (("--venv", options.venv), ("--python", options.python), ("--flag-prefix", options.flag_prefix)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} is empty: give a value, or leave the option out for the default")


class _Sources(NamedTuple):
    """Where a setting comes from: the command line, whose paths are relative to ``cwd``, else the validated
    ``[tool.installdev]`` ``table``, whose paths are relative to ``project_dir``."""

    table: dict
    cwd: Path
    project_dir: Path

    def pick(self, given: Any, key: str) -> tuple[Any, Path]:
        """The value and the directory relative paths in it are relative to."""
        if given is not None and given != ():
            return given, self.cwd
        return self.table.get(key), self.project_dir

    def value(self, given: Any, key: str) -> Any:
        return self.pick(given, key)[0]

    def paths(self, given: tuple[str, ...], key: str, option: str) -> tuple[Path, ...]:
        values, base = self.pick(given, key)
        resolved = tuple(_absolute(value, base) for value in values or ())
        if given:
            _check_given_paths(option, given, resolved, self.project_dir)
        return resolved


def _selection(options: Options, sources: _Sources) -> SelectionFlags:
    """The selection flags, each from the command line, else from the table."""
    return SelectionFlags.of(
        extras=sources.value(options.extras, "extras") or (), all_extras=sources.value(options.all_extras, "all-extras"),
        groups=sources.value(options.groups, "groups") or (), all_groups=sources.value(options.all_groups, "all-groups"),
        no_groups=sources.value(options.no_groups, "no-groups") or (), no_dev=sources.value(options.no_dev, "no-dev"),
        no_default_groups=sources.value(options.no_default_groups, "no-default-groups"),
        only_groups=sources.value(options.only_groups, "only-groups") or ())


def _python_setting(given: str | None, sources: _Sources) -> tuple[str | None, str | None]:
    """The interpreter setting (a path made absolute, a bare name kept) and how messages name it."""
    python, base = sources.pick(given, "python")
    named = f"--python {python}" if given else f"[tool.installdev] python = {python!r}" if python else None
    if python and (os.sep in python or (os.altsep and os.altsep in python)):
        python = str(_absolute(python, base))
    return python, named


def _installer_name(value: str | None, origin: str) -> InstallerName:
    try:
        return InstallerName(value or InstallerName.AUTO)
    except ValueError:
        raise UsageError(f"{origin}: [tool.installdev] installer must be one of auto, pip, uv, not {value!r}") from None


def load_settings(options: Options, env: Mapping[str, str]) -> Settings:
    """The project at ``options.project_dir`` and its settings. Raises ProjectError or UsageError (a workspace root that
    is no project: it is bootstrap's)."""
    from installdev.errors import ProjectError
    from installdev.request.project.model import load_project

    directory = Path(os.path.abspath(options.project_dir))
    try:
        project = load_project(directory)
    except ProjectError:
        if (directory / "installdev.toml").is_file():  # only a workspace root holds one without a project beside it
            raise _workspace_root_error(directory, directory / "installdev.toml") from None
        raise
    table = project.installdev_table
    if isinstance(table, dict) and "workspace" in table and not _is_installable(project):
        raise _workspace_root_error(directory, project.pyproject_path)
    return resolve_settings(options, project, env)


def _is_installable(project: Project) -> bool:
    """Whether the directory declares something to install: a [project] or [tool.poetry] table, a uv workspace (whose
    root venv holds its members), a setup.py or setup.cfg."""
    tool = project.pyproject.get("tool", {})
    tool = tool if isinstance(tool, dict) else {}
    uv = tool.get("uv", {})
    return ("project" in project.pyproject or "poetry" in tool or (isinstance(uv, dict) and "workspace" in uv)
            or any((project.directory / name).is_file() for name in ("setup.py", "setup.cfg")))


def _workspace_root_error(directory: Path, origin: Path) -> UsageError:
    shown = os.path.relpath(directory)
    shown = str(directory) if shown.startswith("..") else shown
    return UsageError(f"{directory} is a workspace root ([tool.installdev.workspace] in {origin}), not a project: "
                      f"`installdev bootstrap {shown}` builds the venvs of its projects; for one of them, pass its "
                      "directory")
