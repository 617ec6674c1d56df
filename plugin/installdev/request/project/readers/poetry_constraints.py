"""Poetry's version-constraint syntax in PEP 508 terms, meaning what it means to poetry: the constraint grammar (``^``,
``~``, ``*``, wildcards, ranges, ``||``) as PEP 440 specifiers, and ``python`` and ``platform`` restrictions as
environment markers. ProjectError for a constraint poetry would not read or no specifier can express."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.tables import pyproject_path

# Poetry's constraint grammar (python-poetry.org/docs/dependency-specification), PEP 440 versions inside it.
_VERSION = (r"v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
            r"(?P<pre>[-_.]?(?P<phase>alpha|beta|preview|pre|rc|a|b|c)[-_.]?\d*)?"
            r"(?P<post>-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?"
            r"(?P<dev>[-_.]?dev[-_.]?\d*)?"
            r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?")
_VERSION_RE = re.compile(_VERSION, re.IGNORECASE)
_ANY = re.compile(r"v?[xX*](?:\.[xX*])*")
_CARET_OR_TILDE = re.compile(rf"(?P<op>\^|~=|~)\s*(?P<version>{_VERSION})", re.IGNORECASE)
_WILDCARD = re.compile(rf"(?P<op><>|!=|>=|<=|==|[<>=])?\s*(?P<version>{_VERSION})(?:\.\*)+", re.IGNORECASE)
_COMPARISON = re.compile(rf"(?P<op><>|!=|>=|<=|==|[<>=])?\s*(?P<version>{_VERSION})", re.IGNORECASE)
_LONE_OPERATOR = re.compile(r"<>|!=|~=|>=|<=|==|[<>=^~]")
_OR = re.compile(r"\s*\|\|?\s*")
_PHASE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1}  # c, rc, pre and preview all mean a release candidate

_Clause = tuple[str, str]  # (PEP 440 operator, version)


class _Unreadable(ValueError):
    """Not a poetry version constraint."""


class _NoUnionSpecifier(ValueError):
    """``||`` alternatives whose union no PEP 440 specifier expresses."""


def _release(version: str) -> tuple[str, list[int]]:
    """The epoch prefix ("" or "N!") and the release numbers of a version."""
    match = _VERSION_RE.fullmatch(version)
    assert match is not None
    return (f"{match['epoch']}!" if match["epoch"] else ""), [int(part) for part in match["release"].split(".")]


def _bumped(version: str, index: int) -> str:
    """The release with part ``index`` incremented and the later parts zeroed, keeping its precision (poetry's rule)."""
    epoch, release = _release(version)
    release += [0] * (index + 1 - len(release))
    release = [*release[:index], release[index] + 1, *[0] * (len(release) - index - 1)]
    return epoch + ".".join(map(str, release))


def _operator(written: str | None) -> str:
    return {"=": "==", "<>": "!="}.get(written, written) if written else "=="


def _unprefixed(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") else version


def _clauses(token: str) -> list[_Clause]:
    """One poetry constraint (no commas, spaces or ``||``) as PEP 440 clauses; [] for any version."""
    if _ANY.fullmatch(token):
        return []
    if match := _CARET_OR_TILDE.fullmatch(token):
        operator, version = match["op"], _unprefixed(match["version"])
        release = _release(version)[1]
        if operator == "^":  # bump the left-most non-zero part among those written
            index = 0 if release[0] or len(release) == 1 else 1 if release[1] or len(release) == 2 else 2
        elif operator == "~":
            index = 0 if len(release) == 1 else 1
        elif len(release) in (2, 3):
            return [("~=", version)]  # PEP 440 agrees with poetry for these precisions only
        else:
            index = 1
        return [(">=", version), ("<", _bumped(version, index))]
    if match := _WILDCARD.fullmatch(token):
        operator, version = _operator(match["op"]), _unprefixed(match["version"])
        if operator in ("==", "!="):
            return [(operator, version + ".*")]
        return [(operator, version)]  # poetry ignores a wildcard after an ordering operator
    if match := _COMPARISON.fullmatch(token):
        return [(_operator(match["op"]), _unprefixed(match["version"]))]
    raise _Unreadable(token)


def _alternatives(constraint: str) -> list[list[_Clause]]:
    """A poetry constraint as ``||`` alternatives, each a list of clauses that all apply (commas or spaces)."""
    alternatives = []
    for alternative in _OR.split(constraint.strip()):
        clauses: list[_Clause] = []
        operator = ""
        for piece in re.split(r"[\s,]+", alternative):
            if _LONE_OPERATOR.fullmatch(piece):
                operator += piece  # ">= 1.2" and "^ 1.2" are one constraint
            elif piece:
                clauses.extend(_clauses(operator + piece))
                operator = ""
        if operator:
            raise _Unreadable(operator)
        alternatives.append(clauses)
    return alternatives


class _Bound(NamedTuple):
    key: tuple
    version: str
    inclusive: bool


def _version_key(version: str) -> tuple:
    """A key that orders versions as PEP 440 does (local labels ignored)."""
    match = _VERSION_RE.fullmatch(version)
    assert match is not None
    release = [int(part) for part in match["release"].split(".")]
    while release and release[-1] == 0:
        release.pop()

    def number(text: str) -> int:
        return int(re.sub(r"\D", "", text) or 0)

    if match["pre"]:
        pre: tuple = (1, _PHASE_RANK.get(match["phase"].lower(), 2), number(match["pre"]))
    else:
        pre = (-1,) if match["dev"] and not match["post"] else (2,)
    post = (0, number(match["post"])) if match["post"] else (-1,)
    dev = (0, number(match["dev"])) if match["dev"] else (1,)
    return int(match["epoch"] or 0), tuple(release), pre, post, dev


def _interval(clauses: list[_Clause]) -> tuple[_Bound | None, _Bound | None] | None:
    """The version interval all clauses allow, as (lower, upper) with None for unbounded; None if it is no interval."""
    lower: _Bound | None = None
    upper: _Bound | None = None
    for operator, version in clauses:
        if operator == "~=":
            bounds = [(">=", version), ("<", _bumped(version, len(_release(version)[1]) - 2))]
        elif operator == "==" and version.endswith(".*"):
            base = version[:-2]
            bounds = [(">=", base), ("<", _bumped(base, len(_release(base)[1]) - 1))]
        elif operator == "==":
            bounds = [(">=", version), ("<=", version)]
        elif operator in (">=", ">", "<", "<="):
            bounds = [(operator, version)]
        else:
            return None
        for bound_operator, bound_version in bounds:
            bound = _Bound(_version_key(bound_version), bound_version, "=" in bound_operator)
            if bound_operator.startswith(">"):
                if lower is None or (bound.key, not bound.inclusive) > (lower.key, not lower.inclusive):
                    lower = bound
            elif upper is None or (bound.key, bound.inclusive) < (upper.key, upper.inclusive):
                upper = bound
    return lower, upper


def _union_specifier(alternatives: list[list[_Clause]]) -> str:
    """The PEP 440 specifier allowing exactly the union of the alternatives; _NoUnionSpecifier if there is none.

    Expressible unions are one interval, possibly with single versions cut out of it (``<1.2 || >1.2`` is ``!=1.2``).
    """
    if any(not clauses for clauses in alternatives):
        return ""
    intervals = []
    for clauses in alternatives:
        interval = _interval(clauses)
        if interval is None:
            raise _NoUnionSpecifier
        lower, upper = interval
        if lower and upper and (lower.key > upper.key or (lower.key == upper.key and not (lower.inclusive and upper.inclusive))):
            continue  # allows no version
        intervals.append(interval)
    if not intervals:
        raise _NoUnionSpecifier
    intervals.sort(key=lambda interval: (0,) if interval[0] is None else (1, interval[0].key, not interval[0].inclusive))
    merged: list[list[_Bound | None]] = []
    excluded: list[str] = []
    for lower, upper in intervals:
        if merged:
            previous_upper = merged[-1][1]
            if previous_upper is None:
                continue
            touching = lower is None or lower.key < previous_upper.key or (
                lower.key == previous_upper.key and (lower.inclusive or previous_upper.inclusive))
            if touching:
                if upper is None or (upper.key, upper.inclusive) > (previous_upper.key, previous_upper.inclusive):
                    merged[-1][1] = upper
                continue
            if lower.key != previous_upper.key:
                raise _NoUnionSpecifier
            excluded.append(previous_upper.version)
        merged.append([lower, upper])
    lower, upper = merged[0][0], merged[-1][1]
    if lower and upper and lower.key == upper.key:
        return f"=={lower.version}"
    clauses = [(">=" if lower.inclusive else ">") + lower.version] if lower else []
    clauses += [f"!={version}" for version in excluded]
    clauses += [("<=" if upper.inclusive else "<") + upper.version] if upper else []
    return ",".join(clauses)


_NOT_A_CONSTRAINT = "which is no poetry version constraint"
_NO_UNION_SPECIFIER = "whose || alternatives no PEP 440 specifier can express"


def _unreadable_constraint(directory: Path, dependency: str, key: str, constraint: str, problem: str) -> ProjectError:
    return ProjectError(f"{pyproject_path(directory)}: poetry dependency {dependency!r} has {key} {constraint!r}, {problem}: "
                        "rewrite it as one PEP 440 range (such as '>=1.2,<3'), or install the group with -r FILE")


def pep440_specifier(constraint: str, dependency: str, directory: Path) -> str:
    """The PEP 440 specifier poetry constraint ``constraint`` means ("" for any version). ProjectError naming
    ``dependency`` for a constraint poetry would not read or no specifier can express."""
    try:
        alternatives = _alternatives(constraint)
        if len(alternatives) == 1:
            return ",".join(operator + version for operator, version in alternatives[0])
        return _union_specifier(alternatives)
    except _Unreadable:
        raise _unreadable_constraint(directory, dependency, "version", constraint, _NOT_A_CONSTRAINT) from None
    except _NoUnionSpecifier:
        raise _unreadable_constraint(directory, dependency, "version", constraint, _NO_UNION_SPECIFIER) from None


def _python_marker_parts(operator: str, version: str) -> list[str]:
    if operator == "~=":
        bumped = _bumped(version, len(_release(version)[1]) - 2)
        return [*_python_marker_parts(">=", version), *_python_marker_parts("<", bumped)]
    release = _release(version.removesuffix(".*"))[1]
    # python_version holds two parts: "python_version > '3.8'" would still allow 3.8.1, so such bounds use the full version
    padded = ".".join(map(str, release + [0] * (3 - len(release))))
    if len(release) >= 3 or (operator == "!=" and not version.endswith(".*")):
        return [f'python_full_version {operator} "{version}"']
    if operator in (">", "<="):
        return [f'python_full_version {operator} "{padded}"']
    return [f'python_version {operator} "{version}"']


def python_marker(constraint: str, dependency: str, directory: Path) -> str:
    """The environment marker of a poetry ``python = "..."`` restriction, as poetry builds it; "" for any Python."""
    try:
        alternatives = _alternatives(constraint)
    except _Unreadable:
        raise _unreadable_constraint(directory, dependency, "python", constraint, _NOT_A_CONSTRAINT) from None
    markers = []
    for clauses in alternatives:
        if not clauses:
            return ""
        markers.append(" and ".join(part for operator, version in clauses for part in _python_marker_parts(operator, version)))
    return _or_markers(markers)


def platform_marker(platform: str) -> str:
    """The environment marker of a poetry ``platform = "linux"`` restriction (``!=`` and ``||`` allowed)."""
    markers = []
    for alternative in _OR.split(platform.strip()):
        parts = []
        for value in filter(None, re.split(r"\s*,\s*", alternative)):
            operator = "!=" if value.startswith("!=") else "=="
            parts.append(f'sys_platform {operator} "{value.removeprefix(operator).strip()}"')
        markers.append(" and ".join(parts))
    return _or_markers(markers)


def _or_markers(markers: list[str]) -> str:
    if len(markers) == 1:
        return markers[0]
    return " or ".join(f"({marker})" if " and " in marker else marker for marker in markers)


def and_markers(markers: list[str]) -> str:
    """The environment markers that all apply (blank ones left out) as one marker."""
    present = [marker.strip() for marker in markers if marker and marker.strip()]
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({marker})" if re.search(r"\bor\b", marker) else marker for marker in present)
