"""tox's development or test environment, read as tox 4 reads its configuration (https://tox.wiki/en/latest/config.html).

Where: the first of tox's five locations that exists, in tox's order: ``tox.ini``; ``setup.cfg`` with a ``[tox:tox]``
section; ``pyproject.toml`` ``[tool.tox] legacy_tox_ini`` (INI text); ``pyproject.toml`` ``[tool.tox]`` (native TOML);
``tox.toml``.

Which environment: ``dev`` when the configuration defines it (INI ``[testenv:dev]``, TOML ``[env.dev]``), else the base
run environment (INI ``[testenv]``, TOML ``[env_run_base]``) as tox evaluates it for the first entry of its env list
that names a Python (``py``, ``py3``, ``py312``, ``3.12``, ``pypy3``, with more factors: ``py312-django42``), else
for ``py``. A named environment falls back to ``[testenv]`` / ``[env_run_base]`` for a key it does not set.

What: ``deps`` (requirement lines; ``-r FILE`` and ``-c FILE`` relative to the tox root), ``extras`` and
``dependency_groups``. INI lines may be limited to factors (``py312: x``, ``lint,type: y``, ``a-b: z``, ``!py27: w``),
evaluated against the environment's factors (its name split at ``-``). Substitutions that do not depend on the run are
resolved (``{toxinidir}``, ``{tox_root}``, ``{env_name}``/``{envname}``, ``{/}``, ``{:}``, ``{[section]key}``; in TOML
the ``{ replace = "ref" }`` of another environment's list); a line needing one that does (``{env:...}``,
``{posargs}``, ``{envdir}``, ...) is left out and named in ``notes``. Pure but for reading the files; never writes.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file
from installdev.request.project.tables import deduplicated, normalize_name

DEV_ENV = "dev"
_PYTHON_ENV = re.compile(r"(?:py(?:py)?\d*(?:\.\d+)?|\d+\.\d+)(?:-.*)?")
_REFERENCE = re.compile(r"\{\[([^\]]+)\]([^}]+)\}")
_SUBSTITUTION = re.compile(r"\{([^{}]*)\}")
_FACTOR_LINE = re.compile(r"^([!\w.,\-]+)\s*:\s+(.*)$")


class ToxEnv(NamedTuple):
    """What the chosen tox environment installs besides the project, and where it was read."""

    config_file: Path
    section: str  # e.g. [testenv:dev], or [env_run_base] (as py312)
    requirement_lines: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    constraint_files: tuple[Path, ...]
    extras: tuple[str, ...]
    dependency_groups: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def reason(self) -> str:
        what = [word for word, present in (("deps", self.requirement_lines or self.requirement_files),
                                           (f"extras {', '.join(self.extras)}", self.extras),
                                           (f"dependency groups {', '.join(self.dependency_groups)}",
                                            self.dependency_groups)) if present]
        kind = "tox's dev environment" if self.section.startswith(("[testenv:dev]", "[env.dev]")) else \
            "tox's base test environment"
        return f"{self.config_file.name} {self.section} ({kind}): {'; '.join(what)}"


class _Raw(NamedTuple):
    """An environment's three keys as found, before paths are resolved: deps lines, extras, groups, notes."""

    deps: list[str]
    extras: list[str]
    groups: list[str]
    notes: list[str]


def tox_config_files(directory: Path) -> tuple[Path, ...]:
    """The files tox could read its configuration from (existence only, for the freshness watcher)."""
    return tuple(directory / name for name in ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")
                 if (directory / name).is_file())


def tox_development_env(directory: Path, pyproject: dict) -> ToxEnv | None:
    """The tox environment holding the project's development set (see the module), or None when the project has no tox
    configuration or that environment declares nothing. Raises ProjectError for a malformed configuration or a missing
    ``-r`` / ``-c`` file."""
    found = _find_configuration(directory, pyproject)
    if found is None:
        return None
    path, document = found
    section, raw = _read_ini(path, document) if isinstance(document, configparser.ConfigParser) else _read_toml(path, document)
    if not (raw.deps or raw.extras or raw.groups):
        return None
    lines, files, constraints = _split_deps(raw.deps, path, section)
    return ToxEnv(path, section, deduplicated(lines), tuple(dict.fromkeys(files)), tuple(dict.fromkeys(constraints)),
                  deduplicated(map(normalize_name, raw.extras)), deduplicated(map(normalize_name, raw.groups)),
                  tuple(raw.notes))


def _find_configuration(directory: Path, pyproject: dict) -> tuple[Path, object] | None:
    """The first of tox's locations that holds a configuration: its file and the parsed INI or TOML table."""
    tox_ini, setup_cfg = directory / "tox.ini", directory / "setup.cfg"
    if tox_ini.is_file():
        return tox_ini, _parse_ini(tox_ini, tox_ini.read_text(encoding="utf-8", errors="replace"), "tox")
    if setup_cfg.is_file():
        parsed = _parse_ini(setup_cfg, setup_cfg.read_text(encoding="utf-8", errors="replace"), "tox:tox")
        if parsed.has_section("tox:tox"):
            return setup_cfg, parsed
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    table = tool.get("tox")
    if isinstance(table, dict):
        legacy = table.get("legacy_tox_ini")
        if isinstance(legacy, str):
            return directory / "pyproject.toml", _parse_ini(directory / "pyproject.toml", legacy, "tox")
        return directory / "pyproject.toml", table
    tox_toml = directory / "tox.toml"
    if tox_toml.is_file():
        return tox_toml, parse_toml_file(tox_toml)
    return None


def _parse_ini(path: Path, text: str, core: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False, comment_prefixes=("#", ";"),
                                       inline_comment_prefixes=(" #",))
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        message = str(error).splitlines()[0]
        raise ProjectError(f"{path}: not a tox configuration installdev can read ({message}): fix the file") from None
    return parser


# ---------------------------------------------------------------------------------------------------- INI


def _python_env(names: list[str]) -> str:
    return next((name for name in names if _PYTHON_ENV.fullmatch(name)), "py")


def _ini_env_list(parser: configparser.ConfigParser) -> list[str]:
    core = "tox:tox" if parser.has_section("tox:tox") else "tox"
    text = parser.get(core, "env_list", fallback=None) or parser.get(core, "envlist", fallback="")
    names: list[str] = []
    for item in re.split(r"[\n,](?![^{]*\})", text):
        names.extend(_expand_generative(item.strip()))
    return [name for name in names if name]


def _expand_generative(item: str) -> list[str]:
    """tox's generative names: ``py{310,311}-x`` and ranges ``3.1{0-3}``."""
    match = re.search(r"\{([^{}]*)\}", item)
    if match is None:
        return [item]
    choices: list[str] = []
    for part in match.group(1).split(","):
        bounds = re.fullmatch(r"\s*(\d+)-(\d+)\s*", part)
        choices += [str(n) for n in range(int(bounds[1]), int(bounds[2]) + 1)] if bounds else [part.strip()]
    return [expanded for choice in choices
            for expanded in _expand_generative(item[:match.start()] + choice + item[match.end():])]


def _read_ini(path: Path, parser: configparser.ConfigParser) -> tuple[str, _Raw]:
    sections = [section for section in parser.sections() if section.startswith("testenv:")]
    if f"testenv:{DEV_ENV}" in sections:
        env, section = DEV_ENV, f"[testenv:{DEV_ENV}]"
    else:
        env = _python_env(_ini_env_list(parser))
        section = "[testenv]" + (f" (as {env})" if env != "py" else "")
    factors = set(env.split("-"))
    notes: list[str] = []

    def value(key: str) -> list[str]:
        for name in (f"testenv:{env}", "testenv") if env == DEV_ENV else ("testenv",):
            if parser.has_option(name, key):
                return _ini_lines(parser, parser.get(name, key), factors, env, path, notes)
        return []

    deps = value("deps")
    extras = [item for line in value("extras") for item in line.split(",") if item.strip()]
    groups = [item for line in value("dependency_groups") for item in line.split(",") if item.strip()]
    return section, _Raw(deps, [item.strip() for item in extras], [item.strip() for item in groups], notes)


def _ini_lines(parser: configparser.ConfigParser, text: str, factors: set[str], env: str, path: Path,
               notes: list[str], depth: int = 0) -> list[str]:
    """The value's lines for an environment with ``factors``: comments, continuations and other factors' lines gone,
    static substitutions and ``{[section]key}`` references resolved."""
    lines: list[str] = []
    for line in re.sub(r"\s*\\\n\s*", " ", text).splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        conditional = _FACTOR_LINE.match(line)
        if conditional and not _factors_hold(conditional.group(1), factors):
            continue
        line = conditional.group(2).strip() if conditional else line
        reference = _REFERENCE.fullmatch(line)
        if reference and depth < 8 and parser.has_option(reference[1], reference[2]):
            lines += _ini_lines(parser, parser.get(reference[1], reference[2]), factors, env, path, notes, depth + 1)
            continue
        resolved = _substitute(line, path.parent, env)
        if resolved is None:
            notes.append(f"left out {line!r}: tox substitutes it at run time")
        else:
            lines.append(resolved)
    return lines


def _factors_hold(condition: str, factors: set[str]) -> bool:
    """tox's factor condition: ``a,b`` any of them, ``a-b`` all of them, ``!a`` not a."""
    def holds(term: str) -> bool:
        return all((part[1:] not in factors) if part.startswith("!") else (part in factors) for part in term.split("-"))
    return any(holds(term.strip()) for term in condition.split(",") if term.strip())


def _substitute(line: str, root: Path, env: str) -> str | None:
    """``line`` with tox's static substitutions made; None when it needs one only the run can make."""
    static = {"toxinidir": str(root), "tox_root": str(root), "envname": env, "env_name": env, "/": os.sep,
              ":": os.pathsep}
    unresolved = False

    def replace(match: re.Match) -> str:
        nonlocal unresolved
        if match.group(1) in static:
            return static[match.group(1)]
        unresolved = True
        return match.group(0)

    resolved = _SUBSTITUTION.sub(replace, line)
    return None if unresolved else resolved


# ---------------------------------------------------------------------------------------------------- TOML


def _read_toml(path: Path, table: dict) -> tuple[str, _Raw]:
    envs = table.get("env", {}) if isinstance(table.get("env"), dict) else {}
    base = table.get("env_run_base", {}) if isinstance(table.get("env_run_base"), dict) else {}
    if isinstance(envs.get(DEV_ENV), dict):
        env, chain, section = DEV_ENV, [envs[DEV_ENV], base], f"[env.{DEV_ENV}]"
    else:
        names = [name for name in table.get("env_list", []) if isinstance(name, str)] \
            if isinstance(table.get("env_list"), list) else []
        env = _python_env(names)
        chain, section = [base], "[env_run_base]" + (f" (as {env})" if env != "py" else "")
    notes: list[str] = []

    def value(key: str) -> list[str]:
        for candidate in chain:
            if key in candidate:
                return _toml_list(candidate[key], key, path, env, table, notes)
        return []

    return section, _Raw(value("deps"), value("extras"), value("dependency_groups"), notes)


def _toml_list(value: object, key: str, path: Path, env: str, table: dict, notes: list[str], depth: int = 0) -> list[str]:
    if not isinstance(value, list):
        raise ProjectError(f"{path}: tox {key} must be a list, not {value!r}: fix the file")
    items: list[str] = []
    for item in value:
        if isinstance(item, str):
            resolved = _substitute(item, path.parent, env)
            if resolved is None:
                notes.append(f"left out {item!r}: tox substitutes it at run time")
            else:
                items.append(resolved)
        elif isinstance(item, dict) and item.get("replace") == "ref" and depth < 8:
            items += _toml_list(_referenced(item, table), key, path, env, table, notes, depth + 1)
        else:
            notes.append(f"left out {item!r} of {key}: tox decides it at run time")
    return items


def _referenced(reference: dict, table: dict) -> object:
    """The list a ``{ replace = "ref", of = [...] }`` names (``env`` + ``key`` also accepted), else an empty list."""
    where = reference.get("of") or ["env", reference.get("env"), reference.get("key")]
    node: object = table
    for part in where if isinstance(where, list) else []:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


# ---------------------------------------------------------------------------------------------------- deps


def _split_deps(deps: list[str], path: Path, section: str) -> tuple[list[str], list[Path], list[Path]]:
    """Requirement lines, ``-r`` files and ``-c`` files, the files relative to the tox root."""
    lines, files, constraints = [], [], []
    for line in deps:
        option = re.fullmatch(r"(-r|--requirement|-c|--constraint)\s*=?\s*(.+)", line)
        if option is None:
            lines.append(line)
            continue
        file = Path(os.path.normpath(path.parent / os.path.expanduser(option[2].strip())))
        if not file.is_file():
            raise ProjectError(f"{path} {section} deps names {option[1]} {option[2].strip()}, which does not exist: "
                               f"fix {path.name} or pass -r FILE")
        (constraints if option[1] in ("-c", "--constraint") else files).append(file)
    return lines, files, constraints
