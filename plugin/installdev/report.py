"""What the user sees: one ``installdev:`` line per step with its duration, installer output indented.

All of it goes to stderr, as uv's does: stdout carries only a command's result (the ``--json`` document, the ``inputs``
listing, the command ``run`` execs). Lines are written one by one and flushed, so the output reads the same in a
terminal, a CI log and a Gradle build. On a terminal, at the default verbosity, an installer's output is one line
redrawn in place and shown whole only when the installer fails; ``-v`` shows it as it comes, as every log does.
A reader that has gone (``installdev ... 2>&1 | head -1``) loses the rest of the output, never the build.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from installdev.failure_cause import BuildFailure

QUIET, NORMAL, VERBOSE = -1, 0, 1
_TAIL_LINES = 40
_LOG_LINES = 10_000  # the most of one installer run kept to show when it fails on a terminal
_CLEAR_LINE = "\r\x1b[K"


def emit(stream: TextIO | None, text: str) -> None:
    """Write ``text`` to ``stream`` at once. When its reader has gone (a closed pipe), the stream's descriptor is pointed
    at the null device: what follows is dropped, and neither a later write nor the interpreter's last flush fails."""
    if stream is None:  # the process was started with that descriptor closed
        return
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _point_at_null_device(stream)


def _point_at_null_device(stream: TextIO) -> None:
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # not a file (a capture), or already closed
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return 80


def _printable(line: str) -> str:
    """``line`` as one line a terminal shows as it is: its last carriage-return segment, without escape sequences or
    other control characters."""
    import re

    line = re.sub(r"\x1b\[[0-9;?]*[ -/]*[@-~]", "", line.rsplit("\r", 1)[-1]).replace("\t", " ")
    return "".join(character for character in line if character.isprintable())


class Reporter:
    def __init__(self, verbosity: int = NORMAL, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self._stream = stream or sys.stderr
        self._live = verbosity == NORMAL and _is_terminal(self._stream)  # installer output as one line redrawn
        self._live_line_shown = False
        self.tool_tail: deque[str] = deque(maxlen=_TAIL_LINES)
        self._tool_log: deque[str] = deque(maxlen=_LOG_LINES)  # the running tool's output, when not shown as it comes
        self.build_failure: BuildFailure | None = None  # what the running tool's output says about a failed build
        self._replay_held = False
        self._replay_pending = False

    def _write(self, text: str) -> None:
        if self._live_line_shown:
            text, self._live_line_shown = _CLEAR_LINE + text, False
        emit(self._stream, text + "\n")

    def info(self, message: str) -> None:
        if self.verbosity >= NORMAL:
            self._write(f"installdev: {message}")

    def detail(self, message: str) -> None:
        if self.verbosity >= VERBOSE:
            self._write(f"installdev: {message}")

    def warning(self, message: str) -> None:
        if self.verbosity >= NORMAL:
            self._write(f"installdev: warning: {message}")

    def error(self, message: str) -> None:
        self._write(f"installdev: error: {message}")

    def tool_started(self) -> None:
        """A child tool starts: its output alone tells why its build failed."""
        from installdev.failure_cause import BuildFailure

        self.build_failure = BuildFailure()
        self._tool_log.clear()

    def tool_output(self, line: str) -> None:
        """A line from a child tool (pip, uv): shown indented (on a terminal: in the line redrawn), kept for the error
        report when not shown, and read for the cause of a failed build."""
        line = line.rstrip("\r\n")
        self.tool_tail.append(line)
        if self.build_failure is not None:
            self.build_failure.feed(line)
        if self._live:
            self._tool_log.append(line)
            shown = f"    {_printable(line)}"[:_columns(self._stream) - 1]
            emit(self._stream, f"{_CLEAR_LINE}{shown}")
            self._live_line_shown = True
        elif self.verbosity >= NORMAL:
            self._write(f"    {line}")

    def tool_finished(self) -> None:
        """The child tool has ended: the line redrawn with its output goes."""
        if self._live_line_shown:
            self._live_line_shown = False
            emit(self._stream, _CLEAR_LINE)

    def replay_tool_tail(self) -> None:
        """After a child tool failed, show what it said and was not shown: its last lines in quiet mode, all of it on a
        terminal (inside ``holding_replay``: later)."""
        if self._replay_held:
            self._replay_pending = True
            return
        if self.verbosity < NORMAL or self._live:
            for line in self._tool_log if self._live else self.tool_tail:
                self._write(f"    {line}")

    @contextmanager
    def holding_replay(self) -> Iterator[None]:
        """A failure's replay inside the block waits for ``end_hold``: the caller may retry the step, and a failure it
        recovers from is no news in quiet mode."""
        self._replay_held = True
        try:
            yield
        finally:
            self._replay_held = False

    def end_hold(self, replay: bool) -> None:
        """After ``holding_replay``: show the replay it held (``replay``), or forget it and the tool's tail."""
        pending, self._replay_pending = self._replay_pending, False
        if replay and pending:
            self.replay_tool_tail()
        elif not replay:
            self.tool_tail.clear()
            self._tool_log.clear()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.info(f"{title} ...")
        started = time.perf_counter()
        yield
        self.info(f"{title}: done in {time.perf_counter() - started:.1f}s")
