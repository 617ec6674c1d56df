"""The up-to-date stamp: what a finished venv was built from, and whether that still holds.

This module is the hot path of a no-op run: it imports nothing heavy (no virtualenv, no filelock)
and runs only the venv's own python, once, to prove it still starts. The stamp is written last,
atomically (a temp file in the venv, then ``os.replace``), so its presence means "complete".
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
from pathlib import Path

from installdev import __version__
from installdev.project import normalize_extra, requirement_file_closure
from installdev.settings import Settings
from installdev.venvdir import stamp_path, venv_python

_VERSION_SCRIPT = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_inputs(settings: Settings) -> dict:
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
        "files": {str(path): _digest(path) for path in files},
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
        if key == "files":
            continue
        if recorded.get(key) != value:
            changes.append(f"{key.replace('_', ' ')} changed ({recorded.get(key)!r} -> {value!r})")
    recorded_files = recorded.get("files", {})
    for path, digest in expected["files"].items():
        if path not in recorded_files:
            changes.append(f"{path} is new")
        elif recorded_files[path] != digest:
            changes.append(f"{path} changed")
    changes.extend(f"{path} is gone" for path in recorded_files if path not in expected["files"])
    return changes


def python_problem(venv: Path, expected_version: str | None) -> str | None:
    """Why the venv's python does not start as recorded, or None when it does."""
    python = venv_python(venv)
    if not os.path.exists(python):
        dangling = os.path.lexists(python)
        return f"{python} is {'a dangling link (its base interpreter was removed?)' if dangling else 'missing'}"
    try:
        completed = subprocess.run(
            [str(python), "-I", "-S", "-c", _VERSION_SCRIPT],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{python} does not start ({error})"
    if completed.returncode != 0:
        return f"{python} does not start (exit status {completed.returncode})"
    version = completed.stdout.strip()
    if expected_version and version != expected_version:
        return f"{python} is now Python {version}, built with {expected_version}"
    return None


def staleness(venv: Path, expected: dict) -> list[str]:
    """Why ``venv`` must be (re)built; an empty list means it is up to date."""
    if not os.path.lexists(venv):
        return ["no venv yet"]
    stamp = read_stamp(venv)
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
