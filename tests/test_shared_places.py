"""Shared and hostile places: a venv in a directory other users can write, a venv that is a mounted volume, two users
on one checkout, and what a run leaves beside the venv.

The users are real (``useradd -m``, deleted afterwards) and run installdev copied into a world-readable directory with
Debian's ``/usr/bin/python3`` and installdev's dependencies copied from this test environment (root's pyenv Pythons sit
in the 0700 /root). Volumes are real tmpfs mounts at exactly ``PROJECT/venv``. Nothing uses a package index: the
projects install editable with an in-tree backend and no dependencies (``--no-default-groups``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PLUGIN_DIR, run_installdev
from hostfixtures import require_binary, require_host, require_root
from test_guarantees import imports_ok, stamp_text, touch_input, write_tiny_project

SYSTEM_PYTHON = "/usr/bin/python3"
ALONE = ["--no-default-groups"]  # the project alone: no wheel needed from any index
_USER_NAME = re.compile(r"^idt(\d+)([am])$")


# --------------------------------------------------------------------------------------------------
# real second users running a world-readable installdev


@dataclasses.dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: Path


@dataclasses.dataclass(frozen=True)
class Installdev:
    """installdev as any user can run it: a copy of plugin/ and of its dependencies, run by /usr/bin/python3."""

    root: Path
    group: str

    def command(self, user: User, argv: list[str], env: dict[str, str | None] | None = None, umask: int = 0o022) -> list[str]:
        """``argv`` run as ``user`` with a clean environment that reaches this copy of installdev."""
        environment = {
            "PATH": "/usr/bin:/bin", "HOME": str(user.home), "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": f"{self.root / 'plugin'}:{self.root / 'deps'}", "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CONFIG_FILE": os.devnull, **(env or {}),
        }
        return [require_binary("setpriv", "util-linux"), f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups",
                "--", "env", "-i", *(f"{key}={value}" for key, value in environment.items() if value is not None),
                "sh", "-c", f'umask {umask:03o} && exec "$@"', "installdev-test", *argv]

    def run(self, user: User, *args: str, env: dict[str, str] | None = None, umask: int = 0o022) -> subprocess.CompletedProcess:
        """``installdev ARGS`` as ``user``."""
        return subprocess.run(self.command(user, [SYSTEM_PYTHON, "-m", "installdev", *args], env, umask), capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL, cwd="/")


def _dependency_closure(names: tuple[str, ...]) -> list[str]:
    from importlib import metadata

    from packaging.requirements import Requirement

    found: list[str] = []
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.append(name)
        for text in metadata.distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    return found


def _copy_distribution(name: str, target: Path) -> None:
    from importlib import metadata

    distribution = metadata.distribution(name)
    for relative in distribution.files or []:
        posix = Path(relative).as_posix()
        if posix.startswith("..") or "__pycache__" in posix:
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(distribution.locate_file(relative), target / relative)


def _user(name: str) -> User:
    import pwd

    entry = pwd.getpwnam(name)
    return User(name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir))


def _remove_stale_users() -> None:
    """Users and groups left by a test session that died (their name carries its pid)."""
    import grp
    import pwd

    for entry in pwd.getpwall():
        match = _USER_NAME.match(entry.pw_name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            subprocess.run(["userdel", "-r", entry.pw_name], capture_output=True)
    for group in grp.getgrall():
        match = re.match(r"^idt(\d+)g$", group.gr_name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            subprocess.run(["groupdel", group.gr_name], capture_output=True)


@pytest.fixture(scope="session")
def installdev_for_users() -> Iterator[Installdev]:
    require_root("creating users")
    require_host(os.access(SYSTEM_PYTHON, os.X_OK), f"{SYSTEM_PYTHON} (Debian's python3) is needed to run as other users")
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "usermod"):
        require_binary(tool, "passwd")
    _remove_stale_users()
    root = Path(tempfile.mkdtemp(prefix=f"hostfx-{os.getpid()}-installdev-"))
    group = f"idt{os.getpid()}g"
    try:
        shutil.copytree(PLUGIN_DIR, root / "plugin", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        for name in _dependency_closure(("virtualenv", "filelock", "platformdirs", "packaging")):
            _copy_distribution(name, root / "deps")
        subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
        subprocess.run(["groupadd", group], check=True, capture_output=True)
        yield Installdev(root, group)
    finally:
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def users(installdev_for_users) -> Iterator[tuple[User, User]]:
    """alice (the victim, or the venv's owner) and mallory (the attacker, or a second developer), both in one group."""
    names = [f"idt{os.getpid()}{suffix}" for suffix in "am"]
    try:
        for name in names:
            subprocess.run(["useradd", "-m", "-G", installdev_for_users.group, name], check=True, capture_output=True)
        yield tuple(_user(name) for name in names)
    finally:
        for name in names:
            subprocess.run(["userdel", "-r", name], capture_output=True)


@pytest.fixture
def place(world_tmp_path) -> Path:
    """A fresh directory every user can reach (0755, root's)."""
    return world_tmp_path


def as_user(user: User, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--init-groups", "--", *command],
                          capture_output=True, text=True, timeout=120, check=True)


def owned_project(directory: Path, owner: User) -> Path:
    project = write_tiny_project(directory)
    shutil.chown(directory, owner.uid, owner.gid)
    for path in directory.rglob("*"):
        os.chown(path, owner.uid, owner.gid, follow_symlinks=False)
    return project


def error_line(result: subprocess.CompletedProcess) -> str:
    """The one error line of a failed run (asserting there is exactly one, and no traceback of installdev's); stderr's
    progress lines (``installdev: ...``) and the installers' output (indented) aside."""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("    ")
             and (line.startswith("installdev: error: ") or not line.startswith("installdev: "))]
    assert not any(line.startswith("Traceback") for line in lines), result.stderr
    assert len(lines) == 1 and lines[0].startswith("installdev: error: "), result.stdout + result.stderr
    return lines[0]


def shared_directory(place: Path, mode: int = 0o1777) -> Path:
    shared = place / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    return shared


# --------------------------------------------------------------------------------------------------
# a venv in a directory other users can write


@pytest.mark.hosts
@pytest.mark.e2e
def test_the_lock_owner_note_is_never_written_through_planted_symlinks(installdev_for_users, users, place):
    """mallory plants symlinks, in the sticky shared directory, at every name the lock's owner note used (for alice's
    very pid): alice takes and releases the lock and her file is untouched; nothing is left beside the venv."""
    alice, mallory = users
    shared = shared_directory(place)
    precious = alice.home / "precious.txt"
    as_user(alice, "sh", "-c", f"echo keep me > {precious}")
    venv = shared / "v"
    holder = subprocess.Popen(
        installdev_for_users.command(alice, [SYSTEM_PYTHON, "-c", (
            "import os, sys; from pathlib import Path\n"
            "print(os.getpid(), flush=True); sys.stdin.readline()\n"
            "from installdev.actions.locking import venv_lock; from installdev.report import Reporter\n"
            f"with venv_lock(Path({str(venv)!r}), 5, Reporter()): pass\n")]),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = holder.stdout.readline().strip()
    planted = [f"v.lock.owner.{pid}.tmp", "v.lock.owner"]
    for name in planted:
        as_user(mallory, "ln", "-s", str(precious), str(shared / name))
    _, stderr = holder.communicate("go\n", timeout=60)
    assert holder.returncode == 0, stderr
    assert precious.read_text() == "keep me\n"
    assert sorted(os.listdir(shared)) == sorted(planted), "the lock file went when the lock was released"


@pytest.mark.hosts
@pytest.mark.e2e
@pytest.mark.parametrize("planted", ["symlink", "file"])
def test_a_lock_file_planted_by_another_user_is_refused(installdev_for_users, users, place, planted):
    """``v.lock`` is a predictable name: one that is a symlink, or a file of someone else's, is refused in one line, not
    followed, truncated or written."""
    alice, mallory = users
    shared = shared_directory(place)
    project = owned_project(place / "alice-project", alice)
    precious = alice.home / "precious.txt"
    as_user(alice, "sh", "-c", f"echo keep me > {precious}")
    if planted == "symlink":
        as_user(mallory, "ln", "-s", str(precious), str(shared / "v.lock"))
    else:
        as_user(mallory, "sh", "-c", f"echo mallory > {shared / 'v.lock'} && chmod 666 {shared / 'v.lock'}")
    result = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(shared / "v"), *ALONE)
    assert result.returncode == 8, result.stdout + result.stderr
    line = error_line(result)
    assert str(shared / "v.lock") in line
    assert ("symbolic link" in line) if planted == "symlink" else (f"belongs to {mallory.name}" in line)
    assert precious.read_text() == "keep me\n"
    assert not (shared / "v").exists()
    if planted == "file":
        assert (shared / "v.lock").read_text() == "mallory\n"


@pytest.mark.hosts
@pytest.mark.e2e
def test_an_empty_directory_another_user_made_is_never_built_into(installdev_for_users, users, place):
    alice, mallory = users
    shared = shared_directory(place)
    project = owned_project(place / "alice-project", alice)
    as_user(mallory, "mkdir", "-m", "0777", str(shared / "v"))
    result = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(shared / "v"), *ALONE)
    assert result.returncode == 7, result.stdout + result.stderr
    assert f"belongs to {mallory.name}" in error_line(result)
    assert os.listdir(shared / "v") == []
    doctor = installdev_for_users.run(alice, "doctor", str(project), "--venv", str(shared / "v"), *ALONE)
    assert doctor.returncode == 7 and "install-dev would fail (exit 7)" in doctor.stdout


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_copy_of_a_venv_made_by_another_user_is_never_up_to_date(installdev_for_users, users, place):
    """mallory copies alice's venv (marker, stamp and all) and opens it to everyone: alice's install-dev and doctor refuse
    it; they never call it up to date, nor run its python."""
    alice, mallory = users
    shared = shared_directory(place)
    project = owned_project(place / "alice-project", alice)
    built = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(shared / "a"), *ALONE)
    assert built.returncode == 0, built.stdout + built.stderr
    as_user(mallory, "cp", "-a", str(shared / "a"), str(shared / "m"))
    as_user(mallory, "chmod", "-R", "a+rwX", str(shared / "m"))
    for command in ("install-dev", "doctor"):
        result = installdev_for_users.run(alice, command, str(project), "--venv", str(shared / "m"), *ALONE)
        assert result.returncode == 7, result.stdout + result.stderr
        assert "up to date" not in result.stderr
        assert f"belongs to {mallory.name}" in result.stdout + result.stderr


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_planted_previous_venv_is_never_put_in_place(installdev_for_users, users, place):
    """In a world-writable directory, mallory plants ``v.installdev-previous`` (a copy of a venv of alice's): alice's
    next install-dev refuses it in one line instead of renaming it into place as her venv."""
    alice, mallory = users
    shared = shared_directory(place, 0o777)
    project = owned_project(place / "alice-project", alice)
    built = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(shared / "a"), *ALONE)
    assert built.returncode == 0, built.stdout + built.stderr
    planted = shared / "v.installdev-previous"
    as_user(mallory, "cp", "-a", str(shared / "a"), str(planted))
    result = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(shared / "v"), *ALONE)
    assert result.returncode == 7, result.stdout + result.stderr
    assert str(planted) in error_line(result) and f"belongs to {mallory.name}" in result.stderr
    assert not (shared / "v").exists()
    assert planted.stat().st_uid == mallory.uid and (planted / ".installdev-stamp.json").is_file()


@pytest.mark.hosts
@pytest.mark.e2e
def test_an_own_venv_that_others_can_write_is_refused_until_fixed(installdev_for_users, users, place):
    alice, _ = users
    project = owned_project(place / "alice-project", alice)
    assert installdev_for_users.run(alice, "install-dev", str(project), *ALONE).returncode == 0
    venv = project / "venv"
    assert stat.S_IMODE(venv.stat().st_mode) == 0o755, "installdev makes its venv directory private"
    as_user(alice, "chmod", "o+w", str(venv))
    as_user(alice, "sh", "-c", f"echo '# changed' >> {project / 'pyproject.toml'}")
    result = installdev_for_users.run(alice, "install-dev", str(project), *ALONE)
    assert result.returncode == 7, result.stdout + result.stderr
    assert "can be written by every user" in error_line(result) and "chmod go-w" in result.stderr
    as_user(alice, "chmod", "go-w", str(venv))
    fixed = installdev_for_users.run(alice, "install-dev", str(project), *ALONE)
    assert fixed.returncode == 0 and "ready in" in fixed.stderr, fixed.stdout + fixed.stderr


# --------------------------------------------------------------------------------------------------
# two users on one checkout: a venv is built and vouched for by its owner only; the other gets one line


@pytest.fixture
def team_checkout(installdev_for_users, users, place) -> Path:
    """A checkout both users can write (group-shared, setgid), with a venv alice built with umask 002 (so its lock file,
    in the old layout, was group-writable too) and rebuilt with umask 022."""
    alice, _ = users
    team = place / "team"
    team.mkdir()
    shutil.chown(team, group=installdev_for_users.group)
    os.chmod(team, 0o2775)
    project = write_tiny_project(team / "project")
    subprocess.run(["chgrp", "-R", installdev_for_users.group, str(project)], check=True)
    subprocess.run(["chmod", "-R", "g+w", str(project)], check=True)
    os.chmod(project, 0o2775)
    first = installdev_for_users.run(alice, "install-dev", str(project), *ALONE, umask=0o002)
    assert first.returncode == 0, first.stdout + first.stderr
    again = installdev_for_users.run(alice, "install-dev", str(project), "--force", *ALONE)
    assert again.returncode == 0, again.stdout + again.stderr
    return project


@pytest.mark.hosts
@pytest.mark.e2e
@pytest.mark.slow
def test_another_user_gets_one_line_for_rebuild_recover_and_clean(installdev_for_users, users, team_checkout):
    alice, mallory = users
    project, venv = team_checkout, team_checkout / "venv"
    stamp = stamp_text(venv)
    touch_input(project, "mallory's change")
    for args in (["install-dev", str(project), *ALONE], ["clean-venv", str(project)]):
        result = installdev_for_users.run(mallory, *args)
        assert result.returncode == 7, result.stdout + result.stderr
        assert f"belongs to {alice.name}" in error_line(result)
    assert stamp_text(venv) == stamp and imports_ok(venv, "tinyproj").returncode == 0
    as_user(alice, "mv", str(venv), str(project / "venv.installdev-previous"))  # a rebuild of alice's, killed
    recovery = installdev_for_users.run(mallory, "install-dev", str(project), *ALONE)
    assert recovery.returncode == 7, recovery.stdout + recovery.stderr
    assert f"belongs to {alice.name}" in error_line(recovery)
    assert sorted(path.name for path in project.iterdir() if "venv" in path.name) == ["venv.installdev-previous"]
    repaired = installdev_for_users.run(alice, "install-dev", str(project), *ALONE)
    assert repaired.returncode == 0 and "restored the previous venv" in repaired.stderr, repaired.stdout + repaired.stderr
    assert sorted(path.name for path in project.iterdir() if "venv" in path.name) == ["venv"]


@pytest.mark.hosts
@pytest.mark.e2e
def test_after_another_user_built_the_venv_the_first_one_is_told_whose_it_is(installdev_for_users, users, place):
    alice, mallory = users
    team = place / "team"
    team.mkdir(mode=0o777)
    os.chmod(team, 0o1777)
    project = write_tiny_project(team / "project")
    os.chmod(project, 0o1777)
    built = installdev_for_users.run(mallory, "install-dev", str(project), *ALONE)
    assert built.returncode == 0, built.stdout + built.stderr
    touch_input(project, "alice's change")
    result = installdev_for_users.run(alice, "install-dev", str(project), *ALONE)
    assert result.returncode == 7, result.stdout + result.stderr
    assert f"belongs to {mallory.name}" in error_line(result) and "--venv" in result.stderr
    own = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(alice.home / "venv"), *ALONE)
    assert own.returncode == 0, own.stdout + own.stderr


@pytest.mark.hosts
@pytest.mark.e2e
def test_an_empty_venv_directory_the_user_cannot_write_is_one_line(installdev_for_users, users, place):
    alice, _ = users
    project = owned_project(place / "alice-project", alice)
    roots = place / "roots-empty-venv"
    roots.mkdir(mode=0o755)
    result = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(roots), *ALONE)
    assert result.returncode == 7, result.stdout + result.stderr
    assert "belongs to root" in error_line(result)
    own = alice.home / "readonly-venv"
    as_user(alice, "mkdir", "-m", "0555", str(own))
    result = installdev_for_users.run(alice, "install-dev", str(project), "--venv", str(own), *ALONE)
    assert result.returncode == 8, result.stdout + result.stderr
    assert "cannot write in" in error_line(result) and "chmod u+w" in result.stderr
    assert os.listdir(own) == []


@pytest.mark.hosts
@pytest.mark.e2e
def test_no_home_and_no_passwd_entry_is_one_line(installdev_for_users, place):
    """A uid without a passwd entry and HOME unset (a container's ``--user 4321``)."""
    nobody_known = User("uid-4321", 4321, 4321, Path("/nonexistent"))
    shared = shared_directory(place)
    project = write_tiny_project(shared / "project")
    subprocess.run(["chmod", "-R", "a+rwX", str(project)], check=True)
    command = installdev_for_users.command(nobody_known, [SYSTEM_PYTHON, "-m", "installdev", "install-dev", str(project),
                                                          *ALONE], env={"HOME": None})
    command[command.index("--init-groups")] = "--clear-groups"
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, cwd="/")
    assert result.returncode in (0, 4, 5), result.stdout + result.stderr
    if result.returncode:
        error_line(result)


# --------------------------------------------------------------------------------------------------
# a venv that is a mount point (a container's named volume)


@pytest.fixture
def volume(tmp_path) -> Iterator:
    """``volume(path, options)`` mounts a fresh tmpfs exactly at ``path`` (made if missing); unmounted afterwards."""
    require_root("tmpfs mounts")
    mounted: list[Path] = []

    def mount(path: Path, options: str = "") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(filter(None, ["size=256m", options])), "tmpfs",
                                 str(path)], capture_output=True, text=True)
        require_host(result.returncode == 0, f"mount -t tmpfs -o {options} failed: {result.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        if subprocess.run(["umount", str(path)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def volume_project(tmp_path: Path) -> Path:
    """A project under a path carrying hostfixtures' marker, so a dead session's mounts are cleaned up."""
    return write_tiny_project(tmp_path / f"hostfx-{os.getpid()}-volume" / "proj")


def beside(venv: Path) -> list[str]:
    return sorted(name for name in os.listdir(venv.parent) if name.startswith(venv.name))


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_venv_that_is_a_mount_point_rebuilds_and_cleans_in_place(tmp_path, volume, offline_env):
    project = volume_project(tmp_path)
    venv = volume(project / "venv")
    first = run_installdev(["install-dev", str(project), *ALONE], offline_env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert stat.S_IMODE(venv.stat().st_mode) & 0o022 == 0, "the volume's 1777 root was made private"
    touch_input(project, "rebuild on a volume")
    rebuilt = run_installdev(["install-dev", str(project), *ALONE], offline_env)
    assert rebuilt.returncode == 0 and "ready in" in rebuilt.stderr, rebuilt.stdout + rebuilt.stderr
    assert imports_ok(venv, "tinyproj").returncode == 0
    assert not any(name.startswith(".installdev-previous") or name.startswith(".installdev-returning")
                   for name in os.listdir(venv))
    assert beside(venv) == ["venv"]
    cleaned = run_installdev(["clean-venv", str(project)], offline_env)
    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert os.path.ismount(venv) and os.listdir(venv) == [], "emptied; the mount point itself stays"
    again = run_installdev(["install-dev", str(project), *ALONE], offline_env)
    assert again.returncode == 0 and "ready in" in again.stderr, again.stdout + again.stderr


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_failed_rebuild_on_a_volume_keeps_the_old_venv(tmp_path, volume, offline_env):
    project = volume_project(tmp_path)
    venv = volume(project / "venv")
    assert run_installdev(["install-dev", str(project), *ALONE], offline_env).returncode == 0
    before = stamp_text(venv)
    requirements = project / "requirements.txt"
    requirements.write_text("no-such-package-anywhere\n")
    result = run_installdev(["install-dev", str(project), *ALONE, "-r", str(requirements)], offline_env)
    assert result.returncode == 5, result.stdout + result.stderr
    assert "previous venv is still in place" in result.stderr
    assert stamp_text(venv) == before and imports_ok(venv, "tinyproj").returncode == 0
    assert not {".installdev-previous", ".installdev-returning"} & set(os.listdir(venv))
    assert beside(venv) == ["venv"]


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_nosymfollow_volume_is_probed_itself(tmp_path, volume, offline_env):
    """The parent allows symlinks; the volume does not follow them: the volume decides, for doctor and install-dev."""
    project = volume_project(tmp_path)
    venv = volume(project / "venv", "nosymfollow")
    doctor = run_installdev(["doctor", str(project), "--json", *ALONE], offline_env)
    report = json.loads(doctor.stdout)
    assert report["probe"]["directory"] == str(venv) and report["probe"]["follow_error"] == "ELOOP", report["probe"]
    assert report["decision"]["mode"] == "copies"
    result = run_installdev(["install-dev", str(project), *ALONE], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (venv / "bin" / "python").is_symlink() and imports_ok(venv, "tinyproj").returncode == 0
    touch_input(project, "again")
    assert run_installdev(["install-dev", str(project), *ALONE], offline_env).returncode == 0


@pytest.mark.hosts
@pytest.mark.e2e
def test_a_writable_volume_under_a_read_only_parent(tmp_path, volume, offline_env):
    project = volume_project(tmp_path)
    (project / "venv").mkdir()
    subprocess.run(["mount", "--bind", str(project), str(project)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(project)], check=True)
        venv = volume(project / "venv")
        env = {**offline_env, "XDG_CACHE_HOME": str(tmp_path / "cache")}
        first = run_installdev(["install-dev", str(project), *ALONE], env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert not os.access(project, os.W_OK), "the parent is read-only"
        rebuilt = run_installdev(["install-dev", str(project), "--force", *ALONE], env)
        assert rebuilt.returncode == 0 and "ready in" in rebuilt.stderr, rebuilt.stdout + rebuilt.stderr
        assert imports_ok(venv, "tinyproj").returncode == 0
        assert list((tmp_path / "cache" / "installdev" / "locks").iterdir()) == [], "the lock lived in the cache, and went"
        assert run_installdev(["clean-venv", str(project)], env).returncode == 0 and os.listdir(venv) == []
    finally:
        subprocess.run(["umount", str(project / "venv")], capture_output=True)
        subprocess.run(["umount", str(project)], capture_output=True)


# --------------------------------------------------------------------------------------------------
# in place, a crash at any step is repaired (no mount needed: recovery reads the state alone)


def _returning_half_moved(venv: Path) -> None:
    returning = venv / ".installdev-returning"
    returning.mkdir()
    for name in (".installdev-stamp.json", "lib"):
        os.rename(venv / name, returning / name)


def _previous_with_new_partial(venv: Path) -> None:
    previous = venv / ".installdev-previous"
    previous.mkdir()
    for entry in os.listdir(venv):
        if entry not in (".installdev-venv", ".installdev-previous"):
            os.rename(venv / entry, previous / entry)
    (venv / "bin").mkdir()
    (venv / "pyvenv.cfg").write_text("home = /nowhere\n")


def _previous_with_new_complete(venv: Path) -> None:
    shutil.copytree(venv, venv.with_name("copy"), symlinks=True)
    shutil.move(venv.with_name("copy"), venv / ".installdev-previous")
    os.unlink(venv / ".installdev-previous" / ".installdev-venv")


IN_PLACE_CRASH_STATES = {
    "setting aside, half moved": (_returning_half_moved, "restored the previous venv"),
    "new venv half built": (_previous_with_new_partial, "restored the previous venv"),
    "new venv complete, old not yet deleted": (_previous_with_new_complete, "removed .installdev-previous"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("state", list(IN_PLACE_CRASH_STATES))
def test_an_interrupted_in_place_rebuild_is_repaired(tmp_path, offline_env, state):
    project = write_tiny_project(tmp_path / "proj")
    venv = project / "venv"
    assert run_installdev(["install-dev", str(project), *ALONE], offline_env).returncode == 0
    stamp = stamp_text(venv)
    make_state, message = IN_PLACE_CRASH_STATES[state]
    make_state(venv)
    result = run_installdev(["install-dev", str(project), *ALONE], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert "ready in" not in result.stderr, "the surviving complete venv is kept, not rebuilt"
    assert stamp_text(venv) == stamp and imports_ok(venv, "tinyproj").returncode == 0
    assert not {".installdev-previous", ".installdev-returning"} & set(os.listdir(venv))


# --------------------------------------------------------------------------------------------------
# nothing but the venv is left in the user's tree


@pytest.mark.e2e
def test_nothing_is_left_beside_the_venv(tmp_path, offline_env):
    """No ``venv.lock`` (nor anything else) stays beside the venv, where a .gitignore that covers ``venv/`` would show it."""
    project = write_tiny_project(tmp_path / "proj")
    venv = project / "venv"
    requirements = tmp_path / "missing-package.txt"
    requirements.write_text("no-such-package-anywhere\n")
    failed_first = run_installdev(["install-dev", str(project), *ALONE, "-r", str(requirements)], offline_env)
    assert failed_first.returncode == 5, failed_first.stdout + failed_first.stderr
    assert beside(venv) == [], "a failed first build leaves nothing"
    assert run_installdev(["install-dev", str(project), *ALONE], offline_env).returncode == 0
    assert beside(venv) == ["venv"], "a build leaves the venv alone"
    failed_rebuild = run_installdev(["install-dev", str(project), *ALONE, "-r", str(requirements)], offline_env)
    assert failed_rebuild.returncode == 5
    assert beside(venv) == ["venv"]
    assert run_installdev(["clean-venv", str(project)], offline_env).returncode == 0
    assert beside(venv) == [], "clean-venv leaves nothing"


@pytest.mark.e2e
def test_a_lock_wait_says_when_the_noted_holder_has_exited(tmp_path, offline_env):
    """installdev killed -9 while its installer runs on (Gradle stopping the process it started): the installer holds
    the lock, the note names the dead installdev. A waiter says that pid has exited, instead of naming it as alive."""
    project = write_tiny_project(tmp_path / "proj")
    venv = project / "venv"
    holder = subprocess.run([sys.executable, "-c", (
        "import os, subprocess, sys; from pathlib import Path\n"
        "from installdev.actions.locking import held_lock_fds, venv_lock; from installdev.report import Reporter\n"
        f"with venv_lock(Path({str(venv)!r}), 5, Reporter()):\n"
        "    child = subprocess.Popen(['sleep', '60'], pass_fds=held_lock_fds(), start_new_session=True,\n"
        "                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    print(os.getpid(), child.pid, flush=True)\n"
        "    os._exit(0)\n")], env=offline_env, capture_output=True, text=True, timeout=60)
    dead, orphan = (int(part) for part in holder.stdout.split())
    try:
        result = run_installdev(["install-dev", str(project), *ALONE, "--lock-timeout", "0.3"], offline_env)
    finally:
        os.kill(orphan, 9)
    assert result.returncode == 3, result.stdout + result.stderr
    line = error_line(result)
    assert f"pid {dead} on {socket.gethostname()}" in line and f"pid {dead} has exited" in line, line
