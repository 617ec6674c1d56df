"""Faults that used to end in a traceback (exit 1), a hang or a misleading message: each is now one
``installdev: error:`` line with a documented exit code, or simply works."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.request.project.requirements import requirement_file_closure
from test_guarantees import imports_ok, stamp_text, touch_input, write_tiny_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ALONE = ["--no-default-groups"]


def error_line(result) -> str:
    """The one error line of a failed run (asserting there is exactly one, and no traceback). Progress lines
    (``installdev: ...`` that are no error) and the installers' indented output, on stderr too, are not counted."""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("    ")
             and (line.startswith("installdev: error: ") or not line.startswith("installdev: "))]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1 and lines[0].startswith("installdev: error: "), result.stdout + result.stderr
    return lines[0]


@pytest.fixture
def tiny(tmp_path) -> Path:
    return write_tiny_project(tmp_path / "proj")


def recorded_inputs(venv: Path) -> list[str]:
    return sorted(json.loads(stamp_text(venv))["inputs"]["files"])


# --------------------------------------------------------------------------------------------------
# requirement files as pip reads them


def test_a_latin1_requirement_file_is_one_line_naming_the_fix(tiny, offline_env):
    requirements = tiny / "requirements-dev.txt"
    requirements.write_bytes(b"# caf\xe9 au lait\n")
    for command in ("install-dev", "doctor"):
        result = run_installdev([command, str(tiny), *ALONE, "-r", str(requirements)], offline_env)
        assert result.returncode == 6, result.stdout + result.stderr
    line = error_line(run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], offline_env))
    assert "is not UTF-8 (byte 0xe9 at offset 5)" in line and "# -*- coding: latin-1 -*-" in line
    assert not (tiny / "venv").exists()


def test_a_latin1_requirement_file_with_a_coding_comment_is_read_as_pip_reads_it(tiny, offline_env):
    requirements = tiny / "requirements-dev.txt"
    requirements.write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n-c constraints.txt\n")
    (tiny / "constraints.txt").write_text("")
    result = run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(tiny / "constraints.txt") in recorded_inputs(tiny / "venv")


def test_a_utf16_requirement_file_with_a_bom_is_read_as_pip_reads_it(tiny, offline_env):
    requirements = tiny / "requirements-dev.txt"
    requirements.write_bytes(codecs.BOM_UTF16_LE + "# written by a Windows editor\n-r more.txt\n".encode("utf-16-le"))
    (tiny / "more.txt").write_text("# nothing else\n")
    result = run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(tiny / "more.txt") in recorded_inputs(tiny / "venv")
    (tiny / "more.txt").write_text("# changed\n")
    again = run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], offline_env)
    assert f"{tiny / 'more.txt'} changed" in again.stderr, again.stderr


def test_an_include_given_as_a_url_is_not_a_missing_local_file(tiny, offline_env):
    requirements = tiny / "requirements-dev.txt"
    requirements.write_text("-r https://example.invalid/shared/requirements.txt\n-c constraints.txt\n")
    (tiny / "constraints.txt").write_text("")
    result = run_installdev(["doctor", str(tiny), *ALONE, "-r", str(requirements)], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert requirement_file_closure((requirements,)) == [requirements, tiny / "constraints.txt"]


def test_an_include_through_an_environment_variable_is_expanded_like_pip(tiny, offline_env, tmp_path):
    shared = tmp_path / "shared-requirements"
    shared.mkdir()
    (shared / "base.txt").write_text("")
    requirements = tiny / "requirements-dev.txt"
    requirements.write_text("-r ${IDT_SHARED_REQUIREMENTS}/base.txt\n")
    unset = run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], offline_env)
    assert unset.returncode == 6
    assert "${IDT_SHARED_REQUIREMENTS} is not set" in error_line(unset)
    env = {**offline_env, "IDT_SHARED_REQUIREMENTS": str(shared)}
    result = run_installdev(["install-dev", str(tiny), *ALONE, "-r", str(requirements)], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(shared / "base.txt") in recorded_inputs(tiny / "venv")


# --------------------------------------------------------------------------------------------------
# paths


@pytest.mark.parametrize("length", [240, 250, 253])
def test_a_long_venv_name_builds_and_rebuilds(tiny, tmp_path, offline_env, length):
    """240-250: ``NAME.installdev-previous`` would pass NAME_MAX (255), so the rebuild happens in place; 253: so would
    ``NAME.lock``, so the lock beside it has a shortened name."""
    venv = tmp_path / ("v" * length)
    env = {**offline_env, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_installdev(["install-dev", str(tiny), "--venv", str(venv), *ALONE], env)
    assert first.returncode == 0, first.stdout + first.stderr
    touch_input(tiny, "rebuild")
    rebuilt = run_installdev(["install-dev", str(tiny), "--venv", str(venv), *ALONE], env)
    assert rebuilt.returncode == 0 and "ready in" in rebuilt.stderr, rebuilt.stdout + rebuilt.stderr
    assert imports_ok(venv, "tinyproj").returncode == 0
    assert sorted(name for name in os.listdir(tmp_path) if name.startswith("vvv")) == [venv.name]
    assert not {".installdev-previous", ".installdev-returning"} & set(os.listdir(venv))


def test_a_symlink_venv_is_named_as_one_with_its_target(tiny, tmp_path, offline_env):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    result = run_installdev(["install-dev", str(tiny), "--venv", str(tmp_path / "link"), *ALONE], offline_env)
    assert result.returncode == 7
    line = error_line(result)
    assert "is a symbolic link" in line and f"--venv {tmp_path / 'real'}" in line
    assert os.listdir(tmp_path / "real") == []


def test_a_project_path_that_is_a_file_says_so(tiny, offline_env):
    result = run_installdev(["install-dev", str(tiny / "pyproject.toml")], offline_env)
    assert result.returncode == 6
    line = error_line(result)
    assert "is a file, not a directory" in line and f"({tiny})" in line


@pytest.mark.parametrize("name", ["with:colon", "latin1-\udce9-byte"], ids=["colon", "non-utf8"])
def test_a_venv_path_virtualenv_cannot_use_is_one_line(tiny, tmp_path, offline_env, name):
    """virtualenv refuses such a destination with its 16-line usage text; installdev says why in one line, for install-dev
    and doctor alike. (Output is read with surrogateescape: doctor prints the path's raw byte back.)"""
    venv = tmp_path / name
    results = {command: subprocess.run([sys.executable, "-m", "installdev", command, str(tiny), "--venv", str(venv), *ALONE],
                                       env=offline_env, capture_output=True, text=True, errors="surrogateescape", timeout=120)
               for command in ("install-dev", "doctor")}
    assert [result.returncode for result in results.values()] == [8, 8], results
    line = error_line(results["install-dev"])
    assert ("PATH separator" in line) if ":" in name else ("is not valid utf-8" in line)
    assert "install-dev would fail (exit 8)" in results["doctor"].stdout
    assert not os.path.lexists(venv)


# --------------------------------------------------------------------------------------------------
# the disk fills up while virtualenv creates the venv


@pytest.mark.hosts
def test_a_full_disk_during_creation_is_one_line(tiny, tmpfs_dir, offline_env):
    disk = tmpfs_dir("size=3m")
    result = run_installdev(["install-dev", str(tiny), "--venv", str(disk / "venv"), "--installer", "pip"], offline_env)
    assert result.returncode == 4, result.stdout + result.stderr
    line = error_line(result)
    assert "No space left on device" in line and "--venv" in line
    assert os.listdir(disk) == []
