"""Requirement and constraint files as pip reads them: their text, and which files they include (``-r``/``-c``).

Decoding follows pip: a byte-order mark (UTF-8, UTF-16, UTF-32), else a PEP 263 ``# -*- coding: NAME -*-`` comment on
one of the first two lines, else UTF-8, else the locale's encoding; a file none of these decodes is an error naming
the fix. Lines are read as pip reads them: a trailing backslash joins the next line, ``#`` at the start or after
whitespace starts a comment, and ``${NAME}`` (upper-case letters, digits, ``_``) is replaced by that environment
variable when it is set and not empty. An included file is a path relative to the including file or a ``file:`` URL;
an ``http(s)://`` include is pip's to fetch and not a local input (a change there does not rebuild the venv).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Mapping
from pathlib import Path

from installdev.errors import ProjectError
from installdev.request.project.input_file import read_input_file

# the order matters: the UTF-32 little-endian mark starts with the UTF-16 one
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_URL = re.compile(r"^(https?|file):", re.IGNORECASE)
_INCLUDE_OPTIONS = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}


def decode_requirement_file(path: Path, data: bytes) -> str:
    """The text of a requirement file, decoded the way pip decodes it. Raises ProjectError when it cannot be."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return _decode(path, data, len(mark), encoding, f"it starts with the {encoding} byte-order mark")
    for line in data.split(b"\n")[:2]:
        declared = _CODING.search(line) if line.startswith(b"#") else None
        if declared:
            return _decode(path, data, 0, declared.group(1).decode("ascii"), "its coding comment declares it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        import locale

        fallback = locale.getpreferredencoding(False) or "utf-8"
        if codecs.lookup(fallback).name != "utf-8":
            try:
                return data.decode(fallback)
            except UnicodeDecodeError:
                pass
        raise ProjectError(f"requirement file {path} is not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) "
                           f"nor the locale's {fallback}: save it as UTF-8, or declare its encoding on its first line, "
                           "e.g. `# -*- coding: latin-1 -*-`") from None


def _decode(path: Path, data: bytes, start: int, encoding: str, why: str) -> str:
    try:
        return data[start:].decode(encoding)
    except LookupError:
        raise ProjectError(f"requirement file {path}: {why}, but {encoding!r} is no encoding Python knows: "
                           "fix the coding comment") from None
    except UnicodeDecodeError as error:
        offset = start + error.start
        raise ProjectError(f"requirement file {path} is not valid {encoding} ({why}): byte 0x{data[offset]:02x} at "
                           f"offset {offset}; fix or re-save the file") from None


def logical_lines(text: str, env: Mapping[str, str]) -> list[str]:
    """pip's view of the lines: continuations joined, comments and blank lines dropped, ``${NAME}`` expanded."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\") and not _COMMENT.match(line):
            pending += line[:-1]
            continue
        line, pending = pending + line, ""
        line = _COMMENT.sub("", line).strip()
        if line:
            lines.append(_VARIABLE.sub(lambda match: env.get(match.group(1)) or match.group(0), line))
    if pending.strip():
        lines.append(_VARIABLE.sub(lambda match: env.get(match.group(1)) or match.group(0), pending.strip()))
    return lines


def _included(line: str) -> list[str]:
    """The file names a line includes with -r/-c (also ``-rFILE``, ``--requirement=FILE``, quoted names)."""
    if not line.startswith("-"):
        return []
    if '"' in line or "'" in line:
        import shlex

        try:
            tokens = shlex.split(line)
        except ValueError:
            return []  # pip reports the unbalanced quote itself
    else:
        tokens = line.split()
    found = []
    for index, token in enumerate(tokens):
        option, equals, value = token.partition("=")
        if option in _INCLUDE_OPTIONS and equals:
            found.append(value)
        elif token in _INCLUDE_OPTIONS and index + 1 < len(tokens):
            found.append(tokens[index + 1])
        elif token[:2] in ("-r", "-c") and len(token) > 2 and not token.startswith("--"):
            found.append(token[2:])
    return found


def url_path_to_local(url_path: str) -> str:
    """The local path the path part of a ``file:`` URL names: ``urllib.request.url2pathname``, without loading
    urllib.request (and the HTTP and e-mail modules it imports) on the build path."""
    if os.name == "nt":
        from nturl2path import url2pathname

        return url2pathname(url_path)
    from urllib.parse import unquote

    return unquote(url_path)


def included_path(name: str, including: Path) -> Path | None:
    """The local file an include (``-r NAME`` in ``including``) names, or None for a URL pip fetches."""
    scheme = _URL.match(name)
    if scheme is None:
        return (including.parent / name).resolve()
    if scheme.group(1).lower() != "file":
        return None
    from urllib.parse import urlsplit

    return Path(url_path_to_local(urlsplit(name).path)).resolve()


def requirement_file_closure(files: tuple[Path, ...], env: Mapping[str, str] = os.environ) -> list[Path]:
    """The given requirement/constraint files plus every local file they include with -r/-c, in order. Raises
    ProjectError for a file that is missing, unreadable or undecodable."""
    seen: list[Path] = []
    pending: list[tuple[Path, Path | None, str]] = [(path, None, "") for path in files]
    while pending:
        path, including, written = pending.pop(0)
        if path in seen:
            continue
        origin = f" (included by {including} as {written})" if including else ""
        try:
            data = read_input_file(path, f"requirement file {path}{origin}" if including else None)
        except FileNotFoundError:
            unset = [name for name in _VARIABLE.findall(written) if not env.get(name)]
            hint = f"; ${{{unset[0]}}} is not set" if unset else ""
            raise ProjectError(f"requirement file {path}{origin} does not exist{hint}: fix the path or create it") from None
        except OSError as error:
            raise ProjectError(f"cannot read requirement file {path}{origin}: {error.strerror}") from None
        except ValueError:  # a NUL character in the name
            raise ProjectError(f"requirement file {str(path)!r}{origin} is not a valid path") from None
        seen.append(path)
        for line in logical_lines(decode_requirement_file(path, data), env):
            for name in _included(line):
                local = included_path(name, path)
                if local is not None:
                    pending.append((local, path, name))
    return seen


_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s+|=)(?P<target>\S+)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_DIRECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(?P<target>\S+)")


def local_directories(files: list[Path], directory: Path, env: Mapping[str, str] = os.environ) -> list[Path]:
    """The existing local directories the requirement ``files`` install, as pip run in ``directory`` reads them: an
    editable path (``-e ../lib``), a bare path (``./lib``, ``../lib[extra]``) or a ``file:`` URL, alone or as ``NAME @
    file:...``. Relative paths are taken from ``directory`` (pip's working directory, not the file's); VCS and remote
    URLs install nothing local. Unreadable files are skipped: the full check reports them."""
    found: list[Path] = []
    for path in files:
        try:
            lines = logical_lines(decode_requirement_file(path, read_input_file(path)), env)
        except (OSError, ProjectError):
            continue
        for line in lines:
            target = _install_target(line)
            local = _local_directory(target, directory) if target else None
            if local is not None and local not in found:
                found.append(local)
    return found


def _install_target(line: str) -> str | None:
    """What a requirement line installs when it may be local: the editable target, the direct reference, or the line
    itself when it reads as a path; None for options and named requirements."""
    editable = _EDITABLE.match(line)
    if editable:
        return editable.group("target")
    if line.startswith("-"):
        return None
    reference = _DIRECT_REFERENCE.match(line)
    if reference:
        return reference.group("target")
    return line.split(";")[0].strip() if line.startswith((".", "/", "~", "file:")) else None


def _local_directory(target: str, directory: Path) -> Path | None:
    target = target.split("#")[0].split(";")[0].strip()
    scheme = _SCHEME.match(target)
    if scheme and len(scheme.group(1)) > 1:  # a Windows drive letter is no scheme
        if scheme.group(1).lower() != "file":
            return None
        from urllib.parse import urlsplit

        target = url_path_to_local(urlsplit(target).path)
    target = re.sub(r"\[[^\]]*\]$", "", target)  # ../lib[extra]
    path = (directory / os.path.expanduser(target)).resolve()
    return path if path.is_dir() else None


_HASH_OPTION = re.compile(r"(^|\s)--hash[=\s]")


def uses_hashes(path: Path) -> bool:
    """Whether ``path`` or a file it includes pins a requirement with ``--hash`` (pip's hash-checking mode).
    An unreadable file counts as unhashed: the installer reports it."""
    try:
        closure = requirement_file_closure((path,))
    except ProjectError:
        return False
    for included in closure:
        try:
            if _HASH_OPTION.search(decode_requirement_file(included, read_input_file(included))):
                return True
        except (OSError, ProjectError):
            continue
    return False
