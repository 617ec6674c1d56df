"""``installdev doctor``: what install-dev would do here and why, without building anything.

The report is one screen of text, or with ``--json`` a stable document (schema 1):

``{"schema": 1, "ok": bool, "exit_code": int, "project": str, "venv": str,
"host": {"platform", "wsl", "container", "nix_shell", "nixos", "nix_store",
"mount": {"mount_point", "fstype", "source", "options": [str]} | null},
"probe": {"directory", "writable", "write_error", "symlink_error", "follow_error", "exec_error"},
"decision": {"mode": "copies" | "symlinks" | null, "reasons": [str], "override": str, "error": str | null},
"python": {"requested", "path", "version", "reasons": [str], "error": str | null},
"venv_state": {"state": "missing" | "up to date" | "stale" | "refused", "reasons": [str]}}``

``exit_code`` is what install-dev would exit with for the problem found first (0 when it would succeed).
The probe writes (and removes) a private temp directory next to the venv; nothing else is written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from installdev.envflags import copies_flag_names
from installdev.errors import ExitCode, InstalldevError
from installdev.facts import existing_ancestor, gather_host_facts
from installdev.interpreter import discover
from installdev.policy import decide_link_mode
from installdev.probe import probe_directory
from installdev.stamp import expected_inputs, read_stamp, staleness
from installdev.venvdir import MISSING, OURS, check_venv_path

if TYPE_CHECKING:
    from installdev.settings import Settings

SCHEMA_VERSION = 1


def diagnose(settings: Settings) -> dict:
    """Everything doctor reports, as the JSON document described above."""
    problems: list[InstalldevError] = []
    facts = gather_host_facts(settings.venv)
    probe = probe_directory(existing_ancestor(settings.venv.parent))
    flag = copies_flag_names(settings.flag_prefix)[0]

    decision_doc = {"mode": None, "reasons": [], "override": "", "error": None}
    try:
        decision = decide_link_mode(settings.mode_request, facts, probe, flag)
        decision_doc.update(mode=decision.mode, reasons=list(decision.reasons), override=decision.override_hint)
    except InstalldevError as error:
        problems.append(error)
        decision_doc["error"] = str(error)

    python_doc = {"requested": settings.python, "path": None, "version": None, "reasons": [], "error": None}
    try:
        base = discover(settings.python, facts.nix_store)
        python_doc.update(path=base.path, version=base.version_text, reasons=list(base.reasons))
    except InstalldevError as error:
        problems.append(error)
        python_doc["error"] = str(error)

    venv_doc = _venv_state(settings, problems)
    mount = facts.mount
    return {
        "schema": SCHEMA_VERSION,
        "ok": not problems,
        "exit_code": int(problems[0].exit_code) if problems else int(ExitCode.OK),
        "project": str(settings.project.directory),
        "venv": str(settings.venv),
        "host": {
            "platform": facts.platform, "wsl": facts.wsl, "container": facts.container,
            "nix_shell": facts.nix_shell, "nixos": facts.nixos, "nix_store": facts.nix_store,
            "mount": None if mount is None else {
                "mount_point": mount.mount_point, "fstype": mount.fstype, "source": mount.source,
                "options": sorted(mount.options),
            },
        },
        "probe": {
            "directory": probe.directory, "writable": probe.writable, "write_error": probe.write_error,
            "symlink_error": probe.symlink_error, "follow_error": probe.follow_error, "exec_error": probe.exec_error,
        },
        "decision": decision_doc,
        "python": python_doc,
        "venv_state": venv_doc,
    }


def _venv_state(settings: Settings, problems: list[InstalldevError]) -> dict:
    try:
        kind = check_venv_path(settings.venv, settings.project.directory)
        stamp = read_stamp(settings.venv)
        reasons = staleness(settings.venv, expected_inputs(settings, (stamp or {}).get("inputs")), stamp)
    except InstalldevError as error:
        problems.append(error)
        return {"state": "refused", "reasons": [str(error)]}
    if kind == MISSING:
        return {"state": "missing", "reasons": reasons}
    if not reasons and kind == OURS:
        return {"state": "up to date", "reasons": [f"built with {stamp['decision']['mode']}: "
                                                   + "; ".join(stamp["decision"]["reasons"])]}
    return {"state": "stale", "reasons": reasons}


def _yes_no(error: str | None) -> str:
    return "ok" if error is None else f"fails ({error})"


def render_text(report: dict) -> str:
    host, probe, decision, python, venv = (report[key] for key in ("host", "probe", "decision", "python", "venv_state"))
    hints = [f"container: {host['container']} (hint only)"] if host["container"] else []
    hints += ["WSL"] if host["wsl"] else []
    hints += ["in nix-shell"] if host["nix_shell"] else []
    hints += ["NixOS"] if host["nixos"] else []
    mount = host["mount"]
    where = f"{mount['fstype']} mount at {mount['mount_point']} ({','.join(mount['options'])})" if mount else "unknown mount"
    lines = [
        f"project      {report['project']}",
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
    if python["error"]:
        lines.append(f"python       {python['error']}")
    else:
        lines.append(f"python       {python['path']} (Python {python['version']})")
        lines.extend(f"             {reason}" for reason in python["reasons"])
    why = f" ({'; '.join(venv['reasons'])})" if venv["reasons"] else ""
    lines.append(f"venv         {report['venv']}: {venv['state']}{why}")
    verdict = "install-dev would succeed" if report["ok"] else f"install-dev would fail (exit {report['exit_code']})"
    lines.append(f"verdict      {verdict}")
    return "\n".join(lines)


def doctor(settings: Settings, as_json: bool) -> int:
    report = diagnose(settings)
    print(json.dumps(report, indent=2) if as_json else render_text(report), flush=True)
    return report["exit_code"]
