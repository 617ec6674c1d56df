"""Whose a directory is: the running user's alone, or not.

A venv's code runs as whoever uses it, so installdev builds in, deletes, or vouches for only a directory the running
user owns (POSIX: its owner is the effective uid) and no other user can write: neither world-writable nor writable by
a group with members besides the user (a user-private group, as Debian and Ubuntu give every user, is fine). On
Windows ownership is not checked (ACLs). This module is on the up-to-date path: ``pwd`` and ``grp`` are imported only
for a directory that fails the owner or mode check.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple


class Distrust(NamedTuple):
    """Why a directory is not the running user's alone: ``why`` ("belongs to bob"); ``exposed`` when it is theirs but
    others can write it."""

    path: Path
    why: str
    exposed: bool

    @property
    def reason(self) -> str:
        """The whole one-line message: what is wrong and what to do."""
        if self.exposed:
            import shlex

            return (f"{self.path} {self.why}, so what runs from it cannot be trusted: delete it (rm -rf "
                    f"{shlex.quote(str(self.path))}) and run again, or chmod go-w it if you trust its contents")
        return (f"{self.path} {self.why}, not to you: installdev builds and vouches only for a venv of your own, since its "
                "code runs as you; run install-dev as its owner, or pass --venv with a path of your own")


def user_name(uid: int) -> str:
    """The login name of ``uid``, or "uid N" when it has no passwd entry."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _private_group(gid: int) -> bool:
    """Whether ``gid`` is the running user's own group: named like the user, with no other member listed."""
    import grp

    try:
        group = grp.getgrgid(gid)
    except KeyError:
        return False
    user = user_name(os.geteuid())
    return group.gr_name == user and set(group.gr_mem) <= {user}


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def distrust(path: Path, status: os.stat_result) -> Distrust | None:
    """Why the directory ``path`` (``status``: its lstat) is not the running user's alone, or None."""
    if os.name == "nt":
        return None
    if status.st_uid != os.geteuid():
        return Distrust(path, f"belongs to {user_name(status.st_uid)}", exposed=False)
    if status.st_mode & stat.S_IWOTH:
        writers = "every user"
    elif status.st_mode & stat.S_IWGRP and not _private_group(status.st_gid):
        writers = f"the group {_group_name(status.st_gid)}"
    else:
        return None
    return Distrust(path, f"can be written by {writers} (mode {stat.S_IMODE(status.st_mode):o})", exposed=True)


def symlink_message(path: Path) -> str:
    return (f"--venv {path} is a symbolic link (to {os.readlink(path)}); installdev does not build or delete through a "
            f"link: pass the real path, --venv {os.path.realpath(path)}")
