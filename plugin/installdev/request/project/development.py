"""What goes into the venv besides the project: the development set, from the user's choice or the project's own
declarations (``installdev.request.project.declarations``), with the reason it was chosen.

Explicit choices win: ``--extras`` / ``--group`` (or ``extras`` / ``groups`` in ``[tool.installdev]``) install exactly
those; ``--no-default-groups`` installs the project alone. Otherwise the project's own declarations decide, in the
order ``Declarations.dev_sources`` documents. Requirement files given with ``-r`` are always installed too; when the project
declares nothing, they alone are the development set.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.request.project.declarations import DevSourceKind, NoDevelopmentDeclared

if TYPE_CHECKING:
    from installdev.request.settings.resolve import Settings


class DevelopmentSet(NamedTuple):
    """``extras`` go with the project (``-e .[extras]``); ``requirement_lines`` are resolved dependency-group lines;
    ``requirement_files`` are read by the installer. ``unverified_extras`` are extras only the build declares: the
    installed metadata must list them (else ``fallback_file``, when the project has one, or an error).
    ``dependency_groups`` names the PEP 735 groups when ``requirement_lines`` are exactly theirs: uv installs those by
    name, so ``[tool.uv.sources]`` applies to them as in ``uv sync`` (pip, which does not read it, gets the lines)."""

    extras: tuple[str, ...]
    requirement_lines: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    reason: str
    unverified_extras: tuple[str, ...] = ()
    fallback_file: Path | None = None
    dependency_groups: tuple[str, ...] = ()


def _with_file(files: tuple[Path, ...], extra: Path) -> tuple[Path, ...]:
    return files if any(path.resolve() == extra.resolve() for path in files) else (*files, extra)


def _files_phrase(files: tuple[Path, ...]) -> str:
    return f"; plus {', '.join(path.name for path in files)} (-r)" if files else ""


def _explicit(settings: Settings) -> DevelopmentSet:
    declarations = settings.project.declarations
    extras = settings.extras or ()
    declared = declarations.check_extras(extras)
    lines = declarations.resolve_groups(settings.groups) if settings.groups else ()
    groups = declarations.dependency_group_names(settings.groups) if settings.groups else ()
    chosen = [f"extras {', '.join(extras)}"] if extras else []
    chosen += [f"groups {', '.join(settings.groups)}"] if settings.groups else []
    reason = f"asked for: {'; '.join(chosen)}" if chosen else "asked for the project alone (--extras '')"
    return DevelopmentSet(extras, lines, settings.requirements, reason + _files_phrase(settings.requirements),
                          unverified_extras=extras if declared is None else (), dependency_groups=groups)


def development_set(settings: Settings) -> DevelopmentSet:
    """The development set for ``settings``. Raises ProjectError (invalid declarations, nothing declared, unknown
    extra or group)."""
    declarations = settings.project.declarations
    files = settings.requirements
    if settings.extras is not None or settings.groups:
        return _explicit(settings)
    if settings.no_default_groups:
        return DevelopmentSet((), (), files, "--no-default-groups: the project alone" + _files_phrase(files))
    try:
        sources = declarations.dev_sources
    except NoDevelopmentDeclared:
        if not files:
            raise
        return DevelopmentSet((), (), files, "the requirement files given (the project declares no development set)")
    reason = sources.reason + _files_phrase(files)
    if sources.kind == DevSourceKind.DEPENDENCY_GROUPS:
        return DevelopmentSet((), sources.requirements, files, reason, dependency_groups=sources.names)
    if sources.kind in (DevSourceKind.POETRY_GROUPS, DevSourceKind.PDM_GROUPS):
        return DevelopmentSet((), sources.requirements, files, reason)
    if sources.kind == DevSourceKind.REQUIREMENT_FILE:
        return DevelopmentSet((), (), _with_file(files, sources.requirement_file), reason)
    fallback = sources.fallback.requirement_file if sources.fallback else None
    return DevelopmentSet(sources.names, (), files, reason, () if sources.confirmed else sources.names, fallback)
