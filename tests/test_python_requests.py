"""--python as a version request, a pyenv shim that cannot run, and a development set that needs a newer Python than
the interpreter installdev chose: on this machine's real pyenv CPythons, shown to installdev's finder through a
PYENV_ROOT in tmp_path (only the versions a test links there) and a PATH of tool stubs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import run_installdev, venv_import
from installdev.actions.needed_python import read_python_need
from installdev.errors import BadPythonError, ExitCode
from installdev.host.asked_python import AskedKind, asked_python
from installdev.request.project.python_request import PythonRequest, RequiresPython
from installdev.request.project.python_specifier import PythonSpecifier
from pythons import broken_shim, executable, finder_env, pyenv_root, real_python, tool_stubs, tree_python
from wheelhouse import build_wheel, write_project

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


# --------------------------------------------------------------------------------------
# what the installer says a requirement needs, and the hints made of it


UV_METADATA = ["  cause: Because newtool==1.0 requires Python >=3.12 and only the following versions of newtool are available:",
               "         And because newtool==1.1 requires Python >=3.13 and you require newtool, we can conclude that ..."]
UV_INDEX = ["Because the current Python version (3.10.13) does not satisfy Python>=3.12 and sphinx==9.1.0 depends on "
            "Python>=3.12, we can conclude that sphinx==9.1.0 cannot be used."]
PIP_FILE = ["ERROR: Package 'ranged' requires a different Python: 3.10.13 not in '<3.14,>=3.12'"]
PIP_FILES = ["ERROR: Packages require a different Python. 3.10.13 not in:",
             "'>=3.13' (required by newtool 1.1 (from /wheels/newtool-1.1-py3-none-any.whl))",
             "'>=3.12' (required by newtool 1.0 (from /wheels/newtool-1.0-py3-none-any.whl))"]
PIP_INDEX = ["ERROR: Ignored the following versions that require a different python version: 9.0 Requires-Python >=3.11; "
             "9.1 Requires-Python >=3.12",
             "ERROR: Could not find a version that satisfies the requirement sphinx>=9 (from versions: none)"]


@pytest.mark.parametrize(("output", "sentence", "admitted"), [
    (UV_METADATA, "a requirement needs Python >=3.12 (newtool 1.0 requires it)", ["3.12", "3.13", "3.14"]),
    (UV_INDEX, "a requirement needs Python >=3.12 (sphinx 9.1.0 requires it)", ["3.12", "3.13", "3.14"]),
    (PIP_FILE, "a requirement needs Python <3.14, >=3.12 (ranged requires it)", ["3.12", "3.13"]),
    (PIP_FILES, "a requirement needs Python >=3.12 (newtool 1.0 requires it)", ["3.12", "3.13", "3.14"]),
    (PIP_INDEX, "a requirement needs Python >=3.11 (sphinx 9.0 requires it)", ["3.11", "3.12", "3.13", "3.14"]),
])
def test_the_installers_words_for_a_python_need(output, sentence, admitted) -> None:
    """Any version of one requirement will do, so the need admits what the most lenient of them admits."""
    need = read_python_need(output)
    assert need.sentence == sentence
    assert [f"3.{minor}" for minor in range(9, 15) if need.admits((3, minor, 1))] == admitted


def test_other_failures_read_as_no_python_need() -> None:
    assert read_python_need(["error: No solution found when resolving dependencies",
                             "  cause: Because pkgreq was not found in the provided package locations"]) is None


@pytest.mark.parametrize(("requires_python", "suggestion"), [(">=3.10", "3.10"), (None, "3.9"), (">=3.8", "3.9"),
                                                             (">=3.11", None)])
def test_a_hint_for_a_requirement_limited_below_311_stays_inside_requires_python_and_installdevs_range(
        requires_python, suggestion) -> None:
    need = read_python_need(["ERROR: Package 'oldtool' requires a different Python: 3.12.1 not in '<3.11,>=3.8'"])
    request = project_request(requires_python).needing(need)
    assert request.install_suggestion() == suggestion
    assert request.mismatch((3, 8, 18), "cpython", False) == (
        "Python 3.8.18 is older than 3.9, the oldest virtualenv 21 can seed")


# --------------------------------------------------------------------------------------
# end to end: real venvs


NEEDS_312 = "newpytool"  # its one version declares Requires-Python >=3.12
NEEDS_BELOW_311 = "oldpytool"  # Requires-Python >=3.8,<3.11


@pytest.fixture(scope="module")
def python_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("python-wheels")
    build_wheel(directory, NEEDS_312, "1.0", requires_python=">=3.12")
    build_wheel(directory, NEEDS_BELOW_311, "1.0", requires_python=">=3.8,<3.11")
    return directory


def needy_project(directory: Path, requirement: str, requires_python: str = ">=3.10") -> Path:
    project = write_project(directory, extras={"dev": [requirement]})
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1"\n',
                                                       f'version = "0.1"\nrequires-python = "{requires_python}"\n'))
    return project


def stamp_of(venv: Path) -> dict:
    return json.loads((venv / ".installdev-stamp.json").read_text())


@pytest.fixture
def pyenv_env(offline_env, python_wheels, tmp_path):
    """The offline environment, the finder shown a pyenv tree of the given versions and a PATH with a pyenv stub."""
    def make(*minors: str, path_first: tuple[Path, ...] = ()) -> tuple[dict[str, str], Path]:
        root = pyenv_root(tmp_path / "pyenv", *minors)
        env = finder_env(offline_env, tmp_path, root, *path_first, tool_stubs(tmp_path / "bin", "pyenv"))
        env["PIP_FIND_LINKS"] = f"{offline_env['PIP_FIND_LINKS']} {python_wheels}"
        return env, root
    return make


def running_older_than_312() -> None:
    """The scenarios where installdev chooses: it starts on the running interpreter, which must lack what is needed."""
    if sys.version_info >= (3, 12):
        pytest.skip("installdev runs on Python 3.12+ here, which already has what the requirement needs")


@pytest.mark.e2e
@pytest.mark.slow
def test_python_312_through_a_broken_shim_and_as_a_version_builds_on_pyenvs_real_312(tmp_path, pyenv_env) -> None:
    root_path = tmp_path / "pyenv"
    broken_shim(root_path, "python3.12")
    env, root = pyenv_env("3.10", "3.12", path_first=(root_path / "shims",))
    project = write_project(tmp_path / "proj")
    outputs = []
    for spelling in ("python3.12", "3.12"):
        result = run_installdev(["install-dev", str(project), "--python", spelling], env)
        assert result.returncode == 0, result.stdout + result.stderr
        stamp = stamp_of(project / "venv")["base_python"]
        assert (stamp["requested"], stamp["path"]) == (spelling, str(tree_python(root, "3.12")))
        assert stamp["version"].startswith("3.12.")
        outputs.append(result.stderr)
    found = f"Python {stamp['version']}, pyenv {tree_python(root, '3.12')}, the newest installdev found that matches"
    assert (f"installdev: the interpreter asked for (python3.12, {root / 'shims' / 'python3.12'} is a pyenv shim that "
            f"cannot run here, so {found} python3.12)") in outputs[0]
    assert f"installdev: the interpreter asked for (3.12, {found} 3.12)" in outputs[1]
    assert venv_import(project / "venv", "import sys, devtool; print(sys.version_info[:2])").stdout.strip() == "(3, 12)"


@pytest.mark.e2e
@pytest.mark.slow
def test_a_requirement_needing_312_moves_the_build_to_312_once_and_the_next_run_is_up_to_date(tmp_path, pyenv_env) -> None:
    running_older_than_312()
    env, root = pyenv_env("3.10", "3.12")
    project = needy_project(tmp_path / "proj", NEEDS_312)
    venv, running = project / "venv", ".".join(map(str, sys.version_info[:3]))
    built = run_installdev(["install-dev", str(project)], env)
    assert built.returncode == 0, built.stdout + built.stderr
    py312 = tree_python(root, "3.12")
    version = stamp_of(venv)["base_python"]["version"]
    assert (f"installdev: a requirement needs Python >=3.12 ({NEEDS_312} 1.0 requires it); building on {py312} "
            f"(Python {version}) instead of Python {running}") in built.stderr.splitlines()
    assert stamp_of(venv)["base_python"] == {"requested": str(py312), "path": str(py312), "version": version,
                                             "need": [[NEEDS_312, "1.0", ">=3.12"]]}
    assert venv_import(venv, f"import sys, {NEEDS_312}; print(sys.version_info[:2])").stdout.strip() == "(3, 12)"
    assert sorted(path.name for path in project.iterdir()) == ["pyproject.toml", "src", "venv"]  # nothing else is left
    again = run_installdev(["install-dev", str(project)], env)
    assert (again.returncode, again.stderr) == (0, f"installdev: {venv} is up to date (symlinks)\n")
    forced = run_installdev(["install-dev", str(project), "--force"], env)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert "No solution found" not in forced.stderr  # the rebuild started on 3.12: no failed attempt first
    assert f"installdev: remembered from the previous build of this venv: Python {version} at {py312} (pyenv)" in forced.stderr
    assert stamp_of(venv)["base_python"]["path"] == str(py312)
    quiet = run_installdev(["install-dev", str(needy_project(tmp_path / "quiet", NEEDS_312)), "-q"], env)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")  # the failure it recovered from is no news


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize(("installer", "needed_by"), [("uv", f"{NEEDS_312} 1.0"), ("pip", NEEDS_312)])
def test_an_asked_python_310_is_not_replaced_the_error_names_the_one_to_pass(tmp_path, pyenv_env, installer,
                                                                             needed_by) -> None:
    env, root = pyenv_env("3.10", "3.12")
    project = needy_project(tmp_path / "proj", NEEDS_312)
    result = run_installdev(["install-dev", str(project), "--python", "3.10", "--installer", installer, "-q"], env)
    assert result.returncode == 9, result.stdout + result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("installdev: error:")]
    assert error.endswith(f": a requirement needs Python >=3.12 ({needed_by} requires it); --python 3.10 is Python "
                          f"{real_python('3.10').parent.parent.name}: pass --python 3.12 (found: pyenv "
                          f"{tree_python(root, '3.12')}), or leave --python out to let installdev choose")
    assert not (project / "venv").exists()


@pytest.mark.e2e
@pytest.mark.slow
def test_no_fitting_interpreter_names_pyenv_install_312_and_keeps_the_previous_venv(tmp_path, pyenv_env) -> None:
    running_older_than_312()
    env, _ = pyenv_env("3.10")  # 3.12 and 3.13 hidden from the finder
    project = needy_project(tmp_path / "proj", "devtool")
    assert run_installdev(["install-dev", str(project)], env).returncode == 0
    stamp_before = (project / "venv" / ".installdev-stamp.json").read_bytes()
    text = (project / "pyproject.toml").read_text().replace('dev = ["devtool"]', f'dev = ["{NEEDS_312}"]')
    (project / "pyproject.toml").write_text(text)
    result = run_installdev(["install-dev", str(project), "-q"], env)
    assert result.returncode == 9, result.stdout + result.stderr
    [error] = [line for line in result.stderr.splitlines() if line.startswith("installdev: error:")]
    running = ".".join(map(str, sys.version_info[:3]))
    assert error.startswith(f"installdev: error: the install on Python {running} failed because a requirement needs "
                            f"Python >=3.12 ({NEEDS_312} 1.0 requires it), and no Python 3.9+ satisfies requires-python "
                            ">=3.10 (pyproject.toml) and Python >=3.12")
    assert error.endswith(": install it with pyenv install 3.12, or pass --python with the path of one")
    assert (project / "venv" / ".installdev-stamp.json").read_bytes() == stamp_before
    assert venv_import(project / "venv", "import devtool").returncode == 0
    assert sorted(path.name for path in project.iterdir()) == ["pyproject.toml", "src", "venv"]


@pytest.mark.e2e
@pytest.mark.slow
def test_a_requirement_limited_below_311_hints_310_never_below_requires_python(tmp_path, pyenv_env) -> None:
    env, root = pyenv_env("3.10", "3.12")
    project = needy_project(tmp_path / "proj", NEEDS_BELOW_311)
    result = run_installdev(["install-dev", str(project), "--python", "3.12", "--installer", "pip", "-q"], env)
    assert result.returncode == 9, result.stdout + result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.endswith(f"a requirement needs Python <3.11, >=3.8 ({NEEDS_BELOW_311} requires it); --python 3.12 is "
                          f"Python {real_python('3.12').parent.parent.name}: pass --python 3.10 (found: pyenv "
                          f"{tree_python(root, '3.10')}), or leave --python out to let installdev choose")
    narrowed = needy_project(tmp_path / "narrow", NEEDS_BELOW_311, ">=3.11")
    result = run_installdev(["install-dev", str(narrowed), "--python", "3.12", "--installer", "pip", "-q"], env)
    assert result.returncode == 9
    assert result.stderr.splitlines()[-1].endswith(
        "; --python 3.12 is Python " + real_python("3.12").parent.parent.name + ": no Python 3.9 to 3.15 fits "
        "requires-python >=3.11 (pyproject.toml), no .python-version, Python <3.11, >=3.8 (oldpytool requires it): "
        "change them, or the requirement")
