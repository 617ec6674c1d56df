"""What the user sees: one ``installdev:`` line per step with its duration, installer output indented.

Progress goes to stdout and errors to stderr, line by line and flushed, so the output reads the same
in a terminal, a CI log and a Gradle build.
"""

from __future__ import annotations

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


class Reporter:
    def __init__(self, verbosity: int = NORMAL, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self._out = out or sys.stdout
        self._err = err or sys.stderr
        self.tool_tail: deque[str] = deque(maxlen=_TAIL_LINES)
        self.build_failure: BuildFailure | None = None  # what the running tool's output says about a failed build
        self._replay_held = False
        self._replay_pending = False

    def _write(self, stream: TextIO, text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    def info(self, message: str) -> None:
        if self.verbosity >= NORMAL:
            self._write(self._out, f"installdev: {message}")

    def detail(self, message: str) -> None:
        if self.verbosity >= VERBOSE:
            self._write(self._out, f"installdev: {message}")

    def warning(self, message: str) -> None:
        self._write(self._err, f"installdev: warning: {message}")

    def error(self, message: str) -> None:
        self._write(self._err, f"installdev: error: {message}")

    def tool_started(self) -> None:
        """A child tool starts: its output alone tells why its build failed."""
        from installdev.failure_cause import BuildFailure

        self.build_failure = BuildFailure()

    def tool_output(self, line: str) -> None:
        """A line from a child tool (pip, uv): shown indented, kept for the error report in quiet mode, and read for
        the cause of a failed build."""
        line = line.rstrip("\r\n")
        self.tool_tail.append(line)
        if self.build_failure is not None:
            self.build_failure.feed(line)
        if self.verbosity >= NORMAL:
            self._write(self._out, f"    {line}")

    def replay_tool_tail(self) -> None:
        """After a child tool failed in quiet mode, show what it said last on stderr (inside ``holding_replay``: later)."""
        if self._replay_held:
            self._replay_pending = True
            return
        if self.verbosity < NORMAL:
            for line in self.tool_tail:
                self._write(self._err, f"    {line}")

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

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.info(f"{title} ...")
        started = time.perf_counter()
        yield
        self.info(f"{title}: done in {time.perf_counter() - started:.1f}s")
