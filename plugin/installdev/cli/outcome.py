"""How a command ends: the exit code and error line of what stopped it, and the result printed on stdout."""

from __future__ import annotations

import sys
from typing import NamedTuple

from installdev.report import emit

_DEPENDENCIES = frozenset({"virtualenv", "platformdirs", "tomli", "packaging"})


class Failure(NamedTuple):
    """What stopped a command: its exit code and the ``installdev: error:`` line's message."""

    exit_code: int
    message: str
    is_bug: bool = False  # the exception goes on, with its traceback: exit 1


def failure_of(stopped: BaseException) -> Failure | None:
    """The :class:`Failure` that ``stopped`` means, or None for an exit of its own (SystemExit)."""
    from installdev.errors import ExitCode, InstalldevError, Interrupted

    if isinstance(stopped, InstalldevError):
        return Failure(stopped.exit_code, str(stopped))
    if isinstance(stopped, Interrupted):
        return Failure(stopped.exit_code, "terminated; any previous venv is left in place")
    if isinstance(stopped, KeyboardInterrupt):
        return Failure(ExitCode.INTERRUPTED, "interrupted; any previous venv is left in place")
    if isinstance(stopped, ModuleNotFoundError) and stopped.name in _DEPENDENCIES:
        return Failure(ExitCode.INTERNAL, f"installdev's dependency {stopped.name} is not installed in {sys.executable}: "
                                          "`pip install installdev`, or run the vendored plugin/run_installdev.py, which "
                                          "installs it")
    if isinstance(stopped, Exception):
        return Failure(ExitCode.INTERNAL, f"internal error: {type(stopped).__name__}: {stopped}", is_bug=True)
    return None


def report_error(message: str) -> None:
    emit(sys.stderr, f"installdev: error: {message}\n")


def print_json(document: dict) -> None:
    """``document`` as the command's result on stdout."""
    import json

    emit(sys.stdout, json.dumps(document, indent=2) + "\n")
