"""The up-to-date check at interpreter-start cost: a record of what a confirmed no-op looked at, checked by stat alone.

After a build, or after the full check found a venv up to date, installdev writes a *quick record* for that exact
invocation (working directory, argument list, and the environment variables that can change the result). It holds
the identity (size, mtime, inode) of every file the full check read or depends on, the paths that must stay absent
(a ``setup.py`` or ``requirements-dev.txt`` that appears changes the development set), and the identities that prove
the venv's python still starts without running it:

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

RECORD_FORMAT = 1


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
    import zlib

    material = repr(key).encode("utf-8", "surrogateescape")
    name = f"{zlib.crc32(material):08x}{zlib.adler32(material):08x}-py{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(cache_directory(env), "quick", name)


def identity(path, follow=True):
    """(size, mtime_ns, inode) of ``path``, following links unless ``follow`` is False; None when it does not exist."""
    try:
        status = os.stat(path) if follow else os.lstat(path)
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def _owned_private_file(descriptor):
    if os.name == "nt":
        return True
    status = os.fstat(descriptor)
    return status.st_uid == os.geteuid() and not status.st_mode & 0o022


def read_record(key, env=os.environ):
    """The record for ``key`` when it is this user's, of this installdev and for exactly this key; else None."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(_record_path(key, env), flags)
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


def still_valid(record):
    """Whether every recorded identity still holds and every recorded absence is still an absence."""
    try:
        for path, follow, recorded in record["present"]:
            if identity(path, follow) != recorded:
                return False
        return not any(os.path.lexists(path) for path in record["absent"])
    except (KeyError, TypeError, ValueError):
        return False


def write_record(key, present, absent, message, venv, env=os.environ):
    """Save the record for ``key``: ``present`` is ``[(path, follow)]`` (identities are taken now), ``absent`` paths.

    Best effort: a cache directory that cannot be written only costs the next run its shortcut.
    """
    import tempfile

    directory = os.path.dirname(_record_path(key, env))
    record = {
        "format": RECORD_FORMAT, "installdev": __version__, "key": key, "message": message, "venv": str(venv),
        "present": [(str(path), follow, identity(path, follow)) for path, follow in present],
        "absent": [str(path) for path in absent],
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
        os.replace(temp, _record_path(key, env))
    except OSError:
        return


def forget(key, env=os.environ):
    """Drop the record for ``key`` (the full check found the venv stale, or a build starts)."""
    try:
        os.unlink(_record_path(key, env))
    except OSError:
        pass
