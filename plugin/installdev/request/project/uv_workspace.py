"""The uv workspace a project belongs to, found exactly as uv finds it (uv's ``ProjectWorkspace::from_project`` and
``find_workspace`` in crates/uv-workspace/src/workspace.rs).

A workspace is declared by ``[tool.uv.workspace]`` in the pyproject.toml of its root: ``members`` globs (relative to
the root) select the member directories, ``exclude`` globs take some out, and the root is a member too when it is a
project (has a ``[project]`` table). ``search_uv_workspace`` decides, in uv's order:

1. the project's own pyproject.toml declares ``[tool.uv.workspace]``: it is its workspace's root;
2. else its ancestors are walked, nearest first (the project itself skipped); a directory without a pyproject.toml is
   skipped; the first one with a pyproject.toml decides, and the search stops there:
   * it declares ``[tool.uv.workspace]``: the project belongs to it when a ``members`` glob matches the project's path
     and no ``exclude`` glob does, else the project is its own workspace;
   * it has a ``[project]`` table and no workspace (an intermediate project, such as ``examples/pyproject.toml``):
     the project is its own workspace;
   * it has neither (uv warns): the project is its own workspace.

Unlike earlier installdev versions, the search does not stop at a ``.git`` directory: uv does not. The globs are
matched as uv's ``glob::Pattern::matches_path`` matches them (``_uv_pattern``): against the whole path, ``*`` and
``?`` crossing ``/``, ``**`` a whole path component standing for any number of them.

Cheap: an ancestor's pyproject.toml is parsed only when its text mentions a table the rule reads, and through the
per-content cache of ``installdev.request.project.documents``, so a walk repeated by another role parses nothing again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file
from installdev.request.project.input_file import read_input_file
from installdev.vocabulary import Word


class UvWorkspace(NamedTuple):
    """A ``[tool.uv.workspace]`` table: its root, and its ``members`` and ``exclude`` globs (relative to the root)."""

    root: Path
    members: tuple[str, ...]
    exclude: tuple[str, ...]


class UvSearchOutcome(Word):
    """Which of uv's rules decided a project's workspace (see the module)."""

    ROOT = "declares [tool.uv.workspace]"
    MEMBER = "listed by the members of [tool.uv.workspace]"
    NOT_LISTED = "not listed by the members of [tool.uv.workspace]"
    EXCLUDED = "listed by the exclude of [tool.uv.workspace]"
    INTERMEDIATE = "a project without [tool.uv.workspace]"
    NEITHER = "neither a project nor a workspace"
    NOTHING_ABOVE = "no pyproject.toml above"


class UvSearch(NamedTuple):
    """The outcome of the search, the workspace the project belongs to (None: it is its own), and the directory whose
    pyproject.toml decided (None when nothing above has one)."""

    outcome: UvSearchOutcome
    workspace: UvWorkspace | None
    decided_by: Path | None

    @property
    def reason(self) -> str:
        """One phrase saying why, e.g. ``examples/pyproject.toml above is a project without [tool.uv.workspace]:
        uv's workspace search stops there``."""
        where = self.decided_by / "pyproject.toml" if self.decided_by else None
        if self.outcome is UvSearchOutcome.ROOT:
            return f"its pyproject.toml {self.outcome}: it is the uv workspace's root"
        if self.outcome is UvSearchOutcome.MEMBER:
            return f"{self.outcome} in {where}"
        if self.outcome is UvSearchOutcome.NOTHING_ABOVE:
            return f"{self.outcome}: it is its own uv project"
        if self.outcome in (UvSearchOutcome.NOT_LISTED, UvSearchOutcome.EXCLUDED):
            return f"{self.outcome} in {where}: it is its own uv project"
        return f"{where} above is {self.outcome}: uv's workspace search stops there, so it is its own uv project"


def _document(pyproject: Path, markers: tuple[bytes, ...]) -> dict | None:
    """The parsed ``pyproject`` when its text mentions one of ``markers``; ``{}`` when it mentions none; None when it
    cannot be read or parsed (uv fails there; installdev leaves that error to the project's own reading)."""
    try:
        content = read_input_file(pyproject)
    except OSError:
        return None
    if not any(marker in content for marker in markers):
        return {}
    try:
        return parse_toml_file(pyproject, content)
    except ProjectError:
        return None


def _workspace_table(document: dict) -> dict | None:
    tool = document.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    table = uv.get("workspace") if isinstance(uv, dict) else None
    return table if isinstance(table, dict) else None


def _globs(table: dict, key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _as_workspace(root: Path, table: dict) -> UvWorkspace:
    return UvWorkspace(root, _globs(table, "members"), _globs(table, "exclude"))


def uv_workspace_table(root: Path) -> UvWorkspace | None:
    """The ``[tool.uv.workspace]`` of ``root/pyproject.toml``, or None."""
    document = _document(root / "pyproject.toml", (b"workspace",))
    table = _workspace_table(document) if document else None
    return None if table is None else _as_workspace(root, table)


def _ancestor_decides(folder: Path, project: Path, document: dict | None) -> UvSearch:
    """The rule of the first ancestor holding a pyproject.toml (``document``: it parsed)."""
    table = _workspace_table(document) if document else None
    if table is not None:
        workspace = _as_workspace(folder, table)
        if not any(uv_glob_matches(folder, pattern, project) for pattern in workspace.members):
            return UvSearch(UvSearchOutcome.NOT_LISTED, None, folder)
        if any(uv_glob_matches(folder, pattern, project) for pattern in workspace.exclude):
            return UvSearch(UvSearchOutcome.EXCLUDED, None, folder)
        return UvSearch(UvSearchOutcome.MEMBER, workspace, folder)
    if document and isinstance(document.get("project"), dict):
        return UvSearch(UvSearchOutcome.INTERMEDIATE, None, folder)
    return UvSearch(UvSearchOutcome.NEITHER, None, folder)


def search_uv_workspace(directory: Path) -> UvSearch:
    """Which uv workspace the project in ``directory`` belongs to, and which rule said so (see the module). Raises
    ProjectError for a ``members`` or ``exclude`` glob uv cannot read."""
    project = Path(os.path.abspath(directory))
    own = uv_workspace_table(project)
    if own is not None:
        return UvSearch(UvSearchOutcome.ROOT, own, project)
    for folder in project.parents:
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            return _ancestor_decides(folder, project, _document(pyproject, (b"workspace", b"project")))
    return UvSearch(UvSearchOutcome.NOTHING_ABOVE, None, None)


def find_uv_workspace(directory: Path) -> UvWorkspace | None:
    """The uv workspace the project in ``directory`` belongs to (``search_uv_workspace``), or None."""
    return search_uv_workspace(directory).workspace


# --------------------------------------------------------------------------------------------------
# uv's globs


def _class(body: str) -> str:
    """A ``[...]`` body (``!`` already removed) as a regex class: single characters and ``a-z`` ranges."""
    parts, index = [], 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            parts.append(f"{re.escape(body[index])}-{re.escape(body[index + 2])}")
            index += 3
        else:
            parts.append(re.escape(body[index]))
            index += 1
    return "".join(parts)


def _uv_pattern(pattern: str, origin: str) -> str:
    """``pattern`` (a glob that follows a ``/``) as a regex matching what ``glob::Pattern::matches_path`` matches with
    its default options. Raises ProjectError where uv's parser fails (``***``, ``**`` inside a component, an open
    ``[``)."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            stars = len(pattern[index:]) - len(pattern[index:].lstrip("*"))
            if stars > 2 or (stars == 2 and not (index == 0 or pattern[index - 1] == "/")):
                raise ProjectError(f"{origin}: invalid glob {pattern!r} (uv: recursive wildcards must form a single path "
                                   "component): fix it")
            index += stars
            if stars == 1:
                out.append(".*")
            elif index == len(pattern):
                out.append(".*")
            elif pattern[index] == "/":
                out.append("(?:.*/)?")
                index += 1
            else:
                raise ProjectError(f"{origin}: invalid glob {pattern!r} (uv: recursive wildcards must form a single "
                                   "path component): fix it")
        elif char == "?":
            out.append(".")
            index += 1
        elif char == "[":
            negated = pattern[index + 1:index + 2] == "!"
            start = index + (2 if negated else 1)
            end = pattern.find("]", start + 1)  # the first character of the set may be "]"
            if end < 0:
                raise ProjectError(f"{origin}: invalid glob {pattern!r} (uv: invalid range pattern): fix it")
            out.append(f"[{'^' if negated else ''}{_class(pattern[start:end])}]")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


def uv_glob_matches(root: Path, pattern: str, path: Path) -> bool:
    """Whether ``path`` (absolute) matches ``pattern`` of the workspace at ``root``, as uv matches it: the glob joined to
    the root's path, matched against the whole path. Raises ProjectError for a glob uv cannot read."""
    origin = str(root / "pyproject.toml")
    if pattern.startswith("/"):  # Path::join: an absolute glob replaces the root
        regex = _uv_pattern(pattern[1:], origin)
        return re.fullmatch("/" + regex, str(path), re.DOTALL) is not None
    prefix = re.escape(str(root).rstrip("/")) + "/"
    return re.fullmatch(prefix + _uv_pattern(pattern, origin), str(path), re.DOTALL) is not None


def _expand(root: Path, pattern: str) -> list[Path]:
    """The paths ``pattern`` names below ``root``, expanded a component at a time as uv's ``glob()`` walks (hidden
    names included), sorted."""
    origin = str(root / "pyproject.toml")
    found = [root]
    for part in [part for part in pattern.split("/") if part not in ("", ".")]:
        if part == "**":
            found = [walked for path in found for walked in _walk(path)]
        elif re.search(r"[*?\[]", part):
            regex = re.compile(_uv_pattern(part, origin), re.DOTALL)
            found = [path / name for path in found for name in _listing(path) if regex.fullmatch(name)]
        else:
            found = [path / part for path in found if os.path.lexists(path / part)]
    return sorted(dict.fromkeys(found))


def _listing(directory: Path) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError:
        return []


def _walk(directory: Path) -> list[Path]:
    """``directory`` and every directory below it."""
    found = [directory]
    for name in _listing(directory):
        if os.path.isdir(directory / name) and not os.path.islink(directory / name):
            found += _walk(directory / name)
    return found


def uv_workspace_members(workspace: UvWorkspace) -> list[Path]:
    """The member directories, as uv collects them: the root first when it is a project (has a ``[project]`` table),
    then each ``members`` glob's matches, sorted, that no ``exclude`` glob matches; a match that is no directory, or a
    hidden directory without pyproject.toml, is skipped. Raises ProjectError for a matched directory without
    pyproject.toml, which uv refuses too."""
    root = workspace.root
    members: list[Path] = []
    document = _document(root / "pyproject.toml", (b"project",))
    if document and isinstance(document.get("project"), dict):
        members.append(root)
    for pattern in workspace.members:
        for path in _expand(root, pattern):
            if path in members or not path.is_dir():
                continue
            if any(uv_glob_matches(root, exclude, path) for exclude in workspace.exclude):
                continue
            if not (path / "pyproject.toml").is_file():
                if path.name.startswith("."):
                    continue
                raise ProjectError(f"{root / 'pyproject.toml'}: the uv workspace member {path} (matched by {pattern!r}) "
                                   "has no pyproject.toml, which uv refuses: add it to [tool.uv.workspace] exclude")
            members.append(path)
    return members
