"""A changed input updates the venv in place when its identity is unchanged (#25): uv installs the new development
set exactly into the venv where it stands, under an undo journal, and a failed update leaves the previous venv whole.
The journal itself on a venv-shaped tree: an installer's changes rolled back, a killed update recovered."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import install_dev, run_installdev
from installdev.actions.update_journal import UpdateJournal, recover_update
from installdev.actions.uv_changes import parse_dry_run
from projects import installed_versions, pep621_project


@pytest.fixture
def env(offline_env: dict[str, str]) -> dict[str, str]:
    return offline_env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = pep621_project(tmp_path / "proj", "hatchling", "proj")
    (project / "requirements-dev.txt").write_text("devtool\n")
    return project


def python_of(project: Path) -> str:
    return str(project / "venv" / "bin" / "python")


def imports(project: Path, module: str) -> bool:
    return subprocess.run([python_of(project), "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_changed_requirement_file_updates_exactly_and_keeps_the_venv_directory(project: Path, env: dict) -> None:
    install_dev(project, env)
    (project / "requirements-dev.txt").write_text("devtool\ntesttool\n")
    added = install_dev(project, env)
    assert "updating it in place" in added.stderr
    assert "saving what the update replaces (1 to remove, 2 to install)" in added.stderr  # the editable project: both
    assert installed_versions(project / "venv", ("devtool", "testtool")) == {"devtool": "1.0", "testtool": "1.0"}
    (project / "requirements-dev.txt").write_text("testtool\nreqtool==2.0\n")
    removed = install_dev(project, env)
    assert "updating it in place" in removed.stderr
    assert installed_versions(project / "venv", ("devtool", "testtool", "reqtool")) == {"testtool": "1.0", "reqtool": "2.0"}
    assert imports(project, "proj") and not imports(project, "devtool")
    assert "is up to date" in install_dev(project, env).stderr
    assert not (project / "venv.installdev-previous").exists()


@pytest.mark.slow
def test_a_selection_switched_and_back_updates_both_times(project: Path, env: dict) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[dependency-groups]\nlint = ["reqtool==1.0"]\n')
    (project / "requirements-dev.txt").unlink()
    (project / "requirements-test.txt").write_text("testtool\n")
    install_dev(project, env)
    with_lint = install_dev(project, env, "--group", "lint")
    assert "updating it in place" in with_lint.stderr
    assert installed_versions(project / "venv", ("testtool", "reqtool")) == {"testtool": "1.0", "reqtool": "1.0"}
    back = install_dev(project, env)
    assert "updating it in place" in back.stderr
    assert installed_versions(project / "venv", ("testtool", "reqtool")) == {"testtool": "1.0"}


@pytest.mark.slow
def test_a_failed_update_leaves_the_previous_venv_working_and_up_to_date(project: Path, env: dict) -> None:
    install_dev(project, env)
    requirements = project / "requirements-dev.txt"
    original = requirements.read_bytes()
    requirements.write_text("testtool\nnothere\n")  # devtool goes, testtool would come: uv cannot resolve it
    failed = install_dev(project, env, expect=5)
    assert "updating it in place" in failed.stderr
    assert "the update failed; the previous venv is still in place" in failed.stderr
    assert imports(project, "devtool") and imports(project, "proj") and not imports(project, "testtool")
    assert not (project / "venv.installdev-previous").exists() and not (project / "venv" / ".installdev-update").exists()
    requirements.write_bytes(original)
    assert "is up to date" in install_dev(project, env).stderr


@pytest.mark.slow
def test_an_update_that_fails_after_uv_removed_a_package_puts_it_back(project: Path, env: dict, tmp_path: Path) -> None:
    """blocker (installed) owns the data file share/in-the-way; brokentool has a data file inside a directory of that
    name. uv's dry run plans the change; the update removes devtool and then fails on brokentool; the rollback must
    put devtool back, and the rebuild from nothing that follows fails alike (with uv, then pip), so the venv kept is
    the rolled-back one, stamp and all."""
    import zipfile

    from wheelhouse import build_wheel

    links = tmp_path / "links"
    links.mkdir()
    data_files = {"blocker": "share/in-the-way", "brokentool": "share/in-the-way/brokentool.txt"}
    for name, data_file in data_files.items():
        with zipfile.ZipFile(build_wheel(links, name), "a") as archive:
            archive.writestr(f"{name}-1.0.data/data/{data_file}", "data\n")
    requirements = project / "requirements-dev.txt"
    requirements.write_text(f"--find-links {links}\ndevtool\nblocker\n")
    install_dev(project, env)
    stamp = (project / "venv" / ".installdev-stamp.json").read_text()
    requirements.write_text(f"--find-links {links}\nblocker\nbrokentool\n")
    failed = install_dev(project, env, expect=5)
    assert "saving what the update replaces (2 to remove, 2 to install)" in failed.stderr, failed.stderr
    assert "Uninstalled 2 packages" in failed.stderr, failed.stderr
    assert "building it from nothing instead" in failed.stderr
    assert "the previous venv is still in place" in failed.stderr
    assert imports(project, "devtool") and imports(project, "proj") and imports(project, "blocker")
    assert not imports(project, "brokentool")
    assert (project / "venv" / ".installdev-stamp.json").read_text() == stamp
    requirements.write_text(f"--find-links {links}\ndevtool\nblocker\n")
    assert "is up to date" in install_dev(project, env).stderr


@pytest.mark.slow
def test_an_identity_change_or_pip_builds_from_nothing_saying_why(project: Path, env: dict) -> None:
    install_dev(project, env)
    copies = install_dev(project, env, "--copies")
    assert "building from nothing: its link mode changed" in copies.stderr
    (project / "requirements-dev.txt").write_text("testtool\n")
    with_pip = install_dev(project, env, "--copies", "--installer", "pip")
    assert "building from nothing: its creation options changed" in with_pip.stderr
    (project / "requirements-dev.txt").write_text("devtool\n")
    again_pip = install_dev(project, env, "--copies", "--installer", "pip")
    assert "building from nothing: pip cannot update a venv exactly" in again_pip.stderr
    assert installed_versions(project / "venv", ("devtool", "testtool")) == {"devtool": "1.0"}
    forced = install_dev(project, env, "--copies", "--installer", "pip", "--force")
    assert "building from nothing: --force" in forced.stderr


@pytest.mark.slow
def test_doctor_says_whether_the_next_install_dev_updates_or_rebuilds(project: Path, env: dict) -> None:
    import json

    install_dev(project, env)
    (project / "requirements-dev.txt").write_text("testtool\n")
    doctor = run_installdev(["doctor", str(project)], env)
    assert "next install-dev: updating it in place" in doctor.stdout, doctor.stdout + doctor.stderr
    copies = json.loads(run_installdev(["doctor", str(project), "--copies", "--json"], env).stdout)
    assert copies["venv_state"]["next"] == "building from nothing: its link mode changed"
    install_dev(project, env)
    assert "next" not in json.loads(run_installdev(["doctor", str(project), "--json"], env).stdout)["venv_state"]


SITE = "lib/python3.11/site-packages"


def _record(*paths: str) -> str:
    return "".join(f"{path},,\n" for path in paths)


def venv_tree(venv: Path) -> dict[str, str]:
    """Every entry of a venv-shaped tree: a file's content, where a link points, "dir"."""
    tree = {}
    for path in sorted(venv.rglob("*")):
        name = path.relative_to(venv).as_posix()
        if path.is_symlink():
            tree[name] = "-> " + os.readlink(path)
        elif path.is_file():
            tree[name] = path.read_text()
        else:
            tree[name] = "dir"
    return tree


@pytest.fixture
def fake_venv(tmp_path: Path) -> Path:
    """A venv-shaped tree: an interpreter, two distributions (one with a script and a data file, one sharing a
    namespace directory), an editable project's .pth, the stamp."""
    venv = tmp_path / "venv"
    files = {
        "pyvenv.cfg": "home = /usr/bin\n",
        "bin/python3.11": "an interpreter copy",
        "bin/tool": "#!venv/bin/python\nfrom tool import main\n",
        "share/man/tool.1": "tool's manual\n",
        f"{SITE}/tool/__init__.py": "VALUE = 1\n",
        f"{SITE}/tool/__pycache__/__init__.cpython-311.pyc": "bytecode",
        f"{SITE}/tool-1.0.dist-info/RECORD": _record("tool/__init__.py", "tool/__pycache__/__init__.cpython-311.pyc",
                                                     "../../../bin/tool", "../../../share/man/tool.1",
                                                     "tool-1.0.dist-info/RECORD"),
        f"{SITE}/ns/kept/__init__.py": "KEPT = 1\n",
        f"{SITE}/kept-2.0.dist-info/RECORD": _record("ns/kept/__init__.py", "kept-2.0.dist-info/RECORD"),
        f"{SITE}/_proj.pth": "/src\n",
        ".installdev-stamp.json": "{}",
        ".installdev-venv": "marker",
    }
    for name, text in files.items():
        (venv / name).parent.mkdir(parents=True, exist_ok=True)
        (venv / name).write_text(text)
    os.symlink("python3.11", venv / "bin" / "python")
    os.symlink("lib", venv / "lib64")
    return venv


def install_like_uv(venv: Path) -> None:
    """What ``uv pip install --exact`` does when tool 1.0 goes and tool 2.0 and newtool come: tool's files removed, new
    ones linked in, a namespace package gaining a module, the editable .pth and a kept script rewritten in place."""
    site = venv / SITE
    for name in ("tool/__init__.py", "tool/__pycache__/__init__.cpython-311.pyc", "tool-1.0.dist-info/RECORD"):
        (site / name).unlink()
    (venv / "bin" / "tool").unlink()
    (venv / "share" / "man" / "tool.1").unlink()
    (site / "tool-1.0.dist-info").rmdir()
    (site / "tool" / "__init__.py").write_text("VALUE = 2\n")
    (site / "tool-2.0.dist-info").mkdir()
    (site / "tool-2.0.dist-info" / "RECORD").write_text(_record("tool/__init__.py", "tool-2.0.dist-info/RECORD"))
    (site / "ns" / "new").mkdir(parents=True)
    (site / "ns" / "new" / "__init__.py").write_text("NEW = 1\n")
    (site / "newtool.py").write_text("")
    (site / "newtool-1.0.dist-info").mkdir()
    (site / "newtool-1.0.dist-info" / "RECORD").write_text(_record("newtool.py", "ns/new/__init__.py",
                                                                    "newtool-1.0.dist-info/RECORD"))
    (venv / "bin" / "newtool").write_text("#!venv/bin/python\n")
    with open(site / "_proj.pth", "w") as handle:  # same inode: a hard link would have changed with it
        handle.write("/elsewhere\n")
    with open(venv / "bin" / "tool", "w") as handle:
        handle.write("a script another distribution wrote over\n")


def test_the_journal_rolls_back_what_an_installer_changed(fake_venv: Path) -> None:
    before = venv_tree(fake_venv)
    journal = UpdateJournal.open(fake_venv, frozenset({"tool"}))
    saved = fake_venv / ".installdev-update" / "saved"
    assert (saved / SITE / "tool" / "__init__.py").stat().st_ino == (fake_venv / SITE / "tool" / "__init__.py").stat().st_ino
    for copied in ("bin/tool", f"{SITE}/_proj.pth", f"{SITE}/tool-1.0.dist-info/RECORD"):
        assert (saved / copied).stat().st_ino != (fake_venv / copied).stat().st_ino, copied
    assert not (saved / "bin" / "python3.11").exists() and not (saved / SITE / "ns").exists()
    assert not (fake_venv / ".installdev-stamp.json").exists(), "no up-to-date check passes while the update runs"
    install_like_uv(fake_venv)
    assert journal.roll_back() == []
    assert venv_tree(fake_venv) == before
    assert not (fake_venv / ".installdev-update").exists()


def test_the_journal_saves_all_of_site_packages_when_what_goes_is_not_known(fake_venv: Path) -> None:
    before = venv_tree(fake_venv)
    journal = UpdateJournal.open(fake_venv, None)
    assert (fake_venv / ".installdev-update" / "saved" / SITE / "ns" / "kept" / "__init__.py").is_file()
    shutil.rmtree(fake_venv / SITE / "ns")
    (fake_venv / SITE / "kept-2.0.dist-info" / "RECORD").unlink()
    install_like_uv(fake_venv)
    assert journal.roll_back() == []
    assert venv_tree(fake_venv) == before


def test_a_commit_keeps_the_update_and_drops_the_journal(fake_venv: Path) -> None:
    journal = UpdateJournal.open(fake_venv, frozenset({"tool"}))
    install_like_uv(fake_venv)
    (fake_venv / ".installdev-stamp.json").write_text('{"new": 1}')
    journal.commit()
    assert (fake_venv / SITE / "tool" / "__init__.py").read_text() == "VALUE = 2\n"
    assert (fake_venv / ".installdev-stamp.json").read_text() == '{"new": 1}'
    assert not (fake_venv / ".installdev-update").exists()


def test_recovery_rolls_back_a_killed_update_and_keeps_a_completed_one(fake_venv: Path) -> None:
    before = venv_tree(fake_venv)
    assert recover_update(fake_venv) is None
    UpdateJournal.open(fake_venv, frozenset({"tool"}))
    install_like_uv(fake_venv)
    (fake_venv / ".installdev-update" / "saved" / SITE / "tool").rename(fake_venv / "tool-restored")  # killed while
    shutil.rmtree(fake_venv / SITE / "tool")                                                          # rolling back:
    (fake_venv / "tool-restored").rename(fake_venv / SITE / "tool")                                    # one entry back
    assert "rolled back an interrupted update" in recover_update(fake_venv)
    assert venv_tree(fake_venv) == before

    UpdateJournal.open(fake_venv, frozenset({"tool"}))
    install_like_uv(fake_venv)
    (fake_venv / ".installdev-stamp.json").write_text('{"new": 1}')  # killed after the new stamp, before the commit
    assert "after it completed" in recover_update(fake_venv)
    assert (fake_venv / SITE / "tool" / "__init__.py").read_text() == "VALUE = 2\n"
    assert not (fake_venv / ".installdev-update").exists()


def test_a_journal_killed_while_saving_is_dropped_and_the_venv_untouched(fake_venv: Path) -> None:
    before = venv_tree(fake_venv)
    (fake_venv / ".installdev-update" / "saved").mkdir(parents=True)
    (fake_venv / ".installdev-update" / "saved" / "partial").write_text("")
    assert "after it completed" in recover_update(fake_venv)  # the stamp never moved: nothing had changed
    assert venv_tree(fake_venv) == before and not (fake_venv / ".installdev-update").exists()


def test_uvs_dry_run_output_is_read_into_removals_and_pins() -> None:
    output = ["Using Python 3.11.7 environment at: venv", "Resolved 9 packages in 6ms", "Would uninstall 3 packages",
              "Would install 3 packages", " - Flake8==7.0.0", " - isort==5.0", " + isort==9.0.2",
              " - proj==0.1 (from file:///src/proj)", " + proj @ file:///src/proj", " + zope.interface==7.1"]
    changes = parse_dry_run(output)
    assert changes.removed == frozenset({"flake8", "isort", "proj"})
    assert changes.pins == ("isort==9.0.2", "zope-interface==7.1") and changes.installed == 3
    assert parse_dry_run(["Resolved 9 packages in 6ms", "Would make no changes"]) == (frozenset(), (), 0)
    assert parse_dry_run(["error: something uv never printed before"]) is None
