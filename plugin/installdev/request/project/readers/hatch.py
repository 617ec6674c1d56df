"""hatch's ``default`` environment, read as hatch reads it: the development set of a project that ``hatch shell``
and ``hatch run`` use when no environment is named.

Where (https://hatch.pypa.io/latest/intro/#configuration; hatchling's ``ProjectMetadata.hatch``): hatch's project
configuration is ``[tool.hatch]`` in pyproject.toml, updated key by key with the top level of ``hatch.toml`` beside it,
so "top level keys in the latter file take precedence": an ``[envs]`` table in hatch.toml replaces the whole of
``[tool.hatch.envs]``, it is not merged with it.

Which keys (https://hatch.pypa.io/latest/config/environment/overview/): ``dependencies`` and ``extra-dependencies``
(PEP 508 strings), ``features`` (the project's extras) and ``dependency-groups`` (PEP 735 groups), each a list. The
default environment inherits the keys it does not set from its ``template`` (hatch's default: itself, so nothing;
``detached = true`` means no template); ``skip-install``, ``dev-mode`` and ``detached`` are noted, since installdev
installs the project editable anyway, and so are ``matrix`` and ``overrides``, which installdev does not apply.

Context formatting (https://hatch.pypa.io/latest/config/context/) in dependency strings, made statically: ``{root}``
and ``{home}`` with the ``parent``, ``uri`` and ``real`` modifiers (``{root:uri}``, ``{root:parent:uri}``), ``{/}``,
``{;}``, ``{env_name}``, and ``{{``/``}}`` for literal braces. A string with ``{env:VAR}``, ``{matrix:...}``,
``{args}``, ``{verbosity}`` or ``{env_type}`` is skipped with a note.

Pure but for reading hatch.toml; every error is a one-line ProjectError naming the file, the key and the fix.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml
from installdev.request.project.input_file import is_input_present, read_input_file
from installdev.request.project.tables import deduplicated, listing, normalize_name, pyproject_path, tool_table

HATCH_TOML = "hatch.toml"
DEFAULT_ENV = "default"
_RUN_TIME_FIELDS = frozenset({"env", "matrix", "args", "verbosity", "env_type"})
# the settings noted when set otherwise than installdev behaves (None: whenever set), and why they change nothing
_NOTED_SETTINGS = {
    "detached": (False, "installdev installs the project anyway"),
    "skip-install": (False, "installdev installs the project anyway"),
    "dev-mode": (True, "installdev installs the project editable anyway"),
    "matrix": (None, "installdev reads the default environment itself, not the environments its matrix generates"),
    "overrides": (None, "installdev does not apply hatch's conditional overrides"),
}


class HatchEnv(NamedTuple):
    """What hatch's default environment installs besides the project."""

    config_file: Path
    requirement_lines: tuple[str, ...]
    extras: tuple[str, ...]
    dependency_groups: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        """One line, e.g. ``hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): dependencies,
        features test``."""
        declared = (["dependencies"] if self.requirement_lines else [])
        declared += [f"features {listing(self.extras)}"] if self.extras else []
        declared += [f"dependency groups {listing(self.dependency_groups)}"] if self.dependency_groups else []
        what = listing(declared) or "nothing installdev can install (see its notes)"
        return f"hatch's default environment ({_table(self.config_file, DEFAULT_ENV)} in {self.config_file.name}): {what}"


def _table(config_file: Path, env: str) -> str:
    return f"[envs.{env}]" if config_file.name == HATCH_TOML else f"[tool.hatch.envs.{env}]"


def hatch_config_files(directory: Path) -> tuple[Path, ...]:
    """The files hatch reads its environments from, those that exist: pyproject.toml, hatch.toml. Checks existence
    only."""
    return tuple(path for path in (pyproject_path(directory), directory / HATCH_TOML) if is_input_present(path))


def hatch_default_env(directory: Path, pyproject: dict) -> HatchEnv | None:
    """hatch's default environment (the module docstring says where and how it is read); None when no hatch
    configuration declares one, or it (with its template) sets none of ``dependencies``, ``extra-dependencies``,
    ``features`` and ``dependency-groups``. One whose every dependency was skipped is returned, its notes saying why.
    ``pyproject``: the parsed pyproject.toml. Raises ProjectError for a malformed configuration."""
    config_file, envs = _environments(directory, pyproject)
    if DEFAULT_ENV not in envs:
        return None
    settings = _inherited(config_file, envs)
    if not any(settings.get(key, (DEFAULT_ENV, None))[1]
               for key in ("dependencies", "extra-dependencies", "features", "dependency-groups")):
        return None
    notes: list[str] = []
    lines: list[str] = []
    for key in ("dependencies", "extra-dependencies"):
        env, entries = settings.get(key, (DEFAULT_ENV, []))
        lines += _dependencies(config_file, env, key, entries, directory, notes)
    extras = _names(config_file, *settings.get("features", (DEFAULT_ENV, [])), "features")
    groups = _names(config_file, *settings.get("dependency-groups", (DEFAULT_ENV, [])), "dependency-groups")
    for key, (usual, why) in _NOTED_SETTINGS.items():
        env, value = settings.get(key, (DEFAULT_ENV, usual))
        if value != usual:
            notes.append(f"{_table(config_file, env)} sets {key} = {_toml_text(value)}: {why}")
    return HatchEnv(config_file, deduplicated(lines), extras, groups, deduplicated(notes))


def _toml_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else "..."


def _environments(directory: Path, pyproject: dict) -> tuple[Path, dict]:
    """The file the environments come from and ``[envs]`` as hatch sees it: hatch.toml's when it has one."""
    hatch_toml = directory / HATCH_TOML
    config_file, envs = pyproject_path(directory), tool_table(pyproject, "hatch", directory).get("envs", {})
    if is_input_present(hatch_toml):
        try:
            content = parse_toml(hatch_toml, read_input_file(hatch_toml))
        except OSError as error:
            raise ProjectError(f"cannot read {hatch_toml}: {error.strerror}") from None
        if "envs" in content:
            config_file, envs = hatch_toml, content["envs"]
    if not isinstance(envs, dict):
        label = "[envs]" if config_file.name == HATCH_TOML else "[tool.hatch.envs]"
        raise ProjectError(f"{config_file}: {label} must be a table of environments: fix its type")
    return config_file, envs


def _inherited(config_file: Path, envs: dict) -> dict[str, tuple[str, object]]:
    """The default environment's settings, each with the environment that sets it: its own, then its template's
    (and so on), as hatch fills them in. A chain back to ``default`` ends there (hatch reads it as self-referential);
    ProjectError for an unknown template, another cycle or a table of the wrong type."""
    settings: dict[str, tuple[str, object]] = {}
    chain: list[str] = []
    name: str | None = DEFAULT_ENV
    while name is not None:
        if name in chain:
            raise ProjectError(f"{config_file}: the environments' templates form a cycle "
                               f"({' -> '.join((*chain, name))}): fix one template")
        if name not in envs:
            raise ProjectError(f"{config_file}: {_table(config_file, chain[-1])} template refers to {name!r}, which is "
                               "no environment: fix the template")
        table = envs[name]
        if not isinstance(table, dict):
            raise ProjectError(f"{config_file}: {_table(config_file, name)} must be a table: fix its type")
        chain.append(name)
        for key, value in table.items():
            if key != "template" and (key not in ("matrix", "detached") or len(chain) == 1):  # hatch does not inherit these
                settings.setdefault(key, (name, value))
        if table.get("detached") and len(chain) > 1:  # hatch turns a template's detached into skip-install, inherited
            settings.setdefault("skip-install", (name, True))
        template = table.get("template", DEFAULT_ENV)
        if not isinstance(template, str):
            raise ProjectError(f"{config_file}: {_table(config_file, name)} template must be an environment name: "
                               "fix its type")
        name = None if template in (name, DEFAULT_ENV) or table.get("detached") else template
    return settings


def _names(config_file: Path, env: str, entries: object, key: str) -> tuple[str, ...]:
    where = f"{config_file}: {_table(config_file, env)} {key}"
    if not isinstance(entries, list):
        raise ProjectError(f"{where} must be a list of names: fix its type")
    for entry in entries:
        if not isinstance(entry, str) or not entry:
            raise ProjectError(f"{where} has an entry that is not a non-empty string ({entry!r}): fix it")
    return deduplicated(map(normalize_name, entries))


def _dependencies(config_file: Path, env: str, key: str, entries: object, directory: Path,
                  notes: list[str]) -> list[str]:
    """The requirement lines of ``dependencies`` or ``extra-dependencies``: each entry context-formatted and checked
    as a PEP 508 requirement, as hatch does; an entry with a run-time field skipped with a note."""
    where = f"{config_file}: {_table(config_file, env)} {key}"
    if not isinstance(entries, list):
        raise ProjectError(f"{where} must be a list of requirement strings: fix its type")
    from packaging.requirements import InvalidRequirement, Requirement  # loaded when a hatch environment is read

    lines: list[str] = []
    for entry in entries:
        if not isinstance(entry, str):
            raise ProjectError(f"{where} has an entry that is not a string ({entry!r}): fix it")
        try:
            line = _format(entry, directory)
        except _RunTimeField as field:
            notes.append(f"skipped {key} entry {entry!r}: hatch formats {field} at run time")
            continue
        except ValueError as error:
            raise ProjectError(f"{where} entry {entry!r}: {error}, which hatch refuses: fix it (write literal braces "
                               "as {{ and }})") from None
        try:
            Requirement(line)
        except InvalidRequirement as error:
            problem = str(error).splitlines()[0]
            raise ProjectError(f"{where} entry {entry!r} is not a valid PEP 508 requirement ({problem}): fix it") from None
        lines.append(line)
    return lines


class _RunTimeField(Exception):
    """A context field hatch fills in only when it runs an environment; its text is the field, e.g. ``{env:HOME}``."""


def _format(entry: str, directory: Path) -> str:
    """``entry`` context-formatted as hatch formats it; raises _RunTimeField, and ValueError for a malformed string or
    an unknown field or modifier."""
    formatted: list[str] = []
    for literal, field, spec, _ in string.Formatter().parse(entry):
        formatted.append(literal)
        if field is None:
            continue
        if field in _RUN_TIME_FIELDS:
            raise _RunTimeField(f"{{{field}{':' if spec else ''}{spec}}}")
        formatted.append(_field(field, spec, directory))
    return "".join(formatted)


def _field(field: str, modifier: str, directory: Path) -> str:
    if field == "/":
        return os.sep
    if field == ";":
        return os.pathsep
    if field == "env_name":
        return DEFAULT_ENV
    if field == "root":
        return _format_path(str(directory.absolute()), modifier)
    if field == "home":
        return _format_path(os.path.expanduser("~"), modifier)
    raise ValueError(f"it uses the unknown context field {{{field}}}")


def _format_path(path: str, modifier: str) -> str:
    """hatch's path modifiers: none (normalized), then any number of ``parent``, then one of ``uri`` and ``real``."""
    if not modifier:
        return os.path.normpath(path)
    modifiers = modifier.split(":")
    while modifiers and modifiers[0] == "parent":
        path = os.path.dirname(path)
        modifiers.pop(0)
    if not modifiers:
        return path
    if modifiers == ["uri"]:
        return _path_to_uri(path)
    if modifiers == ["real"]:
        return os.path.realpath(path)
    raise ValueError(f"it uses the path modifier {':'.join(modifiers)!r}, which is not parent, uri or real")


def _path_to_uri(path: str) -> str:
    """hatchling's ``path_to_uri``, the same spelling (spaces as %20, nothing else quoted)."""
    absolute = os.path.abspath(path).replace(" ", "%20")
    return f"file://{absolute}" if os.sep == "/" else f"file:///{absolute.replace(os.sep, '/')}"
