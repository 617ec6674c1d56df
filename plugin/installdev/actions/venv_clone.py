"""A cheap working copy of a venv, for an update that must not touch the venv it starts from.

``clone_venv(previous, venv)`` recreates the tree of ``previous`` at ``venv``: directories and symbolic links anew,
regular files as hard links (no data copied), except the files an installer may rewrite where they stand, which are
copied so that rewriting them in the clone leaves ``previous`` as it was: entry-point and activation scripts (every
file in the scripts directory but the interpreter), ``*.pth`` files, ``pyvenv.cfg``, and everything in a
``*.dist-info``/``*.egg-info`` directory (RECORD, INSTALLER, direct_url.json). pip and uv replace any other file by
removing it first (pip unlinks before writing, uv removes an uninstalled distribution's files and links or renames
new ones in), which leaves the previous venv's link intact; Python writes bytecode by rename.

Where hard links are not possible (FAT and exFAT have none; a link count at its limit) files are copied. On
Windows, where hard links need the same volume and an open file cannot be replaced, every file is copied.
installdev's own entries (the stamp, the marker, the in-place previous venv, probe directories) are not cloned.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

from installdev.actions.venvdir import IN_PLACE_KEEPS, STAMP_NAME, is_probe

_SCRIPT_DIRS = frozenset({"bin", "Scripts"})
_INTERPRETER_PREFIXES = ("python", "pypy", "graalpy")
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_COPIED_NAMES = frozenset({"pyvenv.cfg"})
_NO_LINK = frozenset({errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES})
_SKIPPED_TOP = frozenset({STAMP_NAME, *IN_PLACE_KEEPS})


class CloneCount:
    """How many files the clone linked and copied, for the progress line."""

    def __init__(self) -> None:
        self.linked = 0
        self.copied = 0


def clone_venv(previous: Path, venv: Path) -> CloneCount:
    """Recreate ``previous``'s tree inside the existing directory ``venv`` (see the module). Raises OSError."""
    count = CloneCount()
    links_work = os.name != "nt"
    for entry in os.scandir(previous):
        if entry.name in _SKIPPED_TOP or is_probe(entry.name):
            continue
        links_work = _clone_entry(entry, venv / entry.name, entry.name in _COPIED_NAMES, links_work, count)
    return count


def _clone_entry(entry: os.DirEntry, target: Path, copied: bool, links_work: bool, count: CloneCount) -> bool:
    """Clone one entry (recursively); returns whether hard links still work here."""
    status = entry.stat(follow_symlinks=False)
    if stat.S_ISLNK(status.st_mode):
        os.symlink(os.readlink(entry.path), target)
    elif stat.S_ISDIR(status.st_mode):
        os.mkdir(target, stat.S_IMODE(status.st_mode) | stat.S_IRWXU)
        in_scripts = entry.name in _SCRIPT_DIRS
        in_metadata = copied or entry.name.endswith(_METADATA_SUFFIXES)
        for child in os.scandir(entry.path):
            child_copied = in_metadata or child.name.endswith(".pth") or (
                in_scripts and not child.name.startswith(_INTERPRETER_PREFIXES))
            links_work = _clone_entry(child, target / child.name, child_copied, links_work, count)
        os.chmod(target, stat.S_IMODE(status.st_mode))
    elif stat.S_ISREG(status.st_mode):
        if copied or not links_work:
            _copy(entry.path, target, count)
        else:
            try:
                os.link(entry.path, target, follow_symlinks=False)
                count.linked += 1
            except OSError as error:
                if error.errno not in _NO_LINK:
                    raise
                _copy(entry.path, target, count)
                return error.errno == errno.EMLINK
    return links_work


def _copy(source: str, target: Path, count: CloneCount) -> None:
    shutil.copy2(source, target, follow_symlinks=False)
    count.copied += 1
