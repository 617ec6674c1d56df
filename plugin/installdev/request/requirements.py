"""Requirement and constraint files as pip reads them: which files a set of them includes (``-r``/``-c``)."""

from __future__ import annotations

import re
from pathlib import Path

from installdev.errors import ProjectError

_INCLUDE_OPTION = re.compile(r"^\s*(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S.*?)\s*$")


def requirement_file_closure(files: tuple[Path, ...]) -> list[Path]:
    """The given requirement/constraint files plus every file they include with -r/-c, in order."""
    seen: list[Path] = []
    pending = list(files)
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProjectError(f"requirement file {path} does not exist: fix the path or create it") from None
        except OSError as error:
            raise ProjectError(f"cannot read requirement file {path}: {error.strerror}") from None
        seen.append(path)
        for line in text.splitlines():
            match = _INCLUDE_OPTION.match(line.split(" #", 1)[0])
            if match:
                pending.append((path.parent / match.group(2)).resolve())
    return seen
