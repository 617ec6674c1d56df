"""Installing the project (editable, with extras) and its requirement files into the venv: pip or uv.

Creation always stays with virtualenv; the backend only installs, into the venv installdev made
(uv gets ``--python VENV/bin/python``, so it never creates an environment of its own nor writes
beside the base interpreter). ``auto`` picks uv when it is installed (the ``uv`` extra, or ``uv``
on PATH), else pip. A uv failure is retried once with pip, saying so.

Both run in the project directory (pip reads ``-e ../lib`` in requirement files from there). pip
honours the user's ``PIP_*`` environment itself; for uv, ``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``,
``PIP_FIND_LINKS`` and ``PIP_NO_INDEX`` become the matching options unless a ``UV_*`` variable says
otherwise. Output is streamed line by line, indented; in quiet mode it is kept and replayed only on
failure. When the venv has no pip (uv venvs are not seeded by default), pip runs from virtualenv's
bundled wheel.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from pathlib import Path

from installdev.errors import InstallError, UsageError
from installdev.interpreter import BasePython
from installdev.report import Reporter
from installdev.settings import Settings
from installdev.venvdir import venv_python

AUTO, PIP, UV = "auto", "pip", "uv"


_FIND_UV_LOCK = threading.Lock()


def find_uv() -> str | None:
    """uv's executable, or None. Looked up once per process, under a lock: uv's own finder reads
    ``sysconfig``, whose lazy first read is not thread-safe (parallel ``bootstrap`` builds)."""
    with _FIND_UV_LOCK:
        return _locate_uv()


@functools.cache
def _locate_uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return shutil.which("uv")


def choose_installer(requested: str) -> tuple[str, str | None]:
    """The backend to use and, for uv, its executable."""
    if requested in (AUTO, UV):
        uv = find_uv()
        if uv:
            return UV, uv
        if requested == UV:
            raise UsageError("--installer uv, but uv is not installed: pip install 'installdev[uv]', or put uv on PATH")
    return PIP, None


def _targets(settings: Settings) -> list[str]:
    target = str(settings.project.directory)
    if settings.extras:
        target += f"[{','.join(settings.extras)}]"
    arguments = ["-e", target]
    for requirement in settings.requirements:
        arguments += ["-r", str(requirement)]
    for constraint in settings.constraints:
        arguments += ["-c", str(constraint)]
    return arguments


def pip_command(venv: Path, base: BasePython, settings: Settings) -> list[str]:
    python = str(venv_python(venv))
    if (venv_python(venv).parent / "pip").exists():
        runner = [python, "-m", "pip"]
    else:
        from virtualenv.seed.wheels.embed import get_embed_wheel

        runner = [python, str(get_embed_wheel("pip", f"{base.version[0]}.{base.version[1]}").path / "pip")]
    return [*runner, "install", "--disable-pip-version-check", *_targets(settings)]


def uv_command(uv: str, venv: Path, settings: Settings, env: dict[str, str]) -> list[str]:
    command = [uv, "pip", "install", "--python", str(venv_python(venv))]
    if env.get("PIP_INDEX_URL") and not (env.get("UV_INDEX_URL") or env.get("UV_DEFAULT_INDEX")):
        command += ["--index-url", env["PIP_INDEX_URL"]]
    if env.get("PIP_EXTRA_INDEX_URL") and not (env.get("UV_EXTRA_INDEX_URL") or env.get("UV_INDEX")):
        for url in env["PIP_EXTRA_INDEX_URL"].split():
            command += ["--extra-index-url", url]
    if env.get("PIP_FIND_LINKS") and not env.get("UV_FIND_LINKS"):
        for location in env["PIP_FIND_LINKS"].split():
            command += ["--find-links", location]
    if env.get("PIP_NO_INDEX", "").strip().lower() in ("1", "true", "yes", "on"):
        command.append("--no-index")
    return [*command, *_targets(settings)]


def run_streaming(command: list[str], reporter: Reporter, cwd: Path) -> int:
    """Run ``command`` in ``cwd``, streaming its output through ``reporter``; stop it if we are interrupted."""
    from installdev.locking import held_lock_fds

    reporter.detail("running " + " ".join(command))
    process = subprocess.Popen(
        command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        pass_fds=() if os.name == "nt" else held_lock_fds(),  # an orphaned installer keeps the venv locked
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


def install_project(venv: Path, base: BasePython, settings: Settings, installer: tuple[str, str | None],
                    reporter: Reporter) -> str:
    """Install into ``venv`` with the chosen backend; return the backend that succeeded. Raises InstallError."""
    name, uv = installer
    directory = settings.project.directory
    if name == UV:
        returncode = run_streaming(uv_command(uv, venv, settings, dict(os.environ)), reporter, directory)
        if returncode == 0:
            return UV
        reporter.warning(f"uv failed with exit status {returncode}; retrying once with pip")
    returncode = run_streaming(pip_command(venv, base, settings), reporter, directory)
    if returncode != 0:
        reporter.replay_tool_tail()
        raise InstallError(f"pip install failed with exit status {returncode} (its output is above): fix the cause and re-run")
    return PIP
