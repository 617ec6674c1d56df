"""Replacing a venv without ever losing a working one, and repairing what an interrupted rebuild left.

A rebuild moves the previous (complete) venv aside to a sibling ``<venv>.installdev-previous``, builds the new one at
the real path and deletes the old one only after the new one is complete; any failure puts the old one back. Where
the venv directory itself cannot be renamed (a mount point such as a container volume, a parent that is not writable,
a sibling name that would be too long) the rebuild happens in place with the same promise: the previous venv's entries
move into ``<venv>/.installdev-previous`` (through ``<venv>/.installdev-returning`` while they move either way), the
new venv is built beside them in the same directory, and they are deleted or moved back. A crash at any step is
repaired by ``recover`` on the next run, under the same lock: while ``.installdev-returning`` exists every entry
belongs to the previous venv, so they are merged back; with ``.installdev-previous`` the new venv's stamp (written
last) tells whether to delete the previous one or put it back.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from installdev.actions.ownership import distrust
from installdev.actions.venvdir import (
    IN_PLACE_KEEPS,
    INNER_PREVIOUS,
    INNER_RETURNING,
    STAYS_IN_PLACE,
    VenvKind,
    check_venv_path,
    claim,
    classify,
    emptied_previous,
    empty,
    is_probe,
    previous_path,
    remove_entry,
    remove_own_venv,
    remove_tree,
    stamp_path,
    trust_problem,
)
from installdev.errors import HostUnsupportedError, UnsafeVenvPathError

if TYPE_CHECKING:
    from installdev.report import Reporter


def _move_all(source: Path, target: Path) -> None:
    """Move every entry of ``source`` except the in-place keeps and probe directories into ``target``."""
    for entry in list(os.scandir(source)):
        if entry.name not in IN_PLACE_KEEPS and not is_probe(entry.name):
            destination = target / entry.name
            if os.path.lexists(destination):
                remove_entry(str(destination), ignore_errors=False)
            os.rename(entry.path, destination)


def _set_aside(venv: Path) -> Path:
    """Move the complete venv aside, to its sibling or, when its directory cannot be renamed, into itself; return where."""
    previous = previous_path(venv)
    try:
        os.rename(venv, previous)
        return previous
    except OSError as error:
        if error.errno not in STAYS_IN_PLACE or os.path.lexists(previous):
            raise HostUnsupportedError(f"cannot move {venv} aside to {previous.name}: {error.strerror}") from None
    returning = venv / INNER_RETURNING
    os.mkdir(returning, 0o700)
    _move_all(venv, returning)
    os.rename(returning, venv / INNER_PREVIOUS)
    return venv / INNER_PREVIOUS


def _merge_back(venv: Path) -> None:
    returning = venv / INNER_RETURNING
    _move_all(returning, venv)
    os.rmdir(returning)


def _put_back(venv: Path, previous: Path) -> None:
    """Put the previous venv back in place of whatever new one is at ``venv``."""
    if previous.parent == venv:
        empty(venv, keep=IN_PLACE_KEEPS)
        os.rename(previous, venv / INNER_RETURNING)
        _merge_back(venv)
        return
    if classify(venv) == VenvKind.OURS:
        remove_tree(venv, ignore_errors=True)
    os.rename(previous, venv)


def _foreign_previous(previous: Path) -> str | None:
    """Why a ``.installdev-previous`` sibling is not one installdev may restore or delete, or None."""
    status = os.lstat(previous)
    if stat.S_ISLNK(status.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(status.st_mode):
        return "is not a directory"
    found = distrust(previous, status)
    if found:
        return found.why
    return None if classify(previous) == VenvKind.OURS else "is not a venv installdev made"


def recover(venv: Path, project_dir: Path, reporter: Reporter) -> None:
    """Repair what an interrupted rebuild left: finish it if the new venv is complete, else restore the old one; roll
    back an interrupted update (``installdev.actions.update_journal``).

    Raises UnsafeVenvPathError for a ``.installdev-previous`` sibling that is not a venv installdev made for this user.
    """
    previous = previous_path(venv)
    if venv.name and emptied_previous(venv):
        os.rmdir(previous)
        reporter.info(f"removed the empty {previous.name} left by an interrupted deletion of the previous venv")
    if venv.name and os.path.lexists(previous):  # "/" has no sibling
        problem = _foreign_previous(previous)
        if problem:
            raise UnsafeVenvPathError(f"{previous}, in the way of rebuilding {venv.name}, {problem}; its files were left "
                                      "untouched: remove it (or have its owner remove it) and run again")
        if classify(venv) == VenvKind.OURS and stamp_path(venv).is_file():
            remove_tree(previous)
            reporter.info(f"removed {previous.name} left by an interrupted rebuild (the new venv was complete)")
            return
        if classify(venv) in (VenvKind.OURS, VenvKind.EMPTY):  # EMPTY: killed between making the new directory and marking it
            remove_own_venv(venv, project_dir)
        if classify(venv) == VenvKind.MISSING:
            os.rename(previous, venv)
            reporter.info(f"restored the previous venv {venv} left aside by an interrupted rebuild")
        return
    if classify(venv) != VenvKind.OURS or trust_problem(venv):
        return
    from installdev.actions.update_journal import recover_update

    repaired = recover_update(venv)
    if repaired:
        reporter.info(repaired)
        return
    if os.path.isdir(venv / INNER_RETURNING):
        _merge_back(venv)
    elif os.path.isdir(venv / INNER_PREVIOUS):
        if stamp_path(venv).is_file():
            remove_tree(venv / INNER_PREVIOUS)
            reporter.info(f"removed {INNER_PREVIOUS} left in {venv} by an interrupted rebuild (the new venv was complete)")
            return
        _put_back(venv, venv / INNER_PREVIOUS)
    else:
        return
    reporter.info(f"restored the previous venv {venv} left aside by an interrupted rebuild")


@contextmanager
def replacing(venv: Path, project_dir: Path, reporter: Reporter) -> Iterator[None]:
    """Build a new venv at ``venv`` inside the block; keep the previous complete one until the block succeeds.

    An incomplete previous venv (no stamp: an interrupted first build) is deleted, not kept.
    """
    kind = check_venv_path(venv, project_dir)
    kept = kind == VenvKind.OURS and stamp_path(venv).is_file()
    previous = _set_aside(venv) if kept else None
    if kind == VenvKind.OURS and not kept:
        remove_tree(venv)
    try:
        claim(venv)
        yield
    except BaseException:
        if previous is not None:
            _put_back(venv, previous)
            reporter.warning(f"the build failed; the previous venv is still in place at {venv}")
        elif classify(venv) == VenvKind.OURS:
            remove_tree(venv, ignore_errors=True)
        raise
    if previous is not None:
        remove_tree(previous)
