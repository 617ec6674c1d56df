"""One plan: every check and decision install-dev makes, in install-dev's order, before it writes anything.

``make_plan`` runs the checks on resolved settings (the lock and how it is installed, extras, venv path, interpreter,
installer, host facts, probe, link-mode decision) and collects every problem with its exit code instead of stopping at the
first. ``install-dev`` raises the first problem before it locks, creates or writes anything; ``doctor``
renders them all and exits with the same code; the nox helper uses ``plan_host`` alone. Nothing here
writes, except the probe's own private temp directory, which it removes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.actions.freshness import Freshness
from installdev.actions.installer import InstallerChoice, InstallSpec, choose_installer
from installdev.actions.venvdir import VenvKind, check_venv_path
from installdev.errors import BadPythonError, ExitCode, InstalldevError
from installdev.host.facts import HostFacts, existing_ancestor, gather_host_facts
from installdev.host.interpreter import BasePython, discover
from installdev.host.probe import ProbeResult, probe_directory
from installdev.host.python_finder import choose_python
from installdev.policy import CreatorChoice, Decision, choose_creator, decide_link_mode
from installdev.request.locks.uv import check_uv_lock
from installdev.request.project.development import DevelopmentSet
from installdev.request.project.python_need import PythonNeed
from installdev.request.project.python_request import (
    NEWEST_KNOWN_MINOR,
    PythonRequest,
    check_requested_python,
    minimum_seedable_text,
)
from installdev.request.selection import InstallMethod, LockedInstall, choose_locked_install, chosen_development, read_lock
from installdev.request.settings.envflags import AUTOMATIC, ModeRequest, copies_flag_names
from installdev.request.settings.resolve import Settings
from installdev.vocabulary import Check, InstallerName, LinkMode

if TYPE_CHECKING:
    from installdev.request.locks.lockedset import LockedSet


class Problem(NamedTuple):
    """A reason install-dev would stop: which check found it, and the error (message and exit code)."""

    check: Check
    error: InstalldevError


class HostPlan(NamedTuple):
    """Where the venv goes: the host facts, the probe of its destination, and the symlinks/copies decision."""

    facts: HostFacts
    probe: ProbeResult
    decision: Decision | None
    problem: Problem | None
    automatic_mode: LinkMode | None = None  # what the automatic decision gives there (None: it raises)


class Plan(NamedTuple):
    settings: Settings
    freshness: Freshness
    development: DevelopmentSet | None
    install_spec: InstallSpec | None
    venv_kind: VenvKind | None
    python_request: PythonRequest | None
    base: BasePython | None
    installer: InstallerChoice | None
    seed_pip: bool
    host: HostPlan
    problems: tuple[Problem, ...]
    locked: LockedInstall | None = None  # how the venv is filled: from the project's lock, or by resolving
    locked_set: LockedSet | None = None  # the lock read by installdev for that interpreter (not for uv sync: uv reads it)
    creator: CreatorChoice | None = None  # what makes the venv (None when the mode or the installer is not known)

    @property
    def exit_code(self) -> ExitCode:
        """What install-dev would exit with: 0 when the venv is up to date or would build, else the first problem's."""
        if self.freshness.up_to_date and not self.problems:
            return ExitCode.OK
        return self.problems[0].error.exit_code if self.problems else ExitCode.OK

    def raise_first_problem(self) -> None:
        if self.problems:
            raise self.problems[0].error


def plan_host(venv: Path, request: ModeRequest, flag_prefix: str) -> HostPlan:
    """Facts, probe and decision for a venv at ``venv``.

    The probe runs where the venv's files will be: in the venv directory itself when it exists and is built in place (a
    mount point such as a container volume, which may be another filesystem with other options than its parent, or a
    directory under a parent that is not writable); else in its parent, or the nearest existing ancestor.
    """
    facts = gather_host_facts(venv)
    probe = probe_directory(_probe_directory(venv, facts))
    copies_flag = copies_flag_names(flag_prefix)[0]
    try:
        decision = decide_link_mode(request, facts, probe, copies_flag)
    except InstalldevError as error:
        return HostPlan(facts, probe, None, Problem(Check.DESTINATION, error))
    try:
        automatic = decision if request.mode is None else decide_link_mode(AUTOMATIC, facts, probe, copies_flag)
    except InstalldevError:
        automatic = None
    return HostPlan(facts, probe, decision, None, automatic and automatic.mode)


def _probe_directory(venv: Path, facts: HostFacts) -> Path:
    if os.path.isdir(venv) and not os.path.islink(venv):
        real = os.path.realpath(venv)
        mounted = os.path.ismount(venv) or (facts.mount is not None and facts.mount.mount_point == real)
        if mounted or not os.access(venv.parent, os.W_OK):
            return Path(real)
    return existing_ancestor(venv.parent)


def make_plan(settings: Settings, freshness: Freshness) -> Plan:
    """Every check install-dev makes before building, in its order; problems collected, nothing raised."""
    problems: list[Problem] = []

    def attempt(check: Check, action, at: int | None = None):
        try:
            return action()
        except InstalldevError as error:
            problems.insert(len(problems) if at is None else at, Problem(check, error))
            return None

    if freshness.problem:
        problems.append(Problem(Check.INPUTS, freshness.problem))
    installer, installer_problem = _installer(settings)
    uv_installs = installer is not None and installer.name == InstallerName.UV
    locked = attempt(Check.LOCK, lambda: choose_locked_install(settings, uv_installs))
    development_at = len(problems)  # where a problem of the project's own declarations is reported
    venv_kind = attempt(Check.VENV, lambda: check_venv_path(settings.venv, settings.project.directory))
    host = plan_host(settings.venv, settings.mode_request, settings.flag_prefix)
    request = attempt(Check.PYTHON, lambda: settings.project.python_request)
    request, base = _remembered(settings, freshness, request) or (request, attempt(
        Check.PYTHON, lambda: base_python(settings.python, request, settings.python_named)) if request else None)
    problems += [problem for problem in (installer_problem, host.problem) if problem is not None]
    seed_pip = settings.seed_pip if settings.seed_pip is not None else (installer is None or installer.name == InstallerName.PIP)
    locked_set = None
    if locked is not None and locked.is_locked:
        if locked.method == InstallMethod.UV_SYNC and not settings.frozen and installer is not None:  # what uv sync
            # --locked checks
            attempt(Check.LOCK, lambda: check_uv_lock(installer.uv, locked.lock.path, base and base.path))
        if base is not None and locked.method != InstallMethod.UV_SYNC:  # uv sync reads its lock itself
            locked_set = attempt(Check.LOCK, lambda: read_lock(settings, locked, base.version))
        if locked_set is not None and locked_set.constraints:  # the lock only pins versions: resolved after it
            development_at = len(problems)
    development = attempt(Check.DEVELOPMENT, lambda: chosen_development(settings, locked, locked_set), development_at)
    spec = _install_spec(settings, development)
    creator = choose_creator(host.decision.mode, installer.name, seed_pip) if host.decision and installer else None
    return Plan(settings, freshness, development, spec, venv_kind, request, base, installer, seed_pip, host, tuple(problems),
                locked, locked_set, creator)


def _installer(settings: Settings) -> tuple[InstallerChoice | None, Problem | None]:
    """The installer, or the problem finding it (uv asked for and missing): chosen first, as the lock's method
    depends on it, and reported in its place among the checks."""
    try:
        return choose_installer(settings.installer), None
    except InstalldevError as error:
        return None, Problem(Check.INSTALLER, error)


def _install_spec(settings: Settings, development: DevelopmentSet | None) -> InstallSpec | None:
    return None if development is None else InstallSpec(
        settings.project.directory, development.extras, development.requirement_files, development.requirement_lines,
        (*settings.constraints, *development.constraint_files), settings.build_constraints,
        editable_project=development.installs_project,
        dependency_groups=development.dependency_groups, project_name=settings.project.distribution_name)


def base_python(requested: str | None, request: PythonRequest, named: str | None) -> BasePython:
    """The interpreter the venv is built on: the one asked for (a path, a name on PATH or a version request, see
    ``installdev.host.asked_python``), if the project accepts it; else one it accepts. Either way the first of its
    ``reasons`` says why it was chosen. ``named`` is how messages name the one asked for (default ``--python
    REQUESTED``; the setting it came from).

    Raises BadPythonError (exit 9) naming the constraint when the asked one does not fit or none is found.
    """
    if requested is None:
        chosen = choose_python(request)
        base = discover(chosen.path, f"the chosen interpreter {chosen.path}")
        return base._replace(reasons=(chosen.reason, *base.reasons))
    from installdev.host.asked_python import asked_python

    named = named or f"--python {requested}"
    asked = asked_python(requested, named, request)
    base = discover(asked.path, named)._replace(requested=requested)
    misfit = check_requested_python(base.version, base.implementation, request)
    if misfit:
        fix = ("pass an interpreter the project accepts, or no --python to let installdev choose one"
               if named.startswith("--python") else "set one the project accepts, or remove the setting to let "
               "installdev choose one")
        raise BadPythonError(f"{named}: {misfit}: {fix}")
    constraints = request.constraints()
    reason = f"the interpreter asked for ({requested}, {asked.how or f'Python {base.version_text}'})" + (
        f" satisfies {constraints}" if constraints else ": the project sets no requires-python or .python-version")
    return base._replace(reasons=(reason, *base.reasons))


def _remembered(settings: Settings, freshness: Freshness, request: PythonRequest | None,
                ) -> tuple[PythonRequest, BasePython] | None:
    """When installdev chooses the interpreter and the venv's stamp says a build found that the development set needs
    more of it (a requirement's Requires-Python), the request narrowed by that need and the interpreter chosen with it,
    so the rebuild starts where the last build ended. None when there is no such record, or no interpreter found has
    both any more (the need may have gone with its requirement: the plain choice, and the build, tell)."""
    stamp = freshness.reading.stamp
    if settings.python is not None or request is None or stamp is None or not stamp.python_need:
        return None
    need = PythonNeed.from_json(stamp.python_need)
    if need is None:
        return None
    try:
        return request.needing(need), _chosen_with(request.needing(need), "remembered from the previous build of this venv")
    except BadPythonError:
        return None


def _chosen_with(request: PythonRequest, source: str) -> BasePython:
    """The newest interpreter that fits ``request`` (narrowed by a need), its first reason naming the need's ``source``."""
    chosen = choose_python(request)
    base = discover(chosen.path, f"the chosen interpreter {chosen.path}")
    return base._replace(reasons=(f"{source}: {chosen.reason}", *base.reasons))


def rebased(plan: Plan, need: PythonNeed) -> Plan:
    """``plan`` on the newest interpreter that fits both the project and ``need`` (with any need it already had), for a
    build that failed because a requirement needs another Python. Only the interpreter changes: the plan of a venv
    filled by resolving depends on nothing else that the interpreter decides.

    Raises BadPythonError (exit 9) naming the need and the command that installs a fitting Python when none is found.
    """
    request = plan.python_request.needing(need)
    failed = f"the install on Python {plan.base.version_text} failed because {need.sentence}"
    if request.install_suggestion() is None:
        raise BadPythonError(f"{failed}: {python_fix(plan, need)}")
    try:
        base = _chosen_with(request, "the installer reported the need")
    except BadPythonError as error:
        raise BadPythonError(f"{failed}, and {error}") from None
    return plan._replace(python_request=request, base=base)


def python_fix(plan: Plan, need: PythonNeed) -> str:
    """What to do when the venv's interpreter cannot install the development set because of ``need`` and installdev
    does not move to another itself: the interpreter to pass (found here, within the project's requires-python and
    installdev's range), or the command that installs one, or that no Python in that range fits."""
    from installdev.host.python_finder import install_tool

    request = plan.python_request.needing(need)
    if plan.settings.python is not None:  # an interpreter asked for overrides .python-version, as the one to pass will
        request = request._replace(pin=None)
    suggestion = request.install_suggestion()
    if suggestion is None:
        return (f"no Python {minimum_seedable_text()} to 3.{NEWEST_KNOWN_MINOR} fits {request.describe()}: "
                "change them, or the requirement")
    try:
        chosen = choose_python(request)
    except BadPythonError:
        return f"{install_tool().advice(suggestion)}, then pass --python {suggestion}"
    choose = ", or leave --python out to let installdev choose" if plan.settings.python is not None else ""
    minor = ".".join(map(str, chosen.python.version[:2]))
    return f"pass --python {minor} (found: {chosen.python.where()}){choose}"
