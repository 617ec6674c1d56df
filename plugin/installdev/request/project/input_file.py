"""The project's input files (pyproject.toml, setup files, tox's and hatch's files, requirement and constraint files,
locks, ``.python-version``) are read here, and only as regular files of bounded size.

Links are followed: a project's files may be symbolic links its developers made (a shared requirements file), and
reading through one writes nothing. What the link reaches must be a regular file: a named pipe would block every
command (pip would block on it too), a device such as ``/dev/zero`` never ends, a socket cannot be read. Those are
refused before they are opened, and the file is opened without blocking and checked again, so a file swapped for a
pipe in between cannot block either. ``MAX_INPUT_BYTES`` is far above the largest real inputs (the lock of a large
monorepo is a few MiB) and bounds what a mistaken file can make installdev hold in memory.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from installdev.errors import ProjectError

if TYPE_CHECKING:
    from pathlib import Path

MAX_INPUT_BYTES = 32 * 1024 * 1024

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def is_input_present(path: Path) -> bool:
    """Whether something other than a directory is at ``path`` (links followed): a regular file, or a special file that
    reading refuses in one line rather than one that is passed over as if it were not there."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def input_file_status(path: Path, named: str | None = None) -> os.stat_result:
    """``path``'s status (links followed). Raises OSError (a missing file: FileNotFoundError) and ProjectError when it is
    not a regular file or is larger than ``MAX_INPUT_BYTES``, naming it ``named`` (default: the path, and where it
    leads when it is a link)."""
    status = os.stat(path)
    _check(named or _named(path), status)
    return status


def read_input_file(path: Path, named: str | None = None) -> bytes:
    """The content of the regular file ``path``. Never blocks. Raises OSError (a missing file: FileNotFoundError) and
    ProjectError (not a regular file, or too large), naming it ``named`` as ``input_file_status`` does."""
    named = named or _named(path)
    expected = input_file_status(path, named)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(descriptor)
        _check(named, status)
        if (status.st_dev, status.st_ino) != (expected.st_dev, expected.st_ino):
            raise ProjectError(f"{path} was replaced while installdev read it: re-run when nothing rewrites it")
        chunks, size = [], 0
        while chunk := os.read(descriptor, min(1 << 20, MAX_INPUT_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_INPUT_BYTES:
                raise ProjectError(_too_large(named))
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def _check(named: str, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "a special file")
        raise ProjectError(f"{named} is {kind}, not a regular file: installdev reads its inputs only from "
                           "regular files; replace it with one")
    if status.st_size > MAX_INPUT_BYTES:
        raise ProjectError(_too_large(named))


def _named(path: Path) -> str:
    """``path``, with where it leads when it is a symbolic link (``x.txt (a link to /dev/zero)``)."""
    if not os.path.islink(path):
        return str(path)
    return f"{path} (a link to {os.path.realpath(path)})"


def _too_large(named: str) -> str:
    return (f"{named} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB, the most installdev reads of an "
            "input file: an input that large is not a project file; pass the right file")
