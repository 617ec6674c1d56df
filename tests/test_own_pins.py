"""The project's own pin gives way to the editable project (#22, item 5).

End to end with real pip and real uv, offline from the session wheelhouse: a hatchling project ``demo`` 2.0.dev0 whose
pip-compiled development files pin ``demo==1.0`` (a release the wheelhouse does not hold, as aiohttp 3.14.3 is no
match for a 4.0.0a2 checkout). Then the copies themselves: which lines name the project, and how paths are rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import install_dev
from installdev.actions.installer import InstallSpec
from installdev.actions.own_pins import own_pins_dropped, own_requirement
from installdev.actions.requirements_copy import copy_requirement_files
from installdev.report import Reporter
from projects import installed_versions, pep621_project

TOOLS = ("demo", "devtool", "testtool", "reqtool")
PYTHON = sys.version_info[:3]


def demo_project(directory: Path) -> Path:
    """``demo`` 2.0.dev0 (hatchling) with the extras ``speedups`` (testtool) and ``docs`` (devtool)."""
    project = pep621_project(directory, "hatchling", "demo", """\
        [project.optional-dependencies]
        speedups = ["testtool"]
        docs = ["devtool"]
        """)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1"', 'version = "2.0.dev0"'))
    return project


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` but the venv, with its content."""
    return {path.relative_to(directory).as_posix(): path.read_bytes() for path in sorted(directory.rglob("*"))
            if path.is_file() and path.relative_to(directory).parts[0] != "venv"}


def editable_location(venv: Path, name: str) -> Path:
    code = f"from importlib import metadata; print(metadata.distribution({name!r}).read_text('direct_url.json'))"
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60)
    document = json.loads(completed.stdout)
    assert document.get("dir_info", {}).get("editable") is True, document
    return Path(document["url"].removeprefix("file://"))


def wheel_hash(wheelhouse: Path, name: str, version: str) -> str:
    return "sha256:" + hashlib.sha256((wheelhouse / f"{name}-{version}-py3-none-any.whl").read_bytes()).hexdigest()


@pytest.fixture(params=["pip", "uv"])
def installer(request) -> str:
    if request.param == "uv":
        request.getfixturevalue("uv")  # fails under CI=true when uv is missing, else skips
    return request.param


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")
def test_the_own_pin_gives_way_in_every_file_and_the_tree_is_left_as_it_was(tmp_path, uv_env, installer):
    project = demo_project(tmp_path / "demo")
    (project / "requirements").mkdir()
    (project / "requirements-dev.txt").write_text(
        "#\n# pip-compile requirements-dev.in\n#\n-r requirements/base.txt\n-c requirements/constraints.txt\n"
        "demo==1.0\n    # via -r requirements-dev.in\ndevtool==1.0\n")
    (project / "requirements" / "base.txt").write_text('Demo==1.0 ; python_version >= "3"\nreqtool\n')
    (project / "requirements" / "constraints.txt").write_text("demo==1.0\nreqtool==1.0\n")
    given = tmp_path / "extra-requirements.txt"
    given.write_text("DEMO>=1,<2\n")
    before = tree(project)
    given_before = given.read_bytes()

    result = install_dev(project, uv_env, "--installer", installer, "-r", str(given))

    venv = project / "venv"
    assert installed_versions(venv, TOOLS) == {"demo": "2.0.dev0", "devtool": "1.0", "reqtool": "1.0"}
    assert editable_location(venv, "demo") == project
    lines = [line for line in result.stderr.splitlines() if "the project itself" in line]
    assert lines == [
        f"installdev: {given} pins DEMO>=1,<2, the project itself: the editable checkout is installed instead",
        "installdev: requirements-dev.txt pins demo==1.0, the project itself: the editable checkout is installed instead",
        'installdev: requirements/base.txt pins Demo==1.0 ; python_version >= "3", the project itself: the editable '
        "checkout is installed instead",
        "installdev: requirements/constraints.txt pins demo==1.0, the project itself: the editable checkout is installed "
        "instead",
    ]
    assert tree(project) == before, "nothing written into the project tree"
    assert given.read_bytes() == given_before
    again = install_dev(project, uv_env, "--installer", installer, "-r", str(given))
    assert f"{venv} is up to date" in again.stderr


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")
def test_a_hash_checked_file_stays_hash_checked_without_its_own_pin(tmp_path, uv_env, wheelhouse, installer):
    project = demo_project(tmp_path / "demo")
    requirements = project / "requirements-dev.txt"
    requirements.write_text(f"demo==1.0 \\\n    --hash=sha256:{'0' * 64}\n"
                            f"reqtool==1.0 \\\n    --hash={wheel_hash(wheelhouse, 'reqtool', '1.0')}\n")

    result = install_dev(project, uv_env, "--installer", installer)
    assert installed_versions(project / "venv", TOOLS) == {"demo": "2.0.dev0", "reqtool": "1.0"}
    assert "requirements-dev.txt pins demo==1.0, the project itself" in result.stderr

    requirements.write_text(f"demo==1.0 --hash=sha256:{'0' * 64}\n"
                            f"reqtool==2.0 --hash={wheel_hash(wheelhouse, 'reqtool', '1.0')}\n")
    wrong = install_dev(project, uv_env, "--installer", installer, expect=5)
    assert "hash" in (wrong.stdout + wrong.stderr).lower(), "reqtool is still checked against its hash"
    assert installed_versions(project / "venv", TOOLS) == {"demo": "2.0.dev0", "reqtool": "1.0"}


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")
def test_the_extras_of_an_own_pin_go_to_the_editable_install_when_its_marker_holds(tmp_path, uv_env, installer):
    project = demo_project(tmp_path / "demo")
    (project / "requirements-dev.txt").write_text(
        'demo[speedups]==1.0\ndemo[docs]==1.0 ; python_version < "3"\nreqtool==1.0\n')

    result = install_dev(project, uv_env, "--installer", installer)

    assert installed_versions(project / "venv", TOOLS) == {"demo": "2.0.dev0", "testtool": "1.0", "reqtool": "1.0"}
    assert ("installdev: requirements-dev.txt pins demo[speedups]==1.0, the project itself: the editable checkout is "
            "installed instead, with its extras speedups") in result.stderr
    assert ('installdev: requirements-dev.txt pins demo[docs]==1.0 ; python_version < "3", the project itself: the '
            "editable checkout is installed instead\n") in result.stderr


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")
def test_after_uv_sync_the_given_files_own_pin_gives_way_and_its_extras_are_named_as_not_added(tmp_path, uv_env, uv):
    project = demo_project(tmp_path / "demo")
    subprocess.run([uv, "lock"], cwd=project, env=uv_env, check=True, capture_output=True, timeout=300)
    given = tmp_path / "extra-requirements.txt"
    given.write_text("demo[speedups]==1.0\nreqtool==1.0\n")

    result = install_dev(project, uv_env, "-r", str(given))

    assert "uv sync from" in result.stderr
    assert installed_versions(project / "venv", TOOLS) == {"demo": "2.0.dev0", "reqtool": "1.0"}
    assert editable_location(project / "venv", "demo") == project
    assert (f"installdev: {given} pins demo[speedups]==1.0, the project itself: the editable checkout is installed "
            "instead; its extras speedups are not added (the project is installed in a step of its own)") in result.stderr


def spec_for(project: Path, requirements: tuple[Path, ...], constraints: tuple[Path, ...] = (), *,
             editable: bool = True) -> InstallSpec:
    return InstallSpec(project, (), requirements, (), constraints, (), editable_project=editable, project_name="demo")


class Lines(Reporter):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)


def test_without_the_project_in_the_same_run_its_pins_extras_are_named_as_not_added(tmp_path):
    requirements = tmp_path / "requirements-dev.txt"
    requirements.write_text("demo[speedups]==1.0\nreqtool==1.0\n")
    reporter = Lines()
    with own_pins_dropped(spec_for(tmp_path, (requirements,), editable=False), PYTHON, reporter) as spec:
        copy = spec.requirement_files[0]
        assert copy.read_text() == "reqtool==1.0\n"
        assert spec.extras == ()
    assert not copy.parent.exists(), "the copies are removed afterwards"
    assert reporter.lines == ["requirements-dev.txt pins demo[speedups]==1.0, the project itself: the editable checkout "
                              "is installed instead; its extras speedups are not added (the project is installed in a "
                              "step of its own)"]


def test_a_constraint_pin_only_drops_and_its_extras_are_not_added(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("demo[speedups]==1.0\n")
    reporter = Lines()
    with own_pins_dropped(spec_for(tmp_path, (), (constraints,)), PYTHON, reporter) as spec:
        assert spec.constraint_files[0].read_text() == ""
        assert spec.extras == ()
    assert reporter.lines == ["constraints.txt pins demo[speedups]==1.0, the project itself: the editable checkout is "
                              "installed instead"]


def test_files_without_an_own_pin_are_given_as_they_are(tmp_path):
    requirements = tmp_path / "requirements-dev.txt"
    requirements.write_text("demonstration==1.0\ndemo-tools\n./demo\n-e .\n")
    spec = spec_for(tmp_path, (requirements,))
    with own_pins_dropped(spec, PYTHON, Lines()) as given:
        assert given is spec
    unnamed = spec._replace(project_name=None)
    with own_pins_dropped(unnamed, PYTHON, Lines()) as given:
        assert given is unnamed


@pytest.mark.parametrize(("line", "names"), [
    ("demo==1.0", True), ("DeMo==1.0 --hash=sha256:00", True), ('demo ; python_version < "3.13"', True),
    ("demo[a,b]>=1", True), ("demo @ https://example.invalid/demo-1.0.tar.gz", True), ("DEMO", True),
    ("demo-tools==1.0", False), ("demonstration", False), ("-e .", False), ("./demo", False),
    ("https://example.invalid/demo-1.0.tar.gz", False), ("--hash=sha256:00", False), ("demo==", False),
])
def test_which_lines_name_the_project(line, names):
    assert (own_requirement(line, "demo") is not None) is names


def test_names_are_compared_normalized():
    assert own_requirement("My_Demo.Lib==1.0", "my-demo-lib") is not None
    assert own_requirement("my-demo==1.0", "my-demo-lib") is None


def test_copies_resolve_their_paths_from_anywhere_and_keep_everything_else(tmp_path, monkeypatch):
    project = tmp_path / "proj"
    (project / "requirements").mkdir(parents=True)
    (project / "lib").mkdir()
    (project / "requirements" / "wheels").mkdir()
    monkeypatch.setenv("INDEX_TOKEN", "secret")
    top = project / "requirements" / "dev.txt"
    top.write_text(
        "# comment\n-r base.txt\n--constraint=pins.txt\n-rhttps://example.invalid/r.txt\n"
        "-e ./lib\n-e ../missing\n./lib[extra] ; python_version > '3'\nfile:lib\n"
        "-f wheels\n--index-url https://${INDEX_TOKEN}@example.invalid/simple\n"
        "reqtool==1.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n"
        "demo==1.0\nlibtool @ ./lib\n")
    (project / "requirements" / "base.txt").write_text("-r dev.txt\ndemo\nreqtool\n")
    (project / "requirements" / "pins.txt").write_text("reqtool==1.0\n")
    original = top.read_bytes()

    copies = copy_requirement_files((top,), (), lambda line: own_requirement(line, "demo") is not None, project)
    try:
        base, pins = (project / "requirements" / "base.txt").resolve(), (project / "requirements" / "pins.txt").resolve()
        assert set(copies.copies) == {top, base, pins}
        assert stat.S_IMODE(os.stat(copies.directory).st_mode) == 0o700
        assert copies.copies[top].read_text().splitlines() == [
            f"-r {copies.copies[base]}", f"--constraint={copies.copies[pins]}", "-rhttps://example.invalid/r.txt",
            f"-e {project / 'lib'}", "-e ../missing", f"{project / 'lib'}[extra] ; python_version > '3'",
            (project / "lib").as_uri(), f"-f {project / 'requirements' / 'wheels'}",
            "--index-url https://${INDEX_TOKEN}@example.invalid/simple",
            "reqtool==1.0     --hash=sha256:aa     --hash=sha256:bb", f"libtool @ {project / 'lib'}",
        ]
        assert copies.copies[base].read_text() == f"-r {copies.copies[top]}\nreqtool\n", "an include cycle is copied once"
        assert [(line.file, line.line, line.constraint_only) for line in copies.dropped] == [
            (top, "demo==1.0", False), (base, "demo", False)]
    finally:
        copies.remove()
    assert not copies.directory.exists()
    assert top.read_bytes() == original


def test_the_project_name_comes_from_its_static_metadata(tmp_path):
    from installdev.request.project.own_name import own_distribution_name

    assert own_distribution_name({"project": {"name": "Demo_Lib"}}, tmp_path) == "demo-lib"
    assert own_distribution_name({"tool": {"poetry": {"name": "Poetry.App"}}}, tmp_path) == "poetry-app"
    assert own_distribution_name({}, tmp_path) is None, "a setup.py alone: its name is not read"
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = Cfg_Demo\nversion = attr: cfg_demo.__version__\n")
    assert own_distribution_name({}, tmp_path) == "cfg-demo"
    assert own_distribution_name({"project": {"name": "first"}}, tmp_path) == "first"
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = attr: pkg.NAME\n")
    assert own_distribution_name({}, tmp_path) is None
