"""The bad-input catalogue: each case is one clear line, a documented exit code, and nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from wheelhouse import write_project


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every file's content and every directory (None) below ``directory``."""
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None for p in sorted(directory.rglob("*"))}


def setup_case(case: str, root: Path) -> tuple[list[str], dict[str, str]]:
    """Build the situation for ``case``; return the install-dev arguments and extra environment."""
    project = write_project(root / "proj")
    if case == "missing project dir":
        return [str(root / "nowhere")], {}
    if case == "no pyproject or setup.py":
        (project / "pyproject.toml").unlink()
        return [str(project)], {}
    if case == "invalid pyproject":
        (project / "pyproject.toml").write_text("[project\nname = 1\n")
        return [str(project)], {}
    if case == "unknown extra":
        return [str(project), "--extra", "dev,docs"], {}
    if case == "unknown extra, venv in a new directory":
        return [str(project), "--extra", "docs", "--venv", str(root / "new" / "deeper" / "venv")], {}
    if case == "missing requirement file":
        return [str(project), "-r", str(project / "requirements-nope.txt")], {}
    if case == "python does not exist":
        return [str(project), "--python", str(root / "no-python")], {}
    if case == "python not executable":
        (root / "python-text").write_text("not a program")
        return [str(project), "--python", str(root / "python-text")], {}
    if case == "python is not python":
        return [str(project), "--python", "/bin/true"], {}
    if case == "python too old":
        old = Path("/root/.pyenv/versions/3.7.16/bin/python3.7")
        if not old.exists():
            pytest.fail("this machine's pyenv Python 3.7 is needed for the too-old case")
        return [str(project), "--python", str(old)], {}
    if case == "venv is a file":
        (root / "afile").write_text("keep me")
        return [str(project), "--venv", str(root / "afile")], {}
    if case == "venv is a non-venv directory":
        (root / "data").mkdir()
        (root / "data" / "precious.txt").write_text("keep me")
        return [str(project), "--venv", str(root / "data")], {}
    if case == "venv is a foreign venv":
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "theirs")], check=True)
        return [str(project), "--venv", str(root / "theirs")], {}
    if case == "venv is the project dir":
        return [str(project), "--venv", str(project)], {}
    if case == "venv is an ancestor of the project":
        return [str(project), "--venv", str(root)], {}
    if case == "venv is home":
        return [str(project), "--venv", str(root / "home")], {"HOME": str(root / "home")}
    if case == "venv is /":
        return [str(project), "--venv", "/"], {}
    if case == "unknown tool key":
        write_project(project, tool_table='venvs = "x"')
        return [str(project)], {}
    if case == "wrong tool type":
        write_project(project, tool_table="extras = 3")
        return [str(project)], {}
    if case == "bad flag value":
        return [str(project)], {"INSTALLDEV_VENV_USE_COPIES": "perhaps"}
    if case == "conflicting modes":
        return [str(project), "--copies", "--symlinks"], {}
    raise AssertionError(case)


CATALOGUE = [
    ("missing project dir", 6, "does not exist"),
    ("no pyproject or setup.py", 6, "neither pyproject.toml nor setup.py"),
    ("invalid pyproject", 6, "is not valid TOML"),
    ("unknown extra", 6, "declares no extra docs"),
    ("unknown extra, venv in a new directory", 6, "declares no extra docs"),
    ("missing requirement file", 6, "requirements-nope.txt does not exist"),
    ("python does not exist", 9, "does not exist"),
    ("python not executable", 9, "not an executable file"),
    ("python is not python", 9, "not a working Python 3 interpreter"),
    ("python too old", 9, "virtualenv needs 3.9 or newer"),
    ("venv is a file", 7, "is not a directory"),
    ("venv is a non-venv directory", 7, "files were left untouched"),
    ("venv is a foreign venv", 7, "installdev did not make"),
    ("venv is the project dir", 7, "it is the project directory"),
    ("venv is an ancestor of the project", 7, "it contains the project directory"),
    ("venv is home", 7, "it is your home directory"),
    ("venv is /", 7, "it is the filesystem root"),
    ("unknown tool key", 2, "unknown [tool.installdev] key 'venvs'"),
    ("wrong tool type", 2, "extras must be a list of extra names"),
    ("bad flag value", 2, "INSTALLDEV_VENV_USE_COPIES='perhaps'"),
    ("conflicting modes", 2, "not allowed with argument"),
]


@pytest.mark.parametrize(("case", "exit_code", "fragment"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_input(case, exit_code, fragment, tmp_path, offline_env):
    root = tmp_path / "root"
    (root / "home").mkdir(parents=True)
    args, extra_env = setup_case(case, root)
    before = snapshot(root)
    result = run_installdev(["install-dev", *args], {**offline_env, **extra_env})
    assert result.returncode == exit_code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], result.stderr
    after = snapshot(root)
    assert after == before, "nothing written or deleted: no venv, no lock file, no parent directory"
    assert not os.path.exists(root / "proj" / "venv")


@pytest.mark.parametrize(("case", "exit_code", "fragment"), CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_doctor_gives_install_devs_exit_code(case, exit_code, fragment, tmp_path, offline_env):
    root = tmp_path / "root"
    (root / "home").mkdir(parents=True)
    args, extra_env = setup_case(case, root)
    before = snapshot(root)
    result = run_installdev(["doctor", *args], {**offline_env, **extra_env})
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert fragment in result.stdout + result.stderr
    if exit_code != 2 or case != "conflicting modes":  # argparse refuses before doctor runs
        assert f"install-dev would fail (exit {exit_code})" in result.stdout, result.stdout
    assert snapshot(root) == before
