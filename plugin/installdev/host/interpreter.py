"""Base interpreter discovery: which python the venv is built on, and why.

The path the user gave is kept unresolved (Homebrew's ``opt/python@3.X/bin`` survives patch
upgrades, a resolved ``Cellar/3.X.Y`` path does not). One exception: a Nix ``python3.withPackages``
environment with a legacy wrapper reports ``sys.prefix`` = the read-only env, so a venv built on it
points into the store; the venv is built on the real interpreter under ``sys.base_prefix`` instead,
and the env's packages are reached through a ``.pth`` file when system site packages are asked for.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import NamedTuple

from installdev.errors import BadPythonError

MINIMUM_VERSION = (3, 9)  # the oldest CPython the bundled virtualenv 21.15 seeds pip for

_INFO_SCRIPT = """
import json, os, site, sys, sysconfig
print(json.dumps({
    "version": list(sys.version_info[:3]),
    "implementation": sys.implementation.name,
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "pyvenv_cfg": os.path.isfile(os.path.join(sys.prefix, "pyvenv.cfg")),
    "purelib": sysconfig.get_paths()["purelib"],
}))
"""


class BasePython(NamedTuple):
    requested: str  # what the user asked for (path or name)
    path: str  # what virtualenv is given
    version: tuple[int, int, int]
    implementation: str = "cpython"
    reasons: tuple[str, ...] = ()
    nix_env_site_packages: str | None = None  # for the .pth of a legacy Nix env

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def locate(requested: str, named: str) -> str:
    """An absolute path for ``requested`` (a path, or a name looked up on PATH), not resolving symlinks. ``named`` is how
    errors name it (``--python X``, or the setting it came from)."""
    if os.sep in requested or (os.altsep and os.altsep in requested):
        path = requested
        if not os.path.lexists(path):
            raise BadPythonError(f"{named} does not exist: pass the path of a Python 3 interpreter")
    else:
        found = shutil.which(requested)
        if not found:
            raise BadPythonError(f"{named} is not on PATH: install it or pass its full path")
        path = os.path.abspath(found)
    if not os.path.exists(path):
        raise BadPythonError(f"{named} is a dangling link (its interpreter was removed): pick another")
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise BadPythonError(f"{named} is not an executable file: pass the interpreter itself")
    return path


def running_base() -> str:
    """The base interpreter of the venv running installdev (the one its pyvenv.cfg ``home`` names), or
    ``sys.executable`` when it runs in no venv or the base cannot be found."""
    config = os.path.join(sys.prefix, "pyvenv.cfg")
    if sys.prefix == sys.base_prefix or not os.path.isfile(config):
        return sys.executable
    base = getattr(sys, "_base_executable", "")
    if base and os.path.dirname(base) != os.path.dirname(sys.executable) and os.access(base, os.X_OK):
        return base
    home = os.path.join(sys.base_prefix, "Scripts" if os.name == "nt" else "bin")
    names = (f"python{sys.version_info[0]}.{sys.version_info[1]}", "python3", "python")
    return next((os.path.join(home, name) for name in names if os.access(os.path.join(home, name), os.X_OK)),
                sys.executable)


def _own_info() -> dict:
    """``_INFO_SCRIPT``'s answer for the interpreter running installdev, read from this process."""
    import sysconfig

    return {"version": list(sys.version_info[:3]), "implementation": sys.implementation.name, "executable": sys.executable,
            "prefix": sys.prefix, "base_prefix": sys.base_prefix,
            "pyvenv_cfg": os.path.isfile(os.path.join(sys.prefix, "pyvenv.cfg")), "purelib": sysconfig.get_paths()["purelib"]}


def interpreter_info(path: str, named: str) -> dict:
    """What ``_INFO_SCRIPT`` prints when ``path`` runs it; the interpreter running installdev answers without a run.
    ``named`` is how errors name it."""
    if sys.executable and path in (sys.executable, running_base()):  # the running one, or the base of its venv
        return _own_info()
    try:
        completed = subprocess.run(
            [path, "-I", "-c", _INFO_SCRIPT], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BadPythonError(f"{named} could not be run ({error}): pass a working Python 3 interpreter") from None
    try:
        info = json.loads(completed.stdout.strip().splitlines()[-1])
        if isinstance(info, dict) and set(_INFO_KEYS) <= set(info) and _valid_version(info["version"]):
            return info
    except (ValueError, IndexError):
        pass
    raise BadPythonError(
        f"{named} is not a working Python 3 interpreter (exit status {completed.returncode}): "
        "pass the path of python3"
    )


_INFO_KEYS = ("version", "implementation", "executable", "prefix", "base_prefix", "pyvenv_cfg", "purelib")


def _valid_version(version: object) -> bool:
    return isinstance(version, list) and len(version) == 3 and all(isinstance(part, int) for part in version)


def discover(requested: str, named: str) -> BasePython:
    """Run the requested interpreter once and decide what the venv is built on. Errors name it ``named`` (``--python
    X``, the setting it came from, or "the chosen interpreter")."""
    path = locate(requested, named)
    info = interpreter_info(path, named)
    version = tuple(info["version"])
    if info["implementation"] != "cpython" and info["implementation"] != "pypy":
        raise BadPythonError(f"{named} is {info['implementation']}, which virtualenv cannot base a venv on")
    if version < MINIMUM_VERSION:
        raise BadPythonError(
            f"{named} is Python {'.'.join(map(str, version))}; virtualenv needs "
            f"{'.'.join(map(str, MINIMUM_VERSION))} or newer: pass a newer interpreter"
        )
    legacy_nix_env = info["prefix"] != info["base_prefix"] and not info["pyvenv_cfg"]
    if not legacy_nix_env:
        return BasePython(requested, path, version, info["implementation"])
    major, minor = version[:2]
    real = os.path.join(info["base_prefix"], "bin", f"python{major}.{minor}")
    if not os.access(real, os.X_OK):
        raise BadPythonError(
            f"{named} looks like a wrapped environment (sys.prefix {info['prefix']} is not a venv) "
            f"but {real} is missing: pass the real interpreter"
        )
    reason = (
        f"{path} is a wrapper environment ({info['prefix']}, the Nix legacy kind): "
        f"building on its real interpreter {real} so the venv owns its prefix"
    )
    return BasePython(requested, real, version, info["implementation"], (reason,), nix_env_site_packages=info["purelib"])
