"""Equivalent requests give the same stamp (issue 23, item 4): naming what the project's default development set holds
anyway (its conventional requirement file, its default extra or group), asking for the mode the automatic decision
gives, or coming from Gradle, Make, bootstrap or the command line, finds the venv up to date; and a rebuild's reasons
name what changed as it is (a file that is no longer an input, the variables that changed, by name).

Real builds with pip, offline from the session wheelhouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_installdev
from wheelhouse import write_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")]


def build(project: Path, env: dict[str, str], *args: str, cwd: Path | None = None) -> str:
    """``install-dev PROJECT --installer pip ARGS``, which must succeed; its whole output."""
    result = run_installdev(["install-dev", str(project), "--installer", "pip", *args], env, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def up_to_date(output: str) -> bool:
    return "is up to date" in output and "building" not in output


def test_an_explicit_r_of_the_conventional_file_is_the_plain_request(tmp_path, offline_env):
    project = write_project(tmp_path / "app", extras={})
    (project / "requirements-dev.txt").write_text("reqtool\n")
    assert "building" in build(project, offline_env)
    assert up_to_date(build(project, offline_env, "-r", str(project / "requirements-dev.txt")))  # as Gradle passes it
    assert up_to_date(build(project, offline_env, "-r", "requirements-dev.txt", cwd=project))  # as Make passes it
    assert up_to_date(build(project, offline_env))

    (project / "more.txt").write_text("testtool\n")
    output = build(project, offline_env, "-r", "requirements-dev.txt", "-r", "more.txt", cwd=project)
    assert f"requirements changed (none -> {project / 'more.txt'})" in output  # only the file the convention lacks
    output = build(project, offline_env)
    assert f"{project / 'more.txt'} is no longer an input" in output
    assert "is gone" not in output  # the file is still there


def test_a_project_reached_through_a_symbolic_link_is_the_same_project(tmp_path, offline_env):
    real = write_project(tmp_path / "real", extras={})
    (real / "requirements-dev.txt").write_text("-r requirements-common.txt\n")
    (real / "requirements-common.txt").write_text("reqtool\n")
    (real / "tools.txt").write_text("testtool\n")
    (tmp_path / "link").symlink_to(real)
    build(real, offline_env, "-r", str(real / "tools.txt"))  # as Gradle names it: the canonical directory
    output = build(tmp_path / "link", offline_env, "-r", str(tmp_path / "link" / "tools.txt"), "--venv", str(real / "venv"))
    assert up_to_date(output), output  # a shell's path to the same files


def test_the_default_extra_or_group_spelled_out_is_the_plain_request(tmp_path, offline_env):
    project = write_project(tmp_path / "extras", extras={"dev": ["devtool"], "test": ["testtool"]})
    build(project, offline_env)
    assert up_to_date(build(project, offline_env, "--extra", "dev"))
    output = build(project, offline_env, "--extra", "dev,test")
    assert "selection changed (the project's default -> --extra test)" in output

    grouped = write_project(tmp_path / "groups", extras={})
    pyproject = grouped / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\ndev = ["devtool"]\nlint = ["reqtool"]\n')
    build(grouped, offline_env)
    assert up_to_date(build(grouped, offline_env, "--group", "dev"))
    assert "selection changed (the project's default -> --group lint)" in build(grouped, offline_env, "--group",
                                                                                "dev,lint")


def test_asking_for_the_mode_the_automatic_decision_gives_does_not_rebuild(tmp_path, offline_env):
    project = write_project(tmp_path / "modes")
    python = project / "venv" / "bin" / "python"
    build(project, offline_env)
    assert python.is_symlink()  # the automatic decision on this disk
    assert up_to_date(build(project, offline_env, "--symlinks"))  # Gradle's -PinstalldevCopies=false
    assert up_to_date(build(project, {**offline_env, "INSTALLDEV_VENV_USE_COPIES": "false"}))
    assert "mode changed (symlinks -> copies)" in build(project, offline_env, "--copies")
    assert not python.is_symlink()
    assert "mode changed (copies -> symlinks)" in build(project, offline_env)  # automatic again: its own decision
    assert python.is_symlink()

    build(project, offline_env, "--copies")
    assert up_to_date(build(project, {**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"}))


def test_a_changed_environment_names_the_variables_never_their_values(tmp_path, offline_env):
    project = write_project(tmp_path / "environment")
    build(project, offline_env)
    secret = "https://user:s3cret@127.0.0.1:9/simple"
    output = build(project, {**offline_env, "PIP_EXTRA_INDEX_URL": secret, "PIP_PRE": "1"})
    assert "environment changed (PIP_EXTRA_INDEX_URL, PIP_PRE)" in output
    assert "environment changed (PIP_NO_INDEX)" in build(project, {**offline_env, "PIP_NO_INDEX": "yes",
                                                                   "PIP_EXTRA_INDEX_URL": secret, "PIP_PRE": "1"})
    assert secret not in (project / "venv" / ".installdev-stamp.json").read_text()


def test_bootstrap_and_install_dev_of_the_gradle_example_share_their_stamps(tmp_path, offline_env):
    example = tmp_path / "gradle-example"
    shutil.copytree(REPO / "gradle-example", example, ignore=shutil.ignore_patterns(
        "venv", "*.lock", ".gradle", "build", "*.egg-info", "__pycache__"))
    assert "requirements-dev.txt" in (example / "pyproject.toml").read_text()  # bootstrap passes appdemo's file
    completed = subprocess.run([sys.executable, "-m", "installdev", "bootstrap", str(example), "--installer", "pip",
                                "--json"], env=offline_env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert {project["result"] for project in json.loads(completed.stdout)["projects"]} == {"built"}
    for name in ("libdemo", "appdemo"):
        assert up_to_date(build(example / name, offline_env))
