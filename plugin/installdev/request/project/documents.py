"""TOML documents parsed once per process for the same content: a project's pyproject.toml, its ancestors' (the uv
workspace search) and its locks, whichever role asks.

A plan consults one file several times (a lock for which groups, its freshness and its packages; an ancestor's
pyproject.toml for the workspace and the lock rules); a large lock takes tens of milliseconds to parse, reading it
again takes microseconds, so the cache is keyed by path and content: a file changed on disk is parsed again. The
documents are shared: callers must not change them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from installdev.errors import ProjectError
from installdev.request.project.input_file import read_input_file

_PARSED: dict[tuple[str, bytes], dict] = {}


def parse_toml(path: Path, content: bytes) -> dict:
    """``content`` (of ``path``, named in the error) parsed; ProjectError when it is not valid TOML."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(content.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path} is not valid TOML ({error}): fix the file and re-run") from None
    except RecursionError:
        raise ProjectError(f"{path} nests arrays or tables deeper than a TOML parser reads: flatten it and re-run") from None


def parse_toml_file(path: Path, content: bytes | None = None) -> dict:
    """``path`` parsed (``content``: its bytes, when already read), once per process for the same content. Raises
    OSError and ProjectError (not valid TOML, not a regular file)."""
    key = (str(path), read_input_file(path) if content is None else content)
    if key not in _PARSED:
        _PARSED[key] = parse_toml(path, key[1])
    return _PARSED[key]


def read_lock_document(lock: Path) -> dict:
    """A lock file parsed (once per content, as ``parse_toml_file``). Raises ProjectError when it cannot be read or is
    not valid TOML; whether it is a lock of its kind is for its format's reader to say."""
    try:
        return parse_toml_file(lock)
    except OSError as error:
        raise ProjectError(f"cannot read {lock}: {error.strerror}") from None
