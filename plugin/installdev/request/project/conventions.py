"""The file names a project is recognised by, as the tools agree on them: its project files, and the requirement
files that by convention hold its development set. Light (no parser), so the up-to-date path can list them.

The development set's files, tried in this order (the first that qualifies is the project's):

* the development file conventions (``requirements-dev.txt``, ``dev-requirements.txt``, ``requirements_dev.txt``,
  ``requirements/dev.txt``);
* the test file conventions (``test-requirements.txt``, ``requirements-test.txt`` and their ``_``/``tests``
  spellings, ``requirements/test.txt``, ``requirements/tests.txt``): what CONTRIBUTING guides tell developers to
  ``pip install -r`` beside the project;
* a root ``requirements.txt`` only when it installs the project itself (a line ``-e .``, ``.``, ``-e .[extra]``,
  ``--editable ./``): then it is a development file by construction; any other ``requirements.txt`` is the
  application's pins, not its development set.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from installdev.request.project.input_file import is_input_present, read_input_file

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
DEVELOPMENT_FILES = ("requirements-dev.txt", "dev-requirements.txt", "requirements_dev.txt", "requirements/dev.txt")
TEST_FILES = ("test-requirements.txt", "requirements-test.txt", "requirements_test.txt", "test_requirements.txt",
              "requirements-tests.txt", "tests-requirements.txt", "requirements/test.txt", "requirements/tests.txt")
SELF_INSTALLING_FILE = "requirements.txt"
TOOL_ENVIRONMENT_FILES = ("tox.ini", "tox.toml", "hatch.toml")  # tox's and hatch's own files, beside setup.cfg/pyproject
CONVENTIONAL_REQUIREMENT_FILES = (*DEVELOPMENT_FILES, *TEST_FILES, SELF_INSTALLING_FILE)
_INSTALLS_THE_PROJECT = re.compile(r"(?:(?:-e|--editable)\s*=?\s*)?\.(?:/)?(?:\[[^\]]*\])?")
_READ_AT_MOST = 1 << 16  # a requirements file that installs the project says so near its top


class ConventionalFile(NamedTuple):
    """A conventional development requirement file and why it counts as one."""

    path: Path
    why: str


def conventional_requirement_files(directory: Path) -> list[Path]:
    """The conventional requirement files ``directory`` holds, in CONVENTIONAL_REQUIREMENT_FILES order, whether or not
    they qualify (a ``requirements.txt`` that starts installing the project changes the choice)."""
    return [directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if is_input_present(directory / name)]


def installs_the_project(path: Path) -> str | None:
    """The line of requirement file ``path`` that installs the project of its directory itself, or None."""
    try:
        text = read_input_file(path)[:_READ_AT_MOST].decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if _INSTALLS_THE_PROJECT.fullmatch(line):
            return line
    return None


def conventional_requirement_file(directory: Path) -> ConventionalFile | None:
    """The first conventional file ``directory`` holds that qualifies as its development set (see the module), or
    None."""
    for path in conventional_requirement_files(directory):
        name = path.relative_to(directory).as_posix()
        if name in DEVELOPMENT_FILES:
            return ConventionalFile(path, "a conventional development requirements file")
        if name in TEST_FILES:
            return ConventionalFile(path, "a conventional test requirements file")
        line = installs_the_project(path)
        if line is not None:
            return ConventionalFile(path, f"it installs the project itself: {line}")
    return None
