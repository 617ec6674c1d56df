"""What ``--python`` (or the ``python`` setting) names, and the interpreter file it stands for.

A path is used as given and a name found on PATH as found, as a shell would run them. A version request (``3.12``,
``>=3.12``, ``cpython3.12``, ``cpython@3.12``, any form ``.python-version`` takes) is resolved by installdev's own
finder (:mod:`installdev.host.python_finder`: PATH, pyenv, uv-managed, the py launcher) to the newest interpreter that
matches it and the project's requires-python. So is a name such as ``python3.12`` whose PATH match is a pyenv shim
that cannot run (pyenv selects no 3.12 here) or that is not on PATH at all: the version its name says.
"""

from __future__ import annotations

import enum
import os
import shutil
from collections.abc import Mapping
from typing import NamedTuple

from installdev.errors import BadPythonError
from installdev.host.python_finder import (
    PythonCandidate,
    choose_among,
    find_python_candidates,
    install_tool,
    is_pyenv_shim,
    probe_python,
)
from installdev.request.project.python_request import (
    MINIMUM_SEEDABLE,
    NEWEST_KNOWN_MINOR,
    PythonRequest,
    PythonVersionPin,
    parse_version_request,
)


class AskedKind(enum.Enum):
    """How the value asked for is read; each value says why."""

    PATH = "it holds a directory separator: the interpreter at that path"
    NAME = "a name found on PATH: what a shell would run"
    SHIM = "a pyenv shim on PATH that cannot run here: the newest interpreter installdev finds of the version its name says"
    VERSION = "a version request, or a versioned name not on PATH: the newest matching interpreter installdev finds"


class AskedPython(NamedTuple):
    """The file to base the venv on (for PATH and NAME, the value as given: ``discover`` locates it) and, when installdev
    resolved it, how (for the reasons line)."""

    kind: AskedKind
    path: str
    how: str | None = None


def asked_python(requested: str, named: str, request: PythonRequest, env: Mapping[str, str] = os.environ) -> AskedPython:
    """Resolve ``requested`` (see the module docstring); ``named`` is how messages name it (``--python 3.12``).

    Raises BadPythonError (exit 9) when a version request fits no Python the project accepts, or when no interpreter
    installdev finds matches it: the message names the version and the command that installs it on this machine."""
    if os.sep in requested or (os.altsep and os.altsep in requested):
        return AskedPython(AskedKind.PATH, requested)
    found = shutil.which(requested, path=env.get("PATH"))
    pin = _version_in(requested)
    if found and pin is not None and is_pyenv_shim(found, env) and probe_python(PythonCandidate(found, "PATH", None)) is None:
        return _resolved(AskedKind.SHIM, requested, pin, named, request, env,
                         f"{found} is a pyenv shim that cannot run here, so ")
    if found or pin is None:
        return AskedPython(AskedKind.NAME, requested)
    return _resolved(AskedKind.VERSION, requested, pin, named, request, env, "")


def _version_in(requested: str) -> PythonVersionPin | None:
    """The version request ``requested`` is (a bare ``python`` asks for any); None when it is none."""
    if requested.lower() in ("python", "python.exe"):
        return PythonVersionPin(requested)
    pin = parse_version_request(requested)
    return None if pin.unsupported else pin


def _resolved(kind: AskedKind, requested: str, pin: PythonVersionPin, named: str, request: PythonRequest,
              env: Mapping[str, str], preamble: str) -> AskedPython:
    asked = request.asking(pin, named)
    if not _fits_somewhere(asked, pin):
        raise BadPythonError(f"{named}: {_misfit(request, pin)}: pass a version the project accepts, or no --python to "
                             "let installdev choose one")
    chosen = choose_among(asked, None, find_python_candidates(env), probe_python, install_tool(env))
    python = chosen.python
    return AskedPython(kind, python.path, f"{preamble}Python {python.version_text}, {python.where()}, the newest "
                                          f"installdev found that matches {requested}")


def _fits_somewhere(asked: PythonRequest, pin: PythonVersionPin) -> bool:
    """Whether some Python could match the asked ``pin`` and the project's constraints (3.99 may: it is only unknown)."""
    if len(pin.version) >= 2:
        return asked.may_accept(pin.version)
    return any(asked.may_accept((3, minor)) for minor in range(MINIMUM_SEEDABLE[1], NEWEST_KNOWN_MINOR + 1))


def _misfit(request: PythonRequest, pin: PythonVersionPin) -> str:
    """Why no Python can match ``pin``: below what virtualenv seeds, or outside requires-python."""
    if len(pin.version) >= 2 and tuple(pin.version[:2]) < MINIMUM_SEEDABLE:
        return f"Python {pin.text} is older than {'.'.join(map(str, MINIMUM_SEEDABLE))}, the oldest virtualenv 21 can seed"
    accepted = request.requires_python.described if request.requires_python else "what installdev supports"
    return f"no Python {pin.text} satisfies {accepted}"
