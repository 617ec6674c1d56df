"""The first hour of a new user: a clean clone (git clone of this checkout's HEAD), an empty HOME, a `python3` that has
pip and nothing else, then the README's fresh-machine command twice and `scripts/bootstrap.sh gradle-example` twice.

Offline: the sample projects install from the test wheelhouse, and run_installdev.py's own dependencies from wheels
repacked from this environment, which the clone's tool-requirements.txt pins (its one change: the index is not used).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from buildtools import installed_closure, wheel_from_installed
from conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell and paths")]

ROOTS = ["virtualenv", "filelock", "platformdirs"] + (["tomli"] if sys.version_info < (3, 11) else [])


def readme_fresh_machine_command() -> str:
    """The README's command that builds the sample project on a fresh machine."""
    section = (REPO / "README.md").read_text().split("## A fresh machine", 1)[1].split("\n## ", 1)[0]
    (command,) = re.findall(r"^python3 plugin/run_installdev\.py .*$", section, re.MULTILINE)
    return command


@pytest.fixture
def newcomer(tmp_path: Path, offline_env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A clean clone and the environment of a user with an empty HOME whose python3 is a bare venv's."""
    from virtualenv import cli_run

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    tool_wheels = tmp_path / "tool-wheels"
    tool_wheels.mkdir()
    closure = installed_closure(ROOTS)
    for distribution in closure.values():
        wheel_from_installed(distribution, tool_wheels)
    (clone / "plugin" / "tool-requirements.txt").write_text(
        "".join(f"{name}=={distribution.version}\n" for name, distribution in sorted(closure.items())))
    bare = tmp_path / "bare"
    cli_run([str(bare), "--no-download", "--no-periodic-update", "--quiet"], setup_logging=False)
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in offline_env.items()
           if key not in ("PYTHONPATH", "XDG_CACHE_HOME", "PYENV_VERSION", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PYENV_ROOT=str(tmp_path / "no-pyenv"),
               PATH=os.pathsep.join([str(bare / "bin"), "/usr/bin", "/bin"]),
               PIP_FIND_LINKS=f"{tool_wheels} {offline_env['PIP_FIND_LINKS']}")
    return clone, env


def shell(command: str, clone: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    completed = subprocess.run(["sh", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=600,
                               stdin=subprocess.DEVNULL)
    assert "Traceback" not in completed.stderr, completed.stderr
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def test_the_readme_fresh_machine_command_twice(newcomer: tuple[Path, dict[str, str]]) -> None:
    clone, env = newcomer
    command = readme_fresh_machine_command()
    first = shell(command, clone, env)
    assert "installing its pinned dependencies" in first.stderr
    assert "pinned dependencies" not in first.stdout  # the first-use messages go to stderr
    again = shell(command, clone, env)
    assert "up to date" in again.stdout + again.stderr and "installing" not in again.stderr
    result = json.loads(shell(f"{command} --json", clone, env).stdout)
    assert (result["result"], result["exit_code"]) == ("up to date", 0)
    assert Path(result["venv"]) == clone / "gradle-example" / "appdemo" / "venv"
    imported = subprocess.run([result["python_executable"], "-c", "import appdemo, libdemo, pytest"],
                              capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr


def test_bootstrap_sh_twice(newcomer: tuple[Path, dict[str, str]]) -> None:
    """bootstrap.sh parses `bootstrap --json`; on first use run_installdev.py installs its dependencies meanwhile."""
    clone, env = newcomer
    for run in ("first", "again"):
        completed = shell("scripts/bootstrap.sh gradle-example", clone, env)
        assert ("installing its pinned dependencies" in completed.stderr) == (run == "first"), completed.stderr
        activate = dict(re.findall(r"^\s*\. (\S+)/bin/activate\s+# (\w+)$", completed.stdout, re.MULTILINE))
        assert {name: (clone / venv).resolve() for venv, name in activate.items()} == {
            name: clone / "gradle-example" / name / "venv" for name in ("libdemo", "appdemo")}, completed.stdout
    document = json.loads(shell("python3 plugin/run_installdev.py bootstrap --json gradle-example", clone, env).stdout)
    assert {project["name"]: project["result"] for project in document["projects"]} == {
        "libdemo": "up to date", "appdemo": "up to date"}
