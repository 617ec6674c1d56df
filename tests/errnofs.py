"""A passthrough FUSE filesystem whose symlink() fails with a chosen errno.

Everything else (files, directories, hard links, chmod, rename, ...) is passed through to
a backing directory.  It mimics filesystems that refuse symlinks in their own way:
kernel vfat (EPERM), CIFS without mfsymlinks (EOPNOTSUPP), VirtualBox shared folders
(EPROTO).

With ``--outside-targets-dangle`` symlink() works instead (``--errno`` is then unused) and
links are stored as given, but reading a link whose target is an absolute path outside the
mount gives that path under ``/.errnofs-unreachable`` (which does not exist), so the link
dangles; links to relative targets or to absolute paths inside the mount resolve normally.
It mimics shares that keep links but resolve them where the files are (a server-side
symlink to the client's own disk points nowhere).  The kernel follows a FUSE symlink by
asking readlink() each time (libfuse 2 never asks it to cache them), so every path lookup
through such a link dangles, not just ``os.readlink``.

Usage (runs in the foreground until unmounted or sent SIGTERM/SIGINT)::

    python errnofs.py --errno EPERM BACKING_DIR MOUNTPOINT
    python errnofs.py --outside-targets-dangle BACKING_DIR MOUNTPOINT

Needs fusepy (``pip install fusepy``) and libfuse 2 (Debian: ``libfuse2``).
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys

from fuse import FUSE, FuseOSError, Operations, fuse_get_context


def errno_value(name: str) -> int:
    """'EPERM' -> 1 (also accepts a number as text)."""
    if name.isdigit():
        return int(name)
    value = getattr(errno, name.upper(), None)
    if not isinstance(value, int) or not name.upper().startswith("E"):
        raise ValueError(f"unknown errno name: {name!r}")
    return value


# Where links to absolute targets outside the mount seem to point with --outside-targets-dangle.
UNREACHABLE = "/.errnofs-unreachable"


class ErrnoFS(Operations):
    use_ns = True  # utimens gets nanoseconds

    def __init__(self, backing: str, symlink_errno: int, mountpoint: str | None = None) -> None:
        """``mountpoint`` given: symlinks are made, and those to absolute paths outside it dangle."""
        self.backing = os.path.realpath(backing)
        self.symlink_errno = symlink_errno
        self.mountpoint = mountpoint
        # the mount as it may be spelled in an absolute link target
        self._inside = {os.path.abspath(mountpoint), os.path.realpath(mountpoint)} if mountpoint else set()

    def _full(self, path: str) -> str:
        return os.path.join(self.backing, path.lstrip("/"))

    def _give_to_caller(self, full: str) -> None:
        # With allow_other, files created by another user should belong to that user.
        uid, gid, _pid = fuse_get_context()
        if os.geteuid() == 0 and (uid, gid) != (0, 0):
            os.lchown(full, uid, gid)

    # -- the point of this filesystem ------------------------------------------------
    def symlink(self, target, source):
        # fusepy: target is the new link's path, source what it points to
        if self.mountpoint is None:
            raise FuseOSError(self.symlink_errno)
        full = self._full(target)
        os.symlink(source, full)
        self._give_to_caller(full)

    def _is_outside(self, link_target: str) -> bool:
        if not os.path.isabs(link_target):
            return False
        target = os.path.normpath(link_target)
        return not any(target == inside or target.startswith(inside.rstrip("/") + "/") for inside in self._inside)

    def readlink(self, path):
        link_target = os.readlink(self._full(path))
        if self.mountpoint is not None and self._is_outside(link_target):
            return UNREACHABLE + os.path.normpath(link_target)
        return link_target

    # -- metadata ------------------------------------------------------------------
    def getattr(self, path, fh=None):
        st = os.lstat(self._full(path))
        keys = ("st_mode", "st_nlink", "st_uid", "st_gid", "st_size", "st_ino")
        attrs = {k: getattr(st, k) for k in keys}
        for k in ("st_atime", "st_mtime", "st_ctime"):
            attrs[k] = getattr(st, k + "_ns")  # use_ns
        if self.mountpoint is not None and stat.S_ISLNK(st.st_mode):
            attrs["st_size"] = len(os.fsencode(self.readlink(path)))  # lstat agrees with readlink
        return attrs

    def access(self, path, amode):
        if not os.access(self._full(path), amode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        os.chmod(self._full(path), mode)

    def chown(self, path, uid, gid):
        os.lchown(self._full(path), uid, gid)

    def utimens(self, path, times=None):
        if times is None:
            os.utime(self._full(path), follow_symlinks=False)
        else:
            os.utime(self._full(path), ns=times, follow_symlinks=False)

    def statfs(self, path):
        sv = os.statvfs(self._full(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
                "f_files", "f_flag", "f_frsize", "f_namemax")
        return {k: getattr(sv, k) for k in keys}

    # -- directories ---------------------------------------------------------------
    def readdir(self, path, fh):
        return [".", "..", *os.listdir(self._full(path))]

    def mkdir(self, path, mode):
        full = self._full(path)
        os.mkdir(full, mode)
        self._give_to_caller(full)

    def rmdir(self, path):
        os.rmdir(self._full(path))

    # -- names ---------------------------------------------------------------------
    def mknod(self, path, mode, dev):
        full = self._full(path)
        os.mknod(full, mode, dev)
        self._give_to_caller(full)

    def unlink(self, path):
        os.unlink(self._full(path))

    def rename(self, old, new):
        os.rename(self._full(old), self._full(new))

    def link(self, target, source):
        # fusepy: target is the new name, source the existing file
        os.link(self._full(source), self._full(target))

    # -- file contents -------------------------------------------------------------
    def create(self, path, mode, fi=None):
        full = self._full(path)
        fd = os.open(full, os.O_RDWR | os.O_CREAT, mode)
        self._give_to_caller(full)
        return fd

    def open(self, path, flags):
        return os.open(self._full(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._full(path), length)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        if datasync:
            os.fdatasync(fh)
        else:
            os.fsync(fh)

    def release(self, path, fh):
        os.close(fh)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="passthrough FUSE fs whose symlink() fails")
    ap.add_argument("--errno", default="EPERM", help="errno name for symlink(), e.g. EPROTO")
    ap.add_argument("--outside-targets-dangle", action="store_true",
                    help=f"symlink() works, but links to absolute paths outside the mount read as {UNREACHABLE}/...")
    ap.add_argument("backing")
    ap.add_argument("mountpoint")
    args = ap.parse_args(argv)
    code = errno_value(args.errno)
    ops = ErrnoFS(args.backing, code, args.mountpoint if args.outside_targets_dangle else None)
    options = dict(foreground=True, fsname="errnofs", subtype="errnofs")
    if os.geteuid() == 0:
        # let run_unprivileged() use it too; the kernel checks the mode bits
        options.update(allow_other=True, default_permissions=True)
    FUSE(ops, args.mountpoint, **options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
