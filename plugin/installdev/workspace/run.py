"""``installdev bootstrap [ROOT]``: build the development venv of every project of a workspace, in parallel.

Each selected project is built by ``install_dev`` in a pool of ``jobs`` threads (--jobs, else the table's
``jobs``, else the CPU count), under its venv's lock as always. A project starts once the selected
projects it installs by path are done, failed or not (graph.py). A failure lets the other builds finish;
with --fail-fast no new build starts after it and the waiting projects are skipped. A project whose
settings cannot be read fails before any build starts. Progress and the summary table go to stderr (stdout is for
the --json document), each failed project's captured output too, then, when all succeeded, how to
activate the venvs. The exit code is the first failure's (in the order they happened), else 0. Problems
with the workspace itself (no table, a bad table, --only matching nothing) raise before any build.

``--json`` (schema 1) on stdout; ``started``/``finished`` are Unix times; a rebuilt venv is "built" here::

    {"schema": 1, "root": str, "workspace_file": str | null, "jobs": int | null, "exit_code": int, "error": str | null,
     "projects": [
      {"name": str, "directory": str, "venv": str | null, "python_executable": str | null,
       "activate": str | null, "result": "built" | "up to date" | "failed" | "skipped", "exit_code": int,
       "error": str | null, "mode": "copies" | "symlinks" | null, "reasons": [str], "base_python": str | null,
       "python_version": str | null, "started": float | null, "finished": float | null, "seconds": float,
       "log": str, "depends_on": [str]}]}

``error`` is null once the builds ran (each project says how it went); a bootstrap stopped before that (a workspace that
cannot be read, an interruption) prints ``error``, its exit code and no projects (``installdev.cli.bootstrap``).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import NamedTuple, TextIO

from installdev.errors import ExitCode, InstalldevError, UsageError
from installdev.install_dev import install_dev
from installdev.report import NORMAL, Reporter, emit
from installdev.request.settings.options import Options
from installdev.request.settings.resolve import Settings
from installdev.result import activate_command
from installdev.workspace.config import Workspace, WorkspaceProject, load_workspace, select_projects
from installdev.workspace.graph import blocked_by_cycle, member_dependencies, ready_to_start
from installdev.workspace.members import member_settings
from installdev.workspace.progress import LogCapture, Progress, summary_table
from installdev.workspace.project_run import ProjectRun

JSON_SCHEMA = 1


class BootstrapRequest(NamedTuple):
    root: str
    options: Options  # the command line's; each project's directory replaces project_dir
    only: tuple[str, ...] = ()  # globs over project paths and directory names; empty: every project
    jobs: int | None = None  # None: the workspace table's jobs, else the CPU count
    fail_fast: bool = False
    as_json: bool = False
    verbosity: int = NORMAL


def run_bootstrap(request: BootstrapRequest) -> int:
    """Build the selected venvs of the workspace at ``request.root``; the exit code of the first failure, else 0."""
    workspace = load_workspace(Path(request.root))
    members = select_projects(workspace, request.only)
    jobs = request.jobs or workspace.jobs or os.cpu_count() or 1
    ui = sys.stderr
    runs, settings = _prepare(members, request.options, workspace.defaults)
    _refuse_shared_venvs(settings)
    if request.verbosity >= NORMAL:
        _announce(workspace, runs, jobs, ui)
    with Progress(runs, ui, enabled=request.verbosity >= NORMAL) as progress:
        failures = _Scheduler(runs, settings, jobs, request, progress, ui).run()
    exit_code = failures[0].exit_code if failures else int(ExitCode.OK)
    _report(runs, failures, request.verbosity, ui)
    if request.as_json:
        document = {"schema": JSON_SCHEMA, "root": str(workspace.root), "workspace_file": str(workspace.origin),
                    "jobs": jobs, "exit_code": exit_code, "error": None, "projects": [run.to_json() for run in runs]}
        emit(sys.stdout, json.dumps(document, indent=2) + "\n")
    return exit_code


def _prepare(members: list[WorkspaceProject], options: Options,
             defaults: Mapping[str, object]) -> tuple[list[ProjectRun], dict[str, Settings]]:
    """A run per member, failed already when its settings cannot be read; the settings of the others."""
    runs = [ProjectRun(member.name, member.directory) for member in members]
    settings: dict[str, Settings] = {}
    for member, run in zip(members, runs, strict=True):
        try:
            settings[run.name] = member_settings(member, options, defaults=defaults)
        except InstalldevError as error:
            run.error = error
            run.log.write(f"installdev: error: {error}\n")
        else:
            run.venv = settings[run.name].venv
    dependencies = member_dependencies({member.name: member.directory for member in members}, settings)
    for run in runs:
        run.depends_on = dependencies.get(run.name, frozenset())
    return runs, settings


def _refuse_shared_venvs(settings: Mapping[str, Settings]) -> None:
    """Two projects whose settings name one venv would rebuild it for each other on every run: a UsageError (exit 2)."""
    owners: dict[str, str] = {}
    for name, member in settings.items():
        venv = os.path.realpath(member.venv)
        if venv in owners:
            raise UsageError(f"workspace projects {owners[venv]} and {name} both build the venv {member.venv}: give each "
                             "its own venv (venv = ... in its [tool.installdev] or the workspace overrides)")
        owners[venv] = name


def _announce(workspace: Workspace, runs: list[ProjectRun], jobs: int, ui: TextIO) -> None:
    _say(ui, f"bootstrap {workspace.root}: {len(runs)} project(s) from the {workspace.source}, up to {jobs} at a time")
    for run in runs:
        if run.depends_on:
            _say(ui, f"{run.name} is built after {', '.join(sorted(run.depends_on))} (installs it by path)")


def _build(run: ProjectRun, settings: Settings, verbosity: int) -> None:
    """In a worker thread: ``install_dev`` for ``run``'s project, recording its result or error and its output."""
    capture = LogCapture(run)
    reporter = Reporter(max(verbosity, NORMAL), capture)
    try:
        result = install_dev(settings, reporter)
    except InstalldevError as error:
        reporter.error(str(error))
        run.finished, run.error = time.time(), error
    except Exception as error:  # a bug in one build must not hide the others' results
        capture.write(traceback.format_exc())
        run.finished, run.error = time.time(), InstalldevError(f"internal error: {type(error).__name__}: {error}")
    else:
        run.finished, run.result = time.time(), result


class _Scheduler:
    """Starts each project once those it depends on are done, at most ``jobs`` at a time, until all are done."""

    def __init__(self, runs: list[ProjectRun], settings: Mapping[str, Settings], jobs: int, request: BootstrapRequest,
                 progress: Progress, ui: TextIO) -> None:
        self._settings = settings
        self._jobs = jobs
        self._request = request
        self._progress = progress
        self._ui = ui
        self._failures = [run for run in runs if run.error is not None]
        self._waiting = {run.name: run for run in runs if run.name in settings}
        self._done = {run.name for run in self._failures}
        self._running: dict[Future, ProjectRun] = {}
        self._in_dependency_order = True

    def run(self) -> list[ProjectRun]:
        """Build every waiting project; the failed projects, in the order they failed."""
        for run in self._failures:
            self._progress.event(run)
        with ThreadPoolExecutor(max_workers=self._jobs, thread_name_prefix="installdev") as pool:
            try:
                while self._waiting or self._running:
                    if self._request.fail_fast and self._failures:
                        self._skip_waiting()
                    else:
                        self._start_ready(pool)
                    if self._running:
                        self._collect_finished()
            except BaseException:
                for future in self._running:
                    future.cancel()
                raise
        return self._failures

    def _start_ready(self, pool: ThreadPoolExecutor) -> None:
        for name in self._ready()[: self._jobs - len(self._running)]:
            run = self._waiting.pop(name)
            run.started = time.time()
            self._progress.event(run)
            self._running[pool.submit(_build, run, self._settings[name], self._request.verbosity)] = run

    def _ready(self) -> list[str]:
        depends_on = {name: run.depends_on for name, run in self._waiting.items()}
        if self._in_dependency_order and blocked_by_cycle(depends_on, self._done, len(self._running)):
            _say(self._ui, f"warning: projects {', '.join(sorted(self._waiting))} install each other by path; "
                           "building them in any order")
            self._in_dependency_order = False
        return ready_to_start(depends_on, self._done) if self._in_dependency_order else list(self._waiting)

    def _collect_finished(self) -> None:
        finished, _ = wait(list(self._running), return_when=FIRST_COMPLETED)
        for future in finished:
            run = self._running.pop(future)
            future.result()  # _build records every Exception: this re-raises only what must stop the run
            self._done.add(run.name)
            self._progress.event(run)
            if run.error is not None:
                self._failures.append(run)

    def _skip_waiting(self) -> None:
        for run in self._waiting.values():
            run.skipped = True
            self._progress.event(run)
        self._waiting.clear()


def _report(runs: list[ProjectRun], failures: list[ProjectRun], verbosity: int, ui: TextIO) -> None:
    """Each failure's captured output, the summary table, and how to activate the venvs when all succeeded."""
    for run in failures:
        _say(sys.stderr, f"{run.name} failed (exit {run.exit_code}); its output:")
        sys.stderr.write("".join(f"    {line}\n" for line in run.log.getvalue().splitlines()))
        sys.stderr.flush()
    if verbosity >= NORMAL or failures:
        ui.write("\n" + summary_table(runs) + "\n")
        ui.flush()
    if verbosity >= NORMAL and not failures:
        _say(ui, "activate a venv with:")
        ui.write("".join(f"    {activate_command(run.venv)}    # {run.name}\n" for run in runs if run.venv))
        ui.flush()


def _say(stream: TextIO, message: str) -> None:
    stream.write(f"installdev: {message}\n")
    stream.flush()
