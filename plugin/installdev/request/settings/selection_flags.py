"""The selection flags, in uv's words: which extras and groups go into the venv besides the project's default
development set, as ``uv sync`` reads the same flags (https://docs.astral.sh/uv/concepts/projects/dependencies/).

* ``--extra NAME`` (repeatable, or comma-separated) and ``--all-extras`` add extras to the default development set;
* ``--group NAME`` adds a group; ``--all-groups`` adds every group the project declares;
* ``--no-group NAME`` removes a group (it wins over ``--group`` and ``--all-groups``, as in uv); ``--no-dev`` removes
  the ``dev`` group, and when the default development set is not made of groups (a ``dev`` extra, a requirement file,
  a tox or hatch environment) it removes that set;
* ``--no-default-groups`` drops the default development set (the groups named with ``--group`` stay);
* ``--only-group NAME`` installs only that group: neither the default set nor the project itself, as in uv.

poetry and pdm projects read them the same way: their default groups are the defaults (``--group`` is poetry's
``--with``, ``--no-group`` its ``--without``, ``--only-group`` its ``--only``). ``[tool.installdev]`` takes the same
keys (``extras``, ``all-extras``, ``groups``, ``all-groups``, ``no-groups``, ``no-dev``, ``no-default-groups``,
``only-groups``); a key given on the command line replaces the table's. Pure: no file is read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from installdev.errors import UsageError
from installdev.request.project.tables import DEV, deduplicated, normalize_name


class SelectionFlags(NamedTuple):
    """The extras and groups asked for, names normalized. All empty: the project's default development set."""

    extras: tuple[str, ...] = ()
    all_extras: bool = False
    groups: tuple[str, ...] = ()
    all_groups: bool = False
    no_groups: tuple[str, ...] = ()
    no_dev: bool = False
    no_default_groups: bool = False
    only_groups: tuple[str, ...] = ()

    @classmethod
    def of(cls, extras: Iterable[str] = (), all_extras: bool = False, groups: Iterable[str] = (),
           all_groups: bool = False, no_groups: Iterable[str] = (), no_dev: bool = False,
           no_default_groups: bool = False, only_groups: Iterable[str] = ()) -> SelectionFlags:
        """The flags, names split at commas and normalized. Raises UsageError for flags that exclude each other."""
        flags = cls(_names(extras), bool(all_extras), _names(groups), bool(all_groups), _names(no_groups), bool(no_dev),
                    bool(no_default_groups), _names(only_groups))
        if flags.only_groups and (flags.extras or flags.all_extras):
            raise UsageError("--only-group installs the group alone, without the project, so --extra and --all-extras "
                             "cannot apply: drop one (use --no-default-groups --group NAME to keep the project)")
        return flags

    @property
    def is_default(self) -> bool:
        return self == SelectionFlags()

    @property
    def installs_project(self) -> bool:
        return not self.only_groups

    @property
    def keeps_default_set(self) -> bool:
        """Whether the default development set stays (before ``--no-group`` / ``--no-dev`` remove groups of it)."""
        return not (self.only_groups or self.no_default_groups)

    @property
    def removed_groups(self) -> tuple[str, ...]:
        return deduplicated([*self.no_groups, *((DEV,) if self.no_dev else ())])

    @property
    def named_groups(self) -> tuple[str, ...]:
        """Every group the flags name to install (each must be declared)."""
        return deduplicated([*self.only_groups, *self.groups])

    def chosen_groups(self, default: Iterable[str], declared: Iterable[str]) -> tuple[str, ...]:
        """The groups to install, given the ``default`` groups and every ``declared`` one, in that order."""
        chosen = [*(default if self.keeps_default_set else ()), *(declared if self.all_groups else ()), *self.named_groups]
        removed = set(self.removed_groups)
        return deduplicated(group for group in chosen if group not in removed)

    def chosen_extras(self, declared: tuple[str, ...] | None, directory: object) -> tuple[str, ...]:
        """The extras to install: ``--all-extras`` means every ``declared`` one (UsageError when only the build
        knows them: ``declared`` None), then ``--extra``."""
        if self.all_extras and declared is None:
            raise UsageError(f"--all-extras: only the build of {directory} knows its extras (they are dynamic): name them "
                             "with --extra NAME")
        return deduplicated([*((declared or ()) if self.all_extras else ()), *self.extras])

    def arguments(self) -> list[str]:
        """The flags as ``uv sync`` takes them (and a user types them), in a fixed order; empty for the default."""
        def each(flag: str, names: tuple[str, ...]) -> list[str]:
            return [word for name in names for word in (flag, name)]

        def switch(flag: str, on: bool) -> list[str]:
            return [flag] if on else []

        return [*each("--only-group", self.only_groups), *each("--group", self.groups),
                *switch("--all-groups", self.all_groups), *each("--no-group", self.no_groups),
                *switch("--no-dev", self.no_dev), *switch("--no-default-groups", self.no_default_groups),
                *each("--extra", self.extras), *switch("--all-extras", self.all_extras)]

    def describe(self) -> str:
        """The flags as a user would type them, e.g. ``--group lint --extra test``; empty for the default."""
        return " ".join(self.arguments())


def _names(values: Iterable[str]) -> tuple[str, ...]:
    return deduplicated(normalize_name(part.strip()) for value in values for part in value.split(",") if part.strip())
