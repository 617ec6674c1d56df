"""`installdev run [PROJECT] -- COMMAND`: the venv brought up to date, then the command run in it (real venvs, offline)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.venv_exec import activated_environment

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPORT = ("import os, sys; print(sys.prefix); print(os.environ['VIRTUAL_ENV']); "
          "print(os.environ['PATH'].split(os.pathsep)[0]); print(os.getcwd())")


def run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installdev", "run", *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_run_builds_the_venv_then_runs_the_command_in_it_then_is_silent_and_passes_the_exit_status(project, offline_env,
                                                                                                     tmp_path):
    venv, env = project / "venv", offline_env
    first = run([str(project), "--", "python", "-c", REPORT], env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [str(venv), str(venv), str(venv / "bin"), str(tmp_path)]
    assert "installdev: building" in first.stderr and "ready in" in first.stderr  # progress on stderr, not stdout

    # Up to date: nothing but the command's own output, its exit status, stdin and arguments untouched.
    echo = "import sys; data = sys.stdin.read(); print(sys.argv[1:], data); sys.exit(7)"
    second = run(["--", "python", "-c", echo, "--flag", "a b"], env, cwd=project, stdin="input\n")
    assert (second.returncode, second.stdout, second.stderr) == (7, "['--flag', 'a b'] input\n\n", "")

    # A command is looked up in the venv's bin first.
    tool = venv / "bin" / "venv-only-tool"
    tool.write_text("#!/bin/sh\necho from the venv \"$@\"\n")
    tool.chmod(0o755)
    found = run([str(project), "--", "venv-only-tool", "x"], env, cwd=tmp_path)
    assert (found.returncode, found.stdout, found.stderr) == (0, "from the venv x\n", "")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX layout")
def test_the_command_environment_is_an_activated_venvs(tmp_path):
    venv = tmp_path / "venv"
    environment = activated_environment(venv, {"PATH": "/usr/bin:/bin", "PYTHONHOME": "/opt/py", "KEPT": "1"})
    assert environment == {"PATH": f"{venv}/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv), "KEPT": "1"}
    assert activated_environment(venv, {})["PATH"] == f"{venv}/bin"  # no PATH: the venv alone, no empty entry


def test_a_changed_input_is_rebuilt_before_the_command_runs(project, offline_env):
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('dev = ["devtool"]', 'dev = ["devtool", "reqtool==1.0"]'))
    rebuilt = run(["--", "python", "-c", "import reqtool; print(reqtool.VERSION)"], offline_env, cwd=project)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout == "1.0\n"
    assert f"installdev: building {project / 'venv'}: {pyproject} changed" in rebuilt.stderr


def test_the_up_to_date_path_loads_no_plan_host_probe_or_virtualenv(project, offline_env):
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "installdev", "run", str(project), "--", "true"],
                            env=offline_env, capture_output=True, text=True, timeout=60)
    assert traced.returncode == 0, traced.stderr
    imported = {line.split("|")[-1].strip() for line in traced.stderr.splitlines() if line.startswith("import time")}
    assert "installdev.actions.freshness" in imported  # the import log is real
    assert not {name for name in imported if name.startswith(("installdev.plan", "installdev.host", "installdev.install_dev",
                                                              "virtualenv", "filelock"))}


def test_the_command_gets_default_signal_handling(project, offline_env):
    """Python ignores SIGPIPE; the command must not inherit that (`yes | head` ends quietly, as in a shell)."""
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    pipeline = f"'{sys.executable}' -m installdev run '{project}' -- yes | head -n 1"
    piped = subprocess.run(["sh", "-c", pipeline], env=offline_env, capture_output=True, text=True, timeout=60)
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, "y\n", "")


@pytest.mark.parametrize(("args", "code", "message"), [
    ([], 2, "give the command after --"),
    (["."], 2, "give the command after --"),
    (["--"], 2, "no command after --"),
    (["--", "no-such-command-for-installdev"], 2, "cannot run 'no-such-command-for-installdev': not found in "),
    (["--extra", "nope", "--", "true"], 6, "declares no extra nope"),
])
def test_errors_are_one_line_with_a_documented_exit_code(project, offline_env, args, code, message):
    if args[-1:] == ["no-such-command-for-installdev"]:
        assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    failed = run(args, offline_env, cwd=project)
    assert failed.returncode == code, failed.stderr
    assert failed.stdout == ""
    errors = [line for line in failed.stderr.splitlines() if line.startswith("installdev: error: ")]
    assert len(errors) == 1 and message in errors[0], failed.stderr


def test_help_shows_the_usage_with_the_double_dash(offline_env, tmp_path):
    helped = run(["--help"], offline_env, cwd=tmp_path)
    assert helped.returncode == 0
    assert helped.stdout.startswith("usage: installdev run [PROJECT_DIR] [options] -- COMMAND [ARGS...]")
