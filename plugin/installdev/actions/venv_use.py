"""The lock that keeps a venv whole under the commands running in it: ``VENV/.installdev-in-use``.

A command that ``installdev run`` starts (and so each venv task of Gradle and Make) holds a shared ``flock`` on the
file for its whole life: installdev takes it, marks the descriptor inheritable and execs the command, so the command
and the children it forks go on holding it; the kernel drops it when the last of them exits, by kill -9 too. A change
of the venv (an update, a rebuild, clean-venv), already under the venv's own lock (``installdev.actions.locking``),
first takes the file exclusively: it waits for the running commands, saying once which, up to ``--lock-timeout``,
and keeps them from starting until it is done. A change never pulls a venv from under a command, and a command never
starts in a venv being changed: it takes its hold first, then checks that the venv is complete and up to date.

The file is made at the end of a build, once the venv has passed its health check and before its stamp, so a venv
that has the file is whole; a command holding the file of a venv that was replaced (the path now names another file,
or none) lets go and checks again. The file is opened without following a symbolic link and used only when it is a
regular file of the running user with no other hard link; otherwise the command runs without the hold.

POSIX only: on Windows ``msvcrt`` locks are exclusive and mandatory, so nothing is held there and a change does not
wait for commands; nor where the filesystem takes no ``flock`` (some FUSE mounts). ``flock`` does not reach across
NFS clients: a command on another machine is not waited for.

The shared side imports only what the interpreter has loaded at start, plus ``fcntl``, so ``installdev run``'s quick
path can use it; the exclusive side imports what it needs when called.
"""

import os
import stat

USE_LOCK_NAME = ".installdev-in-use"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def use_lock_path(venv):
    return os.path.join(str(venv), USE_LOCK_NAME)


def _open_own(path):
    """The descriptor of ``path`` when it is a regular file of the running user with one link; None when it is not.
    Raises OSError (FileNotFoundError when there is none)."""
    descriptor = os.open(path, _OPEN_FLAGS)
    status = os.fstat(descriptor)
    if stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and status.st_nlink == 1:
        return descriptor
    os.close(descriptor)
    return None


def _still_named(descriptor, path):
    """Whether ``path`` still names the file open as ``descriptor`` (a rebuild moves the venv aside, then deletes it)."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


class NotHeld(Exception):
    """The shared hold cannot be had now: with ``retry`` the venv is being changed, or was replaced (check again); with
    ``missing`` the venv has no use lock (made before installdev kept one, or not complete); else a command runs
    without it (not a file of the user's own, Windows, a filesystem without ``flock``)."""

    def __init__(self, why, retry=False, missing=False):
        super().__init__(why)
        self.retry, self.missing = retry, missing


def share(venv):
    """Take the shared hold on ``venv`` without waiting; its descriptor is inheritable, for the command exec'd next.
    Returns the descriptor. Raises NotHeld."""
    if os.name == "nt":
        raise NotHeld("Windows locks cannot be shared")
    import fcntl

    path = use_lock_path(venv)
    try:
        descriptor = _open_own(path)
    except FileNotFoundError:
        raise NotHeld(f"{path} is missing", missing=True) from None
    except OSError as error:
        raise NotHeld(f"cannot open {path}: {error.strerror or error}") from None
    if descriptor is None:
        raise NotHeld(f"{path} is not a regular file of your own")
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise NotHeld(f"{venv} is being changed", retry=True) from None
    except OSError as error:
        os.close(descriptor)
        raise NotHeld(f"cannot lock {path}: {error.strerror or error}") from None
    if not _still_named(descriptor, path):
        os.close(descriptor)
        raise NotHeld(f"{venv} was replaced", retry=True)
    os.set_inheritable(descriptor, True)
    return descriptor


def create_use_lock(venv):
    """Make ``VENV/.installdev-in-use`` (mode 0644, readable as the rest of the venv is, so that copying the venv
    works; never through a link); nothing when it is there already."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        os.close(os.open(use_lock_path(venv), flags, 0o644))
    except FileExistsError:
        pass


def _holder_pids(descriptor):
    """The pids holding the file open as ``descriptor`` locked, from ``/proc/locks`` (Linux); None where unreadable."""
    held = os.fstat(descriptor)
    device = f"{os.major(held.st_dev):02x}:{os.minor(held.st_dev):02x}:{held.st_ino}"
    pids = set()
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if "->" not in fields and len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device:
                    pids.add(int(fields[4]))
    except (OSError, ValueError):
        return None
    return sorted(pids)


def running_commands(descriptor):
    """What holds the file open as ``descriptor`` shared, for a waiter's message: "pid 123 (pytest -q)"; "commands"
    where that cannot be read (not Linux)."""
    described = [f"pid {pid}{_command_line(pid)}" for pid in _holder_pids(descriptor) or ()]
    return ", ".join(described[:3]) + (f" and {len(described) - 3} more" if len(described) > 3 else "") or "commands"


def _ancestor_holding(descriptor):
    """This process or one it runs under, when it holds ``descriptor``'s file (``installdev run -- CMD`` where CMD
    changes the same venv: it would wait for itself), or None (none, or not known)."""
    holders = set(_holder_pids(descriptor) or ())
    pid = os.getpid()  # the hold is inherited: `installdev run -- installdev install-dev` holds it itself
    while pid > 1:
        if pid in holders:
            return pid
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as status:
                pid = int(status.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
    return None


def _command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read(4096).split(b"\0")
    except OSError:
        return ""
    text = " ".join(word.decode("utf-8", "replace") for word in words if word)
    text = "".join(char if char.isprintable() else "?" for char in text)
    return f" ({text[:77]}...)" if len(text) > 80 else f" ({text})" if text else ""


class ChangesWaitForCommands:
    """Hold ``VENV/.installdev-in-use`` exclusively for the block (the change of the venv it guards), after the
    commands running in the venv have finished: waits up to ``timeout`` seconds, saying once which commands it waits
    for. Nothing is held when the venv has no such file (nothing protected runs in it), on Windows, or where the
    filesystem takes no ``flock``. The descriptor is not given to the installers (a build backend they leave
    running would keep every command waiting): after a kill -9 of installdev a command may take its hold, but then
    finds no stamp (an update moves it into its journal first, a rebuild writes it last) and waits for the venv's
    own lock, which an orphaned installer still holds. Raises LockTimeoutError."""

    def __init__(self, venv, timeout, reporter):
        self.venv, self.timeout, self.reporter = venv, timeout, reporter
        self.descriptor = None

    def __enter__(self):
        if os.name == "nt":
            return self
        import time

        from installdev.actions.locking import wait_for_exclusive_flock
        from installdev.errors import LockTimeoutError

        try:
            descriptor = _open_own(use_lock_path(self.venv))
        except OSError:
            return self
        if descriptor is None:
            return self
        try:
            wait_for_exclusive_flock(descriptor, time.monotonic() + self.timeout, lambda: self._say_waiting(descriptor),
                                     lambda: LockTimeoutError(
                                         f"gave up after {self.timeout:g}s waiting for {running_commands(descriptor)} "
                                         f"running in {self.venv}: let it finish (or stop it), or raise --lock-timeout"))
        except OSError:
            os.close(descriptor)  # no flock here: nothing to wait for
            return self
        except BaseException:
            os.close(descriptor)
            raise
        self.descriptor = descriptor
        return self

    def _say_waiting(self, descriptor):
        """Say once whom the change waits for; raises LockTimeoutError when it would wait for itself."""
        from installdev.errors import LockTimeoutError

        caller = _ancestor_holding(descriptor)
        if caller is not None:
            raise LockTimeoutError(f"{self.venv} is in use by the command this one runs under (pid "
                                   f"{caller}{_command_line(caller)}), which a change would wait for forever: run this "
                                   "outside it")
        self.reporter.info(f"waiting for {running_commands(descriptor)} running in {self.venv} to finish before "
                           f"changing it (up to {self.timeout:g}s)")

    def __exit__(self, *exc_info):
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
        return False
