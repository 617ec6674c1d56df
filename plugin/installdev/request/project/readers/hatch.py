"""hatch's ``default`` environment, read as hatch reads it (https://hatch.pypa.io/latest/config/environment/overview/).

Where: ``[tool.hatch.envs.default]`` in pyproject.toml and ``[envs.default]`` in hatch.toml, which takes precedence key
by key. What: ``dependencies`` and ``extra-dependencies`` (requirement lines), ``features`` (the project's extras) and
``dependency-groups``. Context formatting that does not depend on the run is resolved (``{root}``, ``{root:uri}``,
``{root:real}``, ``{root:parent}``, ``{root:parent:uri}``, ``{home}``, ``{/}``); a line needing another field
(``{env:VAR}``, ``{args}``, ...) is left out and named in ``notes``. Pure but for reading hatch.toml; never writes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file
from installdev.request.project.tables import deduplicated, normalize_name

_FIELD = re.compile(r"\{([^{}]*)\}")
_LIST_KEYS = ("dependencies", "extra-dependencies", "features", "dependency-groups")


class HatchEnv(NamedTuple):
    """What hatch's default environment installs besides the project, and where it was read."""

    config_file: Path
    requirement_lines: tuple[str, ...]
    extras: tuple[str, ...]
    dependency_groups: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        table = "[envs.default] in hatch.toml" if self.config_file.name == "hatch.toml" else \
            "[tool.hatch.envs.default] in pyproject.toml"
        what = [word for word, present in (("dependencies", self.requirement_lines),
                                           (f"features {', '.join(self.extras)}", self.extras),
                                           (f"dependency groups {', '.join(self.dependency_groups)}",
                                            self.dependency_groups)) if present]
        return f"hatch's default environment ({table}): {'; '.join(what)}"


def hatch_config_files(directory: Path) -> tuple[Path, ...]:
    """The files hatch reads its environments from (existence only, for the freshness watcher)."""
    return tuple(path for path in (directory / "hatch.toml",) if path.is_file())


def _default_table(document: dict, keys: tuple[str, ...]) -> dict:
    node: object = document
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def hatch_default_env(directory: Path, pyproject: dict) -> HatchEnv | None:
    """hatch's default environment (see the module), or None when it declares nothing. Raises ProjectError for a
    malformed table."""
    own = _default_table(pyproject, ("tool", "hatch", "envs", "default"))
    hatch_toml = directory / "hatch.toml"
    from_file = _default_table(parse_toml_file(hatch_toml), ("envs", "default")) if hatch_toml.is_file() else {}
    merged = {**own, **from_file}
    config_file = hatch_toml if from_file else directory / "pyproject.toml"
    values = {key: _strings(merged.get(key, []), key, config_file) for key in _LIST_KEYS}
    notes: list[str] = []
    lines = [line for line in (_format(item, directory, notes) for item in
                               (*values["dependencies"], *values["extra-dependencies"])) if line is not None]
    if not (lines or values["features"] or values["dependency-groups"]):
        return None
    return HatchEnv(config_file, deduplicated(lines), deduplicated(map(normalize_name, values["features"])),
                    deduplicated(map(normalize_name, values["dependency-groups"])), tuple(notes))


def _strings(value: object, key: str, config_file: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProjectError(f"{config_file}: hatch's default environment {key} must be a list of strings, not {value!r}: "
                           "fix the table")
    return value


def _root_field(field: str, directory: Path) -> str | None:
    """``root`` with hatch's modifiers (``parent`` any number of times, then ``uri`` or ``real``), else None."""
    parts = field.split(":")
    if parts[0] != "root":
        return None
    path = directory
    for modifier in parts[1:]:
        if modifier == "parent":
            path = path.parent
        elif modifier == "real":
            path = Path(os.path.realpath(path))
        elif modifier == "uri":
            return path.as_uri()
        else:
            return None
    return str(path)


def _format(line: str, directory: Path, notes: list[str]) -> str | None:
    """``line`` with hatch's static context fields filled; None (and a note) when it needs a run-time one."""
    unresolved = False

    def replace(match: re.Match) -> str:
        nonlocal unresolved
        field = match.group(1)
        value = {"home": os.path.expanduser("~"), "/": os.sep}.get(field) or _root_field(field, directory)
        if value is None:
            unresolved = True
            return match.group(0)
        return value

    formatted = _FIELD.sub(replace, line)
    if unresolved:
        notes.append(f"left out {line!r}: hatch fills it at run time")
        return None
    return formatted
