"""Updating a venv where it stands, once ``installdev.refresh`` has decided it may (same identity, uv installs).

uv is asked first what the new development set changes (a dry run: ``installdev.actions.uv_changes``); what the
update removes or rewrites is saved in an undo journal inside the venv (``installdev.actions.update_journal``); the
set is then installed exactly (``uv pip install --exact``, pinned to the versions the dry run chose, or ``uv sync``
from the lock), the venv checked and stamped, and the journal dropped. A failure, an interrupt or a failed health
check rolls the venv back, stamp included; the next run under the lock rolls back one that was killed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from installdev.actions.stamp import Stamp
    from installdev.actions.uv_changes import UvChanges
    from installdev.plan import Plan
    from installdev.report import Reporter
    from installdev.vocabulary import InstallerName, LinkMode


class Updated(NamedTuple):
    """An update that succeeded: the stamp written, and the files the health check named."""

    mode: LinkMode
    backend: InstallerName
    identities: tuple[str, ...]
    stamp: Stamp


def _planned_changes(plan: Plan) -> UvChanges | None:
    from installdev.actions.installer import uv_install_changes
    from installdev.actions.locked_install import uv_sync_changes
    from installdev.fill import is_locked, locked_fill

    if is_locked(plan):
        return uv_sync_changes(locked_fill(plan))
    return uv_install_changes(plan.settings.venv, plan.base, plan.install_spec, plan.installer)


def update_in_place(plan: Plan, reporter: Reporter, stamp_for: Callable[[InstallerName], Stamp]) -> Updated | None:
    """Update ``plan``'s venv to its development set (see the module), stamping it with ``stamp_for(backend)``.
    Returns None, the venv rolled back and the reason said in one line, when it must be built from nothing instead
    (an update uv cannot make, a failed health check). Raises InstallError or ProjectError when the development set
    cannot be installed at all (a rebuild would fail alike): the previous venv is back in place."""
    from installdev.actions.health import start_check
    from installdev.actions.installer import ExactUpdateFailed
    from installdev.actions.stamp import write_stamp
    from installdev.actions.update_journal import UpdateJournal
    from installdev.actions.venv_use import create_use_lock
    from installdev.fill import fill_venv, is_locked

    venv = plan.settings.venv
    plan = plan._replace(install_spec=plan.install_spec and plan.install_spec._replace(exact=True))
    with reporter.step("asking uv what the update changes"):
        changes = _planned_changes(plan)
    saving = changes.describe() if changes else "what changes is not known: all of site-packages"
    with reporter.step(f"saving what the update replaces ({saving})"):
        journal = UpdateJournal.open(venv, changes.removed if changes else None)
    try:
        spec = plan.install_spec
        if spec is not None and changes and changes.pins and not is_locked(plan):
            spec = spec._replace(constraint_files=(*spec.constraint_files, journal.write_pins(changes.pins)))
        check = start_check(venv)
        try:
            backend = fill_venv(plan._replace(install_spec=spec), reporter)
        except BaseException:
            check.stop()
            raise
        health = check.health(plan.base.version)
        if health.problem:
            raise ExactUpdateFailed(f"the updated venv failed its health check ({health.problem})")
        stamp = stamp_for(backend)
        create_use_lock(venv)  # a venv updated from one made before installdev kept it
        write_stamp(venv, stamp)
    except ExactUpdateFailed as error:
        _roll_back(journal, reporter)
        reporter.warning(f"{error}; building it from nothing instead")
        return None
    except BaseException:
        _roll_back(journal, reporter)
        reporter.warning(f"the update failed; the previous venv is still in place at {venv}")
        raise
    journal.commit()
    return Updated(plan.host.decision.mode, backend, health.identities, stamp)


def _roll_back(journal, reporter: Reporter) -> None:
    missing = journal.roll_back()
    if missing:
        reporter.warning(f"the update removed {', '.join(missing)}, which uv's dry run had not named; the venv is "
                         "built from nothing next time")
