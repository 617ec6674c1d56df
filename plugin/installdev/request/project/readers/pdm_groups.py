"""PDM's development groups, read as ``pdm install`` reads them, each entry turned into a requirement-file line.

pdm merges PEP 735 ``[dependency-groups]`` and its own ``[tool.pdm.dev-dependencies]`` into one set of groups
(pdm's ``PyProject.dev_dependencies``): a name in both gets the ``[dependency-groups]`` entries, then the pdm ones.
Since pdm 2.20, ``pdm add -d`` writes a group's editable entries to ``[tool.pdm.dev-dependencies]`` and the others to
``[dependency-groups]`` under the same name, so a pdm project often has both. ``pdm install`` installs every group
(``--prod`` none); ``default`` is reserved for the project's dependencies.

Whether a project is pdm's is the model's decision (``installdev.request.project.model.GroupsOwner``): it declares
``[tool.pdm.dev-dependencies]``, which only pdm reads, or it is installed from a pdm.lock. pdm-project/pdm itself
declares its groups in ``[dependency-groups]`` alone, none named ``dev``, and ``pdm install`` installs them all.

Entries: PEP 508 strings; ``{include-group = "NAME"}`` tables (in either table, naming any group of the merged set);
self-references ``PROJECT[a,b]`` (the project's own name), which pdm expands into groups ``a`` and ``b`` (a name that
is no group stays an extra of the project); and pdm's local forms: ``-e PATH_OR_URL`` (editable), a path starting
with ``.`` (or existing), ``NAME @ file:///${PROJECT_ROOT}/PATH`` (hatch's ``{root:uri}`` too). pdm reads paths and
``${PROJECT_ROOT}`` relative to the project directory; installdev gives the lines to the installer in a file of its
private temp directory, so every local path becomes absolute (``-e /abs/path[extras]``, ``NAME @ file:///abs``,
``/abs/path``). VCS and remote URLs, and plain requirements, are passed on as written (pip and uv read them), except
an editable ``NAME @ git+URL``, which pip reads only as ``-e git+URL#egg=NAME``.

Pure: reads the parsed pyproject.toml (and checks whether a relative path exists); every error is a one-line
ProjectError naming the file, the entry and the fix.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from installdev.errors import ProjectError
from installdev.request.project.requirements import url_path_to_local
from installdev.request.project.tables import (
    cycle_text,
    deduplicated,
    listing,
    normalize_name,
    pyproject_path,
    subtable,
    tool_table,
)

PDM_TABLE = "[tool.pdm.dev-dependencies]"
PROJECT_ROOT = "${PROJECT_ROOT}"
_ROOT_URLS = ("file:///" + PROJECT_ROOT, "{root:uri}")  # what pdm replaces by the project directory's URL
_VCS = re.compile(r"(?:git|hg|svn|bzr)\+", re.IGNORECASE)
_LOCAL = re.compile(r"(?P<target>[^\s;\[\]]+)(?:\[(?P<extras>[^\[\]]*)\])?\s*(?:;\s*(?P<marker>.+))?")
_SELF_REFERENCE = re.compile(r"(?P<name>[^\[\]]+?)\s*(?:\[(?P<groups>[^\[\]]+)\])?")
_SPACES = re.compile(r"[\s'\"]")

# A merged group: (where an entry comes from, e.g. "[tool.pdm.dev-dependencies] group 'dev'", the entry)
PdmGroup = tuple[tuple[str, object], ...]


def pdm_declared(pyproject: dict) -> bool:
    """Whether the project has a ``[tool.pdm.dev-dependencies]`` table (read by pdm alone: the project is pdm's).
    Tolerant of malformed tables (``pdm_groups`` reports them)."""
    tool = pyproject.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, dict) else None
    return isinstance(pdm, dict) and "dev-dependencies" in pdm


def pdm_groups(pyproject: dict, directory: Path) -> dict[str, PdmGroup]:
    """pdm's development groups: normalized name -> entries, ``[dependency-groups]`` first, then the pdm table's
    (same-named groups merged, as pdm merges them). ProjectError for a malformed table, entry or group name."""
    path = pyproject_path(directory)
    groups: dict[str, list[tuple[str, object]]] = {}
    pdm = subtable(tool_table(pyproject, "pdm", directory), "dev-dependencies", PDM_TABLE, directory)
    tables = (("[dependency-groups]", subtable(pyproject, "dependency-groups", "[dependency-groups]", directory)),
              (PDM_TABLE, pdm))
    for table, declared in tables:
        seen: dict[str, str] = {}
        for name, entries in declared.items():
            normalized = normalize_name(name)
            where = f"{table} group {name!r}"
            if normalized == "default":
                raise ProjectError(f"{path}: {where}: pdm reserves the name 'default' for the project's own dependencies: "
                                   "rename the group")
            if table == "[dependency-groups]" and normalized in seen:
                raise ProjectError(f"{path}: dependency groups {seen[normalized]!r} and {name!r} both normalize to "
                                   f"{normalized!r}: merge them or rename one")
            seen[normalized] = name
            if not isinstance(entries, list):
                raise ProjectError(f"{path}: {where} must be a list of requirement strings: fix its type")
            for entry in entries:
                if not (isinstance(entry, str) or _include(entry) is not None):
                    raise ProjectError(f"{path}: {where} has an entry that is neither a requirement string nor an "
                                       f"{{include-group = \"NAME\"}} table ({entry!r}): fix it")
            groups.setdefault(normalized, []).extend((where, entry) for entry in entries)
    return {name: tuple(entries) for name, entries in groups.items()}


def _include(entry: object) -> str | None:
    if isinstance(entry, dict) and list(entry) == ["include-group"] and isinstance(entry["include-group"], str):
        return entry["include-group"]
    return None


def pdm_reason(pyproject: dict, names: tuple[str, ...]) -> str:
    """Why these pdm groups: the ``development set:`` line. (A pdm.lock that only constrains the versions says so in
    the lock reader's note.)"""
    noun = "group" if len(names) == 1 else "groups"
    if not pdm_declared(pyproject):
        return (f"pdm development {noun} {listing(names)} ([dependency-groups], read as pdm reads them: the project has "
                "a pdm.lock; pdm install's default: all of them)")
    merged = "with [dependency-groups], merged as pdm merges them; " if pyproject.get("dependency-groups") else ""
    return f"pdm dev-dependencies {noun} {listing(names)} ({merged}pdm install's default: all of them)"


def resolve_pdm_group(pyproject: dict, directory: Path, name: str,
                      groups: dict[str, PdmGroup] | None = None) -> tuple[str, ...]:
    """The requirement lines of pdm group ``name`` (any spelling): includes and self-references expanded, each entry
    translated by ``pdm_requirement_line``. ProjectError if the group or an included one is unknown, for a cycle, and
    for an entry pdm would refuse. ``groups``: ``pdm_groups``' result, when already read."""
    path = pyproject_path(directory)
    groups = pdm_groups(pyproject, directory) if groups is None else groups
    project = pyproject.get("project")
    project_name = project.get("name") if isinstance(project, dict) else None
    own_name = normalize_name(project_name) if isinstance(project_name, str) else None

    def lines(group: str, chain: tuple[str, ...], via: str) -> list[str]:
        if group in chain:
            raise ProjectError(f"{path}: pdm dev groups include each other in a cycle ({cycle_text(chain, group)}): "
                               "remove one of those include-group entries or self-references")
        if group not in groups:
            raise ProjectError(f"{path}: {via} includes {group!r}, which is no pdm dev group "
                               f"({listing(groups) or 'none'}): fix the name or declare that group")
        result: list[str] = []
        for where, entry in groups[group]:
            included = _include(entry)
            if included is not None:
                result.extend(lines(normalize_name(included), (*chain, group), where))
                continue
            assert isinstance(entry, str)
            reference = _SELF_REFERENCE.fullmatch(entry.strip())
            if own_name and reference and normalize_name(reference["name"]) == own_name:
                names = [normalize_name(part) for part in (reference["groups"] or "").split(",") if part.strip()]
                for referred in (name for name in names if name in groups):
                    result.extend(lines(referred, (*chain, group), where))
                extras = [name for name in names if name not in groups]
                if extras:  # extras of the project itself: the installer resolves them against the editable project
                    result.append(f"{project_name}[{','.join(extras)}]")
                continue  # the project alone: installed anyway
            result.append(pdm_requirement_line(entry, directory, where))
        return result

    normalized = normalize_name(name)
    if normalized not in groups:
        raise ProjectError(f"{path} declares no pdm dev group {name!r} (pdm dev groups: {listing(groups) or 'none'}): "
                           "pick a declared one")
    return deduplicated(lines(normalized, (), ""))


# --------------------------------------------------------------------------------------------------
# One entry


def pdm_requirement_line(entry: str, directory: Path, where: str) -> str:
    """The requirement-file line that installs pdm entry ``entry`` (of ``where``, for errors) as pdm means it.

    ``file:///${PROJECT_ROOT}`` and ``{root:uri}`` become the project directory's URL; a local target (a ``file:`` URL
    or a path: relative ones to the project directory) becomes an absolute, normalized path: ``-e /abs[extras]`` when
    editable (``#egg=NAME[extras]`` and ``#subdirectory=`` fragments honoured), ``NAME[extras] @ file:///abs ; marker``
    when named, else ``/abs[extras] ; marker``. An editable ``NAME @ VCS_URL`` becomes ``-e VCS_URL#egg=NAME``;
    anything else is returned as written.
    """
    path = pyproject_path(directory)

    def refuse(problem: str, fix: str) -> ProjectError:
        return ProjectError(f"{path}: {where} entry {entry!r} {problem}: {fix}")

    editable = entry.startswith("-e ")
    text = _expand_project_root(entry[3:].strip() if editable else entry.strip(), directory, refuse)
    if _VCS.match(text):
        return ("-e " if editable else "") + text
    from packaging.requirements import InvalidRequirement, Requirement  # loaded when a pdm group is read

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        local = _unnamed_local_entry(text, directory, refuse)
        if local is None:
            return _remote(text, editable, refuse)  # an unnamed remote URL
    else:
        marker = str(requirement.marker) if requirement.marker else ""
        if requirement.url is None or _remote_url(requirement.url):
            if not editable:
                return text
            return _editable_named_remote(requirement.url, requirement.name, marker, bool(requirement.extras), refuse)
        local = requirement.name, requirement.url, sorted(requirement.extras), marker
    return _local_line(local, directory, editable, refuse)


# An entry naming a local target: (its project name, None when unnamed; its file: URL or path; its extras; its marker)
_LocalEntry = tuple[str | None, str, list[str], str]


def _expand_project_root(text: str, directory: Path, refuse: Callable[[str, str], ProjectError]) -> str:
    root = directory.absolute().as_uri()
    for form in _ROOT_URLS:
        text = text.replace(form, root)
    if PROJECT_ROOT in text:
        raise refuse("uses ${PROJECT_ROOT} outside file:///${PROJECT_ROOT}/PATH, the only place pdm expands it",
                     "write the path as file:///${PROJECT_ROOT}/PATH or ./PATH")
    return text


def _remote_url(location: str) -> bool:
    return "://" in location and not location.startswith("file:")


def _unnamed_local_entry(text: str, directory: Path, refuse: Callable[[str, str], ProjectError]) -> _LocalEntry | None:
    """An entry that is no PEP 508 requirement, read as pdm reads a path or URL; None for a remote URL."""
    local = _LOCAL.fullmatch(text)
    if local is None:
        raise refuse("is neither a PEP 508 requirement nor a local path", "fix it") from None
    location, extras = local["target"], [part.strip() for part in (local["extras"] or "").split(",") if part.strip()]
    marker = (local["marker"] or "").strip()
    if _remote_url(location):
        return None
    if "://" not in location and not (location.startswith(".") or os.path.isabs(location)
                                      or (directory / location.split("#")[0]).exists()):
        raise refuse("is neither a PEP 508 requirement nor a local path (pdm reads a path only when it starts with "
                     "'.' or exists)", "fix it, or write ./PATH") from None
    return None, location, extras, marker


def _editable_named_remote(url: str | None, name: str, marker: str, has_extras: bool,
                           refuse: Callable[[str, str], ProjectError]) -> str:
    """``-e VCS_URL#egg=NAME`` for an editable ``NAME @ VCS_URL``; pdm refuses an editable requirement without a URL."""
    if url is None:
        raise refuse("is editable but names no local directory or VCS URL, which pdm refuses",
                     "drop -e, or give the directory (-e ./PATH)")
    if marker or has_extras:
        what = f"markers ({marker})" if marker else "extras"
        raise refuse(f"is an editable VCS checkout with {what}, which a requirement line cannot express",
                     f"drop -e or the {what.split()[0]}")
    # pip reads no NAME @ on an editable line: a VCS URL names its project with #egg=
    return _remote(f"{url}{'&' if '#' in url else '#'}egg={name}", True, refuse)


def _local_line(local: _LocalEntry, directory: Path, editable: bool, refuse: Callable[[str, str], ProjectError]) -> str:
    name, location, extras, marker = local
    target, fragments = _local_target(location, directory)
    egg = _SELF_REFERENCE.fullmatch(fragments.get("egg", ""))
    if egg and egg["groups"] and not extras:
        extras = [part.strip() for part in egg["groups"].split(",") if part.strip()]
    extras_text = f"[{','.join(extras)}]" if extras else ""
    subdirectory = fragments.get("subdirectory")
    if subdirectory and not target.is_file():
        target, subdirectory = Path(os.path.normpath(target / subdirectory)), None
    if editable:
        if target.is_file():
            raise refuse(f"is editable but {target} is a file, which pdm refuses (only a directory can be editable)",
                         "drop -e")
        if marker:  # pip reads no environment marker on an editable line: dropping it would install it everywhere
            raise refuse(f"is editable with markers ({marker}), which a requirement line cannot express",
                         "drop -e or the markers")
        line = f"{target}{extras_text}"
        return "-e " + (shlex.quote(line) if _SPACES.search(line) else line)
    marker_text = f" ; {marker}" if marker else ""
    if name is not None:
        fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
        return f"{name}{extras_text} @ {target.as_uri()}{fragment}{marker_text}"
    if _SPACES.search(str(target)) or subdirectory:
        raise refuse(f"points to {target}, which an unnamed requirement line cannot express",
                     "name it: NAME @ file:///${PROJECT_ROOT}/PATH")
    return f"{target}{extras_text}{marker_text}"


def _remote(text: str, editable: bool, refuse: Callable[[str, str], ProjectError]) -> str:
    """A VCS or remote URL line, as written: pip and uv read those themselves. pdm makes only a VCS checkout editable."""
    if editable and not _VCS.match(text):
        raise refuse("is editable but names no local directory or VCS URL, which pdm refuses",
                     "drop -e, or give the directory (-e ./PATH)")
    return ("-e " if editable else "") + text


def _local_target(location: str, directory: Path) -> tuple[Path, dict[str, str]]:
    """The absolute, normalized path a ``file:`` URL or a path (relative to ``directory``) names, and its fragments."""
    if location.startswith("file:"):
        parts = urlsplit(location)
        raw, fragment = url_path_to_local(parts.path), parts.fragment
    else:
        raw, _, fragment = location.partition("#")
    return Path(os.path.normpath(directory.absolute() / raw)), dict(parse_qsl(fragment))
