"""Poetry's dependency declarations as requirement-file lines, meaning what they mean to poetry: constraint strings,
the table forms (``version``, ``markers``, ``extras``, ``path``/``develop``, ``git``, ``url``, ``file``) and lists of
those; and the ``python`` dependency as a PEP 440 specifier. The constraint syntax itself is ``poetry_constraints``'."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.readers.poetry_constraints import (
    and_markers,
    pep440_specifier,
    platform_marker,
    python_marker,
)
from installdev.request.project.tables import pyproject_path


def poetry_python_specifier(constraint: str, directory: Path) -> str:
    """The PEP 440 specifier of poetry's ``python`` dependency (what a classic poetry project has for requires-python).
    Raises ProjectError for a constraint poetry would not read."""
    return pep440_specifier(constraint, "python", directory)


def _git_url(url: str) -> str:
    if url.startswith("git+"):
        return url
    # poetry accepts scp-like git@host:owner/repo.git, which pip only reads as ssh://git@host/owner/repo.git
    if scp := re.fullmatch(r"(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)(?P<path>.+)", url):
        url = f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    return f"git+{url}"


def poetry_requirement_lines(dependency: str, declaration: object, directory: Path) -> list[str]:
    """The requirement-file lines that install poetry dependency ``dependency`` as poetry means ``declaration``.

    ``declaration`` is a constraint string, a table, or a list of those (multiple constraints: one line each). Tables:
    ``version``, ``extras``, ``markers``, ``python`` and ``platform`` (turned into markers, joined by ``and``),
    ``optional = true`` (skipped: poetry installs it only through an extra), ``git`` with ``branch``/``tag``/``rev`` and
    ``subdirectory`` (``name @ git+URL@REF``), ``url`` (``name @ URL``), ``path``/``file`` relative to ``directory``
    (``name @ file:///abs``; a directory with ``develop = true`` gives ``-e /abs/path[extras]``). ``source`` and
    ``allow-prereleases`` have no requirement-line form and are ignored.
    """
    if isinstance(declaration, list):
        return [line for item in declaration for line in poetry_requirement_lines(dependency, item, directory)]
    if isinstance(declaration, str):
        return [dependency + pep440_specifier(declaration, dependency, directory)]
    if not isinstance(declaration, dict):
        raise ProjectError(f"{pyproject_path(directory)}: poetry dependency {dependency!r} must be a version string, a "
                           "table or a list of tables: fix its declaration")
    if declaration.get("optional", False):
        return []
    return [_table_line(_DependencyTable(dependency, declaration, directory))]


class _DependencyTable(NamedTuple):
    """A poetry dependency declared as a table, its values type-checked as they are read."""

    dependency: str
    table: dict
    directory: Path

    def string(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"{pyproject_path(self.directory)}: poetry dependency {self.dependency!r} has a non-string "
                               f"{key} ({value!r}): fix its type")
        return value

    def extras_text(self) -> str:
        extras = self.table.get("extras", [])
        if not isinstance(extras, list) or not all(isinstance(extra, str) for extra in extras):
            raise ProjectError(f"{pyproject_path(self.directory)}: poetry dependency {self.dependency!r} extras must be a "
                               "list of names: fix its type")
        return f"[{','.join(extras)}]" if extras else ""

    def marker(self) -> str:
        """``markers``, ``python`` and ``platform`` as one environment marker; "" for none."""
        python, platform = self.string("python"), self.string("platform")
        return and_markers([self.string("markers") or "",
                            python_marker(python, self.dependency, self.directory) if python else "",
                            platform_marker(platform) if platform else ""])


def _table_line(declared: _DependencyTable) -> str:
    extras_text = declared.extras_text()
    marker = declared.marker()
    subdirectory = declared.string("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    requirement = declared.dependency + extras_text
    if git := declared.string("git"):
        reference = declared.string("rev") or declared.string("tag") or declared.string("branch")
        line = f"{requirement} @ {_git_url(git)}{'@' + reference if reference else ''}{fragment}"
    elif url := declared.string("url"):
        line = f"{requirement} @ {url}{fragment}"
    elif local := declared.string("path") or declared.string("file"):
        return _local_line(declared, local, extras_text, subdirectory, marker)
    else:
        return (requirement + pep440_specifier(declared.string("version") or "*", declared.dependency, declared.directory)
                + (f"; {marker}" if marker else ""))
    return line + (f" ; {marker}" if marker else "")


def _local_line(declared: _DependencyTable, local: str, extras_text: str, subdirectory: str | None, marker: str) -> str:
    """The line of a ``path`` or ``file`` dependency: ``-e /abs/path[extras]`` for a ``develop = true`` directory."""
    target = Path(os.path.normpath(declared.directory.absolute() / local))
    requirement = declared.dependency + extras_text
    marker_text = f" ; {marker}" if marker else ""
    if "file" in declared.table or target.is_file():
        fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
        return f"{requirement} @ {target.as_uri()}{fragment}{marker_text}"
    if subdirectory:
        target = target / subdirectory
    if declared.table.get("develop", False):
        if marker:
            # pip reads no environment marker on an editable line: dropping it would install it everywhere
            raise ProjectError(f"{pyproject_path(declared.directory)}: poetry dependency {declared.dependency!r} is a "
                               f"develop = true path with markers ({marker}), which a requirement line cannot express: "
                               "drop develop or the markers")
        editable = f"{target}{extras_text}"
        return "-e " + (shlex.quote(editable) if re.search(r"[\s'\"]", editable) else editable)
    return f"{requirement} @ {target.as_uri()}{marker_text}"
