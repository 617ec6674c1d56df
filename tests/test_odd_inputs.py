"""Input files that are not regular files of a sane size: a named pipe, a link to /dev/zero, a socket, a file past the
limit, TOML nested past the parser's depth. Each is one ``installdev: error:`` line and exit 6 for install-dev, inputs
and run (doctor's verdict for doctor), and no command blocks: every run has a timeout, which a blocking read hits."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.request.project.input_file import MAX_INPUT_BYTES
from wheelhouse import write_project

COMMANDS = {
    "install-dev": [],
    "doctor": [],
    "inputs": [],
    "run": ["--", "true"],
}


def make_fifo(path: Path) -> str:
    os.mkfifo(path)
    return "is a named pipe (FIFO), not a regular file"


def make_zero_link(path: Path) -> str:
    path.symlink_to("/dev/zero")
    return "is a character device, not a regular file"


KINDS = {"fifo": make_fifo, "dev-zero": make_zero_link}


def place(project: Path, position: str) -> tuple[Path, list[str]]:
    """Where the odd file goes for ``position``, and the options that make it an input there."""
    if position == "-r":
        return project / "odd.txt", ["-r", str(project / "odd.txt")]
    if position == "included by -r":  # the include is resolved: the message names the file that includes it
        (project / "outer.txt").write_text("-r odd.txt\n")
        return project / "odd.txt", ["-r", str(project / "outer.txt")]
    if position == "conventional requirements-dev.txt":
        return project / "requirements-dev.txt", []
    if position == "lock":
        return project / "uv.lock", ["--no-default-groups"]
    (project / position).unlink(missing_ok=True)
    return project / position, ["--no-default-groups"]


def check_refused(command: str, result, fragment: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 6, output
    assert "Traceback" not in output, output
    if command == "doctor":
        assert fragment in result.stdout and "install-dev would fail (exit 6)" in result.stdout, output
    else:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("installdev: error:") and fragment in lines[0], output


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_requirement_file_that_is_a_pipe_or_dev_zero_is_refused_by_every_command(kind, command, tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    path, options = place(project, "-r")
    fragment = f"{path} (a link to /dev/zero) " if kind == "dev-zero" else f"{path} "
    fragment += KINDS[kind](path)
    result = run_installdev([command, str(project), *options, *COMMANDS[command]], offline_env, timeout=60)
    check_refused(command, result, fragment)
    assert not (project / "venv").exists()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("position", ["included by -r", "conventional requirements-dev.txt", "pyproject.toml",
                                      "setup.cfg", "tox.ini", "lock"])
def test_every_kind_of_input_file_is_refused_when_it_is_a_pipe_or_dev_zero(kind, position, tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    path, options = place(project, position)
    fragment = KINDS[kind](path)
    fragment = f"(included by {project / 'outer.txt'} as odd.txt) {fragment}" if position == "included by -r" else fragment
    for command in ("install-dev", "inputs"):
        check_refused(command, run_installdev([command, str(project), *options], offline_env, timeout=60), fragment)
    assert not (project / "venv").exists()


def test_a_socket_is_refused(tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(project / "odd.txt"))
        result = run_installdev(["install-dev", str(project), "-r", str(project / "odd.txt")], offline_env, timeout=60)
    finally:
        listener.close()
    check_refused("install-dev", result, "odd.txt is a socket, not a regular file")


def test_a_file_past_the_limit_is_refused_and_one_at_it_is_read(tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    with open(project / "requirements-dev.txt", "wb") as handle:  # sparse: no disk, and comments only
        handle.write(b"#")
        handle.truncate(MAX_INPUT_BYTES + 1)
    result = run_installdev(["inputs", str(project)], offline_env, timeout=60)
    check_refused("inputs", result, "requirements-dev.txt is larger than 32 MiB")
    os.truncate(project / "requirements-dev.txt", MAX_INPUT_BYTES)
    assert run_installdev(["inputs", str(project)], offline_env, timeout=60).returncode == 0


@pytest.mark.parametrize("nested", ["[" * 5000 + "]" * 5000, "{a = " * 2000 + "1" + "}" * 2000], ids=["arrays", "tables"])
@pytest.mark.parametrize("command", ["install-dev", "doctor"])
def test_toml_nested_past_the_parsers_depth_is_one_line(nested, command, tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    with open(project / "pyproject.toml", "a") as handle:
        handle.write(f"\n[tool.deep]\nvalue = {nested}\n")
    result = run_installdev([command, str(project)], offline_env, timeout=60)
    check_refused(command, result, "nests arrays or tables deeper than a TOML parser reads")


def test_a_project_file_that_is_a_link_to_a_regular_file_is_still_read(tmp_path, offline_env):
    """Links are followed: what is refused is what they reach, never the link itself."""
    project = write_project(tmp_path / "proj")
    shared = tmp_path / "shared-requirements.txt"
    shared.write_text("devtool\n")
    (project / "requirements-dev.txt").symlink_to(shared)
    result = run_installdev(["inputs", str(project), "--format", "lines"], offline_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert str(project / "requirements-dev.txt") in result.stdout.splitlines()
