"""A lock read by installdev itself: the exact packages to install, as requirement files pip or uv install with
``--no-deps`` (the lock already holds the whole closure).

The readers (``uvlock``, ``pylock``, ``poetrylock``, ``pdmlock``) evaluate environment markers for the venv's interpreter
(``target_environment``), so the set is final. ``requirement_texts`` splits it in two files: packages with hashes,
installed in pip's hash-checking mode, and the rest (local directories, VCS checkouts, locks without hashes), which
hash-checking mode would refuse.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple


class LockedPackage(NamedTuple):
    """One package of a lock: ``line`` is its requirement (``name==1.0``, ``name @ URL``, ``-e /abs/dir``), ``hashes``
    are ``algorithm:digest`` strings; ``directory`` is set for a local directory (editable or not)."""

    name: str
    line: str
    hashes: tuple[str, ...] = ()
    directory: Path | None = None


class LockedSet(NamedTuple):
    """What a lock installs: its packages and the index options its sources need (``--find-links DIR``...); or, for a
    lock that cannot say which packages (``constraints`` set), its pinned versions as constraints of a normal install."""

    packages: tuple[LockedPackage, ...]
    index_options: tuple[str, ...]
    note: str = ""  # how the lock was read, when installdev had to depart from its tool (one line)
    constraints: tuple[str, ...] = ()

    def directories(self) -> list[Path]:
        return [package.directory for package in self.packages if package.directory is not None]


def target_environment(version: tuple[int, ...], extras: Iterable[str] = (), groups: Iterable[str] = ()) -> dict:
    """The marker environment of a CPython ``version`` on this host, with the selected ``extras`` and ``groups`` (PEP 751
    ``extras`` / ``dependency_groups`` markers); ``extra`` is the empty string."""
    import platform  # loaded here only: a build that reads no lock does not pay its import

    full = ".".join(str(part) for part in version[:3])
    return {
        "implementation_name": sys.implementation.name, "implementation_version": full, "os_name": os.name,
        "platform_machine": platform.machine(), "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(), "platform_system": platform.system(),
        "platform_version": platform.version(), "python_full_version": full,
        "python_version": ".".join(str(part) for part in version[:2]), "sys_platform": sys.platform,
        "extra": "", "extras": frozenset(extras), "dependency_groups": frozenset(groups),
    }


def marker_matches(marker: str | None, environment: Mapping[str, object], extras: Iterable[str] = ()) -> bool:
    """Whether ``marker`` holds in ``environment``, for no extra or any of ``extras``; a marker packaging cannot read
    counts as true (the installer, which reads it too, decides)."""
    if not marker or not marker.strip():
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return True
    for extra in ("", *extras):
        try:
            if _evaluate(parsed, {**environment, "extra": extra}):
                return True
        except (UndefinedComparison, UndefinedEnvironmentName, TypeError, ValueError):
            return True
    return False


def _evaluate(marker, environment: dict) -> bool:
    try:
        return marker.evaluate(environment, "lock_file")  # packaging >= 25: extras / dependency_groups sets
    except TypeError:
        plain = {key: value for key, value in environment.items() if isinstance(value, str)}
        return marker.evaluate(plain)


def requirement_line(name: str, version: str) -> str:
    return f"{name}=={version}"


def editable_line(directory: Path) -> str:
    return f"-e {directory}"


def requirement_texts(locked: LockedSet) -> tuple[str, str]:
    """The hashed packages' requirements file (pip's hash-checking mode) and the others' (either may be empty)."""
    options = "".join(option + "\n" for option in locked.index_options)
    hashed = [package for package in locked.packages if package.hashes and not package.line.startswith("-e ")]
    others = [package for package in locked.packages if package not in hashed]

    def render(packages: list[LockedPackage]) -> str:
        lines = [package.line + "".join(f" --hash={digest}" for digest in package.hashes if package in hashed)
                 for package in packages]
        return options + "".join(line + "\n" for line in lines) if lines else ""

    return render(hashed), render(others)


def local_index_option(location: str, base: Path) -> str:
    """``--find-links DIR`` for a lock source that is a local directory of distributions (or a ``file:`` URL of one),
    ``--extra-index-url URL`` for a remote index other than PyPI, "" for PyPI."""
    if location.startswith("file:"):
        from urllib.parse import urlparse

        from installdev.request.project.requirements import url_path_to_local

        return f"--find-links {url_path_to_local(urlparse(location).path)}"
    if "://" not in location:
        return f"--find-links {os.path.normpath(base / location)}"
    if location.rstrip("/") in ("https://pypi.org/simple", "https://pypi.python.org/simple"):
        return ""
    return f"--extra-index-url {location}"
