"""Issue 12 end to end: a plain ``installdev install-dev DIR`` gives every project shape the development set its own
tool would give, on an interpreter the project accepts; what cannot work is one error line before anything is made.

Real virtualenv, real uv and pip, real build backends (flit_core, hatchling, pdm-backend, poetry-core, setuptools),
offline from the session wheelhouse. Every scenario checks the installed set (the distributions in the venv and
their versions), not only the exit code. The plain command installs with uv (installed in the test environment);
pip is used where the point is what pip receives.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from hostfixtures import require_host
from installdev.actions.installer import find_uv
from projects import build_recording_project, pep621_project, poetry_project, setup_py_project
from wheelhouse import BUILD_BACKENDS

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")]

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
RUNNING = sys.version_info[:2]
TOOLS = ("devtool", "testtool", "reqtool", "localtool", "pygments")
_LIST_DISTRIBUTIONS = ("import json; from importlib import metadata; "
                       "print(json.dumps({d.metadata['Name'].lower(): d.version for d in metadata.distributions()}))")


@pytest.fixture(autouse=True)
def build_backends_and_uv() -> None:
    """The backends must be in the wheelhouse (they come from the ``test`` extra) and uv must be installed."""
    from importlib import metadata

    for name in BUILD_BACKENDS:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            require_host(False, f"build backend {name} is not installed: pip install -e '.[test]'")
    require_host(find_uv() is not None, "uv is not installed: pip install -e '.[test]'")


@pytest.fixture
def env(offline_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The offline environment with one uv cache for the whole file (what a developer's machine has)."""
    return {**offline_env, "UV_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "dev-sets-uv-cache")}


def pyenv_python(version_prefix: str) -> Path:
    """The newest pyenv CPython whose version starts with ``version_prefix`` (e.g. ``3.12``): fail under CI, else skip."""
    matches = sorted(PYENV_VERSIONS.glob(f"{version_prefix}.*"), key=lambda path: tuple(map(int, path.name.split("."))))
    minor = ".".join(version_prefix.split(".")[:2])
    python = matches[-1] / "bin" / f"python{minor}" if matches else None
    require_host(python is not None and python.is_file(), f"no pyenv Python {version_prefix} under {PYENV_VERSIONS}")
    return python


def newer_pyenv_minor() -> str:
    """The newest pyenv 3.X newer than the running interpreter, as ``3.X``: fail under CI, else skip."""
    newer = sorted({int(path.name.split(".")[1]) for path in PYENV_VERSIONS.glob("3.*.*")
                    if re.fullmatch(r"3\.\d+\.\d+", path.name) and int(path.name.split(".")[1]) > RUNNING[1]})
    require_host(bool(newer), f"no pyenv Python newer than {RUNNING[0]}.{RUNNING[1]} under {PYENV_VERSIONS}")
    return f"3.{newer[-1]}"


def install(project: Path, env: dict[str, str], *args: str, expect: int = 0):
    result = run_installdev(["install-dev", str(project), *args], env)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def tools(venv: Path) -> dict[str, str]:
    """The fixture tools installed in ``venv``, with their versions."""
    completed = venv_run(venv, _LIST_DISTRIBUTIONS)
    return {name: version for name, version in json.loads(completed).items() if name in TOOLS}


def venv_run(venv: Path, code: str) -> str:
    """What ``code`` prints, run by the venv's python."""
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def development_line(result) -> str:
    return next(line for line in result.stderr.splitlines() if line.startswith("installdev: development set: "))


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("installdev: error:")]


def snapshot(directory: Path) -> dict[str, bytes | None]:
    return {str(path.relative_to(directory)): path.read_bytes() if path.is_file() else None
            for path in sorted(directory.rglob("*"))}


def stamp_inputs(venv: Path) -> dict:
    return json.loads((venv / ".installdev-stamp.json").read_text())["inputs"]


# ------------------------------------------------------------------------------------------------------------------
# Each project shape gets what its own tool would install


def test_flit_project_gets_its_dev_extra(tmp_path, env):
    project = pep621_project(tmp_path / "flitproj", "flit", "flitproj", """
        [project.optional-dependencies]
        dev = ["devtool"]
        test = ["testtool"]
        """)
    result = install(project, env)
    assert development_line(result) == "installdev: development set: extra dev (declared in [project.optional-dependencies])"
    assert tools(project / "venv") == {"devtool": "1.0"}
    where = venv_run(project / "venv", "import flitproj; print(flitproj.__file__)")
    assert where.strip() == str(project / "src" / "flitproj" / "__init__.py")  # editable

    (project / "tools.txt").write_text("pygments\n")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.installdev]\nextras = ["test"]\nrequirements = ["tools.txt"]\n')
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: extra dev (declared in "
                                        "[project.optional-dependencies]); asked for: --extra test; plus tools.txt (-r)")
    assert set(tools(project / "venv")) == {"devtool", "testtool", "pygments"}  # --extra adds, as uv sync --extra


def test_hatchling_dependency_groups_explicit_choices_and_rebuilds(tmp_path, env):
    project = pep621_project(tmp_path / "hatchproj", "hatchling", "hatchproj", """
        [dependency-groups]
        Test_Tools = ["testtool"]
        dev = [{include-group = "test-tools"}, "devtool"]
        docs = ["reqtool==1.0"]
        """)
    venv = project / "venv"
    result = install(project, env)
    assert development_line(result) == "installdev: development set: dependency group dev (uv sync's default)"
    assert tools(venv) == {"devtool": "1.0", "testtool": "1.0"}  # include-group resolved, names normalized

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"devtool"]', '"devtool", "reqtool>=2"]'))
    result = install(project, env)
    assert f"{pyproject} changed" in result.stderr
    assert tools(venv) == {"devtool": "1.0", "testtool": "1.0", "reqtool": "2.0"}

    result = install(project, env, "--no-default-groups", "--group", "DOCS", "--group", "test_tools")
    assert "selection changed (the project's default -> --group docs --group test-tools --no-default-groups)" in result.stderr
    assert development_line(result) == ("installdev: development set: asked for: --group docs --group test-tools "
                                        "--no-default-groups; groups docs, test-tools")
    assert tools(venv) == {"reqtool": "1.0", "testtool": "1.0"}
    assert stamp_inputs(venv)["selection"] == "--group docs --group test-tools --no-default-groups"

    result = install(project, env, "--group", "test_tools", "--no-group", "dev")
    assert development_line(result) == ("installdev: development set: dependency group dev (uv sync's default); asked for: "
                                        "--group test-tools --no-group dev; groups test-tools")
    assert tools(venv) == {"testtool": "1.0"}

    (project / "more.txt").write_text("pygments\n")
    result = install(project, env, "-r", str(project / "more.txt"))
    assert development_line(result).endswith("dependency group dev (uv sync's default); plus more.txt (-r)")
    assert set(tools(venv)) == {"devtool", "testtool", "reqtool", "pygments"}

    result = install(project, env, "--no-default-groups")
    assert "selection changed (the project's default -> --no-default-groups)" in result.stderr
    assert tools(venv) == {}
    assert venv_run(venv, "import hatchproj; print('ok')").strip() == "ok"

    pyproject.write_text(pyproject.read_text() + '\n[tool.installdev]\nonly-groups = ["docs"]\n')
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: asked for: --only-group docs; the group alone, "
                                        "without the project")
    assert tools(venv) == {"reqtool": "1.0"}

    pyproject.write_text(pyproject.read_text().replace('only-groups = ["docs"]', "no-default-groups = true"))
    install(project, env)
    assert tools(venv) == {}
    assert "is up to date" in install(project, env).stderr


@pytest.mark.slow
def test_pdm_project_with_uv_default_groups_list(tmp_path, env):
    project = pep621_project(tmp_path / "pdmproj", "pdm", "pdmproj", """
        [dependency-groups]
        dev = ["devtool"]
        lint = ["testtool"]
        docs = ["reqtool>=2"]

        [tool.uv]
        default-groups = ["lint", "docs"]
        """)
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: "
                                        "dependency groups lint, docs ([tool.uv] default-groups)")
    assert tools(project / "venv") == {"testtool": "1.0", "reqtool": "2.0"}


@pytest.mark.slow
def test_uv_default_groups_all(tmp_path, env):
    project = pep621_project(tmp_path / "allgroups", "flit", "allgroups", """
        [dependency-groups]
        lint = ["testtool"]
        docs = ["reqtool<2"]

        [tool.uv]
        default-groups = "all"
        dev-dependencies = ["devtool"]
        """)
    result = install(project, env)
    assert development_line(result) == 'installdev: development set: [tool.uv] default-groups = "all": lint, docs, dev'
    assert tools(project / "venv") == {"testtool": "1.0", "reqtool": "1.0", "devtool": "1.0"}


def _local_tool(directory: Path) -> Path:
    """A path dependency with an extra, for poetry's ``{path = ..., develop = true, extras = [...]}``."""
    return pep621_project(directory, "flit", "localtool", """
        [project.optional-dependencies]
        fancy = ["pygments"]
        """)


@pytest.mark.slow
def test_poetry_groups_with_constraint_syntax_and_an_optional_group(tmp_path, env):
    local = _local_tool(tmp_path / "localtool")
    project = pep621_project(tmp_path / "poetryproj", "poetry", "poetryproj", """
        [tool.poetry.group.dev.dependencies]
        reqtool = "^1.0"
        devtool = { version = "*", markers = "python_version >= '3'" }

        [tool.poetry.group.test.dependencies]
        localtool = { path = "../localtool", develop = true, extras = ["fancy"] }

        [tool.poetry.group.docs]
        optional = true

        [tool.poetry.group.docs.dependencies]
        testtool = "~1.0"
        reqtool = "^2"
        """)
    venv = project / "venv"
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: poetry groups dev, test "
                                        "(poetry install's default: every group not marked optional)")
    installed = tools(venv)
    assert installed.pop("pygments")  # the path dependency's extra
    assert installed == {"reqtool": "1.0", "devtool": "1.0", "localtool": "0.1"}  # ^1.0 is not 2.0; docs is optional
    where = venv_run(venv, "import localtool; print(localtool.__file__)")
    assert where.strip() == str(local / "src" / "localtool" / "__init__.py")  # develop = true: editable

    result = install(project, env, "--group", "docs", "--no-group", "dev")  # poetry install --with docs --without dev
    assert development_line(result) == ("installdev: development set: poetry groups dev, test (poetry install's default: "
                                        "every group not marked optional); asked for: --group docs --no-group dev; groups "
                                        "test, docs")
    installed = tools(venv)
    assert installed.pop("pygments")
    assert installed == {"localtool": "0.1", "testtool": "1.0", "reqtool": "2.0"}


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_pdm_dev_dependencies_with_an_editable_sibling(tmp_path, env, installer):
    """Without a pdm.lock (test_pdm_lock.py has those), pdm's groups are resolved."""
    local = _local_tool(tmp_path / "localtool")
    project = pep621_project(tmp_path / "pdmapp", "pdm", "pdmapp", """
        [tool.pdm.dev-dependencies]
        lint = ["devtool", "reqtool<2"]
        test = ["testtool", "-e file:///${PROJECT_ROOT}/../localtool[fancy]"]
        """)
    venv = project / "venv"
    result = install(project, env, "--installer", installer)
    assert development_line(result) == ("installdev: development set: pdm dev-dependencies groups lint, test "
                                        "(pdm install's default: all of them)")
    installed = tools(venv)
    assert installed.pop("pygments")  # the sibling's extra
    assert installed == {"devtool": "1.0", "reqtool": "1.0", "testtool": "1.0", "localtool": "0.1"}
    where = venv_run(venv, "import localtool; print(localtool.__file__)")
    assert where.strip() == str(local / "src" / "localtool" / "__init__.py")  # -e: editable, from the sibling itself
    assert venv_run(venv, "import pdmapp; print(pdmapp.__file__)").strip() == str(project / "src" / "pdmapp" / "__init__.py")

    result = install(project, env, "--installer", installer, "--only-group", "Lint")
    assert development_line(result) == ("installdev: development set: asked for: --only-group lint; the group alone, "
                                        "without the project")
    assert tools(venv) == {"devtool": "1.0", "reqtool": "1.0"}
    assert venv_run(venv, "import importlib.util; print(importlib.util.find_spec('pdmapp'))").strip() == "None"


def test_pdm_2_20_layout_merges_dependency_groups_with_the_pdm_table(tmp_path, env):
    """What `pdm add -d` writes since pdm 2.20: a group's editable entries in [tool.pdm.dev-dependencies], the rest in
    [dependency-groups] under the same name. uv would install `dev` alone, without the editable sibling; pdm all."""
    local = _local_tool(tmp_path / "localtool")
    project = pep621_project(tmp_path / "pdmapp", "pdm", "pdmapp", """
        [dependency-groups]
        dev = ["devtool"]
        lint = ["testtool"]

        [tool.pdm.dev-dependencies]
        dev = ["-e ../localtool"]
        """)
    venv = project / "venv"
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: pdm dev-dependencies groups dev, lint (with "
                                        "[dependency-groups], merged as pdm merges them; pdm install's default: all of them)")
    assert tools(venv) == {"devtool": "1.0", "localtool": "0.1", "testtool": "1.0"}
    where = venv_run(venv, "import localtool; print(localtool.__file__)")
    assert where.strip() == str(local / "src" / "localtool" / "__init__.py")
    assert "is up to date" in install(project, env).stderr


@pytest.mark.parametrize("chosen", [(), ("--group", "dev")], ids=["default group", "--group dev"])
def test_dependency_group_member_from_tool_uv_sources(tmp_path, env, chosen):
    """uv installs PEP 735 groups by name, so [tool.uv.sources] applies to their entries as in `uv sync`: localtool
    comes editable from the sibling directory (there is no localtool in the wheelhouse), legacy dev-dependencies
    included."""
    local = _local_tool(tmp_path / "localtool")
    project = pep621_project(tmp_path / "app", "flit", "app", """
        [dependency-groups]
        dev = ["localtool[fancy]"]

        [tool.uv]
        dev-dependencies = ["devtool"]

        [tool.uv.sources]
        localtool = { path = "../localtool", editable = true }
        """)
    install(project, env, *chosen)
    assert set(tools(project / "venv")) == {"localtool", "devtool", "pygments"}  # pygments from localtool's extra
    where = venv_run(project / "venv", "import localtool; print(localtool.__file__)")
    assert where.strip() == str(local / "src" / "localtool" / "__init__.py")
    (local / "pyproject.toml").write_text((local / "pyproject.toml").read_text().replace('"pygments"', '"reqtool"'))
    rebuilt = install(project, env)
    assert "localtool" in rebuilt.stderr + rebuilt.stdout, "the sibling's pyproject.toml is an input of the venv"
    assert tools(project / "venv") == {"localtool": "0.1", "devtool": "1.0", "reqtool": "2.0"}


def test_pip_gets_the_group_lines_uv_sources_are_uvs(tmp_path, env):
    """pip does not read [tool.uv.sources]: with --installer pip the group's lines go to pip as they are, so a member
    only the source provides is not found, and the error says pip failed."""
    _local_tool(tmp_path / "localtool")
    project = pep621_project(tmp_path / "app", "flit", "app", """
        [dependency-groups]
        dev = ["localtool"]

        [tool.uv.sources]
        localtool = { path = "../localtool", editable = true }
        """)
    result = install(project, env, "--installer", "pip", expect=5)
    assert "installdev: error: pip install failed" in result.stderr
    assert not (project / "venv").exists()


@pytest.mark.slow
def test_classic_poetry_dev_dependencies(tmp_path, env):
    project = poetry_project(tmp_path / "classic", "classic", """
        [tool.poetry.dev-dependencies]
        devtool = "*"
        reqtool = "1.*"
        """)
    result = install(project, env)
    assert development_line(result) == ("installdev: development set: poetry group dev "
                                        "(poetry install's default: every group not marked optional)")
    assert tools(project / "venv") == {"devtool": "1.0", "reqtool": "1.0"}


def test_setup_py_dev_extra_is_checked_in_the_built_metadata(tmp_path, env):
    project = setup_py_project(tmp_path / "legacy", "legacy", {"dev": ["devtool"], "test": ["testtool"]})
    venv = project / "venv"
    result = install(project, env)
    assert development_line(result) == "installdev: development set: dev extra, if the build declares it (setup.py decides)"
    assert tools(venv) == {"devtool": "1.0"}

    stamp = (venv / ".installdev-stamp.json").read_bytes()
    result = install(project, env, "--extra", "typo", expect=6)
    assert error_lines(result) == [f"installdev: error: {project}: its build provides no extra typo (it provides: dev, test): "
                                   "pick one with --extra NAME, --group NAME or -r FILE, or pass --no-default-groups to "
                                   "install the project alone"]
    assert (venv / ".installdev-stamp.json").read_bytes() == stamp, "the previous venv is kept"
    assert tools(venv) == {"devtool": "1.0"}


def test_setup_py_without_dev_extra_exits_6_and_leaves_nothing(tmp_path, env):
    project = setup_py_project(tmp_path / "legacy", "legacy", {"test": ["testtool"]})
    result = install(project, env, expect=6)
    assert error_lines(result) == [f"installdev: error: {project}: its build provides no extra dev (it provides: test): "
                                   "pick one with --extra NAME, --group NAME or -r FILE, or pass --no-default-groups to "
                                   "install the project alone"]
    assert "Traceback" not in result.stderr
    assert not (project / "venv").exists() and not (project / "venv.installdev-previous").exists()


@pytest.mark.slow
def test_setup_py_extras_are_checked_through_a_symlinked_path_by_normalized_name(tmp_path, env):
    real = setup_py_project(tmp_path / "real", "legacy", {"Dev_Tools": ["devtool"]})
    project = tmp_path / "link"
    project.symlink_to(real)  # uv records the path it was given, not the resolved one
    result = install(project, env, expect=6)
    assert error_lines(result) == [f"installdev: error: {project}: its build provides no extra dev (it provides: dev-tools): "
                                   "pick one with --extra NAME, --group NAME or -r FILE, or pass --no-default-groups to "
                                   "install the project alone"]
    assert not (real / "venv").exists()

    install(project, env, "--extra", "Dev_Tools")
    assert tools(real / "venv") == {"devtool": "1.0"}


@pytest.mark.slow
def test_setup_py_without_dev_extra_falls_back_to_its_requirement_file(tmp_path, env):
    project = setup_py_project(tmp_path / "legacy", "legacy", {"test": ["testtool"]})
    (project / "requirements-dev.txt").write_text("reqtool==2.0\n")
    result = install(project, env)
    assert ("its build provides no extra dev (it provides: test); installing requirements-dev.txt (a conventional "
            "development requirements file) instead") in result.stderr
    assert tools(project / "venv") == {"reqtool": "2.0"}


@pytest.mark.parametrize("name", [
    "requirements-dev.txt",
    pytest.param("dev-requirements.txt", marks=pytest.mark.slow),
    pytest.param("requirements_dev.txt", marks=pytest.mark.slow),
    pytest.param("requirements/dev.txt", marks=pytest.mark.slow),
])
def test_conventional_requirement_file(tmp_path, env, name):
    project = pep621_project(tmp_path / "reqproj", "flit", "reqproj", """
        [project.optional-dependencies]
        test = ["testtool"]
        """)
    (project / name).parent.mkdir(exist_ok=True)
    (project / name).write_text("-r base.txt\nreqtool<2\n")
    (project / name).with_name("base.txt").write_text("devtool\n")
    result = install(project, env)
    assert development_line(result) == f"installdev: development set: {name} (a conventional development requirements file)"
    assert tools(project / "venv") == {"devtool": "1.0", "reqtool": "1.0"}


@pytest.mark.parametrize("name", [
    "test-requirements.txt",
    pytest.param("requirements/tests.txt", marks=pytest.mark.slow),
])
def test_a_test_requirements_file_is_the_development_set_when_no_development_one_exists(tmp_path, env, name):
    project = pep621_project(tmp_path / "reqproj", "flit", "reqproj")
    (project / name).parent.mkdir(exist_ok=True)
    (project / name).write_text("testtool\n")
    (project / "requirements.txt").write_text("reqtool==1.0\n")  # the application's pins, not a development set
    result = install(project, env)
    assert development_line(result) == f"installdev: development set: {name} (a conventional test requirements file)"
    assert tools(project / "venv") == {"testtool": "1.0"}


@pytest.mark.parametrize("installer", ["uv", pytest.param("pip", marks=pytest.mark.slow)])
def test_a_requirements_txt_that_installs_the_project_itself_is_the_development_set(tmp_path, env, installer):
    project = pep621_project(tmp_path / "reqproj", "flit", "reqproj", """
        [project.optional-dependencies]
        test = ["testtool"]
        """)
    (project / "requirements.txt").write_text("-e .[test]\nreqtool<2\n")
    result = install(project, env, "--installer", installer)
    assert development_line(result) == ("installdev: development set: requirements.txt (it installs the project itself: "
                                        "-e .[test])")
    assert tools(project / "venv") == {"reqtool": "1.0", "testtool": "1.0"}
    (project / "requirements.txt").write_text("reqtool<2\n")  # no longer the project's: nothing is declared
    install(project, env, "--installer", installer, expect=6)


@pytest.mark.slow
def test_a_file_a_conventional_requirement_file_includes_is_an_input(tmp_path, env):
    project = pep621_project(tmp_path / "reqproj", "flit", "reqproj")
    (project / "requirements-dev.txt").write_text("-r base.txt\n")
    (project / "base.txt").write_text("devtool\n")
    install(project, env)
    (project / "base.txt").write_text("testtool\n")
    result = install(project, env)
    assert f"{project / 'base.txt'} changed" in result.stderr
    assert tools(project / "venv") == {"testtool": "1.0"}


def test_nothing_declared_is_one_line_listing_what_is(tmp_path, env):
    project = pep621_project(tmp_path / "bare", "flit", "bare", """
        [project.optional-dependencies]
        test = ["testtool"]

        [dependency-groups]
        lint = ["devtool"]
        """)
    (project / "requirements-lint.txt").write_text("reqtool\n")
    before = snapshot(tmp_path)
    result = install(project, env, expect=6)
    assert error_lines(result) == [
        f"installdev: error: {project} declares no default development set (extras: test, none is dev; dependency "
        "groups: lint, none is uv's default dev; requirement files: requirements-lint.txt, none is a conventional "
        "development file): pick one with --group NAME, --extra NAME or -r FILE, or pass --no-default-groups to install "
        "the project alone"]
    assert result.stderr.count("\n") == 1
    assert snapshot(tmp_path) == before

    for args, expected in ((["--extra", "test"], {"testtool": "1.0"}), (["--group", "lint"], {"devtool": "1.0"})):
        install(project, env, *args)
        assert tools(project / "venv") == expected


@pytest.mark.parametrize("option, message", [
    ("--extra", "{project}/pyproject.toml declares no extra nope (available: dev): fix --extra NAME (or the extras setting)"),
    ("--group", "{project} declares no group 'nope' (dependency groups: lint): fix the group name (--group, --no-group, "
                "--only-group or the setting)"),
])
def test_unknown_extra_or_group_is_refused_before_anything_is_made(tmp_path, env, option, message):
    project = pep621_project(tmp_path / "proj", "flit", "proj", """
        [project.optional-dependencies]
        dev = ["devtool"]

        [dependency-groups]
        lint = ["testtool"]
        """)
    before = snapshot(tmp_path)
    result = install(project, env, option, "nope", expect=6)
    assert error_lines(result) == ["installdev: error: " + message.format(project=project)]
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------------------------------
# The interpreter


@pytest.mark.slow
def test_requires_python_newer_than_the_running_one_picks_a_fitting_interpreter(tmp_path, env):
    minor = newer_pyenv_minor()
    expected = pyenv_python(minor)
    project = pep621_project(tmp_path / "modern", "flit", "modern", """
        [dependency-groups]
        dev = ["devtool"]
        """, requires_python=f">={minor}")
    venv = project / "venv"
    result = install(project, env)
    running = ".".join(map(str, sys.version_info[:3]))
    assert (f"installdev: Python {expected.parent.parent.name} at {expected} (pyenv) is the newest found that satisfies "
            f"requires-python >={minor} (pyproject.toml); the running interpreter {running} does not") in result.stderr
    assert venv_run(venv, "import sys; print(sys.version.split()[0])").strip() == expected.parent.parent.name
    assert tools(venv) == {"devtool": "1.0"}

    doctor = run_installdev(["doctor", str(project)], env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    lines = doctor.stdout.splitlines()
    assert "develop      dependency group dev (uv sync's default)" in lines
    assert f"python       {expected} (Python {expected.parent.parent.name})" in lines
    assert any(line.strip().startswith(f"Python {expected.parent.parent.name} at {expected} (pyenv) is the newest found")
               for line in lines), doctor.stdout
    assert f"             the project accepts: requires-python >={minor} (pyproject.toml), no .python-version" in lines
    assert any(line.startswith(f"venv         {venv}: up to date") for line in lines), doctor.stdout

    doctor = run_installdev(["doctor", str(project), "--python", str(expected)], env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert (f"             the interpreter asked for ({expected}, Python {expected.parent.parent.name}) satisfies "
            f"requires-python >={minor} (pyproject.toml)") in doctor.stdout.splitlines()


@pytest.mark.slow
def test_python_version_file_picks_that_version_and_a_change_rebuilds(tmp_path, env):
    pinned = "3.12" if RUNNING != (3, 12) else "3.13"
    expected = pyenv_python(pinned)
    project = pep621_project(tmp_path / "pinned", "flit", "pinned", """
        [project.optional-dependencies]
        dev = ["devtool"]
        """)
    (project / ".python-version").write_text(f"# the team's interpreter\n{pinned}\n")
    venv = project / "venv"
    result = install(project, env)
    assert f"satisfies .python-version {pinned} ({project / '.python-version'})" in result.stderr
    version = venv_run(venv, "import sys; print(sys.version.split()[0])").strip()
    assert version == expected.parent.parent.name
    assert tools(venv) == {"devtool": "1.0"}

    running = f"{RUNNING[0]}.{RUNNING[1]}"
    (project / ".python-version").write_text(f"{running}\n")
    result = install(project, env)
    assert f"{project / '.python-version'} changed" in result.stderr
    running_version = ".".join(map(str, sys.version_info[:3]))
    assert f"the running interpreter ({running_version}) satisfies .python-version {running}" in result.stderr
    assert venv_run(venv, "import sys; print(sys.version_info[:2])").strip() == str(RUNNING)


def test_python_that_requires_python_excludes_exits_9_before_anything_is_made(tmp_path, env):
    old = pyenv_python("3.10") if RUNNING != (3, 10) else pyenv_python("3.11")
    old_version = old.parent.parent.name
    newer = f"{RUNNING[0]}.{max(RUNNING[1], 10) + 1}" if RUNNING != (3, 10) else "3.12"
    project = pep621_project(tmp_path / "strict", "flit", "strict", """
        [project.optional-dependencies]
        dev = ["devtool"]
        """, requires_python=f">={newer}")
    before = snapshot(tmp_path)
    result = install(project, env, "--python", str(old), expect=9)
    assert error_lines(result) == [f"installdev: error: --python {old}: Python {old_version} does not satisfy "
                                   f"requires-python >={newer} (pyproject.toml): pass an interpreter the project accepts, "
                                   "or no --python to let installdev choose one"]
    assert snapshot(tmp_path) == before

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.installdev]\npython = "{old}"\n')
    before = snapshot(tmp_path)
    result = install(project, env, expect=9)
    assert error_lines(result) == [f"installdev: error: [tool.installdev] python = '{old}': Python {old_version} does "
                                   f"not satisfy requires-python >={newer} (pyproject.toml): set one the project "
                                   "accepts, or remove the setting to let installdev choose one"]
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["option", "setting"])
def test_python_virtualenv_cannot_seed_exits_9_with_the_reason(tmp_path, env, where):
    python = pyenv_python("3.8")
    project = pep621_project(tmp_path / "proj", "flit", "proj", """
        [project.optional-dependencies]
        dev = ["devtool"]
        """)
    if where == "setting":
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + f'\n[tool.installdev]\npython = "{python}"\n')
    before = snapshot(tmp_path)
    result = install(project, env, *(["--python", str(python)] if where == "option" else []), expect=9)
    named = f"--python {python}" if where == "option" else f"[tool.installdev] python = '{python}'"
    assert error_lines(result) == [f"installdev: error: {named} is Python {python.parent.parent.name}; "
                                   "virtualenv needs 3.9 or newer: pass a newer interpreter"]
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------------------------------
# Build constraints, the environment in the stamp, and uv failures pip would share


@pytest.mark.slow
def test_build_constraints_reach_uv_and_pip_and_the_environment_is_an_input(tmp_path, env, wheelhouse):
    setuptools_versions = sorted((re.match(r"setuptools-([\d.]+)-", wheel.name)[1] for wheel in wheelhouse.glob("setuptools-*")),
                                 key=lambda text: tuple(map(int, text.split("."))))
    assert len(setuptools_versions) >= 2, "virtualenv bundles two setuptools wheels"
    oldest, newest = setuptools_versions[0], setuptools_versions[-1]
    project = build_recording_project(tmp_path / "recorder", "recorder")
    (tmp_path / "build-constraints.txt").write_text(f"setuptools=={oldest}\n")
    venv, built_with = project / "venv", project / "built-with.txt"

    def build(*args: str, environment: dict[str, str] = env, reason: str = "") -> str:
        built_with.unlink(missing_ok=True)
        result = install(project, environment, "--no-default-groups", *args)
        assert reason in result.stderr
        return built_with.read_text()

    assert build() == newest
    constrained = {**env, "PIP_BUILD_CONSTRAINT": str(tmp_path / "build-constraints.txt")}
    assert build(environment=constrained, reason="environment changed") == oldest  # uv gets it as --build-constraint
    assert json.loads((venv / ".installdev-stamp.json").read_text())["installer"] == "uv"
    assert build(environment={**constrained, "UV_PRERELEASE": "allow"}, reason="environment changed") == oldest
    assert build("--installer", "pip", "--build-constraint", str(tmp_path / "build-constraints.txt"),
                 reason="build constraints changed") == oldest

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.installdev]\nbuild-constraints = ["../build-constraints.txt"]\n')
    assert build(reason=f"{pyproject} changed") == oldest


@pytest.mark.parametrize("dev_group, uv_says", [
    ('["reqtool>=3"]', "No solution found"),
    ('["no-such-tool"]', "not found in the provided package locations"),
    pytest.param('["devtool"]', "Failed to build", marks=pytest.mark.slow, id="build error"),
    ('["gone @ git+file:///nonexistent/gone.git"]', "Git operation failed"),
])
def test_uv_failure_pip_would_share_is_not_retried(tmp_path, env, dev_group, uv_says):
    project = pep621_project(tmp_path / "proj", "flit", "proj", f"""
        [dependency-groups]
        dev = {dev_group}
        """)
    if uv_says == "Failed to build":
        (tmp_path / "impossible.txt").write_text("flit_core<1\n")
        env = {**env, "PIP_BUILD_CONSTRAINT": str(tmp_path / "impossible.txt")}
    result = install(project, env, expect=5)
    assert "retrying once with pip" not in result.stderr
    assert uv_says in result.stdout + result.stderr
    errors = error_lines(result)
    if uv_says == "Failed to build":  # the build's cause is quoted (test_failure_cause.py)
        assert errors == ["installdev: error: uv pip install failed building the project: Because you require "
                          "flit-core>=3.4 and flit-core<1, we can conclude that your requirements are unsatisfiable. "
                          "(the full output is above): fix the cause and re-run"], result.stderr
    else:
        assert len(errors) == 1 and errors[0].startswith("installdev: error: uv pip install failed (error: "), result.stderr
    assert result.stderr.splitlines()[-1] == errors[0]
    assert not (project / "venv").exists()
