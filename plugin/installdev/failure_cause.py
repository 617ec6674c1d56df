"""Why a build failed, in one line: the build backend's first real error line, found in an installer's output.

pip and uv wrap a failed build in lines of their own (pip's ``error: subprocess-exited-with-error``, ``× Building
editable for NAME did not run successfully``, ``ERROR: Failed building editable``; uv's ``error: Failed to build
`NAME @ URL```, ``cause: The build backend returned an error``, ``╰─▶ Call to `...build_editable` failed``); the
cause is inside, often far above the end of the output. ``BuildFailure`` is fed the output line by line and keeps, in
bounded memory, whether a build failed, what (when the installer names it), and the cause: the first line of the most
specific kind, with colours, indentation and box-drawing prefixes removed, cut to 200 characters. The kinds, most
specific first:

0. a compiler's or build tool's diagnostic (``cc1: fatal error: ...``, ``gcc: error: ...``, ``src/x.c:3:10: error:
   ...``, ``meson.build:10:0: ERROR: ...``), a line saying ``No such file or directory``, and the exception line that
   ends a Python traceback (``ModuleNotFoundError: No module named 'setuptools_scm'``);
1. another ``error:`` line of the backend (``error: file 'x.c' does not exist``);
2. the first line the backend printed, in uv's ``[stderr]`` block or pip's ``[N lines of output]`` one, when it says
   nothing of the kinds above (aiohttp's ``Install submodules when building from git clone``);
3. uv's innermost cause when it is not one of its wrappers (``No solution found when resolving: ...``);
4. a command's exit status (``error: Command '['gcc', ...]' returned non-zero exit status 1.``): what failed, not why.

Never a cause: the installers' wrapper lines above, ``note:``, ``hint:`` and ``warning:`` lines, and the frames of a
traceback.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

CAUSE_LENGTH = 200
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_PREFIX = re.compile(r"^(?:[│|×]\s*|[├╰]─[▶>]\s*)+")  # pip's and uv's box drawing
_UV_CAUSE = re.compile(r"^\s*(?:cause:|[├╰]─▶)\s*(?P<text>.*)$")
_UV_WRAPPERS = re.compile(r"^(?:The build backend returned an error|Call to `[^`]+` failed|Failed to build\b|"
                          r"Build backend failed to)")
_WRAPPERS = re.compile(
    r"^(?:error: (?:subprocess-exited-with-error|metadata-generation-failed|failed-wheel-build-for-install)|"
    r"ERROR: (?:Failed building|Failed to build|Could not build wheels)|error: Failed to build\b|"
    r"(?:note|hint|warning|WARNING|DEPRECATION):)")
_DIAGNOSTIC = re.compile(r"(?:^[^\s:]+(?::\d+)*:\s*(?:fatal )?error:|fatal error:|No such file or directory|"
                         r"undefined reference to)", re.IGNORECASE)
_ERROR = re.compile(r"^error:", re.IGNORECASE)
_EXIT_STATUS = re.compile(r"(?:returned non-zero exit status|returned \d+ exit status|failed with exit (?:code|status))",
                          re.IGNORECASE)
_TRACEBACK = "Traceback (most recent call last):"
_EXCEPTION = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?::\s.*)?$")
_TRACEBACK_ENDS = re.compile(r"^(?:\[end of output\]|note:|hint:|\[stdout\]|\[stderr\])")
_NAMED = re.compile(r"(?:Building (?:editable|wheel) for |Failed building (?:editable|wheel) for |"
                    r"^(?:error: )?Failed to build `|^Failed to build (?=[\w.-]+$))(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")
_LOCATION = re.compile(r"^(?:Obtaining|Processing) (?P<location>\S+)$")  # pip, before it builds a local directory
_FAILED = re.compile(r"(?:did not run successfully|^error: (?:subprocess-exited-with-error|metadata-generation-failed|"
                     r"failed-wheel-build-for-install)|^ERROR: (?:Failed building|Could not build wheels)|"
                     r"Failed to build\b|^The build backend returned an error)")
_BACKEND_BLOCK = re.compile(r"^(?:\[stderr\]|\[\d+ lines? of output\])$")  # uv's, pip's; uv's [stdout] is not one
_BACKEND_BLOCK_ENDS = re.compile(r"^\[(?:stdout|end of output)\]$")
_SPECIFIC, _BACKEND_ERROR, _BACKEND_FIRST_LINE, _UV_INNERMOST, _EXIT = range(5)


class BuildFailure:
    """Reads an installer's output line by line (``feed``); ``failed``, ``subject`` and ``cause`` say what it showed
    (see the module). Keeps a few lines at most, whatever the output's length."""

    def __init__(self) -> None:
        self.failed = False
        self.subject: str | None = None  # the name of what failed to build, when the installer names it
        self.location: str | None = None  # the local directory pip last took up before the failure (its words)
        self._best: tuple[int, str] | None = None
        self._uv_cause: str | None = None
        self._uv_column: int | None = None  # where the text of uv's last boxed cause starts, while it may go on
        self._traceback_indent: int | None = None
        self._block_indent: int | None = None  # while in the backend's output block: the indent of its opening line

    @property
    def cause(self) -> str | None:
        """The cause line, or None when the output shows none."""
        if self._uv_cause is not None and (self._best is None or self._best[0] > _UV_INNERMOST):
            return self._uv_cause
        return self._best[1] if self._best else None

    def feed(self, line: str) -> None:
        raw = _ANSI.sub("", line.rstrip("\r\n"))
        text = _PREFIX.sub("", raw.strip()).strip()
        if not text:
            self._uv_column = None
            return
        self._note_failure(text)
        if self._uv_cause_line(raw, text):
            return
        indent = len(raw) - len(raw.lstrip())
        if self._backend_block_line(text, indent):
            return
        if self._in_traceback(text, indent):
            return
        kind = _kind(text)
        if kind is not None:
            self._offer(kind, text)

    def _uv_cause_line(self, raw: str, text: str) -> bool:
        """Whether ``raw`` is one of uv's cause lines, or the next line of a boxed one that uv wrapped at the terminal
        width (then it joins it)."""
        column = self._uv_column
        if column is not None and raw[:column].strip() in ("", "│") and raw[column:column + 1] not in ("", " "):
            self._uv_cause = _shortened(f"{self._uv_cause} {text}")
            return True
        uv_cause = _UV_CAUSE.match(raw)
        self._uv_column = None
        if uv_cause is None:
            return False
        if uv_cause["text"] and not _UV_WRAPPERS.match(uv_cause["text"]):
            self._uv_cause = _shortened(uv_cause["text"].strip())
            self._uv_column = uv_cause.start("text") if "─▶" in raw[:uv_cause.start("text")] else None
        return True

    def _backend_block_line(self, text: str, indent: int) -> bool:
        """Whether ``text`` opens or closes the backend's output block (then it is nothing more); offers the block's
        first line as a cause of its own kind."""
        if _BACKEND_BLOCK.match(text):
            self._block_indent = indent
            return True
        if self._block_indent is None:
            return False
        if _BACKEND_BLOCK_ENDS.match(text) or indent < self._block_indent:
            self._block_indent = None
            return bool(_BACKEND_BLOCK_ENDS.match(text))
        if text != _TRACEBACK and not _WRAPPERS.match(text):
            self._offer(_BACKEND_FIRST_LINE, text)
            self._block_indent = None
        return False

    def _note_failure(self, text: str) -> None:
        located = _LOCATION.match(text)
        if located and not self.failed:
            self.location = located["location"]
        failing = bool(_FAILED.search(text)) or text.endswith("finished with status 'error'")
        named = _NAMED.search(text)
        if named and failing and self.subject is None:  # not a build that went well before
            self.subject = named["name"]
        self.failed = self.failed or failing

    def _in_traceback(self, text: str, indent: int) -> bool:
        """Whether ``text`` belongs to a Python traceback (taking its exception line as a cause)."""
        if text == _TRACEBACK:
            self._traceback_indent = indent
            return True
        if self._traceback_indent is None:
            return False
        if _TRACEBACK_ENDS.match(text) or indent < self._traceback_indent:
            self._traceback_indent = None
            return False
        if indent == self._traceback_indent and _EXCEPTION.match(text):
            self._traceback_indent = None
            self._offer(_SPECIFIC, text)
        return True

    def _offer(self, kind: int, text: str) -> None:
        if self._best is None or kind < self._best[0]:
            self._best = (kind, _shortened(text))


def _kind(text: str) -> int | None:
    """How specific a cause ``text`` is (the module's kinds), or None when it is none."""
    if _WRAPPERS.match(text):
        return None
    if _EXIT_STATUS.search(text):
        return _EXIT if _ERROR.match(text) or _DIAGNOSTIC.search(text) else None
    if _DIAGNOSTIC.search(text):
        return _SPECIFIC
    return _BACKEND_ERROR if _ERROR.match(text) else None


def _shortened(text: str) -> str:
    return text if len(text) <= CAUSE_LENGTH else text[:CAUSE_LENGTH - 1] + "…"


def failure_line(installer: str, failure: BuildFailure | None, project_name: str | None, project_dir: Path) -> str | None:
    """``INSTALLER failed building the project: CAUSE (the full output is above)`` (``building NAME`` for another
    distribution or directory, ``building a package`` when the installer names none; no ``: CAUSE`` without one) when
    the output shows a failed build; else None."""
    if failure is None or not failure.failed:
        return None
    what = "the project" if _is_project(failure, project_name, project_dir) else failure.subject or failure.location
    cause = failure.cause
    return (f"{installer} failed building {what or 'a package'}" + (f": {cause}" if cause else "")
            + " (the full output is above)")


def _is_project(failure: BuildFailure, project_name: str | None, project_dir: Path) -> bool:
    """Whether what failed to build is the project: by the name the installer gave, else by the directory pip took up
    (a ``file:`` URL, or a path from its working directory, the project's)."""
    from installdev.request.project.tables import normalize_name

    if failure.subject is not None:
        return project_name is not None and normalize_name(failure.subject) == project_name
    if failure.location is None:
        return False
    location = failure.location
    if location.startswith("file:"):
        from urllib.parse import urlsplit

        from installdev.request.project.requirements import url_path_to_local

        location = url_path_to_local(urlsplit(location).path)
    return os.path.realpath(project_dir / location) == os.path.realpath(project_dir)
