"""What one ``install-dev`` did, typed: the value ``install_dev`` returns, ``install-dev --json`` prints and
``bootstrap`` tabulates.

``--json`` document (schema 1), on stdout::

    {"schema": 1, "result": "built" | "rebuilt" | "up to date" | "failed", "exit_code": int,
     "error": str | null, "project": str, "venv": str | null, "python_executable": str | null,
     "activate": str | null, "mode": "copies" | "symlinks" | null, "mode_reasons": [str],
     "base_python": str | null, "python_version": str | null, "installer": "pip" | "uv" | null,
     "changes": [str], "seconds": float}

``changes`` says why the venv was (re)built (empty when up to date).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.actions.venvdir import venv_python
from installdev.errors import ExitCode
from installdev.vocabulary import Word

if TYPE_CHECKING:
    from installdev.actions.freshness import Freshness

RESULT_SCHEMA = 1


class Outcome(Word):
    BUILT = "built"
    REBUILT = "rebuilt"
    UP_TO_DATE = "up to date"
    FAILED = "failed"


class InstallResult(NamedTuple):
    outcome: Outcome
    project: Path
    venv: Path
    mode: str
    mode_reasons: tuple[str, ...]
    base_python: str
    python_version: str
    installer: str
    seconds: float
    changes: tuple[str, ...] = ()
    # what the venv's up-to-date verdict rests on, for a quick record; not up to date when an input changed meanwhile
    freshness: Freshness | None = None

    def to_json(self) -> dict:
        return {
            "schema": RESULT_SCHEMA, "result": str(self.outcome), "exit_code": int(ExitCode.OK), "error": None,
            "project": str(self.project), "venv": str(self.venv), "python_executable": str(venv_python(self.venv)),
            "activate": activate_command(self.venv), "mode": str(self.mode), "mode_reasons": list(self.mode_reasons),
            "base_python": self.base_python, "python_version": self.python_version, "installer": str(self.installer),
            "changes": list(self.changes), "seconds": round(self.seconds, 3),
        }


def failure_json(project: Path | None, venv: Path | None, exit_code: int, error: str, seconds: float) -> dict:
    """The ``--json`` document of a run that failed (or was stopped) with ``exit_code`` and ``error`` after ``seconds``."""
    return {
        "schema": RESULT_SCHEMA, "result": str(Outcome.FAILED), "exit_code": int(exit_code), "error": error,
        "project": str(project) if project else None, "venv": str(venv) if venv else None, "python_executable": None,
        "activate": None, "mode": None, "mode_reasons": [], "base_python": None, "python_version": None,
        "installer": None, "changes": [], "seconds": round(seconds, 3),
    }


def activate_command(venv: Path) -> str:
    """The command that activates ``venv``, relative to the current directory when it is below it, quoted."""
    try:
        relative = os.path.relpath(venv)
    except ValueError:  # Windows: another drive
        relative = ".."
    shown = str(venv) if relative == ".." or relative.startswith(".." + os.sep) else relative
    if os.name == "nt":
        return f'"{shown}\\Scripts\\activate.bat"'
    return f". {shlex.quote(shown + '/bin/activate')}"
