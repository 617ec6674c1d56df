"""The project's own pin gives way to the editable project.

A pip-compiled development file often pins the project itself (aiohttp's ``requirements/dev.txt`` holds
``aiohttp==3.14.3`` while the checkout is 4.0.0a2): installed beside ``-e .``, the pin fails to resolve, or pip installs
the release over the checkout. Before the installer runs, every requirement and constraint file of the install (and
every file they include with ``-r``/``-c``) is read for lines that name the project: a named requirement whose
normalized name is the project's, with any specifier, markers, extras or direct reference. When there are any, the
installer gets private copies without those lines (``installdev.actions.requirements_copy``), removed afterwards, and
each dropped line is named in one progress line. A hash-checked file stays hash-checked: only the project's line goes.

A dropped requirement's extras (``aiohttp[speedups]==3.14.3``) are added to the editable install when the same
installer run installs the project and the line's marker, if any, holds for the venv's Python; where the project is
installed in a run of its own (from a lock, before the ``-r`` files), the line says they are not added. Constraint
lines only drop: a constraint installs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.actions.requirements_copy import DroppedLine, copy_requirement_files
from installdev.request.project.tables import normalize_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from installdev.actions.installer import InstallSpec
    from installdev.report import Reporter


def own_requirement(line: str, name: str) -> Requirement | None:
    """The requirement a logical requirement-file line states when it names the project ``name`` (normalized), else
    None (options, paths, URLs, other names, lines that are no valid requirement)."""
    from packaging.requirements import InvalidRequirement, Requirement

    if line.startswith("-"):
        return None
    try:
        requirement = Requirement(_requirement_text(line))
    except InvalidRequirement:
        return None
    return requirement if normalize_name(requirement.name) == name else None


def _requirement_text(line: str) -> str:
    """A requirement line without its options (``--hash ...``), split as pip splits it: at the first word that starts
    with ``-``."""
    words = []
    for word in line.split():
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(words)


class OwnPin(NamedTuple):
    """A dropped line naming the project: its file, its requirement as written (options left out), the extras it
    asks for (none when its marker does not hold or it is a constraint), and whether the same installer run installs
    the project, so that they join the editable install."""

    file: Path
    requirement: str
    extras: tuple[str, ...]
    with_project: bool

    def message(self, project_dir: Path) -> str:
        where = _shown(self.file, project_dir)
        line = f"{where} pins {self.requirement}, the project itself: the editable checkout is installed instead"
        if not self.extras:
            return line
        if self.with_project:
            return f"{line}, with its extras {', '.join(self.extras)}"
        return f"{line}; its extras {', '.join(self.extras)} are not added (the project is installed in a step of its own)"


def _shown(path: Path, project_dir: Path) -> str:
    """``path`` relative to the project directory when it is inside it, else as it is."""
    for base in (project_dir, project_dir.resolve()):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)


def _own_pin(dropped: DroppedLine, name: str, python: tuple[int, int, int], with_project: bool) -> OwnPin:
    requirement = own_requirement(dropped.line, name)
    assert requirement is not None  # the line was dropped for naming the project
    applies = requirement.marker is None or requirement.marker.evaluate(
        {"python_version": f"{python[0]}.{python[1]}", "python_full_version": ".".join(map(str, python)), "extra": ""})
    extras = tuple(sorted(requirement.extras)) if applies and not dropped.constraint_only else ()
    return OwnPin(dropped.file, _requirement_text(dropped.line), extras, with_project)


@contextmanager
def own_pins_dropped(spec: InstallSpec, python: tuple[int, int, int], reporter: Reporter) -> Iterator[InstallSpec]:
    """``spec`` with its requirement and constraint files replaced by copies without the project's own pins, and
    their extras added to the editable install (see the module); ``spec`` itself when no file pins the project or its
    name is not known. The copies are removed on exit. Raises ProjectError for a file that cannot be read."""
    name = spec.project_name
    if not name or not (spec.requirement_files or spec.constraint_files):
        yield spec
        return
    copies = copy_requirement_files(spec.requirement_files, spec.constraint_files,
                                    lambda line: own_requirement(line, name) is not None, spec.project_dir)
    try:
        if not copies.dropped:
            yield spec
            return
        pins = [_own_pin(dropped, name, python, spec.editable_project) for dropped in copies.dropped]
        for pin in pins:
            reporter.info(pin.message(spec.project_dir))
        extras = (*spec.extras, *(extra for pin in pins for extra in pin.extras if pin.with_project))
        yield spec._replace(extras=tuple(dict.fromkeys(extras)),
                            requirement_files=tuple(copies.copies[path] for path in spec.requirement_files),
                            constraint_files=tuple(copies.copies[path] for path in spec.constraint_files))
    finally:
        copies.remove()
