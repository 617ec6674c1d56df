"""The up-to-date check at interpreter-start cost: a record of what a confirmed no-op looked at, checked by stat alone.

After a build, or after the full check found a venv up to date, installdev writes a *quick record* for that exact
invocation (working directory, argument list, and the environment variables that can change the result). It holds
the identity (size, modification and change times, inode) of every file the full check read or depends on, the
paths that must stay absent (a ``setup.py`` or ``requirements-dev.txt`` that appears changes the development set),
and the identities that prove the venv's python still starts without running it (none is written when an input's
modification time is a normalised one, near the epoch: the full check, which reads every input, answers then):

- ``VENV/bin/python`` itself (``lstat``: a symlink's own identity) and the file it resolves to (``stat``): a
  dangling link, a removed or replaced base interpreter, a garbage-collected Nix store path change or remove it;
- ``VENV/pyvenv.cfg``, the base's standard library (its ``os.py``) and its ``libpython`` when it is a shared build:
  a changed libpython or a base installation removed or upgraded in place changes them;
- the directories a ``.pth`` of the venv borrows from (the Nix env of a ``--system-site-packages`` venv);
- the stamp itself, and the absence of an interrupted rebuild's set-aside venv.

The next identical invocation compares those with ``os.stat`` and prints the up-to-date line, importing nothing but
the standard library's builtins (``marshal``, ``zlib``): no argparse, pathlib, json, re or enum. Anything that does not
match, or a record that is missing, unreadable, not the user's own or from another installdev, means "ask the full
check", which decides and writes a new record. The record lives in the user's cache directory (``$XDG_CACHE_HOME``
or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows) under ``installdev/quick``,
in a directory only the user can write; environment values are kept only as a SHA-256 digest.
"""

import marshal
import os
import sys

from installdev import __version__
from installdev.environment import digest, relevant_variables

RECORD_FORMAT = 2


def cache_directory(env=os.environ):
    """installdev's directory in the user's cache, without platformdirs (not importable cheaply)."""
    home = env.get("HOME") or os.path.expanduser("~")
    if sys.platform == "win32":
        return os.path.join(env.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local"), "installdev", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "installdev")
    xdg = env.get("XDG_CACHE_HOME", "")
    return os.path.join(xdg if os.path.isabs(xdg) else os.path.join(home, ".cache"), "installdev")


def invocation_key(argv, env):
    """What identifies an invocation: the cwd, the arguments, the interpreter, and a digest of the variables that matter."""
    return (os.getcwd(), tuple(argv), sys.executable, digest(relevant_variables(env)))


def _record_path(key, env):
    """Where the record for ``key`` lives; None when there is no absolute cache directory (HOME unset)."""
    import zlib

    directory = cache_directory(env)
    if not os.path.isabs(directory):
        return None

    material = repr(key).encode("utf-8", "surrogateescape")
    name = f"{zlib.crc32(material):08x}{zlib.adler32(material):08x}-py{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(directory, "quick", name)


def identity(path, follow=True):
    """(size, mtime_ns, ctime_ns, inode, mode, owner) of ``path``, following links unless ``follow`` is False; None when
    it does not exist. The change time is set by the kernel on every write, rename onto the path and ``touch -r``, so
    a file edited and given back its size and modification time (``cp -p``, ``rsync -t``) is not the same; mode and
    owner are part of it: a venv another user took over or opened to others is not the same."""
    try:
        status = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_mode, status.st_uid)


def _owned_private_file(descriptor):
    if os.name == "nt":
        return True
    status = os.fstat(descriptor)
    return status.st_uid == os.geteuid() and not status.st_mode & 0o022


def read_record(key, env=os.environ):
    """The record for ``key`` when it is this user's, of this installdev and for exactly this key; else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    path = _record_path(key, env)
    if path is None:
        return None
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    try:
        if not _owned_private_file(descriptor):
            return None
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            record = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    finally:
        os.close(descriptor)
    if not (isinstance(record, dict) and record.get("format") == RECORD_FORMAT and record.get("installdev") == __version__
            and record.get("key") == key):
        return None
    return record


def still_valid(record, env=os.environ):
    """Whether every recorded identity still holds, every recorded absence is still an absence, and the variables the
    requirement files name (``${NAME}``) still have the values they had."""
    try:
        names, recorded_digest = record["variables"]
        if digest([(name, env.get(name, "")) for name in names]) != recorded_digest:
            return False
        for path, follow, recorded in record["present"]:
            if identity(path, follow) != recorded:
                return False
        return not any(os.path.lexists(path) for path in record["absent"])
    except (KeyError, TypeError, ValueError):
        return False


def write_record(key, present, absent, variables, message, venv, env=os.environ):
    """Save the record for ``key``: ``present`` is ``[(path, follow)]`` (identities are taken now), ``absent`` paths,
    ``variables`` the names of the environment variables the requirement files use.

    Best effort: a cache directory that cannot be written only costs the next run its shortcut.
    """
    import tempfile

    path = _record_path(key, env)
    if path is None:
        return
    directory = os.path.dirname(path)
    names = sorted(variables)
    record = {
        "format": RECORD_FORMAT, "installdev": __version__, "key": key, "message": message, "venv": str(venv),
        "present": [(str(item), follow, identity(item, follow)) for item, follow in present],
        "absent": [str(item) for item in absent],
        "variables": (names, digest([(name, env.get(name, "")) for name in names])),
    }
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if os.name != "nt":
            status = os.lstat(directory)
            if status.st_uid != os.geteuid() or status.st_mode & 0o022 or not os.path.isdir(directory) or os.path.islink(directory):
                return
        descriptor, temp = tempfile.mkstemp(dir=directory, prefix=".record-")
        with os.fdopen(descriptor, "wb") as handle:
            marshal.dump(record, handle)
        os.replace(temp, path)
    except OSError:
        return


def forget(key, env=os.environ):
    """Drop the record for ``key`` (the full check found the venv stale, or a build starts)."""
    path = _record_path(key, env)
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass
