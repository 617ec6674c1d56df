"""Which Python a project's venv is built on when no --python is given: discovery and choice.

Candidates (:func:`find_python_candidates`) are listed without running anything, each with a version hint from
its file or directory name; :func:`choose_python` keeps the running interpreter when it fits what the project
accepts (a :class:`~installdev.request.project.python_request.PythonRequest`) and otherwise runs the most promising
candidates once each (:func:`probe_python`) and takes the newest that fits.

python-discovery (virtualenv's own discovery library) is not used: it interrogates every candidate
with its full info script (about half a second each, four to five seconds for nine interpreters on
PATH without its disk cache), does not list pyenv's installed versions (it only resolves pyenv shims,
through the working directory's ``.python-version`` rather than the project's), and its spec parser
reads neither ``cpython@3.12`` nor ``cpython-3.12`` nor ``3.13+freethreaded``.
"""

from __future__ import annotations

import enum
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from installdev.errors import BadPythonError
from installdev.host.interpreter import running_base
from installdev.request.project.python_request import MINIMUM_SEEDABLE, NEWEST_KNOWN_MINOR, PythonRequest, minimum_seedable_text

PROBE_TIMEOUT_SECONDS = 15

_PROBE_SCRIPT = (
    "import sys, sysconfig; v = sys.version_info; "
    "print(v[0], v[1], v[2], sys.implementation.name, int(bool(sysconfig.get_config_var('Py_GIL_DISABLED'))))"
)
_EXECUTABLE_VERSION = re.compile(r"python(\d+)\.(\d+)t?(?:\.exe)?", re.IGNORECASE)
_LEADING_VERSION = re.compile(r"(?:[a-z]+-)?(\d+)\.(\d+)(?:\.(\d+))?")  # 3.12.1 (pyenv), cpython-3.12.1-... (uv)
_PY_LAUNCHER_LINE = re.compile(r"\s*-(?:V:)?(?P<tag>\S+)\s+(?:\*\s+)?(?P<path>\S.*?\.exe)(?:\s+\*)?\s*", re.IGNORECASE)


class FoundPython(NamedTuple):
    """An interpreter whose version, implementation and build were read by running it (or are this process's own)."""

    path: str
    source: str  # where it was found: "running interpreter", "PATH", "pyenv", "uv-managed", "py launcher"
    version: tuple[int, int, int]
    implementation: str
    free_threaded: bool

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version)) + ("t" if self.free_threaded else "")

    def where(self) -> str:
        return "running interpreter" if self.source == "running interpreter" else f"{self.source} {self.path}"


class PythonCandidate(NamedTuple):
    """An interpreter found on disk but not run yet; ``version_hint`` comes from its file or directory name."""

    path: str
    source: str
    version_hint: tuple[int, ...] | None  # (3, 12) or (3, 12, 1); None when the name tells nothing


class ChosenPython(NamedTuple):
    python: FoundPython
    reason: str

    @property
    def path(self) -> str:
        return self.python.path


class InstallTool(enum.Enum):
    """What installs a missing Python on this machine, as a hint names it: pyenv when it is on PATH (installdev finds
    its versions), else uv when it is on PATH (installdev finds the Pythons it manages), else neither."""

    PYENV = "pyenv"
    UV = "uv"
    NONE = "neither pyenv nor uv is on PATH"

    def advice(self, name: str) -> str:
        """How to install Python ``name`` (``3.12``, ``pypy3.10``) with this tool: ``install it with pyenv install 3.12``."""
        if self == InstallTool.PYENV:
            return f"install it with pyenv install {name}"
        if self == InstallTool.UV:
            return f"install it with uv python install {name}"
        return f"install Python {name} (from python.org or your OS's packages)"


def running_python() -> FoundPython | None:
    """The interpreter running installdev, read from this process (no subprocess); None when sys.executable is unset.
    When installdev runs in a venv of its own (pipx, a tool venv), its path is that venv's base interpreter
    (``running_base``): what virtualenv and uv build the new venv on either way, and what the venv reports."""
    if not sys.executable:
        return None
    import sysconfig

    return FoundPython(
        running_base(), "running interpreter", tuple(sys.version_info[:3]), sys.implementation.name,
        bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    )


def probe_python(candidate: PythonCandidate) -> FoundPython | None:
    """Run ``candidate`` once (``-I -c``, with a timeout) for its version, implementation and free-threading;
    None when it cannot be run or is not a Python 3 (Python 2 rejects ``-I``)."""
    try:
        completed = subprocess.run(
            [candidate.path, "-I", "-c", _PROBE_SCRIPT],
            capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
        )
        major, minor, micro, implementation, free_threaded = completed.stdout.strip().splitlines()[-1].split()
        return FoundPython(candidate.path, candidate.source, (int(major), int(minor), int(micro)), implementation,
                           free_threaded == "1")
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def find_python_candidates(env: Mapping[str, str] = os.environ) -> list[PythonCandidate]:
    """Interpreters on disk, cheapest to find first, deduplicated by real path (the first path found is kept).

    1. PATH, in order: ``python3.9`` ... ``python3.15`` (and ``python3.13t`` ... ``python3.15t``), ``python3``,
       ``python`` (each with ``.exe`` on Windows). Relative PATH entries and pyenv's shim directory
       (``$PYENV_ROOT/shims``, default ``~/.pyenv/shims``) are skipped: a shim picks its interpreter from the
       working directory and environment, so what it runs is not what was probed.
    2. pyenv: ``$PYENV_ROOT/versions/*/bin/pythonX.Y`` (default ``~/.pyenv``); pyenv-win's ``versions/*/python.exe``.
    3. uv-managed: ``$UV_PYTHON_INSTALL_DIR``, else uv's data directory, ``$XDG_DATA_HOME/uv/python`` or
       ``~/.local/share/uv/python`` on Linux and macOS, ``%APPDATA%\\uv\\data\\python`` on Windows; each
       ``cpython-3.12.1-linux-x86_64-gnu`` style directory gives ``bin/python3.12`` (``python.exe`` on Windows).
       uv's minor-version links (``cpython-3.12-...``) sort before the patch directories they point to, so they are
       kept: a venv built through them follows uv's patch upgrades.
    4. On Windows only, ``py --list-paths`` (best effort: skipped when py is missing, fails or hangs).
    ``HOME`` is read from ``env``; without it the user's home directory is used.
    """
    found: dict[str, PythonCandidate] = {}
    for candidate in (*_path_candidates(env), *_pyenv_candidates(env), *_uv_candidates(env), *_py_launcher_candidates(env)):
        found.setdefault(os.path.realpath(candidate.path), candidate)
    return list(found.values())


def _home(env: Mapping[str, str]) -> Path | None:
    """The home directory; None when HOME is unset and the user has no passwd entry (then no pyenv or uv Pythons)."""
    if env.get("HOME"):
        return Path(env["HOME"])
    try:
        return Path.home()
    except RuntimeError:
        return None


def _under_home(env: Mapping[str, str], *parts: str) -> Path | None:
    home = _home(env)
    return home.joinpath(*parts) if home else None


def _pyenv_root(env: Mapping[str, str]) -> Path | None:
    return Path(env["PYENV_ROOT"]) if env.get("PYENV_ROOT") else _under_home(env, ".pyenv")


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _hint_from_executable(path: Path) -> tuple[int, ...] | None:
    """The version an executable's name says, following symlinks (``/usr/bin/python3`` -> ``python3.11``)."""
    for name in (path.name, Path(os.path.realpath(path)).name):
        if match := _EXECUTABLE_VERSION.fullmatch(name):
            return int(match[1]), int(match[2])
    return None


def _path_candidates(env: Mapping[str, str]) -> list[PythonCandidate]:
    suffix = ".exe" if sys.platform == "win32" else ""
    names = [f"python3.{minor}" for minor in range(MINIMUM_SEEDABLE[1], NEWEST_KNOWN_MINOR + 1)]
    names += [f"python3.{minor}t" for minor in range(13, NEWEST_KNOWN_MINOR + 1)]
    names += ["python3", "python"]
    shim_directories = _shim_directories(env)
    candidates = []
    for entry in env.get("PATH", "").split(os.pathsep):
        if not entry or not os.path.isabs(entry) or os.path.realpath(entry) in shim_directories:
            continue
        for name in names:
            path = Path(entry) / (name + suffix)
            if _is_executable(path):
                candidates.append(PythonCandidate(str(path), "PATH", _hint_from_executable(path)))
    return candidates


def _shim_directories(env: Mapping[str, str]) -> set[str]:
    """pyenv's shim directories (``$PYENV_ROOT/shims`` and ``~/.pyenv/shims``), real paths."""
    return {os.path.realpath(root / "shims") for root in (_pyenv_root(env), _under_home(env, ".pyenv")) if root}


def is_pyenv_shim(path: str, env: Mapping[str, str] = os.environ) -> bool:
    """Whether ``path`` is in pyenv's shim directory: it runs what pyenv selects here, or fails when that has no such
    executable (``pyenv: python3.12: command not found``, exit 127)."""
    return os.path.realpath(os.path.dirname(os.path.abspath(path))) in _shim_directories(env)


def _pyenv_candidates(env: Mapping[str, str]) -> list[PythonCandidate]:
    candidates = []
    root = _pyenv_root(env)
    for version_directory in _sorted_directories(root / "versions") if root else []:
        bin_directory = version_directory / "bin"
        executables = sorted(path for path in _listing(bin_directory) if _EXECUTABLE_VERSION.fullmatch(path.name))
        if not executables and _is_executable(version_directory / "python.exe"):
            executables = [version_directory / "python.exe"]
        directory_hint = _leading_version(version_directory.name)
        for path in filter(_is_executable, executables):
            name_hint = _hint_from_executable(path)
            hint = directory_hint if directory_hint and (name_hint is None or directory_hint[:2] == name_hint) else name_hint
            candidates.append(PythonCandidate(str(path), "pyenv", hint))
    return candidates


def _uv_python_directory(env: Mapping[str, str]) -> Path | None:
    if env.get("UV_PYTHON_INSTALL_DIR"):
        return Path(env["UV_PYTHON_INSTALL_DIR"]).expanduser()
    if sys.platform == "win32":
        app_data = Path(env["APPDATA"]) if env.get("APPDATA") else _under_home(env, "AppData", "Roaming")
        return app_data / "uv" / "data" / "python" if app_data else None
    xdg_data_home = env.get("XDG_DATA_HOME")
    data_home = Path(xdg_data_home) if xdg_data_home and os.path.isabs(xdg_data_home) else _under_home(env, ".local", "share")
    return data_home / "uv" / "python" if data_home else None


def _uv_candidates(env: Mapping[str, str]) -> list[PythonCandidate]:
    candidates = []
    directory = _uv_python_directory(env)
    for install in _sorted_directories(directory) if directory else []:
        hint = _leading_version(install.name)
        if hint is None:
            continue
        minor_name = f"python{hint[0]}.{hint[1]}"
        names = [f"bin/{minor_name}t", f"bin/{minor_name}", "bin/python3", "bin/python", "python.exe", f"{minor_name}t.exe"]
        executable = next((install / name for name in names if _is_executable(install / name)), None)
        if executable is not None:
            candidates.append(PythonCandidate(str(executable), "uv-managed", hint))
    return candidates


def _py_launcher_candidates(env: Mapping[str, str]) -> list[PythonCandidate]:
    if sys.platform != "win32":
        return []
    import shutil

    launcher = shutil.which("py", path=env.get("PATH"))
    if launcher is None:
        return []
    try:
        completed = subprocess.run([launcher, "--list-paths"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS,
                                   stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_py_list_paths(completed.stdout) if completed.returncode == 0 else []


def parse_py_list_paths(output: str) -> list[PythonCandidate]:
    """Candidates from ``py --list-paths``: ``-V:3.12 *  C:\\...\\python.exe`` (py 3.11+) or ``-3.9-64  C:\\...`` (older)."""
    candidates = []
    for line in output.splitlines():
        if match := _PY_LAUNCHER_LINE.fullmatch(line):
            version = re.match(r"(?:PythonCore/)?(\d+)\.(\d+)", match["tag"])
            hint = (int(version[1]), int(version[2])) if version else None
            candidates.append(PythonCandidate(match["path"].strip(), "py launcher", hint))
    return candidates


def _sorted_directories(parent: Path) -> list[Path]:
    return sorted(path for path in _listing(parent) if not path.name.startswith(".") and path.is_dir())


def _listing(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir())
    except OSError:
        return []


def _leading_version(name: str) -> tuple[int, ...] | None:
    match = _LEADING_VERSION.match(name)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def choose_python(request: PythonRequest, env: Mapping[str, str] = os.environ) -> ChosenPython:
    """The interpreter to build the venv on when no --python is given (see :func:`choose_among`); candidates are looked
    for only when the running interpreter does not fit."""
    running = running_python()
    return _running_choice(request, running) or choose_among(request, running, find_python_candidates(env), probe_python,
                                                             install_tool(env))


def _running_choice(request: PythonRequest, running: FoundPython | None) -> ChosenPython | None:
    """The running interpreter, with the reason, when it fits the request; else None."""
    if running is None or request.mismatch(running.version, running.implementation, running.free_threaded) is not None:
        return None
    constraints = request.constraints()
    if not constraints:
        return ChosenPython(running, f"the running interpreter ({running.version_text}): "
                                     "the project sets no requires-python or .python-version")
    return ChosenPython(running, f"the running interpreter ({running.version_text}) satisfies {constraints}")


def choose_among(
    request: PythonRequest,
    running: FoundPython | None,
    candidates: Sequence[PythonCandidate],
    probe: Callable[[PythonCandidate], FoundPython | None],
    tool: InstallTool = InstallTool.NONE,
) -> ChosenPython:
    """The running interpreter when it fits, else the newest candidate that fits; BadPythonError (one line) when none does,
    naming the command that installs a fitting one with ``tool``.

    A candidate whose version hint cannot fit, or is older than the best found so far, is never run; the others are run
    once each, highest hint first. Like uv, a free-threaded 3.13 is only chosen when the pin asks for it (``3.13t``),
    and at equal versions a GIL-enabled build wins; the running interpreter is exempt, having been picked by the user.
    """
    chosen = _running_choice(request, running)
    if chosen is not None:
        return chosen
    constraints = request.constraints()
    found = [f"{running.version_text} (running interpreter)"] if running else []
    running_real_path = os.path.realpath(running.path) if running else None
    best: FoundPython | None = None
    for candidate in sorted(candidates, key=lambda candidate: candidate.version_hint or (), reverse=True):
        hint = candidate.version_hint
        if os.path.realpath(candidate.path) == running_real_path or (
            hint is not None and best is not None and hint < best.version[: len(hint)]
        ):
            continue
        if hint is not None and not request.may_accept(hint):
            found.append(f"{'.'.join(map(str, hint))} ({candidate.source} {candidate.path})")
            continue
        python = probe(candidate)
        if python is None:
            found.append(f"{candidate.path} ({candidate.source}) is not a working Python 3")
            continue
        found.append(f"{python.version_text} ({python.where()})")
        if _fits_unasked(python, request) and (best is None or _preference(python) > _preference(best)):
            best = python
    demand = constraints or f"virtualenv's minimum {minimum_seedable_text()}"
    if best is not None:
        running_note = f"; the running interpreter {running.version_text} does not" if running else ""
        return ChosenPython(best, f"Python {best.version_text} at {best.path} ({best.source}) is the newest found that "
                                  f"satisfies {demand}{running_note}")
    raise BadPythonError(f"no Python {minimum_seedable_text()}+ satisfies {demand}: found {', '.join(found) or 'none'}: "
                         f"{_fix(request, tool)}")


def _fits_unasked(python: FoundPython, request: PythonRequest) -> bool:
    """Fits the request, and is not a free-threaded 3.13 that the request did not ask for."""
    if request.mismatch(python.version, python.implementation, python.free_threaded) is not None:
        return False
    asked_free_threaded = request.pin is not None and request.pin.free_threaded and not request.pin.unsupported
    return not (python.free_threaded and python.version[:2] == (3, 13) and not asked_free_threaded)


def _preference(python: FoundPython) -> tuple[tuple[int, int, int], bool]:
    return python.version, not python.free_threaded


def _fix(request: PythonRequest, tool: InstallTool) -> str:
    suggestion = request.install_suggestion()
    if suggestion:
        return f"{tool.advice(suggestion)}, or pass --python with the path of one"
    return f"no Python {minimum_seedable_text()} to 3.{NEWEST_KNOWN_MINOR} fits {request.describe()}: change them, or pass --python"


def install_tool(env: Mapping[str, str] = os.environ) -> InstallTool:
    """The :class:`InstallTool` of this machine; pyenv's shims do not count (a ``uv`` shim runs only where pyenv
    selects a Python that has uv)."""
    import shutil

    shims = _shim_directories(env)
    search = os.pathsep.join(entry for entry in env.get("PATH", "").split(os.pathsep)
                             if entry and os.path.realpath(entry) not in shims)
    for tool in (InstallTool.PYENV, InstallTool.UV):
        if shutil.which(tool.value, path=search):
            return tool
    return InstallTool.NONE
