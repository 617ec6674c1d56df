"""An undo journal for updating a venv where it stands: a failed or interrupted update leaves the previous venv.

``UpdateJournal.open(venv, removed)`` saves, before the installer changes anything, what an update may remove or
rewrite, in ``<venv>/.installdev-update`` (mode 0700):

* every site-packages entry a distribution in ``removed`` owns (its RECORD's first path components: the package
  directory, the module, the ``__pycache__``, the ``.dist-info``; a namespace directory shared with others as a
  whole), its files outside site-packages (data files), every ``*.pth`` file, and every file of the scripts directory
  but the interpreter; with ``removed`` None (what goes is not known) every site-packages entry and every
  distribution's data files;
* the names site-packages and the scripts directory held;
* the stamp, moved in last: while the update runs the venv has none, so no up-to-date check passes on it.

Files are saved as hard links (no data copied: the installers remove a file before they replace it, which leaves the
link intact), except those an installer may rewrite where they stand, which are copied: scripts, ``*.pth``, and
everything in a ``*.dist-info`` or ``*.egg-info`` directory. Where hard links are not possible (FAT and exFAT have
none, Windows) files are copied. The cost follows what the update removes, not the size of the venv.

``roll_back`` undoes an update: it removes the files new distributions' RECORDs name and every entry site-packages and
the scripts directory did not hold, puts each saved entry back and restores the stamp. ``commit`` drops the journal
after the updated venv's stamp is written. ``recover_update`` repairs an update that was killed (under the venv's lock,
before anything else): a stamp in the venv means the update completed (or never started), so the journal is dropped;
otherwise it is rolled back. Each step can be repeated after a crash in the middle of it. A distribution the update
brought that was killed before its RECORD was written leaves its files only inside directories that existed before
(namespace packages), where nothing imports them by name.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import stat
import sys
from pathlib import Path

from installdev.actions.uv_changes import canonical_name
from installdev.actions.venvdir import JOURNAL_NAME, remove_entry, remove_tree, stamp_path

_RECORD_NAME = "journal.json"
_STAMP_KEPT = "stamp.json"
_SAVED = "saved"
_INTERPRETER_PREFIXES = ("python", "pypy", "graalpy")
_METADATA_SUFFIXES = (".dist-info", ".egg-info")
_NO_LINK = frozenset({errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES})


def _site_dirs(venv: Path) -> list[str]:
    """The venv's site-packages directories, relative to it (``lib/python3.12/site-packages``; ``lib64`` when it is a
    directory of its own rather than a link to ``lib``)."""
    if sys.platform.startswith("win"):
        return ["Lib/site-packages"] if (venv / "Lib" / "site-packages").is_dir() else []
    found = []
    for lib in ("lib", "lib64"):
        if (venv / lib).is_symlink() or not (venv / lib).is_dir():
            continue
        for python in sorted(os.listdir(venv / lib)):
            if (venv / lib / python / "site-packages").is_dir():
                found.append(f"{lib}/{python}/site-packages")
    return found


def _scripts_dir(venv: Path) -> str | None:
    name = "Scripts" if sys.platform.startswith("win") else "bin"
    return name if (venv / name).is_dir() and not (venv / name).is_symlink() else None


def _is_interpreter(name: str) -> bool:
    return name.startswith(_INTERPRETER_PREFIXES)


def _distribution_name(entry: str) -> str | None:
    """The canonical distribution name of a ``name-1.0.dist-info`` or ``name-1.0-py3.12.egg-info`` directory."""
    if entry.endswith(".dist-info"):
        return canonical_name(entry[: -len(".dist-info")].rsplit("-", 1)[0])
    if entry.endswith(".egg-info"):
        return canonical_name(entry[: -len(".egg-info")].split("-", 1)[0])
    return None


def _record_paths(venv: Path, site: str, dist_info: str) -> list[tuple[str, ...]] | None:
    """The paths a distribution's RECORD names, as parts relative to the venv (those outside it dropped), or None when
    it has no readable RECORD."""
    try:
        with open(venv / site / dist_info / "RECORD", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    root = os.path.normpath(venv)
    paths = []
    for row in rows:
        if not row or not row[0] or os.path.isabs(row[0]):
            continue
        full = os.path.normpath(os.path.join(root, site, row[0]))
        relative = os.path.relpath(full, root)
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep) and relative != os.curdir:
            paths.append(Path(relative).parts)
    return paths


def _unit_of(parts: tuple[str, ...], sites: list[tuple[str, ...]], scripts: str | None) -> tuple[str, ...] | None:
    """What is saved for a file a distribution owns: its first path component inside site-packages, nothing for a
    script (the scripts directory is saved whole), the file itself elsewhere."""
    for site in sites:
        if parts[: len(site)] == site and len(parts) > len(site):
            return parts[: len(site) + 1]
    if scripts is not None and parts[0] == scripts:
        return None
    return parts


def _units(venv: Path, sites: list[str], scripts: str | None, removed: frozenset[str] | None) -> set[tuple[str, ...]]:
    """Every entry to save (as parts relative to the venv) for an update that removes ``removed`` (see the module)."""
    everything = removed is None
    site_parts = [tuple(site.split("/")) for site in sites]
    units: set[tuple[str, ...]] = set()
    for site, parts in zip(sites, site_parts, strict=True):
        entries = os.listdir(venv / site)
        units.update((*parts, name) for name in entries if everything or name.endswith(".pth"))
        for name in entries:
            distribution = _distribution_name(name)
            if distribution is None or not (everything or distribution in removed):
                continue
            owned = _record_paths(venv, site, name) if name.endswith(".dist-info") else None
            if owned is None:  # no RECORD to tell what it owns: every entry is saved
                if everything:
                    continue
                return _units(venv, sites, scripts, None)
            units.add((*parts, name))
            units.update(unit for unit in (_unit_of(path, site_parts, scripts) for path in owned) if unit)
    if scripts is not None:
        units.update((scripts, name) for name in os.listdir(venv / scripts) if not _is_interpreter(name))
    return units


def _copied(parts: tuple[str, ...], scripts: str | None) -> bool:
    """Whether a saved file is copied rather than linked: one an installer may rewrite where it stands."""
    return (parts[0] == scripts or parts[-1].endswith(".pth")
            or any(part.endswith(_METADATA_SUFFIXES) for part in parts))


def _save(source: Path, target: Path, parts: tuple[str, ...], scripts: str | None, links_work: bool) -> bool:
    """Save ``source`` (a file, link or directory tree) at ``target``; returns whether hard links still work here."""
    status = os.lstat(source)
    if stat.S_ISLNK(status.st_mode):
        os.symlink(os.readlink(source), target)
    elif stat.S_ISDIR(status.st_mode):
        os.mkdir(target, stat.S_IMODE(status.st_mode) | stat.S_IRWXU)
        for name in os.listdir(source):
            links_work = _save(source / name, target / name, (*parts, name), scripts, links_work)
        os.chmod(target, stat.S_IMODE(status.st_mode))
    elif stat.S_ISREG(status.st_mode):
        if links_work and not _copied(parts, scripts):
            try:
                os.link(source, target, follow_symlinks=False)
                return True
            except OSError as error:
                if error.errno not in _NO_LINK:
                    raise
                links_work = error.errno == errno.EMLINK
        shutil.copy2(source, target, follow_symlinks=False)
    return links_work


def _write_private(path: Path, text: str) -> None:
    """Write ``path`` as a new file (O_EXCL, no link followed) through a temporary name renamed over it."""
    temp = path.with_name(f".{path.name}-{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    with os.fdopen(os.open(temp, flags, 0o600), "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temp, path)


class UpdateJournal:
    """The undo journal of one update of ``venv`` (see the module)."""

    def __init__(self, venv: Path) -> None:
        self.venv = venv
        self.path = venv / JOURNAL_NAME

    @classmethod
    def open(cls, venv: Path, removed: frozenset[str] | None) -> UpdateJournal:
        """Save what an update removing the distributions ``removed`` (None: not known) may change. Raises OSError."""
        journal = cls(venv)
        if os.path.lexists(journal.path):
            remove_entry(str(journal.path), ignore_errors=False)
        os.mkdir(journal.path, 0o700)
        try:
            journal._save_all(removed)
        except BaseException:
            remove_tree(journal.path, ignore_errors=True)
            raise
        if os.path.lexists(stamp_path(venv)):
            os.replace(stamp_path(venv), journal.path / _STAMP_KEPT)
        return journal

    def _save_all(self, removed: frozenset[str] | None) -> None:
        venv = self.venv
        os.mkdir(self.path / _SAVED, 0o700)
        sites, scripts = _site_dirs(venv), _scripts_dir(venv)
        held = {directory: sorted(os.listdir(venv / directory)) for directory in [*sites, *([scripts] if scripts else [])]}
        units = sorted(_units(venv, sites, scripts, removed))
        links_work = os.name != "nt"
        for parts in units:
            source = venv.joinpath(*parts)
            if os.path.lexists(source):
                target = self.path.joinpath(_SAVED, *parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                links_work = _save(source, target, parts, scripts, links_work)
        _write_private(self.path / _RECORD_NAME,
                       json.dumps({"sites": sites, "held": held, "saved": [list(parts) for parts in units]}))

    def write_pins(self, pins: tuple[str, ...]) -> Path:
        """A constraints file (in the journal) holding ``pins``, for the installer."""
        path = self.path / "pins.txt"
        _write_private(path, "".join(pin + "\n" for pin in pins))
        return path

    def commit(self) -> None:
        """Drop the journal: the updated venv is complete and stamped."""
        remove_tree(self.path)

    def roll_back(self) -> list[str]:
        """Put the venv back as it was before the update, stamp included, and drop the journal. Returns the
        distributions of the previous venv that are still missing (the update removed what it was not expected to):
        then the stamp is not restored, so the venv is rebuilt. Raises OSError."""
        try:
            with open(self.path / _RECORD_NAME, encoding="utf-8") as handle:
                record = json.load(handle)
        except FileNotFoundError:  # killed while saving: the installer had not started
            remove_tree(self.path)
            return []
        venv, sites, held = self.venv, record["sites"], record["held"]
        saved = {tuple(parts) for parts in record["saved"]}
        for site in sites:
            depth = len(site.split("/")) + 1
            for name in sorted(set(_listing(venv / site)) - set(held[site])):
                for parts in (_record_paths(venv, site, name) or []) if name.endswith(".dist-info") else []:
                    path = venv.joinpath(*parts)
                    if parts[:depth] not in saved and path.is_file() and not path.is_symlink():
                        os.unlink(path)  # a new distribution's file in a directory that stays (a namespace package)
                        _prune_empty(venv, parts[:-1], depth)
        for directory, names in held.items():
            for name in set(_listing(venv / directory)) - set(names):
                remove_entry(str(venv / directory / name), ignore_errors=False)
        for parts in sorted(saved):
            source = self.path.joinpath(_SAVED, *parts)
            if os.path.lexists(source):
                target = venv.joinpath(*parts)
                if os.path.lexists(target):
                    remove_entry(str(target), ignore_errors=False)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(source, target)
        missing = [name for site in sites for name in held[site] if name.endswith(_METADATA_SUFFIXES)
                   and not os.path.isdir(venv / site / name)]
        if not missing and os.path.lexists(self.path / _STAMP_KEPT):
            os.replace(self.path / _STAMP_KEPT, stamp_path(venv))
        remove_tree(self.path)
        return missing


def _prune_empty(venv: Path, parts: tuple[str, ...], depth: int) -> None:
    """Remove the directories ``parts`` names, deepest first, while they are empty and below the site-packages entry
    (the first ``depth`` parts), which stays."""
    while len(parts) > depth:
        try:
            os.rmdir(venv.joinpath(*parts))
        except OSError:
            return
        parts = parts[:-1]


def _listing(directory: Path) -> list[str]:
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []


def recover_update(venv: Path) -> str | None:
    """Repair what a killed update left in ``venv`` (see the module); returns what was done, in one line, or None when
    there was nothing to repair. Raises OSError."""
    journal = UpdateJournal(venv)
    try:
        status = os.lstat(journal.path)
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(status.st_mode):
        remove_entry(str(journal.path), ignore_errors=False)
        return None
    if os.path.lexists(stamp_path(venv)):
        journal.commit()
        return f"removed {JOURNAL_NAME} left in {venv} by an update killed before it changed anything or after it completed"
    missing = journal.roll_back()
    if missing:
        return (f"rolled back an interrupted update of {venv}, but {', '.join(missing)} could not be restored: it is "
                "built from nothing")
    return f"rolled back an interrupted update of {venv}: the previous venv is back"
