"""Freshness by content (#24, item 1): a requirement file edited to pin reqtool 2.0 instead of 1.0 (the same size)
and given back its modification time, in each way tools do it, is seen by the quick check, the full check, doctor
and run; an input with a normalised modification time (near the epoch) gets no quick record."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import install_dev, run_installdev
from projects import installed_versions, pep621_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj")
    (project / "requirements-dev.txt").write_text("reqtool==1.0\n")
    return project


def keep_times_and_edit(path: Path, text: str, how: str, scratch: Path) -> None:
    """Write ``text`` into ``path`` and give it back its size and modification time, as ``how`` does."""
    before = path.stat()
    if how == "touch -r":  # edited where it stands, then the old time put back
        path.write_text(text)
    elif how == "cp -p":  # a copy of a file with the old time written over it (same inode)
        source = scratch / "edited.txt"
        source.write_text(text)
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
        subprocess.run(["cp", "-p", str(source), str(path)], check=True)
    elif how == "rsync -t":  # a new file with the old time renamed onto the path (rsync's, tar's, an editor's save)
        replacement = path.with_name(".replacement")
        replacement.write_text(text)
        os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(replacement, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["touch -r", "cp -p", "rsync -t"])
def test_an_edit_that_keeps_size_and_mtime_is_seen_everywhere(project: Path, offline_env: dict, how: str,
                                                              tmp_path: Path) -> None:
    install_dev(project, offline_env)
    assert "is up to date" in install_dev(project, offline_env).stderr  # the quick record is written and vouches
    requirements = project / "requirements-dev.txt"
    keep_times_and_edit(requirements, "reqtool==2.0\n", how, tmp_path)

    doctor = run_installdev(["doctor", str(project)], offline_env)
    assert f"stale ({requirements} changed)" in doctor.stdout, doctor.stdout + doctor.stderr
    run = run_installdev(["run", str(project), "--", "python", "-c",
                          "import importlib.metadata as m; print(m.version('reqtool'))"], offline_env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "2.0" and f"{requirements} changed" in run.stderr
    assert installed_versions(project / "venv", ("reqtool",)) == {"reqtool": "2.0"}
    assert "is up to date" in install_dev(project, offline_env).stderr


def _quick_records(env: dict) -> list[Path]:
    directory = Path(env["XDG_CACHE_HOME"]) / "installdev" / "quick"
    return sorted(directory.iterdir()) if directory.is_dir() else []


@pytest.mark.slow
def test_an_input_with_a_normalised_time_gets_no_quick_record_and_is_read_each_time(project: Path, offline_env: dict,
                                                                                    tmp_path: Path) -> None:
    requirements = project / "requirements-dev.txt"
    os.utime(requirements, ns=(0, 0))  # a reproducible archive's or the Nix store's time
    install_dev(project, offline_env)
    assert "is up to date" in install_dev(project, offline_env).stderr
    assert _quick_records(offline_env) == []
    requirements.write_text("reqtool==2.0\n")
    os.utime(requirements, ns=(0, 0))
    assert f"{requirements} changed" in install_dev(project, offline_env).stderr
    assert installed_versions(project / "venv", ("reqtool",)) == {"reqtool": "2.0"}

    shutil.rmtree(Path(offline_env["XDG_CACHE_HOME"]) / "installdev" / "quick", ignore_errors=True)
    os.utime(requirements)  # a real time again: the quick record comes back
    install_dev(project, offline_env)
    assert len(_quick_records(offline_env)) == 1
