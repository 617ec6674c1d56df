"""Creating the venv in exactly the mode decided: with virtualenv, or with ``uv venv`` where the policy says so.

virtualenv is told ``--copies`` or ``--symlinks`` explicitly and runs with the user's
``VIRTUALENV_*`` variables and config file shut out, so neither its own TMPDIR symlink probe nor a
stray setting can change the mode. It writes no ``.venv`` redirect file beside the venv.
Seeds pip and setuptools from virtualenv's bundled wheels and app-data cache, offline (wheel is no
longer seeded by virtualenv 21: setuptools builds wheels itself), so no ``pip install --upgrade pip
setuptools wheel`` round trip is needed.

``uv venv`` (symlinks, no pip: ``installdev.policy.choose_creator``) is given the base interpreter's path, keeps what
is already in the claimed directory (installdev's marker), and runs without the user's uv configuration, project
discovery or ``UV_VENV_*`` variables, so it neither seeds packages from an index nor clears the directory.
"""

from __future__ import annotations

import errno
import logging
import os
import sysconfig
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from installdev.errors import CreateError
from installdev.host.interpreter import BasePython
from installdev.report import Reporter
from installdev.vocabulary import LinkMode

_KEPT_VIRTUALENV_VARIABLES = frozenset({"VIRTUALENV_OVERRIDE_APP_DATA"})
NIX_ENV_PTH = "installdev-nix-env.pth"


def _virtualenv_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUALENV_") or k in _KEPT_VIRTUALENV_VARIABLES}
    env["VIRTUALENV_CONFIG_FILE"] = os.devnull
    env["VIRTUALENV_NO_VENV_REDIRECT"] = "1"
    return env


@contextmanager
def _app_data(env: dict[str, str]) -> Iterator[None]:
    """virtualenv keeps its app-data cache (seed wheels, interpreter facts) under the home directory; when there is none
    (HOME unset and no passwd entry) and no override, it gets a temporary one for this creation."""
    if "VIRTUALENV_OVERRIDE_APP_DATA" in env or not os.path.expanduser("~").startswith("~"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="installdev-app-data-") as scratch:
        env["VIRTUALENV_OVERRIDE_APP_DATA"] = scratch
        yield


class _VirtualenvLog(logging.Handler):
    """virtualenv's warnings during one creation, as installdev's ``-v`` details: without a handler Python prints them
    bare on stderr. They are about its cache, and its caution that another account could change a copies venv's
    standard-library search path, which it gives for every world-writable ancestor (``/tmp/lib``) even where the copied
    python loads the base's libpython, found beside the base (pyenv's, the distributions')."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.WARNING)
        self._reporter = reporter
        self._thread = threading.get_ident()  # bootstrap creates venvs in several threads at once

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            self._reporter.detail(f"virtualenv: {record.getMessage()}")


@contextmanager
def _virtualenv_log(reporter: Reporter) -> Iterator[None]:
    logger = logging.getLogger("virtualenv")
    handler = _VirtualenvLog(reporter)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def site_packages(venv: Path, version: tuple[int, int, int]) -> Path:
    scheme = "nt" if os.name == "nt" else "posix_venv" if "posix_venv" in sysconfig.get_scheme_names() else "posix_prefix"
    variables = {"base": str(venv), "platbase": str(venv), "py_version_short": f"{version[0]}.{version[1]}",
                 "implementation_lower": "python", "abiflags": ""}
    return Path(sysconfig.get_path("purelib", scheme, variables))


def _one_line(error: Exception) -> str:
    """What went wrong, in one line. virtualenv's seeders wrap their threads' failures in a RuntimeError whose message
    holds whole tracebacks: the last line of those (``OSError: [Errno 28] No space left on device``) is the cause."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    cause = lines[-1] if len(lines) > 1 else f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    if (isinstance(error, OSError) and error.errno == errno.ENOSPC) or f"[Errno {errno.ENOSPC}]" in cause:
        return f"{cause}: free some space there, or pass --venv on another disk"
    return cause


def create_venv(dest: Path, base: BasePython, mode: LinkMode, system_site_packages: bool, seed_pip: bool,
                reporter: Reporter, uv: str | None = None) -> None:
    """Create a venv at ``dest`` (an existing, claimed directory): with ``uv venv`` when ``uv`` (its executable) is
    given, for a symlinks venv without pip; else with virtualenv, seeded with pip and setuptools when ``seed_pip``.
    Raises CreateError."""
    if uv is not None:
        _create_with_uv(uv, dest, base, system_site_packages)
    else:
        with _virtualenv_log(reporter):
            _create_with_virtualenv(dest, base, mode, system_site_packages, seed_pip)
    if system_site_packages and base.nix_env_site_packages:
        pth = site_packages(dest, base.version) / NIX_ENV_PTH
        try:
            pth.write_text(f"import site; site.addsitedir({base.nix_env_site_packages!r})\n", encoding="utf-8")
        except OSError as error:
            raise CreateError(f"could not write {pth}: {_one_line(error)}") from None


def _create_with_uv(uv: str, dest: Path, base: BasePython, system_site_packages: bool) -> None:
    import subprocess

    command = [uv, "venv", "--allow-existing", "--no-project", "--no-config", "--python", base.path, "--quiet", str(dest)]
    if system_site_packages and base.nix_env_site_packages is None:
        command.append("--system-site-packages")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("UV_VENV_") and key not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON")}
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CreateError(f"uv venv could not create {dest}: {error}") from None
    if completed.returncode != 0:
        said = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        cause = said[-1] if said else f"exit status {completed.returncode}"
        if "No space left on device" in cause:
            cause += ": free some space there, or pass --venv on another disk"
        raise CreateError(f"uv venv could not create {dest}: {cause}")


def _create_with_virtualenv(dest: Path, base: BasePython, mode: LinkMode, system_site_packages: bool,
                            seed_pip: bool) -> None:
    from virtualenv import cli_run

    args = [str(dest), "--python", base.path, f"--{mode}", "--no-download", "--no-periodic-update", "--quiet"]
    # virtualenv seeds setuptools only for Python < 3.12 unless asked; a dev venv wants it everywhere
    args += ["--setuptools", "bundle"] if seed_pip else ["--no-seed"]
    if system_site_packages and base.nix_env_site_packages is None:
        args.append("--system-site-packages")
    env = _virtualenv_environment()
    with _app_data(env):
        try:
            cli_run(args, setup_logging=False, env=env)
        except SystemExit as exit_:
            raise CreateError(f"virtualenv refused to create {dest} (exit status {exit_.code})") from None
        except Exception as error:  # virtualenv raises many types; all mean "not created"
            raise CreateError(f"virtualenv could not create {dest}: {_one_line(error)}") from None
