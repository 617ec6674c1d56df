"""Filling a venv with the project's development set: from its lock, or installing the plan's install spec, then
checking the extras only the project's build can declare (installing the fallback set instead of a missing default
``dev`` extra). Used alike by a build from nothing and by an update in place."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from installdev.actions.locked_install import LockedFill
    from installdev.plan import Plan
    from installdev.report import Reporter
    from installdev.vocabulary import InstallerName


def is_locked(plan: Plan) -> bool:
    """Whether the venv is filled from the project's lock."""
    return plan.locked is not None and plan.locked.is_locked


def locked_fill(plan: Plan) -> LockedFill:
    from installdev.actions.locked_install import LockedFill

    settings = plan.settings
    return LockedFill(settings.venv, plan.base, plan.installer, plan.locked, plan.locked_set, plan.install_spec,
                      settings.requirements, settings.frozen)


def fill_venv(plan: Plan, reporter: Reporter) -> InstallerName:
    """Fill the venv: from the project's lock, or the install spec (then the extras only its build declares are
    checked). Returns the backend that installed. Raises InstallError or ProjectError."""
    from installdev.actions.installer import install_project
    from installdev.actions.locked_install import install_locked

    reporter.info(f"development set: {plan.development.reason}")
    if is_locked(plan):
        return install_locked(locked_fill(plan), reporter)
    with reporter.step(f"installing {plan.install_spec.summary()}"):
        backend = install_project(plan.settings.venv, plan.base, plan.install_spec, plan.installer, reporter)
    return _verify_extras(plan, backend, reporter) or backend


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
