"""A changed input updates the venv in place when its identity is unchanged (#25): a clone of the previous venv gets
the new development set exactly, and a failed update leaves the previous venv whole. The clone itself, pure: which
files are linked and which copied."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import install_dev
from installdev.actions.venv_clone import clone_venv
from projects import installed_versions, pep621_project


@pytest.fixture
def env(offline_env: dict[str, str]) -> dict[str, str]:
    return offline_env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj")
    (project / "requirements-dev.txt").write_text("devtool\n")
    return project


def python_of(project: Path) -> str:
    return str(project / "venv" / "bin" / "python")


def imports(project: Path, module: str) -> bool:
    return subprocess.run([python_of(project), "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_changed_requirement_file_updates_exactly_and_keeps_the_venv_directory(project: Path, env: dict) -> None:
    install_dev(project, env)
    (project / "requirements-dev.txt").write_text("devtool\ntesttool\n")
    added = install_dev(project, env)
    assert "updating it in place" in added.stderr
    assert "cloning venv to update it" in added.stderr
    assert installed_versions(project / "venv", ("devtool", "testtool")) == {"devtool": "1.0", "testtool": "1.0"}
    (project / "requirements-dev.txt").write_text("testtool\nreqtool==2.0\n")
    removed = install_dev(project, env)
    assert "updating it in place" in removed.stderr
    assert installed_versions(project / "venv", ("devtool", "testtool", "reqtool")) == {"testtool": "1.0", "reqtool": "2.0"}
    assert imports(project, "proj") and not imports(project, "devtool")
    assert "is up to date" in install_dev(project, env).stderr
    assert not (project / "venv.installdev-previous").exists()


@pytest.mark.slow
def test_a_selection_switched_and_back_updates_both_times(project: Path, env: dict) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nlint = ["reqtool==1.0"]\n')
    (project / "requirements-dev.txt").unlink()
    (project / "requirements-test.txt").write_text("testtool\n")
    install_dev(project, env)
    with_lint = install_dev(project, env, "--group", "lint")
    assert "updating it in place" in with_lint.stderr
    assert installed_versions(project / "venv", ("testtool", "reqtool")) == {"testtool": "1.0", "reqtool": "1.0"}
    back = install_dev(project, env)
    assert "updating it in place" in back.stderr
    assert installed_versions(project / "venv", ("testtool", "reqtool")) == {"testtool": "1.0"}


@pytest.mark.slow
def test_a_failed_update_leaves_the_previous_venv_working_and_up_to_date(project: Path, env: dict) -> None:
    install_dev(project, env)
    requirements = project / "requirements-dev.txt"
    original = requirements.read_bytes()
    requirements.write_text("devtool\nnothere\n")
    failed = install_dev(project, env, expect=5)
    assert "updating it in place" in failed.stderr
    assert imports(project, "devtool") and imports(project, "proj")
    assert not (project / "venv.installdev-previous").exists()
    requirements.write_bytes(original)
    assert "is up to date" in install_dev(project, env).stderr


@pytest.mark.slow
def test_an_identity_change_or_pip_builds_from_nothing_saying_why(project: Path, env: dict) -> None:
    install_dev(project, env)
    copies = install_dev(project, env, "--copies")
    assert "building from nothing: its link mode changed" in copies.stderr
    (project / "requirements-dev.txt").write_text("testtool\n")
    with_pip = install_dev(project, env, "--copies", "--installer", "pip")
    assert "building from nothing: its creation options changed" in with_pip.stderr
    (project / "requirements-dev.txt").write_text("devtool\n")
    again_pip = install_dev(project, env, "--copies", "--installer", "pip")
    assert "building from nothing: pip cannot update a venv exactly" in again_pip.stderr
    assert installed_versions(project / "venv", ("devtool", "testtool")) == {"devtool": "1.0"}
    forced = install_dev(project, env, "--copies", "--installer", "pip", "--force")
    assert "building from nothing: --force" in forced.stderr


def test_the_clone_links_what_installers_replace_and_copies_what_they_rewrite(tmp_path: Path) -> None:
    previous = tmp_path / "previous"
    site = previous / "lib" / "python3.11" / "site-packages"
    (site / "tool").mkdir(parents=True)
    (site / "tool-1.0.dist-info" / "licenses").mkdir(parents=True)
    (previous / "bin").mkdir()
    files = {
        "pyvenv.cfg": "home = /usr/bin\n",
        "bin/tool": "#!/venv/bin/python\n",
        "bin/python3.11": "an interpreter copy",
        "lib/python3.11/site-packages/tool/__init__.py": "VALUE = 1\n",
        "lib/python3.11/site-packages/_tool.pth": "/src\n",
        "lib/python3.11/site-packages/tool-1.0.dist-info/RECORD": "tool/__init__.py,,\n",
        "lib/python3.11/site-packages/tool-1.0.dist-info/licenses/LICENSE": "MIT\n",
        ".installdev-stamp.json": "{}",
        ".installdev-venv": "marker",
    }
    for name, text in files.items():
        (previous / name).write_text(text)
    os.symlink("python3.11", previous / "bin" / "python")
    os.symlink("lib", previous / "lib64")
    venv = tmp_path / "venv"
    venv.mkdir()
    count = clone_venv(previous, venv)

    def shares_inode(name: str) -> bool:
        return (previous / name).stat().st_ino == (venv / name).stat().st_ino

    linked = {"bin/python3.11", "lib/python3.11/site-packages/tool/__init__.py"}
    copied = set(files) - linked - {".installdev-stamp.json", ".installdev-venv"}
    assert {name for name in linked if shares_inode(name)} == linked
    assert {name for name in copied if not shares_inode(name) and (venv / name).read_text() == files[name]} == copied
    assert (count.linked, count.copied) == (len(linked), len(copied))
    assert not (venv / ".installdev-stamp.json").exists() and not (venv / ".installdev-venv").exists()
    assert os.readlink(venv / "bin" / "python") == "python3.11" and os.readlink(venv / "lib64") == "lib"
    for name in copied:
        (venv / name).write_text("rewritten in place by an installer")
    assert all((previous / name).read_text() == files[name] for name in files)
