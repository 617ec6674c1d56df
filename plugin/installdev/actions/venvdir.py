"""The venv directory: what is at the venv's path, whether installdev may build or delete there, and claiming it.

installdev builds in or deletes only a directory of the running user's alone (``installdev.actions.ownership``). A
directory another user made at the venv's path is refused with one line and left alone; an existing *empty* directory
of the user's own that others can write (a fresh volume's 1777 root) is first made writable by its owner only.
installdev creates a venv directory with mode 0755 (less the umask). On a filesystem that makes modes up (FAT, exFAT,
CIFS...: see ``modes_kept``) only ownership is checked. A symbolic link at the venv's path is refused: nothing is built
or deleted through a link.

installdev deletes only directories it made itself: each venv gets a marker file before creation starts. Never deleted,
marker or not: ``/``, the home directory, the project directory and any directory that contains it. A venv directory
that cannot be removed from its parent (a mount point such as a container volume, a parent that is not writable) is
emptied and left. Replacing a venv without losing the working one is ``installdev.actions.replace``.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import sys
from pathlib import Path

from installdev.actions.ownership import distrust, symlink_message
from installdev.actions.venv_use import USE_LOCK_NAME
from installdev.errors import HostUnsupportedError, UnsafeVenvPathError

MARKER_NAME = ".installdev-venv"
STAMP_NAME = ".installdev-stamp.json"
PREVIOUS_SUFFIX = ".installdev-previous"
INNER_PREVIOUS = ".installdev-previous"  # in place: the complete previous venv's entries
INNER_RETURNING = ".installdev-returning"  # in place: previous entries on their way out or back; merged back on recovery
JOURNAL_NAME = ".installdev-update"  # installdev.actions.update_journal's undo journal of an update in progress
PROBE_PREFIX = ".installdev-probe-"  # installdev.host.probe's private directories, which may sit in an in-place venv
IN_PLACE_KEEPS = frozenset({MARKER_NAME, INNER_PREVIOUS, INNER_RETURNING})
# rename or rmdir failing with these means "this directory stays where it is": a mount point (EBUSY, EXDEV), a parent
# that is not writable (EACCES, EPERM, EROFS), a sibling name too long (ENAMETOOLONG)
STAYS_IN_PLACE = frozenset({errno.EBUSY, errno.EXDEV, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG})


class VenvKind(enum.Enum):
    """What is at a venv path now, as far as deleting or building into it goes."""

    MISSING = "missing"
    EMPTY = "empty"
    OURS = "made by installdev"
    FOREIGN_VENV = "a venv installdev did not make"
    NOT_A_VENV = "not a venv"
    NOT_A_DIRECTORY = "not a directory"
    SYMLINK = "a symbolic link"


def venv_python(venv: Path) -> Path:
    if sys.platform.startswith("win"):
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def stamp_path(venv: Path) -> Path:
    return venv / STAMP_NAME


def previous_path(venv: Path) -> Path:
    return venv.with_name(venv.name + PREVIOUS_SUFFIX)


def interrupted_rebuild(venv: Path) -> bool:
    """Whether a rebuild of ``venv`` was interrupted and left the previous venv aside (beside it or inside it), an
    update left its undo journal, or the user's own deletion of it was killed between its marker and the directory."""
    if venv.name and (os.path.isfile(previous_path(venv) / MARKER_NAME) or emptied_previous(venv)):  # "/" has no sibling
        return True
    return any(os.path.isdir(venv / name) for name in (INNER_PREVIOUS, INNER_RETURNING, JOURNAL_NAME))


def emptied_previous(venv: Path) -> bool:
    """Whether ``venv``'s ``.installdev-previous`` sibling is an empty directory (not a link) of the running user's:
    what ``remove_tree`` leaves when killed after it removed the marker and before the directory, which nothing marks
    as installdev's any more; removing it loses nothing."""
    try:
        status = os.lstat(previous_path(venv))
    except OSError:
        return False
    owned = not hasattr(os, "geteuid") or status.st_uid == os.geteuid()
    return stat.S_ISDIR(status.st_mode) and owned and not os.listdir(previous_path(venv))


def is_probe(name: str) -> bool:
    """Whether ``name`` is one of installdev.host.probe's private directories (left alone by in-place work)."""
    return name.startswith(PROBE_PREFIX)


def _is_own_leftover(name: str) -> bool:
    """Whether ``name`` is one of installdev's own files that can outlive the venv they belong to (its stamp, a stamp
    being written, an update's journal, its use lock): a directory holding nothing else is installdev's to take or
    delete."""
    return name in (STAMP_NAME, JOURNAL_NAME, USE_LOCK_NAME) or (name.startswith(".installdev-stamp-") and name.endswith(".tmp"))


def classify(venv: Path) -> VenvKind:
    if not os.path.lexists(venv):
        return VenvKind.MISSING
    if venv.is_symlink():
        return VenvKind.SYMLINK
    if not venv.is_dir():
        return VenvKind.NOT_A_DIRECTORY
    if (venv / MARKER_NAME).is_file():
        return VenvKind.OURS
    try:
        names = [entry.name for entry in os.scandir(venv)]
    except OSError:
        return VenvKind.NOT_A_VENV
    if MARKER_NAME in names and (venv / MARKER_NAME).is_file():
        return VenvKind.OURS  # a build claimed it (made it, then marked it) between the check above and the listing
    if all(is_probe(name) or _is_own_leftover(name) for name in names):  # a probe running in (or killed in) an empty
        return VenvKind.EMPTY  # volume's root; a stamp touched back into a deleted venv (a Make recipe racing clean-venv)
    if (venv / "pyvenv.cfg").is_file():
        return VenvKind.FOREIGN_VENV
    return VenvKind.NOT_A_VENV


def trust_problem(path: Path) -> str | None:
    """Why an existing ``path`` must not be used as the running user's venv (a symbolic link, another user's directory,
    a non-empty one that others can write), or None (also when nothing or a plain file is there). One ``lstat`` when
    all is well: the up-to-date check must ask this before it trusts a stamp or runs the venv's python."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(status.st_mode):
        return symlink_message(path)
    if not stat.S_ISDIR(status.st_mode):
        return None
    found = distrust(path, status)
    if found is None or (found.exposed and (classify(path) == VenvKind.EMPTY or not modes_kept(path))):
        return None  # empty: nothing to vouch for yet (claim makes it private); made-up modes: nothing to tighten
    return found.reason


def modes_kept(venv: Path) -> bool:
    """Whether the venv's filesystem keeps permission bits. installdev writes its marker mode 0644, so a marker of the
    user's showing execute bits comes from a filesystem that makes modes up and ignores chmod (FAT and exFAT, NTFS
    through FUSE, CIFS, VirtualBox and WSL shares): there "others can write it" is no property of the directory."""
    try:
        marker = os.lstat(venv / MARKER_NAME)
    except OSError:
        return True
    made_up = stat.S_ISREG(marker.st_mode) and marker.st_mode & 0o111 and (os.name == "nt" or marker.st_uid == os.geteuid())
    return not made_up


def protected_reason(venv: Path, project_dir: Path) -> str | None:
    """Why ``venv`` must never be deleted whatever it contains, or None."""
    real = Path(os.path.realpath(venv))
    project = Path(os.path.realpath(project_dir))
    home = os.path.expanduser("~")  # stays "~" when HOME is unset and the user has no passwd entry
    if real == Path(real.anchor):
        return "it is the filesystem root"
    if not home.startswith("~") and real == Path(os.path.realpath(home)):
        return "it is your home directory"
    if real == project:
        return "it is the project directory"
    if real in project.parents:
        return "it contains the project directory"
    if not home.startswith("~") and real in Path(os.path.realpath(home)).parents:
        return "it contains your home directory"
    temporary = ("/tmp", "/var/tmp", *filter(None, (os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP"))))
    if real in {Path(os.path.realpath(path)) for path in temporary}:
        return "it is the temporary directory"
    return None


def protected_path_error(venv: Path, project_dir: Path) -> UnsafeVenvPathError | None:
    """The refusal of a ``venv`` that is a protected path (``protected_reason``), or None. Asked before anything else
    about the path, ownership included, so that no message ever advises deleting such a path."""
    reason = protected_reason(venv, project_dir)
    if reason is None:
        return None
    return UnsafeVenvPathError(f"refusing to use {venv} as the venv: {reason}; pass --venv with a dedicated directory")


def _check_path_text(venv: Path) -> None:
    """virtualenv refuses a destination whose path (as given or resolved) holds the PATH separator or characters the
    file system encoding cannot hold; say so in one line instead of its usage text."""
    encoding = sys.getfilesystemencoding()
    for text in (str(venv), os.path.realpath(venv)):
        if os.pathsep in text:
            raise HostUnsupportedError(f"the venv path {text} contains {os.pathsep!r}, the PATH separator, which would "
                                       "break the venv's activation scripts: pass --venv with a path without it")
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            raise HostUnsupportedError(f"the venv path {text!a} is not valid {encoding} (a byte from another "
                                       "encoding?): virtualenv cannot create it; pass --venv with a path without it") from None


def _quoted(path: Path) -> str:
    import shlex  # only for a refusal: off the up-to-date path

    return shlex.quote(str(path))


def check_venv_path(venv: Path, project_dir: Path) -> VenvKind:
    """Refuse a --venv that installdev must not build in (UnsafeVenvPathError, exit 7) or cannot (HostUnsupportedError,
    exit 8); return its classification. An empty directory of the user's own that others can write passes: ``claim``
    makes it private."""
    protected = protected_path_error(venv, project_dir)
    if protected:
        raise protected
    _check_path_text(venv)
    kind = classify(venv)
    if kind == VenvKind.SYMLINK:
        raise UnsafeVenvPathError(symlink_message(venv))
    if kind == VenvKind.NOT_A_DIRECTORY:
        raise UnsafeVenvPathError(f"--venv {venv} exists and is not a directory: remove it or pass another --venv")
    if kind != VenvKind.MISSING:
        found = distrust(venv, os.lstat(venv))
        if found and not (found.exposed and (kind == VenvKind.EMPTY or not modes_kept(venv))):
            raise UnsafeVenvPathError(found.reason)
    if kind == VenvKind.NOT_A_VENV:
        raise UnsafeVenvPathError(
            f"--venv {venv} is a non-empty directory that is not a venv; its files were left untouched: "
            "pass another --venv"
        )
    if kind == VenvKind.FOREIGN_VENV:
        raise UnsafeVenvPathError(
            f"{venv} is a venv installdev did not make, so it will not replace it: "
            f"remove it yourself (rm -rf {_quoted(venv)}) or pass another --venv"
        )
    return kind


def remove_entry(path: str, ignore_errors: bool) -> None:
    """Delete a file, link or directory tree (a link is never followed); a missing one is no error."""
    import shutil  # off the up-to-date path, which never deletes

    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        if not ignore_errors:
            raise


def empty(path: Path, keep: frozenset[str] = frozenset({MARKER_NAME}), ignore_errors: bool = False) -> None:
    """Delete what ``path`` holds except ``keep`` and probe directories, stamp first: a kill -9 at any moment leaves it
    recognisably ours (the marker) and incomplete (no stamp)."""
    remove_entry(str(stamp_path(path)), ignore_errors)
    try:
        entries = list(os.scandir(path))
    except OSError:
        if ignore_errors:
            return
        raise
    for entry in entries:
        if entry.name not in keep and not is_probe(entry.name):
            remove_entry(entry.path, ignore_errors)


def remove_tree(path: Path, ignore_errors: bool = False) -> None:
    """Delete a venv directory installdev made: its contents (stamp first), its marker last, then the directory itself
    unless it has to stay (a mount point, a parent that is not writable). A plain rmtree, in directory order, may delete
    the marker early: the half-deleted rest would then be "not a venv" and refused, or left over, for ever."""
    empty(path, ignore_errors=ignore_errors)
    for action, target in ((os.unlink, path / MARKER_NAME), (os.rmdir, path)):
        try:
            action(target)
        except FileNotFoundError:
            pass
        except OSError as error:
            if action is os.rmdir and error.errno in STAYS_IN_PLACE:
                return
            if not ignore_errors:
                raise


def remove_own_venv(venv: Path, project_dir: Path) -> bool:
    """Delete ``venv`` if installdev made it (a mount point is emptied); return whether anything was removed. Refuses
    anything else."""
    kind = check_venv_path(venv, project_dir)
    if kind == VenvKind.MISSING:
        return False
    remove_tree(venv)
    return True


def claim(venv: Path) -> None:
    """Mark ``venv`` as installdev's before anything is built in it. Creates it (mode 0755 less the umask), or takes the
    existing directory if it is the user's own (an empty one others can write is made private first). Raises
    UnsafeVenvPathError (someone else's) or HostUnsupportedError (cannot write there)."""
    try:
        os.mkdir(venv, 0o755)
    except FileExistsError:
        _take_existing(venv)
        for entry in list(os.scandir(venv)):  # a leftover stamp must not vouch for what is built next
            if _is_own_leftover(entry.name):
                remove_entry(entry.path, ignore_errors=False)
    except OSError as error:
        raise HostUnsupportedError(f"cannot create {venv}: {error.strerror}; pass --venv with a writable location") from None
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(venv / MARKER_NAME, flags, 0o644)
        with os.fdopen(descriptor, "w") as marker:
            marker.write("This venv is managed by installdev; it may delete and rebuild it.\n")
    except OSError as error:
        fixes = {errno.EACCES: "make it writable (chmod u+w) or ", errno.EPERM: "make it writable (chmod u+w) or ",
                 errno.ENOSPC: "free some space there or "}
        raise HostUnsupportedError(f"cannot write in {venv}: {error.strerror}; {fixes.get(error.errno, '')}pass --venv "
                                   "elsewhere") from None


def _take_existing(venv: Path) -> None:
    status = os.lstat(venv)
    if stat.S_ISLNK(status.st_mode):
        raise UnsafeVenvPathError(symlink_message(venv))
    if not stat.S_ISDIR(status.st_mode):
        raise UnsafeVenvPathError(f"--venv {venv} exists and is not a directory: remove it or pass another --venv")
    found = distrust(venv, status)
    if found is None or (found.exposed and not modes_kept(venv)):
        return
    if not found.exposed:
        raise UnsafeVenvPathError(found.reason)
    try:
        os.chmod(venv, stat.S_IMODE(status.st_mode) & ~0o022)
    except OSError as error:
        raise HostUnsupportedError(f"cannot make {venv} writable by you alone: {error.strerror}") from None
    if any(not is_probe(entry.name) for entry in os.scandir(venv)):
        raise UnsafeVenvPathError(f"{venv} got new entries while others could write it; its files were left untouched: "
                                  f"delete it (rm -rf {_quoted(venv)}) and run again, or pass another --venv")


def reset(venv: Path) -> None:
    """Empty a venv installdev is building, to start it again (a previous venv set aside in it stays)."""
    empty(venv, keep=IN_PLACE_KEEPS)
    claim(venv)
