"""Is the venv up to date? The inputs a venv depends on, what changed since its stamp, and proof that its
python still starts.

This module is the hot path of a no-op run. It imports nothing heavy (no virtualenv, filelock, hashlib or
subprocess): an input file whose size and modification time match the stamp keeps its recorded digest,
and only a file that looks changed is hashed. The venv's own python is run once, to prove it still
starts and is the recorded version.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Mapping

from installdev import __version__
from installdev.actions.stamp import StampReading, read_stamp
from installdev.actions.venvdir import MARKER_NAME, previous_path, venv_python
from installdev.errors import InstalldevError
from installdev.request.project import CONVENTIONAL_REQUIREMENT_FILES, find_version_file, normalize_extra
from installdev.request.requirements import requirement_file_closure

if TYPE_CHECKING:
    from installdev.request.settings import Settings


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file_state(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


def file_digests(paths: list[Path], recorded: dict | None) -> dict[str, list]:
    """``{path: [sha256, size, mtime_ns]}``; a file whose size and mtime match ``recorded`` is not re-read."""
    recorded = recorded or {}
    digests = {}
    for path in paths:
        key = str(path)
        state = _file_state(path)
        previous = recorded.get(key)
        if isinstance(previous, list) and len(previous) == 3 and previous[1:] == state:
            digests[key] = previous
        else:
            digests[key] = [_sha256(path), *state]
    return digests


# Variables that change what pip or uv installs (indexes, constraints, groups, resolution). Their values go
# into the stamp as one digest, so a changed index URL rebuilds without its credentials being written down.
INSTALL_VARIABLES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_CONSTRAINT", "PIP_BUILD_CONSTRAINT",
    "PIP_GROUP", "PIP_PRE", "PIP_ONLY_BINARY", "PIP_NO_BINARY", "PIP_UPGRADE_STRATEGY",
    "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_NO_INDEX",
    "UV_CONSTRAINT", "UV_BUILD_CONSTRAINT", "UV_OVERRIDE", "UV_PRERELEASE", "UV_RESOLUTION", "UV_EXCLUDE_NEWER",
    "UV_INDEX_STRATEGY", "UV_NO_BUILD_ISOLATION",
)


def environment_digest(env: Mapping[str, str]) -> str:
    """One digest of the INSTALL_VARIABLES that are set (their names and values)."""
    import hashlib

    present = "\0".join(f"{name}={env[name]}" for name in INSTALL_VARIABLES if env.get(name))
    return hashlib.sha256(present.encode("utf-8", "surrogateescape")).hexdigest()


def input_files(settings: Settings) -> list[Path]:
    """Every file the venv's content depends on. Raises ProjectError for a missing requirement or constraint file.

    The project's own files, the conventional development requirement files and the ``.python-version`` that exist
    (whether or not they end up chosen: their appearance can change the choice), and the closure of the requirement,
    constraint and build-constraint files given.
    """
    directory = settings.project.directory
    conventional = [directory / name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file()]
    version_file = find_version_file(directory)
    given = requirement_file_closure(settings.requirements + settings.constraints + settings.build_constraints)
    files = [*settings.project.input_files, *conventional, *([version_file] if version_file else []), *given]
    return list(dict.fromkeys(files))


def expected_inputs(settings: Settings, recorded: dict | None = None, env: Mapping[str, str] = os.environ) -> dict:
    """Everything a venv's content depends on, as the stamp records it. Raises ProjectError for a missing file."""
    return {
        "installdev": __version__,
        "python": settings.python or "auto",
        "extras": None if settings.extras is None else sorted(normalize_extra(extra) for extra in settings.extras),
        "groups": sorted(normalize_extra(group) for group in settings.groups),
        "no_default_groups": settings.no_default_groups,
        "requirements": [str(path) for path in settings.requirements],
        "constraints": [str(path) for path in settings.constraints],
        "build_constraints": [str(path) for path in settings.build_constraints],
        "mode_request": [settings.mode_request.mode, settings.mode_request.source],
        "system_site_packages": settings.system_site_packages,
        "installer": settings.installer,
        "seed_pip": settings.seed_pip,
        "environment": environment_digest(env),
        "files": file_digests(input_files(settings), (recorded or {}).get("files")),
    }


def input_changes(recorded: dict, expected: dict) -> list[str]:
    """What differs between the inputs a stamp recorded and the expected ones, one phrase per change."""
    changes = []
    for key, value in expected.items():
        if key != "files" and recorded.get(key) != value:
            changes.append(f"{key.replace('_', ' ')} changed ({recorded.get(key)!r} -> {value!r})")
    recorded_files = recorded.get("files", {})
    for path, (digest, *_) in expected["files"].items():
        if path not in recorded_files:
            changes.append(f"{path} is new")
        elif recorded_files[path][0] != digest:
            changes.append(f"{path} changed")
    changes.extend(f"{path} is gone" for path in recorded_files if path not in expected["files"])
    return changes


def _run_status(argv: list[str]) -> int:
    """Exit status of ``argv`` with output discarded; posix_spawn keeps subprocess off the hot path."""
    if hasattr(os, "posix_spawn"):
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ])
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    import subprocess

    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=60).returncode


def python_problem(venv: Path, expected_version: str) -> str | None:
    """Why the venv's python does not start as the recorded version, or None when it does."""
    python = venv_python(venv)
    if not os.path.exists(python):
        dangling = os.path.lexists(python)
        return f"{python} is {'a dangling link (its base interpreter was removed?)' if dangling else 'missing'}"
    version = tuple(int(part) for part in expected_version.split("."))
    check = f"import sys; sys.exit(0 if sys.version_info[:3] == {version!r} else 3)"
    try:
        status = _run_status([str(python), "-I", "-S", "-c", check])
    except OSError as error:
        return f"{python} does not start ({error.strerror or error})"
    if status == 3:
        return f"{python} no longer runs Python {expected_version}, the version it was built with"
    if status != 0:
        return f"{python} does not start (exit status {status})"
    return None


def is_empty_or_missing(venv: Path) -> bool:
    """No venv yet: nothing there, or an empty directory (Gradle pre-creates task outputs)."""
    if not os.path.lexists(venv):
        return True
    try:
        return venv.is_dir() and not venv.is_symlink() and not any(os.scandir(venv))
    except OSError:
        return False


def staleness(venv: Path, expected: dict, reading: StampReading) -> list[str]:
    """Why ``venv`` must be (re)built given its stamp; an empty list means it is up to date."""
    if is_empty_or_missing(venv):
        return ["no venv yet"]
    if reading.stamp is None:
        return [f"it has no valid stamp ({reading.problem or 'a previous build did not finish'})"]
    changes = input_changes(reading.stamp.inputs, expected)
    if changes:
        return changes
    problem = python_problem(venv, reading.stamp.python_version)
    return [problem] if problem else []


class Freshness(NamedTuple):
    """The venv against its stamp: the expected inputs, why it must be (re)built, and the stamp as read.

    ``problem`` is set when the inputs cannot even be listed (a requirement file is missing).
    """

    inputs: dict | None
    reasons: tuple[str, ...]
    reading: StampReading
    problem: InstalldevError | None = None

    @property
    def up_to_date(self) -> bool:
        return not self.reasons and self.problem is None


def assess(settings: Settings) -> Freshness:
    """Compare ``settings.venv`` with its stamp. Never raises for a missing input: that is ``problem``."""
    reading = read_stamp(settings.venv)
    try:
        inputs = expected_inputs(settings, reading.stamp.inputs if reading.stamp else None)
    except InstalldevError as error:
        return Freshness(None, (str(error),), reading, error)
    if settings.force:
        return Freshness(inputs, ("--force",), reading)
    if settings.venv.name and os.path.isfile(previous_path(settings.venv) / MARKER_NAME):  # "/" has no sibling
        return Freshness(inputs, ("a previous rebuild was interrupted",), reading)
    return Freshness(inputs, tuple(staleness(settings.venv, inputs, reading)), reading)
