"""What the user watches during ``bootstrap``: one status line per project, then the summary table.

On a terminal (unless TERM=dumb) the lines are redrawn in place every 0.2s, a building project showing
its elapsed time and the last line its build printed. Elsewhere (CI logs, pipes) each start and finish
is one plain ``installdev: NAME: STATUS`` line. The summary table has one row per project: its result
(built, rebuilt, up to date, failed or skipped), the interpreter's version, the build's duration, and the venv's link
mode and why (or the error), within 100 columns.
"""

from __future__ import annotations

import io
import os
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from installdev.report import emit
from installdev.workspace.project_run import ProjectRun

_HEADER = ("project", "result", "python", "time", "mode and why")


class LogCapture(io.TextIOBase):
    """The stream a project's Reporter writes to: kept whole in its log, its last line shown as progress."""

    def __init__(self, run: ProjectRun) -> None:
        self._run = run
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._run.log.write(text)
            lines = [line for line in text.splitlines() if line.strip()]
            if lines:
                self._run.last_line = lines[-1].strip()
        return len(text)


class Progress:
    """One status line per project, redrawn in place on a terminal; one plain line per start and finish otherwise."""

    def __init__(self, runs: Sequence[ProjectRun], stream: TextIO, enabled: bool) -> None:
        self._runs = runs
        self._stream = stream
        self._enabled = enabled
        self._live = enabled and _isatty(stream) and os.environ.get("TERM", "") != "dumb"
        self._lock = threading.Lock()
        self._lines_drawn = 0
        self._name_width = max(len(run.name) for run in runs)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self._live:
            self._redraw()
            self._ticker = threading.Thread(target=self._tick, name="installdev-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
            self._redraw()

    def event(self, run: ProjectRun) -> None:
        """``run`` started or finished."""
        if not self._enabled:
            return
        if self._live:
            self._redraw()
            return
        with self._lock:
            emit(self._stream, f"installdev: {run.name}: {status(run, live=False)}\n")

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            self._redraw()

    def _redraw(self) -> None:
        with self._lock:
            columns = _columns(self._stream)
            text = f"\x1b[{self._lines_drawn}F" if self._lines_drawn else ""
            for run in self._runs:
                line = f"{run.name:<{self._name_width}}  {status(run, live=True)}"
                text += "\x1b[2K" + line[: columns - 1] + "\n"
            self._lines_drawn = len(self._runs)
            emit(self._stream, text)


def status(run: ProjectRun, live: bool) -> str:
    """``run``'s progress line after its name; ``live`` lines show a build's elapsed time and last output."""
    if run.problem:
        return f"{run.result_word}: {run.problem}"
    if run.result:
        return f"{run.result_word} in {run.seconds:.1f}s ({run.result.mode})"
    if run.started is None:
        return "waiting"
    if not live:
        return "started"
    return f"building {time.time() - run.started:.0f}s  {run.last_line}"


TABLE_WIDTH = 100  # the summary's width, whatever the paths and reasons; -v shows them whole
_PROJECT_WIDTH = 30
_CUT = "..."
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/[^\s:;,()'\"`]+")


def summary_table(runs: Sequence[ProjectRun], cwd: Path, whole: bool = False) -> str:
    """The table printed after the run: a header, a rule, one row per project; the last column is not padded. Paths
    are relative to ``cwd`` when they are below it. Within TABLE_WIDTH columns: each project's interpreter by its
    version alone and its mode with the first reason, cut to fit; ``whole`` (-v): the interpreter's path and every
    reason, uncut (the ``--json`` document always has them)."""
    rows = [_HEADER, *(_row(run, cwd, whole) for run in runs)]
    if not whole:
        rows = [(_cut_start(row[0], _PROJECT_WIDTH), *row[1:]) for row in rows]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADER) - 1)]
    if not whole:
        room = max(len(_HEADER[-1]), TABLE_WIDTH - sum(widths) - 2 * len(widths))
        rows = [(*row[:-1], _cut_end(row[-1], room)) for row in rows]
    lines = [_join(row, widths) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in [*widths, max(len(row[-1]) for row in rows)]))
    return "\n".join(lines)


def _row(run: ProjectRun, cwd: Path, whole: bool) -> tuple[str, str, str, str, str]:
    result = run.result
    if run.problem:
        why = run.problem
    elif result:
        reasons = result.mode_reasons if whole else result.mode_reasons[:1]
        why = f"{result.mode}: {'; '.join(reasons)}" if reasons else str(result.mode)
    else:
        why = ""
    interpreter = (f"{result.python_version} {result.base_python}" if whole else result.python_version).strip() if result else ""
    seconds = f"{run.seconds:.1f}s" if run.started is not None else "-"
    return _relative(run.name, cwd, run.directory), run.result_word or "", interpreter, seconds, _relative_paths(why, cwd)


def _relative(name: str, cwd: Path, directory: Path) -> str:
    """The project as the user standing in ``cwd`` reaches it: its directory relative to ``cwd`` when it is below it
    (``.`` itself), else its name in the workspace."""
    return os.path.relpath(directory, cwd) if directory == cwd or cwd in directory.parents else name


def _relative_paths(text: str, cwd: Path) -> str:
    def shown(match: re.Match) -> str:
        path = Path(match[0])
        return os.path.relpath(path, cwd) if path == cwd or cwd in path.parents else match[0]

    return _ABSOLUTE_PATH.sub(shown, text)


def _cut_end(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - len(_CUT)] + _CUT


def _cut_start(text: str, width: int) -> str:
    return text if len(text) <= width else _CUT + text[len(text) - width + len(_CUT):]


def _join(row: tuple[str, ...], widths: list[int]) -> str:
    return "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        return max(40, os.get_terminal_size(stream.fileno()).columns)
    except (AttributeError, OSError, ValueError):
        return 120
