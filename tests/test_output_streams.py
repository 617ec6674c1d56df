"""Where the output goes: stdout carries only a command's result, everything else goes to stderr; ``--json`` is one
document whatever happens; a closed pipe loses no build; on a terminal the installer's log is one line redrawn.

Every case runs the real CLI on a tiny project built offline from the session wheelhouse (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import install_dev, run_installdev
from installdev.host.facts import HostFacts, Mount
from installdev.host.probe import ProbeResult
from installdev.policy import decide_link_mode
from installdev.request.settings.envflags import ModeRequest
from wheelhouse import write_project

INSTALLDEV = [sys.executable, "-m", "installdev"]


def _one_document(stdout: str) -> dict:
    """``stdout`` as exactly one JSON document (json.loads refuses anything before or after it)."""
    return json.loads(stdout)


def test_a_build_and_its_no_ops_print_nothing_on_stdout(project, offline_env):
    built = install_dev(project, offline_env)
    assert built.stdout == ""
    assert "installdev: building" in built.stderr and "installdev: ready in" in built.stderr
    checked = install_dev(project, offline_env)  # the full up-to-date check, which writes the quick record
    quick = install_dev(project, offline_env)  # answered by the quick record
    for result in (checked, quick):
        assert result.stdout == ""
        assert "is up to date" in result.stderr


def test_run_gives_stdout_to_the_command_alone(project, offline_env):
    result = run_installdev(["run", str(project), "--", "python", "-c", "print('from the command')"], offline_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "from the command\n"
    assert "installdev: building" in result.stderr


def test_quiet_silences_warnings(project, offline_env):
    install_dev(project, offline_env)
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace(
        'dependencies = []', 'dependencies = ["not-in-the-wheelhouse"]'))
    loud = install_dev(project, offline_env, expect=5)
    assert "installdev: warning: the update failed; the previous venv is still in place" in loud.stderr
    quiet = install_dev(project, offline_env, "-q", expect=5)
    assert "warning" not in quiet.stderr
    assert "installdev: error:" in quiet.stderr


@pytest.mark.parametrize("command", [
    ["install-dev", "--bogus", "--json"],
    ["install-dev", "--js", "--extras", "dev"],  # argparse takes a prefix of --json for it
    ["doctor", "--json", "--copies", "--symlinks"],
    ["bootstrap", "--json", "--jobs", "0"],
])
def test_a_rejected_command_line_still_prints_one_json_document(command, offline_env):
    result = run_installdev(command, offline_env)
    assert result.returncode == 2
    document = _one_document(result.stdout)
    assert document["exit_code"] == 2
    error_line, = result.stderr.splitlines()
    assert error_line.startswith("installdev: error: ")
    assert error_line.removeprefix("installdev: error: ") in json.dumps(document)


def test_json_documents_of_failures_before_any_build(tmp_path, offline_env):
    settings = write_project(tmp_path / "bad", tool_table='unknown-key = 1')
    failed = run_installdev(["install-dev", str(settings), "--json"], offline_env)
    assert (failed.returncode, _one_document(failed.stdout)["exit_code"]) == (2, 2)
    assert _one_document(failed.stdout)["project"] is None  # the settings were never read

    no_workspace = run_installdev(["bootstrap", str(tmp_path / "bad"), "--json"], offline_env)
    document = _one_document(no_workspace.stdout)
    assert no_workspace.returncode == document["exit_code"] != 0
    assert document["projects"] == [] and document["error"] in no_workspace.stderr


def test_a_build_failure_prints_one_json_document(project, offline_env):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace(
        'dependencies = []', 'dependencies = ["not-in-the-wheelhouse"]'))
    result = install_dev(project, offline_env, "--json", expect=5)
    document = _one_document(result.stdout)
    assert (document["result"], document["exit_code"], document["venv"]) == ("failed", 5, str(project / "venv"))
    assert "not-in-the-wheelhouse" in result.stderr  # the installer's output, on stderr


def _blocking_project(directory: Path) -> Path:
    """A project whose build backend writes its pid to ``directory/building`` and then waits forever: a build that is
    surely under way when the file appears."""
    directory.mkdir()
    (directory / "pyproject.toml").write_text(textwrap.dedent("""\
        [build-system]
        requires = []
        build-backend = "blocking_backend"
        backend-path = ["."]

        [project]
        name = "blocked"
        version = "0.1"
        """))
    (directory / "blocking_backend.py").write_text(textwrap.dedent(f"""\
        import os
        import time


        def _block(*args, **kwargs):
            with open({str(directory / "building")!r}, "w") as marker:
                marker.write(str(os.getpid()))
            time.sleep(600)


        get_requires_for_build_editable = get_requires_for_build_wheel = _block
        prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel = _block
        build_editable = build_wheel = _block
        """))
    return directory


def _wait_for(path: Path, process: subprocess.Popen) -> None:
    while not path.exists():
        assert process.poll() is None, process.communicate()
        threading.Event().wait(0.05)


@pytest.mark.parametrize(("sent", "exit_code", "said"), [
    (signal.SIGTERM, 143, "terminated"),
    (signal.SIGINT, 130, "interrupted"),
])
def test_an_interrupted_build_prints_one_json_document(tmp_path, offline_env, sent, exit_code, said):
    project = _blocking_project(tmp_path / "blocked")
    process = subprocess.Popen([*INSTALLDEV, "install-dev", str(project), "--no-default-groups", "--json"],
                               env=offline_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        _wait_for(project / "building", process)
        process.send_signal(sent)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if (project / "building").read_text():
            try:
                os.kill(int((project / "building").read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert process.returncode == exit_code, stderr
    document = _one_document(stdout)
    assert (document["result"], document["exit_code"]) == ("failed", exit_code)
    assert f"installdev: error: {said}" in stderr and "Traceback" not in stderr
    assert not (project / "venv" / "bin").exists()


def test_a_pipe_closed_after_the_first_line_loses_no_build(project, offline_env):
    """``installdev install-dev ... 2>&1 | head -1``: the reader goes after one line; the build completes, exit 0."""
    process = subprocess.Popen([*INSTALLDEV, "install-dev", str(project)], env=offline_env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first_line = process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=300) == 0
    assert first_line.startswith(b"installdev: building")
    assert install_dev(project, offline_env).stderr.strip().endswith("is up to date (symlinks)")
    subprocess.run([project / "venv" / "bin" / "python", "-c", "import sampleproj"], check=True)


def test_a_pipe_closed_after_the_first_line_loses_no_bootstrap(offline_env, tmp_path):
    """``installdev bootstrap ROOT 2>&1 | head -1``: its progress lines, its table and its summary all meet a closed
    pipe; every project is still built, exit 0, no traceback."""
    root = tmp_path / "workspace"
    for name in ("liba", "libb"):
        write_project(root / name, name=name)
    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["lib*"]\n')
    process = subprocess.Popen([*INSTALLDEV, "bootstrap", str(root)], env=offline_env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    first_line = process.stdout.readline()
    process.stdout.close()
    assert process.wait(timeout=300) == 0, first_line
    assert first_line.startswith(b"installdev: ")
    for name in ("liba", "libb"):
        subprocess.run([root / name / "venv" / "bin" / "python", "-c", f"import {name}"], check=True)
    again = run_installdev(["bootstrap", str(root)], offline_env)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr


def test_a_closed_stdout_before_the_json_document_loses_no_build(project, offline_env, tmp_path):
    """``installdev install-dev --json ... | true``: nobody reads the document; the build completes, exit 0, and the
    write that fails leaves no traceback."""
    stderr_file = tmp_path / "stderr"
    with stderr_file.open("w") as stderr:
        process = subprocess.Popen([*INSTALLDEV, "install-dev", str(project), "--json"], env=offline_env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr)
        process.stdout.close()  # the reader is gone before anything is written
        assert process.wait(timeout=300) == 0
    assert "Traceback" not in stderr_file.read_text() and "Exception ignored" not in stderr_file.read_text()
    assert (project / "venv" / "bin" / "python").exists()


def _on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run installdev with stderr on a pseudo-terminal; its exit status and everything it wrote there."""
    leader, follower = os.openpty()
    process = subprocess.Popen([*INSTALLDEV, *args], env={**env, "TERM": "xterm"}, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    transcript = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        transcript += chunk
    os.close(leader)
    return process.wait(timeout=300), transcript.decode()


def _screen_lines(transcript: str) -> list[str]:
    """The lines a terminal is left showing: each line's text after its last carriage return, escapes removed."""
    lines = transcript.replace("\r\n", "\n").split("\n")
    return [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line.rsplit("\r", 1)[-1]) for line in lines]


def test_on_a_terminal_the_installer_log_is_one_line_redrawn(project, offline_env):
    status, transcript = _on_a_terminal(["install-dev", str(project)], offline_env)
    assert status == 0, transcript
    assert "\r\x1b[K    " in transcript  # the installer's lines were shown, one over the other
    screen = _screen_lines(transcript)
    assert any(line.startswith("installdev: installing -e .[dev]: done") for line in screen), screen
    assert not [line for line in screen if line.startswith("    ")], screen  # no installer line is left standing


def test_on_a_terminal_verbose_shows_the_whole_log(project, offline_env):
    status, transcript = _on_a_terminal(["install-dev", str(project), "-v"], offline_env)
    assert status == 0, transcript
    assert "\x1b[K" not in transcript
    assert [line for line in _screen_lines(transcript) if line.startswith("    ")]


def test_on_a_terminal_a_failed_install_shows_its_whole_log(project, offline_env):
    (project / "pyproject.toml").write_text((project / "pyproject.toml").read_text().replace(
        'dependencies = []', 'dependencies = ["not-in-the-wheelhouse"]'))
    status, transcript = _on_a_terminal(["install-dev", str(project)], offline_env)
    assert status == 5, transcript
    screen = _screen_lines(transcript)
    log = [line for line in screen if line.startswith("    ")]
    assert any("not-in-the-wheelhouse" in line for line in log), screen
    assert screen.index(log[-1]) < next(index for index, line in enumerate(screen) if line.startswith("installdev: error:"))


@pytest.mark.slow  # primary Python only: the other sessions would skip it (3.10's virtualenv has no such caution)
@pytest.mark.skipif(sys.version_info < (3, 11) or not sysconfig.get_config_var("Py_ENABLE_SHARED"),
                    reason="virtualenv cautions about the standard-library search path of copies of a shared CPython 3.11+")
def test_virtualenvs_caution_about_a_world_writable_parent_is_a_verbose_detail(tmp_path, offline_env):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp: another account may create shared/lib
    project = write_project(shared / "proj")
    quiet = install_dev(project, offline_env, "--copies")
    assert "another account" not in quiet.stderr
    verbose = install_dev(project, offline_env, "--copies", "--force", "-v")
    cautions = [line for line in verbose.stderr.splitlines() if "another account can change" in line]
    assert cautions and all(line.startswith("installdev: virtualenv: ") for line in cautions), verbose.stderr


def test_a_container_marker_that_decides_nothing_is_left_out_of_the_mode_line():
    facts = HostFacts(platform="linux", mount=Mount("/", "overlay", "overlay", frozenset()), container="docker")
    decision = decide_link_mode(ModeRequest(None), facts, ProbeResult("/work/proj"), "INSTALLDEV_VENV_USE_COPIES")
    assert decision.summary() == "symlinks: symlinks work in /work/proj (overlay mount at /)"
    assert decision.hints == ("container detected (docker), but the probe decides",)
    assert decision.hints[0] in decision.reasons  # still recorded: the stamp, --json and doctor keep every reason
    copies = decide_link_mode(ModeRequest(None), facts, ProbeResult("/work/proj", symlink_error="EPERM"),
                              "INSTALLDEV_VENV_USE_COPIES")
    assert "container" not in copies.summary() and "EPERM" in copies.summary()
