"""tox's and hatch's environments as development sets: where they come in the order, and one end-to-end build of each
(the readers themselves: test_tox_reader.py, test_hatch_reader.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import install_dev
from installdev.request.project.declarations import Declarations, DevSourceKind
from projects import installed_versions, pep621_project


@pytest.fixture
def env(offline_env: dict[str, str]) -> dict[str, str]:
    return offline_env


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_tox_comes_after_the_requirement_files_and_before_hatch(tmp_path: Path) -> None:
    pyproject = {"project": {"name": "x"}, "tool": {"hatch": {"envs": {"default": {"dependencies": ["h"]}}}}}
    assert Declarations(pyproject, tmp_path, False).dev_sources.kind is DevSourceKind.HATCH_ENV
    write(tmp_path, "tox.ini", "[testenv]\ndeps = t\n")
    assert Declarations(pyproject, tmp_path, False).dev_sources.kind is DevSourceKind.TOX_ENV
    write(tmp_path, "test-requirements.txt", "r\n")
    assert Declarations(pyproject, tmp_path, False).dev_sources.kind is DevSourceKind.REQUIREMENT_FILE


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["tox", "hatch"])
def test_a_tox_or_hatch_environment_is_the_development_set(tmp_path: Path, env: dict, tool: str) -> None:
    table = ('[tool.hatch.envs.default]\ndependencies = ["devtool"]\nfeatures = ["test"]\n' if tool == "hatch" else "")
    project = pep621_project(tmp_path / "proj", "hatchling", "proj", f"""
        [project.optional-dependencies]
        test = ["testtool"]

        [dependency-groups]
        lint = ["reqtool==1.0"]
        {table}""")
    if tool == "tox":
        write(project, "tox.ini", "[tox]\nenvlist = py311\n[testenv]\ndeps = devtool\nextras = test\n"
                                  "dependency_groups = lint\n")
    result = install_dev(project, env)
    expected = {"devtool": "1.0", "testtool": "1.0", **({"reqtool": "1.0"} if tool == "tox" else {})}
    assert installed_versions(project / "venv", ("devtool", "testtool", "reqtool")) == expected
    chosen = "tox.ini [testenv] (tox's base test environment, as py311)" if tool == "tox" else "hatch's default"
    assert "development set: " + chosen in result.stderr
    assert "is up to date" in install_dev(project, env).stderr
    config = project / ("tox.ini" if tool == "tox" else "pyproject.toml")
    config.write_text(config.read_text().replace("devtool", "reqtool>=2" if tool == "hatch" else "pygments"))
    rebuilt = install_dev(project, env)
    assert f"{config} changed" in rebuilt.stderr
