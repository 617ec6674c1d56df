"""Private copies of requirement and constraint files with some lines left out, which the installer reads as it would
read the originals. The originals are only read.

``copy_requirement_files`` copies the given files and every local file they include with ``-r``/``-c``, recursively,
into one new temporary directory (mode 0700), as pip's logical lines (continuations joined, comments dropped) in
UTF-8. A line the caller's ``drop`` picks is left out. Every other line is kept as written (its options such as
``--hash``, its markers, its ``${NAME}`` references, which the installer expands as before), except that the paths
it names are made absolute, so that the copy resolves from its own directory:

* an include (``-r``/``-c``, ``--requirement``/``--constraint``, ``-rFILE``, ``--requirement=FILE``, a ``file:``
  URL) names the copy of that file; an ``http(s)`` include stays the installer's to fetch;
* an editable or bare local path (``-e ../lib``, ``./lib[extra]``, ``file:../lib``, ``NAME @ ./lib``) is taken from
  the installer's working directory, as pip and uv take it, when it exists there;
* ``-f``/``--find-links DIR`` is taken from the file's directory when it exists there, as pip takes it.

A line whose paths change is written with its ``${NAME}`` references expanded.

As pip does, an include's kind is its option's: a file included with ``-r`` holds requirements even inside a
constraints file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.input_file import read_input_file
from installdev.request.project.requirements import decode_requirement_file, included_path, logical_lines, url_path_to_local

_INCLUDES = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}  # option -> includes constraints
_EDITABLE = ("-e", "--editable")
_FIND_LINKS = ("-f", "--find-links")
_PATH_OPTIONS = (*_INCLUDES, *_EDITABLE, *_FIND_LINKS)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_EXTRAS = re.compile(r"\[[^\]]*\]$")
_DIRECT_REFERENCE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*)(?P<target>\S+)(?P<rest>.*)$")


class DroppedLine(NamedTuple):
    """A line left out of a copy: the original file, the logical line (``${NAME}`` expanded), and whether the file is
    read only as constraints (included with ``-c`` or given as a constraint file, never with ``-r``)."""

    file: Path
    line: str
    constraint_only: bool


class RequirementCopies(NamedTuple):
    """The private directory, the copy of each original file (by the original's path as given or included), and the
    lines left out, in file order."""

    directory: Path
    copies: dict[Path, Path]
    dropped: tuple[DroppedLine, ...]

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def copy_requirement_files(requirements: tuple[Path, ...], constraints: tuple[Path, ...], drop: Callable[[str], bool],
                           working_directory: Path, env: Mapping[str, str] = os.environ) -> RequirementCopies:
    """Copy ``requirements`` and ``constraints`` and what they include (see the module), leaving out the logical lines
    ``drop`` picks. Raises ProjectError for a file that cannot be read or decoded (nothing is left behind)."""
    directory = Path(tempfile.mkdtemp(prefix="installdev-requirements-"))
    copier = _Copier(directory, working_directory, drop, env)
    try:
        for path, constraint in [*((path, False) for path in requirements), *((path, True) for path in constraints)]:
            copier.copy_of(path, constraint)
        copier.run()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    dropped = tuple(line._replace(constraint_only=line.file not in copier.read_as_requirements) for line in copier.dropped)
    return RequirementCopies(directory, copier.copies, dropped)


class _Copier:
    """One copy run: the files met so far, each with its copy's path, and those still to write."""

    def __init__(self, directory: Path, working_directory: Path, drop: Callable[[str], bool], env: Mapping[str, str]):
        self.directory, self.working, self.drop, self.env = directory, working_directory, drop, env
        self.copies: dict[Path, Path] = {}
        self.read_as_requirements: set[Path] = set()
        self.dropped: list[DroppedLine] = []
        self._pending: list[Path] = []

    def copy_of(self, original: Path, constraint: bool) -> Path:
        """The copy's path for ``original`` (included as constraints or not), queued for writing when new."""
        if not constraint:
            self.read_as_requirements.add(original)
        if original not in self.copies:
            self.copies[original] = self.directory / f"{len(self.copies)}-{original.name}"
            self._pending.append(original)
        return self.copies[original]

    def run(self) -> None:
        while self._pending:
            original = self._pending.pop(0)
            self._write(original, self.copies[original])

    def _write(self, original: Path, copy: Path) -> None:
        try:
            text = decode_requirement_file(original, read_input_file(original))
        except OSError as error:
            raise ProjectError(f"cannot read requirement file {original}: {error.strerror}") from None
        kept = []
        for written, line in zip(logical_lines(text, {}), logical_lines(text, self.env), strict=True):
            if self.drop(line):
                self.dropped.append(DroppedLine(original, line, False))
            else:
                kept.append(self._rewritten(written, line, original))
        copy.write_text("".join(line + "\n" for line in kept), encoding="utf-8")

    def _rewritten(self, written: str, line: str, original: Path) -> str:
        """``written`` with the paths it names made absolute (``line``: the same line, ``${NAME}`` expanded)."""
        if line.startswith("-"):
            return self._option_line(line, original) if _names_paths(line) else written
        reference = _DIRECT_REFERENCE.match(line)
        if reference:
            target = self._local_target(reference["target"])
            return written if target == reference["target"] else reference["name"] + target + reference["rest"]
        words = line.split(";")[0].split()
        if not words:
            return written
        target = words[0]
        absolute = self._local_target(target) if target.startswith((".", "/", "~", "file:")) or "/" in target else target
        return written if absolute == target else absolute + line[len(target):]

    def _option_line(self, line: str, original: Path) -> str:
        tokens = _tokens(line)
        for index, token in enumerate(tokens):
            option, equals, value = token.partition("=")
            if equals and option in _PATH_OPTIONS and option.startswith("--"):
                tokens[index] = f"{option}={self._option_value(option, value, original)}"
            elif token in _PATH_OPTIONS and index + 1 < len(tokens):
                tokens[index + 1] = self._option_value(token, tokens[index + 1], original)
            elif token[:2] in _PATH_OPTIONS and len(token) > 2 and not token.startswith("--"):
                tokens[index] = token[:2] + self._option_value(token[:2], token[2:], original)
        return shlex.join(tokens)

    def _option_value(self, option: str, value: str, original: Path) -> str:
        if option in _INCLUDES:
            local = included_path(value, original)
            return value if local is None else str(self.copy_of(local, _INCLUDES[option]))
        if option in _EDITABLE:
            return self._local_target(value)
        beside = original.parent / value
        return str(beside.resolve()) if not _SCHEME.match(value) and beside.exists() else value

    def _local_target(self, target: str) -> str:
        """``target`` (a path, maybe with ``[extras]``, or a URL) as an absolute path or ``file:`` URL when it is a
        relative local path that exists from the working directory; else as written."""
        scheme = _SCHEME.match(target)
        if scheme and len(scheme.group(1)) > 1:  # a Windows drive letter is no scheme
            relative, hash_mark, fragment = target[len(scheme.group(0)):].partition("#")
            if scheme.group(1).lower() != "file" or relative.startswith("/"):
                return target
            path = Path(os.path.normpath(self.working / url_path_to_local(relative)))
            return path.as_uri() + hash_mark + fragment if path.exists() else target
        extras = _EXTRAS.search(target)
        path_text = target[:extras.start()] if extras else target
        path = Path(os.path.normpath(self.working / os.path.expanduser(path_text)))
        return str(path) + (extras.group(0) if extras else "") if path.exists() else target


def _names_paths(line: str) -> bool:
    return any(token.partition("=")[0] in _PATH_OPTIONS or (token[:2] in _PATH_OPTIONS and not token.startswith("--"))
               for token in _tokens(line))


def _tokens(line: str) -> list[str]:
    """An option line's words, as pip splits them (shell quoting)."""
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()  # an unbalanced quote: the installer reports it
