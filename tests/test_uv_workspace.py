"""Monorepos as they are: ``installdev bootstrap`` on a uv workspace with no installdev table, its members built in the
order they install each other, each venv filled from the workspace's uv.lock; a sibling that changes its
dependencies re-runs the projects that install it; workspace-wide options; two projects with one venv are refused.

Real uv workspace (three hatchling members, a -> b -> c through ``{ workspace = true }`` sources), real ``uv lock``,
offline from the session wheelhouse.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_installdev
from projects import installed_versions, pep621_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")]

TOOLS = ("a", "b", "c", "devtool", "testtool", "reqtool")


def installed(venv: Path) -> dict[str, str]:
    """The fixture distributions in ``venv`` and their versions."""
    return installed_versions(venv, TOOLS)


@pytest.fixture
def env(uv_env: dict[str, str]) -> dict[str, str]:
    return uv_env


def member(root: Path, name: str, dependencies: list[str], dev: list[str], sources: str = "") -> Path:
    project = pep621_project(root / "packages" / name, "hatchling", name, textwrap.dedent(f"""
        [dependency-groups]
        dev = {json.dumps(dev)}
        """) + sources, requires_python=">=3.10")
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('requires-python = ">=3.10"',
                                                         f'requires-python = ">=3.10"\ndependencies = {json.dumps(dependencies)}'))
    return project


@pytest.fixture
def uv_workspace(tmp_path: Path, uv: str, env: dict[str, str]) -> Path:
    """ROOT/pyproject.toml with only [tool.uv.workspace]; a needs b, b needs c (workspace sources), a uv.lock."""
    root = tmp_path / "ws"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["packages/*"]\nexclude = ["packages/skipped"]\n')
    member(root, "a", ["b"], ["devtool"], "\n[tool.uv.sources]\nb = { workspace = true }\n")
    member(root, "b", ["c"], ["testtool"], "\n[tool.uv.sources]\nc = { workspace = true }\n")
    member(root, "c", ["reqtool<2"], [])
    member(root, "skipped", [], [])
    subprocess.run([uv, "lock"], cwd=root, env=env, check=True, capture_output=True, timeout=300)
    return root


def bootstrap(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installdev", "bootstrap", str(root), *args], env=env, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


def results(completed: subprocess.CompletedProcess) -> dict[str, str]:
    """The result column of bootstrap's summary table, by project."""
    rows = [re.split(r"\s{2,}", line) for line in completed.stdout.splitlines() if line.startswith("packages/")]
    return {row[0]: row[1] for row in rows}


def venv_of(root: Path, name: str) -> Path:
    return root / "packages" / name / "venv"


def test_bootstrap_builds_a_uv_workspace_with_no_installdev_table(uv_workspace: Path, env):
    result = bootstrap(uv_workspace, env)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"installdev: bootstrap {uv_workspace}: 3 project(s) from the [tool.uv.workspace] of "
                               f"{uv_workspace / 'pyproject.toml'} (there is no [tool.installdev.workspace])")
    assert "installdev: packages/a is built after packages/b, packages/c (installs it by path)" in lines
    assert "installdev: packages/b is built after packages/c (installs it by path)" in lines
    started = [line.split(":")[1].strip() for line in lines if line.endswith(": started")]
    assert started == ["packages/c", "packages/b", "packages/a"]
    assert installed(venv_of(uv_workspace, "a")) == {"a": "0.1", "b": "0.1", "c": "0.1", "devtool": "1.0", "reqtool": "1.0"}
    assert installed(venv_of(uv_workspace, "b")) == {"b": "0.1", "c": "0.1", "testtool": "1.0", "reqtool": "1.0"}
    assert installed(venv_of(uv_workspace, "c")) == {"c": "0.1", "reqtool": "1.0"}
    assert not venv_of(uv_workspace, "skipped").exists()

    again = bootstrap(uv_workspace, env)  # answered by the workspace's quick record
    assert again.returncode == 0 and f"bootstrap {uv_workspace}: all 3 venvs are up to date" in again.stdout, again.stdout


def test_a_sibling_that_changes_its_dependencies_rebuilds_the_projects_installing_it(uv_workspace: Path, env):
    assert bootstrap(uv_workspace, env).returncode == 0
    c_pyproject = uv_workspace / "packages" / "c" / "pyproject.toml"
    c_pyproject.write_text(c_pyproject.read_text().replace('["reqtool<2"]', '["reqtool<2", "testtool"]'))

    rebuilt = run_installdev(["install-dev", str(uv_workspace / "packages" / "a")], env)

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert f"{c_pyproject} changed" in rebuilt.stdout
    assert installed(venv_of(uv_workspace, "a"))["testtool"] == "1.0", "uv sync re-locked with c's new dependency"
    after = bootstrap(uv_workspace, env)
    assert after.returncode == 0
    assert results(after) == {"packages/a": "up to date", "packages/b": "rebuilt", "packages/c": "rebuilt"}, (
        "a is up to date; b (installs c) and c rebuild: c changed, and so did the lock")


def test_workspace_wide_options_on_the_command_line(uv_workspace: Path, env, wheelhouse):
    extra = uv_workspace / "requirements-extra.txt"
    extra.write_text("testtool\n")

    result = bootstrap(uv_workspace, env, "--group", "dev", "-r", str(extra), "--frozen")

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed(venv_of(uv_workspace, "c")) == {"c": "0.1", "reqtool": "1.0", "testtool": "1.0"}
    assert installed(venv_of(uv_workspace, "a"))["devtool"] == "1.0"


def test_a_stale_lock_with_locked_builds_nothing(uv_workspace: Path, env):
    b_pyproject = uv_workspace / "packages" / "b" / "pyproject.toml"
    b_pyproject.write_text(b_pyproject.read_text().replace('["c"]', '["c", "devtool"]'))

    result = bootstrap(uv_workspace, env, "--locked")

    assert result.returncode == 6
    assert result.stderr.count("is out of date with pyproject.toml") == 3
    assert not any(venv_of(uv_workspace, name).exists() for name in "abc")


def test_two_projects_with_one_venv_are_a_configuration_error(uv_workspace: Path, env):
    (uv_workspace / "pyproject.toml").write_text((uv_workspace / "pyproject.toml").read_text() + textwrap.dedent("""
        [tool.installdev.workspace.overrides."packages/a"]
        venv = "../../shared-venv"

        [tool.installdev.workspace.overrides."packages/b"]
        venv = "../../shared-venv"
        """))

    result = bootstrap(uv_workspace, env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"installdev: error: workspace projects packages/a and packages/b both build the venv {uv_workspace / 'shared-venv'}: "
        "give each its own venv (venv = ... in its [tool.installdev] or the workspace overrides)"]
    assert not (uv_workspace / "shared-venv").exists() and not venv_of(uv_workspace, "c").exists()
