"""Errors at the right level, one line with the fix (issue 23, item 5): an unreachable index, a workspace root given to
install-dev, bootstrap started inside a member, a command given to ``run`` without ``--``, a second value given to an
option that takes one.
"""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.actions.unreachable_index import UnreachableIndex, unreachable_index
from wheelhouse import write_project


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("installdev: error:")]


# ------------------------------------------------------------------------------------------------------------------
# An index that cannot be reached


@pytest.fixture
def closed_port():
    """A port bound on 127.0.0.1 that nothing listens on (connecting is refused), held for the test."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_an_unreachable_index_is_one_line_naming_it_without_a_pip_retry(tmp_path, offline_env, closed_port, installer,
                                                                        request):
    if installer == "uv":
        request.getfixturevalue("uv")
    project = write_project(tmp_path / "proj", extras={"dev": ["notinthewheelhouse"]})
    index = f"http://127.0.0.1:{closed_port}/simple"
    env = {key: value for key, value in offline_env.items() if key != "PIP_NO_INDEX"}
    env.update({"PIP_INDEX_URL": index, "UV_INDEX_URL": index, "UV_NO_CONFIG": "1"})
    result = run_installdev(["install-dev", str(project), "--installer", installer, "-q"], env)
    assert result.returncode == 5, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # quiet: the error alone, not the installer's retries
    said = {"uv": "uv pip install", "pip": "pip install"}[installer]
    assert lines[0].startswith(f"installdev: error: {said} cannot reach the package index: "
                               f"{index}/notinthewheelhouse/ (")
    assert "check the index URL" in lines[0]
    assert "retrying once with pip" not in result.stdout + result.stderr


UV_REFUSED = """\
error: Request failed after 3 retries in 7.1s
  Caused by: Failed to fetch: `https://pypi.example/simple/flask/`
  cause: error sending request for url (https://pypi.example/simple/flask/)
  cause: client error (Connect)
  cause: dns error: failed to lookup address information: Name or service not known
"""
UV_SERVER_ERROR = """\
error: Failed to fetch: `https://pypi.example/simple/flask/`
  cause: HTTP status server error (503 Service Unavailable) for url (https://pypi.example/simple/flask/)
"""
PIP_26 = """\
Looking in indexes: https://user:****@pypi.example/simple
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by \
'NewConnectionError("HTTPSConnection(host='pypi.example', port=443): Failed to establish a new connection: [Errno 111] \
Connection refused")': /simple/flask/
ERROR: Could not find a version that satisfies the requirement flask (from versions: none)
"""
PIP_24 = """\
Looking in indexes: https://user:****@pypi.example/simple, file:///opt/local
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by \
'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f3e>: Failed to establish a new \
connection: [Errno -2] Name or service not known')': /simple/flask/
ERROR: No matching distribution found for flask
"""


@pytest.mark.parametrize(("output", "expected"), [
    (UV_REFUSED.replace("  Caused by:", "  cause:"), UnreachableIndex(
        "https://pypi.example/simple/flask/", "dns error: failed to lookup address information: Name or service not known")),
    (UV_SERVER_ERROR, None),  # it answered
    (PIP_26, UnreachableIndex("https://pypi.example:443/simple/flask/", "[Errno 111] Connection refused")),
    (PIP_24, UnreachableIndex("https://pypi.example/simple (/simple/flask/)", "[Errno -2] Name or service not known")),
    ("ERROR: No matching distribution found for flask\n", None),
], ids=["uv-dns", "uv-503", "pip-26", "pip-24-without-host", "pip-not-found"])
def test_the_unreachable_index_is_read_from_each_installers_words(output, expected):
    assert unreachable_index(output.splitlines()) == expected


# ------------------------------------------------------------------------------------------------------------------
# Workspaces: install-dev at the root, bootstrap in a member


def gradle_like_workspace(root: Path) -> Path:
    """A workspace root that is no project, listing two projects."""
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["liba", "appb"]\n')
    write_project(root / "liba", name="liba")
    write_project(root / "appb", name="appb")
    return root


@pytest.mark.parametrize("command", ["install-dev", "doctor", "run"])
def test_install_dev_at_a_workspace_root_points_at_bootstrap(tmp_path, offline_env, command):
    root = gradle_like_workspace(tmp_path / "ws")
    result = run_installdev([command, str(root), *(["--", "true"] if command == "run" else [])], offline_env,
                            cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "`installdev bootstrap ws` builds the venvs of its projects" in result.stdout + result.stderr
    assert not (root / "venv").exists()


def test_a_workspace_in_installdev_toml_points_at_bootstrap_too(tmp_path, offline_env):
    root = gradle_like_workspace(tmp_path / "ws")
    (root / "pyproject.toml").rename(root / "installdev.toml")
    result = run_installdev(["install-dev", "."], offline_env, cwd=root)
    assert result.returncode == 2, result.stdout + result.stderr
    assert error_lines(result.stderr) == [
        f"installdev: error: {root} is a workspace root ([tool.installdev.workspace] in {root / 'installdev.toml'}), not "
        "a project: `installdev bootstrap .` builds the venvs of its projects; for one of them, pass its directory"]


def test_a_root_that_is_also_a_project_is_still_install_devs(tmp_path, offline_env):
    root = write_project(tmp_path / "both", tool_table='workspace = {projects = ["."]}')
    result = run_installdev(["doctor", str(root)], offline_env)
    assert "workspace root" not in result.stdout + result.stderr


@pytest.mark.e2e
@pytest.mark.slow
def test_bootstrap_inside_a_member_finds_the_workspace_above(tmp_path, offline_env):
    root = gradle_like_workspace(tmp_path / "ws")
    (root / "appb" / "tests").mkdir()
    result = run_installdev(["bootstrap", "--json"], offline_env, cwd=root / "appb" / "tests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "liba" / "venv").is_dir() and (root / "appb" / "venv").is_dir()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_installdev(["bootstrap"], offline_env, cwd=elsewhere)  # in no workspace: the error as before
    assert result.returncode == 6
    assert error_lines(result.stderr) and "declares no workspace" in error_lines(result.stderr)[0]


# ------------------------------------------------------------------------------------------------------------------
# The command line


def test_run_without_double_dash_says_where_it_goes(tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    result = run_installdev(["run", str(project), "pytest", "-q", "-x"], offline_env)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        f"installdev: error: unrecognized arguments: pytest -x: give the command after --: `installdev run {project} -- "
        "pytest -q -x` (see `installdev run --help`)"]
    assert not (project / "venv").exists()


def test_run_with_a_second_value_says_both_readings(tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    result = run_installdev(["run", str(project), "--extra", "dev", "pytest"], offline_env)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        "installdev: error: unrecognized arguments: pytest; --extra takes one name: repeat it (--extra dev --extra "
        f"pytest) or separate the names with commas (--extra dev,pytest); or give the command after --: `installdev run "
        f"{project} --extra dev -- pytest` (see `installdev run --help`)"]


@pytest.mark.parametrize(("args", "hint"), [
    (["--extra", "a", "b"], "--extra takes one name: repeat it (--extra a --extra b) or separate the names with "
                            "commas (--extra a,b)"),
    (["--group", "lint", "docs"], "--group takes one name: repeat it (--group lint --group docs) or separate the names "
                                  "with commas (--group lint,docs)"),
    (["-r", "a.txt", "b.txt"], "-r takes one file: repeat it (-r a.txt -r b.txt)"),
])
def test_a_second_value_for_an_option_that_takes_one_says_how_to_give_two(tmp_path, offline_env, args, hint):
    project = write_project(tmp_path / "proj")
    result = run_installdev(["install-dev", str(project), *args], offline_env)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [f"installdev: error: unrecognized arguments: {args[-1]}; {hint} "
                                          "(see `installdev install-dev --help`)"]


def test_every_name_option_takes_commas_as_its_help_says(tmp_path, offline_env):
    help_text = run_installdev(["install-dev", "--help"], {**offline_env, "COLUMNS": "400"}).stdout  # not wrapped
    for option in ("--extra NAME", "--group NAME", "--no-group NAME", "--only-group NAME"):
        entry = re.search(rf"^\s+{option}\s+(.*?)(?=^\s+-)", help_text, re.MULTILINE | re.DOTALL)
        assert entry and "comma-separated" in " ".join(entry[1].split()), (option, entry and entry[1])
    project = write_project(tmp_path / "proj", extras={})
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nlint = ["devtool"]\ndocs = ["testtool"]\n')
    doctor = run_installdev(["doctor", str(project), "--group", "lint,docs"], offline_env)
    assert "groups lint, docs" in doctor.stdout, doctor.stdout + doctor.stderr
