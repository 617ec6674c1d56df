"""The thin entry point plugin/run_installdev.py: it bootstraps installdev's dependencies when they are missing.

A "bare" interpreter is a fresh venv with pip and nothing else. Its bootstrap installs offline from wheels
repacked from the distributions installed in the interpreter running the tests (no package index), pinned
to their installed versions in a vendored copy of plugin/, just as a build that vendors plugin/ would.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from buildtools import PLUGIN_DIR, REPO, copy_example, installed_closure, wheel_from_installed

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths in the bare venv")

sys.path.insert(0, str(PLUGIN_DIR))
import installdev_bootstrap  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOTS = ["virtualenv", "filelock", "platformdirs"] + (["tomli"] if sys.version_info < (3, 11) else [])


def _create_venv(destination: Path, *options: str) -> Path:
    from virtualenv import cli_run

    cli_run([str(destination), "--no-download", "--no-periodic-update", "--quiet", *options], setup_logging=False)
    return destination / "bin" / "python"


@pytest.fixture(scope="module")
def bootstrap_setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A bare python, a vendored plugin/ pinned to the installed versions, and a wheel folder holding them."""
    root = tmp_path_factory.mktemp("bootstrap")
    wheels = root / "wheels"
    wheels.mkdir()
    closure = installed_closure(ROOTS)
    for distribution in closure.values():
        wheel_from_installed(distribution, wheels)
    vendored = copy_example(root)  # plugin/ beside gradle-example/, as a build would vendor it
    pins = "".join(f"{name}=={distribution.version}\n" for name, distribution in sorted(closure.items()))
    (vendored.parent / "plugin" / "tool-requirements.txt").write_text(pins)
    bare = _create_venv(root / "bare")
    probe = subprocess.run([str(bare), "-c", "import virtualenv"], capture_output=True, timeout=60)
    assert probe.returncode != 0, "the bare venv must not see installdev's dependencies"
    return {"root": root, "wheels": wheels, "bare": bare, "entry": vendored.parent / "plugin" / "run_installdev.py",
            "example": vendored}


@pytest.fixture
def env(bootstrap_setup: dict, offline_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Offline pip on the repacked wheels (and setuptools), a fresh user cache, no PYTHONPATH."""
    environment = {key: value for key, value in offline_env.items() if key != "PYTHONPATH"}
    environment["PIP_FIND_LINKS"] = f"{bootstrap_setup['wheels']} {offline_env['PIP_FIND_LINKS']}"
    environment["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return environment


def run_entry(python: Path | str, entry: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), str(entry), *args], env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def tool_dirs(env: dict[str, str]) -> list[Path]:
    base = Path(env["XDG_CACHE_HOME"]) / "installdev"
    return sorted(base.glob("tool-*")) if base.is_dir() else []


@pytest.mark.e2e
def test_missing_dependencies_go_to_a_private_tool_dir_never_the_interpreter_or_the_venv(bootstrap_setup, env, tmp_path):
    bare, entry = bootstrap_setup["bare"], bootstrap_setup["entry"]
    first = run_entry(bare, entry, ["--version"], env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout == "installdev 0.1.0\n"  # stdout is the command's result alone, on first use too
    assert "installing its pinned dependencies" in first.stderr
    (tool_dir,) = tool_dirs(env)
    major, minor = sys.version_info[:2]
    assert re.fullmatch(rf"tool-[\w.]+-py{major}{minor}-[0-9a-f]{{12}}", tool_dir.name)
    assert (tool_dir / "virtualenv").is_dir() and (tool_dir / installdev_bootstrap.TOOL_MARKER).is_file()
    assert not [path for path in tool_dir.parent.iterdir() if path.name.startswith(".tmp-")]
    unchanged = subprocess.run([str(bare), "-c", "import virtualenv"], capture_output=True, timeout=60)
    assert unchanged.returncode != 0, "the bootstrap must never install into the interpreter"

    # The bootstrapped dependencies really build a venv, and none of them lands in it.
    project = bootstrap_setup["example"] / "libdemo"
    built = run_entry(bare, entry, ["install-dev", str(project), "--venv", str(tmp_path / "venv"), "-q"], env)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "installing" not in built.stderr  # the tool dir is reused
    leaked = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c", "import libdemo, virtualenv"],
                            capture_output=True, text=True, timeout=60)
    assert "No module named 'virtualenv'" in leaked.stderr


@pytest.mark.e2e
def test_concurrent_bootstraps_all_succeed_with_one_tool_dir(bootstrap_setup, env):
    processes = [subprocess.Popen([str(bootstrap_setup["bare"]), str(bootstrap_setup["entry"]), "--version"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
                 for _ in range(3)]
    for process in processes:
        output = process.communicate(timeout=300)[0]
        assert process.returncode == 0, output
        assert "installdev 0.1.0" in output
    (tool_dir,) = tool_dirs(env)
    assert not [path for path in tool_dir.parent.iterdir() if path.name.startswith(".tmp-")]


@pytest.mark.e2e
def test_without_pip_a_clear_message_per_platform_and_exit_9(bootstrap_setup, env, tmp_path):
    no_pip = _create_venv(tmp_path / "nopip", "--no-seed")
    failed = run_entry(no_pip, bootstrap_setup["entry"], ["install-dev", "."], env)
    assert failed.returncode == 9, failed.stdout + failed.stderr
    message = failed.stderr
    assert "virtualenv is missing" in message and "no pip" in message
    for fix in ("apt install python3-pip", "dnf install python3-pip", "python3.withPackages (ps: [ ps.pip ])",
                "nix-shell -p", "brew install python", "ensurepip"):
        assert fix in message, fix
    assert message.count("installdev: error:") == 1
    assert tool_dirs(env) == []


@pytest.mark.e2e
def test_an_unreachable_index_is_an_install_failure_in_one_line(bootstrap_setup, env):
    with socket.socket() as closed:  # a port nothing listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = {key: value for key, value in env.items() if key not in ("PIP_FIND_LINKS", "PIP_NO_INDEX")}
    unreachable.update(PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple", PIP_RETRIES="1", PIP_TIMEOUT="5")
    failed = run_entry(bootstrap_setup["bare"], bootstrap_setup["entry"], ["install-dev", "."], unreachable)
    assert failed.returncode == 5, failed.stdout + failed.stderr
    assert failed.stdout == ""
    (error,) = [line for line in failed.stderr.splitlines() if not line.startswith("installdev: this Python cannot")]
    assert error.startswith(f"installdev: error: pip cannot reach the package index http://127.0.0.1:{port}/simple "), error
    assert "PIP_INDEX_URL" in error
    assert tool_dirs(env) == []


@pytest.mark.e2e
@pytest.mark.parametrize("command", ["install-dev", "bootstrap", "doctor"])
def test_under_json_a_failure_to_start_is_still_one_document_on_stdout(bootstrap_setup, env, command):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = {key: value for key, value in env.items() if key not in ("PIP_FIND_LINKS", "PIP_NO_INDEX")}
    unreachable.update(PIP_INDEX_URL=f"http://127.0.0.1:{port}/simple", PIP_RETRIES="1", PIP_TIMEOUT="5")
    failed = run_entry(bootstrap_setup["bare"], bootstrap_setup["entry"], [command, ".", "--json"], unreachable)
    assert failed.returncode == 5, failed.stdout + failed.stderr
    document = json.loads(failed.stdout)
    assert document["exit_code"] == 5
    error = next(line for line in failed.stderr.splitlines() if line.startswith("installdev: error: "))
    message = error.removeprefix("installdev: error: ")
    said = document["problems"][0]["message"] if command == "doctor" else document["error"]
    assert said == message and message.startswith("pip cannot reach the package index"), document


@pytest.mark.e2e
def test_under_json_a_python_too_old_for_installdev_gives_the_common_document(tmp_path):
    from pythons import real_python

    old = real_python("3.9")
    failed = run_entry(old, PLUGIN_DIR / "run_installdev.py", ["bootstrap", str(tmp_path), "--json"], {"PATH": "/usr/bin:/bin"})
    assert failed.returncode == 9, failed.stdout + failed.stderr
    (error,) = failed.stderr.splitlines()
    assert json.loads(failed.stdout) == {"schema": 1, "exit_code": 9, "error": error.removeprefix("installdev: error: ")}
    assert "needs Python >= 3.10" in error


@pytest.mark.e2e
def test_an_interpreter_with_usable_dependencies_uses_them_and_exit_codes_pass_through(env, tmp_path):
    entry = PLUGIN_DIR / "run_installdev.py"
    version = run_entry(sys.executable, entry, ["--version"], env)
    assert version.returncode == 0 and "installdev" in version.stdout, version.stderr
    missing_project = run_entry(sys.executable, entry, ["install-dev", str(tmp_path / "nowhere")], env)
    assert missing_project.returncode == 6, missing_project.stderr
    assert tool_dirs(env) == []


def test_a_too_old_dependency_counts_as_missing(tmp_path):
    site = tmp_path / "site"
    (site / "virtualenv").mkdir(parents=True)
    (site / "virtualenv" / "__init__.py").write_text("")
    (site / "virtualenv-20.17.1+ds.egg-info").mkdir()  # Debian's python3-virtualenv
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import installdev_bootstrap as b; "
            "print(b.dependency_problems())")
    checked = subprocess.run([sys.executable, "-c", code, str(site), str(PLUGIN_DIR)], capture_output=True, text=True,
                             timeout=60)
    assert "virtualenv 20.17.1 is older than 21.4.3" in checked.stdout, checked.stdout + checked.stderr


def test_version_parsing_and_cache_location(monkeypatch):
    parse = installdev_bootstrap._version_tuple
    assert parse("21.15.8") == (21, 15, 8)
    assert parse("20.17.1+ds") == (20, 17, 1)
    assert parse("3.20.3rc1") == (3, 20, 3)
    assert parse("4.2.post1") == (4, 2)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert installdev_bootstrap.cache_root() == "/somewhere/cache/installdev"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert installdev_bootstrap.cache_root() == os.path.join(os.path.expanduser("~"), ".cache", "installdev")


def test_minimums_and_pins_agree_with_pyproject():
    """MINIMUM_VERSIONS mirror pyproject.toml's lower bounds, and every pin satisfies them."""
    from packaging.requirements import Requirement

    declared = {}
    for text in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]:
        requirement = Requirement(text)
        declared[requirement.name] = requirement
    minimums = installdev_bootstrap.MINIMUM_VERSIONS + installdev_bootstrap.MINIMUM_VERSIONS_BEFORE_311
    assert {distribution for _, distribution, _ in minimums} == set(declared)
    for _, distribution, minimum in minimums:
        bound = next(spec.version for spec in declared[distribution].specifier if spec.operator == ">=")
        assert installdev_bootstrap._version_tuple(bound) == minimum, distribution

    pins = [Requirement(line.split("#")[0]) for line in (PLUGIN_DIR / "tool-requirements.txt").read_text().splitlines()
            if line.split("#")[0].strip()]
    for pin in pins:
        (spec,) = pin.specifier
        assert spec.operator == "==", pin
        if pin.name in declared:
            assert declared[pin.name].specifier.contains(spec.version), pin
    assert {pin.name for pin in pins} >= set(declared)
