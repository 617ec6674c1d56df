"""What goes into the venv besides the project: the project's default development set (its own declarations, in the
order ``Declarations.dev_sources`` documents) changed by the selection flags as ``uv sync`` changes its default
(``installdev.request.settings.selection_flags``), with the reason. Requirement files given with ``-r`` are always
installed too; when the project declares nothing, they, and what the flags name, are the development set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.declarations import GROUP_KINDS, DevSources, NoDevelopmentDeclared
from installdev.request.project.tables import deduplicated, listing

if TYPE_CHECKING:
    from installdev.request.project.declarations import Declarations
    from installdev.request.settings.resolve import Settings
    from installdev.request.settings.selection_flags import SelectionFlags


class DevelopmentSet(NamedTuple):
    """``extras`` go with the project (``-e .[extras]``); ``requirement_lines`` are resolved requirement lines (of
    groups, or of a tox or hatch environment); ``requirement_files`` are read by the installer. ``unverified_extras``
    are extras only the build declares: the installed metadata must list them (else ``fallback``, when the
    project has one, or an error). ``guessed_extras`` are those of them that are only the default set's guess (a
    ``dev`` extra the build may declare): when the build lacks them, what else was asked for still makes a development
    set. ``dependency_groups`` names the PEP 735 groups when ``requirement_lines`` are
    exactly theirs: uv installs those by name, so ``[tool.uv.sources]`` applies to them as in ``uv sync`` (pip, which
    does not read it, gets the lines). ``installs_project`` False: ``--only-group``, the group alone."""

    extras: tuple[str, ...]
    requirement_lines: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    reason: str
    unverified_extras: tuple[str, ...] = ()
    fallback: DevSources | None = None
    dependency_groups: tuple[str, ...] = ()
    installs_project: bool = True
    guessed_extras: tuple[str, ...] = ()
    constraint_files: tuple[Path, ...] = ()  # a tox environment's -c files
    notes: tuple[str, ...] = ()  # what a tox or hatch environment's reader left out, and why


def _with_files(files: tuple[Path, ...], more: tuple[Path, ...]) -> tuple[Path, ...]:
    known = {path.resolve() for path in files}
    return (*files, *(path for path in more if path.resolve() not in known))


def _files_phrase(files: tuple[Path, ...]) -> str:
    return f"; plus {', '.join(path.name for path in files)} (-r)" if files else ""


def _default_sources(declarations: Declarations, flags: SelectionFlags, files: tuple[Path, ...]) -> DevSources | None:
    """The project's default development set, when the flags keep it; None when they drop it or when the project
    declares none and the flags or ``-r`` files name something else. Raises NoDevelopmentDeclared otherwise."""
    if not flags.keeps_default_set:
        return None
    try:
        sources = declarations.dev_sources
    except NoDevelopmentDeclared:
        if files or flags.named_groups or flags.all_groups or flags.extras or flags.all_extras:
            return None
        raise
    if sources.kind not in GROUP_KINDS and flags.no_dev:
        return None
    return sources


def development_set(settings: Settings) -> DevelopmentSet:
    """The development set for ``settings``. Raises ProjectError (invalid declarations, nothing declared, an unknown
    extra or group) or UsageError (``--all-extras`` where only the build knows the extras)."""
    declarations, flags, files = settings.project.declarations, settings.selection, settings.requirements
    declarations.check_groups((*flags.named_groups, *flags.no_groups))
    declared_extras = declarations.check_extras(flags.extras)
    sources = _default_sources(declarations, flags, files)
    grouped = sources is not None and sources.kind in GROUP_KINDS
    groups = flags.chosen_groups(sources.names if grouped else (), declarations.declared_groups)
    extras = deduplicated([*(sources.extras if sources else ()), *flags.chosen_extras(declared_extras, settings.project.directory)])
    lines = declarations.resolve_groups(groups)
    if sources is not None and not grouped:
        lines = deduplicated([*sources.requirements, *lines])
    by_name = declarations.dependency_group_names(groups) if not (sources and sources.requirements and not grouped) else ()
    unverified = extras if declared_extras is None else ()
    fallback = sources.fallback if sources else None
    guessed = sources.extras if sources and not sources.confirmed else ()
    return DevelopmentSet(extras, lines, _with_files(files, sources.requirement_files if sources else ()),
                          _reason(sources, flags, groups, files), unverified, fallback, by_name, flags.installs_project,
                          guessed, sources.constraint_files if sources else (), sources.notes if sources else ())


def plainest_request(settings: Settings) -> tuple[SelectionFlags, tuple[Path, ...]]:
    """The selection flags and ``-r`` files without what the default development set holds anyway: a ``-r`` of the
    requirement file the convention picks (Gradle, Make and bootstrap name it), a ``--extra dev`` where the ``dev``
    extra is the default, a ``--group`` of a default group. These give the venv the plain request gives, so the stamp
    records them alike. Only without a lock: a lock's tool has defaults of its own (``uv sync`` installs no ``dev``
    extra), and a ``dev`` extra only the build may declare is not the same as one asked for (only the guess has a
    fallback)."""
    flags, files = settings.selection, settings.requirements
    if settings.scope.all_packages:
        return flags, files
    try:
        sources = None if settings.project.lock else _default_sources(settings.project.declarations, flags, files)
    except ProjectError:  # the plan reports it
        return flags, files
    if sources is None:
        return flags, files
    default_groups = set(sources.names if sources.kind in GROUP_KINDS else ()) - set(flags.removed_groups)
    default_extras = set(sources.extras if sources.confirmed else ())
    default_files = {path.resolve() for path in sources.requirement_files}
    plain_flags = flags._replace(groups=tuple(group for group in flags.groups if group not in default_groups),
                                 extras=tuple(extra for extra in flags.extras if extra not in default_extras))
    return plain_flags, tuple(path for path in files if path.resolve() not in default_files)


def _reason(sources: DevSources | None, flags: SelectionFlags, groups: tuple[str, ...], files: tuple[Path, ...]) -> str:
    """Why this set: the default one's reason, then the flags that changed it and the groups it ends with."""
    if flags.is_default:
        reason = sources.reason if sources else "the requirement files given (the project declares no development set)"
        return reason + (_files_phrase(files) if sources else "")
    parts = [sources.reason] if sources else []
    parts.append(f"asked for: {flags.describe()}")
    if not flags.installs_project:
        parts.append("the group alone, without the project")
    elif groups or sources is None:
        parts.append(f"groups {listing(groups)}" if groups else "the project alone")
    return "; ".join(parts) + _files_phrase(files)
