"""A command that `installdev run` starts keeps a whole venv: rebuilds, updates and clean-venv wait for it (saying
which), and it never starts in a venv being changed (real venvs, real processes and locks, offline)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import install_dev, run_installdev
from installdev.actions.venv_use import USE_LOCK_NAME, NotHeld, share

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock")]

# Run in the venv: reports whether the use lock is held (an exclusive try from another open of it fails), then waits
# for GO to appear and checks that the venv it started in is still the one at its path, whole.
HOLDER = """\
import fcntl, os, sys, time
venv, started, go = os.environ["VIRTUAL_ENV"], sys.argv[1], sys.argv[2]
def identity():
    status = os.stat(os.path.join(venv, "pyvenv.cfg"))
    return status.st_ino, status.st_mtime_ns
descriptor = os.open(os.path.join(venv, ".installdev-in-use"), os.O_RDONLY | os.O_NOFOLLOW)
try:
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("not held")
except BlockingIOError:
    print("held")
os.close(descriptor)
before = identity()
open(started, "w").close()
deadline = time.monotonic() + 120
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.02)
import sampleproj, devtool
print("same venv" if identity() == before else "venv replaced", sampleproj.GREETING)
"""


def _installdev(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "installdev", *args], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def _start_holder(project: Path, env: dict[str, str], tmp_path: Path, *options: str) -> tuple[subprocess.Popen, Path]:
    started, go = tmp_path / "started", tmp_path / "go"
    holder = _installdev(["run", str(project), *options, "--", "python", "-c", HOLDER, str(started), str(go)], env,
                         cwd=tmp_path)
    _wait_for(started, holder)
    return holder, go


@pytest.mark.parametrize(("entry", "change"), [
    ("quick", ["install-dev", "--force"]),  # a rebuild from nothing
    ("full", ["install-dev", "--force"]),
    ("quick", ["install-dev"]),  # an update in place (the requirement edited below)
    ("quick", ["clean-venv"]),
])
def test_a_change_waits_for_the_running_command_saying_which_then_goes_ahead(project, offline_env, tmp_path, entry,
                                                                             change):
    install_dev(project, offline_env)
    options = ["-q"] if entry == "quick" else ["--lock-timeout", "600"]  # an argument list with no quick record yet
    if entry == "quick":  # the same invocation once before: its quick record vouches next time
        assert run_installdev(["run", str(project), *options, "--", "true"], offline_env, cwd=tmp_path).returncode == 0
    holder, _ = _start_holder(project, offline_env, tmp_path, *options)
    if change == ["install-dev"]:
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('dev = ["devtool"]', 'dev = ["devtool", "reqtool==1.0"]'))
    changer = _installdev([*change, str(project)], offline_env, cwd=tmp_path)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        assert changer.poll() is None, changer.communicate()  # it waits: the command is running
        time.sleep(0.05)
    (tmp_path / "go").touch()
    out, err = holder.communicate(timeout=120)
    assert (holder.returncode, out, err) == (0, "held\nsame venv hello\n", ""), (out, err)
    _, changed_err = changer.communicate(timeout=300)
    assert changer.returncode == 0, changed_err
    assert (f"installdev: waiting for pid {holder.pid} (python -c import fcntl, os, sys, time" in changed_err
            and f"running in {project / 'venv'} to finish before changing it (up to 900s)" in changed_err), changed_err
    assert changed_err.count("waiting for pid") == 1  # said once
    if change == ["clean-venv"]:
        assert not (project / "venv").exists()
    else:
        assert (project / "venv" / USE_LOCK_NAME).is_file()
        assert run_installdev(["run", str(project), "--", "python", "-c", "import sampleproj"], offline_env,
                              cwd=tmp_path).returncode == 0


def test_a_change_gives_up_at_the_lock_timeout_in_one_line_and_leaves_the_venv(project, offline_env, tmp_path):
    install_dev(project, offline_env)
    holder, go = _start_holder(project, offline_env, tmp_path)
    stamp = (project / "venv" / ".installdev-stamp.json").stat()
    for change in (["clean-venv"], ["install-dev", "--force"]):
        refused = run_installdev([*change, str(project), "--lock-timeout", "0.5"], offline_env, cwd=tmp_path)
        assert refused.returncode == 3, refused.stderr
        (error,) = [line for line in refused.stderr.splitlines() if line.startswith("installdev: error:")]
        assert error.startswith(f"installdev: error: gave up after 0.5s waiting for pid {holder.pid} (python -c "), error
        assert error.endswith(f"running in {project / 'venv'}: let it finish (or stop it), or raise --lock-timeout")
    assert (project / "venv" / ".installdev-stamp.json").stat().st_ino == stamp.st_ino  # untouched
    go.touch()
    out, err = holder.communicate(timeout=120)
    assert (holder.returncode, out) == (0, "held\nsame venv hello\n"), err
    assert run_installdev(["clean-venv", str(project), "--lock-timeout", "0.5"], offline_env).returncode == 0


def test_a_command_does_not_start_in_a_venv_being_changed(project, offline_env, tmp_path):
    install_dev(project, offline_env)
    assert run_installdev(["run", str(project), "--", "true"], offline_env, cwd=tmp_path).returncode == 0
    descriptor = os.open(project / "venv" / USE_LOCK_NAME, os.O_RDONLY)
    fcntl.flock(descriptor, fcntl.LOCK_EX)  # what a change holds
    try:
        refused = run_installdev(["run", str(project), "--lock-timeout", "0.5", "--", "true"], offline_env, cwd=tmp_path)
        assert (refused.returncode, refused.stderr.splitlines()[-1]) == (
            3, f"installdev: error: gave up after 0.5s waiting for the change of {project / 'venv'} to finish: wait for "
               "that build, or raise --lock-timeout"), refused.stderr
        waiting = _installdev(["run", str(project), "--", "python", "-c", "print('ran')"], offline_env, cwd=tmp_path)
        time.sleep(1)
        assert waiting.poll() is None  # quick record valid, but the venv is being changed: it waits
    finally:
        os.close(descriptor)
    out, err = waiting.communicate(timeout=120)
    assert (waiting.returncode, out) == (0, "ran\n"), err
    assert err == f"installdev: waiting for the change of {project / 'venv'} to finish (up to 900s)\n"


def test_a_venv_made_before_the_use_lock_gets_one_and_the_command_holds_it(project, offline_env, tmp_path):
    install_dev(project, offline_env)
    (project / "venv" / USE_LOCK_NAME).unlink()  # as an earlier installdev left it
    started, go = tmp_path / "started", tmp_path / "go"
    go.touch()
    ran = run_installdev(["run", str(project), "--", "python", "-c", HOLDER, str(started), str(go)], offline_env,
                         cwd=tmp_path)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "held\nsame venv hello\n", "")
    assert (project / "venv" / USE_LOCK_NAME).stat().st_mode & 0o777 == 0o644
    again = run_installdev(["run", str(project), "--", "python", "-c", HOLDER, str(started), str(go)], offline_env,
                           cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "held\nsame venv hello\n"), again.stderr


def test_a_planted_link_or_foreign_file_is_never_locked_through(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text("")
    (venv / USE_LOCK_NAME).symlink_to(target)
    with pytest.raises(NotHeld) as planted:
        share(venv)
    assert not planted.value.retry and not planted.value.missing
    os.link(target, tmp_path / "second-link")
    (venv / USE_LOCK_NAME).unlink()
    os.link(target, venv / USE_LOCK_NAME)  # a hard link to a file elsewhere
    with pytest.raises(NotHeld, match="is not a regular file of your own"):
        share(venv)
    (venv / USE_LOCK_NAME).unlink()
    with pytest.raises(NotHeld) as missing:
        share(venv)
    assert missing.value.missing
    (venv / USE_LOCK_NAME).write_text("")
    held = share(venv)
    try:
        assert os.get_inheritable(held)  # the command exec'd next holds it
    finally:
        os.close(held)


def test_a_change_run_under_a_command_holding_the_same_venv_says_so_at_once(project, offline_env, tmp_path):
    """`installdev run -- installdev install-dev --force` would wait for itself: one line at once, exit 3."""
    install_dev(project, offline_env)
    nested = run_installdev(["run", str(project), "--", sys.executable, "-m", "installdev", "install-dev", str(project),
                             "--force"], offline_env, cwd=tmp_path)
    assert nested.returncode == 3, nested.stderr
    (error,) = nested.stderr.splitlines()
    assert error.startswith(f"installdev: error: {project / 'venv'} is in use by the command this one runs under (pid ")
    assert error.endswith("which a change would wait for forever: run this outside it")
    assert run_installdev(["run", str(project), "--", "python", "-c", "import sampleproj"], offline_env,
                          cwd=tmp_path).returncode == 0  # the venv untouched
