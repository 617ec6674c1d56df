"""The development set installdev reads from tox's and hatch's configurations is what tox and hatch themselves install.

Each case writes one project, lets the real tool (tox 4, hatch) build its environment offline from the session
wheelhouse, runs a plain ``installdev install-dev`` on the same project, and compares the two environments'
distributions, name and version, the project itself included. The tools run from this test environment
(``python -m tox``, ``python -m hatch``: the test extra installs both).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import install_dev
from projects import pep621_project
from wheelhouse import build_wheel

pytestmark = pytest.mark.slow

# What each tool seeds or adds for itself, not part of any development set.
_TOOLING = frozenset({"pip", "setuptools", "wheel"})
_DISTRIBUTIONS = ("import importlib.metadata as m, json; "
                  "print(json.dumps(sorted({(d.metadata['Name'].lower().replace('_', '-'), d.version) "
                  "for d in m.distributions()})))")


@pytest.fixture(scope="module")
def factor_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels only these cases name, beside the session wheelhouse: one per tox factor condition and substitution."""
    directory = tmp_path_factory.mktemp("factor-wheels")
    for name in ("coretool", "fulltool", "notfulltool", "filetool", "basetool", "linttool", "hatchtool", "grouptool"):
        build_wheel(directory, name)
    return directory


@pytest.fixture
def env(offline_env: dict[str, str], factor_wheels: Path, tmp_path: Path) -> dict[str, str]:
    """installdev's offline environment, also read by tox (pip, virtualenv) and hatch, with their own state in
    tmp_path."""
    return {**offline_env,
            "PIP_FIND_LINKS": f"{offline_env['PIP_FIND_LINKS']} {factor_wheels}",
            "HATCH_DATA_DIR": str(tmp_path / "hatch-data"), "HATCH_CACHE_DIR": str(tmp_path / "hatch-cache"),
            "TOX_WORK_DIR": str(tmp_path / "tox-work"), "NO_COLOR": "1"}


def write(directory: Path, name: str, text: str) -> None:
    (directory / name).write_text(textwrap.dedent(text))


def distributions(python: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    listed = subprocess.run([str(python), "-c", _DISTRIBUTIONS], env={**env, "PYTHONPATH": ""}, capture_output=True,
                            text=True, check=True)
    return {(name, version) for name, version in json.loads(listed.stdout) if name not in _TOOLING}


def run_tool(arguments: list[str], project: Path, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", *arguments], cwd=project, env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr


def tox_environment(project: Path, env: dict[str, str], name: str) -> set[tuple[str, str]]:
    run_tool(["tox", "run", "-e", name, "--notest"], project, env)
    return distributions(Path(env["TOX_WORK_DIR"]) / name / "bin" / "python", env)


def hatch_default_environment(project: Path, env: dict[str, str]) -> set[tuple[str, str]]:
    run_tool(["hatch", "env", "create"], project, env)
    found = subprocess.run([sys.executable, "-m", "hatch", "env", "find", "default"], cwd=project, env=env,
                           capture_output=True, text=True, check=True)
    return distributions(Path(found.stdout.strip()) / "bin" / "python", env)


def installdev_environment(project: Path, env: dict[str, str]) -> tuple[set[tuple[str, str]], str]:
    result = install_dev(project, env)
    chosen = next(line for line in result.stderr.splitlines() if "development set:" in line)
    return distributions(project / "venv" / "bin" / "python", env), chosen


def project_with_test_extra(directory: Path) -> Path:
    project = pep621_project(directory, "hatchling", "proj", """
        [project.optional-dependencies]
        test = ["testtool"]

        [dependency-groups]
        lint = ["linttool"]
        """)
    write(project, "requirements-tox.txt", "filetool\n")
    return project


def test_tox_ini_base_env_with_factors_files_extras_and_groups(tmp_path: Path, env: dict[str, str]) -> None:
    """No dev env: the first Python env of envlist (py-core) as tox builds it, its factor lines applied."""
    project = project_with_test_extra(tmp_path / "proj")
    write(project, "tox.ini", """\
        [tox]
        envlist = py-{core,full}, lint

        [base]
        deps = basetool

        [testenv]
        deps =
            {[base]deps}
            -r {toxinidir}/requirements-tox.txt
            core: coretool
            full: fulltool
            !full: notfulltool
            # a comment: tox ignores it
        extras = test
        dependency_groups = lint
        commands = pytest {posargs}
        """)
    expected = tox_environment(project, env, "py-core")  # first: installdev's venv would go into tox's sdist
    installed, chosen = installdev_environment(project, env)
    assert "tox.ini [testenv] (tox's base test environment, as py-core)" in chosen
    assert installed == expected
    assert {"coretool", "notfulltool", "basetool", "filetool", "testtool", "linttool", "proj"} <= {n for n, _ in installed}


def test_tox_ini_dev_env_inheriting_testenv(tmp_path: Path, env: dict[str, str]) -> None:
    project = project_with_test_extra(tmp_path / "proj")
    write(project, "tox.ini", """\
        [tox]
        envlist = py

        [testenv]
        deps = coretool
        extras = test

        [testenv:dev]
        deps =
            {[testenv]deps}
            devtool
        """)
    expected = tox_environment(project, env, "dev")  # first: installdev's venv would go into tox's sdist
    installed, chosen = installdev_environment(project, env)
    assert "(tox's dev environment)" in chosen
    assert installed == expected
    assert {"coretool", "devtool", "testtool", "proj"} <= {name for name, _ in installed}


def test_tox_toml_env_run_base_and_references(tmp_path: Path, env: dict[str, str]) -> None:
    project = project_with_test_extra(tmp_path / "proj")
    write(project, "tox.toml", """\
        env_list = ["py"]

        [env_run_base]
        deps = ["coretool", "-r {tox_root}/requirements-tox.txt"]
        extras = ["test"]

        [env.dev]
        deps = [{ replace = "ref", of = ["env_run_base", "deps"], extend = true }, "devtool"]
        dependency_groups = ["lint"]
        """)
    expected = tox_environment(project, env, "dev")  # first: installdev's venv would go into tox's sdist
    installed, chosen = installdev_environment(project, env)
    assert "tox.toml [env.dev] (tox's dev environment)" in chosen
    assert installed == expected
    assert {"coretool", "filetool", "devtool", "testtool", "linttool", "proj"} <= {name for name, _ in installed}


def test_hatch_default_environment(tmp_path: Path, env: dict[str, str]) -> None:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj", """
        [project.optional-dependencies]
        test = ["testtool"]

        [dependency-groups]
        lint = ["grouptool"]

        [tool.hatch.envs.default]
        dependencies = ["hatchtool"]
        extra-dependencies = ["devtool"]
        features = ["test"]
        dependency-groups = ["lint"]
        """)
    expected = hatch_default_environment(project, env)
    installed, chosen = installdev_environment(project, env)
    assert "hatch's default environment" in chosen
    assert installed == expected
    assert {"hatchtool", "devtool", "testtool", "grouptool", "proj"} <= {name for name, _ in installed}


def test_hatch_toml_replaces_the_pyproject_environments(tmp_path: Path, env: dict[str, str]) -> None:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj", """
        [tool.hatch.envs.default]
        dependencies = ["coretool"]
        """)
    write(project, "hatch.toml", """\
        [envs.default]
        dependencies = ["hatchtool"]
        """)
    expected = hatch_default_environment(project, env)
    installed, _ = installdev_environment(project, env)
    assert installed == expected
    assert "hatchtool" in {name for name, _ in installed} and "coretool" not in {name for name, _ in installed}


def test_the_tools_are_the_ones_the_test_extra_names() -> None:
    """The comparison means something only with tox 4 (dependency_groups: 4.22) and a hatch that reads
    dependency-groups."""
    from importlib.metadata import version

    assert tuple(int(part) for part in version("tox").split(".")[:2]) >= (4, 22)
    assert tuple(int(part) for part in version("hatch").split(".")[:2]) >= (1, 14)
