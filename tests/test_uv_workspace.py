"""uv workspaces as uv sees them: ``installdev bootstrap ROOT`` of a uv workspace with no installdev table builds one
venv at the root holding every member as ``uv sync --all-packages`` installs them (from the uv.lock with uv, resolved
by installdev without it); ``[tool.installdev.workspace]`` asks for a venv per project, each member filled with
``uv sync --package NAME`` at the root; a project nested under an intermediate project is no uv member and is resolved
without the workspace's lock; a stale lock is an error, never re-locked. In every scenario the tree outside the venvs
is listed before and after (paths, sizes, modification times) and must not change: installdev writes no lock and no
other file in the user's tree.

Real uv workspace (hatchling members, ``{ workspace = true }`` sources), real ``uv lock`` and ``uv sync``, offline from
the session wheelhouse.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.host.interpreter import running_base
from projects import INSTALLED_VERSIONS, pep621_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")]

SEEDED = {"pip", "setuptools", "wheel"}


@pytest.fixture
def env(uv_env: dict[str, str]) -> dict[str, str]:
    return uv_env


def member(directory: Path, name: str, dependencies: list[str], dev: list[str], tables: str = "") -> Path:
    project = pep621_project(directory, "hatchling", name, textwrap.dedent(f"""
        [dependency-groups]
        dev = {json.dumps(dev)}
        """) + textwrap.dedent(tables), requires_python=">=3.10")
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('requires-python = ">=3.10"',
                                                         f'requires-python = ">=3.10"\ndependencies = {json.dumps(dependencies)}'))
    return project


WORKSPACE = """
    [tool.uv.workspace]
    members = ["packages/*"]
    exclude = ["packages/skipped"]
    """
SOURCES = """
    [tool.uv.sources]
    a = { workspace = true }
    b = { workspace = true }
    """


def members(root: Path) -> None:
    """packages/a needs packages/b (a workspace source); packages/skipped is excluded."""
    member(root / "packages" / "a", "a", ["b"], ["testtool"], "\n[tool.uv.sources]\nb = { workspace = true }\n")
    member(root / "packages" / "b", "b", ["reqtool<2"], [])
    member(root / "packages" / "skipped", "skipped", [], [])


def uv_lock(uv: str, root: Path, env: dict[str, str]) -> None:
    subprocess.run([uv, "lock"], cwd=root, env=env, check=True, capture_output=True, timeout=300)


@pytest.fixture
def uv_workspace(tmp_path: Path, uv: str, env: dict[str, str]) -> Path:
    """ROOT: the project ``root`` (needs a; dev group devtool) declaring the workspace; members a and b; a uv.lock."""
    root = member(tmp_path / "ws", "root", ["a"], ["devtool"], WORKSPACE + SOURCES)
    members(root)
    uv_lock(uv, root, env)
    return root


@pytest.fixture
def virtual_workspace(tmp_path: Path, uv: str, env: dict[str, str]) -> Path:
    """ROOT with only [tool.uv.workspace] and a dev group (no [project]: a virtual root); members a and b; a uv.lock."""
    root = tmp_path / "virtual"
    root.mkdir()
    (root / "pyproject.toml").write_text(textwrap.dedent(WORKSPACE) + '\n[dependency-groups]\ndev = ["devtool"]\n')
    members(root)
    uv_lock(uv, root, env)
    return root


def tree(root: Path) -> dict[str, tuple]:
    """Every path below ``root`` but the venvs (directories named venv), with each file's size and modification time."""
    listing: dict[str, tuple] = {}
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name != "venv"]
        for name in subdirectories:
            listing[os.path.relpath(os.path.join(directory, name), root)] = ("directory",)
        for name in files:
            status = os.lstat(os.path.join(directory, name))
            listing[os.path.relpath(os.path.join(directory, name), root)] = (status.st_size, status.st_mtime_ns)
    return listing


@pytest.fixture
def unchanged():
    """``unchanged(root)`` records ROOT's tree; at the end of the test it must be the same."""
    recorded: list[tuple[Path, dict]] = []
    yield lambda root: recorded.append((root, tree(root)))
    for root, before in recorded:
        assert tree(root) == before, "installdev changed the user's tree outside the venvs"


def bootstrap(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installdev", "bootstrap", str(root), *args], env=env, capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)


def rows(completed: subprocess.CompletedProcess) -> dict[str, list[str]]:
    """The summary table's rows by project (its cells)."""
    lines = completed.stderr.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("project "))
    table = lines[start + 2:lines.index("", start) if "" in lines[start:] else None]
    cells = (re.split(r"\s{2,}", line) for line in table if line and not line.startswith(("installdev:", " ")))
    return {row[0]: row for row in cells}


def distributions(venv: Path) -> dict[str, str]:
    """Every distribution in ``venv`` but what a venv is seeded with, with its version."""
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", INSTALLED_VERSIONS], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    return {name: version for name, version in json.loads(completed.stdout).items() if name not in SEEDED}


def editable_locations(venv: Path, names: tuple[str, ...]) -> dict[str, Path]:
    """Where the editable install of each of ``names`` points (its direct_url.json, which must say editable)."""
    code = ("import json, sys; from importlib import metadata; "
            "print(json.dumps({n: json.loads(metadata.distribution(n).read_text('direct_url.json')) for n in sys.argv[1:]}))")
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", code, *names], capture_output=True, text=True, timeout=60)
    documents = json.loads(completed.stdout)
    assert all(document.get("dir_info", {}).get("editable") is True for document in documents.values()), documents
    return {name: Path(document["url"].removeprefix("file://")) for name, document in documents.items()}


def uv_sync_elsewhere(uv: str, root: Path, env: dict[str, str], environment: Path, *args: str) -> dict[str, str]:
    """What ``uv sync --frozen ARGS`` installs at ``root`` into ``environment`` (outside the tree)."""
    subprocess.run([uv, "sync", "--frozen", *args], cwd=root, env={**env, "UV_PROJECT_ENVIRONMENT": str(environment)},
                   check=True, capture_output=True, timeout=300)
    return distributions(environment)


def test_bootstrap_builds_one_venv_at_the_root_as_uv_sync_all_packages(uv_workspace: Path, uv, env, tmp_path, unchanged):
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.splitlines()[0].startswith(
        f"installdev: bootstrap {uv_workspace}: 1 project(s) from the [tool.uv.workspace] of {uv_workspace / 'pyproject.toml'}: "
        "one venv for the whole uv workspace (there is no [tool.installdev.workspace])")
    venv = uv_workspace / "venv"
    assert sorted(path.name for path in uv_workspace.rglob("venv")) == ["venv"], "one venv, at the root"
    expected = {"root": "0.1", "a": "0.1", "b": "0.1", "devtool": "1.0", "testtool": "1.0", "reqtool": "1.0"}
    assert distributions(venv) == expected, "the root's dev group and a's: the default groups of every member"
    assert editable_locations(venv, ("root", "a", "b")) == {
        "root": uv_workspace, "a": uv_workspace / "packages" / "a", "b": uv_workspace / "packages" / "b"}
    assert distributions(venv) == uv_sync_elsewhere(uv, uv_workspace, env, tmp_path / "uv-env", "--all-packages")
    assert rows(result)["."][3] == f"{platform.python_version()} {running_base()}", (
        "the base the venv was made from, not installdev's own venv's python")
    assert running_base() != sys.executable or sys.prefix == sys.base_prefix

    again = bootstrap(uv_workspace, env)  # answered by the workspace's quick record
    assert "all 1 venvs are up to date" in again.stderr, again.stderr
    same = run_installdev(["install-dev", str(uv_workspace)], env)
    assert same.returncode == 0 and "is up to date" in same.stderr, "install-dev ROOT is bootstrap's one venv"


def test_a_member_that_changes_its_dependencies_rebuilds_the_one_venv(uv_workspace: Path, uv, env):
    assert bootstrap(uv_workspace, env).returncode == 0
    b_pyproject = uv_workspace / "packages" / "b" / "pyproject.toml"
    b_pyproject.write_text(b_pyproject.read_text().replace('["reqtool<2"]', '["reqtool<2", "testtool"]'))
    uv_lock(uv, uv_workspace, env)

    after = bootstrap(uv_workspace, env)

    assert after.returncode == 0, after.stdout + after.stderr
    assert rows(after)["."][1] == "rebuilt"


def test_a_member_that_appears_is_installed_into_the_one_venv(virtual_workspace: Path, env):
    """Resolved by installdev (pip: no lock read), a new member changes nothing but the members' directory."""
    assert bootstrap(virtual_workspace, env, "--installer", "pip").returncode == 0
    assert "all 1 venvs are up to date" in bootstrap(virtual_workspace, env, "--installer", "pip").stderr
    member(virtual_workspace / "packages" / "c", "c", [], [])

    after = bootstrap(virtual_workspace, env, "--installer", "pip")

    assert after.returncode == 0 and rows(after)["."][1] == "rebuilt", after.stdout + after.stderr
    assert distributions(virtual_workspace / "venv")["c"] == "0.1"


def test_a_stale_lock_builds_nothing_and_is_not_re_locked(uv_workspace: Path, env, unchanged):
    b_pyproject = uv_workspace / "packages" / "b" / "pyproject.toml"
    b_pyproject.write_text(b_pyproject.read_text().replace('["reqtool<2"]', '["reqtool<2", "devtool"]'))
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env)

    assert result.returncode == 6
    errors = [line.strip() for line in result.stderr.splitlines() if "installdev: error:" in line]
    assert errors == [f"installdev: error: {uv_workspace / 'uv.lock'} is out of date with pyproject.toml, as `uv sync "
                      "--locked` says: run `uv lock`, or pass --frozen to install it as it is"]
    assert not (uv_workspace / "venv").exists()


def test_without_uv_installdev_resolves_every_member_editable(uv_workspace: Path, uv, env, tmp_path, unchanged):
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env, "--installer", "pip")

    assert result.returncode == 0, result.stdout + result.stderr
    venv = uv_workspace / "venv"
    assert distributions(venv) == uv_sync_elsewhere(uv, uv_workspace, env, tmp_path / "uv-env", "--all-packages")
    assert editable_locations(venv, ("root", "a", "b"))["a"] == uv_workspace / "packages" / "a"
    doctor = run_installdev(["doctor", str(uv_workspace), "--installer", "pip"], env)
    assert "venv holds   the whole uv workspace:" in doctor.stdout
    assert (f"uv is not the installer, so {uv_workspace / 'uv.lock'} is not read: the installer resolves every member of "
            "the uv workspace; 3 member(s) editable (root, a, b)") in doctor.stdout


def test_selection_flags_apply_to_every_member(uv_workspace: Path, uv, env, tmp_path, unchanged):
    extra = tmp_path / "requirements-extra.txt"
    extra.write_text("reqtool\n")
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env, "--no-dev", "-r", str(extra), "--frozen")

    assert result.returncode == 0, result.stdout + result.stderr
    assert distributions(uv_workspace / "venv") == {"root": "0.1", "a": "0.1", "b": "0.1", "reqtool": "1.0"}
    assert distributions(uv_workspace / "venv") == uv_sync_elsewhere(uv, uv_workspace, env, tmp_path / "uv-env",
                                                                      "--all-packages", "--no-dev")


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_virtual_root_is_not_installed_itself(virtual_workspace: Path, uv, env, tmp_path, unchanged, installer):
    unchanged(virtual_workspace)

    result = bootstrap(virtual_workspace, env, "--installer", installer)

    assert result.returncode == 0, result.stdout + result.stderr
    venv = virtual_workspace / "venv"
    assert distributions(venv) == {"a": "0.1", "b": "0.1", "devtool": "1.0", "testtool": "1.0", "reqtool": "1.0"}
    assert distributions(venv) == uv_sync_elsewhere(uv, virtual_workspace, env, tmp_path / "uv-env", "--all-packages")


def test_an_installdev_table_asks_for_a_venv_per_member_filled_with_uv_sync_package(uv_workspace: Path, uv, env, tmp_path,
                                                                                     unchanged):
    (uv_workspace / "pyproject.toml").write_text((uv_workspace / "pyproject.toml").read_text()
                                                 + "\n[tool.installdev.workspace]\njobs = 2\n")
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert set(rows(result)) == {".", "packages/a", "packages/b"}
    a_venv = uv_workspace / "packages" / "a" / "venv"
    assert distributions(a_venv) == {"a": "0.1", "b": "0.1", "testtool": "1.0", "reqtool": "1.0"}
    assert distributions(a_venv) == uv_sync_elsewhere(uv, uv_workspace, env, tmp_path / "uv-env", "--package", "a")
    assert distributions(uv_workspace / "packages" / "b" / "venv") == {"b": "0.1", "reqtool": "1.0"}
    doctor = run_installdev(["doctor", str(uv_workspace / "packages" / "a")], env)
    assert f"{uv_workspace / 'uv.lock'} (the uv workspace's lock): uv sync --package a fills the venv" in doctor.stdout
    root_doctor = run_installdev(["doctor", str(uv_workspace)], env)
    assert "[tool.installdev.workspace] in" in root_doctor.stdout and "holds the root project alone" in root_doctor.stdout


def test_per_member_venvs_rebuild_when_a_sibling_they_install_changes(uv_workspace: Path, uv, env):
    (uv_workspace / "pyproject.toml").write_text((uv_workspace / "pyproject.toml").read_text()
                                                 + "\n[tool.installdev.workspace]\n")
    first = bootstrap(uv_workspace, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "installdev: packages/a is built after packages/b (installs it by path)" in first.stderr
    b_pyproject = uv_workspace / "packages" / "b" / "pyproject.toml"
    b_pyproject.write_text(b_pyproject.read_text().replace('["reqtool<2"]', '["reqtool<2", "devtool"]'))
    uv_lock(uv, uv_workspace, env)

    after = bootstrap(uv_workspace, env)

    assert after.returncode == 0, after.stdout + after.stderr
    assert {name: cells[1] for name, cells in rows(after).items()} == {
        ".": "rebuilt", "packages/a": "rebuilt", "packages/b": "rebuilt"}
    assert "devtool" in distributions(uv_workspace / "packages" / "a" / "venv"), "b's new dependency, through the lock"


def test_projects_nested_under_an_intermediate_project_are_no_uv_members(tmp_path: Path, uv, env, unchanged):
    """uv's own search stops at examples/pyproject.toml (a project), so examples/ex1 is its own uv project although
    the root's ``examples/*`` matches it: no workspace lock for it, and no uv.lock made in its directory."""
    root = member(tmp_path / "ws", "root", ["a"], ["devtool"], """
        [tool.uv.workspace]
        members = ["packages/*", "examples/*"]
        exclude = ["packages/skipped", "examples/src"]

        [tool.uv.sources]
        a = { workspace = true }
        b = { workspace = true }

        [tool.installdev.workspace]
        projects = ["packages/*", "examples/ex1"]
        exclude = ["packages/skipped"]
        """)
    members(root)
    member(root / "examples", "examples", [], [])
    member(root / "examples" / "ex1", "ex1", ["reqtool"], ["devtool"])
    uv_lock(uv, root, env)
    unchanged(root)

    result = bootstrap(root, env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert distributions(root / "examples" / "ex1" / "venv") == {"ex1": "0.1", "reqtool": "2.0", "devtool": "1.0"}, (
        "resolved afresh (reqtool 2.0), not from the workspace's lock")
    assert editable_locations(root / "examples" / "ex1" / "venv", ("ex1",)) == {"ex1": root / "examples" / "ex1"}
    doctor = run_installdev(["doctor", str(root / "examples" / "ex1")], env)
    assert (f"venv holds   the project: {root / 'examples' / 'pyproject.toml'} above is a project without "
            "[tool.uv.workspace]: uv's workspace search stops there, so it is its own uv project") in doctor.stdout
    assert "develop      dependency group dev (uv sync's default)" in doctor.stdout, "resolved: no lock read"


def test_two_projects_with_one_venv_are_a_configuration_error(uv_workspace: Path, env, unchanged):
    (uv_workspace / "pyproject.toml").write_text((uv_workspace / "pyproject.toml").read_text() + textwrap.dedent("""
        [tool.installdev.workspace.overrides."packages/a"]
        venv = "../../shared-venv"

        [tool.installdev.workspace.overrides."packages/b"]
        venv = "../../shared-venv"
        """))
    unchanged(uv_workspace)

    result = bootstrap(uv_workspace, env)

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"installdev: error: workspace projects packages/a and packages/b both build the venv {uv_workspace / 'shared-venv'}: "
        "give each its own venv (venv = ... in its [tool.installdev] or the workspace overrides)"]
    assert not (uv_workspace / "shared-venv").exists()
