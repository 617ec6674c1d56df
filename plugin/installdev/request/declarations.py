"""What a project declares for development, read the way its own tooling reads it.

Four kinds of declaration, in the order ``find_dev_sources`` tries them:

* PEP 735 ``[dependency-groups]`` (plus uv's legacy ``[tool.uv] dev-dependencies``, merged into ``dev``),
  selected as ``uv sync`` selects them: ``[tool.uv] default-groups``, else ``dev``;
* poetry groups (``[tool.poetry.group.NAME]`` and the legacy ``[tool.poetry.dev-dependencies]``), selected as
  ``poetry install`` selects them: every group not marked ``optional = true``; poetry's constraint syntax is
  translated into PEP 508 requirement lines;
* a ``dev`` extra;
* a conventional development requirement file.

Pure: reads the parsed pyproject.toml it is given and a listing of the project directory; never writes, no network.
Every error is a one-line ProjectError naming the file, the problem and the fix.
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project import CONVENTIONAL_REQUIREMENT_FILES

DEV = "dev"


class NoDevelopmentDeclared(ProjectError):
    """The project declares nothing installdev recognises as its development dependencies."""


class DevSourceKind(enum.Enum):
    DEPENDENCY_GROUPS = "dependency groups"
    POETRY_GROUPS = "poetry groups"
    EXTRA = "extra"
    REQUIREMENT_FILE = "requirement file"


class DevSources(NamedTuple):
    """The development dependencies a project declares by default, and why these were chosen.

    ``names`` are the group or extra names (normalized; empty for a requirement file); ``requirements`` are the
    resolved requirement-file lines of the groups (empty for an extra or a requirement file, which the installer
    reads itself). ``confirmed`` is False for a ``dev`` extra that only the build can declare (dynamic
    optional-dependencies, or a setup.py / setup.cfg project): install it, check that the built metadata lists it,
    and if not, use ``fallback`` (the conventional requirement file, if any).
    """

    kind: DevSourceKind
    names: tuple[str, ...]
    requirements: tuple[str, ...]
    requirement_file: Path | None
    reason: str
    confirmed: bool = True
    fallback: DevSources | None = None


def normalize_name(name: str) -> str:
    """PEP 503 / PEP 735 normalization: ``Dev_Tools`` and ``dev-tools`` name the same group or extra."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_path(directory: Path) -> Path:
    return directory / "pyproject.toml"


def _subtable(table: dict, key: str, label: str, directory: Path) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProjectError(f"{_pyproject_path(directory)}: {label} must be a table: fix its type")
    return value


def _tool(pyproject: dict, name: str, directory: Path) -> dict:
    return _subtable(_subtable(pyproject, "tool", "[tool]", directory), name, f"[tool.{name}]", directory)


def _cycle(chain: tuple[str, ...], name: str) -> str:
    return " -> ".join((*chain[chain.index(name):], name))


def _deduplicated(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(lines))


def _listing(names: Iterable[str]) -> str:
    return ", ".join(names)


# --------------------------------------------------------------------------------------------------
# PEP 735 dependency groups and uv's selection of them


def dependency_groups(pyproject: dict, directory: Path) -> dict[str, tuple[str, ...]]:
    """Every dependency group: normalized name -> requirement strings, ``{include-group}`` entries expanded.

    Groups come in declaration order. ``[tool.uv] dev-dependencies`` is appended to ``dev`` (created if absent) after
    expansion, as uv does: an ``include-group = "dev"`` sees only ``[dependency-groups] dev``. Every group is expanded,
    so any unknown include, cycle, name clash or malformed entry raises ProjectError, as it makes uv fail.
    """
    path = _pyproject_path(directory)
    declared: dict[str, tuple[str, list]] = {}
    for name, entries in _subtable(pyproject, "dependency-groups", "[dependency-groups]", directory).items():
        normalized = normalize_name(name)
        if normalized in declared:
            raise ProjectError(f"{path}: dependency groups {declared[normalized][0]!r} and {name!r} both normalize to "
                               f"{normalized!r}: merge them or rename one")
        if not isinstance(entries, list):
            raise ProjectError(f"{path}: dependency group {name!r} must be a list of requirement strings and "
                               "{include-group = \"NAME\"} tables: fix its type")
        declared[normalized] = (name, entries)

    expanded: dict[str, tuple[str, ...]] = {}

    def expand(name: str, chain: tuple[str, ...]) -> tuple[str, ...]:
        if name in chain:
            raise ProjectError(f"{path}: dependency groups include each other in a cycle ({_cycle(chain, name)}): "
                               "remove one of those include-group entries")
        if name not in expanded:
            declared_name, entries = declared[name]
            lines: list[str] = []
            for entry in entries:
                if isinstance(entry, str):
                    lines.append(entry)
                elif isinstance(entry, dict) and list(entry) == ["include-group"] and isinstance(entry["include-group"], str):
                    included = normalize_name(entry["include-group"])
                    if included not in declared:
                        raise ProjectError(f"{path}: dependency group {declared_name!r} includes {entry['include-group']!r}, "
                                           f"which [dependency-groups] does not declare ({_listing(declared) or 'none'}): "
                                           "fix the name or declare that group")
                    lines.extend(expand(included, (*chain, name)))
                else:
                    raise ProjectError(f"{path}: dependency group {declared_name!r} has an entry that is neither a "
                                       f"requirement string nor an {{include-group = \"NAME\"}} table ({entry!r}): fix it")
            expanded[name] = tuple(lines)
        return expanded[name]

    groups = {name: expand(name, ()) for name in declared}
    legacy = _tool(pyproject, "uv", directory).get("dev-dependencies")
    if legacy is not None:
        if not isinstance(legacy, list) or not all(isinstance(line, str) for line in legacy):
            raise ProjectError(f"{path}: [tool.uv] dev-dependencies must be a list of requirement strings: fix its type")
        groups[DEV] = (*groups.get(DEV, ()), *legacy)
    return groups


def resolve_dependency_group(pyproject: dict, directory: Path, name: str) -> tuple[str, ...]:
    """The requirement strings of dependency group ``name`` (any spelling); ProjectError listing the groups if unknown."""
    groups = dependency_groups(pyproject, directory)
    normalized = normalize_name(name)
    if normalized not in groups:
        raise ProjectError(f"{_pyproject_path(directory)} declares no dependency group {name!r} "
                           f"(dependency groups: {_listing(groups) or 'none'}): pick a declared one")
    return groups[normalized]


def uv_default_groups(pyproject: dict, directory: Path) -> tuple[str, ...]:
    """The dependency groups ``uv sync`` installs by default, normalized.

    ``[tool.uv] default-groups`` is a list of names or ``"all"`` (every group, in declaration order); without it,
    ``dev`` if that group exists, else none. A listed group that does not exist raises ProjectError, as it makes uv
    fail; a ``dev`` declared only by the legacy ``[tool.uv] dev-dependencies`` counts as existing.
    """
    groups = dependency_groups(pyproject, directory)
    setting = _tool(pyproject, "uv", directory).get("default-groups")
    if setting is None:
        return (DEV,) if DEV in groups else ()
    if setting == "all":
        return tuple(groups)
    path = _pyproject_path(directory)
    if not isinstance(setting, list) or not all(isinstance(name, str) for name in setting):
        raise ProjectError(f'{path}: [tool.uv] default-groups must be a list of group names or "all": fix its value')
    names = _deduplicated(normalize_name(name) for name in setting)
    for name in names:
        if name not in groups:
            raise ProjectError(f"{path}: default group {name!r} (from [tool.uv] default-groups) is not declared in "
                               f"[dependency-groups] ({_listing(groups) or 'none'}): declare it or remove it from default-groups")
    return names


def _uv_default_reason(pyproject: dict, directory: Path, names: tuple[str, ...]) -> str:
    setting = _tool(pyproject, "uv", directory).get("default-groups")
    if setting is None:
        return "dependency group dev (uv sync's default)"
    if setting == "all":
        return f'[tool.uv] default-groups = "all": {_listing(names)}'
    noun = "dependency group" if len(names) == 1 else "dependency groups"
    return f"{noun} {_listing(names)} ([tool.uv] default-groups)"


# --------------------------------------------------------------------------------------------------
# Poetry groups


class _PoetryGroup(NamedTuple):
    optional: bool
    dependencies: tuple[tuple[str, object], ...]
    includes: tuple[str, ...]


def _poetry_groups(pyproject: dict, directory: Path) -> dict[str, _PoetryGroup]:
    """Normalized name -> group, in declaration order; the legacy dev-dependencies are merged into ``dev``."""
    path = _pyproject_path(directory)
    poetry = _tool(pyproject, "poetry", directory)
    groups: dict[str, _PoetryGroup] = {}
    for name, config in _subtable(poetry, "group", "[tool.poetry.group]", directory).items():
        label = f"[tool.poetry.group.{name}]"
        if not isinstance(config, dict):
            raise ProjectError(f"{path}: {label} must be a table: fix its type")
        normalized = normalize_name(name)
        if normalized in groups:
            raise ProjectError(f"{path}: two poetry groups normalize to {normalized!r}: merge them or rename one")
        optional = config.get("optional", False)
        includes = config.get("include-groups", [])
        if not isinstance(optional, bool):
            raise ProjectError(f"{path}: {label} optional must be true or false: fix its value")
        if not isinstance(includes, list) or not all(isinstance(include, str) for include in includes):
            raise ProjectError(f"{path}: {label} include-groups must be a list of group names: fix its value")
        dependencies = _subtable(config, "dependencies", f"{label} dependencies", directory)
        groups[normalized] = _PoetryGroup(optional, tuple(dependencies.items()), tuple(map(normalize_name, includes)))
    legacy = _subtable(poetry, "dev-dependencies", "[tool.poetry.dev-dependencies]", directory)
    if legacy:
        dev = groups.get(DEV, _PoetryGroup(False, (), ()))
        groups[DEV] = dev._replace(dependencies=(*dev.dependencies, *legacy.items()))
    return groups


def poetry_default_groups(pyproject: dict, directory: Path) -> tuple[str, ...]:
    """The poetry groups ``poetry install`` installs by default: every group not marked ``optional = true``."""
    return tuple(name for name, group in _poetry_groups(pyproject, directory).items() if not group.optional)


def resolve_poetry_group(pyproject: dict, directory: Path, name: str) -> tuple[str, ...]:
    """The requirement lines of poetry group ``name`` (any spelling), its ``include-groups`` expanded.

    The ``python`` key is skipped (it constrains the interpreter, it is no package) and so are dependencies marked
    ``optional = true`` (poetry installs those only through an extra). ProjectError if the group is unknown, an
    include is unknown or cyclic, or a dependency cannot be expressed as a requirement line.
    """
    path = _pyproject_path(directory)
    groups = _poetry_groups(pyproject, directory)

    def lines(group_name: str, chain: tuple[str, ...]) -> list[str]:
        if group_name in chain:
            raise ProjectError(f"{path}: poetry groups include each other in a cycle ({_cycle(chain, group_name)}): "
                               "remove one of those include-groups entries")
        if group_name not in groups:
            raise ProjectError(f"{path}: poetry group {chain[-1]!r} includes {group_name!r}, which is not declared "
                               f"({_listing(groups) or 'none'}): fix the name or declare that group")
        group = groups[group_name]
        result = [line for dependency, declaration in group.dependencies if normalize_name(dependency) != "python"
                  for line in poetry_requirement_lines(dependency, declaration, directory)]
        for include in group.includes:
            result.extend(lines(include, (*chain, group_name)))
        return result

    normalized = normalize_name(name)
    if normalized not in groups:
        raise ProjectError(f"{path} declares no poetry group {name!r} (poetry groups: {_listing(groups) or 'none'}): "
                           "pick a declared one")
    return _deduplicated(lines(normalized, ()))


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
    return ProjectError(f"{_pyproject_path(directory)}: poetry dependency {dependency!r} has {key} {constraint!r}, {problem}: "
                        "rewrite it as one PEP 440 range (such as '>=1.2,<3'), or install the group with -r FILE")


def _pep440_specifier(constraint: str, dependency: str, directory: Path) -> str:
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


def _python_marker(constraint: str, dependency: str, directory: Path) -> str:
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


def _platform_marker(platform: str) -> str:
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


def _and_markers(markers: list[str]) -> str:
    present = [marker.strip() for marker in markers if marker and marker.strip()]
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({marker})" if re.search(r"\bor\b", marker) else marker for marker in present)


def _git_url(url: str) -> str:
    if url.startswith("git+"):
        return url
    # poetry accepts scp-like git@host:owner/repo.git, which pip only reads as ssh://git@host/owner/repo.git
    if scp := re.fullmatch(r"(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)(?P<path>.+)", url):
        url = f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    return f"git+{url}"


def poetry_requirement_lines(dependency: str, declaration: object, directory: Path) -> list[str]:
    """The requirement-file lines that install poetry dependency ``dependency`` as poetry means ``declaration``.

    ``declaration`` is a constraint string, a table, or a list of those (multiple constraints: one line each). Tables:
    ``version``, ``extras``, ``markers``, ``python`` and ``platform`` (turned into markers, joined by ``and``),
    ``optional = true`` (skipped: poetry installs it only through an extra), ``git`` with ``branch``/``tag``/``rev`` and
    ``subdirectory`` (``name @ git+URL@REF``), ``url`` (``name @ URL``), ``path``/``file`` relative to ``directory``
    (``name @ file:///abs``; a directory with ``develop = true`` gives ``-e /abs/path[extras]``). ``source`` and
    ``allow-prereleases`` have no requirement-line form and are ignored.
    """
    path = _pyproject_path(directory)
    if isinstance(declaration, list):
        return [line for item in declaration for line in poetry_requirement_lines(dependency, item, directory)]
    if isinstance(declaration, str):
        return [dependency + _pep440_specifier(declaration, dependency, directory)]
    if not isinstance(declaration, dict):
        raise ProjectError(f"{path}: poetry dependency {dependency!r} must be a version string, a table or a list of tables: "
                           "fix its declaration")
    if declaration.get("optional", False):
        return []

    def string(key: str) -> str | None:
        value = declaration.get(key)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"{path}: poetry dependency {dependency!r} has a non-string {key} ({value!r}): fix its type")
        return value

    extras = declaration.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(extra, str) for extra in extras):
        raise ProjectError(f"{path}: poetry dependency {dependency!r} extras must be a list of names: fix its type")
    extras_text = f"[{','.join(extras)}]" if extras else ""
    python, platform = string("python"), string("platform")
    marker = _and_markers([string("markers") or "",
                           _python_marker(python, dependency, directory) if python else "",
                           _platform_marker(platform) if platform else ""])
    subdirectory = string("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    requirement = dependency + extras_text
    if git := string("git"):
        reference = string("rev") or string("tag") or string("branch")
        line = f"{requirement} @ {_git_url(git)}{'@' + reference if reference else ''}{fragment}"
    elif url := string("url"):
        line = f"{requirement} @ {url}{fragment}"
    elif local := string("path") or string("file"):
        target = Path(os.path.normpath(directory.absolute() / local))
        if "file" in declaration or target.is_file():
            line = f"{requirement} @ {target.as_uri()}{fragment}"
        else:
            if subdirectory:
                target = target / subdirectory
            if declaration.get("develop", False):
                if marker:
                    # pip reads no environment marker on an editable line: dropping it would install it everywhere
                    raise ProjectError(f"{path}: poetry dependency {dependency!r} is a develop = true path with markers "
                                       f"({marker}), which a requirement line cannot express: drop develop or the markers")
                editable = f"{target}{extras_text}"
                return ["-e " + (shlex.quote(editable) if re.search(r"[\s'\"]", editable) else editable)]
            line = f"{requirement} @ {target.as_uri()}"
    else:
        return [requirement + _pep440_specifier(string("version") or "*", dependency, directory)
                + (f"; {marker}" if marker else "")]
    return [line + (f" ; {marker}" if marker else "")]


# --------------------------------------------------------------------------------------------------
# Extras and requirement files


def static_extras(pyproject: dict, directory: Path) -> tuple[str, ...] | None:
    """The normalized extras the project declares statically; None when only its build can tell.

    Read from ``[project.optional-dependencies]`` (unless listed in ``[project] dynamic``); without a ``[project]``
    table, from ``[tool.poetry.extras]`` for a poetry project, else None for a setup.py or setup.cfg project.
    """
    project = pyproject.get("project")
    tool = pyproject.get("tool")
    if isinstance(project, dict):
        if "optional-dependencies" in project.get("dynamic", []):
            return None
        extras = project.get("optional-dependencies", {})
    elif isinstance(tool, dict) and isinstance(tool.get("poetry"), dict):
        extras = tool["poetry"].get("extras", {})
    elif _setup_script(directory):
        return None
    else:
        extras = {}
    return _deduplicated(map(normalize_name, extras)) if isinstance(extras, dict) else ()


def _setup_script(directory: Path) -> str | None:
    return next((name for name in ("setup.py", "setup.cfg") if (directory / name).is_file()), None)


def conventional_requirement_file(directory: Path) -> Path | None:
    """The first existing file of CONVENTIONAL_REQUIREMENT_FILES, or None."""
    return next((directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file()), None)


def _requirement_files(directory: Path) -> list[str]:
    found = {path.relative_to(directory).as_posix() for pattern in ("requirements*.txt", "requirements/*.txt")
             for path in directory.glob(pattern) if path.is_file()}
    found.update(name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file())
    return sorted(found, key=lambda name: ("/" in name, name))


# --------------------------------------------------------------------------------------------------
# The default development set, explicit requests, and the summary


def find_dev_sources(pyproject: dict, directory: Path) -> DevSources:
    """What installs the project's development dependencies by default: the first of these that yields something.

    1. the dependency groups ``uv sync`` installs by default (see ``uv_default_groups``);
    2. the poetry groups ``poetry install`` installs by default (every group not marked optional);
    3. a ``dev`` extra: declared statically, or possibly declared by the build (``confirmed=False``, with the
       conventional requirement file, if any, as ``fallback``);
    4. a conventional requirement file (see CONVENTIONAL_REQUIREMENT_FILES).

    Raises ProjectError on a malformed declaration, and when none applies (naming what the project does declare).
    """
    groups = uv_default_groups(pyproject, directory)
    if groups:
        requirements = [line for group in groups for line in dependency_groups(pyproject, directory)[group]]
        return DevSources(DevSourceKind.DEPENDENCY_GROUPS, groups, _deduplicated(requirements), None,
                          _uv_default_reason(pyproject, directory, groups))
    poetry_groups = poetry_default_groups(pyproject, directory)
    if poetry_groups:
        requirements = [line for group in poetry_groups for line in resolve_poetry_group(pyproject, directory, group)]
        noun = "poetry group" if len(poetry_groups) == 1 else "poetry groups"
        return DevSources(DevSourceKind.POETRY_GROUPS, poetry_groups, _deduplicated(requirements), None,
                          f"{noun} {_listing(poetry_groups)} (poetry install's default: every group not marked optional)")
    requirement_file = conventional_requirement_file(directory)
    file_source = None
    if requirement_file is not None:
        name = requirement_file.relative_to(directory).as_posix()
        file_source = DevSources(DevSourceKind.REQUIREMENT_FILE, (), (), requirement_file,
                                 f"{name} (a conventional development requirements file)")
    extras = static_extras(pyproject, directory)
    if extras is None:
        project_table = isinstance(pyproject.get("project"), dict)
        decider = "[project] optional-dependencies is dynamic" if project_table else f"{_setup_script(directory)} decides"
        return DevSources(DevSourceKind.EXTRA, (DEV,), (), None, f"dev extra, if the build declares it ({decider})",
                          confirmed=False, fallback=file_source)
    if DEV in extras:
        table = "[project.optional-dependencies]" if isinstance(pyproject.get("project"), dict) else "[tool.poetry.extras]"
        return DevSources(DevSourceKind.EXTRA, (DEV,), (), None, f"extra dev (declared in {table})")
    if file_source is not None:
        return file_source
    raise NoDevelopmentDeclared(f"{directory} declares no development dependencies installdev recognises "
                       f"({declared_summary(pyproject, directory)}): pick one with --extras NAME, --group NAME or -r FILE, "
                       "or pass --extras '' to install the project alone")


def resolve_requested_groups(pyproject: dict, directory: Path, names: Iterable[str]) -> tuple[str, ...]:
    """The requirement lines of the groups named by ``--group NAME`` (repeatable), without duplicates.

    A name is looked up among the dependency groups first, then among the poetry groups; ProjectError listing both
    when it is neither.
    """
    requirements: list[str] = []
    uv_groups = dependency_groups(pyproject, directory)
    poetry_groups = _poetry_groups(pyproject, directory)
    for name in names:
        normalized = normalize_name(name)
        if normalized in uv_groups:
            requirements.extend(uv_groups[normalized])
        elif normalized in poetry_groups:
            requirements.extend(resolve_poetry_group(pyproject, directory, normalized))
        else:
            declared = "; ".join(f"{kind}: {_listing(groups)}" for kind, groups in
                                 (("dependency groups", uv_groups), ("poetry groups", poetry_groups)) if groups)
            raise ProjectError(f"{directory} declares no group {name!r} ({declared or 'it declares no groups'}): "
                               "fix --group NAME, or use --extras NAME or -r FILE")
    return _deduplicated(requirements)


def declared_summary(pyproject: dict, directory: Path) -> str:
    """One line listing what the project declares: extras, dependency groups, poetry groups, requirement files.

    Tolerates malformed tables (it only lists names), so it can describe a project whose declarations fail to resolve.
    """
    parts = []
    extras = static_extras(pyproject, directory)
    if extras is None:
        parts.append("extras: decided by the build")
    elif extras:
        parts.append(f"extras: {_listing(extras)}")

    def names(table: object) -> list[str]:
        return list(dict.fromkeys(map(normalize_name, table))) if isinstance(table, dict) else []

    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    groups = names(pyproject.get("dependency-groups"))
    if "dev-dependencies" in uv and DEV not in groups:
        groups.append(DEV)
    if groups:
        parts.append(f"dependency groups: {_listing(groups)}")
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    poetry_table = poetry.get("group", {}) if isinstance(poetry.get("group"), dict) else {}
    poetry_groups = {normalize_name(name): isinstance(config, dict) and config.get("optional") is True
                     for name, config in poetry_table.items()}
    if poetry.get("dev-dependencies"):
        poetry_groups.setdefault(DEV, False)
    if poetry_groups:
        listing = _listing(name + (" (optional)" if optional else "") for name, optional in poetry_groups.items())
        parts.append(f"poetry groups: {listing}")
    files = _requirement_files(directory)
    if files:
        parts.append(f"requirement files: {_listing(files)}")
    return "; ".join(parts) or "no extras, dependency groups, poetry groups or requirement files"
