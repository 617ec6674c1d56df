"""A PEP 440 version specifier that interpreter versions are checked against: ``requires-python``, a ``.python-version``
range.

Interpreter versions are final releases (``3.12.1``), so a specifier whose clauses hold release numbers only (``>=3.10``,
``<4``, ``~=3.11``, ``==3.12.*``, ``!=3.13.0``, the commonest by far) is evaluated here by PEP 440's rules for final
releases: numbers compared after padding with zeros, ``.*`` a prefix match, ``~=V`` as ``>=V, ==V-without-its-last.*``.
That keeps packaging off the build path (importing ``packaging.specifiers`` costs about 25 ms, most of installdev's own
time in a locked build). Any other specifier (pre-, post-, dev- or local versions, epochs, ``===``, or text that is not a
specifier at all) is parsed and evaluated by packaging itself. ``tests/test_python_specifier.py`` checks that both give
the same answers.
"""

from __future__ import annotations

import re

_CLAUSE = re.compile(r"\s*(?P<operator>~=|==|!=|<=|>=|<|>)\s*(?P<release>\d+(?:\.\d+)*)(?P<wildcard>\.\*)?\s*")


class PythonSpecifier:
    """A specifier such as ``>=3.10,<4``; raises ValueError (packaging's InvalidSpecifier) for text that is not one."""

    __slots__ = ("_clauses", "_packaging", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._clauses = _release_clauses(text)
        self._packaging = None
        if self._clauses is None:
            from packaging.specifiers import SpecifierSet

            self._packaging = SpecifierSet(text)

    def contains(self, version: tuple[int, ...]) -> bool:
        """Whether the final release ``version`` (e.g. ``(3, 12, 1)``) satisfies the specifier."""
        if self._packaging is not None:
            from packaging.version import Version

            return self._packaging.contains(Version(".".join(map(str, version))), prereleases=True)
        return all(_holds(operator, release, wildcard, tuple(version)) for operator, release, wildcard in self._clauses)

    def __str__(self) -> str:
        """Normalized as packaging writes a specifier set: clauses without spaces, sorted, joined by commas."""
        if self._packaging is not None:
            return str(self._packaging)
        return ",".join(sorted({"".join(part.split()) for part in self.text.split(",") if part.strip()}))

    def __repr__(self) -> str:
        return f"PythonSpecifier({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PythonSpecifier) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def _release_clauses(text: str) -> tuple[tuple[str, tuple[int, ...], bool], ...] | None:
    """The clauses of ``text`` when each is an operator and release numbers (``.*`` after ``==``/``!=`` only, ``~=`` with
    at least two numbers); None when any is something else, for packaging to read."""
    clauses = []
    for part in text.split(","):
        if not part.strip():
            continue  # packaging skips empty clauses too
        match = _CLAUSE.fullmatch(part)
        if match is None:
            return None
        operator, release, wildcard = match["operator"], tuple(int(n) for n in match["release"].split(".")), bool(match["wildcard"])
        if (wildcard and operator not in ("==", "!=")) or (operator == "~=" and len(release) < 2):
            return None  # invalid: packaging says why
        clauses.append((operator, release, wildcard))
    return tuple(clauses)


def _padded(first: tuple[int, ...], second: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(first), len(second))
    return first + (0,) * (width - len(first)), second + (0,) * (width - len(second))


def _holds(operator: str, release: tuple[int, ...], wildcard: bool, version: tuple[int, ...]) -> bool:
    if operator in ("==", "!="):
        if wildcard:
            equal = _padded(version, release)[0][: len(release)] == release
        else:
            left, right = _padded(version, release)
            equal = left == right
        return equal if operator == "==" else not equal
    if operator == "~=":
        prefix = release[:-1]
        left, right = _padded(version, release)
        return left >= right and _padded(version, prefix)[0][: len(prefix)] == prefix
    left, right = _padded(version, release)
    return {"<=": left <= right, ">=": left >= right, "<": left < right, ">": left > right}[operator]
