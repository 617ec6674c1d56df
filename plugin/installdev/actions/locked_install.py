"""Filling the venv installdev made from the project's lock, by the method the plan chose (``installdev.request.selection``).

* ``uv sync``: run in the lock's directory (the workspace root for a member: uv never searches for a workspace from
  the member's own directory) with ``UV_PROJECT_ENVIRONMENT=VENV`` and ``--python VENV/bin/python`` (so uv takes the
  venv as it is: without ``--python`` it replaces a venv whose interpreter is not the one it would pick, always with
  symlinks), ``--inexact`` when it fills a new venv (what virtualenv seeded stays; an update is exact, and
  uv keeps the seed packages then), the plan's target (``--all-packages``, ``--package NAME``),
  the selection flags as given (``--extra``, ``--group``, ``--no-group``, ``--only-group`` ...), and ``--locked``
  unless ``--frozen`` (so uv never rewrites the lock; a stale one is a ProjectError). The lock's own sources are used: pip's
  variables are not translated (a lock made from another index would count as out of date). Afterwards the venv
  must still be the one installdev made: same directory, marker, interpreter file and mode; if uv replaced it,
  installdev marks the replacement as its own (it was made at installdev's request, under its lock) so the failed
  build removes it, and fails (exit 4).
* a PEP 751 lock with uv (method ``pylock``): ``uv pip install -r pylock.toml`` with the selection's ``--extra`` and
  ``--group`` (always explicit: uv installs the lock's default-groups only when no group is given).
* a lock read by installdev (uv.lock without uv, pylock.toml with pip or for a selection uv cannot express,
  poetry.lock, pdm.lock): its packages with ``--no-deps``, the hashed ones in hash-checking mode, then the rest; a
  poetry lock of a format before 2.1, or a pdm.lock made without the inherit_metadata strategy, instead constrains a
  normal install to its versions.

Then the project itself with ``--no-deps`` when the lock does not install it, and the ``-r`` files given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.actions.installer import InstallerChoice, InstallSpec, install_project, raise_if_unreachable, run_streaming
from installdev.actions.venvdir import MARKER_NAME, claim, venv_python
from installdev.errors import CreateError, InstallError
from installdev.failure_cause import failure_line
from installdev.request.locks.lockedset import LockedSet, requirement_texts
from installdev.request.locks.rules import LockKind
from installdev.request.locks.uv import STALE_LOCK_SAYS, stale_uv_lock_error, uv_environment
from installdev.request.selection import InstallMethod, LockedInstall
from installdev.vocabulary import InstallerName

if TYPE_CHECKING:
    from installdev.actions.uv_changes import UvChanges
    from installdev.host.interpreter import BasePython
    from installdev.report import Reporter


class LockedFill(NamedTuple):
    """What filling a venv from its lock reads: the venv and its base, the installer, the method chosen and the lock
    read by installdev (None for uv sync), the development install spec (its project directory, constraints and build
    constraints; the whole spec for a lock that only constrains it), the ``-r`` files given, and ``--frozen``."""

    venv: Path
    base: BasePython
    installer: InstallerChoice
    choice: LockedInstall
    locked_set: LockedSet | None
    spec: InstallSpec
    requirements: tuple[Path, ...]
    frozen: bool

    @property
    def project_dir(self) -> Path:
        return self.spec.project_dir


def uv_sync_command(uv: str, venv: Path, choice: LockedInstall, frozen: bool, exact: bool) -> list[str]:
    """``uv sync`` into ``venv`` as the module says (run it in ``choice.lock.path``'s directory)."""
    command = [uv, "sync", "--python", str(venv_python(venv)), *([] if exact else ["--inexact"]), "--no-progress",
               *choice.sync_target]
    command += ["--frozen"] if frozen else ["--locked"]
    return command + choice.selection.flags.arguments()


class VenvIdentity(NamedTuple):
    """What proves a venv is still the one installdev made: the directory (device, inode), installdev's marker in it,
    its python (device, inode, whether a symlink: the mode), and pyvenv.cfg's ``home``."""

    directory: tuple[int, int]
    marked: bool
    python: tuple[int, int, bool]
    home: str


def venv_identity(venv: Path) -> VenvIdentity | None:
    """``venv``'s identity, or None when it is not a readable venv."""
    try:
        directory, python = os.stat(venv), os.lstat(venv_python(venv))
        config = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return None
    home = next((line.split("=", 1)[1].strip() for line in config.splitlines() if line.split("=")[0].strip() == "home"), "")
    return VenvIdentity((directory.st_dev, directory.st_ino), (venv / MARKER_NAME).is_file(),
                         (python.st_dev, python.st_ino, os.path.islink(venv_python(venv))), home)


def _uv_sync(fill: LockedFill, reporter: Reporter) -> None:
    venv = fill.venv
    before = venv_identity(venv)
    command = uv_sync_command(fill.installer.uv, venv, fill.choice, fill.frozen, fill.spec.exact)
    returncode = run_streaming(command, reporter, fill.choice.lock.path.parent, uv_environment(venv))
    after = venv_identity(venv)
    if after != before:
        if os.path.isdir(venv) and not os.path.lexists(venv / MARKER_NAME):
            claim(venv)  # uv's replacement, made at our request under our lock: ours to remove with the failed build
        raise CreateError(f"uv sync replaced the venv installdev made at {venv} (it found it incompatible: see its output "
                          "above), which installdev does not accept: the venv was removed; report this with the output of -v")
    if returncode != 0:
        reporter.replay_tool_tail()
        if any(STALE_LOCK_SAYS in line for line in reporter.tool_tail):  # changed since the plan's check
            raise stale_uv_lock_error(fill.choice.lock.path)
        raise_if_unreachable("uv sync", reporter)
        errors = [line.strip() for line in reporter.tool_tail if line.strip().startswith("error:")]
        failed = f"uv sync failed ({errors[-1] if errors else f'exit status {returncode}'}); its output is above"
        built = failure_line("uv sync", reporter.build_failure, fill.spec.project_name, fill.project_dir)
        raise InstallError(f"{built or failed}: fix the cause and re-run")


def uv_sync_changes(fill: LockedFill) -> UvChanges | None:
    """What an exact ``uv sync`` into ``fill.venv`` would change (``installdev.actions.uv_changes``); None when uv cannot
    say."""
    from installdev.actions.uv_changes import ask_uv

    command = uv_sync_command(fill.installer.uv, fill.venv, fill.choice, fill.frozen, exact=True)
    return ask_uv(command, fill.choice.lock.path.parent, uv_environment(fill.venv))


def _install(fill: LockedFill, spec: InstallSpec, reporter: Reporter) -> InstallerName:
    return install_project(fill.venv, fill.base, spec, fill.installer, reporter)


def _install_files(fill: LockedFill, texts: list[tuple[str, tuple[str, ...]]], reporter: Reporter) -> InstallerName:
    """Install each requirement text (with its options) into the venv, in order."""
    directory = Path(tempfile.mkdtemp(prefix="installdev-lock-"))
    backend = fill.installer.name
    try:
        for index, (text, options) in enumerate(texts):
            path = directory / f"locked-{index}.txt"
            path.write_text(text, encoding="utf-8")
            spec = InstallSpec(fill.project_dir, (), (path,), (), (), fill.spec.build_constraint_files,
                               editable_project=False, options=options)
            backend = _install(fill, spec, reporter)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return backend


def _constrained_install(fill: LockedFill, locked: LockedSet, reporter: Reporter) -> InstallerName:
    directory = Path(tempfile.mkdtemp(prefix="installdev-lock-"))
    try:
        pins = directory / "locked-versions.txt"
        pins.write_text("".join(line + "\n" for line in locked.constraints), encoding="utf-8")
        return _install(fill, fill.spec._replace(constraint_files=(*fill.spec.constraint_files, pins)), reporter)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _uv_pip_install_pylock(fill: LockedFill, reporter: Reporter) -> None:
    choice = fill.choice
    command = [fill.installer.uv, "pip", "install", "--python", str(venv_python(fill.venv)), "--preview-features",
               "pylock", "-r", str(choice.lock.path)]
    for extra in choice.selection.extras:
        command += ["--extra", extra]
    for group in choice.selection.groups or ():
        command += ["--group", group]
    with reporter.step(f"uv pip install -r {choice.lock.path.name}"):
        if run_streaming(command, reporter, fill.project_dir) != 0:
            raise_if_unreachable("uv pip install", reporter)
            reporter.replay_tool_tail()
            built = failure_line(f"uv pip install -r {choice.lock.path}", reporter.build_failure, fill.spec.project_name,
                                 fill.project_dir)
            raise InstallError(f"{built or f'uv pip install -r {choice.lock.path} failed; its output is above'}: "
                               "fix the cause and re-run")


def install_locked(fill: LockedFill, reporter: Reporter) -> InstallerName:
    """Fill ``fill.venv`` from the lock as ``fill.choice`` says; return the backend that installed.
    Raises InstallError (the installer failed), CreateError (uv replaced the venv) or ProjectError (a stale uv.lock)."""
    choice, locked, project_dir = fill.choice, fill.locked_set, fill.project_dir
    if locked is not None and locked.note:
        reporter.info(locked.note)
    if locked is not None and locked.constraints:
        with reporter.step(f"installing {fill.spec.summary()} constrained to {choice.lock.path.name}'s versions"):
            return _constrained_install(fill, locked, reporter)
    backend = fill.installer.name
    if choice.method == InstallMethod.UV_SYNC:
        with reporter.step(f"uv sync from {choice.lock.path}"):
            _uv_sync(fill, reporter)
    elif choice.method == InstallMethod.PYLOCK:
        _uv_pip_install_pylock(fill, reporter)
    else:
        hashed, others = requirement_texts(locked)
        texts = [(hashed, ("--no-deps", "--require-hashes")), (others, ("--no-deps",))]
        with reporter.step(f"installing the {len(locked.packages)} package(s) {choice.lock.path.name} locks"):
            backend = _install_files(fill, [(text, options) for text, options in texts if text], reporter)
    # a uv.lock always holds the project (editable, or virtual: not installed); poetry.lock and pdm.lock never, a
    # pylock may
    if choice.lock.kind != LockKind.UV and not any(_same(path, project_dir) for path in locked.directories()):
        with reporter.step("installing the project itself (-e . --no-deps)"):
            spec = InstallSpec(project_dir, (), (), (), (), fill.spec.build_constraint_files, options=("--no-deps",))
            backend = _install(fill, spec, reporter)
    if fill.requirements:
        spec = InstallSpec(project_dir, (), fill.requirements, (), fill.spec.constraint_files,
                           fill.spec.build_constraint_files, editable_project=False, project_name=fill.spec.project_name)
        with reporter.step(f"installing {spec.summary()}"):
            backend = _install(fill, spec, reporter)
    return backend


def _same(first: Path, second: Path) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)
