"""``installdev bootstrap [ROOT]``: build the development venv of every project of a workspace, in parallel.

The workspace is declared in ``ROOT/pyproject.toml`` (or, for a root that is no Python project,
``ROOT/installdev.toml`` with the same ``[tool.installdev.workspace]`` table)::

    [tool.installdev.workspace]
    projects = ["libs/*", "apps/app"]   # directories relative to ROOT; globs match directories that
                                         # hold pyproject.toml or setup.py; required, non-empty
    exclude = ["libs/experimental"]     # optional: paths or globs to leave out
    jobs = 4                             # optional: default for --jobs (default: the CPU count)

    [tool.installdev.workspace.overrides."apps/app"]   # optional, one table per project path
    venv = ".venv"                       # same keys, types and meaning as the project's own
    extras = ["dev", "test"]             # [tool.installdev] table (venv, python, extras,
    requirements = ["requirements-dev.txt"]  # requirements, constraints, flag-prefix,
    python = "python3.12"                # lock-timeout, system-site-packages); relative paths
                                         # are relative to the project; they win over the project's table

Unknown keys, wrong types, an override naming no listed project and a pattern matching nothing are
usage errors (exit 2). Each project is built by ``install_dev`` in a thread of a bounded pool (one
lock per venv, as always; virtualenv's app-data and pip's caches are shared). A project that installs
another workspace project by path (``-e ../lib`` or ``../lib`` in a requirement file, or
``name @ file:...`` in a requirement file or in ``[project] dependencies``) starts only when that
project is done: both builds would otherwise run setuptools in the same source tree at once.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import io
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from installdev.errors import ExitCode, InstalldevError, ProjectError, UsageError
from installdev.project import PROJECT_FILES, Project, _parse_toml, load_project, requirement_file_closure
from installdev.report import NORMAL, Reporter
from installdev.settings import validate_tool_table

WORKSPACE_FILES = ("pyproject.toml", "installdev.toml")
_WORKSPACE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "projects": ((list,), "a list of project paths or globs"),
    "exclude": ((list,), "a list of project paths or globs"),
    "jobs": ((int,), "a positive number of parallel builds"),
    "overrides": ((dict,), "a table of per-project tables"),
}
_TABLE = "[tool.installdev.workspace]"

BUILT, UP_TO_DATE, FAILED, SKIPPED = "built", "up to date", "failed", "skipped"

# --------------------------------------------------------------------------------------------------
# the workspace table


@dataclass
class WorkspaceProject:
    name: str  # its path relative to the root, with "/" separators ("." for the root itself)
    directory: Path
    overrides: dict = field(default_factory=dict)
    depends_on: set[str] = field(default_factory=set)


@dataclass
class Workspace:
    root: Path
    origin: Path
    projects: list[WorkspaceProject]
    jobs: int | None = None


def _read_table(root: Path) -> tuple[Path, dict]:
    if not root.is_dir():
        raise ProjectError(f"workspace root {root} does not exist: pass the directory holding the workspace's pyproject.toml")
    found = []
    for name in WORKSPACE_FILES:
        path = root / name
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise ProjectError(f"cannot read {path}: {error.strerror}") from None
        document = _parse_toml(path, content)
        tool = document.get("tool", {})
        installdev = tool.get("installdev", {}) if isinstance(tool, dict) else {}
        if name == "installdev.toml":
            unknown = sorted(set(document) - {"tool"}) + sorted(set(tool) - {"installdev"} if isinstance(tool, dict) else [])
            if unknown:
                raise UsageError(f"{path}: unknown key(s) {', '.join(unknown)}; it holds only {_TABLE}")
        if isinstance(installdev, dict) and "workspace" in installdev:
            found.append((path, installdev["workspace"]))
    if not found:
        raise ProjectError(f"{root} declares no workspace: add a {_TABLE} table with projects = [...] to "
                           f"{root / 'pyproject.toml'} or {root / 'installdev.toml'}")
    if len(found) > 1:
        raise UsageError(f"both {found[0][0]} and {found[1][0]} declare {_TABLE}: keep one")
    return found[0]


def _check_strings(value: Any, key: str, origin: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise UsageError(f"{origin}: {_TABLE} {key} must be a list of non-empty path strings, not {value!r}")
    return value


def _normalize(pattern: str, origin: Path) -> str:
    if os.path.isabs(pattern) or pattern.startswith("~"):
        raise UsageError(f"{origin}: workspace path {pattern!r} must be relative to the workspace root")
    parts = [part for part in re.split(r"[\\/]+", pattern) if part not in ("", ".")]
    if ".." in parts:
        raise UsageError(f"{origin}: workspace path {pattern!r} leaves the workspace root")
    return "/".join(parts) or "."


def _is_project(directory: Path) -> bool:
    return any((directory / name).is_file() for name in PROJECT_FILES)


def load_workspace(root: Path) -> Workspace:
    """Read and validate ROOT's workspace table and expand its project patterns. Raises UsageError/ProjectError."""
    root = Path(os.path.abspath(root))
    origin, table = _read_table(root)
    if not isinstance(table, dict):
        raise UsageError(f"{origin}: {_TABLE} must be a table")
    for key, value in table.items():
        if key not in _WORKSPACE_KEYS:
            raise UsageError(f"{origin}: unknown {_TABLE} key {key!r}; known keys: {', '.join(sorted(_WORKSPACE_KEYS))}")
        types, description = _WORKSPACE_KEYS[key]
        if not isinstance(value, types) or isinstance(value, bool):
            raise UsageError(f"{origin}: {_TABLE} {key} must be {description}, not {value!r}")
    if "projects" not in table or not table["projects"]:
        raise UsageError(f"{origin}: {_TABLE} needs projects = [...], a non-empty list of project paths or globs")
    patterns = [_normalize(item, origin) for item in _check_strings(table["projects"], "projects", origin)]
    excludes = [_normalize(item, origin) for item in _check_strings(table.get("exclude", []), "exclude", origin)]
    jobs = table.get("jobs")
    if jobs is not None and jobs < 1:
        raise UsageError(f"{origin}: {_TABLE} jobs must be a positive number, not {jobs!r}")

    names: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(
                _normalize(os.path.relpath(match, root), origin)
                for match in glob.glob(str(root / pattern))
                if os.path.isdir(match) and _is_project(Path(match))
            )
            if not matches:
                raise UsageError(f"{origin}: workspace pattern {pattern!r} matches no directory holding "
                                 f"{' or '.join(PROJECT_FILES[:2])}")
        else:
            directory = root / pattern
            if not directory.is_dir():
                raise ProjectError(f"{origin}: workspace project {pattern!r} does not exist ({directory})")
            if not _is_project(directory):
                raise ProjectError(f"{origin}: workspace project {pattern!r} has neither pyproject.toml nor setup.py")
            matches = [pattern]
        names.extend(name for name in matches if name not in names)
    names = [name for name in names if not any(fnmatch.fnmatchcase(name, exclude) for exclude in excludes)]
    if not names:
        raise UsageError(f"{origin}: {_TABLE} exclude leaves no project")

    overrides = table.get("overrides", {})
    by_name: dict[str, dict] = {}
    for key, value in overrides.items():
        name = _normalize(key, origin)
        if name not in names:
            raise UsageError(f"{origin}: [tool.installdev.workspace.overrides.{key!r}] names no workspace project; "
                             f"projects: {', '.join(names)}")
        if not isinstance(value, dict):
            raise UsageError(f"{origin}: [tool.installdev.workspace.overrides.{key!r}] must be a table")
        by_name[name] = validate_tool_table(value, f"{origin} (overrides for {key})")
    projects = [WorkspaceProject(name, root / name if name != "." else root, by_name.get(name, {})) for name in names]
    return Workspace(root, origin, projects, jobs)


# --------------------------------------------------------------------------------------------------
# settings per project: the workspace's overrides win over the project's own [tool.installdev]


class _WorkspaceMember(Project):
    """A project whose ``[tool.installdev]`` settings are its own, minus ``workspace``, plus the overrides."""

    def __init__(self, project: Project, overrides: dict) -> None:
        super().__init__(project.directory, project.pyproject_bytes)
        self._overrides = overrides

    @property
    def tool_settings(self) -> dict:
        own = super().tool_settings
        own = {key: value for key, value in own.items() if key != "workspace"} if isinstance(own, dict) else own
        return {**own, **self._overrides} if isinstance(own, dict) else own


def member_settings(member: WorkspaceProject, args: argparse.Namespace, env: dict[str, str] | None = None):
    from installdev.settings import resolve_settings

    project = _WorkspaceMember(load_project(member.directory), member.overrides)
    return resolve_settings(args, project, os.environ if env is None else env)


# --------------------------------------------------------------------------------------------------
# path dependencies between projects

_EDITABLE = re.compile(r"^\s*(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_DIRECT_URL = re.compile(r"@\s*(file:\S+)")


def _path_from_reference(reference: str, base: Path) -> Path | None:
    reference = reference.strip().strip("'\"").split("#", 1)[0]
    reference = re.sub(r"\[[^\]]*\]$", "", reference)  # ../lib[dev]
    if reference.startswith("file:"):
        reference = reference[len("file:"):]
        reference = reference[2:] if reference.startswith("//") else reference
    elif not reference.startswith((".", "/", "~")) and os.sep not in reference and "/" not in reference:
        return None
    if not reference or "://" in reference:
        return None
    return Path(os.path.abspath(base / os.path.expanduser(reference)))


def path_dependencies(settings) -> set[Path]:
    """Directories this project's venv installs by path, from its requirement files and [project] dependencies."""
    directory = settings.project.directory
    found: set[Path] = set()
    try:
        files = requirement_file_closure(settings.requirements + settings.constraints)
    except InstalldevError:
        files = []  # the build reports it
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            match = _EDITABLE.match(line) or _DIRECT_URL.search(line)
            reference = match.group(1) if match else (line if not line.startswith("-") else None)
            if reference:
                target = _path_from_reference(reference, directory)  # pip resolves them from its cwd, the project
                if target:
                    found.add(target)
    try:
        table = settings.project.pyproject.get("project", {})
    except InstalldevError:
        table = {}
    dependencies = list(table.get("dependencies", []) if isinstance(table, dict) else [])
    for extra in settings.extras:
        optional = table.get("optional-dependencies", {}) if isinstance(table, dict) else {}
        dependencies += optional.get(extra, []) if isinstance(optional, dict) else []
    for requirement in dependencies:
        match = _DIRECT_URL.search(requirement) if isinstance(requirement, str) else None
        if match:
            target = _path_from_reference(match.group(1), directory)
            if target:
                found.add(target)
    return found


def _link_dependencies(members: list[WorkspaceProject], settings_by_name: dict) -> None:
    by_directory = {os.path.realpath(member.directory): member.name for member in members}
    for member in members:
        settings = settings_by_name.get(member.name)
        if settings is None:
            continue
        for target in path_dependencies(settings):
            name = by_directory.get(os.path.realpath(target))
            if name and name != member.name:
                member.depends_on.add(name)


# --------------------------------------------------------------------------------------------------
# results and progress


@dataclass
class Outcome:
    name: str
    directory: Path
    venv: Path | None = None
    state: str = "waiting"
    result: str | None = None
    exit_code: int = 0
    error: str = ""
    mode: str = ""
    reasons: list[str] = field(default_factory=list)
    python: str = ""
    python_version: str = ""
    started: float | None = None
    finished: float | None = None
    log: io.StringIO = field(default_factory=io.StringIO)
    last_line: str = ""

    @property
    def seconds(self) -> float:
        if self.started is None or self.finished is None:
            return 0.0
        return self.finished - self.started

    def as_json(self, root: Path) -> dict:
        from installdev.venvdir import venv_python

        return {
            "name": self.name,
            "directory": str(self.directory),
            "venv": str(self.venv) if self.venv else None,
            "python_executable": str(venv_python(self.venv)) if self.venv else None,
            "activate": activate_command(self.venv) if self.venv and self.result in (BUILT, UP_TO_DATE) else None,
            "result": self.result,
            "exit_code": self.exit_code,
            "error": self.error or None,
            "mode": self.mode or None,
            "reasons": self.reasons,
            "base_python": self.python or None,
            "python_version": self.python_version or None,
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.seconds, 3),
            "log": self.log.getvalue(),
        }


def activate_command(venv: Path) -> str:
    if os.name == "nt":
        return f"{venv}\\Scripts\\activate"
    import shlex

    return f". {shlex.quote(str(venv))}/bin/activate"


class _LineCapture(io.TextIOBase):
    """The stream a project's Reporter writes to: kept whole for the log, last line shown as progress."""

    def __init__(self, outcome: Outcome, changed: Callable[[], None]) -> None:
        self._outcome = outcome
        self._changed = changed
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._outcome.log.write(text)
            lines = [line for line in text.splitlines() if line.strip()]
            if lines:
                self._outcome.last_line = lines[-1].strip()
        self._changed()
        return len(text)


class Progress:
    """One line per project, redrawn in place on a terminal; one plain line per event otherwise."""

    def __init__(self, outcomes: list[Outcome], stream: TextIO, enabled: bool) -> None:
        self._outcomes = outcomes
        self._stream = stream
        self._enabled = enabled
        self._live = enabled and _isatty(stream) and os.environ.get("TERM", "") != "dumb"
        self._lock = threading.Lock()
        self._drawn = 0
        self._width = max(len(outcome.name) for outcome in outcomes)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> Progress:
        if self._live:
            self._redraw()
            self._ticker = threading.Thread(target=self._tick, name="installdev-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
            self._redraw()

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            self._redraw()

    def _line(self, outcome: Outcome) -> str:
        now = time.time()
        if outcome.result:
            status = f"{outcome.result} in {outcome.seconds:.1f}s" + (f" ({outcome.mode})" if outcome.mode else "")
            if outcome.result in (FAILED, SKIPPED):
                status = f"{outcome.result}: {outcome.error}"
        elif outcome.started is not None and not self._live:
            status = "started"
        elif outcome.started is not None:
            status = f"{outcome.state} {now - outcome.started:.0f}s  {outcome.last_line}"
        else:
            status = outcome.state
        return f"{outcome.name:<{self._width}}  {status}"

    def _redraw(self) -> None:
        with self._lock:
            columns = _columns(self._stream)
            text = ""
            if self._drawn:
                text += f"\x1b[{self._drawn}F"
            for outcome in self._outcomes:
                text += "\x1b[2K" + self._line(outcome)[: columns - 1] + "\n"
            self._drawn = len(self._outcomes)
            self._stream.write(text)
            self._stream.flush()

    def event(self, outcome: Outcome) -> None:
        """``outcome`` started or finished."""
        if not self._enabled:
            return
        if self._live:
            self._redraw()
            return
        with self._lock:
            self._stream.write(f"installdev: {self._line(outcome).rstrip()}\n".replace(f"{outcome.name:<{self._width}}  ",
                                                                                          f"{outcome.name}: "))
            self._stream.flush()

    def changed(self) -> None:
        """A project printed something: the ticker shows it at its next tick."""


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _columns(stream: TextIO) -> int:
    try:
        return max(40, os.get_terminal_size(stream.fileno()).columns)
    except (AttributeError, OSError, ValueError):
        return 120


def summary_table(outcomes: list[Outcome]) -> str:
    header = ("project", "result", "mode and why", "interpreter", "time")
    rows = []
    for outcome in outcomes:
        if outcome.result in (FAILED, SKIPPED):
            why = outcome.error
        elif outcome.mode:
            why = f"{outcome.mode}: {'; '.join(outcome.reasons)}" if outcome.reasons else outcome.mode
        else:
            why = ""
        interpreter = f"{outcome.python_version} {outcome.python}".strip()
        rows.append((outcome.name, outcome.result or "", why, interpreter,
                     f"{outcome.seconds:.1f}s" if outcome.started is not None else "-"))
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(4)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(widths[index]) if index < 4 else cell for index, cell in enumerate(row)).rstrip())
        if row is header:
            lines.append("  ".join("-" * width for width in [*widths, 4]))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# the run


def _select(workspace: Workspace, only: list[str] | None) -> list[WorkspaceProject]:
    if not only:
        return workspace.projects
    chosen = []
    for pattern in only:
        pattern = pattern.strip().strip("/") or "."
        matches = [member for member in workspace.projects
                   if fnmatch.fnmatchcase(member.name, pattern) or fnmatch.fnmatchcase(member.directory.name, pattern)]
        if not matches:
            raise UsageError(f"--only {pattern} matches no workspace project; projects: "
                             f"{', '.join(member.name for member in workspace.projects)}")
        chosen.extend(member for member in matches if member not in chosen)
    return [member for member in workspace.projects if member in chosen]


def _build_one(member: WorkspaceProject, settings, outcome: Outcome, verbosity: int, changed: Callable[[], None]) -> None:
    from installdev.install_dev import install_dev
    from installdev.stamp import read_stamp

    capture = _LineCapture(outcome, changed)
    reporter = Reporter(max(verbosity, NORMAL), out=capture, err=capture)
    before = read_stamp(settings.venv)
    try:
        install_dev(settings, reporter)
    except InstalldevError as error:
        reporter.error(str(error))
        outcome.result, outcome.exit_code, outcome.error = FAILED, int(error.exit_code), str(error)
        return
    except Exception as error:  # a bug in one build must not hide the others' results
        import traceback

        capture.write(traceback.format_exc())
        outcome.result, outcome.exit_code = FAILED, int(ExitCode.INTERNAL)
        outcome.error = f"internal error: {type(error).__name__}: {error}"
        return
    stamp = read_stamp(settings.venv) or {}
    outcome.result = UP_TO_DATE if stamp == before and before is not None else BUILT
    decision = stamp.get("decision", {})
    outcome.mode = decision.get("mode", "")
    outcome.reasons = list(decision.get("reasons", []))
    base = stamp.get("base_python", {})
    outcome.python = base.get("path", "")
    outcome.python_version = base.get("version", stamp.get("python_version", ""))


def run_bootstrap(args: argparse.Namespace, reporter: Reporter) -> int:
    """Build every selected venv of the workspace at ``args.root``; the exit code of the first failure, else 0.

    Workspace-level problems (no table, bad table, --only matching nothing) raise UsageError/ProjectError.
    """
    import json
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    workspace = load_workspace(Path(args.root))
    members = _select(workspace, getattr(args, "only", None))
    jobs = getattr(args, "jobs", None) or workspace.jobs or os.cpu_count() or 1
    as_json = bool(getattr(args, "json", False))
    verbosity = getattr(args, "verbosity", reporter.verbosity)
    ui_stream = sys.stderr if as_json else sys.stdout

    outcomes = {member.name: Outcome(member.name, member.directory) for member in members}
    settings_by_name = {}
    for member in members:
        outcome = outcomes[member.name]
        try:
            settings = member_settings(member, args)
        except InstalldevError as error:
            outcome.result, outcome.exit_code, outcome.error = FAILED, int(error.exit_code), str(error)
            outcome.log.write(f"installdev: error: {error}\n")
            continue
        settings_by_name[member.name] = settings
        outcome.venv = settings.venv
    _link_dependencies(members, settings_by_name)
    selected = {member.name for member in members}
    for member in members:
        member.depends_on &= selected

    if verbosity >= NORMAL:
        _say(ui_stream, f"bootstrap {workspace.root}: {len(members)} project(s), up to {jobs} at a time")
        for member in members:
            if member.depends_on:
                _say(ui_stream, f"{member.name} is built after {', '.join(sorted(member.depends_on))} (installs it by path)")

    ordered = [outcomes[member.name] for member in members]
    progress = Progress(ordered, ui_stream, enabled=verbosity >= NORMAL)
    failures: list[Outcome] = [outcome for outcome in ordered if outcome.result == FAILED]
    for outcome in failures:
        progress.event(outcome)
    stop = bool(failures) and getattr(args, "fail_fast", False)
    pending = {member.name: member for member in members if member.name in settings_by_name}
    done = {outcome.name for outcome in failures}
    running: dict[Future, Outcome] = {}

    def startable() -> list[WorkspaceProject]:
        ready = [member for member in pending.values() if member.depends_on <= done]
        if not ready and not running and pending:  # a cycle: the order cannot matter more than finishing
            names = ", ".join(sorted(pending))
            _say(ui_stream, f"warning: projects {names} install each other by path; building them in any order")
            for member in pending.values():
                member.depends_on.clear()
            ready = list(pending.values())
        return ready

    with progress, ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="installdev") as pool:
        try:
            while pending or running:
                if not stop:
                    for member in startable():
                        if len(running) >= jobs:
                            break
                        del pending[member.name]
                        outcome = outcomes[member.name]
                        outcome.state, outcome.started = "building", time.time()
                        progress.event(outcome)
                        future = pool.submit(_build_one, member, settings_by_name[member.name], outcome, verbosity,
                                             progress.changed)
                        running[future] = outcome
                elif pending:
                    for name in list(pending):
                        outcome = outcomes[name]
                        outcome.result, outcome.error = SKIPPED, "not started (--fail-fast)"
                        outcome.exit_code = 0
                        done.add(name)
                        del pending[name]
                        progress.event(outcome)
                if not running:
                    continue
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    outcome = running.pop(future)
                    future.result()  # _build_one catches everything but BaseException
                    outcome.finished = time.time()
                    done.add(outcome.name)
                    progress.event(outcome)
                    if outcome.result == FAILED:
                        failures.append(outcome)
                        if getattr(args, "fail_fast", False):
                            stop = True
        except BaseException:
            for future in running:
                future.cancel()
            raise

    if verbosity >= NORMAL or failures:
        for outcome in failures:
            _say(sys.stderr, f"{outcome.name} failed (exit {outcome.exit_code}); its output:")
            sys.stderr.write("".join(f"    {line}\n" for line in outcome.log.getvalue().splitlines()))
            sys.stderr.flush()
    if verbosity >= NORMAL or failures:
        ui_stream.write("\n" + summary_table(ordered) + "\n")
        ui_stream.flush()
    exit_code = failures[0].exit_code if failures else int(ExitCode.OK)
    if verbosity >= NORMAL and not failures:
        _say(ui_stream, "activate a venv with:")
        for outcome in ordered:
            if outcome.venv:
                ui_stream.write(f"    {activate_command(outcome.venv)}    # {outcome.name}\n")
        ui_stream.flush()
    if as_json:
        document = {
            "schema": 1,
            "root": str(workspace.root),
            "workspace_file": str(workspace.origin),
            "jobs": jobs,
            "exit_code": exit_code,
            "projects": [dict(outcome.as_json(workspace.root), depends_on=sorted(member.depends_on))
                         for outcome, member in zip(ordered, members, strict=True)],
        }
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        sys.stdout.flush()
    return exit_code


def _say(stream: TextIO, message: str) -> None:
    stream.write(f"installdev: {message}\n")
    stream.flush()
