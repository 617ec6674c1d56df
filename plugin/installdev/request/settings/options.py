"""What the command line (or a caller such as ``bootstrap``) asked for, typed, before any defaults.

``None`` (or an empty tuple) means "not given": the project's ``[tool.installdev]`` table, then
installdev's default, decides. Relative paths here are relative to the current directory.
"""

from __future__ import annotations

from typing import NamedTuple

from installdev.vocabulary import InstallerName, LinkMode


class Options(NamedTuple):
    project_dir: str = "."
    venv: str | None = None
    python: str | None = None
    extras: tuple[str, ...] = ()  # the selection flags (installdev.request.settings.selection_flags)
    all_extras: bool | None = None
    groups: tuple[str, ...] = ()
    all_groups: bool | None = None
    no_groups: tuple[str, ...] = ()
    no_dev: bool | None = None
    no_default_groups: bool | None = None
    only_groups: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    build_constraints: tuple[str, ...] = ()
    link_mode: LinkMode | None = None
    system_site_packages: bool | None = None
    flag_prefix: str | None = None
    installer: InstallerName | None = None
    seed_pip: bool | None = None
    lock_timeout: float | None = None
    force: bool = False
    locked: bool | None = None  # fail when the lock is out of date with pyproject.toml
    frozen: bool | None = None  # install the lock as it is, without checking it
