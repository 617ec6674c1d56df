"""Advice that is safe to paste: for every bad venv path of the catalogue below, every command an error of install-dev,
doctor or clean-venv suggests is pasted into the scratch tree the case was built in, and nothing outside the venv path
may be lost. A suggested deletion of a path outside the scratch tree (``/tmp``) fails before it is run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from wheelhouse import write_project

SUGGESTED_COMMAND = re.compile(r"\((rm -rf [^)]+)\)|`([^`]+)`")


def build_case(case: str, root: Path) -> tuple[Path, Path, dict[str, str]]:
    """The project, the bad venv path and the environment of ``case``; the project sits in a world-writable directory
    (a shared checkout) of the scratch tree ``root``."""
    shared = root / "shared"
    project = write_project(shared / "proj")
    shared.chmod(0o777)
    home = root / "users" / "me"
    home.mkdir(parents=True)
    env = {"HOME": str(home)}
    if case == "the project directory":
        return project, project, env
    if case == "a link to the project directory":
        (root / "link").symlink_to(project)
        return project, root / "link", env
    if case == "the world-writable directory holding the project":
        return project, shared, env
    if case == "the scratch tree holding it all":
        return project, root, env
    if case == "home":
        return project, home, env
    if case == "a directory holding home":
        return project, root / "users", env
    if case == "/tmp":
        return project, Path("/tmp"), env
    if case == "the temporary directory TMPDIR names":
        (root / "tmp").mkdir(mode=0o777)
        (root / "tmp").chmod(0o1777)
        (root / "tmp" / "someone-elses-file").write_text("keep me")
        return project, root / "tmp", {**env, "TMPDIR": str(root / "tmp")}
    if case == "a venv installdev did not make":
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "theirs")], check=True)
        return project, root / "theirs", env
    if case == "a directory of data":
        (root / "data").mkdir()
        (root / "data" / "precious.txt").write_text("keep me")
        return project, root / "data", env
    if case == "a file":
        (root / "afile").write_text("keep me")
        return project, root / "afile", env
    if case == "a link to a directory":
        (root / "real").mkdir()
        (root / "real" / "precious.txt").write_text("keep me")
        (root / "venvlink").symlink_to(root / "real")
        return project, root / "venvlink", env
    if case == "an own venv others can write":
        venv = root / "open-venv"
        venv.mkdir()
        (venv / ".installdev-venv").write_text("made by installdev\n")
        (venv / ".installdev-stamp.json").write_text("{}")
        venv.chmod(0o777)
        return project, venv, env
    raise AssertionError(case)


CATALOGUE = ["the project directory", "a link to the project directory", "the world-writable directory holding the project",
             "the scratch tree holding it all", "home", "a directory holding home", "/tmp",
             "the temporary directory TMPDIR names", "a venv installdev did not make", "a directory of data", "a file",
             "a link to a directory", "an own venv others can write"]


def snapshot(root: Path) -> set[str]:
    """Every path below ``root`` (links not followed), with the content of files."""
    found = set()
    for directory, names, files in os.walk(root):
        for name in names + files:
            path = Path(directory, name)
            found.add(f"{path}={path.read_bytes()!r}" if path.is_file() and not path.is_symlink() else str(path))
    return found


def suggested_commands(text: str) -> list[str]:
    return [rm or quoted for rm, quoted in SUGGESTED_COMMAND.findall(text)]


def check_safe_to_run(command: str, root: Path) -> None:
    words = shlex.split(command)
    if words[0] != "rm":
        return
    for target in (word for word in words[1:] if not word.startswith("-")):
        real = Path(os.path.realpath(target))
        assert real == root or root in real.parents, f"{command!r} deletes {real}, outside the scratch tree"


@pytest.mark.parametrize("case", CATALOGUE)
def test_every_suggested_command_is_safe_to_paste(case, tmp_path, offline_env):
    root = tmp_path / "root"
    project, venv, extra_env = build_case(case, root)
    env = {**offline_env, **extra_env}
    before = snapshot(root)
    said = []
    for command in (["install-dev", "--no-default-groups"], ["doctor"], ["clean-venv"]):
        result = run_installdev([command[0], str(project), "--venv", str(venv), *command[1:]], env, timeout=120)
        assert result.returncode == 7, result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        said.append(result.stdout + result.stderr)
    assert snapshot(root) == before, "a refusal writes and deletes nothing"
    commands = list(dict.fromkeys(command for text in said for command in suggested_commands(text)))
    for command in commands:
        check_safe_to_run(command, root)
        subprocess.run(["sh", "-c", command], cwd=root, env=env, check=False, capture_output=True, timeout=60)
    lost = {entry for entry in before - snapshot(root) if not within(entry, venv) or within(entry, project)}
    assert not lost, f"pasting {commands} lost what is not the venv: {sorted(lost)[:5]}"


def within(entry: str, directory: Path) -> bool:
    """Whether the snapshot ``entry`` is ``directory`` or below it."""
    return entry == str(directory) or entry.startswith((f"{directory}/", f"{directory}="))
