"""The venv directory: what may be deleted, and replacing a venv without ever losing a working one.

installdev deletes only directories it made itself: each venv gets a marker file before creation
starts. Never deleted, marker or not: ``/``, the home directory, the project directory and any
directory that contains it. A rebuild moves the previous (completed) venv aside to a sibling
``<venv>.installdev-previous`` in the same parent directory, builds the new one at the real path and
deletes the old one only after the new one is complete; any failure puts the old one back. A crash
part way through is repaired by ``recover`` on the next run, under the same lock.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from installdev.errors import UnsafeVenvPathError

if TYPE_CHECKING:
    from installdev.report import Reporter

MARKER_NAME = ".installdev-venv"
STAMP_NAME = ".installdev-stamp.json"
PREVIOUS_SUFFIX = ".installdev-previous"


class VenvKind(enum.Enum):
    """What is at a venv path now, as far as deleting or building into it goes."""

    MISSING = "missing"
    EMPTY = "empty"
    OURS = "made by installdev"
    FOREIGN_VENV = "a venv installdev did not make"
    NOT_A_VENV = "not a venv"
    NOT_A_DIRECTORY = "not a directory"


def _rmtree(path: Path, ignore_errors: bool = False) -> None:
    """Delete a venv directory installdev made, so that a kill -9 at any moment leaves it recognisably ours and
    incomplete: its stamp goes first and its marker last. (A plain rmtree, in directory order, may delete the
    marker early: the half-deleted rest would then be "not a venv" and refused, or left over, for ever.)"""
    import shutil  # off the up-to-date path, which never deletes

    def attempt(action, target) -> None:
        try:
            action(target)
        except FileNotFoundError:
            pass
        except OSError:
            if not ignore_errors:
                raise

    attempt(os.unlink, stamp_path(path))
    try:
        entries = list(os.scandir(path))
    except OSError:
        if ignore_errors:
            return
        raise
    for entry in entries:
        if entry.name != MARKER_NAME:
            attempt(shutil.rmtree if entry.is_dir(follow_symlinks=False) else os.unlink, entry.path)
    attempt(os.unlink, path / MARKER_NAME)
    attempt(os.rmdir, path)


def venv_python(venv: Path) -> Path:
    if sys.platform.startswith("win"):
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def stamp_path(venv: Path) -> Path:
    return venv / STAMP_NAME


def previous_path(venv: Path) -> Path:
    return venv.with_name(venv.name + PREVIOUS_SUFFIX)


def classify(venv: Path) -> VenvKind:
    if not os.path.lexists(venv):
        return VenvKind.MISSING
    if not venv.is_dir() or venv.is_symlink():
        return VenvKind.NOT_A_DIRECTORY
    if (venv / MARKER_NAME).is_file():
        return VenvKind.OURS
    if not any(venv.iterdir()):
        return VenvKind.EMPTY
    if (venv / "pyvenv.cfg").is_file():
        return VenvKind.FOREIGN_VENV
    return VenvKind.NOT_A_VENV


def protected_reason(venv: Path, project_dir: Path) -> str | None:
    """Why ``venv`` must never be deleted whatever it contains, or None."""
    real = Path(os.path.realpath(venv))
    project = Path(os.path.realpath(project_dir))
    if real == Path(real.anchor):
        return "it is the filesystem root"
    if real == Path(os.path.realpath(Path.home())):
        return "it is your home directory"
    if real == project:
        return "it is the project directory"
    if real in project.parents:
        return "it contains the project directory"
    return None


def check_venv_path(venv: Path, project_dir: Path) -> VenvKind:
    """Refuse a --venv that installdev must not build in; return its classification."""
    reason = protected_reason(venv, project_dir)
    if reason:
        raise UnsafeVenvPathError(f"refusing to use {venv} as the venv: {reason}; pass --venv with a dedicated directory")
    kind = classify(venv)
    if kind == VenvKind.NOT_A_DIRECTORY:
        raise UnsafeVenvPathError(f"--venv {venv} exists and is not a directory: remove it or pass another --venv")
    if kind == VenvKind.NOT_A_VENV:
        raise UnsafeVenvPathError(
            f"--venv {venv} is a non-empty directory that is not a venv; its files were left untouched: "
            "pass another --venv"
        )
    if kind == VenvKind.FOREIGN_VENV:
        raise UnsafeVenvPathError(
            f"{venv} is a venv installdev did not make, so it will not replace it: "
            f"remove it yourself (rm -rf {venv}) or pass another --venv"
        )
    return kind


def remove_own_venv(venv: Path, project_dir: Path) -> bool:
    """Delete ``venv`` if installdev made it; return whether anything was removed. Refuses anything else."""
    kind = check_venv_path(venv, project_dir)
    if kind == VenvKind.MISSING:
        return False
    _rmtree(venv)
    return True


def claim(venv: Path) -> None:
    """Mark ``venv`` (created if missing) as installdev's before anything is built in it."""
    venv.mkdir(exist_ok=True)
    (venv / MARKER_NAME).write_text("This venv is managed by installdev; it may delete and rebuild it.\n")


def reset(venv: Path) -> None:
    """Empty a venv installdev is building, to start it again."""
    _rmtree(venv)
    claim(venv)


def recover(venv: Path, project_dir: Path, reporter: Reporter) -> None:
    """Repair what an interrupted rebuild left: finish it if the new venv is complete, else restore the old one."""
    previous = previous_path(venv)
    if classify(previous) != VenvKind.OURS:
        return
    if classify(venv) == VenvKind.OURS and stamp_path(venv).is_file():
        _rmtree(previous)
        reporter.info(f"removed {previous.name} left by an interrupted rebuild (the new venv was complete)")
        return
    if classify(venv) in (VenvKind.OURS, VenvKind.EMPTY):  # EMPTY: killed between creating the new venv's directory and marking it
        remove_own_venv(venv, project_dir)
    if classify(venv) == VenvKind.MISSING:
        os.rename(previous, venv)
        reporter.info(f"restored the previous venv {venv} left aside by an interrupted rebuild")


@contextmanager
def replacing(venv: Path, project_dir: Path, reporter: Reporter) -> Iterator[None]:
    """Build a new venv at ``venv`` inside the block; keep the previous complete one until the block succeeds.

    An incomplete previous venv (no stamp: an interrupted first build) is deleted, not kept.
    """
    previous = previous_path(venv)
    kind = check_venv_path(venv, project_dir)
    kept = kind == VenvKind.OURS and stamp_path(venv).is_file()
    if kept:
        os.rename(venv, previous)
    elif kind == VenvKind.OURS:
        _rmtree(venv)
    try:
        claim(venv)
        yield
    except BaseException:
        if classify(venv) == VenvKind.OURS:
            _rmtree(venv, ignore_errors=True)
        if kept:
            os.rename(previous, venv)
            reporter.warning(f"the build failed; the previous venv is still in place at {venv}")
        raise
    if kept:
        _rmtree(previous)
