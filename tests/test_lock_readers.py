"""The pure parts of locked installs: which lock applies, the method chosen and its errors, and the lock readers
(uv.lock, poetry.lock, pylock.toml and the groups a development venv takes from it) on small hand-written locks in each
format, evaluated for a Linux and a Windows interpreter. pdm.lock has its own file, test_pdm_lock.py."""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap
from pathlib import Path

import pytest
from installdev.errors import ProjectError, UsageError
from installdev.request.locks import pylock, rules
from installdev.request.locks.lockedset import requirement_texts, target_environment
from installdev.request.locks.poetry import content_hash, is_fresh, read_poetry_lock
from installdev.request.locks.pylock import read_pylock
from installdev.request.locks.rules import LockKind
from installdev.request.locks.uv import read_uv_lock
from installdev.request.project.model import Project, load_project
from installdev.request.project.uv_workspace import find_uv_workspace
from installdev.request.selection import InstallMethod, choose_locked_install
from installdev.request.settings.options import Options
from installdev.request.settings.resolve import resolve_settings


def find_lock(directory: Path, pyproject: dict):
    return rules.find_lock(Project.of(directory, pyproject))


def group_selection(lock: Path, pyproject: dict, directory: Path, asked: tuple[str, ...] | None):
    return pylock.group_selection(lock, Project.of(directory, pyproject).declarations, asked)


def lock_input_files(directory: Path) -> list[Path]:
    return rules.lock_input_files(Project(directory))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def settings_for(directory: Path, **options):
    return resolve_settings(Options(project_dir=str(directory), **options), load_project(directory), {})


def linux(extras=(), groups=()):
    return {**target_environment((3, 11, 7), extras, groups), "sys_platform": "linux", "platform_system": "Linux"}


def windows(extras=(), groups=()):
    return {**target_environment((3, 11, 7), extras, groups), "sys_platform": "win32", "platform_system": "Windows"}


# ------------------------------------------------------------------------------------------------------------------
# Which lock, and which method


def test_the_lock_its_own_tool_would_use(tmp_path):
    project = write(tmp_path / "p" / "pyproject.toml", '[project]\nname = "p"\n[tool.poetry]\n').parent
    assert find_lock(project, {"project": {}}) is None
    write(project / "poetry.lock", "")
    assert find_lock(project, {"tool": {"poetry": {}}}).kind == LockKind.POETRY
    write(project / "pylock.dev.toml", "")
    assert find_lock(project, {"tool": {"poetry": {}}}).path == project / "pylock.dev.toml"
    write(project / "pylock.docs.toml", "")
    with pytest.raises(ProjectError, match=r"several PEP 751 locks \(pylock.dev.toml, pylock.docs.toml\) and no pylock.toml"):
        find_lock(project, {})
    write(project / "pylock.toml", "")
    assert find_lock(project, {}).path == project / "pylock.toml"
    write(project / "pdm.lock", "")
    assert find_lock(project, {}).kind == LockKind.PDM, "pdm installs from pdm.lock unless configured for pylock"
    write(project / "uv.lock", "")
    assert find_lock(project, {"project": {}}).kind == LockKind.UV
    assert find_lock(project, {}).kind == LockKind.PDM, "uv needs a [project] table"
    assert set(lock_input_files(project)) == {project / name for name in (
        "uv.lock", "pdm.lock", "pylock.toml", "pylock.dev.toml", "pylock.docs.toml", "poetry.lock")}
    (project / "pyproject.toml").unlink()
    assert find_lock(project, {}).kind == LockKind.PYLOCK, "a pdm.lock is pdm's beside a pyproject.toml only"


def test_a_uv_workspace_member_uses_the_workspace_lock(tmp_path):
    root = write(tmp_path / "pyproject.toml", """\
        [tool.uv.workspace]
        members = ["libs/*"]
        exclude = ["libs/own"]
        """).parent
    member = write(root / "libs" / "one" / "pyproject.toml", '[project]\nname = "one"\n').parent
    excluded = write(root / "libs" / "own" / "pyproject.toml", '[project]\nname = "own"\n').parent
    write(root / "uv.lock", "")

    assert find_uv_workspace(member).root == root
    assert find_lock(member, {"project": {}}).path == root / "uv.lock"
    assert lock_input_files(member) == [root / "uv.lock", root / "pyproject.toml"]
    assert find_uv_workspace(excluded) is None and find_lock(excluded, {"project": {}}) is None


def test_the_method_and_its_errors(tmp_path):
    project = write(tmp_path / "p" / "pyproject.toml", """\
        [project]
        name = "p"
        optional-dependencies = {cli = ["x"]}
        [dependency-groups]
        dev = ["devtool"]
        test = ["testtool"]
        """).parent
    assert choose_locked_install(settings_for(project), uv_installs=True).method == InstallMethod.RESOLVE
    with pytest.raises(UsageError, match=r"--locked, but .* has no lock file"):
        choose_locked_install(settings_for(project, locked=True), uv_installs=True)
    with pytest.raises(UsageError, match="exclude each other"):
        settings_for(project, locked=True, frozen=True)

    write(project / "uv.lock", "")
    chosen = choose_locked_install(settings_for(project), uv_installs=True)
    assert chosen.method == InstallMethod.UV_SYNC and chosen.selection.groups is None
    assert chosen.selection.reason == "uv sync's default: groups dev, no extras"
    asked = choose_locked_install(settings_for(project, extras=("cli",), groups=("Test",)), uv_installs=True).selection
    assert (asked.extras, asked.groups, asked.reason) == (("cli",), ("dev", "test"), "asked for: --group test --extra cli")
    with pytest.raises(ProjectError, match="declares no extra docs"):
        choose_locked_install(settings_for(project, extras=("docs",)), uv_installs=True)
    assert choose_locked_install(settings_for(project), uv_installs=False).method == InstallMethod.UV_LOCK_READ
    with pytest.raises(UsageError, match=r"--locked: checking .* needs uv"):
        choose_locked_install(settings_for(project, locked=True), uv_installs=False)


# ------------------------------------------------------------------------------------------------------------------
# uv.lock


UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "app"
version = "0.1"
source = { virtual = "." }
dependencies = [
    { name = "colorama", marker = "sys_platform == 'win32'" },
    { name = "lib", extra = ["fast"] },
    { name = "numpy", version = "1.26.4", marker = "python_full_version < '3.12'" },
    { name = "numpy", version = "2.3.0", marker = "python_full_version >= '3.12'" },
]

[package.optional-dependencies]
cli = [{ name = "tool", source = { git = "https://example.invalid/tool.git?rev=v1#0123abcd" } }]

[package.dev-dependencies]
dev = [{ name = "devtool" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example.invalid/colorama.whl", hash = "sha256:aa" }]

[[package]]
name = "devtool"
version = "1.0"
source = { registry = "wheels" }
wheels = [{ path = "devtool-1.0-py3-none-any.whl" }]

[[package]]
name = "lib"
version = "0.2"
source = { editable = "../lib" }

[package.optional-dependencies]
fast = [{ name = "speedup" }]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example.invalid/numpy-1.26.4.tar.gz", hash = "sha256:11" }
wheels = [{ url = "https://files.example.invalid/numpy-1.26.4.whl", hash = "sha256:22" }]

[[package]]
name = "numpy"
version = "2.3.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example.invalid/numpy-2.3.0.tar.gz", hash = "sha256:33" }

[[package]]
name = "speedup"
version = "3.0"
source = { registry = "https://mirror.example.invalid/simple" }
sdist = { url = "https://mirror.example.invalid/speedup-3.0.tar.gz", hash = "sha256:44" }

[[package]]
name = "tool"
version = "1.0"
source = { git = "https://example.invalid/tool.git?rev=v1#0123abcd" }
"""


def test_uv_lock_walk_follows_markers_extras_forks_and_sources(tmp_path):
    lock = write(tmp_path / "app" / "uv.lock", UV_LOCK)

    default = read_uv_lock(lock, "app", (), ("dev",), linux())
    assert [package.line for package in default.packages] == [
        f"-e {tmp_path / 'lib'}", "numpy==1.26.4", "devtool==1.0", "speedup==3.0"]
    assert default.index_options == (f"--find-links {tmp_path / 'app' / 'wheels'}",
                                     "--extra-index-url https://mirror.example.invalid/simple")
    assert default.directories() == [tmp_path / "lib"], "the virtual project itself installs nothing"

    on_windows = read_uv_lock(lock, "app", ("cli",), (), {**windows(), "python_full_version": "3.12.1"})
    assert sorted(package.line for package in on_windows.packages) == sorted([
        "colorama==0.4.6", f"-e {tmp_path / 'lib'}", "numpy==2.3.0", "speedup==3.0",
        "tool @ git+https://example.invalid/tool.git@0123abcd"])

    hashed, others = requirement_texts(default)
    assert "numpy==1.26.4 --hash=sha256:22 --hash=sha256:11\n" in hashed and "devtool==1.0\n" in others
    assert f"-e {tmp_path / 'lib'}\n" in others and "--hash" not in others

    with pytest.raises(ProjectError, match="does not lock the project 'other'"):
        read_uv_lock(lock, "other", (), (), linux())


# ------------------------------------------------------------------------------------------------------------------
# poetry.lock


def test_poetry_content_hash_of_a_classic_project_and_freshness(tmp_path):
    pyproject = {"tool": {"poetry": {"name": "x", "dependencies": {"python": "^3.10", "reqtool": "^1.0"},
                                     "group": {"dev": {"dependencies": {"devtool": "*"}}}}}}
    # classic layout: the relevant [tool.poetry] keys at top level, the legacy ones even when absent
    expected = hashlib.sha256(json.dumps({
        "dependencies": {"python": "^3.10", "reqtool": "^1.0"}, "source": None, "extras": None,
        "dev-dependencies": None, "group": {"dev": {"dependencies": {"devtool": "*"}}}}, sort_keys=True).encode()).hexdigest()
    assert content_hash(pyproject) == expected
    lock = write(tmp_path / "poetry.lock", f'[metadata]\nlock-version = "2.1"\ncontent-hash = "{expected}"\n')
    assert is_fresh(lock, pyproject)
    pyproject["tool"]["poetry"]["dependencies"]["testtool"] = "*"
    assert not is_fresh(lock, pyproject)


def test_poetry_lock_groups_markers_per_group_and_extras(tmp_path):
    lock = write(tmp_path / "poetry.lock", """\
        [[package]]
        name = "requests"
        version = "2.0"
        optional = false
        python-versions = "*"
        groups = ["main", "dev"]
        markers = {main = "sys_platform == 'win32'"}
        files = [{file = "requests-2.0.whl", hash = "sha256:aa"}]

        [[package]]
        name = "pendulum"
        version = "3.0"
        optional = true
        python-versions = "*"
        groups = ["main"]
        markers = 'extra == "time"'
        files = []

        [[package]]
        name = "docs-tool"
        version = "1.0"
        optional = false
        python-versions = "*"
        groups = ["docs"]
        files = []

        [[package]]
        name = "sibling"
        version = "0.1"
        optional = false
        python-versions = "*"
        groups = ["main"]
        files = []
        develop = true

        [package.source]
        type = "directory"
        url = "../sibling"

        [extras]
        time = ["pendulum"]

        [metadata]
        lock-version = "2.1"
        python-versions = "*"
        content-hash = "x"
        """)

    def names(groups, extras, environment):
        return [package.line for package in read_poetry_lock(lock, groups, extras, environment).packages]

    assert names((), (), linux()) == [f"-e {tmp_path.parent / 'sibling'}"]
    assert names(("dev",), (), linux()) == ["requests==2.0", f"-e {tmp_path.parent / 'sibling'}"], "dev has no marker"
    assert names((), ("time",), windows()) == ["requests==2.0", "pendulum==3.0", f"-e {tmp_path.parent / 'sibling'}"]
    assert "docs-tool==1.0" in names(("docs",), (), linux())


# ------------------------------------------------------------------------------------------------------------------
# pylock.toml


def test_pylock_markers_groups_extras_and_sources(tmp_path):
    lock = write(tmp_path / "proj" / "pylock.toml", """\
        lock-version = "1.0"
        created-by = "hand"
        extras = ["cli"]
        dependency-groups = ["dev", "docs"]
        default-groups = ["dev"]

        [[packages]]
        name = "proj"
        directory = { path = ".", editable = true }

        [[packages]]
        name = "devtool"
        version = "1.0"
        marker = "'dev' in dependency_groups"
        wheels = [{ path = "../wheels/devtool-1.0-py3-none-any.whl", hashes = { sha256 = "aa" } }]

        [[packages]]
        name = "sphinx"
        version = "8.0"
        marker = "'docs' in dependency_groups"
        index = "https://pypi.org/simple"
        sdist = { url = "https://files.example.invalid/sphinx-8.0.tar.gz", hashes = { sha256 = "bb" } }

        [[packages]]
        name = "click"
        version = "8.1"
        marker = "'cli' in extras and sys_platform == 'linux'"
        archive = { url = "https://example.invalid/click-8.1.zip", hashes = { sha256 = "cc" } }
        """)

    default = read_pylock(lock, (3, 11, 7), (), None)
    assert [package.line for package in default.packages] == [f"-e {tmp_path / 'proj'}", "devtool==1.0"]
    assert default.index_options == (f"--find-links {tmp_path / 'wheels'}",)
    assert default.packages[1].hashes == ("sha256:aa",)

    asked = read_pylock(lock, (3, 11, 7), ("cli",), ("docs",))
    lines = [package.line for package in asked.packages]
    assert "sphinx==8.0" in lines and "devtool==1.0" not in lines
    assert ("click @ https://example.invalid/click-8.1.zip" in lines) == sys.platform.startswith("linux")

    write(lock, 'lock-version = "2.0"\n')
    with pytest.raises(ProjectError, match=r"not a PEP 751 lock of version 1\.x"):
        read_pylock(lock, (3, 11, 7), (), None)


# pdm's export: "default" is its synthetic group for the project's dependencies, "dev" a [dependency-groups] group
PDM_PYLOCK = """\
    lock-version = "1.0"
    created-by = "pdm"
    dependency-groups = ["default", "dev"]
    default-groups = ["default"]

    [[packages]]
    name = "typing-extensions"
    version = "4.15.0"
    marker = '"default" in dependency_groups and python_version < "3.12"'

    [[packages]]
    name = "pytest"
    version = "8.4.2"
    marker = '"dev" in dependency_groups'
    """


def test_a_development_venv_takes_the_pylocks_default_groups_and_the_projects_default_groups(tmp_path):
    project = write(tmp_path / "h11" / "pyproject.toml", """\
        [project]
        name = "h11"
        [dependency-groups]
        dev = ["pytest"]
        docs = ["sphinx"]
        """).parent
    lock = write(project / "pylock.toml", PDM_PYLOCK)
    pyproject = load_project(project).pyproject

    assert group_selection(lock, pyproject, project, None) == (("default", "dev"), (
        "pylock.toml's default-groups default, plus the project's default development group dev (uv sync's default), "
        "no extras"))
    assert group_selection(lock, pyproject, project, ("docs",)) == (
        ("default", "docs"), "; plus pylock.toml's default (its group for the project's dependencies)")
    assert group_selection(lock, pyproject, project, ()) == (
        ("default",), "; plus pylock.toml's default (its group for the project's dependencies)")
    assert [package.line for package in read_pylock(lock, (3, 11, 7), (), ("default", "dev")).packages] == [
        "typing-extensions==4.15.0", "pytest==8.4.2"]

    chosen = choose_locked_install(settings_for(project), uv_installs=True)
    assert (chosen.method, chosen.selection.groups) == (InstallMethod.PYLOCK, ("default", "dev"))
    assert chosen.selection.reason.startswith("pylock.toml's default-groups default, plus the project's default")
    alone = choose_locked_install(settings_for(project, no_default_groups=True), uv_installs=True).selection
    assert (alone.groups, alone.reason) == (("default",), "asked for: --no-default-groups; plus pylock.toml's default (its "
                                            "group for the project's dependencies)")

    write(lock, PDM_PYLOCK.replace('"default"]\n', '"dev"]\n', 1).replace('["default", "dev"]', '["dev"]'))
    assert group_selection(lock, pyproject, project, ()) == ((), "")
    emptied = choose_locked_install(settings_for(project, no_default_groups=True), uv_installs=True)
    assert emptied.method == InstallMethod.PYLOCK_READ, "given no --group, uv pip install would install default-groups"
    assert emptied.reason.endswith("read by installdev, installed with uv (given no group, uv pip install -r would "
                                   "install the lock's default-groups)")
