"""End to end with real GNU Make: gradle-example/Makefile through plugin/installdev.mk."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildtools import (
    BUILD_TIMEOUT,
    copy_example,
    fake_calls,
    require_tool,
    stamp_of,
    write_fake_installdev,
)
from buildtools import build_env as _build_env

pytestmark = [pytest.mark.buildtools, pytest.mark.skipif(sys.platform == "win32", reason="POSIX build scripts")]

ENTRY_POINT = "run_installdev.py install-dev"


@pytest.fixture
def make_env(offline_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    require_tool("make")
    env = _build_env(offline_env, tmp_path, "make")
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    return env


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "work")


def run_make(example: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(["make", "--no-print-directory", "-C", str(example), *args], env=env,
                               capture_output=True, text=True, timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL)
    if check and completed.returncode != 0:
        pytest.fail(f"make {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return completed


def touch_newer(path: Path, than: Path) -> None:
    """Touch ``path`` until its time is after ``than``'s: file times can be coarser than one Make run."""
    deadline = time.monotonic() + 5
    while True:
        path.touch()
        if path.stat().st_mtime_ns > than.stat().st_mtime_ns or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def test_make_install_dev_builds_both_then_does_nothing_then_only_what_changed(example, make_env):
    lib_stamp, app_stamp = stamp_of(example / "libdemo" / "venv"), stamp_of(example / "appdemo" / "venv")

    first = run_make(example, make_env, "install-dev")
    assert first.stdout.count(ENTRY_POINT) == 2, first.stdout
    assert lib_stamp.is_file() and app_stamp.is_file()
    used = subprocess.run([str(example / "appdemo" / "venv" / "bin" / "appdemo"), "Make"], capture_output=True,
                          text=True, timeout=60)
    assert used.stdout.strip() == "Hello, Make, from libdemo 0.1.0", used.stderr
    stamps = (lib_stamp.stat().st_mtime_ns, app_stamp.stat().st_mtime_ns)

    second = run_make(example, make_env, "install-dev")
    assert ENTRY_POINT not in second.stdout + second.stderr  # Make ran nothing: not even Python
    assert (lib_stamp.stat().st_mtime_ns, app_stamp.stat().st_mtime_ns) == stamps

    touch_newer(example / "libdemo" / "pyproject.toml", lib_stamp)
    touched = run_make(example, make_env, "install-dev")
    assert touched.stdout.count(ENTRY_POINT) == 1 and "/libdemo --venv" in touched.stdout, touched.stdout
    assert ENTRY_POINT not in run_make(example, make_env, "install-dev").stdout

    cleaned = run_make(example, make_env, "-s", "clean-venv")
    assert cleaned.stdout == ""  # make -s runs installdev with -q
    assert not lib_stamp.parent.exists() and not app_stamp.parent.exists()
    run_make(example, make_env, "clean-venv")  # nothing to remove is not an error


def test_make_settings_and_env_flags_with_a_stand_in_installdev(example, make_env, tmp_path):
    fake = write_fake_installdev(tmp_path)
    log = tmp_path / "calls.jsonl"
    env = dict(make_env, FAKE_INSTALLDEV_LOG=str(log))
    settings = [f"INSTALLDEV={sys.executable} {fake}", "INSTALLDEV_EXTRAS_libdemo=dev",
                "INSTALLDEV_PYTHON=python3", "INSTALLDEV_VENV=.venv"]

    def make(*args: str, environment: dict[str, str] = env) -> list[list[str]]:
        run_make(example, environment, *settings, *args)
        return sorted(call["args"] for call in fake_calls(log))

    lib, app = str(example / "libdemo"), str(example / "appdemo")
    assert make("-s", "install-dev") == [
        ["install-dev", app, "--venv", f"{app}/.venv", "--python", "python3", "-r", f"{app}/requirements-dev.txt", "-q"],
        ["install-dev", lib, "--venv", f"{lib}/.venv", "--python", "python3", "--extras", "dev", "-q"],
    ]
    assert make("install-dev") == []
    # Any *_VENV_USE_COPIES, INSTALLDEV_* or VIRTUALENV_* variable re-runs every project when its value changes.
    flagged = dict(env, DATAHUB_VENV_USE_COPIES="1")
    assert len(make("install-dev", environment=flagged)) == 2
    assert make("install-dev", environment=flagged) == []
    assert len(make("install-dev", "VIRTUALENV_COPIES=1", environment=flagged)) == 2  # on the command line too
    assert len(make("install-dev")) == 2  # unset again
    # A requirement file is a prerequisite of its project only.
    touch_newer(example / "appdemo" / "requirements-dev.txt", example / "appdemo" / ".venv" / ".installdev-stamp.json")
    assert [args[1] for args in make("install-dev-appdemo", "install-dev-libdemo")] == [app]
    assert [args[0] for args in make("venv-doctor")] == ["doctor", "doctor"]
