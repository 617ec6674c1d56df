"""Locked projects end to end: the venv gets exactly the lock's versions (uv.lock through uv sync or read by installdev,
pylock.toml, also as pdm exports it, poetry.lock, hashed requirement files), a lock edit rebuilds, --locked refuses a
stale lock before anything is built, and uv sync never swaps installdev's venv for one of its own (pdm.lock:
test_pdm_lock.py).

Real virtualenv, uv and pip, real hatchling and poetry-core builds, offline from the session wheelhouse. The locks are
real: ``uv lock`` / ``uv export`` made here; the poetry.lock is written in poetry's format 2.1 (poetry is not
installed), with the content-hash computed as poetry documents it. Each lock pins ``reqtool`` 1.0 where resolving
afresh would take 2.0, so a venv that ignores the lock shows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import install_dev
from installdev.actions.locked_install import venv_identity
from projects import installed_versions, pep621_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="venvs are checked through bin/python")]

TOOLS = ("devtool", "testtool", "reqtool", "lib", "app", "poetryapp", "pyapp")


def installed(venv: Path) -> dict[str, str]:
    """The fixture distributions in ``venv`` and their versions."""
    return installed_versions(venv, TOOLS)


@pytest.fixture
def env(uv_env: dict[str, str]) -> dict[str, str]:
    return uv_env


def uv_run(uv: str, directory: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    completed = subprocess.run([uv, *args], cwd=directory, env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return completed


def editable_location(venv: Path, name: str) -> Path:
    """Where the editable install of ``name`` points (its direct_url.json)."""
    code = f"from importlib import metadata; print(metadata.distribution({name!r}).read_text('direct_url.json'))"
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=60)
    document = json.loads(completed.stdout)
    assert document.get("dir_info", {}).get("editable") is True, document
    return Path(document["url"].removeprefix("file://"))


def locked_uv_project(root: Path, uv: str, env: dict[str, str]) -> Path:
    """``app`` (hatchling) depending on ``lib`` through a [tool.uv.sources] path, with groups dev and test, an extra
    ``cli``, and a uv.lock pinning reqtool 1.0 although the project accepts any version."""
    lib = pep621_project(root / "lib", "hatchling", "lib")
    (lib / "pyproject.toml").write_text((lib / "pyproject.toml").read_text().replace(
        'description = "A hatchling fixture project"', 'description = "lib"\ndependencies = ["reqtool"]'))
    app = pep621_project(root / "app", "hatchling", "app", """
        [project.optional-dependencies]
        cli = ["testtool"]

        [dependency-groups]
        dev = ["devtool"]
        test = ["testtool"]

        [tool.uv.sources]
        lib = { path = "../lib", editable = true }
        """, requires_python=">=3.10")
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(text.replace('requires-python = ">=3.10"',
                                                     'requires-python = ">=3.10"\ndependencies = ["lib", "reqtool<2"]'))
    uv_run(uv, app, env, "lock")
    (app / "pyproject.toml").write_text(text.replace('requires-python = ">=3.10"',
                                                     'requires-python = ">=3.10"\ndependencies = ["lib", "reqtool"]'))
    uv_run(uv, app, env, "lock")  # still reqtool 1.0: uv keeps a locked version the project still accepts
    assert '"reqtool"\nversion = "1.0"' in (app / "uv.lock").read_text().replace("name = ", "")
    return app


# ------------------------------------------------------------------------------------------------------------------
# uv.lock


def test_uv_lock_gives_the_locked_versions_and_uv_syncs_default_groups(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)

    result = install_dev(app, env)

    venv = app / "venv"
    assert installed(venv) == {"app": "0.1", "lib": "0.1", "reqtool": "1.0", "devtool": "1.0"}
    assert editable_location(venv, "lib") == tmp_path / "lib", "the [tool.uv.sources] path source, editable"
    # uv installs into a symlinks venv without pip: uv venv made it, in the directory installdev claimed
    assert "(symlinks, uv)" in result.stderr and "\nuv = " in (venv / "pyvenv.cfg").read_text()
    assert (venv / "bin" / "python").is_symlink() and (venv / ".installdev-venv").is_file()
    assert not (venv / "bin" / "pip").exists()
    assert ("uv sync fills the venv, checked against pyproject.toml first (--locked); uv sync's default: groups dev, "
            "no extras") in result.stderr
    stamp = json.loads((venv / ".installdev-stamp.json").read_text())
    assert str(app / "uv.lock") in stamp["inputs"]["files"]
    assert stamp["inputs"]["linked"] == [str(tmp_path / "lib" / "pyproject.toml")]

    without_lock = tmp_path / "unlocked"  # a sibling of app: its "../lib" source is the same lib
    shutil.copytree(app, without_lock, ignore=shutil.ignore_patterns("venv", "uv.lock"))
    install_dev(without_lock, env, "--venv", str(tmp_path / "unlocked-venv"))
    assert installed(tmp_path / "unlocked-venv")["reqtool"] == "2.0", "what resolving afresh gives: the lock mattered"


def test_uv_lock_selection_flags_change_the_default_as_uv_sync_does(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)
    install_dev(app, env)
    default = installed(app / "venv")

    install_dev(app, env, "--extra", "cli", "--group", "test")
    assert installed(app / "venv") == {**default, "testtool": "1.0"}, "--extra and --group add to the default groups"

    install_dev(app, env, "--group", "test", "--no-dev")
    assert installed(app / "venv") == {"app": "0.1", "lib": "0.1", "reqtool": "1.0", "testtool": "1.0"}

    install_dev(app, env, "--only-group", "test")
    assert installed(app / "venv") == {"testtool": "1.0"}, "uv sync --only-group: neither the project nor its dependencies"

    install_dev(app, env, "--no-default-groups")
    assert installed(app / "venv") == {"app": "0.1", "lib": "0.1", "reqtool": "1.0"}

    undeclared = install_dev(app, env, "--group", "docs", expect=6)
    assert "declares no group 'docs'" in undeclared.stderr


SELECTIONS = [(), ("--group", "test"), ("--no-dev",), ("--extra", "cli", "--no-dev"), ("--all-groups",),
              ("--all-extras",), ("--no-default-groups", "--group", "test"), ("--no-group", "dev", "--group", "test"),
              ("--only-group", "test")]


@pytest.mark.parametrize("flags", SELECTIONS, ids=[" ".join(flags) or "default" for flags in SELECTIONS])
def test_selection_flags_install_what_uv_sync_installs_with_and_without_the_lock(tmp_path, uv, env, flags):
    """The same flags, the same packages: uv sync itself, installdev filling its venv from the lock with uv sync, and
    installdev resolving a copy of the project without its lock."""
    app = locked_uv_project(tmp_path, uv, env)
    unlocked = tmp_path / "unlocked"  # a sibling of app: its "../lib" source is the same lib
    shutil.copytree(app, unlocked, ignore=shutil.ignore_patterns("uv.lock"))
    uv_env = {**env, "UV_PROJECT_ENVIRONMENT": str(tmp_path / "uv-venv")}
    uv_run(uv, app, uv_env, "sync", "--frozen", *flags)

    install_dev(app, env, *flags)
    install_dev(unlocked, env, *flags)

    expected = set(installed(tmp_path / "uv-venv"))
    assert set(installed(app / "venv")) == expected
    assert set(installed(unlocked / "venv")) == expected
    assert "is up to date" in install_dev(unlocked, env, *flags).stderr


def test_a_lock_edit_rebuilds_with_the_new_versions(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)
    install_dev(app, env)
    assert "is up to date" in install_dev(app, env).stderr

    uv_run(uv, app, env, "lock", "--upgrade-package", "reqtool")

    rebuilt = install_dev(app, env)
    assert f"{app / 'uv.lock'} changed" in rebuilt.stderr
    assert installed(app / "venv")["reqtool"] == "2.0"


def test_a_lock_edit_or_a_group_switch_updates_the_venv_in_place_with_uv_sync(tmp_path, uv, env):
    """uv sync is exact: an update removes what the lock's selection no longer names (#25, item 3); uv sync's dry run
    names what goes, so only that is saved in the undo journal."""
    app = locked_uv_project(tmp_path, uv, env)
    install_dev(app, env)
    uv_run(uv, app, env, "lock", "--upgrade-package", "reqtool")
    upgraded = install_dev(app, env)
    assert "updating it in place" in upgraded.stderr
    assert "saving what the update replaces (1 to remove, 1 to install)" in upgraded.stderr, upgraded.stderr
    assert installed(app / "venv")["reqtool"] == "2.0"
    with_test = install_dev(app, env, "--group", "test")
    assert "updating it in place" in with_test.stderr and "testtool" in installed(app / "venv")
    back = install_dev(app, env)
    assert "updating it in place" in back.stderr and "testtool" not in installed(app / "venv")


def test_a_failed_uv_sync_update_keeps_the_previous_venv(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)
    install_dev(app, env)
    stamp = (app / "venv" / ".installdev-stamp.json").read_text()
    lock = app / "uv.lock"
    locked = lock.read_text()
    lock.write_text(locked.replace('name = "devtool"\nversion = "1.0"', 'name = "devtool"\nversion = "9.9"'))
    failed = install_dev(app, env, "--frozen", expect=5)
    assert "updating it in place" in failed.stderr
    assert (app / "venv" / ".installdev-stamp.json").read_text() == stamp
    assert installed(app / "venv")["devtool"] == "1.0"
    assert not (app / "venv.installdev-previous").exists()


@pytest.mark.parametrize("flags", [(), ("--locked",)])
def test_a_stale_lock_fails_and_builds_nothing_with_or_without_locked(tmp_path, uv, env, flags):
    """installdev never re-locks: uv sync always gets --locked, unless --frozen."""
    app = locked_uv_project(tmp_path, uv, env)
    (app / "pyproject.toml").write_text((app / "pyproject.toml").read_text().replace('"reqtool"]', '"reqtool", "testtool"]'))
    lock_before = (app / "uv.lock").read_bytes()

    result = install_dev(app, env, *flags, expect=6)

    errors = [line for line in result.stderr.splitlines() if line.startswith("installdev: error:")]
    assert errors == [f"installdev: error: {app / 'uv.lock'} is out of date with pyproject.toml, as `uv sync --locked` "
                      "says: run `uv lock`, or pass --frozen to install it as it is"]
    assert not (app / "venv").exists()
    assert (app / "uv.lock").read_bytes() == lock_before

    frozen = install_dev(app, env, "--frozen")
    assert "testtool" not in installed(app / "venv"), "--frozen installs the lock as it is"
    assert (app / "uv.lock").read_bytes() == lock_before
    assert install_dev(app, env, expect=6).stderr.count("is out of date with pyproject.toml") == 1
    assert (app / "uv.lock").read_bytes() == lock_before and frozen.returncode == 0


def test_a_copies_venv_stays_copies_and_is_the_venv_installdev_made(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)
    (app / ".python-version").write_text(f"{sys.version_info[0]}.{sys.version_info[1]}\n")

    install_dev(app, env, "--copies")

    venv = app / "venv"
    python = venv / "bin" / "python"
    assert python.is_file() and not python.is_symlink(), "copies, not uv's symlinks"
    config = (venv / "pyvenv.cfg").read_text()
    assert "virtualenv = " in config and "\nuv = " not in config, "virtualenv's venv, not one uv recreated"
    assert (venv / ".installdev-venv").is_file()
    assert json.loads((venv / ".installdev-stamp.json").read_text())["decision"]["mode"] == "copies"
    assert installed(venv)["reqtool"] == "1.0"


def test_a_venv_replaced_by_uv_no_longer_has_the_identity_installdev_checks(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)
    install_dev(app, env, "--copies")
    made = venv_identity(app / "venv")
    assert made is not None and made.marked and not made.python[2]

    subprocess.run([uv, "venv", "--clear", str(app / "venv")], env=env, check=True, capture_output=True, timeout=120)

    replaced = venv_identity(app / "venv")
    assert replaced != made and not replaced.marked and replaced.python[2], "uv's own venv: unmarked, symlinked python"


def test_without_uv_installdev_reads_uv_lock_and_pip_installs_it(tmp_path, uv, env):
    app = locked_uv_project(tmp_path, uv, env)

    result = install_dev(app, env, "--installer", "pip")

    assert "uv is not the installer, so installdev reads the lock and pip installs exactly its packages" in result.stderr
    assert installed(app / "venv") == {"app": "0.1", "lib": "0.1", "reqtool": "1.0", "devtool": "1.0"}
    assert editable_location(app / "venv", "lib") == tmp_path / "lib"

    refused = install_dev(app, env, "--installer", "pip", "--locked", "--force", expect=2)
    assert "--locked: checking" in refused.stderr and "needs uv" in refused.stderr


def test_locked_or_frozen_without_a_lock_is_a_usage_error(tmp_path, env):
    project = pep621_project(tmp_path / "plain", "hatchling", "plain", '\n[dependency-groups]\ndev = ["devtool"]\n')
    for flag in ("--locked", "--frozen"):
        result = install_dev(project, env, flag, expect=2)
        assert f"{flag}, but {project} has no lock file" in result.stderr
    assert not (project / "venv").exists()
    both = install_dev(project, env, "--locked", "--frozen", expect=2)
    assert "not allowed with argument" in both.stderr


def test_a_lock_appearing_rebuilds(tmp_path, uv, env):
    project = pep621_project(tmp_path / "late", "hatchling", "late", '\n[dependency-groups]\ndev = ["devtool"]\n')
    install_dev(project, env)
    assert "is up to date" in install_dev(project, env).stderr

    uv_run(uv, project, env, "lock")

    assert f"{project / 'uv.lock'} is new" in install_dev(project, env).stderr


# ------------------------------------------------------------------------------------------------------------------
# pylock.toml, poetry.lock, hashed requirement files


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_pylock_gives_the_locked_versions(tmp_path, uv, env, installer):
    app = locked_uv_project(tmp_path, uv, env)
    uv_run(uv, app, env, "export", "--format", "pylock.toml", "--frozen", "-o", "pylock.toml")
    (app / "uv.lock").unlink()

    result = install_dev(app, env, "--installer", installer)

    expected = "uv pip install -r" if installer == "uv" else "read by installdev, installed with pip"
    assert f"{app / 'pylock.toml'}: {expected}" in result.stderr
    assert installed(app / "venv") == {"app": "0.1", "lib": "0.1", "reqtool": "1.0", "devtool": "1.0"}
    assert editable_location(app / "venv", "app") == app


def pdm_exported_pylock(root: Path, wheelhouse: Path) -> Path:
    """Fuyukai/h11's shape: a [dependency-groups] dev (uv's default dev group) and a pylock.toml exported by pdm,
    whose ``default`` group is the project's dependencies and its default-groups: reqtool 1.0 for ``default``,
    devtool for ``dev``, testtool for ``docs``."""
    project = pep621_project(root / "pyapp", "hatchling", "pyapp", """
        [dependency-groups]
        dev = ["devtool"]
        docs = ["testtool"]
        """)
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text.replace('description = "A hatchling fixture project"',
                                                         'description = "pyapp"\ndependencies = ["reqtool"]'))
    def package(name: str, group: str) -> str:
        wheel, digest = f"{name}-1.0-py3-none-any.whl", wheel_hash(wheelhouse, name, "1.0").removeprefix("sha256:")
        return (f'\n[[packages]]\nname = "{name}"\nversion = "1.0"\nmarker = \'"{group}" in dependency_groups\'\n'
                f'wheels = [{{name = "{wheel}", path = "{wheelhouse / wheel}", hashes = {{sha256 = "{digest}"}}}}]\n')

    packages = "".join(package(name, group) for name, group in (("reqtool", "default"), ("devtool", "dev"), ("testtool", "docs")))
    (project / "pylock.toml").write_text('lock-version = "1.0"\ncreated-by = "pdm"\nextras = []\n'
                                         'dependency-groups = ["default", "dev", "docs"]\ndefault-groups = ["default"]\n'
                                         + packages)
    return project


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_pylock_exported_by_pdm_gives_the_projects_dev_group_too(tmp_path, env, wheelhouse, installer):
    project = pdm_exported_pylock(tmp_path, wheelhouse)

    result = install_dev(project, env, "--installer", installer)

    assert ("pylock.toml's default-groups default, plus the project's default development group dev (uv sync's default), "
            "no extras") in result.stderr
    assert installed(project / "venv") == {"pyapp": "0.1", "reqtool": "1.0", "devtool": "1.0"}

    install_dev(project, env, "--installer", installer, "--group", "docs")
    assert installed(project / "venv") == {"pyapp": "0.1", "reqtool": "1.0", "devtool": "1.0", "testtool": "1.0"}, (
        "--group adds to the default")
    install_dev(project, env, "--installer", installer, "--group", "docs", "--no-dev")
    assert installed(project / "venv") == {"pyapp": "0.1", "reqtool": "1.0", "testtool": "1.0"}, "the lock's default stays"


def poetry_hash(relevant: dict) -> str:
    """poetry's content-hash: SHA-256 of the sorted-key JSON of the pyproject keys it locks from."""
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def wheel_hash(wheelhouse: Path, name: str, version: str) -> str:
    return "sha256:" + hashlib.sha256((wheelhouse / f"{name}-{version}-py3-none-any.whl").read_bytes()).hexdigest()


def poetry_locked_project(root: Path, wheelhouse: Path, lock_version: str = "2.1") -> Path:
    """A poetry 2 project (``[project]`` plus a poetry dev group) whose poetry.lock pins reqtool 1.0; testtool is
    locked for Windows only, so its marker must be read."""
    project = root / "poetryapp"
    (project / "src" / "poetryapp").mkdir(parents=True)
    (project / "src" / "poetryapp" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = ["poetry-core>=2.0"]
        build-backend = "poetry.core.masonry.api"

        [project]
        name = "poetryapp"
        version = "0.1"
        dependencies = ["reqtool"]

        [tool.poetry]
        packages = [{ include = "poetryapp", from = "src" }]

        [tool.poetry.group.dev.dependencies]
        devtool = "*"
        testtool = { version = "*", markers = "sys_platform == 'win32'" }
        """))
    content_hash = poetry_hash({"project": {"dependencies": ["reqtool"]}, "tool": {"poetry": {"group": {"dev": {
        "dependencies": {"devtool": "*", "testtool": {"version": "*", "markers": "sys_platform == 'win32'"}}}}}}})
    recorded = {  # format 2.1 records each package's groups and markers; older formats neither
        "reqtool": ['groups = ["main"]'], "devtool": ['groups = ["dev"]'],
        "testtool": ['groups = ["dev"]', "markers = \"sys_platform == 'win32'\""],
    } if lock_version == "2.1" else {}
    entries = "".join("\n".join([
        "[[package]]", f'name = "{name}"', 'version = "1.0"', 'description = ""', "optional = false",
        'python-versions = "*"', *recorded.get(name, []),
        f'files = [{{file = "{name}-1.0-py3-none-any.whl", hash = "{wheel_hash(wheelhouse, name, "1.0")}"}}]', "", "",
    ]) for name in ("reqtool", "devtool", "testtool"))
    (project / "poetry.lock").write_text(
        "# This file is automatically @generated by Poetry 2.1.0 and should not be changed by hand.\n\n" + entries
        + f'[metadata]\nlock-version = "{lock_version}"\npython-versions = "*"\ncontent-hash = "{content_hash}"\n')
    return project


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_poetry_lock_gives_the_locked_versions_for_its_groups_and_markers(tmp_path, env, wheelhouse, installer):
    project = poetry_locked_project(tmp_path, wheelhouse)

    result = install_dev(project, env, "--installer", installer)

    assert "poetry.lock: read by installdev (poetry is not needed), installed exactly" in result.stderr
    assert "poetry install's default: groups dev, no extras" in result.stderr
    assert installed(project / "venv") == {"poetryapp": "0.1", "reqtool": "1.0", "devtool": "1.0"}
    assert editable_location(project / "venv", "poetryapp") == project

    alone = install_dev(project, env, "--installer", installer, "--no-default-groups")
    assert installed(project / "venv") == {"poetryapp": "0.1", "reqtool": "1.0"}
    assert alone.returncode == 0


def test_a_stale_poetry_lock_fails_unless_frozen(tmp_path, env, wheelhouse):
    project = poetry_locked_project(tmp_path, wheelhouse)
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace('["reqtool"]', '["reqtool", "x"]'))

    stale = install_dev(project, env, expect=6)
    assert "poetry.lock is out of date with pyproject.toml (its content-hash differs)" in stale.stderr
    assert not (project / "venv").exists()

    install_dev(project, env, "--frozen")
    assert installed(project / "venv")["reqtool"] == "1.0"


def test_an_old_poetry_lock_format_constrains_a_resolution(tmp_path, env, wheelhouse):
    project = poetry_locked_project(tmp_path, wheelhouse, lock_version="2.0")

    result = install_dev(project, env)

    assert "lock format 2.0, which records no groups or markers" in result.stderr
    assert installed(project / "venv") == {"poetryapp": "0.1", "reqtool": "1.0", "devtool": "1.0"}


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_hashed_requirement_file_installs_in_hash_checking_mode(tmp_path, env, wheelhouse, installer):
    project = pep621_project(tmp_path / "pyapp", "hatchling", "pyapp")
    requirements = project / "requirements-dev.txt"
    requirements.write_text(f"reqtool==1.0 --hash={wheel_hash(wheelhouse, 'reqtool', '1.0')}\n")

    install_dev(project, env, "--installer", installer)
    assert installed(project / "venv") == {"pyapp": "0.1", "reqtool": "1.0"}

    requirements.write_text(f"reqtool==2.0 --hash={wheel_hash(wheelhouse, 'reqtool', '1.0')}\n")
    wrong = install_dev(project, env, "--installer", installer, expect=5)
    assert "hash" in (wrong.stdout + wrong.stderr).lower()
    assert installed(project / "venv") == {"pyapp": "0.1", "reqtool": "1.0"}, "the previous venv is kept"
