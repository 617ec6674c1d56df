"""Installing the project (editable, with extras) and its requirement files into the venv with pip.

pip runs in the project directory. The user's ``PIP_*`` environment (index, find-links, no-index) applies as usual. pip's output is
streamed line by line, indented; in quiet mode it is kept and replayed only if pip fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from installdev.errors import InstallError
from installdev.report import Reporter
from installdev.settings import Settings
from installdev.venvdir import venv_python


def install_command(venv: Path, settings: Settings) -> list[str]:
    target = str(settings.project.directory)
    if settings.extras:
        target += f"[{','.join(settings.extras)}]"
    command = [str(venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "-e", target]
    for requirement in settings.requirements:
        command += ["-r", str(requirement)]
    for constraint in settings.constraints:
        command += ["-c", str(constraint)]
    return command


def run_streaming(command: list[str], reporter: Reporter, cwd: Path) -> int:
    """Run ``command`` in ``cwd``, streaming its output through ``reporter``; stop it if we are interrupted."""
    reporter.detail("running " + " ".join(command))
    process = subprocess.Popen(
        command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, encoding="utf-8", errors="replace",
    )
    try:
        for line in process.stdout:
            reporter.tool_output(line)
        return process.wait()
    except BaseException:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    finally:
        process.stdout.close()


def install_project(venv: Path, settings: Settings, reporter: Reporter) -> None:
    # pip reads relative paths inside requirement files (-e ../lib) from its working directory
    returncode = run_streaming(install_command(venv, settings), reporter, settings.project.directory)
    if returncode != 0:
        reporter.replay_tool_tail()
        raise InstallError(f"pip install failed with exit status {returncode} (its output is above): fix the cause and re-run")
