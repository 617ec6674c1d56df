"""The words several roles share, as enums: how the interpreter is linked, what makes the venv, what installs into
it, and which check of the plan found a problem.

Each is a ``str`` enum whose ``str()`` is the plain value, so they print, compare with, and serialize to
the same strings the command line, the stamp and ``--json`` use.
"""

from __future__ import annotations

import enum


class Word(str, enum.Enum):
    def __str__(self) -> str:
        return self.value


class LinkMode(Word):
    """How the venv holds its interpreter: symlinks to the base, or copies of it."""

    COPIES = "copies"
    SYMLINKS = "symlinks"


class InstallerName(Word):
    """What installs into the venv. ``AUTO`` is a request only: uv when it is installed, else pip."""

    AUTO = "auto"
    PIP = "pip"
    UV = "uv"


class CreatorName(Word):
    """What makes the venv's directory, interpreter links and activation scripts."""

    VIRTUALENV = "virtualenv"
    UV = "uv"


class Check(Word):
    """Which check found a problem: the plan's, in the order it makes them (``installdev.plan.make_plan``), and the
    settings themselves (doctor's report of settings it cannot read). ``--json`` names them by these values."""

    SETTINGS = "settings"
    INPUTS = "inputs"
    LOCK = "lock"
    DEVELOPMENT = "development"
    VENV = "venv"
    PYTHON = "python"
    INSTALLER = "installer"
    DESTINATION = "destination"
