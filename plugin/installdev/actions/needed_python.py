"""What Python the installer's resolver says a requirement needs, read from its output.

The wordings read (uv 0.4 to 0.13, pip 23 to 26)::

    uv:  Because newtool==1.0 requires Python >=3.12 and ...              (metadata of a wheel or sdist)
         ... does not satisfy Python>=3.13 and newtool==1.1 depends on Python>=3.13, ...   (an index's data-requires-python)
    pip: ERROR: Package 'newtool' requires a different Python: 3.10.13 not in '>=3.12'
         '>=3.13' (required by newtool 1.1 (from ...))                   (after "Packages require a different Python.")
         ERROR: Ignored the following versions that require a different python version: 1.0 Requires-Python >=3.12; ...
         ERROR: Could not find a version that satisfies the requirement newtool (from versions: none)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from installdev.request.project.python_need import NeededBy, PythonNeed
from installdev.request.project.python_specifier import PythonSpecifier

_SPECIFIER = r"(?:~=|==|!=|<=|>=|<|>)\s*\d+(?:\.\d+)*(?:\.\*)?"
_SPECIFIER_SET = rf"{_SPECIFIER}(?:\s*,\s*{_SPECIFIER})*"
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_UV_REQUIRES = re.compile(rf"(?P<name>{_NAME})==(?P<version>\S+?) (?:requires|depends on) Python\s*(?P<spec>{_SPECIFIER_SET})")
_UV_ALL_VERSIONS = re.compile(rf"all versions of (?P<name>{_NAME}) require Python\s*(?P<spec>{_SPECIFIER_SET})")
_PIP_PACKAGE = re.compile(rf"Package '(?P<name>{_NAME})' requires a different Python: \S+ not in '(?P<spec>[^']+)'")
_PIP_REQUIRED_BY = re.compile(rf"^'(?P<spec>[^']+)' \(required by (?P<name>{_NAME}) (?P<version>[^\s()]+)")
_PIP_IGNORED = re.compile(rf"(?P<version>[^\s;:]+) Requires-Python (?P<spec>{_SPECIFIER_SET})")
_PIP_WANTED = re.compile(rf"satisfies the requirement (?P<name>{_NAME})")


def read_python_need(output: Iterable[str]) -> PythonNeed | None:
    """The Pythons the installer says the requirements it could not install accept; None when it says nothing of it."""
    lines = [line.strip() for line in output]
    entries = [entry for line in lines for entry in _line_entries(line)]
    wanted = next((match["name"] for line in lines if (match := _PIP_WANTED.search(line))), None)
    for line in lines:
        if "Ignored the following versions that require a different python version" in line and wanted:
            entries += [_entry(wanted, match["version"], match["spec"]) for match in _PIP_IGNORED.finditer(line)]
    entries = list(dict.fromkeys(entry for entry in entries if entry is not None))
    return PythonNeed(tuple(entries)) if entries else None


def _line_entries(line: str) -> list[NeededBy | None]:
    found = [_entry(match["name"], match["version"], match["spec"]) for match in _UV_REQUIRES.finditer(line)]
    found += [_entry(match["name"], None, match["spec"]) for match in _UV_ALL_VERSIONS.finditer(line)]
    if match := _PIP_PACKAGE.search(line):
        found.append(_entry(match["name"], None, match["spec"]))
    if match := _PIP_REQUIRED_BY.search(line):
        found.append(_entry(match["name"], match["version"], match["spec"]))
    return found


def _entry(name: str, version: str | None, specifier: str) -> NeededBy | None:
    try:
        return NeededBy(name, version, PythonSpecifier(specifier))
    except ValueError:
        return None
