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
    from pathlib import Path

    from installdev.plan import Plan
    from installdev.report import Reporter
    from installdev.request.project.python_need import PythonNeed
    from installdev.request.settings.resolve import Settings
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
        reporter.info(f"building {settings.venv}: {'; '.join(freshness.reasons)}")
        outcome = Outcome.BUILT if is_empty_or_missing(settings.venv) else Outcome.REBUILT
        return _build(plan, freshness, outcome, reporter, started)


def _build(plan: Plan, freshness: Freshness, outcome: Outcome, reporter: Reporter, started: float) -> InstallResult:
    from installdev.actions.freshness import after_build
    from installdev.actions.replace import replacing
    from installdev.actions.stamp import write_stamp

    settings, decision = plan.settings, plan.host.decision
    venv = settings.venv
    for reason in plan.base.reasons:
        reporter.info(reason)
    reporter.info(f"mode {decision.summary()}")
    for hint in decision.hints:
        reporter.detail(f"mode: {hint}")

    with replacing(venv, settings.project.directory, reporter) as previous:
        plan, (mode, backend, identities) = _build_on_fitting_python(plan, reporter, _update_source(plan, previous, reporter))
        base, need = plan.base, plan.python_request.need
        reasons = decision.reasons if mode == decision.mode else ("the symlinks venv failed its health check",)
        stamp = Stamp(
            installdev=__version__, inputs=_stamp_inputs(plan, freshness.inputs, mode), python_requested=base.requested,
            python_path=base.path,
            python_version=base.version_text, mode=mode, mode_reasons=tuple(reasons), installer=str(backend),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), python_need=need.to_json() if need else None,
        )
        write_stamp(venv, stamp)
    seconds = time.perf_counter() - started
    reporter.info(f"ready in {seconds:.1f}s (installed with {backend}): {activate_command(venv)}")
    return InstallResult(outcome, settings.project.directory, venv, mode, tuple(reasons), base.path, base.version_text,
                         str(backend), seconds, freshness.reasons, after_build(stamp, identities))


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


def _update_source(plan: Plan, previous: Path | None, reporter: Reporter) -> Path | None:
    """The previous venv to update from (``installdev.refresh``), or None to build from nothing; says which."""
    if previous is None:
        return None
    from installdev.refresh import choose_refresh

    refresh = choose_refresh(plan, plan.settings.force)
    reporter.info(refresh.describe())
    return previous if refresh.updates else None


def _build_on_fitting_python(plan: Plan, reporter: Reporter, update_from: Path | None
                             ) -> tuple[Plan, tuple[LinkMode, InstallerName, tuple[str, ...]]]:
    """Create and fill the venv, or update a clone of ``update_from`` (``_create_and_install``). When installdev chose
    the interpreter and the installer reports that a requirement needs another Python, the venv is emptied and built
    once more (from nothing) on the newest interpreter that fits both, saying why in one line (the previous venv stays
    set aside, the lock held). Returns the plan the
    venv was built on, and what ``_create_and_install`` returns. Raises InstallError, or BadPythonError naming the
    Python needed and how to get it."""
    from installdev.actions.needed_python import read_python_need
    from installdev.actions.venvdir import reset
    from installdev.errors import InstallError
    from installdev.plan import rebased

    try:
        with reporter.holding_replay():
            return plan, _create_and_install(plan, reporter, update_from)
    except InstallError as error:
        need = read_python_need(reporter.tool_tail)
        response = need_response(plan, need, retried=False) if need else None
        reporter.end_hold(replay=response != NeedResponse.REBUILD)
        if response != NeedResponse.REBUILD:
            raise _python_error(plan, need, response, error) from None
        moved = rebased(plan, need)
    except BaseException:
        reporter.end_hold(replay=True)
        raise
    reporter.info(f"{need.sentence}; building on {moved.base.path} (Python {moved.base.version_text}) instead of "
                  f"Python {plan.base.version_text}")
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


def _create_and_install(plan: Plan, reporter: Reporter, update_from: Path | None = None
                        ) -> tuple[LinkMode, InstallerName, tuple[str, ...]]:
    """Create the venv and fill it, its health check running beside the install; an automatic symlinks venv that fails
    the check is made again once with copies (by virtualenv) and filled again. With ``update_from`` (the previous
    venv, set aside), the venv is first a clone of it, updated exactly; an update uv cannot make or a clone that fails
    its health check is built from nothing instead. Returns the mode, the backend that installed and the files the
    health check named. Raises CreateError, InstallError or ProjectError."""
    from installdev.actions.creator import create_venv
    from installdev.actions.health import start_check
    from installdev.actions.venvdir import reset
    from installdev.errors import InstallError, ProjectError
    from installdev.policy import choose_creator
    from installdev.vocabulary import CreatorName, LinkMode

    settings, base, decision, venv = plan.settings, plan.base, plan.host.decision, plan.settings.venv
    mode, creator = decision.mode, plan.creator
    if update_from is not None:
        updated = _update(plan, update_from, reporter)
        if updated is not None:
            return updated
        reset(venv)
    while True:
        with reporter.step(f"creating venv with Python {base.version_text} ({mode}, {creator.name})"):
            create_venv(venv, base, mode, settings.system_site_packages, plan.seed_pip, reporter,
                        plan.installer.uv if creator.name == CreatorName.UV else None)
        check = start_check(venv)
        failure: InstallError | ProjectError | None = None
        try:
            backend = _install(plan, reporter)
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


def _update(plan: Plan, previous: Path, reporter: Reporter) -> tuple[LinkMode, InstallerName, tuple[str, ...]] | None:
    """Make the venv a clone of ``previous`` and install the development set into it exactly. Returns what
    ``_create_and_install`` returns, or None (said in one line) when it must be built from nothing instead. Raises
    InstallError or ProjectError when the development set cannot be installed at all (a rebuild would fail alike)."""
    from installdev.actions.health import start_check
    from installdev.actions.installer import ExactUpdateFailed
    from installdev.actions.venv_clone import clone_venv

    venv = plan.settings.venv
    with reporter.step(f"cloning {venv.name} to update it"):
        clone_venv(previous, venv)
    check = start_check(venv)
    exact = plan._replace(install_spec=plan.install_spec and plan.install_spec._replace(exact=True))
    try:
        backend = _install(exact, reporter)
    except ExactUpdateFailed as error:
        check.stop()
        reporter.warning(f"{error}; building it from nothing instead")
        return None
    except BaseException:
        check.stop()
        raise
    health = check.health(plan.base.version)
    if health.problem:
        reporter.warning(f"the updated venv failed its health check ({health.problem}); building it from nothing instead")
        return None
    return plan.host.decision.mode, backend, health.identities


def _install(plan: Plan, reporter: Reporter) -> InstallerName:
    """Fill the new venv: from the project's lock, or the install spec (then the extras only its build declares are
    checked). Returns the backend that installed."""
    from installdev.actions.installer import install_project
    from installdev.actions.locked_install import LockedFill, install_locked

    reporter.info(f"development set: {plan.development.reason}")
    settings = plan.settings
    if plan.locked is not None and plan.locked.is_locked:
        fill = LockedFill(settings.venv, plan.base, plan.installer, plan.locked, plan.locked_set, plan.install_spec,
                          settings.requirements, settings.frozen)
        return install_locked(fill, reporter)
    with reporter.step(f"installing {plan.install_spec.summary()}"):
        backend = install_project(plan.settings.venv, plan.base, plan.install_spec, plan.installer, reporter)
    return _verify_extras(plan, backend, reporter) or backend


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


def _verify_extras(plan: Plan, backend, reporter: Reporter):
    """Check the extras only the build could declare; install the fallback file instead of a missing default ``dev``.

    Returns the backend of a fallback install, else None. Raises ProjectError when an extra is missing and there is
    no fallback: pip and uv only warn about it, and a venv without its development tools is no success. Raises
    InstallError when the installed project cannot be found in the venv, so its extras cannot be checked.
    """
    development, settings = plan.development, plan.settings
    if not development.unverified_extras:
        return None
    from installdev.actions.installer import install_project
    from installdev.actions.metadata import provided_extras
    from installdev.errors import InstallError, ProjectError
    from installdev.request.project.tables import normalize_name

    provided = provided_extras(settings.venv, settings.project.directory)
    if provided is None:
        raise InstallError(f"no distribution installed in {settings.venv} comes from {settings.project.directory}, so "
                           f"installdev cannot check that its build provides extra {', '.join(development.unverified_extras)}: "
                           "re-run with -v to see what the installer did")
    missing = [extra for extra in development.unverified_extras if normalize_name(extra) not in provided]
    if not missing:
        return None
    listing = ", ".join(sorted(provided)) or "none"
    asked = [extra for extra in missing if extra not in development.guessed_extras]
    something_else = (set(development.extras) - set(missing)) or development.requirement_lines or development.requirement_files
    if asked or (development.fallback is None and not something_else):
        raise ProjectError(f"{settings.project.directory}: its build provides no extra {', '.join(asked or missing)} "
                           f"(it provides: {listing}): pick one with --extra NAME, --group NAME or -r FILE, "
                           "or pass --no-default-groups to install the project alone")
    fallback = development.fallback
    if fallback is None:
        reporter.info(f"its build provides no extra {', '.join(missing)} (it provides: {listing}), the default "
                      "development set installdev tried: what was asked for besides is installed")
        return None
    reporter.info(f"its build provides no extra {', '.join(missing)} (it provides: {listing}); "
                  f"installing {fallback.reason} instead")
    spec = plan.install_spec
    spec = spec._replace(extras=fallback.extras, requirement_files=(*spec.requirement_files, *fallback.requirement_files),
                         requirement_lines=(*spec.requirement_lines, *fallback.requirements), dependency_groups=(),
                         constraint_files=(*spec.constraint_files, *fallback.constraint_files))
    with reporter.step(f"installing {spec.summary()}"):
        return install_project(settings.venv, plan.base, spec, plan.installer, reporter)
