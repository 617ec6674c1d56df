"""What a project accepts as the base Python of its venv, and why a given interpreter does not fit.

What the project accepts (:func:`python_request`) comes from ``[project] requires-python`` and a
``.python-version`` file read the way uv reads it (:func:`parse_version_request`); :class:`PythonRequest`
says why an interpreter does not fit it, and :func:`check_requested_python` does so for an explicit --python.
Nothing here looks for or runs an interpreter: that is :mod:`installdev.host.python_finder`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from installdev.errors import ProjectError
from installdev.request.project.input_file import is_input_present, read_input_file
from installdev.request.project.python_need import PythonNeed
from installdev.request.project.python_specifier import PythonSpecifier

MINIMUM_SEEDABLE = (3, 9)  # virtualenv 21 no longer ships pip/setuptools wheels for 3.8 and older
NEWEST_KNOWN_MINOR = 15  # PATH is searched for python3.9 ... python3.15

_IMPLEMENTATION_NAMES = {  # uv's long and short names; "python" means any implementation
    "cpython": "cpython", "cp": "cpython", "pypy": "pypy", "pp": "pypy", "graalpy": "graalpy", "gp": "graalpy", "python": None,
}
_DOWNLOAD_KEY = re.compile(  # uv's <implementation>-<version>[+variant]-<os>-<arch>-<libc>, platform parts optional
    r"(?P<implementation>cpython|pypy|graalpy)-(?P<version>\d+(?:\.\d+){0,2})(?P<variants>(?:\+[a-z]+)*)(?:-[a-z0-9_.]+){0,3}"
)
_VERSION_REQUEST = re.compile(r"(?P<version>\d+(?:\.\d+){0,2})(?P<short_variant>[a-z]?)(?P<variants>(?:\+[a-z]+)*)")


VERSION_FILE_NAMES = (".python-version", ".python-versions")  # uv's order: the plural is read only when alone


def version_file_search(directory: Path) -> tuple[Path | None, list[Path]]:
    """The nearest ``.python-version`` (or lone ``.python-versions``) from ``directory`` up to the first ``.git`` holder,
    and the candidate paths looked at before it that do not exist (one appearing would change the answer)."""
    start = directory.resolve()
    missing = []
    for folder in (start, *start.parents):
        for name in VERSION_FILE_NAMES:
            if is_input_present(folder / name):
                return folder / name, missing
            missing.append(folder / name)
        if os.path.lexists(folder / ".git"):
            break
    return None, missing


class RequiresPython(NamedTuple):
    """``[project] requires-python`` (or, for a classic poetry project, poetry's ``python`` dependency) as written, and
    parsed."""

    text: str
    specifier: PythonSpecifier
    key: str = "requires-python"

    @property
    def described(self) -> str:
        return f"{self.key} {self.text} (pyproject.toml)"


class PythonVersionPin(NamedTuple):
    """The request line of a ``.python-version`` file that installdev applies (uv's formats, see :func:`parse_version_request`)."""

    text: str
    implementation: str | None = None  # "cpython", "pypy" or "graalpy"; None: any
    version: tuple[int, ...] = ()  # a release prefix: (3,), (3, 12) or (3, 12, 1); (): any
    specifier: PythonSpecifier | None = None  # a range request such as >=3.11
    free_threaded: bool | None = None  # True for 3.13t / +freethreaded, False for +gil, None when unsaid
    unsupported: str | None = None  # why installdev cannot apply the line; it then narrows nothing

    def install_name(self, version: tuple[int, ...]) -> str:
        """What ``uv python install`` / ``pyenv install`` should be given for ``version`` of this pin's implementation and build."""
        prefix = "" if self.implementation in (None, "cpython") else self.implementation
        return prefix + ".".join(map(str, version)) + ("t" if self.free_threaded else "")


class PythonRequest(NamedTuple):
    """What the project accepts. ``version_file`` is the ``.python-version`` found, even one naming no version:
    the caller treats it as an input of the up-to-date check.

    Narrowed for one choice: ``pin_named`` names a pin that came from elsewhere than the version file (``--python
    3.12``, which then stands in for it), and ``need`` is what the development set's requirements need of the
    interpreter (:meth:`needing`)."""

    requires_python: RequiresPython | None
    version_file: Path | None
    pin: PythonVersionPin | None
    pin_named: str | None = None
    need: PythonNeed | None = None

    def asking(self, pin: PythonVersionPin, named: str) -> PythonRequest:
        """This request with ``pin`` (an interpreter asked for by version, named ``named``) instead of the version
        file's: as with uv, an interpreter asked for overrides ``.python-version``; requires-python still holds."""
        return self._replace(pin=pin, pin_named=named)

    def needing(self, need: PythonNeed) -> PythonRequest:
        """This request, also requiring what ``need`` says the development set needs (with any need it had)."""
        return self._replace(need=PythonNeed((*self.need.needed_by, *need.needed_by)) if self.need else need)

    def describe(self) -> str:
        """E.g. ``requires-python >=3.12 (pyproject.toml), .python-version 3.12 (/abs/.python-version)``."""
        parts = [self.requires_python.described if self.requires_python else "no requires-python"]
        if self.pin_named:
            parts.append(self.pin_named)
        elif self.version_file is None:
            parts.append("no .python-version")
        elif self.pin is None:
            parts.append(f"{self.version_file.name} ({self.version_file}) names no version")
        elif self.pin.unsupported:
            parts.append(f"{self.version_file.name} {self.pin.text} ({self.version_file}) ignored: {self.pin.unsupported}")
        else:
            parts.append(self._pin_source())
        return ", ".join([*parts, *([self.need.described] if self.need else [])])

    def constraints(self) -> str:
        """The constraints that narrow the choice, joined with "and"; empty when there are none."""
        parts = []
        if self.requires_python:
            parts.append(self.requires_python.described)
        if self._applied_pin():
            parts.append(self._pin_source())
        if self.need:
            parts.append(self.need.described)
        return " and ".join(parts)

    def mismatch(self, version: tuple[int, ...], implementation: str, free_threaded: bool | None) -> str | None:
        """Why an interpreter does not fit, or None. ``free_threaded`` None (unknown) skips the free-threading check."""
        version_text = ".".join(map(str, version))
        if tuple(version[:2]) < MINIMUM_SEEDABLE:
            return f"Python {version_text} is older than {minimum_seedable_text()}, the oldest virtualenv 21 can seed"
        if self.requires_python and not self.requires_python.specifier.contains(tuple(version)):
            return f"Python {version_text} does not satisfy {self.requires_python.described}"
        if self.need and not self.need.admits(tuple(version)):
            return f"Python {version_text} does not satisfy {self.need.described}"
        pin = self._applied_pin()
        if pin is None:
            return None
        pin_source = self._pin_source()
        if pin.implementation and pin.implementation != implementation:
            return f"{implementation} {version_text} is not the {pin.implementation} that {pin_source} asks for"
        if tuple(version[: len(pin.version)]) != pin.version or (
            pin.specifier is not None and not pin.specifier.contains(tuple(version))
        ):
            return f"Python {version_text} does not match {pin_source}"
        if free_threaded is not None and pin.free_threaded is not None and pin.free_threaded != free_threaded:
            build = "free-threaded" if free_threaded else "GIL-enabled"
            return f"Python {version_text} is {build}, which {pin_source} excludes"
        return None

    def may_accept(self, version_hint: tuple[int, ...]) -> bool:
        """False when an interpreter whose name says ``version_hint`` (3.X or 3.X.Y) cannot fit, so it is not run."""
        if version_hint[:2] < MINIMUM_SEEDABLE:
            return False
        pin = self._applied_pin()
        if pin and version_hint[: len(pin.version)] != pin.version[: len(version_hint)]:
            return False
        specifiers = [self.requires_python.specifier] if self.requires_python else []
        if pin and pin.specifier is not None:
            specifiers.append(pin.specifier)
        if self.need and not self.need.may_admit(_releases(version_hint)):
            return False
        return all(_admits(specifier, version_hint) for specifier in specifiers)

    def install_suggestion(self) -> str | None:
        """A version to install that fits (``3.12``, ``pypy3.10``, ``3.13t``), or None when none in 3.9 ... 3.15 does."""
        pin = self._applied_pin() or PythonVersionPin("")
        if len(pin.version) >= 2:
            return pin.install_name(pin.version) if self.may_accept(pin.version) else None
        for minor in range(MINIMUM_SEEDABLE[1], NEWEST_KNOWN_MINOR + 1):
            if self.may_accept((3, minor)):
                return pin.install_name((3, minor))
        return None

    def _applied_pin(self) -> PythonVersionPin | None:
        return self.pin if self.pin and not self.pin.unsupported else None

    def _pin_source(self) -> str:
        return self.pin_named or f"{self.version_file.name} {self.pin.text} ({self.version_file})"


def minimum_seedable_text() -> str:
    return ".".join(map(str, MINIMUM_SEEDABLE))


def _releases(version_hint: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The releases a name's version may stand for: 3.X is any 3.X.Y up to 3.X.50; 3.X.Y is itself."""
    return [version_hint] if len(version_hint) >= 3 else [(*version_hint[:2], micro) for micro in range(51)]


def _admits(specifier: PythonSpecifier, version_hint: tuple[int, ...]) -> bool:
    """Whether some release with this prefix (see :func:`_releases`) satisfies ``specifier``."""
    return any(specifier.contains(release) for release in _releases(version_hint))


def python_request(pyproject: dict, directory: Path, search: tuple[Path | None, list[Path]] | None = None) -> PythonRequest:
    """What the project in ``directory`` accepts: its ``requires-python`` and its ``.python-version``. A project without
    ``[project] requires-python`` but with poetry's ``[tool.poetry.dependencies] python`` constraint (classic poetry) is
    read as poetry reads that constraint (``^3.8`` is ``>=3.8,<4.0``).

    The version file is looked up as uv does for a project, in ``directory`` and then in each parent, stopping after
    the first directory that holds ``.git`` (uv stops at the workspace root) or at the filesystem root; in each directory
    ``.python-version`` is preferred to ``.python-versions``. Blank lines and ``#`` comments are skipped and the first
    remaining line is the request, as in uv's project commands. uv's user-level fallback (``uv python pin --global``)
    is not read: it is a personal default, not part of the project. The lookup is the same on every OS.
    ``search``: that lookup's result, when already made (``installdev.request.project.model.version_file_search``).
    Raises ProjectError for a requires-python that is not a PEP 440 specifier and for an unreadable version file.
    """
    pyproject_path = directory / "pyproject.toml"
    project_table = pyproject.get("project")
    raw = project_table.get("requires-python") if isinstance(project_table, dict) else None
    requires_python = None
    if raw is not None:
        if not isinstance(raw, str):
            raise ProjectError(f"{pyproject_path}: [project] requires-python must be a string such as \">=3.10\"")
        requires_python = _parse_requires_python(raw, pyproject_path) if raw.strip() else None
    elif isinstance(poetry_python := _poetry_python(pyproject), str) and poetry_python.strip():
        from installdev.request.project.readers.poetry_dependencies import (
            poetry_python_specifier,  # poetry's syntax: loaded when used
        )

        specifier = poetry_python_specifier(poetry_python, directory)
        if specifier:  # "*" accepts any Python
            requires_python = RequiresPython(poetry_python.strip(), PythonSpecifier(specifier),
                                             "[tool.poetry.dependencies] python")
    version_file = (search or version_file_search(directory))[0]
    pin = None
    if version_file is not None:
        request_line = next(iter(_request_lines(version_file)), None)
        pin = parse_version_request(request_line) if request_line is not None else None
    return PythonRequest(requires_python, version_file, pin)


def _poetry_python(pyproject: dict) -> object:
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    return dependencies.get("python") if isinstance(dependencies, dict) else None


def _parse_requires_python(raw: str, pyproject_path: Path) -> RequiresPython:
    try:
        return RequiresPython(raw.strip(), PythonSpecifier(raw))
    except ValueError:
        raise ProjectError(
            f"{pyproject_path}: [project] requires-python {raw!r} is not a valid version specifier: write it like \">=3.10\""
        ) from None


def _request_lines(version_file: Path) -> list[str]:
    try:
        text = read_input_file(version_file).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(
            f"{version_file} cannot be read as UTF-8 text ({error}): rewrite it with one version such as 3.12"
        ) from None
    return [stripped for line in text.splitlines() if (stripped := line.strip()) and not stripped.startswith("#")]


def parse_version_request(text: str) -> PythonVersionPin:
    """One ``.python-version`` request line, in the uv formats that name an interpreter by version.

    Applied: ``3``, ``3.12``, ``3.12.1``, ``312``; ranges such as ``>=3.11`` or ``>=3.12,<3.13``; an implementation
    (``cpython``/``cp``, ``pypy``/``pp``, ``graalpy``/``gp``) alone, before a version (``cpython3.12``, ``cp312``,
    ``pypy3.10``), with ``@`` (``cpython@3.12``), before a range (``cpython>=3.12``) or as a download key
    (``cpython-3.12``, ``cpython-3.12.3-macos-aarch64-none``, whose platform part is not checked); the free-threading
    variants ``3.13t``, ``3.13+freethreaded`` and ``3.14+gil``; ``any`` and ``default``. Anything else (pyenv's
    ``system`` or a virtualenv name, a path, a debug build ``3.13d``) is kept with ``unsupported`` set and narrows nothing.
    """
    lowered = text.strip().lower()
    if lowered in ("any", "default"):
        return PythonVersionPin(text)
    if key := _DOWNLOAD_KEY.fullmatch(lowered):
        return _version_pin(text, key["implementation"], key["version"], "", key["variants"])
    implementation, rest = None, lowered
    prefix = next((name for name in sorted(_IMPLEMENTATION_NAMES, key=len, reverse=True) if lowered.startswith(name)), None)
    if prefix is not None:
        implementation, rest = _IMPLEMENTATION_NAMES[prefix], lowered[len(prefix) :]
        if not rest and implementation:
            return PythonVersionPin(text, implementation=implementation)
        if rest.startswith("@"):
            rest = rest[1:]
    if rest[:1] in ("<", ">", "=", "!", "~"):
        try:
            return PythonVersionPin(text, implementation=implementation, specifier=PythonSpecifier(rest))
        except ValueError:
            return PythonVersionPin(text, unsupported="not a valid version range")
    if match := _VERSION_REQUEST.fullmatch(rest):
        return _version_pin(text, implementation, match["version"], match["short_variant"], match["variants"])
    return PythonVersionPin(text, unsupported="not a Python version request installdev understands (e.g. 3.12)")


def _version_pin(text: str, implementation: str | None, version: str, short_variant: str, variants: str) -> PythonVersionPin:
    numbers = tuple(int(part) for part in version.split("."))
    if len(numbers) == 1 and len(version) > 1:  # uv reads 312 as 3.12
        numbers = (int(version[0]), int(version[1:]))
    named = set(filter(None, variants.split("+")))
    if short_variant not in ("", "t") or not named <= {"freethreaded", "gil"} or named == {"freethreaded", "gil"}:
        return PythonVersionPin(text, unsupported="only the free-threading variants (3.13t, +freethreaded, +gil) can be checked")
    free_threaded = True if short_variant == "t" or "freethreaded" in named else False if "gil" in named else None
    return PythonVersionPin(text, implementation=implementation, version=numbers, free_threaded=free_threaded)


def check_requested_python(
    version: tuple[int, ...], implementation: str, request: PythonRequest, free_threaded: bool | None = None
) -> str | None:
    """For an explicit --python: why it does not fit requires-python (naming the constraint), or None when it does.

    As with uv, an interpreter asked for explicitly overrides ``.python-version``; ``requires-python`` still holds.
    Interpreters older than MINIMUM_SEEDABLE are refused too, as virtualenv would fail on them after installdev
    started building. (``free_threaded`` only matters to a pin, so it is not consulted.)
    """
    return request._replace(pin=None).mismatch(version, implementation.lower(), free_threaded)
