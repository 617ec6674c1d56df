"""``installdev install-dev``: the up-to-date check; else the plan, then (under the lock) create, install, stamp.

The up-to-date path reads the settings and the stamp and runs the venv's python once; it imports neither
the plan (host facts, probe, interpreter discovery) nor virtualenv nor filelock.
"""

from __future__ import annotations

import enum
import time
from typing import TYPE_CHECKING

from installdev import __version__
from installdev.actions.freshness import Freshness, assess, is_empty_or_missing
from installdev.actions.stamp import Stamp
from installdev.errors import CreateError, HostUnsupportedError, InstalldevError
from installdev.result import InstallResult, Outcome, activate_command

if TYPE_CHECKING:
    from installdev.errors import InstallError
    from installdev.plan import Plan
    from installdev.report import Reporter
    from installdev.request.project.python_need import PythonNeed
    from installdev.request.settings.resolve import Settings
    from installdev.update import Updated
    from installdev.vocabulary import InstallerName, LinkMode


def _from_stamp(settings: Settings, freshness: Freshness, started: float) -> InstallResult:
    stamp = freshness.reading.stamp
    return InstallResult(Outcome.UP_TO_DATE, settings.project.directory, settings.venv, stamp.mode, stamp.mode_reasons,
                         stamp.python_path, stamp.python_version, stamp.installer, time.perf_counter() - started,
                         freshness=freshness)


def install_dev(settings: Settings, reporter: Reporter) -> InstallResult:
    """Make ``settings.venv`` an up-to-date development venv of the project. Raises InstalldevError."""
    started = time.perf_counter()
    freshness = assess(settings)
    if freshness.up_to_date:
        reporter.info(f"{settings.venv} is up to date ({freshness.reading.stamp.mode})")
        return _from_stamp(settings, freshness, started)

    from installdev.actions.locking import venv_lock
    from installdev.actions.replace import recover
    from installdev.plan import make_plan

    plan = make_plan(settings, freshness)
    plan.raise_first_problem()
    try:
        settings.venv.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HostUnsupportedError(
            f"cannot create {settings.venv.parent}: {error.strerror}; pass --venv with a writable location"
        ) from None

    with venv_lock(settings.venv, settings.lock_timeout, reporter):
        recover(settings.venv, settings.project.directory, reporter)
        if not settings.force:
            freshness = assess(settings)
            if freshness.up_to_date:
                reporter.info(f"{settings.venv} was just built by another process; it is up to date")
                return _from_stamp(settings, freshness, started)
            if freshness.problem:
                raise freshness.problem
        from installdev.actions.venv_use import ChangesWaitForCommands

        with ChangesWaitForCommands(settings.venv, settings.lock_timeout, reporter):
            reporter.info(f"building {settings.venv}: {'; '.join(freshness.reasons)}")
            outcome = Outcome.BUILT if is_empty_or_missing(settings.venv) else Outcome.REBUILT
            return _build(plan, freshness, outcome, reporter, started)


def _build(plan: Plan, freshness: Freshness, outcome: Outcome, reporter: Reporter, started: float) -> InstallResult:
    """Update the venv in place when ``installdev.refresh`` allows it, else build it from nothing, keeping the previous
    one until the new one is complete (``installdev.actions.replace``); then give it its use lock
    (``installdev.actions.venv_use``) and stamp it."""
    from installdev.actions.freshness import after_build
    from installdev.actions.replace import replacing
    from installdev.actions.stamp import write_stamp
    from installdev.actions.venv_use import create_use_lock

    settings, decision = plan.settings, plan.host.decision
    venv = settings.venv
    for reason in plan.base.reasons:
        reporter.info(reason)
    reporter.info(f"mode {decision.summary()}")
    for hint in decision.hints:
        reporter.detail(f"mode: {hint}")

    plan, updated = _update_if_allowed(plan, freshness, reporter)
    if updated is not None:
        mode, backend, identities, stamp = updated
    else:
        with replacing(venv, settings.project.directory, reporter):
            plan, (mode, backend, identities) = _build_on_fitting_python(plan, reporter)
            stamp = _stamp(plan, freshness, mode, backend)
            create_use_lock(venv)  # the venv is whole: commands may hold it from here on
            write_stamp(venv, stamp)
    base = plan.base
    seconds = time.perf_counter() - started
    reporter.info(f"ready in {seconds:.1f}s (installed with {backend}): {activate_command(venv)}")
    return InstallResult(outcome, settings.project.directory, venv, mode, stamp.mode_reasons, base.path,
                         base.version_text, str(backend), seconds, freshness.reasons, after_build(stamp, identities))


def _stamp(plan: Plan, freshness: Freshness, mode: LinkMode, backend: InstallerName) -> Stamp:
    """The stamp of ``plan``'s venv built or updated in ``mode`` by ``backend``."""
    decision, base, need = plan.host.decision, plan.base, plan.python_request.need
    reasons = decision.reasons if mode == decision.mode else ("the symlinks venv failed its health check",)
    return Stamp(
        installdev=__version__, inputs=_stamp_inputs(plan, freshness.inputs, mode), python_requested=base.requested,
        python_path=base.path, python_version=base.version_text, mode=mode, mode_reasons=tuple(reasons),
        installer=str(backend), built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        python_need=need.to_json() if need else None,
    )


def _update_if_allowed(plan: Plan, freshness: Freshness, reporter: Reporter) -> tuple[Plan, Updated | None]:
    """Update the complete venv in place (``installdev.update``) when ``installdev.refresh`` allows it, saying which
    it chose. Returns the plan to build on and the update, or None to build from nothing: not allowed, an update uv
    cannot make, or (when installdev chose the interpreter) a requirement that needs another Python, the plan then on
    the newest interpreter that fits. Raises InstallError or ProjectError (the previous venv back in place)."""
    from installdev.actions.venvdir import VenvKind, check_venv_path, stamp_path

    settings = plan.settings
    if check_venv_path(settings.venv, settings.project.directory) != VenvKind.OURS or not stamp_path(settings.venv).is_file():
        return plan, None
    from installdev.errors import InstallError
    from installdev.refresh import choose_refresh
    from installdev.update import update_in_place

    refresh = choose_refresh(plan, settings.force)
    reporter.info(refresh.describe())
    if not refresh.updates:
        return plan, None
    try:
        with reporter.holding_replay():
            return plan, update_in_place(plan, reporter,
                                         lambda backend: _stamp(plan, freshness, plan.host.decision.mode, backend))
    except InstallError as error:
        return _moved_or_raise(plan, error, reporter), None
    except BaseException:
        reporter.end_hold(replay=True)
        raise


def _moved_or_raise(plan: Plan, error: InstallError, reporter: Reporter) -> Plan:
    """After ``error`` from the installer inside ``holding_replay``: when it reports that a requirement needs another
    Python and installdev chose the interpreter, the plan on the newest interpreter that fits both (said in one line);
    else raise ``error`` or the BadPythonError naming a fitting interpreter."""
    from installdev.actions.needed_python import read_python_need
    from installdev.plan import rebased

    need = read_python_need(reporter.tool_tail)
    response = need_response(plan, need, retried=False) if need else None
    reporter.end_hold(replay=response != NeedResponse.REBUILD)
    if response != NeedResponse.REBUILD:
        raise _python_error(plan, need, response, error) from None
    moved = rebased(plan, need)
    reporter.info(f"{need.sentence}; building on {moved.base.path} (Python {moved.base.version_text}) instead of "
                  f"Python {plan.base.version_text}")
    return moved


class NeedResponse(enum.Enum):
    """What install-dev does when the installer reports that a requirement needs another Python; each value says why."""

    REBUILD = "installdev chose the interpreter: it builds once more on the newest one that fits the project and the need"
    ASKED = "the interpreter was asked for (--python or the setting): installdev names a fitting one instead of replacing it"
    RETRIED = "this build already moved once to an interpreter that fits what was reported: it names one instead"
    LOCKED = "the venv is filled from a lock, whose versions were resolved for every Python the project accepts"
    UNREAD = "the need as read admits the interpreter that failed, so another would fail the same way"


def need_response(plan: Plan, need: PythonNeed, retried: bool) -> NeedResponse:
    """The :class:`NeedResponse` to ``need``, reported by the installer filling ``plan``'s venv."""
    if plan.locked is not None and plan.locked.is_locked:
        return NeedResponse.LOCKED
    if need.admits(plan.base.version):
        return NeedResponse.UNREAD
    if plan.settings.python is not None:
        return NeedResponse.ASKED
    return NeedResponse.RETRIED if retried else NeedResponse.REBUILD


def _build_on_fitting_python(plan: Plan, reporter: Reporter) -> tuple[Plan, tuple[LinkMode, InstallerName, tuple[str, ...]]]:
    """Create and fill the venv (``_create_and_install``). When installdev chose the interpreter and the installer
    reports that a requirement needs another Python, the venv is emptied and built once more on the newest interpreter
    that fits both, saying why in one line (the previous venv stays set aside, the lock held). Returns the plan the
    venv was built on, and what ``_create_and_install`` returns. Raises InstallError, or BadPythonError naming the
    Python needed and how to get it."""
    from installdev.actions.needed_python import read_python_need
    from installdev.actions.venvdir import reset
    from installdev.errors import InstallError

    try:
        with reporter.holding_replay():
            return plan, _create_and_install(plan, reporter)
    except InstallError as error:
        moved = _moved_or_raise(plan, error, reporter)
    except BaseException:
        reporter.end_hold(replay=True)
        raise
    reset(plan.settings.venv)
    try:
        return moved, _create_and_install(moved, reporter)
    except InstallError as error:
        need = read_python_need(reporter.tool_tail)
        raise _python_error(moved, need, need and need_response(moved, need, retried=True), error) from None


def _python_error(plan: Plan, need: PythonNeed | None, response: NeedResponse | None, error: InstalldevError
                  ) -> InstalldevError:
    """``error`` itself, or, when installdev names a fitting interpreter instead of moving to it (ASKED, RETRIED),
    a BadPythonError (exit 9) saying which to pass or how to install one (``installdev.plan.python_fix``)."""
    if response not in (NeedResponse.ASKED, NeedResponse.RETRIED):
        return error
    from installdev.errors import BadPythonError
    from installdev.plan import python_fix

    named = plan.settings.python_named or f"the interpreter installdev chose ({plan.base.path})"
    return BadPythonError(f"{error}; {named} is Python {plan.base.version_text}: {python_fix(plan, need)}")


def _create_and_install(plan: Plan, reporter: Reporter) -> tuple[LinkMode, InstallerName, tuple[str, ...]]:
    """Create the venv and fill it, its health check running beside the install; an automatic symlinks venv that fails
    the check is made again once with copies (by virtualenv) and filled again. Returns the mode, the backend that
    installed and the files the health check named. Raises CreateError, InstallError or ProjectError."""
    from installdev.actions.creator import create_venv
    from installdev.actions.health import start_check
    from installdev.actions.venvdir import reset
    from installdev.errors import InstallError, ProjectError
    from installdev.fill import fill_venv
    from installdev.policy import choose_creator
    from installdev.vocabulary import CreatorName, LinkMode

    settings, base, decision, venv = plan.settings, plan.base, plan.host.decision, plan.settings.venv
    mode, creator = decision.mode, plan.creator
    while True:
        with reporter.step(f"creating venv with Python {base.version_text} ({mode}, {creator.name})"):
            create_venv(venv, base, mode, settings.system_site_packages, plan.seed_pip, reporter,
                        plan.installer.uv if creator.name == CreatorName.UV else None)
        check = start_check(venv)
        failure: InstallError | ProjectError | None = None
        try:
            backend = fill_venv(plan, reporter)
        except (InstallError, ProjectError) as error:  # a venv that is not healthy explains it better
            failure, backend = error, None
        except BaseException:
            check.stop()
            raise
        health = check.health(base.version)
        if health.problem and decision.copies_fallback and mode == LinkMode.SYMLINKS:
            reporter.warning(f"the symlinks venv failed its health check ({health.problem}); rebuilding it once with copies")
            mode = LinkMode.COPIES
            creator = choose_creator(mode, plan.installer.name, plan.seed_pip)
            reset(venv)
            continue
        if health.problem:
            raise CreateError(f"the new venv {venv} failed its health check: {health.problem}")
        if failure is not None:
            raise failure
        return mode, backend, health.identities


def _stamp_inputs(plan: Plan, assessed: dict, mode: LinkMode) -> dict:
    """The inputs the new stamp records: as assessed before the build, plus the project files of the local directories
    the venv installs (a sibling that changes its dependencies rebuilds this venv), the ``mode`` built and the one the
    automatic decision gives (when it decided, the mode built: a failed health check's copies included)."""
    from installdev.actions.freshness import stamp_inputs
    from installdev.actions.linked import linked_project_files

    settings = plan.settings
    linked = linked_project_files(settings.venv, plan.base.version, settings.project.directory)
    automatic_mode = mode if settings.mode_request.mode is None else plan.host.automatic_mode
    return stamp_inputs(assessed, linked, mode, automatic_mode)
