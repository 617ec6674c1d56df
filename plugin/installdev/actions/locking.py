"""The cross-process lock that serializes builds of one venv.

The lock is the file ``<venv>.lock`` **beside** the venv, never inside a directory a rebuild may delete. It is
filelock's native lock (``filelock.FileLock``: ``fcntl.flock`` on POSIX, ``LockFileEx`` on one byte on Windows),
with its soft fallback off, so the kernel releases it when the holder dies, even by kill -9; an installer given the
descriptor (``held_lock_fds``) goes on holding it after installdev itself is killed. filelock opens the file without
following a symlink (a reparse point on Windows), never truncates it, and retries when the file it locked was
unlinked meanwhile. What it does not do is installdev's, below: the holder's note (pid, host, start time) for
waiters, refusing a lock file that is not the running user's own with one link, deleting the file on release (so a
finished run leaves nothing beside the venv; a killed one leaves it for the next run to take over), and the cache
location when the venv's parent is not writable. Lock files are created mode 0600.

When the venv's parent is not writable (a venv that is a mounted volume under a read-only directory) or the name
would be too long, the lock lives in the user's cache directory instead, keyed by a hash of the venv's real path.
``flock`` does not exclude across NFS client caches: builds of one venv on a shared NFS directory from two machines
are not serialized.

filelock is imported only when the lock is taken, never on the up-to-date path.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from installdev.actions.ownership import user_name
from installdev.errors import HostUnsupportedError, LockTimeoutError
from installdev.host.facts import host_name
from installdev.report import Reporter

_NOTE_LIMIT = 4096
# filelock's Windows lock is LockFileEx on byte 0, which is mandatory: waiters could not read a note there.
_NOTE_OFFSET = 1
_WINDOWS = os.name == "nt"
# Errors that mean the filesystem has no working flock (filelock's soft fallback, which a kill -9 would leave held
# until its pid is provably gone, is turned off).
_NO_LOCKS = {errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL}


def lock_path_for(venv: Path) -> Path:
    """``<venv>.lock`` beside the venv; in the user's cache directory when the parent is not writable or the name too
    long. Every process derives the same path for the same venv. Raises HostUnsupportedError when neither works.

    filelock takes the path it is given; choosing a place every process agrees on is installdev's."""
    parent, name = venv.parent, venv.name + ".lock"
    if os.access(parent, os.W_OK) and len(os.fsencode(name)) <= _name_max(parent):
        return parent / name
    from platformdirs import user_cache_dir

    cache = Path(user_cache_dir("installdev", appauthor=False))
    if not cache.is_absolute():  # HOME unset and no passwd entry: "~" does not expand
        raise HostUnsupportedError(f"{parent} is not writable, and there is no cache directory for the lock of {venv} "
                                   "(HOME is not set): set HOME or XDG_CACHE_HOME, or pass --venv in a writable directory")
    key = _hash(os.path.realpath(venv))
    return cache / "locks" / f"{key}.lock"


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def _not_ours(lock_path: Path, problem: str) -> HostUnsupportedError:
    return HostUnsupportedError(f"the lock file {lock_path} {problem}; installdev locks only with a file of your own: "
                                "remove it (or have its owner remove it), or pass --venv elsewhere")


def _check_ours(lock_path: Path, descriptor: int) -> None:
    """Refuse a locked file that is not a regular file of ours with one link (POSIX; Windows: regular only).

    filelock refuses another user's file only in a sticky directory, and then still accepts the directory owner's
    (root's, in ``/tmp``); it refuses a second hard link only where others can write the parent. installdev writes
    its note into the file, so it takes none of these anywhere."""
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        raise _not_ours(lock_path, "is not a regular file")
    if not _WINDOWS and status.st_uid != os.geteuid():
        raise _not_ours(lock_path, f"belongs to {user_name(status.st_uid)}")
    if status.st_nlink != 1:
        raise _not_ours(lock_path, f"has {status.st_nlink} hard links")


def _refusal(lock_path: Path, error: OSError) -> HostUnsupportedError:
    """The one-line reason filelock could not open or lock the file."""
    try:
        status = os.lstat(lock_path)
    except OSError:
        status = None
    if error.errno == errno.ELOOP or (status is not None and stat.S_ISLNK(status.st_mode)):
        return HostUnsupportedError(f"the lock file {lock_path} is a symbolic link{_owned_by(status)}; installdev never "
                                    "writes through one: remove it, or pass --venv elsewhere")
    if status is not None and error.errno in (errno.EACCES, errno.EPERM) and not _WINDOWS and status.st_uid != os.geteuid():
        return _not_ours(lock_path, f"belongs to {user_name(status.st_uid)}")
    if error.errno in _NO_LOCKS:
        return HostUnsupportedError(f"cannot take the lock {lock_path}: {error.strerror or error} (the filesystem "
                                    "may not support locks); pass --venv elsewhere")
    return HostUnsupportedError(f"cannot take the lock {lock_path}: {error.strerror or error}")


def _owned_by(status: os.stat_result | None) -> str:
    return "" if status is None or _WINDOWS or status.st_uid == os.geteuid() else f" made by {user_name(status.st_uid)}"


def _same_file(descriptor: int, lock_path: Path) -> bool:
    """Whether ``lock_path`` still names the file open as ``descriptor``."""
    try:
        named = os.stat(lock_path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _read_note(lock_path: Path) -> dict | None:
    """The holder's note, read through a descriptor of our own (filelock exposes the holder of a native lock to
    nobody); never through a symlink, never blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(lock_path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        os.lseek(descriptor, _NOTE_OFFSET, os.SEEK_SET)
        note = json.loads(os.read(descriptor, _NOTE_LIMIT).decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(descriptor)
    if not (isinstance(note, dict) and isinstance(note.get("pid"), int) and isinstance(note.get("host"), str)
            and isinstance(note.get("since"), (int, float))):
        return None
    return note


def describe_holder(note: dict | None) -> str:
    """Who holds the lock, from its note: "pid N on HOST, since HH:MM:SS", saying so when that pid is gone on this host
    (an installer it started, orphaned by a kill -9, still holds it)."""
    if note is None:
        return "another process"
    host = "".join(char for char in note["host"][:64] if char.isprintable())
    started = time.strftime("%H:%M:%S", time.localtime(note["since"]))
    holder = f"pid {note['pid']} on {host}, since {started}"
    if host == host_name() and not _alive(note["pid"]):
        return f"a process left behind by {holder} (pid {note['pid']} has exited; its installer may still be running)"
    return holder


def _alive(pid: int) -> bool:
    if _WINDOWS or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # EPERM: someone else's live process
    return True


def _write_note(descriptor: int) -> None:
    note = json.dumps({"pid": os.getpid(), "host": host_name(), "since": time.time()}).encode("utf-8")
    try:
        os.lseek(descriptor, _NOTE_OFFSET, os.SEEK_SET)
        os.write(descriptor, note)
        os.ftruncate(descriptor, _NOTE_OFFSET + len(note))
    except OSError:
        pass  # the note is a courtesy for waiters (a full disk must not stop a build); the lock itself holds


_HELD_FDS: set[int] = set()


def held_lock_fds() -> tuple[int, ...]:
    """Descriptors of the venv locks this process holds. Give them to a long-running child (``pass_fds``): the child
    then shares the lock, so a kill -9 of installdev alone does not free the venv while its installer still writes
    into it; the next run waits for that orphan to finish instead of rebuilding under it. (POSIX: flock belongs to the
    open file description. filelock lends its descriptor only to ``on_acquired``, which records it here.)"""
    return tuple(sorted(_HELD_FDS))


def _unlink_held(descriptor: int, lock_path: Path) -> None:
    """POSIX: delete the lock file while still holding it, so nobody can be holding it; a waiter that locked it then
    finds it unlinked and filelock opens the new one. filelock keeps the file on release on POSIX (it deletes it after
    release on Windows, where an open file cannot be deleted), which would leave ``VENV.lock`` in the user's tree."""
    if not _WINDOWS and _same_file(descriptor, lock_path):
        try:
            os.unlink(lock_path)
        except OSError:
            pass


@contextmanager
def venv_lock(venv: Path, timeout: float, reporter: Reporter) -> Iterator[Path]:
    """Hold the venv's lock for the block. Waits up to ``timeout`` seconds, saying once whom it waits for.

    Raises LockTimeoutError (exit 3), or HostUnsupportedError (exit 8) when no lock file of our own can be had."""
    from filelock import FileLock, Timeout

    lock_path = lock_path_for(venv)
    if lock_path.parent != venv.parent:
        try:
            lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise HostUnsupportedError(f"cannot take the lock {lock_path}: cannot create its directory "
                                       f"({error.strerror or error}); pass --venv in a writable directory") from None
    held: list[int] = []
    announced: list[bool] = []

    def claim(descriptor: int) -> None:
        _check_ours(lock_path, descriptor)
        _write_note(descriptor)
        held.append(descriptor)

    def waiting() -> bool:
        if not announced:
            reporter.info(f"waiting for {describe_holder(_read_note(lock_path))} to finish with {venv} "
                          f"(lock {lock_path}, up to {timeout:g}s)")
            announced.append(True)
        return False

    lock = FileLock(lock_path, timeout=timeout, mode=0o600, fallback_to_soft=False, on_acquired=claim)
    try:
        lock.acquire(cancel_check=waiting)
    except Timeout:
        raise LockTimeoutError(f"gave up after {timeout:g}s waiting for the lock {lock_path}, held by "
                               f"{describe_holder(_read_note(lock_path))}: wait for that build to finish, "
                               "or raise --lock-timeout") from None
    except OSError as error:
        raise _refusal(lock_path, error) from None
    descriptor = held[-1]
    _HELD_FDS.add(descriptor)
    try:
        yield lock_path
    finally:
        _HELD_FDS.discard(descriptor)
        try:
            _unlink_held(descriptor, lock_path)
        finally:
            lock.release()
