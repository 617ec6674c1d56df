"""What a venv depends on, listed for build tools: the files whose change re-runs ``install-dev``, the files whose
appearance would, the environment variables installdev reads, the stamp and the venv's python.

The project files of the sibling directories the venv installs are inputs too: those its requirement files name
(``-e ../lib``), known before any build, and every one the built venv installs (a path source, a workspace member, a
sibling's own path dependency), read from its stamp when the venv is one the running user may trust.

``installdev inputs`` prints it; ``plugin/installdev.gradle`` and ``plugin/installdev.mk`` declare it as the inputs of
their install-dev step, so neither re-derives anything installdev knows. Reading only: nothing is written here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import installdev
from installdev.actions.freshness import input_files
from installdev.actions.stamp import read_stamp
from installdev.actions.venvdir import stamp_path, trust_problem, venv_python
from installdev.environment import COPIES_FLAG_SUFFIX, FLAG_PREFIXES, INSTALL_VARIABLES
from installdev.request.locks.rules import lock_candidates
from installdev.request.project.conventions import (
    CONVENTIONAL_REQUIREMENT_FILES,
    PROJECT_FILES,
    TOOL_ENVIRONMENT_FILES,
    conventional_requirement_files,
)
from installdev.request.project.requirements import local_directories, requirement_file_closure
from installdev.request.settings.envflags import FLAG_PREFIX_VARIABLE, copies_flag_names

if TYPE_CHECKING:
    from installdev.request.settings.resolve import Settings

# Every variable of these families is an input, not only the ones installdev reads today: a new DATAHUB_VENV_USE_COPIES
# or VIRTUALENV_* setting re-runs the build step, and installdev decides whether it matters.
VARIABLE_PATTERNS = (*(prefix + "*" for prefix in FLAG_PREFIXES), "*" + COPIES_FLAG_SUFFIX)


class VenvInputs(NamedTuple):
    """``files`` exist and change the venv when edited (installdev's own version file included, so an upgrade counts);
    ``absent`` do not exist and would change it by appearing. ``variables`` are exact names, ``variable_patterns``
    globs with one ``*``; an unset or empty variable counts as absent."""

    project: Path
    venv: Path
    stamp: Path
    python: Path
    files: tuple[Path, ...]
    absent: tuple[Path, ...]
    variables: tuple[str, ...]
    variable_patterns: tuple[str, ...] = VARIABLE_PATTERNS


def venv_inputs(settings: Settings) -> VenvInputs:
    """The inputs of ``settings.venv``. Raises ProjectError for a missing requirement or constraint file."""
    directory = settings.project.directory
    candidates = [directory / name for name in (*PROJECT_FILES, *TOOL_ENVIRONMENT_FILES, *CONVENTIONAL_REQUIREMENT_FILES)]
    candidates += lock_candidates(settings.project)
    files = [*input_files(settings), *_linked_files(settings), Path(installdev.__file__)]
    absent = [path for path in candidates if not path.exists()] + settings.project.version_file_search[1]
    variables = (FLAG_PREFIX_VARIABLE, *copies_flag_names(settings.flag_prefix), *INSTALL_VARIABLES)
    return VenvInputs(directory, settings.venv, stamp_path(settings.venv), venv_python(settings.venv),
                      tuple(dict.fromkeys(files)), tuple(dict.fromkeys(absent)), tuple(dict.fromkeys(variables)))


def _linked_files(settings: Settings) -> list[Path]:
    """The project files of the sibling directories the venv installs: named in its requirement files, or recorded in
    its stamp (none before the first build, or for a venv the running user may not trust)."""
    directory = settings.project.directory
    requirement_files = requirement_file_closure((*settings.requirements, *conventional_requirement_files(directory)))
    named = local_directories(requirement_files, directory)
    stamp = None if trust_problem(settings.venv) else read_stamp(settings.venv).stamp
    recorded = stamp.inputs.get("linked", []) if stamp is not None else []
    own = Path(os.path.realpath(directory))
    files = [sibling / name for sibling in named if sibling != own for name in PROJECT_FILES if (sibling / name).is_file()]
    files += [Path(path) for path in recorded if isinstance(path, str) and Path(path).is_file()]
    unique: dict[str, Path] = {}  # one entry per file, however its path is spelled
    for path in files:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def to_json(inputs: VenvInputs) -> dict:
    """The ``--format json`` document (schema 1)."""
    return {
        "schema": 1, "project": str(inputs.project), "venv": str(inputs.venv), "stamp": str(inputs.stamp),
        "python": str(inputs.python), "files": [str(path) for path in inputs.files],
        "absent": [str(path) for path in inputs.absent], "variables": list(inputs.variables),
        "variable_patterns": list(inputs.variable_patterns),
    }


def _make_word(path: Path) -> str:
    """``path`` as one word of a GNU Make rule line."""
    return str(path).replace("$", "$$").replace("#", "\\#").replace(" ", "\\ ").replace(":", "\\:")


def variables_regex(inputs: VenvInputs) -> str:
    """An extended regular expression (POSIX ERE, also Java's) matching ``NAME=value`` lines of the variables that
    matter with a non-empty value, as ``env`` prints them."""
    globs = [pattern.replace("*", "[A-Za-z0-9_]*") for pattern in inputs.variable_patterns]
    return "^(" + "|".join([*inputs.variables, *globs]) + ")=."


def to_make(inputs: VenvInputs) -> str:
    """A makefile for ``-include``: the stamp's prerequisites, an empty rule for each (a file that disappears, or a venv
    python that dangles, then counts as changed), a forced rebuild when an absent file appears, and the variables as
    the target-specific ``INSTALLDEV_VARIABLES_REGEX`` of the stamp."""
    stamp = _make_word(inputs.stamp)
    prerequisites = [_make_word(path) for path in (*inputs.files, inputs.python)]
    absent = " ".join(_make_word(path) for path in inputs.absent)
    return "".join([
        f"# The inputs of {inputs.venv}, from `installdev inputs --format make`: regenerated with the venv.\n",
        f"{stamp}:" + "".join(f" \\\n  {word}" for word in prerequisites) + "\n",
        "".join(f"{word}:\n" for word in prerequisites),
        f"{stamp}: $(if $(wildcard {absent}),.installdev-appeared)\n" if absent else "",
        f"{stamp}: INSTALLDEV_VARIABLES_REGEX := {variables_regex(inputs)}\n",
        ".PHONY: .installdev-appeared\n.installdev-appeared:\n",
    ])


def to_lines(inputs: VenvInputs) -> str:
    """The input files, one per line."""
    return "".join(f"{path}\n" for path in inputs.files)
