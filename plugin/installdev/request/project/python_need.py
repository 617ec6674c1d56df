"""What the development set needs of the interpreter beyond what the project accepts: the Python a requirement's
versions declare (``Requires-Python``), as the installer reported it when it could not install them.

A need is read from the installer's output (``installdev.actions.needed_python``) and remembered in the stamp
(``to_json``/``from_json``), so that a rebuild starts on an interpreter that has it.
"""

from __future__ import annotations

from typing import NamedTuple

from installdev.request.project.python_specifier import PythonSpecifier


class NeededBy(NamedTuple):
    """One version of a requirement and the Pythons it accepts: ``newtool``, ``1.0`` (None when unsaid), ``>=3.12``."""

    requirement: str
    version: str | None
    specifier: PythonSpecifier

    @property
    def written(self) -> str:
        """The specifier as the installer wrote it, clauses separated by ", ": ``>=3.12, <3.14``."""
        return ", ".join(part.strip() for part in self.specifier.text.split(",") if part.strip())

    @property
    def named(self) -> str:
        return f"{self.requirement} {self.version}" if self.version else self.requirement


class PythonNeed(NamedTuple):
    """The Pythons the development set can be installed on: for each requirement named, some of its versions' own
    ``Requires-Python`` must hold (any one of a requirement's versions will do; every requirement must be met)."""

    needed_by: tuple[NeededBy, ...]

    def admits(self, version: tuple[int, ...]) -> bool:
        """Whether the final release ``version`` (e.g. ``(3, 12, 1)``) can install every requirement named."""
        return all(any(entry.specifier.contains(tuple(version)) for entry in entries) for entries in self._by_requirement())

    def may_admit(self, releases: list[tuple[int, ...]]) -> bool:
        """Whether one of ``releases`` (the releases an interpreter's name may stand for) is admitted."""
        return any(self.admits(release) for release in releases)

    @property
    def described(self) -> str:
        """E.g. ``Python >=3.12 (newtool 1.0 requires it)``; one entry per requirement, the most lenient of its versions."""
        shown = [min(entries, key=_oldest_admitted) for entries in self._by_requirement()]
        return " and ".join(f"Python {entry.written} ({entry.named} requires it)" for entry in shown)

    @property
    def sentence(self) -> str:
        """E.g. ``a requirement needs Python >=3.12 (newtool 1.0 requires it)``."""
        return ("a requirement needs " if len(self._by_requirement()) == 1 else "requirements need ") + self.described

    def to_json(self) -> list[list]:
        return [[entry.requirement, entry.version, entry.written] for entry in self.needed_by]

    @classmethod
    def from_json(cls, document: object) -> PythonNeed | None:
        """The need a stamp recorded; None when ``document`` is not one (an older stamp, or a damaged one)."""
        if not isinstance(document, list) or not document:
            return None
        entries = []
        for item in document:
            if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                    and isinstance(item[1], (str, type(None))) and isinstance(item[2], str)):
                return None
            try:
                entries.append(NeededBy(item[0], item[1], PythonSpecifier(item[2])))
            except ValueError:
                return None
        return cls(tuple(entries))

    def _by_requirement(self) -> list[list[NeededBy]]:
        groups: dict[str, list[NeededBy]] = {}
        for entry in self.needed_by:
            groups.setdefault(entry.requirement.lower().replace("_", "-"), []).append(entry)
        return list(groups.values())


def _oldest_admitted(entry: NeededBy) -> tuple[int, ...]:
    """The oldest 3.X that ``entry`` admits, to show the most lenient version of a requirement; (99,) when none does."""
    return next(((3, minor) for minor in range(0, 100) if entry.specifier.contains((3, minor, 99))), (99,))
