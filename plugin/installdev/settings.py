"""Settings for one venv: the command line wins over ``[tool.installdev]`` in pyproject.toml.

Paths on the command line are relative to the current directory; paths in pyproject.toml are
relative to the project directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from installdev.envflags import ModeRequest, requested_mode, resolve_flag_prefix
from installdev.errors import UsageError
from installdev.project import Project

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_VENV_NAME = "venv"
DEFAULT_EXTRAS = ("dev",)
DEFAULT_LOCK_TIMEOUT = 900.0

# [tool.installdev] key -> (accepted types, description for the error message)
_SETTING_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "venv": ((str,), "a path string"),
    "python": ((str,), "an interpreter path or name"),
    "extras": ((list, str), "a list of extra names"),
    "requirements": ((list,), "a list of requirement file paths"),
    "constraints": ((list,), "a list of constraint file paths"),
    "flag-prefix": ((str,), "a variable prefix such as DATAHUB"),
    "lock-timeout": ((int, float), "a number of seconds"),
    "system-site-packages": ((bool,), "true or false"),
    "installer": ((str,), "one of auto, pip, uv"),
    "seed-pip": ((bool,), "true or false"),
}
INSTALLERS = ("auto", "pip", "uv")


class Settings(NamedTuple):
    project: Project
    venv: Path
    python: str
    extras: tuple[str, ...]
    requirements: tuple[Path, ...]
    constraints: tuple[Path, ...]
    flag_prefix: str
    mode_request: ModeRequest
    lock_timeout: float
    system_site_packages: bool
    installer: str = "auto"
    seed_pip: bool | None = None  # None: seed pip when pip installs
    force: bool = False


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
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise UsageError(f"{origin}: [tool.installdev] {key} must be {description}, not {value!r}")
    return table


def parse_extras(value: str | list[str]) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


def _absolute(path: str | Path, base: Path) -> Path:
    return Path(os.path.abspath(base / os.path.expanduser(str(path))))


def resolve_settings(args: Any, project: Project, env: Mapping[str, str]) -> Settings:
    """Merge command-line ``args`` (an argparse namespace) with the project's ``[tool.installdev]`` table.

    An option a subcommand does not have counts as not given.
    """
    origin = str(project.directory / "pyproject.toml")
    table = validate_tool_table(project.tool_settings, origin)
    cwd = Path.cwd()

    def pick(option: str, key: str) -> tuple[Any, Path]:
        """The value and the directory relative paths in it are relative to."""
        cli_value = getattr(args, option, None)
        if cli_value is not None and cli_value != []:
            return cli_value, cwd
        return table.get(key), project.directory

    venv_value, venv_base = pick("venv", "venv")
    venv = _absolute(venv_value, venv_base) if venv_value else project.directory / DEFAULT_VENV_NAME

    extras_value, _ = pick("extras", "extras")
    extras = parse_extras(extras_value) if extras_value is not None else DEFAULT_EXTRAS

    def paths(option: str, key: str) -> tuple[Path, ...]:
        values, base = pick(option, key)
        return tuple(_absolute(value, base) for value in values or ())

    python_value, python_base = pick("python", "python")
    python = python_value or sys.executable
    if os.sep in python or (os.altsep and os.altsep in python):
        python = str(_absolute(python, python_base))

    lock_timeout, _ = pick("lock_timeout", "lock-timeout")
    system_site, _ = pick("system_site_packages", "system-site-packages")
    installer, _ = pick("installer", "installer")
    if installer is not None and installer not in INSTALLERS:
        raise UsageError(f"{origin}: [tool.installdev] installer must be one of auto, pip, uv, not {installer!r}")
    seed_pip, _ = pick("seed_pip", "seed-pip")
    prefix = resolve_flag_prefix(getattr(args, "flag_prefix", None), env, table.get("flag-prefix"))
    return Settings(
        project=project,
        venv=venv,
        python=python,
        extras=extras,
        requirements=paths("requirement", "requirements"),
        constraints=paths("constraint", "constraints"),
        flag_prefix=prefix,
        mode_request=requested_mode(getattr(args, "link_mode", None), env, prefix),
        lock_timeout=DEFAULT_LOCK_TIMEOUT if lock_timeout is None else float(lock_timeout),
        system_site_packages=bool(system_site),
        installer=installer or "auto",
        seed_pip=seed_pip,
        force=bool(getattr(args, "force", False)),
    )
