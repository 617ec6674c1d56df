"""Installer backends end to end: real pip and real uv, offline from the session wheelhouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_installdev, venv_import
from installdev.actions.installer import find_uv

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def uv_available() -> str:
    uv = find_uv()
    if uv is None:
        pytest.fail("uv is needed: it is in installdev's test extra (pip install -e '.[test]')")
    return uv


def stamp_of(venv: Path) -> dict:
    return json.loads((venv / ".installdev-stamp.json").read_text())


def has_pip(venv: Path) -> bool:
    return venv_import(venv, "import pip").returncode == 0


def test_pip_backend_seeds_pip(project, offline_env):
    result = run_installdev(["install-dev", str(project), "--installer", "pip"], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(installed with pip)" in result.stderr
    assert stamp_of(project / "venv")["installer"] == "pip"
    assert has_pip(project / "venv")
    assert venv_import(project / "venv", "import sampleproj, devtool").returncode == 0


def test_auto_prefers_uv_and_does_not_seed_pip(project, offline_env, uv_available):
    result = run_installdev(["install-dev", str(project)], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    venv = project / "venv"
    assert "(installed with uv)" in result.stderr
    assert stamp_of(venv)["installer"] == "uv"
    assert not has_pip(venv)
    assert venv_import(venv, "import sampleproj, devtool").returncode == 0
    assert venv_import(venv, "import sys; print(sys.prefix)").stdout.strip() == str(venv), "uv used our venv"

    switched = run_installdev(["install-dev", str(project), "--seed-pip"], offline_env)
    assert "seed pip changed" in switched.stderr
    assert has_pip(venv)


def test_uv_failure_is_retried_once_with_pip(project, offline_env, uv_available):
    # a pip option uv's requirement parser rejects
    (project / "requirements.txt").write_text("--config-settings=editable_mode=compat\ndevtool\n")
    result = run_installdev(["install-dev", str(project), "--installer", "uv", "-r", str(project / "requirements.txt")],
                            offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "uv failed with exit status" in result.stderr and "retrying once with pip" in result.stderr
    assert stamp_of(project / "venv")["installer"] == "pip"
    assert venv_import(project / "venv", "import sampleproj, devtool").returncode == 0


def test_installer_setting_from_pyproject_and_unknown_value(tmp_path, offline_env):
    from wheelhouse import write_project

    project = write_project(tmp_path / "proj", tool_table='installer = "pip"')
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    assert stamp_of(project / "venv")["installer"] == "pip"
    bad = write_project(tmp_path / "bad", tool_table='installer = "conda"')
    result = run_installdev(["install-dev", str(bad)], offline_env)
    assert result.returncode == 2 and "installer must be one of auto, pip, uv" in result.stderr
