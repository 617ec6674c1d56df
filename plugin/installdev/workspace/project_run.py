"""The state of one project's build during ``bootstrap``: waiting, building, then its result, its error or skipped;
its timing, its captured output, and its entry in the ``--json`` document (``installdev.workspace.run``)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from installdev.actions.venvdir import venv_python
from installdev.errors import ExitCode, InstalldevError
from installdev.result import InstallResult, Outcome, activate_command

SKIPPED = "skipped"
_SKIP_REASON = "not started (--fail-fast)"


@dataclass(eq=False)
class ProjectRun:
    """One project's part of a run: its InstallResult, or its error, or skipped; its timing and captured output."""

    name: str
    directory: Path
    venv: Path | None = None  # None when the project's settings could not be read
    depends_on: frozenset[str] = frozenset()
    result: InstallResult | None = None
    error: InstalldevError | None = None
    skipped: bool = False
    started: float | None = None
    finished: float | None = None
    log: io.StringIO = field(default_factory=io.StringIO)
    last_line: str = ""

    @property
    def result_word(self) -> str | None:
        """built, rebuilt, up to date, failed or skipped; None while waiting or building."""
        if self.skipped:
            return SKIPPED
        if self.error is not None:
            return str(Outcome.FAILED)
        return str(self.result.outcome) if self.result else None

    @property
    def problem(self) -> str:
        """Why the project failed or was skipped; empty otherwise."""
        if self.skipped:
            return _SKIP_REASON
        return str(self.error) if self.error is not None else ""

    @property
    def exit_code(self) -> int:
        return int(self.error.exit_code) if self.error is not None else int(ExitCode.OK)

    @property
    def seconds(self) -> float:
        return self.finished - self.started if self.started is not None and self.finished is not None else 0.0

    def to_json(self) -> dict:
        entry = {
            "name": self.name, "directory": str(self.directory), "venv": str(self.venv) if self.venv else None,
            "python_executable": str(venv_python(self.venv)) if self.venv else None, "activate": None,
            "result": self.result_word, "exit_code": self.exit_code, "error": self.problem or None, "mode": None,
            "reasons": [], "base_python": None, "python_version": None, "started": self.started, "finished": self.finished,
            "seconds": round(self.seconds, 3), "log": self.log.getvalue(), "depends_on": sorted(self.depends_on),
        }
        if self.result:
            result = self.result
            entry.update(activate=activate_command(result.venv), mode=str(result.mode), reasons=list(result.mode_reasons),
                         base_python=result.base_python or None, python_version=result.python_version or None)
            if result.outcome is Outcome.REBUILT:
                entry["result"] = str(Outcome.BUILT)  # schema 1 predates "rebuilt"; the summary table shows it
        return entry
