"""tox's and hatch's environments as development sets: the readers, pure, and one end-to-end build of each."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from conftest import install_dev
from installdev.errors import ProjectError
from installdev.request.project.declarations import Declarations, DevSourceKind
from installdev.request.project.readers.hatch import hatch_default_env
from installdev.request.project.readers.tox import tox_development_env
from projects import installed_versions, pep621_project


@pytest.fixture
def env(offline_env: dict[str, str]) -> dict[str, str]:
    return offline_env


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_tox_ini_base_env_for_the_first_python_env_with_factors_substitutions_and_files(tmp_path: Path) -> None:
    write(tmp_path, "requirements/test.txt", "pytest\n")
    write(tmp_path, "constraints.txt", "pytest<9\n")
    write(tmp_path, "tox.ini", """\
        [tox]
        envlist = lint, py3{10-12}-django{42,50}, docs
        [base]
        shared = coverage
        [testenv]
        deps =
            -r{toxinidir}/requirements/test.txt
            -c constraints.txt
            {[base]shared}
            py310: tomli
            py311,py312: exceptiongroup
            py310-django42: django>=4.2,<5  # an inline comment
            !py310: never
            lint: ruff
            foo{env:EXTRA:}
            pytest-xdist \\
              >=3
        extras = test, Docs
        dependency_groups =
            typing
        """)
    env = tox_development_env(tmp_path, {})
    assert env is not None
    assert env.section == "[testenv] (as py310-django42)"
    assert env.requirement_lines == ("coverage", "tomli", "django>=4.2,<5", "pytest-xdist >=3")
    assert env.requirement_files == (tmp_path / "requirements" / "test.txt",)
    assert env.constraint_files == (tmp_path / "constraints.txt",)
    assert (env.extras, env.dependency_groups) == (("test", "docs"), ("typing",))
    assert env.notes == ("left out 'foo{env:EXTRA:}': tox substitutes it at run time",)
    assert env.reason == ("tox.ini [testenv] (as py310-django42) (tox's base test environment): deps; extras test, docs; "
                          "dependency groups typing")


def test_tox_dev_env_wins_and_falls_back_to_testenv_keys(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", """\
        [testenv]
        deps = pytest
        extras = test
        [testenv:lint]
        deps = ruff
        [testenv:dev]
        deps =
            {[testenv]deps}
            {[testenv:lint]deps}
            ipython
        """)
    env = tox_development_env(tmp_path, {})
    assert (env.section, env.requirement_lines, env.extras) == ("[testenv:dev]", ("pytest", "ruff", "ipython"), ("test",))


@pytest.mark.parametrize("location", ["setup.cfg", "legacy", "native", "tox.toml"])
def test_tox_reads_its_other_locations(tmp_path: Path, location: str) -> None:
    pyproject: dict = {}
    if location == "setup.cfg":
        write(tmp_path, "setup.cfg", "[tox:tox]\nenvlist = py312\n[testenv]\ndeps = pytest\n")
    elif location == "legacy":
        pyproject = {"tool": {"tox": {"legacy_tox_ini": "[tox]\nenvlist = py312\n[testenv]\ndeps = pytest\n"}}}
    elif location == "native":
        pyproject = {"tool": {"tox": {"env_list": ["3.12"], "env_run_base": {"deps": ["pytest"]}}}}
    else:
        write(tmp_path, "tox.toml", 'env_list = ["3.12", "lint"]\n[env_run_base]\ndeps = ["pytest"]\n')
    env = tox_development_env(tmp_path, pyproject)
    assert env is not None and env.requirement_lines == ("pytest",)


def test_tox_ini_comes_first_and_setup_cfg_needs_its_section(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", "[metadata]\nname = x\n")
    write(tmp_path, "tox.toml", '[env_run_base]\ndeps = ["from-toml"]\n')
    assert tox_development_env(tmp_path, {}).requirement_lines == ("from-toml",)
    write(tmp_path, "tox.ini", "[testenv]\ndeps = from-ini\n")
    assert tox_development_env(tmp_path, {}).requirement_lines == ("from-ini",)


def test_tox_toml_dev_env_references_and_run_time_values(tmp_path: Path) -> None:
    write(tmp_path, "tox.toml", """\
        [env_run_base]
        deps = ["pytest", "{tox_root}{/}local"]
        dependency_groups = ["test"]
        [env.dev]
        deps = [{ replace = "ref", of = ["env_run_base", "deps"], extend = true }, "ipython",
                { replace = "env", name = "X" }]
        """)
    env = tox_development_env(tmp_path, {})
    assert env.section == "[env.dev]"
    assert env.requirement_lines == ("pytest", f"{tmp_path}{os.sep}local", "ipython")
    assert env.dependency_groups == ("test",)
    assert env.notes == ("left out {'replace': 'env', 'name': 'X'} of deps: tox decides it at run time",)


def test_tox_errors_are_one_line_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", "[testenv]\ndeps = -r missing.txt\n")
    with pytest.raises(ProjectError) as caught:
        tox_development_env(tmp_path, {})
    assert str(caught.value) == (f"{tmp_path / 'tox.ini'} [testenv] deps names -r missing.txt, which does not exist: fix "
                                 "tox.ini or pass -r FILE")
    write(tmp_path, "tox.ini", "[testenv\ndeps = x\n")
    with pytest.raises(ProjectError, match=r"tox.ini: not a tox configuration installdev can read"):
        tox_development_env(tmp_path, {})
    (tmp_path / "tox.ini").unlink()
    write(tmp_path, "tox.toml", '[env_run_base]\ndeps = "pytest"\n')
    with pytest.raises(ProjectError, match=r"tox.toml: tox deps must be a list, not 'pytest'"):
        tox_development_env(tmp_path, {})


def test_tox_env_declaring_nothing_is_none(tmp_path: Path) -> None:
    write(tmp_path, "tox.ini", "[testenv]\ncommands = pytest\n")
    assert tox_development_env(tmp_path, {}) is None
    (tmp_path / "tox.ini").unlink()
    assert tox_development_env(tmp_path, {}) is None


def test_hatch_default_env_from_pyproject_and_hatch_toml(tmp_path: Path) -> None:
    pyproject = {"tool": {"hatch": {"envs": {"default": {
        "dependencies": ["coverage[toml]", "{root:uri}/vendored", "x{env:Y}"], "features": ["Docs"]}}}}}
    env = hatch_default_env(tmp_path, pyproject)
    assert env.requirement_lines == ("coverage[toml]", f"{tmp_path.as_uri()}/vendored")
    assert (env.extras, env.notes) == (("docs",), ("left out 'x{env:Y}': hatch fills it at run time",))
    assert env.reason == ("hatch's default environment ([tool.hatch.envs.default] in pyproject.toml): dependencies; "
                          "features docs")
    write(tmp_path, "hatch.toml", '[envs.default]\ndependencies = ["pytest"]\nextra-dependencies = ["ruff"]\n')
    env = hatch_default_env(tmp_path, pyproject)
    assert (env.config_file, env.requirement_lines, env.extras) == (tmp_path / "hatch.toml", ("pytest", "ruff"), ("docs",))
    write(tmp_path, "hatch.toml", '[envs.default]\ndependencies = "pytest"\n')
    with pytest.raises(ProjectError, match=r"hatch's default environment dependencies must be a list of strings"):
        hatch_default_env(tmp_path, pyproject)
    assert hatch_default_env(tmp_path / "none", {"tool": {"hatch": {"envs": {"default": {"installer": "uv"}}}}}) is None


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
    assert "development set: " + ("tox.ini [testenv] (as py311)" if tool == "tox" else "hatch's default") in result.stdout
    assert "is up to date" in install_dev(project, env).stdout
    config = project / ("tox.ini" if tool == "tox" else "pyproject.toml")
    config.write_text(config.read_text().replace("devtool", "reqtool>=2" if tool == "hatch" else "pygments"))
    rebuilt = install_dev(project, env)
    assert f"{config} changed" in rebuilt.stdout
