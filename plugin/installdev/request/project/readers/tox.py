"""The tox environment whose dependencies are a project's development set, read as tox 4 reads its configuration.

Discovery, in tox's order (https://tox.wiki/en/latest/reference/config.html#discovery-and-file-types; tox's
``src/tox/config/source/discover.py``): the first of these in the project directory is the configuration, the others
are not read.

1. ``tox.ini`` (INI), whatever it holds;
2. ``setup.cfg`` (INI), only when it has a ``[tox:tox]`` section;
3. ``pyproject.toml`` with a native ``[tool.tox]`` table (TOML, the tox.toml schema), i.e. ``[tool.tox]`` holds a key
   other than ``legacy_tox_ini``;
4. ``pyproject.toml`` with ``[tool.tox] legacy_tox_ini`` (an INI string);
5. ``tox.toml`` (TOML), unless empty.

Since tox 4.41 (tox-dev/tox#3776) native ``[tool.tox]`` comes before ``legacy_tox_ini``, so a project may keep a
``legacy_tox_ini`` stub for older tox; older docs (https://tox.wiki/en/4.36.1/config.html) give the reverse order.
tox also searches the parent directories; installdev reads only the project's own.

Which environment: ``dev`` when the configuration defines it (INI ``[testenv:dev]``, or a generative section naming it
such as ``[testenv:{dev,lint}]``; TOML ``[env.dev]``); else the first environment of ``env_list`` (``envlist``) that
names a Python (a factor such as ``py``, ``py3``, ``py312``, ``py3.12``, ``3.12``, ``pypy310``: ``py312-django42``
counts), else ``py``. That environment is read as tox reads it: its own section if it has one, then its ``base``
sections (default ``[testenv]``; TOML ``[env_run_base]``), the first that sets a key giving its value.

INI values are read as tox reads them: comments (an unescaped ``#`` and what follows; ``\\#`` is a literal ``#``)
removed, factor-conditional lines (``py312: x``, ``lint,typing: x`` any, ``py312-django42: x`` all, ``!py27: x`` not)
kept when they match the environment's factors (its name split on ``-``, plus ``sys.platform``), a trailing backslash
joining the next line. A key whose every line is filtered out counts as unset (its base section's applies).
Substitutions resolved statically: ``{toxinidir}``/``{tox_root}``, ``{envname}``/``{env_name}``, ``{/}``, ``{:}``,
``{[section]key}`` (INI), ``{posargs}``/``{posargs:default}``/``[]`` (installdev passes no positional arguments: the
default, noted). A line with a run-time substitution (``{env:VAR}``, ``{envpython}``, ``{tty:...}``...) or one
installdev cannot resolve (``{glob:...}``, ``{factor:...}``, another setting) is skipped with a note. TOML strings get
the same substitutions; ``{ replace = "ref", of = [...] }`` and ``{ replace = "ref", env = ..., key = ... }`` are
resolved, ``posargs`` gives its default, other ``replace`` tables (``env``, ``if``, ``glob``) are skipped with a note.

``deps`` lines: requirements (local paths made absolute), ``-e PATH`` (absolute), ``-r FILE`` and ``-c FILE`` (relative
to the tox root, the configuration file's directory, as tox resolves them; a missing one is an error); other pip
options are skipped with a note. Not read: the ISA factor tox adds besides the platform, ``[env_base]`` generated TOML
environments, the ``constraints`` key and ``TOX_OVERRIDE``.

Pure but for reading the configuration files and checking that ``-r``/``-c`` files exist; every error is a one-line
ProjectError naming the file, the problem and the fix.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from collections.abc import Callable
from itertools import product
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml
from installdev.request.project.input_file import is_input_present, read_input_file
from installdev.request.project.tables import deduplicated, listing, normalize_name, tool_table

TOX_FILES = ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")
DEV_ENV = "dev"
DEFAULT_ENV = "py"

_COMMENT = re.compile(r"\s*(?<!\\)#.*")
_CONDITION_MARK = re.compile(r":(\s|$)")
_FACTOR = re.compile(r"!?[\w.*?][\w.*?-]*|")
_RANGE = re.compile(r"((\d+)-(\d+)|(\d+)-|(?<=[{,])-(\d+)|\d+)([,}])")
_PYTHON_FACTOR = re.compile(r"(?:py|pypy|cpython|jython|graalpy|rustpython|ironpython)(?:[2-9]\.?[0-9]{0,2}t?d?)?"
                            r"|[23]\.[0-9]+t?d?")
_REFERENCE = re.compile(r"(?:\[(?P<section>[^\]]+)\])?(?P<key>[-a-zA-Z0-9_]+)(?::(?P<default>.*))?", re.DOTALL)
_ESCAPABLE = frozenset(":{}[]")
_ROOT_KEYS = frozenset({"tox_root", "toxinidir"})
_ENV_NAME_KEYS = frozenset({"env_name", "envname"})
_RUN_TIME = frozenset({"env", "tty", "envdir", "env_dir", "envpython", "env_python", "envbindir", "env_bin_dir",
                       "envtmpdir", "env_tmp_dir", "envlogdir", "env_log_dir", "envsitepackagesdir",
                       "env_site_packages_dir", "temp_dir", "work_dir", "toxworkdir", "basepython", "base_python"})
_LAST_MINOR = 14  # tox's open ranges: py3{10-} ends at its newest known minor, {-13} starts at 10
_FIRST_MINOR = 10
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
_INCLUDES = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint", "--constraint": "constraint",
             "-e": "editable", "--editable": "editable"}


class ToxEnv(NamedTuple):
    """What a tox environment installs besides the project. ``env``: its section, and the environment name when the
    section does not say it (``testenv:dev``, ``testenv (as py312)``, ``env.dev``, ``env_run_base (as py)``)."""

    config_file: Path
    env: str
    requirement_lines: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    constraint_files: tuple[Path, ...]
    extras: tuple[str, ...]
    dependency_groups: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        """One line: where the environment is and what it declares, e.g. ``tox.ini [testenv:dev] (tox's dev
        environment): deps, extras test``."""
        section, _, as_name = self.env.partition(" (as ")
        name = as_name.rstrip(")") or re.split(r"[:.]", section, maxsplit=1)[-1]
        if name == DEV_ENV:
            role = "tox's dev environment"
        elif section in ("testenv", "env_run_base"):
            role = f"tox's base test environment, as {name}"
        else:
            role = f"tox's test environment {name}"
        declared = (["deps"] if self.requirement_lines or self.requirement_files or self.constraint_files else [])
        declared += [f"extras {listing(self.extras)}"] if self.extras else []
        declared += [f"dependency groups {listing(self.dependency_groups)}"] if self.dependency_groups else []
        what = listing(declared) or "nothing installdev can install (see its notes)"
        return f"{self.config_file.name} {_where(self.config_file, section)} ({role}): {what}"


def _where(config_file: Path, section: str) -> str:
    if config_file.name != "pyproject.toml":
        return f"[{section}]"
    if section.startswith("testenv"):
        return f"[tool.tox] legacy_tox_ini [{section}]"
    return f"[tool.tox.{section}]"


def tox_config_files(directory: Path) -> tuple[Path, ...]:
    """The files tox's discovery consults in ``directory``, those that exist, in its order (a change to any of them
    can change which configuration tox reads). Checks existence only."""
    return tuple(directory / name for name in TOX_FILES if is_input_present(directory / name))


def tox_development_env(directory: Path, pyproject: dict) -> ToxEnv | None:
    """The tox environment whose dependencies are the project's development set (the module docstring says which and
    how it is read); None when the project has no tox configuration or that environment sets none of ``deps``,
    ``extras`` and ``dependency_groups``. An environment whose every entry was skipped is returned, its notes saying
    why. ``pyproject``: the parsed pyproject.toml. Raises ProjectError for a malformed configuration or a missing
    ``-r``/``-c`` file."""
    source = _discover(directory, pyproject)
    if source is None:
        return None
    env = _ini_env(source) if isinstance(source, _IniSource) else _toml_env(source)
    if env is None or not any((env.requirement_lines, env.requirement_files, env.constraint_files, env.extras,
                               env.dependency_groups, env.notes)):
        return None
    return env


# --------------------------------------------------------------------------------------------------
# Discovery


class _IniSource(NamedTuple):
    path: Path
    label: str  # the file, and where in it the INI text is
    parser: configparser.ConfigParser
    core: str  # the core section: [tox], or [tox:tox] in setup.cfg


class _TomlSource(NamedTuple):
    path: Path
    label: str  # "tox.toml", or "pyproject.toml [tool.tox]"
    content: dict  # the tox table: tox.toml itself, or [tool.tox]
    root: dict  # what ``of = [...]`` references start from: the whole file


def _discover(directory: Path, pyproject: dict) -> _IniSource | _TomlSource | None:
    tox_ini, setup_cfg, pyproject_toml, tox_toml = (directory / name for name in TOX_FILES)
    if is_input_present(tox_ini):
        return _IniSource(tox_ini, str(tox_ini), _parse_ini(_read(tox_ini), str(tox_ini)), "tox")
    if is_input_present(setup_cfg):
        parser = _parse_ini(_read(setup_cfg), str(setup_cfg))
        if parser.has_section("tox:tox"):
            return _IniSource(setup_cfg, str(setup_cfg), parser, "tox:tox")
    table = tool_table(pyproject, "tox", directory)
    if set(table) - {"legacy_tox_ini"}:
        return _TomlSource(pyproject_toml, f"{pyproject_toml} [tool.tox]", table, pyproject)
    if "legacy_tox_ini" in table:
        label = f"{pyproject_toml} [tool.tox] legacy_tox_ini"
        if not isinstance(table["legacy_tox_ini"], str):
            raise ProjectError(f"{label} must be a string holding tox.ini's text: fix its type")
        return _IniSource(pyproject_toml, label, _parse_ini(table["legacy_tox_ini"], label), "tox")
    if is_input_present(tox_toml):
        content = parse_toml(tox_toml, _read(tox_toml).encode("utf-8"))
        if set(content) - {"legacy_tox_ini"}:
            return _TomlSource(tox_toml, str(tox_toml), content, content)
    return None


def _read(path: Path) -> str:
    try:
        return read_input_file(path).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # universal newlines
    except UnicodeDecodeError:
        raise ProjectError(f"{path} is not UTF-8, which tox requires: save it as UTF-8") from None
    except OSError as error:
        raise ProjectError(f"cannot read {path}: {error.strerror}") from None


def _parse_ini(text: str, label: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, label)
    except configparser.Error as error:
        problem = str(error).splitlines()[0].rstrip(".")
        raise ProjectError(f"{label} is not a valid INI file, so tox cannot read it ({problem}): fix it") from None
    return parser


# --------------------------------------------------------------------------------------------------
# Environment names and factors


def _env_names(expression: str) -> list[str]:
    """The environment names a tox expression stands for: ``py3{10-12}-django,lint`` -> py310-django, py311-django,
    py312-django, lint (commas outside braces separate names, braces multiply, ``{10-12}`` is a range)."""
    expression = _RANGE.sub(_expand_range, expression)
    names: list[str] = []
    for alternative in _split_outside_braces(expression, ","):
        parts = re.split(r"\{([^}]*)\}", alternative.strip())
        choices = [[part] if index % 2 == 0 else [choice.strip() for choice in part.split(",")]
                   for index, part in enumerate(parts)]
        names.extend("".join(combination) for combination in product(*choices))
    return names


def _expand_range(match: re.Match[str]) -> str:
    _, start, stop, open_start, open_stop, delimiter = match.groups()
    if start and stop:
        step = 1 if int(start) <= int(stop) else -1
        numbers = range(int(start), int(stop) + step, step)
    elif open_start:
        numbers = range(int(open_start), _LAST_MINOR + 1)
    elif open_stop:
        numbers = range(_FIRST_MINOR, int(open_stop) + 1)
    else:
        return match.group()
    return ",".join(map(str, numbers)) + delimiter


def _split_outside_braces(text: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*parts, "".join(current)]


def _factor_groups(expression: str) -> list[list[tuple[str, bool]]]:
    """``py312-django,!lint`` -> [[(py312, not negated), (django, not negated)], [(lint, negated)]]; ValueError when
    it is no factor expression."""
    groups = []
    for name in _env_names(expression):
        factors = name.split("-")
        if not all(_FACTOR.fullmatch(factor) for factor in factors):
            raise ValueError(name)
        groups.append([(factor.removeprefix("!"), factor.startswith("!")) for factor in factors])
    return groups


def _env_factors(name: str) -> frozenset[str]:
    """The factors tox matches conditions against for environment ``name``: its own, and the platform."""
    return frozenset({*filter(None, name.split("-")), sys.platform})


def _is_python_env(name: str) -> bool:
    return any(_PYTHON_FACTOR.fullmatch(factor) for factor in name.split("-"))


def _representative(names: list[str]) -> str:
    return next((name for name in names if _is_python_env(name)), DEFAULT_ENV)


# --------------------------------------------------------------------------------------------------
# Substitutions


class _Unresolved(Exception):
    """A substitution installdev cannot make statically; its text says why, for a note."""


class _Substitutions:
    """tox's substitutions, made statically for one environment; ``raw_reference(section, key)``: that INI key's
    value, comments and factors processed, or None when the section does not set it."""

    def __init__(self, source_label: str, root: Path, env_name: str, notes: list[str],
                 raw_reference: Callable[[str, str], str | None] | None = None) -> None:
        self.source_label = source_label
        self.root = root
        self.env_name = env_name
        self.notes = notes
        self.raw_reference = raw_reference
        self.active: list[str] = []

    def lines(self, text: str, what: str) -> list[str]:
        """The non-blank lines of ``text``, substituted; a line with a substitution installdev cannot make is skipped
        and noted (``what``: how the note names a line, e.g. ``deps line``)."""
        lines: list[str] = []
        for line in text.split("\n"):
            if not line.strip():
                continue
            dropped: list[tuple[str, str]] = []
            try:
                expanded = self.text(line, dropped)
            except _Unresolved as why:
                self.notes.append(f"skipped {what} {line.strip()!r}: {why}")
                continue
            for expression, default in dropped:
                change = f"replaced {expression} by its default {default!r} in" if default else f"dropped {expression} from"
                self.notes.append(f"{change} {what} {line.strip()!r}: installdev passes tox no positional arguments")
            lines.extend(part for part in expanded.split("\n") if part.strip())
        return lines

    def text(self, text: str, dropped: list[tuple[str, str]]) -> str:
        """``text`` substituted as tox does (``\\`` escapes ``:{}[]``; an unterminated ``{`` is literal); raises
        _Unresolved. ``dropped`` collects the ``{posargs}`` expressions replaced by their defaults."""
        out: list[str] = []
        pos = 0
        while pos < len(text):
            pair = text[pos:pos + 2]
            end = _closing_brace(text, pos) if text[pos] == "{" else None
            if pair[:1] == "\\" and (pair[1:] in _ESCAPABLE or pair == "\\\\"):
                out.append(pair[1:] if pair[1:] in _ESCAPABLE else pair)
                pos += 2
            elif pair == "[]":  # tox's shorthand for {posargs}
                dropped.append(("[]", ""))
                pos += 2
            elif end is not None:
                out.append(self._replacement(text[pos + 1:end], dropped))
                pos = end + 1
            else:
                out.append(text[pos])
                pos += 1
        return "".join(out)

    def _replacement(self, inner: str, dropped: list[tuple[str, str]]) -> str:
        args = [self.text(arg, dropped) for arg in _split_arguments(inner)]
        kind, expression = args[0], "{" + inner + "}"
        if kind == "/":
            return os.sep
        if kind == "" and args[1:] == [""]:
            return os.pathsep
        if kind == "posargs":
            dropped.append((expression, ":".join(args[1:])))
            return ":".join(args[1:])
        if kind in _RUN_TIME:
            raise _Unresolved(f"tox substitutes {expression} at run time")
        reference = _REFERENCE.fullmatch(":".join(args))
        if reference is None:
            raise _Unresolved(f"installdev cannot resolve {expression} without running tox")
        section, key, default = reference.group("section", "key", "default")
        if section is None and key in _ROOT_KEYS:
            return str(self.root)
        if section is None and key in _ENV_NAME_KEYS:
            return self.env_name
        value = self._reference(section, key) if section is not None else None
        if value is not None:
            return value
        if section is not None and default is not None and self.raw_reference is not None:
            return default  # the INI section does not set the key
        # glob and factor, and any other setting: tox reads the file system or its whole configuration for them
        raise _Unresolved(f"installdev cannot resolve {expression} without running tox")

    def _reference(self, section: str, key: str) -> str | None:
        raw = self.raw_reference(section, key) if self.raw_reference else None
        if raw is None:
            return None
        name = f"[{section}] {key}"
        if name in self.active:
            chain = " -> ".join((*self.active[self.active.index(name):], name))
            raise ProjectError(f"{self.source_label}: substitutions refer to each other in a cycle ({chain}): "
                               "remove one of them")
        self.active.append(name)
        try:
            return "\n".join(self.lines(raw, f"{name} line"))
        finally:
            self.active.pop()


def _closing_brace(text: str, start: int) -> int | None:
    depth, pos = 0, start
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        if depth == 0:
            return pos
        pos += 1
    return None


def _split_arguments(inner: str) -> list[str]:
    """``inner`` split on the colons outside nested braces and not escaped."""
    args, current, depth, pos = [], [], 0, 0
    while pos < len(inner):
        char = inner[pos]
        if char == "\\" and pos + 1 < len(inner):
            current.append(inner[pos:pos + 2])
            pos += 2
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == ":" and depth == 0:
            args.append("".join(current))
            current = []
        else:
            current.append(char)
        pos += 1
    return [*args, "".join(current)]


# --------------------------------------------------------------------------------------------------
# INI


def _ini_value(raw: str, factors: frozenset[str]) -> str | None:
    """An INI value as tox reads it for an environment with ``factors``: comments removed, factor conditions applied,
    continuation lines joined; None when conditions filter out every line of a non-empty value (tox then treats the
    key as unset)."""
    lines = []
    for line in raw.split("\n"):
        if not line.startswith("#"):
            lines.append(_COMMENT.sub("", line).replace("\\#", "#"))
    uncommented = "\n".join(lines).replace("\r", "")
    filtered = _filter_factors(uncommented, factors)
    if not filtered and uncommented.strip():
        return None
    return filtered.replace("\\\n", "")


def _filter_factors(value: str, factors: frozenset[str]) -> str:
    """tox's ``filter_for_env``: a conditional line kept when its condition matches, the line continuing a dropped
    one dropped with it."""
    kept: list[str] = []
    continuing = skipping = False
    for line in value.split("\n"):
        condition, content = _condition(line)
        if condition is None:
            if skipping and not continuing and not content.endswith("\\"):
                skipping = False
                continue
            if content:
                kept.append(content)
            continuing = content.endswith("\\") if content else continuing
            skipping = False
        elif any(all((name in factors) ^ negated for name, negated in group) for group in condition):
            kept.append(content)
            continuing, skipping = content.endswith("\\"), False
        else:
            skipping = content.endswith("\\")
    return "\n".join(kept)


def _condition(line: str) -> tuple[list[list[tuple[str, bool]]] | None, str]:
    mark = _CONDITION_MARK.search(line)
    if mark is None:
        return None, line
    try:
        groups = _factor_groups(line[:mark.start()].strip())
    except ValueError:
        return None, line
    return groups, line[mark.start() + 1:].strip()


class _IniEnvironment(NamedTuple):
    name: str
    display: str  # ToxEnv.env
    sections: tuple[str, ...]  # where its keys are looked up, in order


def _ini_environment(source: _IniSource) -> _IniEnvironment:
    parser = source.parser
    own = _ini_env_section(parser, DEV_ENV)
    if own is not None:
        name = DEV_ENV
    else:
        raw = next((parser[source.core][key] for key in ("env_list", "envlist") if parser.has_option(source.core, key)),
                   "")
        value = _ini_value(raw, _env_factors("")) or ""
        name = _representative([env for line in value.split("\n") if line.strip() for env in _env_names(line)])
        own = _ini_env_section(parser, name)
    bases = ["testenv"]
    if own is not None and parser.has_option(own, "base"):
        base_value = _ini_value(parser[own]["base"], _env_factors(name)) or ""
        bases = [base.strip() for base in re.split(r"[,\n]", base_value) if base.strip()]
    sections = [own] if own is not None else []
    for base in bases:
        sections += [section for section in (base, f"testenv:{base}") if parser.has_section(section)]
    display = own if own == f"testenv:{name}" else f"{own or 'testenv'} (as {name})"
    return _IniEnvironment(name, display, tuple(deduplicated(sections)))


def _ini_env_section(parser: configparser.ConfigParser, name: str) -> str | None:
    """The ``[testenv:...]`` section that defines environment ``name``, generative ones included."""
    if parser.has_section(f"testenv:{name}"):
        return f"testenv:{name}"
    return next((section for section in parser.sections()
                 if section.startswith("testenv:") and name in _env_names(section.removeprefix("testenv:"))), None)


def _ini_env(source: _IniSource) -> ToxEnv | None:
    environment = _ini_environment(source)
    factors = _env_factors(environment.name)
    notes: list[str] = []

    def raw_reference(section: str, key: str) -> str | None:
        if not source.parser.has_option(section, key):
            return None
        return _ini_value(source.parser[section][key], factors) or ""

    substitutions = _Substitutions(source.label, source.path.parent.absolute(), environment.name, notes, raw_reference)
    values: dict[str, tuple[str, list[str]]] = {}
    for key in ("deps", "extras", "dependency_groups"):
        for section in environment.sections:
            value = _ini_value(source.parser[section][key], factors) if source.parser.has_option(section, key) else None
            if value is not None:
                what = "deps line" if key == "deps" else f"{key} entry"
                values[key] = (section, substitutions.lines(value, what))
                break
    if not values:
        return None
    deps_section, deps = values.get("deps", ("", []))
    return _tox_env(source.path, environment.display, (f"{source.label} [{deps_section}] deps", deps),
                    _names(values.get("extras", ("", []))[1]), _names(values.get("dependency_groups", ("", []))[1]),
                    notes)


def _names(lines: list[str]) -> tuple[str, ...]:
    """Normalized names from comma- or newline-separated lines."""
    return deduplicated(normalize_name(name.strip()) for line in lines for name in line.split(",") if name.strip())


# --------------------------------------------------------------------------------------------------
# TOML


def _toml_env(source: _TomlSource) -> ToxEnv | None:
    envs = _toml_table(source, source.content, "env", "env")
    name = DEV_ENV if DEV_ENV in envs else _representative(_toml_env_list(source))
    tables = _toml_env_tables(source, envs, name)
    if not tables:
        return None
    notes: list[str] = []
    substitutions = _Substitutions(source.label, source.path.parent.absolute(), name, notes)
    values: dict[str, tuple[str, list[str]]] = {}
    for key in ("deps", "extras", "dependency_groups"):
        for label, table in tables:
            if key in table:
                where = f"{source.label} [{label}] {key}"
                values[key] = (where, _toml_strings(table[key], where, source, substitutions, allow_text=key == "deps",
                                                    chain=()))
                break
    if not values:
        return None
    own_label = f"env.{name}"
    display = own_label if tables[0][0] == own_label else f"{tables[0][0]} (as {name})"
    return _tox_env(source.path, display, values.get("deps", (f"{source.label} deps", [])),
                    _names(values.get("extras", ("", []))[1]), _names(values.get("dependency_groups", ("", []))[1]),
                    notes)


def _toml_table(source: _TomlSource, table: dict, key: str, label: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProjectError(f"{source.label}: [{label}] must be a table: fix its type")
    return value


def _toml_env_list(source: _TomlSource) -> list[str]:
    """``env_list``'s names: strings, and ``{ product = [...] }`` tables expanded (factor groups: lists of names,
    ``{ prefix = "py3", start = 10, stop = 13 }`` ranges, ``{ label = [...] }``)."""
    value = source.content.get("env_list", [])
    if not isinstance(value, list):
        raise ProjectError(f"{source.label}: env_list must be a list of environment names: fix its type")
    names: list[str] = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("product"), list):
            groups = [_toml_factor_group(source, group) for group in item["product"]]
            excluded = item.get("exclude") or []
            names += [name for combination in product(*groups) if (name := "-".join(combination)) not in excluded]
        else:
            raise ProjectError(f"{source.label}: env_list entry {item!r} is neither an environment name nor a "
                               "{ product = [...] } table: fix it")
    return names


def _toml_factor_group(source: _TomlSource, group: object) -> list[str]:
    if isinstance(group, list) and all(isinstance(name, str) for name in group):
        return group
    if isinstance(group, dict) and "prefix" in group:
        start, stop = group.get("start", _FIRST_MINOR), group.get("stop", _LAST_MINOR)
        if isinstance(start, int) and isinstance(stop, int):
            return [f"{group['prefix']}{number}" for number in range(start, stop + 1)]
    if isinstance(group, dict) and len(group) == 1 and isinstance(next(iter(group.values())), list):
        return [str(name) for name in next(iter(group.values()))]
    raise ProjectError(f"{source.label}: env_list product factor group {group!r} is not a list of names, a range "
                       "or a labeled list: fix it")


def _toml_env_tables(source: _TomlSource, envs: dict, name: str) -> list[tuple[str, dict]]:
    """The tables environment ``name`` reads its keys from, in order: ``[env.NAME]``, then its ``base`` ones
    (default ``[env_run_base]``)."""
    tables: list[tuple[str, dict]] = []
    if name in envs:
        tables.append((f"env.{name}", _toml_table(source, envs, name, f"env.{name}")))
    bases = tables[0][1].get("base", ["env_run_base"]) if tables else ["env_run_base"]
    if not isinstance(bases, list) or not all(isinstance(base, str) for base in bases):
        raise ProjectError(f"{source.label}: [env.{name}] base must be a list of table names: fix its type")
    prefix = "tool.tox." if source.path.name == "pyproject.toml" else ""
    for base in (base.removeprefix(prefix) for base in bases):
        if base.startswith("env_base."):
            candidates = [(base, _toml_table(source, source.content, "env_base", "env_base").get(base[9:]))]
        else:
            candidates = [(base, source.content.get(base)), (f"env.{base}", envs.get(base))]
        for label, table in candidates:
            if table is not None:
                tables.append((label, _toml_table(source, {label: table}, label, label)))
    return tables


def _toml_strings(value: object, where: str, source: _TomlSource, substitutions: _Substitutions, *,
                  allow_text: bool, chain: tuple[str, ...]) -> list[str]:
    """A TOML list of strings (``deps`` may also be one multi-line string), references resolved and substitutions
    made; entries installdev cannot resolve skipped with a note."""
    what = "deps line" if where.endswith(" deps") else f"{where.rsplit(' ', 1)[-1]} entry"
    if isinstance(value, dict) and "replace" in value:
        value = _toml_replace(value, where, source, substitutions, chain)
        if value is None:
            return []
    if isinstance(value, str) and allow_text:
        return substitutions.lines(value, what)
    if not isinstance(value, list):
        raise ProjectError(f"{where} must be a list of strings: fix its type")
    lines: list[str] = []
    for entry in value:
        if isinstance(entry, str):
            lines += substitutions.lines(entry, what)
        elif isinstance(entry, dict) and "replace" in entry:
            got = _toml_replace(entry, where, source, substitutions, chain)
            if isinstance(got, list) and not entry.get("extend"):
                raise ProjectError(f"{where}: the reference {entry!r} gives a list, which tox nests in this one: "
                                   "add extend = true")
            if got is not None:
                lines += _toml_strings(got, where, source, substitutions, allow_text=True, chain=chain)
        else:
            raise ProjectError(f"{where} has an entry that is neither a string nor a {{ replace = ... }} table "
                               f"({entry!r}): fix it")
    return lines


def _toml_replace(entry: dict, where: str, source: _TomlSource, substitutions: _Substitutions,
                  chain: tuple[str, ...]) -> object:
    """The raw value a ``{ replace = ... }`` table stands for, its own references resolved; None (noted) for one
    installdev cannot resolve statically."""
    kind = entry.get("replace")
    if kind == "posargs":
        default = entry.get("default", [])
        substitutions.notes.append(f"{where}: used the default {default!r} of {{ replace = \"posargs\" }}: installdev "
                                   "passes tox no positional arguments")
        return default
    if kind != "ref":
        timing = "at run time" if kind == "env" else "in ways installdev does not reproduce"
        substitutions.notes.append(f"{where}: skipped {{ replace = {kind!r} }} entry {entry!r}: tox resolves it "
                                   f"{timing}")
        return None
    path = _toml_reference_path(entry, where)
    if path in chain:
        raise ProjectError(f"{where}: references refer to each other in a cycle ({' -> '.join((*chain, path))}): "
                           "remove one of them")
    value = _toml_lookup(source, path)
    if value is None:
        raise ProjectError(f"{where}: {entry!r} refers to {path}, which {source.path.name} does not set: fix the "
                           "reference")
    if isinstance(value, list):
        resolved: list[object] = []
        for item in value:
            got = _toml_replace(item, where, source, substitutions, (*chain, path)) if isinstance(item, dict) else item
            if isinstance(item, dict) and isinstance(got, list) and item.get("extend"):
                resolved += got
            elif got is not None:
                resolved.append(got)
        return resolved
    if isinstance(value, dict) and "replace" in value:
        return _toml_replace(value, where, source, substitutions, (*chain, path))
    return value


def _toml_reference_path(entry: dict, where: str) -> str:
    """``of = ["env_run_base", "deps"]`` -> ``env_run_base.deps``; ``env = "x", key = "deps"`` -> ``env.x:deps``."""
    of = entry.get("of")
    if isinstance(of, list) and of and all(isinstance(part, str) for part in of):
        return ".".join(of)
    env, key = entry.get("env"), entry.get("key")
    if isinstance(env, str) and isinstance(key, str):
        return f"env.{env}:{key}"
    raise ProjectError(f"{where}: {{ replace = \"ref\" }} needs of = [...] (a list of keys) or env and key strings "
                       f"({entry!r}): fix it")


def _toml_lookup(source: _TomlSource, path: str) -> object:
    """The raw value at a reference path: keys from the file's top (``of``), or an environment's key as that
    environment reads it (``env``/``key``: its own table, then its bases); None when unset."""
    if path.startswith("env.") and ":" in path:
        name, key = path[4:].split(":", 1)
        envs = _toml_table(source, source.content, "env", "env")
        for _, table in _toml_env_tables(source, envs, name):
            if key in table:
                return table[key]
        return []  # an unset key of an environment is its default: for the keys read here, empty
    current: object = source.root
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current


# --------------------------------------------------------------------------------------------------
# deps lines


def _tox_env(config_file: Path, env: str, deps: tuple[str, list[str]], extras: tuple[str, ...],
             dependency_groups: tuple[str, ...], notes: list[str]) -> ToxEnv:
    where, lines = deps
    root = config_file.parent.absolute()
    requirements: list[str] = []
    files: dict[str, list[Path]] = {"requirement": [], "constraint": []}
    for line in lines:
        line = line.strip()
        option = _include_option(line)
        if option is not None:
            kind, target = option
            if kind == "editable":
                requirements.append(f"-e {_absolute_target(target, root)}")
            else:
                path = _included_file(kind, target, root, (where, config_file.name), notes)
                if path is not None:
                    files[kind].append(path)
        elif line.startswith("-"):
            notes.append(f"skipped deps line {line!r}: installdev does not pass pip options from tox's deps")
        else:
            requirements.append(_absolute_requirement(line, root))
    return ToxEnv(config_file, env, deduplicated(requirements), tuple(dict.fromkeys(files["requirement"])),
                  tuple(dict.fromkeys(files["constraint"])), extras, dependency_groups, deduplicated(notes))


def _include_option(line: str) -> tuple[str, str] | None:
    """``-r FILE``, ``-rFILE``, ``--requirement FILE``, ``--requirement=FILE`` (and ``-c``, ``-e`` alike) -> (kind,
    target, escaped spaces unescaped); None for any other line."""
    for option, kind in _INCLUDES.items():
        rest = line[len(option):]
        if not line.startswith(option) or not rest:
            continue
        if option.startswith("--") and rest[0] not in "= \t":
            continue
        target = rest[1:] if option.startswith("--") and rest[0] == "=" else rest
        return kind, target.strip().replace("\\ ", " ")
    return None


def _included_file(kind: str, target: str, root: Path, where: tuple[str, str], notes: list[str]) -> Path | None:
    """The absolute path of a ``-r``/``-c`` target (``where``: the deps key and the file to fix, for the error)."""
    flag = "-r" if kind == "requirement" else "-c"
    if _URL.match(target) and not target.lower().startswith("file:"):
        notes.append(f"skipped deps line '{flag} {target}': installdev reads only local {kind} files")
        return None
    if target.lower().startswith("file:"):
        from urllib.parse import urlsplit

        from installdev.request.project.requirements import url_path_to_local

        target = url_path_to_local(urlsplit(target).path)
    path = Path(os.path.normpath(root / os.path.expanduser(target)))
    if not path.is_file():
        raise ProjectError(f"{where[0]} names {flag} {target}, which does not exist: fix {where[1]} or pass {flag} FILE")
    return path


def _absolute_target(target: str, root: Path) -> str:
    """An editable or bare local target (``.``, ``../lib[extra]``) with its path made absolute; URLs as written."""
    if _URL.match(target):  # a scheme has two letters or more: a drive letter is no URL
        return target
    path, extras = re.fullmatch(r"(.*?)(\[[^\]]*\])?", target).groups()
    return f"{os.path.normpath(root / os.path.expanduser(path))}{extras or ''}"


def _absolute_requirement(line: str, root: Path) -> str:
    """A requirement line, a local path (starting with ``.``, ``~`` or containing ``/``) made absolute; a PEP 508
    requirement or URL as written."""
    target, marker = re.fullmatch(r"(\S*)(.*)", line).groups()
    if "@" in line or _URL.match(target) or not (target.startswith((".", "~")) or "/" in target):
        return line
    return f"{_absolute_target(target, root)}{marker}"
