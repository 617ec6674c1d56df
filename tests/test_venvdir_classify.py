"""What is at a venv path (classify), which paths are never deleted (protected_reason), the one-line refusals of
check_venv_path (exit 7), and where a rebuild sets the previous venv aside (previous_path)."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest
from installdev.actions.venvdir import (
    MARKER_NAME,
    PROBE_PREFIX,
    VenvKind,
    check_venv_path,
    classify,
    previous_path,
    protected_reason,
)
from installdev.errors import ExitCode, UnsafeVenvPathError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "proj"
    directory.mkdir()
    (directory / "pyproject.toml").write_text("[project]\nname = 'p'\nversion = '1'\n")
    return directory


def _ours(venv: Path) -> Path:
    venv.mkdir()
    (venv / MARKER_NAME).write_text("managed\n")
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return venv


def _foreign(venv: Path) -> Path:
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin").mkdir()
    return venv


def _refusal(venv: Path, project: Path) -> str:
    with pytest.raises(UnsafeVenvPathError) as caught:
        check_venv_path(venv, project)
    assert caught.value.exit_code == ExitCode.UNSAFE_VENV_PATH == 7
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_path_is_missing(tmp_path):
    assert classify(tmp_path / "venv") == VenvKind.MISSING


def test_an_empty_directory_is_empty(tmp_path):
    (tmp_path / "venv").mkdir()
    assert classify(tmp_path / "venv") == VenvKind.EMPTY


def test_a_directory_holding_only_probe_directories_is_empty(tmp_path):
    (tmp_path / "venv" / f"{PROBE_PREFIX}abc").mkdir(parents=True)
    assert classify(tmp_path / "venv") == VenvKind.EMPTY


def test_a_directory_with_our_marker_is_ours(tmp_path):
    assert classify(_ours(tmp_path / "venv")) == VenvKind.OURS


def test_a_marker_alone_is_enough_to_be_ours(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / MARKER_NAME).write_text("")
    assert classify(tmp_path / "venv") == VenvKind.OURS


def test_a_marker_that_is_a_directory_does_not_make_it_ours(tmp_path):
    (tmp_path / "venv" / MARKER_NAME).mkdir(parents=True)
    assert classify(tmp_path / "venv") == VenvKind.NOT_A_VENV


def test_a_venv_without_our_marker_is_foreign(tmp_path):
    assert classify(_foreign(tmp_path / "venv")) == VenvKind.FOREIGN_VENV


def test_a_directory_of_other_files_is_not_a_venv(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "notes.txt").write_text("mine\n")
    assert classify(tmp_path / "venv") == VenvKind.NOT_A_VENV


def test_a_file_is_not_a_directory(tmp_path):
    (tmp_path / "venv").write_text("x")
    assert classify(tmp_path / "venv") == VenvKind.NOT_A_DIRECTORY


def test_a_symlink_to_our_venv_is_a_symlink(tmp_path):
    _ours(tmp_path / "real")
    (tmp_path / "venv").symlink_to(tmp_path / "real")
    assert classify(tmp_path / "venv") == VenvKind.SYMLINK


def test_a_dangling_symlink_is_a_symlink_not_missing(tmp_path):
    (tmp_path / "venv").symlink_to(tmp_path / "nowhere")
    assert classify(tmp_path / "venv") == VenvKind.SYMLINK


def test_the_filesystem_root_is_protected(project):
    assert protected_reason(Path("/"), project) == "it is the filesystem root"


def test_the_home_directory_is_protected(tmp_path, project, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert protected_reason(home, project) == "it is your home directory"
    assert protected_reason(home / "venv", project) is None


def test_the_project_directory_is_protected(project):
    assert protected_reason(project, project) == "it is the project directory"


def test_a_link_to_the_project_directory_is_protected(tmp_path, project):
    (tmp_path / "link").symlink_to(project)
    assert protected_reason(tmp_path / "link", project) == "it is the project directory"


def test_an_ancestor_of_the_project_is_protected(tmp_path, project):
    assert protected_reason(tmp_path, project) == "it contains the project directory"
    assert protected_reason(project.parent.parent, project) == "it contains the project directory"


def test_a_sibling_and_a_child_are_not_protected(tmp_path, project):
    assert protected_reason(tmp_path / "venv", project) is None
    assert protected_reason(project / "venv", project) is None
    assert protected_reason(tmp_path / "proj-venv", project) is None


def test_check_refuses_the_project_directory(project):
    assert _refusal(project, project) == (
        f"refusing to use {project} as the venv: it is the project directory; pass --venv with a dedicated directory")


def test_check_refuses_an_ancestor_of_the_project(tmp_path, project):
    assert _refusal(tmp_path, project) == (
        f"refusing to use {tmp_path} as the venv: it contains the project directory; pass --venv with a dedicated directory")


def test_check_refuses_a_symlink_naming_its_target(tmp_path, project):
    _ours(tmp_path / "real")
    (tmp_path / "venv").symlink_to(tmp_path / "real")
    message = _refusal(tmp_path / "venv", project)
    assert message.startswith(f"--venv {tmp_path / 'venv'} is a symbolic link (to {tmp_path / 'real'})")
    assert message.endswith(f"--venv {os.path.realpath(tmp_path / 'real')}")
    assert (tmp_path / "real" / MARKER_NAME).is_file()


def test_check_refuses_a_file(tmp_path, project):
    (tmp_path / "venv").write_text("x")
    assert _refusal(tmp_path / "venv", project) == (
        f"--venv {tmp_path / 'venv'} exists and is not a directory: remove it or pass another --venv")


def test_check_refuses_a_directory_that_is_not_a_venv(tmp_path, project):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "notes.txt").write_text("mine\n")
    assert _refusal(tmp_path / "venv", project) == (
        f"--venv {tmp_path / 'venv'} is a non-empty directory that is not a venv; its files were left untouched: "
        "pass another --venv")
    assert (tmp_path / "venv" / "notes.txt").read_text() == "mine\n"


def test_check_refuses_a_foreign_venv(tmp_path, project):
    venv = _foreign(tmp_path / "venv")
    assert _refusal(venv, project) == (
        f"{venv} is a venv installdev did not make, so it will not replace it: "
        f"remove it yourself (rm -rf {venv}) or pass another --venv")


def test_check_refuses_a_non_empty_directory_others_can_write(tmp_path, project):
    venv = _ours(tmp_path / "venv")
    venv.chmod(0o777)
    message = _refusal(venv, project)
    assert message.startswith(f"{venv} can be written by every user (mode 777)")


def test_check_passes_an_empty_directory_others_can_write(tmp_path, project):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv").chmod(0o1777)  # a fresh volume's root: claim makes it private
    assert check_venv_path(tmp_path / "venv", project) == VenvKind.EMPTY


@pytest.mark.parametrize(("make", "kind"), [
    (lambda venv: None, VenvKind.MISSING),
    (lambda venv: venv.mkdir(), VenvKind.EMPTY),
    (_ours, VenvKind.OURS),
], ids=["missing", "empty", "ours"])
def test_check_returns_the_kind_it_accepts(tmp_path, project, make, kind):
    make(tmp_path / "venv")
    assert check_venv_path(tmp_path / "venv", project) == kind


@pytest.mark.parametrize("mode", [0o755, 0o777], ids=["foreign", "world-writable"])
def test_the_suggested_rm_command_is_quoted(tmp_path, project, mode):
    venv = _foreign(tmp_path / "my venv")
    venv.chmod(mode)
    assert f"rm -rf {shlex.quote(str(venv))}" in _refusal(venv, project)


def test_previous_path_is_a_sibling_with_the_suffix():
    assert previous_path(Path("/work/proj/venv")) == Path("/work/proj/venv.installdev-previous")
    assert previous_path(Path("/work/proj/.venv/")) == Path("/work/proj/.venv.installdev-previous")
    assert previous_path(Path("venv")) == Path("venv.installdev-previous")
