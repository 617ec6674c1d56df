"""The stamp: what a finished venv was built from. One type owns its fields, its schema version, reading,
validating and writing.

``VENV/.installdev-stamp.json`` is written last, atomically (a new file in the venv, then ``os.replace``),
so its presence means "complete". Reading never raises: a stamp that is missing, unreadable (a
directory, no permission), not JSON, of another schema or with a field of the wrong type is reported
as the reason the venv has no valid stamp, and the venv is rebuilt. This module is on the up-to-date
path: it imports only ``json`` and ``os``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import NamedTuple

from installdev.actions.venvdir import stamp_path
from installdev.vocabulary import LinkMode

STAMP_SCHEMA = 1
_VERSION = re.compile(r"\d+\.\d+\.\d+\Z")


class InvalidStamp(ValueError):
    """A stamp document that does not validate; the message says which field."""


class Stamp(NamedTuple):
    installdev: str  # the version that built the venv
    inputs: dict  # everything the content depends on (see freshness.expected_inputs)
    python_requested: str
    python_path: str
    python_version: str  # "3.11.7"
    mode: LinkMode
    mode_reasons: tuple[str, ...]
    installer: str  # the backend that installed (pip or uv)
    built_at: str
    # what the development set was found to need of the interpreter, [[requirement, version or None, specifier], ...]
    # (installdev.request.project.python_need.PythonNeed.to_json); None when nothing beyond what the project accepts
    python_need: list | None = None

    def to_json(self) -> dict:
        return {
            "schema": STAMP_SCHEMA,
            "installdev": self.installdev,
            "inputs": self.inputs,
            "python_version": self.python_version,
            "base_python": {"requested": self.python_requested, "path": self.python_path, "version": self.python_version,
                            **({"need": self.python_need} if self.python_need else {})},
            "decision": {"mode": str(self.mode), "reasons": list(self.mode_reasons)},
            "installer": self.installer,
            "built_at": self.built_at,
        }

    @classmethod
    def from_json(cls, document: object) -> Stamp:
        """Validate a parsed stamp document; raise InvalidStamp naming the first field that is wrong."""
        if not isinstance(document, dict):
            raise InvalidStamp("it is not a JSON object")
        if document.get("schema") != STAMP_SCHEMA:
            raise InvalidStamp(f"its schema is {document.get('schema')!r}, not {STAMP_SCHEMA} (another installdev wrote it)")
        inputs = _field(document, "inputs", dict)
        files = _field(inputs, "files", dict, "inputs.files")
        for path, record in files.items():
            if not (isinstance(record, list) and len(record) == 3 and isinstance(record[0], str)
                    and all(isinstance(number, int) and not isinstance(number, bool) for number in record[1:])):
                raise InvalidStamp(f"inputs.files[{path!r}] is not [sha256, size, mtime_ns]")
        base = _field(document, "base_python", dict)
        decision = _field(document, "decision", dict)
        version = _field(document, "python_version", str)
        if not _VERSION.match(version):
            raise InvalidStamp(f"python_version {version!r} is not a version like 3.12.1")
        try:
            mode = LinkMode(_field(decision, "mode", str, "decision.mode"))
        except ValueError:
            raise InvalidStamp(f"decision.mode {decision['mode']!r} is neither copies nor symlinks") from None
        reasons = _field(decision, "reasons", list, "decision.reasons")
        if not all(isinstance(reason, str) for reason in reasons):
            raise InvalidStamp("decision.reasons is not a list of strings")
        return cls(
            installdev=_field(document, "installdev", str),
            inputs=inputs,
            python_requested=_field(base, "requested", str, "base_python.requested"),
            python_path=_field(base, "path", str, "base_python.path"),
            python_version=version,
            mode=mode,
            mode_reasons=tuple(reasons),
            installer=_field(document, "installer", str),
            built_at=_field(document, "built_at", str),
            python_need=_python_need(base),
        )


def _python_need(base: dict) -> list | None:
    """``base_python.need``, absent in most stamps; each entry ``[requirement, version or null, specifier]``."""
    need = base.get("need")
    if need is None:
        return None
    if not (isinstance(need, list) and need and all(
            isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[2], str)
            and (item[1] is None or isinstance(item[1], str)) for item in need)):
        raise InvalidStamp("base_python.need is not a list of [requirement, version, specifier]")
    return need


def _field(table: dict, key: str, kind: type, name: str | None = None):
    value = table.get(key)
    if not isinstance(value, kind):
        raise InvalidStamp(f"{name or key} is {'missing' if value is None else f'not a {kind.__name__}'}")
    return value


class StampReading(NamedTuple):
    """The venv's stamp, or why it has no valid one (``stamp`` None, ``problem`` set; both None: no file)."""

    stamp: Stamp | None
    problem: str | None = None


def read_stamp(venv: Path) -> StampReading:
    """Read and validate the venv's stamp. Never raises."""
    path = stamp_path(venv)
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        return StampReading(None)
    except OSError as error:
        return StampReading(None, f"the stamp cannot be read: {error.strerror or error}")
    except ValueError:
        return StampReading(None, "the stamp is not valid JSON")
    try:
        return StampReading(Stamp.from_json(document))
    except InvalidStamp as error:
        return StampReading(None, f"the stamp is invalid: {error}")


def write_stamp(venv: Path, stamp: Stamp) -> None:
    """Write the stamp atomically: a new, uniquely named file in the venv (O_EXCL, no symlink followed), renamed over
    the stamp. Its mode follows the umask like any other file of the venv. It is not fsynced (the venv's other files,
    written by the installer, are not either): a stamp torn by a power cut reads as invalid, which means a rebuild."""
    temp = venv / f".installdev-stamp-{os.urandom(8).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(stamp.to_json(), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temp, stamp_path(venv))
    except BaseException:
        if os.path.lexists(temp):
            os.unlink(temp)
        raise
