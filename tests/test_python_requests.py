"""--python as a version request, a pyenv shim that cannot run, and a development set that needs a newer Python than
the interpreter installdev chose: on this machine's real pyenv CPythons, shown to installdev's finder through a
PYENV_ROOT in tmp_path (only the versions a test links there) and a PATH of tool stubs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.errors import BadPythonError, ExitCode
from installdev.host.asked_python import AskedKind, asked_python
from installdev.request.project.python_request import PythonRequest, RequiresPython
from installdev.request.project.python_specifier import PythonSpecifier
from pythons import broken_shim, executable, finder_env, pyenv_root, real_python, tool_stubs, tree_python
from wheelhouse import write_project

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="pyenv trees of symlinks and shell-script shims")
pytestmark = POSIX_ONLY


def project_request(requires_python: str | None = None) -> PythonRequest:
    return PythonRequest(RequiresPython(requires_python, PythonSpecifier(requires_python)) if requires_python else None,
                         None, None)


def resolve(requested: str, env: dict[str, str], requires_python: str | None = None):
    return asked_python(requested, f"--python {requested}", project_request(requires_python), env)


# --------------------------------------------------------------------------------------
# version requests, resolved by installdev's finder (nothing is built)


@pytest.mark.parametrize("spelling", ["3.12", "cpython3.12", "cpython@3.12", "cp312", "cpython-3.12", "python3.12"])
def test_each_version_spelling_resolves_to_pyenvs_real_interpreter(tmp_path: Path, spelling: str) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.10", "3.12", "3.13")
    env = finder_env({}, tmp_path, root, tool_stubs(tmp_path / "bin", "pyenv"))
    asked = resolve(spelling, env, ">=3.10")
    assert (asked.kind, asked.path) == (AskedKind.VERSION, str(tree_python(root, "3.12")))
    assert asked.how.startswith("Python 3.12.")
    assert asked.how.endswith(f", pyenv {tree_python(root, '3.12')}, the newest installdev found that matches {spelling}")


@pytest.mark.parametrize(("spelling", "minor"), [(">=3.12", "3.13"), (">=3.10,<3.13", "3.12"), ("cpython>=3.10", "3.13"),
                                                 ("3", "3.13")])
def test_a_range_gives_the_newest_interpreter_in_it(tmp_path: Path, spelling: str, minor: str) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.10", "3.12", "3.13")
    asked = resolve(spelling, finder_env({}, tmp_path, root), ">=3.10")
    assert (asked.kind, asked.path) == (AskedKind.VERSION, str(tree_python(root, minor)))


@pytest.mark.parametrize(("tools", "command"), [
    (("pyenv", "uv"), "install it with pyenv install 3.99"),
    (("uv",), "install it with uv python install 3.99"),
    ((), "install Python 3.99 (from python.org or your OS's packages)"),
])
def test_an_unknown_version_names_the_install_command_of_this_machine(tmp_path: Path, tools, command) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.12")
    env = finder_env({}, tmp_path, root, tool_stubs(tmp_path / "bin", *tools))
    with pytest.raises(BadPythonError) as raised:
        resolve("3.99", env, ">=3.10")
    message = str(raised.value)
    assert raised.value.exit_code == ExitCode.BAD_PYTHON == 9
    assert "\n" not in message
    assert message == (f"no Python 3.9+ satisfies requires-python >=3.10 (pyproject.toml) and --python 3.99: found "
                       f"{real_python('3.12').parent.parent.name} (pyenv {tree_python(root, '3.12')}): "
                       f"{command}, or pass --python with the path of one")


@pytest.mark.parametrize(("spelling", "message"), [
    ("3.10", "--python 3.10: no Python 3.10 satisfies requires-python >=3.11 (pyproject.toml): pass a version the "
             "project accepts, or no --python to let installdev choose one"),
    ("3.8", "--python 3.8: Python 3.8 is older than 3.9, the oldest virtualenv 21 can seed: pass a version the project "
            "accepts, or no --python to let installdev choose one"),
])
def test_a_version_outside_what_the_project_accepts_is_refused_before_any_search(tmp_path: Path, spelling, message) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.10")
    with pytest.raises(BadPythonError) as raised:
        resolve(spelling, finder_env({}, tmp_path, root), ">=3.11")
    assert str(raised.value) == message


def test_a_pyenv_shim_that_cannot_run_gives_way_to_pyenvs_real_interpreter(tmp_path: Path) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.12")
    shim = broken_shim(root, "python3.12")
    asked = resolve("python3.12", finder_env({}, tmp_path, root, root / "shims"))
    assert (asked.kind, asked.path) == (AskedKind.SHIM, str(tree_python(root, "3.12")))
    assert asked.how.startswith(f"{shim} is a pyenv shim that cannot run here, so Python 3.12.")


def test_a_name_on_path_that_runs_is_used_as_found_and_one_not_on_path_is_its_version(tmp_path: Path) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.12", "3.13")
    executable(root / "shims" / "python3.12", f'#!/bin/sh\nexec "{real_python("3.12")}" "$@"\n')  # pyenv selects 3.12
    on_path = resolve("python3.12", finder_env({}, tmp_path, root, root / "shims"))
    assert on_path == (AskedKind.NAME, "python3.12", None)
    not_on_path = resolve("python3.12", finder_env({}, tmp_path, root, tool_stubs(tmp_path / "bin")))
    assert (not_on_path.kind, not_on_path.path) == (AskedKind.VERSION, str(tree_python(root, "3.12")))


def test_a_path_and_an_unknown_name_are_left_to_discovery(tmp_path: Path) -> None:
    root = pyenv_root(tmp_path / "pyenv")
    env = finder_env({}, tmp_path, root)
    assert resolve("/opt/python/bin/python3", env) == (AskedKind.PATH, "/opt/python/bin/python3", None)
    assert resolve("mypython", env) == (AskedKind.NAME, "mypython", None)


def test_an_unknown_version_on_the_command_line_is_one_error_line_with_exit_9(tmp_path: Path, offline_env) -> None:
    root = pyenv_root(tmp_path / "pyenv", "3.12")
    env = finder_env(offline_env, tmp_path, root, tool_stubs(tmp_path / "bin", "pyenv"))
    project = write_project(tmp_path / "proj")
    result = run_installdev(["install-dev", str(project), "--python", "3.99"], env)
    assert result.returncode == 9
    [line] = result.stderr.splitlines()
    assert line.startswith("installdev: error: no Python 3.9+ satisfies --python 3.99: found ")
    assert line.endswith(": install it with pyenv install 3.99, or pass --python with the path of one")
    assert not (project / "venv").exists()
