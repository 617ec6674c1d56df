"""``installdev install-dev``: the up-to-date check, then (under the lock) decide, create, install, stamp."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev import __version__
from installdev.envflags import copies_flag_names
from installdev.errors import CreateError, HostUnsupportedError
from installdev.project import check_extras
from installdev.report import Reporter
from installdev.settings import Settings
from installdev.stamp import expected_inputs, read_stamp, staleness, write_stamp
from installdev.venvdir import MARKER_NAME, check_venv_path, previous_path, recover, replacing, reset

if TYPE_CHECKING:  # the up-to-date path imports neither
    from installdev.facts import HostFacts
    from installdev.interpreter import BasePython
    from installdev.policy import Decision
    from installdev.probe import ProbeResult


def _activate_hint(venv: Path) -> str:
    relative = os.path.relpath(venv) if not os.path.relpath(venv).startswith("..") else str(venv)
    if os.name == "nt":
        return f"{relative}\\Scripts\\activate"
    return f"source {relative}/bin/activate"


def _freshness(settings: Settings) -> tuple[dict, list[str], dict | None]:
    """The expected inputs, why the venv must be built (empty: up to date), and its stamp."""
    stamp = read_stamp(settings.venv)
    inputs = expected_inputs(settings, (stamp or {}).get("inputs"))
    reasons = ["--force"] if settings.force else staleness(settings.venv, inputs, stamp)
    return inputs, reasons, stamp


def install_dev(settings: Settings, reporter: Reporter) -> None:
    """Make ``settings.venv`` an up-to-date development venv of the project. Raises InstalldevError."""
    inputs, reasons, stamp = _freshness(settings)
    if not reasons and not os.path.isfile(previous_path(settings.venv) / MARKER_NAME):  # a crash left one aside
        reporter.info(f"{settings.venv} is up to date ({stamp['decision']['mode']})")
        return

    from installdev.locking import venv_lock

    check_extras(settings.project, settings.extras)
    check_venv_path(settings.venv, settings.project.directory)
    plan = plan_build(settings)
    try:
        settings.venv.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HostUnsupportedError(
            f"cannot create {settings.venv.parent}: {error.strerror}; pass --venv with a writable location"
        ) from None

    with venv_lock(settings.venv, settings.lock_timeout, reporter):
        recover(settings.venv, settings.project.directory, reporter)
        if not settings.force:
            inputs, reasons, _ = _freshness(settings)
            if not reasons:
                reporter.info(f"{settings.venv} was just built by another process; it is up to date")
                return
        reporter.info(f"building {settings.venv}: {'; '.join(reasons)}")
        _build(settings, inputs, plan, reporter)


class BuildPlan(NamedTuple):
    facts: HostFacts
    probe: ProbeResult
    base: BasePython
    decision: Decision


def plan_build(settings: Settings) -> BuildPlan:
    """Host facts, probe, base interpreter and mode for ``settings``: everything decided before building.

    Raises HostUnsupportedError, UsageError or BadPythonError when no venv can be built as asked.
    """
    from installdev.facts import existing_ancestor, gather_host_facts
    from installdev.interpreter import discover
    from installdev.policy import decide_link_mode
    from installdev.probe import probe_directory

    facts = gather_host_facts(settings.venv)
    base = discover(settings.python, facts.nix_store)
    probe = probe_directory(existing_ancestor(settings.venv.parent))
    decision = decide_link_mode(settings.mode_request, facts, probe, copies_flag_names(settings.flag_prefix)[0])
    return BuildPlan(facts, probe, base, decision)


def _build(settings: Settings, inputs: dict, plan: BuildPlan, reporter: Reporter) -> None:
    from installdev.creator import create_venv
    from installdev.health import health_problem
    from installdev.installer import PIP, choose_installer, install_project
    from installdev.policy import COPIES

    started = time.perf_counter()
    venv = settings.venv
    base, decision = plan.base, plan.decision
    installer = choose_installer(settings.installer)
    seed_pip = settings.seed_pip if settings.seed_pip is not None else installer[0] == PIP
    for reason in base.reasons:
        reporter.info(reason)
    reporter.info(f"mode {decision.summary()}")

    with replacing(venv, settings.project.directory, reporter):
        mode = decision.mode
        with reporter.step(f"creating venv with Python {base.version_text} ({mode})"):
            create_venv(venv, base, mode, settings.system_site_packages, seed_pip)
        problem = health_problem(venv, base.version)
        if problem and decision.copies_fallback:
            reporter.warning(f"the symlinks venv failed its health check ({problem}); rebuilding it once with copies")
            mode = COPIES
            reset(venv)
            with reporter.step(f"creating venv with Python {base.version_text} ({mode})"):
                create_venv(venv, base, mode, settings.system_site_packages, seed_pip)
            problem = health_problem(venv, base.version)
        if problem:
            raise CreateError(f"the new venv {venv} failed its health check: {problem}")

        with reporter.step(f"installing {_install_summary(settings)} with {installer[0]}"):
            backend = install_project(venv, base, settings, installer, reporter)

        reasons = decision.reasons if mode == decision.mode else ("the symlinks venv failed its health check",)
        write_stamp(venv, {
            "installdev": __version__,
            "inputs": inputs,
            "python_version": base.version_text,
            "base_python": {"requested": base.requested, "path": base.path, "version": base.version_text},
            "decision": {"mode": mode, "reasons": list(reasons)},
            "installer": backend,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        })
    reporter.info(f"ready in {time.perf_counter() - started:.1f}s: {_activate_hint(venv)}")


def _install_summary(settings: Settings) -> str:
    target = "-e ." + (f"[{','.join(settings.extras)}]" if settings.extras else "")
    parts = [target] + [f"-r {path.name}" for path in settings.requirements] + [f"-c {path.name}" for path in settings.constraints]
    return " ".join(parts)
