"""No wedged state (#24, item 4): a directory holding only installdev's own leftovers (a stamp touched back into a
deleted venv, a stamp being written, an update's journal) is installdev's to rebuild or delete; clean-venv racing
with something that writes into the venv ends with exit 0 or one line, never a traceback."""

from __future__ import annotations

import errno
import subprocess
import time
from pathlib import Path

import pytest
from conftest import install_dev, run_installdev
from installdev.actions.venvdir import VenvKind, classify
from installdev.cli import clean_venv
from installdev.errors import HostUnsupportedError
from projects import pep621_project


def tiny(tmp_path: Path) -> Path:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj")
    (project / "requirements-dev.txt").write_text("devtool\n")
    return project


@pytest.mark.parametrize("leftovers", [[".installdev-stamp.json"], [".installdev-stamp-0123456789abcdef.tmp"],
                                       [".installdev-stamp.json", ".installdev-update/"]])
def test_a_directory_of_own_leftovers_only_is_installdevs_to_take(tmp_path: Path, leftovers: list[str]) -> None:
    venv = tmp_path / "venv"
    venv.mkdir()
    for name in leftovers:
        (venv / name).mkdir() if name.endswith("/") else (venv / name).write_text("{}")
    assert classify(venv) == VenvKind.EMPTY
    (venv / "notes.txt").write_text("the user's")
    assert classify(venv) == VenvKind.NOT_A_VENV


def test_a_stamp_left_in_a_deleted_venv_neither_wedges_nor_vouches(tmp_path: Path, offline_env: dict) -> None:
    project = tiny(tmp_path)
    (project / "venv").mkdir()
    (project / "venv" / ".installdev-stamp.json").write_text('{"installdev": "a touch after clean-venv"}\n')
    built = install_dev(project, offline_env)
    assert "ready in" in built.stderr
    assert "is up to date" in install_dev(project, offline_env).stderr
    (project / "venv" / ".installdev-venv").unlink()
    for entry in (project / "venv").iterdir():  # clean-venv raced by a touch: everything gone but the stamp
        if entry.name != ".installdev-stamp.json":
            subprocess.run(["rm", "-rf", str(entry)], check=True)
    cleaned = run_installdev(["clean-venv", str(project)], offline_env)
    assert cleaned.returncode == 0, cleaned.stderr
    assert not (project / "venv").exists()


def test_clean_venv_tries_again_when_something_writes_into_the_venv(tmp_path: Path) -> None:
    calls = []

    def racing(path, project_dir):
        calls.append(path)
        if len(calls) < 3:
            raise OSError(errno.ENOTEMPTY, "Directory not empty")
        return True

    assert clean_venv._remove(tmp_path / "venv", tmp_path, racing) is True and len(calls) == 3

    def always(path, project_dir):
        raise OSError(errno.ENOTEMPTY, "Directory not empty")

    with pytest.raises(HostUnsupportedError, match=r"cannot remove .*Directory not empty.*run clean-venv again"):
        clean_venv._remove(tmp_path / "venv", tmp_path, always)


@pytest.mark.slow
def test_clean_venv_racing_a_make_touch_ends_in_exit_0_or_one_line(tmp_path: Path, offline_env: dict) -> None:
    project = tiny(tmp_path)
    stamp = project / "venv" / ".installdev-stamp.json"
    for _ in range(3):
        install_dev(project, offline_env)
        toucher = subprocess.Popen(["sh", "-c", f"while :; do touch '{stamp}' 2>/dev/null; done"])
        try:
            time.sleep(0.05)
            cleaned = run_installdev(["clean-venv", str(project)], offline_env)
        finally:
            toucher.kill()
            toucher.wait()
        assert "Traceback" not in cleaned.stderr, cleaned.stderr
        assert cleaned.returncode in (0, 8), cleaned.stderr
        if cleaned.returncode == 8:
            assert len(cleaned.stderr.strip().splitlines()) == 1 and "run clean-venv again" in cleaned.stderr
    assert install_dev(project, offline_env).returncode == 0
    assert run_installdev(["clean-venv", str(project)], offline_env).returncode == 0
    assert not (project / "venv").exists()
