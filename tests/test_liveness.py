"""The up-to-date check never vouches for a venv whose base interpreter changed under it.

A private base interpreter is assembled per test from the running CPython (its binary and its shared libpython
copied, RUNPATH pointed at the copy with patchelf, the standard library linked in). A venv is built on it and
confirmed up to date twice (the second time by the quick record alone, which runs no python); then the base is
changed the way an upgrade, an uninstall or a garbage collection changes it, and install-dev must not say
"up to date".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from buildtools import require_tool
from conftest import run_installdev

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="ELF and patchelf")]


@pytest.fixture
def private_base(tmp_path: Path) -> Path:
    """``tmp/base/bin/python3.X``: a copy of the running base interpreter that loads its own copy of libpython."""
    patchelf = require_tool("patchelf")
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    library = Path(sysconfig.get_config_var("LIBDIR")) / str(sysconfig.get_config_var("INSTSONAME"))
    if not library.is_file():
        pytest.fail(f"the running Python is not a shared build ({library} missing); run this suite on pyenv's CPython")
    base = tmp_path / "base"
    (base / "bin").mkdir(parents=True)
    (base / "lib").mkdir()
    python = base / "bin" / f"python{version}"
    shutil.copy2(Path(sys.base_prefix) / "bin" / f"python{version}", python)
    shutil.copy2(library, base / "lib" / library.name)
    (base / "lib" / f"python{version}").symlink_to(Path(sys.base_prefix) / "lib" / f"python{version}")
    subprocess.run([patchelf, "--set-rpath", "$ORIGIN/../lib", str(python)], check=True)
    check = subprocess.run([str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True)
    assert check.stdout.strip() == str(base), check.stderr
    return python


def _confirmed_up_to_date_by_the_quick_record(project: Path, python: Path, env: dict[str, str]) -> list[str]:
    args = ["install-dev", str(project), "--python", str(python), "--installer", "pip"]
    built = run_installdev(args, env)
    assert built.returncode == 0, built.stdout + built.stderr
    again = subprocess.run([sys.executable, "-X", "importtime", "-m", "installdev", *args], env=env, capture_output=True,
                           text=True, timeout=120)
    assert "is up to date" in again.stderr, again.stdout + again.stderr
    assert "installdev.actions.freshness" not in again.stderr, "the quick record alone answered"
    return args


def test_a_replaced_base_interpreter_is_never_up_to_date(private_base, project, offline_env):
    args = _confirmed_up_to_date_by_the_quick_record(project, private_base, offline_env)
    replacement = private_base.with_name("replacement")
    replacement.write_text("#!/bin/sh\nexit 1\n")
    replacement.chmod(0o755)
    os.replace(replacement, private_base)  # what an upgrade in place does: a new file at the same path
    result = run_installdev(args, offline_env)
    assert "is up to date" not in result.stderr, result.stderr
    assert result.returncode == 9, result.stdout + result.stderr  # the rebuild refuses the broken base...
    assert (project / "venv" / ".installdev-stamp.json").is_file()  # ...and keeps the old venv


def test_a_changed_libpython_is_never_up_to_date(private_base, project, offline_env):
    args = _confirmed_up_to_date_by_the_quick_record(project, private_base, offline_env)
    library = next((private_base.parent.parent / "lib").glob("libpython*.so*"))
    library.write_bytes(b"not a shared library any more")
    result = run_installdev(args, offline_env)
    assert "is up to date" not in result.stderr, result.stderr
    assert result.returncode != 0


def test_a_collected_base_like_a_garbage_collected_store_path_is_never_up_to_date(private_base, project, offline_env):
    args = _confirmed_up_to_date_by_the_quick_record(project, private_base, offline_env)
    shutil.rmtree(private_base.parent.parent)
    result = run_installdev(args, offline_env)
    assert "is up to date" not in result.stderr, result.stderr
    assert result.returncode == 9 and "--python" in result.stderr, result.stdout + result.stderr


def test_a_removed_standard_library_is_not_vouched_for_by_the_quick_record(private_base, project, offline_env):
    args = _confirmed_up_to_date_by_the_quick_record(project, private_base, offline_env)
    (private_base.parent.parent / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}").unlink()
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "installdev", *args], env=offline_env,
                            capture_output=True, text=True, timeout=120)
    # The full check runs the venv's python; this copy still finds a standard library through its compiled-in prefix
    # (a collected store path has none), so it may well be up to date: what matters is that it was asked.
    assert "installdev.actions.freshness" in result.stderr, result.stdout


def test_an_identical_copy_of_the_base_confirms_by_running_it_then_goes_quick_again(private_base, project, offline_env):
    args = _confirmed_up_to_date_by_the_quick_record(project, private_base, offline_env)
    copy = private_base.with_name("copy")
    shutil.copy2(private_base, copy)
    os.replace(copy, private_base)  # same content, new inode: the quick record no longer vouches, the full check does
    slow = subprocess.run([sys.executable, "-X", "importtime", "-m", "installdev", *args], env=offline_env,
                          capture_output=True, text=True, timeout=120)
    assert slow.returncode == 0 and "is up to date" in slow.stderr, slow.stdout + slow.stderr
    assert "installdev.actions.freshness" in slow.stderr, "the full check ran the venv's python"
    quick = subprocess.run([sys.executable, "-X", "importtime", "-m", "installdev", *args], env=offline_env,
                           capture_output=True, text=True, timeout=120)
    assert "is up to date" in quick.stderr and "installdev.actions.freshness" not in quick.stderr
