"""End to end with real GNU Make: gradle-example/Makefile through plugin/installdev.mk."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildtools import (
    BUILD_TIMEOUT,
    add_hold_check,
    copy_example,
    fake_calls,
    require_tool,
    stamp_of,
    write_fake_installdev,
)
from buildtools import build_env as _build_env
from conftest import run_installdev

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
    example = copy_example(tmp_path / "work")
    add_hold_check(example)
    return example


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


def test_make_install_dev_builds_both_then_does_nothing_then_only_what_changed_and_test(example, make_env):
    lib_stamp, app_stamp = stamp_of(example / "libdemo" / "venv"), stamp_of(example / "appdemo" / "venv")

    first = run_make(example, make_env, "install-dev")
    assert first.stdout.count(ENTRY_POINT) == 2, first.stdout
    assert ": . libdemo/venv/bin/activate" in first.stdout + first.stderr  # installdev runs in Make's directory
    assert lib_stamp.is_file() and app_stamp.is_file()
    used = subprocess.run([str(example / "appdemo" / "venv" / "bin" / "appdemo"), "Make"], capture_output=True,
                          text=True, timeout=60)
    assert used.stdout.strip() == "Hello, Make, from libdemo 0.1.0", used.stderr
    stamps = (lib_stamp.stat().st_mtime_ns, app_stamp.stat().st_mtime_ns)

    second = run_make(example, make_env, "install-dev")
    assert "installdev" not in second.stdout + second.stderr  # Make ran nothing: not even Python
    assert (lib_stamp.stat().st_mtime_ns, app_stamp.stat().st_mtime_ns) == stamps
    for name in ("libdemo", "appdemo"):  # Make's -r requirements-dev.txt is what a plain install-dev finds by convention
        plain = run_installdev(["install-dev", str(example / name)], {**make_env, "PYTHONPATH": str(example.parent / "plugin")})
        assert plain.returncode == 0 and "is up to date" in plain.stdout + plain.stderr, plain.stdout + plain.stderr
    assert (lib_stamp.stat().st_mtime_ns, app_stamp.stat().st_mtime_ns) == stamps

    # `make test`: pytest from each venv (the PATH offers no other pytest, and the tests import the editable projects),
    # through `installdev run`, which holds the venv for the command (installdev_run).
    tested = run_make(example, make_env, "test")
    assert tested.stdout.count("1 passed") == 2 and ENTRY_POINT not in tested.stdout, tested.stdout
    assert f"run_installdev.py run {example / 'appdemo'} --venv {example / 'appdemo' / 'venv'}" in tested.stdout
    held = run_make(example, dict(make_env, HOLD_CHECK_VALUE="make"), "held-appdemo")
    assert "hold-check: held make None" in held.stdout, held.stdout + held.stderr

    # libdemo's pyproject.toml is an input of both venvs: appdemo's installs libdemo (its stamp lists the file)
    touch_newer(example / "libdemo" / "pyproject.toml", lib_stamp)
    touched = run_make(example, make_env, "install-dev")
    assert touched.stdout.count(ENTRY_POINT) == 2 and "/libdemo --venv" in touched.stdout, touched.stdout
    assert ENTRY_POINT not in run_make(example, make_env, "install-dev").stdout

    cleaned = run_make(example, make_env, "-s", "clean-venv")
    assert cleaned.stdout == ""  # make -s runs installdev with -q
    assert not lib_stamp.parent.exists() and not app_stamp.parent.exists()
    assert not list(example.glob("*/venv.*"))  # the inputs and environment files beside each venv went with it
    run_make(example, make_env, "clean-venv")  # nothing to remove is not an error


@pytest.fixture
def fake_env(make_env: dict[str, str], example: Path, tmp_path: Path) -> dict[str, str]:
    """Make's environment for a stand-in installdev whose `inputs` is the real one."""
    return dict(make_env, FAKE_INSTALLDEV_LOG=str(tmp_path / "calls.jsonl"),
                FAKE_INSTALLDEV_REAL=str(example.parent / "plugin" / "run_installdev.py"))


def test_make_settings_and_env_flags_with_a_stand_in_installdev(example, fake_env, tmp_path):
    fake = write_fake_installdev(tmp_path)
    log = Path(fake_env["FAKE_INSTALLDEV_LOG"])
    settings = [f"INSTALLDEV={sys.executable} {fake}", "INSTALLDEV_EXTRAS_libdemo=dev",
                "INSTALLDEV_PYTHON=python3", "INSTALLDEV_VENV=.venv"]

    def make(*args: str, environment: dict[str, str] = fake_env) -> list[list[str]]:
        run_make(example, environment, *settings, *args)
        calls = fake_calls(log)
        assert {call["cwd"] for call in calls} <= {str(example)}  # installdev runs in Make's directory
        return sorted(call["args"] for call in calls if call["args"][0] != "inputs")

    lib, app = str(example / "libdemo"), str(example / "appdemo")
    assert make("-s", "install-dev") == [
        ["install-dev", app, "--venv", f"{app}/.venv", "--python", "python3", "-r", f"{app}/requirements-dev.txt", "-q"],
        ["install-dev", lib, "--venv", f"{lib}/.venv", "--python", "python3", "--extra", "dev", "-q"],
    ]
    assert make("install-dev") == []
    # Any *_VENV_USE_COPIES, INSTALLDEV_* or VIRTUALENV_* variable, and the installer's, re-runs every project when its
    # value changes.
    flagged = dict(fake_env, DATAHUB_VENV_USE_COPIES="1")
    assert len(make("install-dev", environment=flagged)) == 2
    assert make("install-dev", environment=flagged) == []
    assert len(make("install-dev", "VIRTUALENV_COPIES=1", environment=flagged)) == 2  # on the command line too
    assert len(make("install-dev", environment=dict(fake_env, PIP_INDEX_URL="https://user:secret@example.invalid"))) == 2
    assert "secret" not in (example / "appdemo" / ".venv.installdev-environment").read_text()  # a checksum, no value
    assert len(make("install-dev")) == 2  # unset again
    # A requirement file is a prerequisite of its project only.
    touch_newer(example / "appdemo" / "requirements-dev.txt", example / "appdemo" / ".venv" / ".installdev-stamp.json")
    assert [args[1] for args in make("install-dev-appdemo", "install-dev-libdemo")] == [app]
    assert [args[0] for args in make("venv-doctor")] == ["doctor", "doctor"]


def test_make_reruns_on_every_input_installdev_lists_and_a_dangling_python(example, fake_env, tmp_path):
    """The changes Gradle catches: files included with -r, files named only in [tool.installdev], files that appear,
    a venv python whose base interpreter vanished; and remaking the inputs list never builds a venv."""
    fake = write_fake_installdev(tmp_path)
    log, lib = Path(fake_env["FAKE_INSTALLDEV_LOG"]), example / "libdemo"
    stamp = stamp_of(lib / "venv")
    with (lib / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.installdev]\nrequirements = ["extra.txt"]\n')
    (lib / "extra.txt").write_text("-r more.txt\n")
    (lib / "more.txt").write_text("# nothing yet\n")

    def builds(*args: str) -> int:
        run_make(example, fake_env, f"INSTALLDEV={sys.executable} {fake}", *args, "install-dev-libdemo")
        return [call["args"][0] for call in fake_calls(log)].count("install-dev")

    assert builds() == 1
    assert builds() == 0
    touch_newer(lib / "more.txt", stamp)  # included with -r from a file named only in [tool.installdev]
    assert builds() == 1
    touch_newer(lib / "extra.txt", stamp)
    assert builds() == 1
    (lib / "requirements-dev.txt").write_text("# a conventional requirement file appears\n")
    assert builds() == 1
    assert builds() == 0
    (lib / "venv" / "bin" / "python").unlink()
    (lib / "venv" / "bin" / "python").symlink_to(tmp_path / "removed-python3")  # its base interpreter is gone
    assert builds() == 1
    assert builds() == 0

    # A venv rebuilt outside Make (installdev run, install-dev) leaves the inputs list older than the stamp: Make lists
    # the inputs again before anything else, without building; nor does `clean-venv`, even with a stale input.
    stamp.touch()
    touch_newer(lib / "more.txt", stamp)
    run_make(example, fake_env, f"INSTALLDEV={sys.executable} {fake}", "clean-venv-libdemo")
    assert [call["args"][0] for call in fake_calls(log)] == ["inputs", "clean-venv"]


def test_make_selection_settings_become_install_dev_flags(make_env, tmp_path):
    plugin = Path(__file__).resolve().parent.parent / "plugin" / "installdev.mk"
    (tmp_path / "Makefile").write_text(f"include {plugin}\nshow:\n\t@echo $(call _installdev_selection_args,app)\n")
    completed = subprocess.run(["make", "-s", "-C", str(tmp_path), "show", "INSTALLDEV_EXTRAS=test,docs",
                                "INSTALLDEV_GROUPS_app=lint", "INSTALLDEV_NO_GROUPS=dev", "INSTALLDEV_ONLY_GROUPS_other=x",
                                "INSTALLDEV_NO_DEV=true", "INSTALLDEV_ALL_EXTRAS=false"],
                               env=make_env, capture_output=True, text=True, check=True, timeout=BUILD_TIMEOUT)
    assert completed.stdout.split() == ["--extra", "test", "--extra", "docs", "--group", "lint", "--no-group", "dev",
                                        "--no-dev"]
