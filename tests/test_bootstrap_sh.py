"""scripts/bootstrap.sh end to end on a clean copy of plugin/ and gradle-example/, as in a fresh clone."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, venv_import

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCRIPT = REPO / "scripts" / "bootstrap.sh"
_IGNORE = shutil.ignore_patterns("venv", "venv.lock", "*.lock", "__pycache__", "*.egg-info", ".gradle", "build")

def _clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    shutil.copytree(REPO / "plugin", clone / "plugin", ignore=_IGNORE)
    shutil.copytree(REPO / "gradle-example", clone / "gradle-example", ignore=_IGNORE)
    (clone / "scripts").mkdir()
    shutil.copy2(SCRIPT, clone / "scripts" / "bootstrap.sh")
    return clone


def _env(offline_env: dict[str, str], tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(offline_env)
    env.pop("PYTHONPATH", None)  # run_installdev.py finds installdev beside itself and its deps on its own
    env.update({"XDG_CACHE_HOME": str(tmp_path / "xdg-cache"), "PYENV_ROOT": str(tmp_path / "no-pyenv")}, **extra)
    return env


@pytest.mark.slow
def test_fresh_clone_to_working_venvs(tmp_path: Path, offline_env: dict[str, str]) -> None:
    require_shellcheck = shutil.which("shellcheck")
    if require_shellcheck:
        lint = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout
    clone = _clone(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    completed = subprocess.run(["sh", str(clone / "scripts" / "bootstrap.sh"), str(clone / "gradle-example")],
                               env=_env(offline_env, tmp_path), cwd=elsewhere, capture_output=True, text=True,
                               timeout=300, stdin=subprocess.DEVNULL)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "bootstrap: using " in completed.stderr
    assert "appdemo is built after libdemo" in completed.stderr and "project  result" in completed.stderr
    for name in ("libdemo", "appdemo"):
        assert f". {clone}/gradle-example/{name}/venv/bin/activate    # {name}" in completed.stdout
        assert (completed.stdout + completed.stderr).count(f"venv/bin/activate    # {name}") == 1, "once"
    table = completed.stderr.split("\nproject  ", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(table) == 4 and all(len(line) <= 100 for line in ["project  " + table[0], *table[1:]]), table
    assert venv_import(clone / "gradle-example" / "appdemo" / "venv", "import appdemo, libdemo").returncode == 0
    activated = subprocess.run(
        ["sh", "-c", f". {clone}/gradle-example/appdemo/venv/bin/activate && python -c 'import libdemo, sys; print(sys.prefix)'"],
        capture_output=True, text=True, timeout=60)
    assert activated.stdout.strip() == str(clone / "gradle-example" / "appdemo" / "venv"), activated.stderr

    again = subprocess.run(["sh", str(clone / "scripts" / "bootstrap.sh"), str(clone / "gradle-example"), "--only", "app*"],
                           env=_env(offline_env, tmp_path), capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    assert again.returncode == 0, again.stderr
    assert "up to date" in again.stderr and "# appdemo" in again.stdout and "# libdemo" not in again.stdout


def test_failure_keeps_the_exit_code(tmp_path: Path, offline_env: dict[str, str]) -> None:
    clone = _clone(tmp_path)
    (clone / "gradle-example" / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["nothing/*"]\n')
    completed = subprocess.run(["sh", str(clone / "scripts" / "bootstrap.sh"), str(clone / "gradle-example")],
                               env=_env(offline_env, tmp_path), capture_output=True, text=True, timeout=120,
                               stdin=subprocess.DEVNULL)
    assert completed.returncode == 2, completed.stderr
    assert "installdev: error: " in completed.stderr and "matches no directory" in completed.stderr


def test_no_python_explains_how_to_get_one(tmp_path: Path, offline_env: dict[str, str]) -> None:
    clone = _clone(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    old = bin_dir / "python3"  # an interpreter that is too old
    old.write_text("#!/bin/sh\nexit 1\n")
    old.chmod(0o755)
    sh = shutil.which("sh")
    assert sh
    env = _env(offline_env, tmp_path, PATH=str(bin_dir))
    env.pop("INSTALLDEV_PYTHON", None)
    completed = subprocess.run([sh, str(clone / "scripts" / "bootstrap.sh")], env=env, capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
    assert completed.returncode == 9, completed.stderr
    assert "no Python 3.10 or newer found" in completed.stderr and "pyenv install 3.12" in completed.stderr
    assert "INSTALLDEV_PYTHON=/path/to/python3" in completed.stderr
    assert os.listdir(clone / "gradle-example" / "libdemo").count("venv") == 0
