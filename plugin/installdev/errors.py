"""Exit codes and the one exception type that carries them to the command line."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented exit codes; scripts may rely on them."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    LOCK_TIMEOUT = 3
    CREATE_FAILED = 4
    INSTALL_FAILED = 5
    BAD_PROJECT = 6
    UNSAFE_VENV_PATH = 7
    HOST_UNSUPPORTED = 8
    BAD_PYTHON = 9
    INTERRUPTED = 130
    TERMINATED = 143


EXIT_CODE_MEANINGS = {
    ExitCode.OK: "success (built, or already up to date)",
    ExitCode.INTERNAL: "unexpected internal error (a bug: please report it)",
    ExitCode.USAGE: "bad command line, environment flag or [tool.installdev] setting",
    ExitCode.LOCK_TIMEOUT: "another process held the venv lock past --lock-timeout",
    ExitCode.CREATE_FAILED: "creating the venv failed, or the new venv failed its health check",
    ExitCode.INSTALL_FAILED: "installing the project or its requirements failed",
    ExitCode.BAD_PROJECT: "project directory, pyproject.toml, extra or requirement file is missing or invalid",
    ExitCode.UNSAFE_VENV_PATH: "refused to touch the --venv path (not a venv installdev made, or a protected path)",
    ExitCode.HOST_UNSUPPORTED: "the destination cannot hold a venv (read-only, no symlinks and no exec, no lock)",
    ExitCode.BAD_PYTHON: "the --python interpreter is missing, not Python, or too old (for the project or a requirement), "
                         "or no interpreter found fits",
    ExitCode.INTERRUPTED: "interrupted (SIGINT); any previous venv is left in place",
    ExitCode.TERMINATED: "terminated (SIGTERM); any previous venv is left in place",
}


class InstalldevError(Exception):
    """A failure to report as one line (what went wrong and how to fix it) with a distinct exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(InstalldevError):
    exit_code = ExitCode.USAGE


class ProjectError(InstalldevError):
    exit_code = ExitCode.BAD_PROJECT


class UnsafeVenvPathError(InstalldevError):
    exit_code = ExitCode.UNSAFE_VENV_PATH


class HostUnsupportedError(InstalldevError):
    exit_code = ExitCode.HOST_UNSUPPORTED


class BadPythonError(InstalldevError):
    exit_code = ExitCode.BAD_PYTHON


class LockTimeoutError(InstalldevError):
    exit_code = ExitCode.LOCK_TIMEOUT


class CreateError(InstalldevError):
    exit_code = ExitCode.CREATE_FAILED


class InstallError(InstalldevError):
    exit_code = ExitCode.INSTALL_FAILED


class Interrupted(BaseException):
    """Raised from a signal handler so that cleanup runs; carries the signal's exit code."""

    def __init__(self, exit_code: ExitCode) -> None:
        super().__init__(exit_code.name.lower())
        self.exit_code = exit_code
