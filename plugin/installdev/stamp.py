"""The up-to-date stamp: what a finished venv was built from, and whether that still holds.

This module is the hot path of a no-op run. It imports nothing heavy (no virtualenv, filelock,
hashlib or subprocess): an input file whose size and modification time match the stamp keeps its
recorded digest, and only a file that looks changed is hashed. The venv's own python is run once,
to prove it still starts and is the recorded version. The stamp is written last, atomically (a new
file in the venv, then ``os.replace``), so its presence means "complete".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from installdev import __version__
from installdev.project import normalize_extra, requirement_file_closure
from installdev.venvdir import stamp_path, venv_python

if TYPE_CHECKING:
    from installdev.settings import Settings


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


def expected_inputs(settings: Settings, recorded: dict | None = None) -> dict:
    """Everything a venv's content depends on, as the stamp records it. Raises ProjectError for a missing file."""
    files = [*settings.project.input_files, *requirement_file_closure(settings.requirements + settings.constraints)]
    return {
        "installdev": __version__,
        "python": settings.python,
        "extras": sorted(normalize_extra(extra) for extra in settings.extras),
        "requirements": [str(path) for path in settings.requirements],
        "constraints": [str(path) for path in settings.constraints],
        "mode_request": [settings.mode_request.mode, settings.mode_request.source],
        "system_site_packages": settings.system_site_packages,
        "installer": settings.installer,
        "seed_pip": settings.seed_pip,
        "files": file_digests(files, (recorded or {}).get("files")),
    }


def read_stamp(venv: Path) -> dict | None:
    try:
        with stamp_path(venv).open(encoding="utf-8") as handle:
            stamp = json.load(handle)
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _input_changes(recorded: dict, expected: dict) -> list[str]:
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


def python_problem(venv: Path, expected_version: str | None) -> str | None:
    """Why the venv's python does not start as the recorded version, or None when it does."""
    python = venv_python(venv)
    if not os.path.exists(python):
        dangling = os.path.lexists(python)
        return f"{python} is {'a dangling link (its base interpreter was removed?)' if dangling else 'missing'}"
    version = tuple(int(part) for part in (expected_version or "0.0.0").split("."))
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


def staleness(venv: Path, expected: dict, stamp: dict | None) -> list[str]:
    """Why ``venv`` must be (re)built given its ``stamp``; an empty list means it is up to date."""
    if not os.path.lexists(venv) or (venv.is_dir() and not any(venv.iterdir())):  # Gradle pre-creates outputs
        return ["no venv yet"]
    if stamp is None:
        return ["it has no valid stamp (a previous build did not finish)"]
    changes = _input_changes(stamp.get("inputs", {}), expected)
    if changes:
        return changes
    problem = python_problem(venv, stamp.get("python_version"))
    return [problem] if problem else []


def write_stamp(venv: Path, content: dict) -> None:
    """Write the stamp atomically: a new, uniquely named file in the venv (O_EXCL, no symlink followed),
    fsynced, then renamed over the stamp. Its mode follows the umask like any other file of the venv."""
    import secrets

    temp = venv / f".installdev-stamp-{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(content, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, stamp_path(venv))
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise
