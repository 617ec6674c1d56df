"""The words several roles share, as enums: how the interpreter is linked, what makes the venv, and what installs
into it.

Both are ``str`` enums whose ``str()`` is the plain value, so they print, compare with, and serialize to
the same strings the command line, the stamp and ``--json`` use.
"""

from __future__ import annotations

import enum


class _Word(str, enum.Enum):
    def __str__(self) -> str:
        return self.value


class LinkMode(_Word):
    """How the venv holds its interpreter: symlinks to the base, or copies of it."""

    COPIES = "copies"
    SYMLINKS = "symlinks"


class InstallerName(_Word):
    """What installs into the venv. ``AUTO`` is a request only: uv when it is installed, else pip."""

    AUTO = "auto"
    PIP = "pip"
    UV = "uv"


class CreatorName(_Word):
    """What makes the venv's directory, interpreter links and activation scripts."""

    VIRTUALENV = "virtualenv"
    UV = "uv"
