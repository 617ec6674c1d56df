"""The cross-process lock that serializes builds of one venv.

The lock is the file ``<venv>.lock`` **beside** the venv, never inside a directory a rebuild may delete. It is held
with ``fcntl.flock`` (``msvcrt.locking`` on Windows), so the kernel releases it when the holder dies, even by kill -9;
an installer given the descriptor (``held_lock_fds``) goes on holding it after installdev itself is killed. The
holder writes who it is (pid, host, start time) into the lock file itself, for waiters, and deletes the file when
it lets go: a finished run leaves nothing beside the venv, a killed one leaves the file for the next run to take
over. A waiter may have opened the file just before the holder deleted it, so whoever gets the lock checks that
the path still names the file it locked, and starts again on the new one if not.

The name is predictable, so in a directory other users can write (``/tmp``, a shared checkout) it is opened
without following a symlink and without truncating, and used only when it is a regular file of the running user
with no other hard link; a lock file of someone else's is refused (HostUnsupportedError), never written through.
Lock files are created mode 0600.

When ``<venv>.lock`` would be too long a name, the lock is a shortened name beside the venv (its first bytes and a
hash of the whole name). When the venv's parent is not writable (a venv that is a mounted volume under a read-only
directory), the lock file lives in the user's cache directory instead, keyed by a hash of the venv's real path, and
the venv directory itself is locked too (POSIX: ``flock`` on the directory, which such a parent keeps from being
renamed or deleted): the cache depends on the process's ``XDG_CACHE_HOME`` and ``HOME``, the directory on the venv
alone, so two processes with different caches still exclude each other. On Windows, and on a filesystem whose
directories take no ``flock``, only the cache file is locked.
``flock`` does not exclude across NFS clients: builds of one venv on a shared NFS directory from two machines are not
serialized.

This is installdev's own code, not filelock's ``FileLock`` (the README's lock table has each promise): on Python 3.10
the newest filelock (4.1.0) truncates and chmods the file at the lock name as soon as it holds the lock, before any
hook could refuse a planted link; filelock keeps the file after release on POSIX, records no holder for a native
lock, refuses another user's file only in a sticky directory, and has no fallback location; and importing it costs a
build 20-56 ms, where this module takes and releases the lock in under 1.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from installdev.actions.ownership import user_name
from installdev.errors import HostUnsupportedError, LockTimeoutError
from installdev.host.facts import host_name
from installdev.report import Reporter

_POLL_SECONDS = 0.05
_NOTE_LIMIT = 4096
_WINDOWS = os.name == "nt"
_WINDOWS_LOCK_OFFSET = 1 << 30  # Windows locks are mandatory: lock a byte far past the note, which waiters read


def lock_path_for(venv: Path) -> Path:
    """``<venv>.lock`` beside the venv (a shortened name when that one is too long); in the user's cache directory when
    the parent is not writable. Raises HostUnsupportedError when neither works."""
    parent = venv.parent
    if os.access(parent, os.W_OK):
        return parent / _sibling_name(venv.name, _name_max(parent))
    from platformdirs import user_cache_dir

    cache = Path(user_cache_dir("installdev", appauthor=False))
    if not cache.is_absolute():  # HOME unset and no passwd entry: "~" does not expand
        raise HostUnsupportedError(f"{parent} is not writable, and there is no cache directory for the lock of {venv} "
                                   "(HOME is not set): set HOME or XDG_CACHE_HOME, or pass --venv in a writable directory")
    key = _hash(os.path.realpath(venv))
    return cache / "locks" / f"{key}.lock"


def _sibling_name(name: str, name_max: int) -> str:
    """``NAME.lock``, or, past ``name_max`` bytes, NAME's first bytes, a hash of NAME and ``.lock``."""
    if len(os.fsencode(name + ".lock")) <= name_max:
        return name + ".lock"
    suffix = f".{_hash(name)[:16]}.lock"
    prefix = os.fsencode(name)[:max(1, name_max - len(suffix))]
    return prefix.decode(sys.getfilesystemencoding(), "ignore") + suffix  # a character cut in two is dropped


def _hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):
        return 255


def _try_lock(descriptor: int) -> bool:
    if _WINDOWS:
        import msvcrt

        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(descriptor: int) -> None:
    if _WINDOWS:
        import msvcrt

        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _open_lock_file(lock_path: Path) -> int:
    """Open (creating it) the lock file, refusing anything but a regular file of ours with one link. Raises
    HostUnsupportedError."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    while True:
        try:
            descriptor = os.open(lock_path, flags, 0o600)
        except OSError as error:
            raise HostUnsupportedError(_refusal(lock_path, error)) from None
        status = os.fstat(descriptor)
        if status.st_nlink != 0 or _WINDOWS:
            break
        os.close(descriptor)  # its holder deleted it between our open and our look (it lets go that way): again
    problem = None
    if not stat.S_ISREG(status.st_mode):
        problem = "is not a regular file"
    elif not _WINDOWS and status.st_uid != os.geteuid():
        problem = f"belongs to {user_name(status.st_uid)}"
    elif status.st_nlink != 1:
        problem = f"has {status.st_nlink} hard links"
    if problem:
        os.close(descriptor)
        raise HostUnsupportedError(f"the lock file {lock_path} {problem}; installdev locks only with a file of your own: "
                                   "remove it (or have its owner remove it), or pass --venv elsewhere")
    return descriptor


def _refusal(lock_path: Path, error: OSError) -> str:
    """The one-line reason the lock file could not be opened."""
    try:
        status = os.lstat(lock_path)
    except OSError:
        status = None
    if error.errno == errno.ELOOP or (status is not None and stat.S_ISLNK(status.st_mode)):
        return (f"the lock file {lock_path} is a symbolic link{_owned_by(status)}; installdev never writes through one: "
                "remove it, or pass --venv elsewhere")
    if status is not None and error.errno in (errno.EACCES, errno.EPERM) and status.st_uid != os.geteuid():
        return (f"cannot take the lock {lock_path}: it belongs to {user_name(status.st_uid)} (a venv is built by "
                "its owner only): remove it (or have its owner remove it), or pass --venv elsewhere")
    return f"cannot take the lock {lock_path}: {error.strerror or error}"


def _owned_by(status: os.stat_result | None) -> str:
    return "" if status is None or status.st_uid == os.geteuid() else f" made by {user_name(status.st_uid)}"


def _same_file(descriptor: int, lock_path: Path) -> bool:
    """Whether ``lock_path`` still names the file open as ``descriptor`` (a holder deletes it when it lets go)."""
    try:
        named = os.stat(lock_path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _read_note(descriptor: int) -> dict | None:
    try:
        os.lseek(descriptor, 0, os.SEEK_SET)
        note = json.loads(os.read(descriptor, _NOTE_LIMIT).decode("utf-8"))
    except (OSError, ValueError):
        return None
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
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.write(descriptor, note)
        os.ftruncate(descriptor, len(note))
    except OSError:
        pass  # the note is a courtesy for waiters (a full disk must not stop a build); the lock itself holds


_HELD_FDS: set[int] = set()


def held_lock_fds() -> tuple[int, ...]:
    """Descriptors of the venv locks this process holds. Give them to a long-running child (``pass_fds``): the child
    then shares the lock, so a kill -9 of installdev alone does not free the venv while its installer still writes
    into it; the next run waits for that orphan to finish instead of rebuilding under it."""
    return tuple(sorted(_HELD_FDS))


def _acquire(lock_path: Path, venv: Path, timeout: float, deadline: float, reporter: Reporter) -> int:
    announced = False
    while True:
        descriptor = _open_lock_file(lock_path)
        try:
            while not _try_lock(descriptor):
                if not announced:
                    reporter.info(f"waiting for {describe_holder(_read_note(descriptor))} to finish with {venv} "
                                  f"(lock {lock_path}, up to {timeout:g}s)")
                    announced = True
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(f"gave up after {timeout:g}s waiting for the lock {lock_path}, held by "
                                           f"{describe_holder(_read_note(descriptor))}: wait for that build to finish, "
                                           "or raise --lock-timeout")
                time.sleep(_POLL_SECONDS)
        except OSError as error:
            os.close(descriptor)
            raise HostUnsupportedError(f"cannot take the lock {lock_path}: {error.strerror or error} (the filesystem "
                                       "may not support locks); pass --venv elsewhere") from None
        except BaseException:
            os.close(descriptor)
            raise
        if _same_file(descriptor, lock_path):
            return descriptor
        os.close(descriptor)  # its holder deleted it as we waited: lock the file that has the name now


def wait_for_exclusive_flock(descriptor: int, deadline: float, first_wait: Callable[[], None],
                             timed_out: Callable[[], LockTimeoutError]) -> None:
    """POSIX: poll until ``descriptor`` is held with an exclusive ``flock``, calling ``first_wait()`` once when it must
    wait. Raises ``timed_out()`` past ``deadline`` (``time.monotonic``), or OSError where the filesystem takes no
    ``flock``."""
    import fcntl

    waited = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not waited:
            first_wait()
            waited = True
        if time.monotonic() >= deadline:
            raise timed_out()
        time.sleep(_POLL_SECONDS)


def _lock_directory(venv: Path, timeout: float, deadline: float, reporter: Reporter) -> int | None:
    """POSIX: ``flock`` the venv directory itself, the lock that depends on the venv alone; None when there is no
    directory to lock (nothing can be built under a parent that is not writable then), on Windows, or where the
    filesystem's directories take no ``flock``. Raises LockTimeoutError."""
    if _WINDOWS:
        return None
    while True:
        try:
            descriptor = os.open(venv, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None  # missing, or not a directory: the checks under the lock say so
        try:
            wait_for_exclusive_flock(
                descriptor, deadline,
                lambda: reporter.info(f"waiting for another process (with another cache directory) to finish with "
                                      f"{venv} (lock on {venv} itself, up to {timeout:g}s)"),
                lambda: LockTimeoutError(f"gave up after {timeout:g}s waiting for the lock on {venv} itself, held by "
                                         "another process: wait for that build to finish, or raise --lock-timeout"))
        except OSError as error:
            os.close(descriptor)
            if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                return None
            raise HostUnsupportedError(f"cannot lock {venv}: {error.strerror or error}") from None
        except BaseException:
            os.close(descriptor)
            raise
        if _same_file(descriptor, venv):
            return descriptor
        os.close(descriptor)  # replaced as we waited (its parent became writable): lock the one there now


def _release(descriptor: int, lock_path: Path) -> None:
    """Delete the lock file while still holding it (so nobody can be holding it), then let go. On Windows an open file
    cannot be deleted: let go first, then delete it unless someone has it open."""
    if not _WINDOWS and _same_file(descriptor, lock_path):
        try:
            os.unlink(lock_path)
        except OSError:
            pass
    try:
        _unlock(descriptor)
    finally:
        os.close(descriptor)
    if _WINDOWS:
        try:
            os.unlink(lock_path)
        except OSError:
            pass


@contextmanager
def venv_lock(venv: Path, timeout: float, reporter: Reporter) -> Iterator[Path]:
    """Hold the venv's lock for the block. Waits up to ``timeout`` seconds, saying once whom it waits for.

    Raises LockTimeoutError (exit 3), or HostUnsupportedError (exit 8) when no lock file of our own can be had."""
    lock_path = lock_path_for(venv)
    if lock_path.parent != venv.parent:
        try:
            lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise HostUnsupportedError(f"cannot take the lock {lock_path}: cannot create its directory "
                                       f"({error.strerror or error}); pass --venv in a writable directory") from None
    deadline = time.monotonic() + timeout
    descriptor = _acquire(lock_path, venv, timeout, deadline, reporter)
    _HELD_FDS.add(descriptor)
    directory = None
    try:
        _write_note(descriptor)
        if lock_path.parent != venv.parent:
            directory = _lock_directory(venv, timeout, deadline, reporter)
        if directory is not None:
            _HELD_FDS.add(directory)
        yield lock_path
    finally:
        if directory is not None:
            _HELD_FDS.discard(directory)
            os.close(directory)
        _HELD_FDS.discard(descriptor)
        _release(descriptor, lock_path)
