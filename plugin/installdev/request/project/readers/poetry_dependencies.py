"""Poetry's dependency declarations as requirement-file lines, meaning what they mean to poetry: constraint strings,
the table forms (``version``, ``markers``, ``extras``, ``path``/``develop``, ``git``, ``url``, ``file``) and lists of
those; and the ``python`` dependency as a PEP 440 specifier. The constraint syntax itself is ``poetry_constraints``'."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

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
    path = pyproject_path(directory)
    if isinstance(declaration, list):
        return [line for item in declaration for line in poetry_requirement_lines(dependency, item, directory)]
    if isinstance(declaration, str):
        return [dependency + pep440_specifier(declaration, dependency, directory)]
    if not isinstance(declaration, dict):
        raise ProjectError(f"{path}: poetry dependency {dependency!r} must be a version string, a table or a list of tables: "
                           "fix its declaration")
    if declaration.get("optional", False):
        return []

    def string(key: str) -> str | None:
        value = declaration.get(key)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"{path}: poetry dependency {dependency!r} has a non-string {key} ({value!r}): fix its type")
        return value

    extras = declaration.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(extra, str) for extra in extras):
        raise ProjectError(f"{path}: poetry dependency {dependency!r} extras must be a list of names: fix its type")
    extras_text = f"[{','.join(extras)}]" if extras else ""
    python, platform = string("python"), string("platform")
    marker = and_markers([string("markers") or "",
                           python_marker(python, dependency, directory) if python else "",
                           platform_marker(platform) if platform else ""])
    subdirectory = string("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    requirement = dependency + extras_text
    if git := string("git"):
        reference = string("rev") or string("tag") or string("branch")
        line = f"{requirement} @ {_git_url(git)}{'@' + reference if reference else ''}{fragment}"
    elif url := string("url"):
        line = f"{requirement} @ {url}{fragment}"
    elif local := string("path") or string("file"):
        target = Path(os.path.normpath(directory.absolute() / local))
        if "file" in declaration or target.is_file():
            line = f"{requirement} @ {target.as_uri()}{fragment}"
        else:
            if subdirectory:
                target = target / subdirectory
            if declaration.get("develop", False):
                if marker:
                    # pip reads no environment marker on an editable line: dropping it would install it everywhere
                    raise ProjectError(f"{path}: poetry dependency {dependency!r} is a develop = true path with markers "
                                       f"({marker}), which a requirement line cannot express: drop develop or the markers")
                editable = f"{target}{extras_text}"
                return ["-e " + (shlex.quote(editable) if re.search(r"[\s'\"]", editable) else editable)]
            line = f"{requirement} @ {target.as_uri()}"
    else:
        return [requirement + pep440_specifier(string("version") or "*", dependency, directory)
                + (f"; {marker}" if marker else "")]
    return [line + (f" ; {marker}" if marker else "")]
