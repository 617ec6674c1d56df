"""``installdev doctor``: render the plan install-dev would follow, without building anything.

The report is one screen of text, or with ``--json`` a stable document (schema 1)::

    {"schema": 1, "ok": bool, "exit_code": int, "project": str | null, "venv": str | null,
     "scope": {"holds": "the project" | "the whole uv workspace", "reason": str} | null,
     "problems": [{"check": str, "exit_code": int, "message": str}],
     "host": {"platform", "wsl", "container", "nix_shell", "nixos", "nix_store",
              "mount": {"mount_point", "fstype", "source", "options": [str]} | null} | null,
     "probe": {"directory", "writable", "write_error", "symlink_error", "follow_error", "exec_error"} | null,
     "decision": {"mode": "copies" | "symlinks" | null, "reasons": [str], "override": str, "error": str | null} | null,
     "development": {"reason": str | null, "extras": [str], "requirement_files": [str],
                     "group_requirements": [str], "unverified_extras": [str], "fallback": str | null,
                     "error": str | null} | null,
     "python": {"requested", "accepts", "path", "version", "reasons": [str], "error": str | null} | null,
     "installer": {"name": "pip" | "uv" | null, "error": str | null} | null,
     "creator": {"name": "virtualenv" | "uv" | null, "reason": str | null} | null,
     "venv_state": {"state": "missing" | "up to date" | "stale" | "refused", "reasons": [str],
                    "next": str (stale venvs: "updating it in place (...)" or "building from nothing: WHY")} | null}

``exit_code`` is what install-dev would exit with (0 when it would succeed, or find the venv up to
date); ``problems`` lists every problem found, in the order install-dev checks, the first one giving
``exit_code``. The sections are null when the settings themselves cannot be read. The probe writes
(and removes) a private temp directory next to the venv; nothing else is written.
"""

from __future__ import annotations

import argparse
import os
import sys

from installdev.cli import arguments
from installdev.cli.outcome import Failure, failure_of, print_json
from installdev.errors import InstalldevError
from installdev.report import emit
from installdev.request.settings.scope import PROJECT_ALONE

SCHEMA_VERSION = 1
DESCRIPTION = ("Report the host facts, the probe of the venv's destination, the symlinks/copies decision with its reasons "
               "and the flag that would change it, the base interpreter, the installer, and the state of an existing venv. "
               "Builds nothing. Exits 0 when install-dev would succeed, else with the exit code install-dev would give.")
EPILOG = arguments.EXIT_CODES_HELP


def configure(parser: argparse.ArgumentParser) -> None:
    arguments.add_project(parser)
    arguments.add_build_options(parser)
    parser.add_argument("--json", action="store_true", help="print a stable JSON document (schema 1) instead")


def _problem_json(check: str, error: InstalldevError) -> dict:
    return {"check": check, "exit_code": int(error.exit_code), "message": str(error)}


def _error_of(plan, check: str) -> str | None:
    return next((str(problem.error) for problem in plan.problems if problem.check == check), None)


def diagnose(options, env) -> dict:
    """Everything doctor reports, as the JSON document described above."""
    from installdev.actions.freshness import assess
    from installdev.plan import make_plan
    from installdev.request.settings.resolve import load_settings

    try:
        settings = load_settings(options, env)
    except InstalldevError as error:
        return _failed_report(options.project_dir, "settings", error.exit_code, str(error))
    freshness = assess(settings)
    plan = make_plan(settings, freshness)
    facts, probe, decision = plan.host.facts, plan.host.probe, plan.host.decision
    return {
        "schema": SCHEMA_VERSION,
        "ok": int(plan.exit_code) == 0,
        "exit_code": int(plan.exit_code),
        "project": str(settings.project.directory),
        "venv": str(settings.venv),
        "scope": {"holds": str(settings.scope.scope), "reason": settings.scope.reason},
        "problems": [_problem_json(problem.check, problem.error) for problem in plan.problems],
        "host": _host_json(facts),
        "probe": _probe_json(probe),
        "decision": _decision_json(plan, decision),
        "development": _development_json(plan),
        "python": _python_json(settings, plan),
        "installer": {"name": str(plan.installer.name) if plan.installer else None, "error": _error_of(plan, "installer")},
        "creator": {"name": str(plan.creator.name) if plan.creator else None,
                    "reason": plan.creator.reason if plan.creator else None},
        "venv_state": _venv_state_json(plan, freshness),
    }


def _failed_report(project: str | None, check: str, exit_code: int, message: str) -> dict:
    """The document of a doctor that found nothing but ``check``'s failure: its settings unreadable, its command line
    rejected, or itself interrupted."""
    return {"schema": SCHEMA_VERSION, "ok": False, "exit_code": int(exit_code), "project": project,
            "venv": None, "scope": None, "problems": [{"check": check, "exit_code": int(exit_code), "message": message}],
            "host": None, "probe": None, "decision": None, "development": None, "python": None, "installer": None,
            "creator": None, "venv_state": None}


def json_failure(project: str | None, failure: Failure) -> dict:
    """The ``--json`` document of a doctor stopped by ``failure`` (``project`` None: its command line was rejected)."""
    check = "command line" if project is None else "internal" if failure.is_bug else "interrupted"
    return _failed_report(project, check, failure.exit_code, failure.message)


def _venv_state_json(plan, freshness) -> dict:
    from installdev.actions.venvdir import VenvKind

    if _error_of(plan, "venv"):
        return {"state": "refused", "reasons": [_error_of(plan, "venv")]}
    if plan.venv_kind in (VenvKind.MISSING, VenvKind.EMPTY):
        return {"state": "missing", "reasons": []}
    if freshness.up_to_date:
        stamp = freshness.reading.stamp
        return {"state": "up to date", "reasons": [f"built with {stamp.mode}: " + "; ".join(stamp.mode_reasons)]}
    state = {"state": "stale", "reasons": list(freshness.reasons)}
    if plan.venv_kind == VenvKind.OURS and freshness.reading.stamp is not None and plan.base is not None \
            and plan.host.decision is not None:
        from installdev.refresh import choose_refresh

        state["next"] = choose_refresh(plan, plan.settings.force).describe()
    return state


def _host_json(facts) -> dict:
    mount = facts.mount
    return {
        "platform": facts.platform, "wsl": facts.wsl, "container": facts.container,
        "nix_shell": facts.nix_shell, "nixos": facts.nixos, "nix_store": facts.nix_store,
        "mount": None if mount is None else {
            "mount_point": mount.mount_point, "fstype": mount.fstype, "source": mount.source,
            "options": sorted(mount.options),
        },
    }


def _probe_json(probe) -> dict:
    return {
        "directory": probe.directory, "writable": probe.writable, "write_error": probe.write_error,
        "symlink_error": probe.symlink_error, "follow_error": probe.follow_error, "exec_error": probe.exec_error,
    }


def _decision_json(plan, decision) -> dict:
    return {
        "mode": str(decision.mode) if decision else None, "reasons": list(decision.reasons) if decision else [],
        "override": decision.override_hint if decision else "", "error": _error_of(plan, "destination"),
    }


def _development_json(plan) -> dict:
    development = plan.development
    return {
        "reason": development.reason if development else None,
        "extras": list(development.extras) if development else [],
        "requirement_files": [str(path) for path in development.requirement_files] if development else [],
        "group_requirements": list(development.requirement_lines) if development else [],
        "unverified_extras": list(development.unverified_extras) if development else [],
        "fallback": development.fallback.reason if development and development.fallback else None,
        "error": _error_of(plan, "development"),
    }


def _python_json(settings, plan) -> dict:
    base = plan.base
    return {
        "requested": settings.python, "accepts": plan.python_request.describe() if plan.python_request else None,
        "path": base.path if base else None,
        "version": base.version_text if base else None, "reasons": list(base.reasons) if base else [],
        "error": _error_of(plan, "python"),
    }


def _yes_no(error: str | None) -> str:
    return "ok" if error is None else f"fails ({error})"


def render_text(report: dict) -> str:
    """The one-screen text form of a ``diagnose`` document."""
    lines = [f"project      {report['project']}"]
    if report.get("scope") and report["scope"]["reason"] != PROJECT_ALONE.reason:
        lines.append(f"venv holds   {report['scope']['holds']}: {report['scope']['reason']}")
    host, probe, decision, development, python, installer, venv = (
        report[key] for key in ("host", "probe", "decision", "development", "python", "installer", "venv_state"))
    if host is not None:
        hints = [f"container: {host['container']} (hint only)"] if host["container"] else []
        hints += ["WSL"] if host["wsl"] else []
        hints += ["in nix-shell"] if host["nix_shell"] else []
        hints += ["NixOS"] if host["nixos"] else []
        mount = host["mount"]
        where = f"{mount['fstype']} mount at {mount['mount_point']} ({','.join(mount['options'])})" if mount else "unknown mount"
        lines += [
            f"host         {host['platform']}" + (f"; {', '.join(hints)}" if hints else ""),
            f"destination  {probe['directory']}: {where}",
            f"probe        write {_yes_no(probe['write_error'])}; symlink {_yes_no(probe['symlink_error'])}; "
            f"follow {_yes_no(probe['follow_error'])}; copied executable {_yes_no(probe['exec_error'])}",
        ]
        if decision["error"]:
            lines.append(f"mode         none: {decision['error']}")
        else:
            lines.append(f"mode         {decision['mode']}: {'; '.join(decision['reasons'])}")
            if decision["override"]:
                lines.append(f"             for the other mode set {decision['override']}")
        lines.append(f"develop      {development['error'] or development['reason']}")
        if python["error"]:
            lines.append(f"python       {python['error']}")
        else:
            lines.append(f"python       {python['path']} (Python {python['version']})")
            lines.extend(f"             {reason}" for reason in python["reasons"])
        if python["accepts"]:
            lines.append(f"             the project accepts: {python['accepts']}")
        lines.append(f"installer    {installer['error'] or installer['name']}")
        creator = report.get("creator") or {}
        if creator.get("name"):
            lines.append(f"creator      {creator['name']}: {creator['reason']}")
        why = f" ({'; '.join(venv['reasons'])})" if venv["reasons"] else ""
        lines.append(f"venv         {report['venv']}: {venv['state']}{why}")
        if venv.get("next"):
            lines.append(f"             next install-dev: {venv['next']}")
    lines.extend(f"problem      {problem['message']} (exit {problem['exit_code']})" for problem in report["problems"])
    if not report["ok"]:
        verdict = f"install-dev would fail (exit {report['exit_code']})"
    elif report["problems"]:
        rebuild_code = report["problems"][0]["exit_code"]
        verdict = f"install-dev would succeed: the venv is up to date (a rebuild would fail with exit {rebuild_code})"
    elif development.get("unverified_extras") and (venv or {}).get("state") != "up to date":
        extras = ", ".join(development["unverified_extras"])
        otherwise = f"installs {development['fallback']} instead" if development["fallback"] else "fails with exit 6"
        verdict = (f"install-dev would succeed if the build provides extra {extras} (known only after it is installed); "
                   f"else it {otherwise}")
    else:
        verdict = "install-dev would succeed"
    lines.append(f"verdict      {verdict}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        report = diagnose(arguments.options_from(args), os.environ)
    except BaseException as stopped:
        failure = failure_of(stopped)
        if args.json and failure is not None:
            print_json(json_failure(args.project_dir, failure))
        raise
    if args.json:
        print_json(report)
    else:
        emit(sys.stdout, render_text(report) + "\n")
    return report["exit_code"]
