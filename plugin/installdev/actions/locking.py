"""The cross-process lock that serializes builds of one venv.

The lock file sits **beside** the venv (``<venv>.lock``), never inside a directory a rebuild may
delete. It is a filelock ``FileLock``: ``fcntl.flock`` on Unix and ``msvcrt.locking`` on Windows, so the
kernel releases it when the holder dies, even by kill -9. ``flock`` does not exclude across NFS
clients: builds of one venv on a shared NFS directory from two machines are not serialized. When the
venv's parent is not writable, the lock lives in the user's cache directory instead, keyed by a hash
of the venv's real path. The holder writes ``<lock>.owner`` (pid, host, start time) so a waiter can
say whom it waits for.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from installdev.errors import HostUnsupportedError, LockTimeoutError
from installdev.report import Reporter


def lock_path_for(venv: Path) -> Path:
    parent = venv.parent
    if os.access(parent, os.W_OK):
        return parent / (venv.name + ".lock")
    from platformdirs import user_cache_dir

    key = hashlib.sha256(os.path.realpath(venv).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    return Path(user_cache_dir("installdev", appauthor=False)) / "locks" / f"{key}.lock"


def _owner_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".owner")


def describe_holder(lock_path: Path) -> str:
    try:
        owner = json.loads(_owner_path(lock_path).read_text(encoding="utf-8"))
        started = time.strftime("%H:%M:%S", time.localtime(owner["since"]))
        return f"pid {owner['pid']} on {owner['host']}, since {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _write_owner(lock_path: Path) -> None:
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    temp = lock_path.with_name(f"{lock_path.name}.owner.{os.getpid()}.tmp")
    # Only the lock's holder writes these temp files, and we hold it now: any other is a killed holder's leftover.
    for stale in lock_path.parent.glob(f"{glob.escape(lock_path.name)}.owner.*.tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
    try:
        temp.write_text(json.dumps(owner), encoding="utf-8")
        os.replace(temp, _owner_path(lock_path))
    except OSError:
        pass  # the owner note is a courtesy for waiters; the lock itself holds


_HELD_FDS: set[int] = set()


def held_lock_fds() -> tuple[int, ...]:
    """Descriptors of the venv locks this process holds. Give them to a long-running child (``pass_fds``): the child
    then shares the lock, so a kill -9 of installdev alone does not free the venv while its installer still writes
    into it; the next run waits for that orphan to finish instead of rebuilding under it."""
    return tuple(sorted(_HELD_FDS))


@contextmanager
def venv_lock(venv: Path, timeout: float, reporter: Reporter) -> Iterator[Path]:
    """Hold the venv's lock for the block. Waits up to ``timeout`` seconds, saying once whom it waits for."""
    from filelock import FileLock, Timeout

    lock_path = lock_path_for(venv)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            reporter.info(f"waiting for {describe_holder(lock_path)} to finish with {venv} (lock {lock_path}, "
                          f"up to {timeout:g}s)")
            try:
                lock.acquire(timeout=timeout)
            except Timeout:
                raise LockTimeoutError(
                    f"gave up after {timeout:g}s waiting for the lock {lock_path}, held by {describe_holder(lock_path)}: "
                    "wait for that build to finish, or raise --lock-timeout"
                ) from None
    except OSError as error:
        raise HostUnsupportedError(f"cannot take the lock {lock_path}: {error.strerror or error}") from None
    descriptor = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if descriptor is not None:
        _HELD_FDS.add(descriptor)
    try:
        _write_owner(lock_path)
        yield lock_path
    finally:
        _HELD_FDS.discard(descriptor)
        try:
            _owner_path(lock_path).unlink()
        except OSError:
            pass
        lock.release()
