"""doctor's one-screen text, from hand-written report documents (schema 1, cli/doctor.py)."""

from __future__ import annotations

import copy

import pytest
from installdev.cli.doctor import render_text

HEALTHY = {
    "schema": 1, "ok": True, "exit_code": 0, "project": "/src/app", "venv": "/src/app/venv", "problems": [],
    "host": {"platform": "linux", "wsl": False, "container": None, "nix_shell": False, "nixos": False,
             "nix_store": "/nix/store",
             "mount": {"mount_point": "/", "fstype": "ext4", "source": "/dev/sda1", "options": ["relatime", "rw"]}},
    "probe": {"directory": "/src/app", "writable": True, "write_error": None, "symlink_error": None,
              "follow_error": None, "exec_error": None},
    "decision": {"mode": "symlinks", "reasons": ["symlinks work in /src/app (ext4 mount at /)", "nothing asks for copies"],
                 "override": "INSTALLDEV_VENV_USE_COPIES=true", "error": None},
    "development": {"reason": "the dependency group dev", "extras": [], "requirement_files": [],
                    "group_requirements": ["pytest"], "unverified_extras": [], "fallback": None, "error": None},
    "python": {"requested": None, "accepts": ">=3.10", "path": "/usr/bin/python3", "version": "3.11.7",
               "reasons": ["the interpreter running installdev (3.11.7) satisfies >=3.10"], "error": None},
    "installer": {"name": "uv", "error": None},
    "creator": {"name": "uv", "reason": "uv installs into a symlinks venv without pip"},
    "venv_state": {"state": "up to date", "reasons": ["built with symlinks: symlinks work in /src/app"]},
}

HEALTHY_TEXT = """\
project      /src/app
host         linux
destination  /src/app: ext4 mount at / (relatime,rw)
probe        write ok; symlink ok; follow ok; copied executable ok
mode         symlinks: symlinks work in /src/app (ext4 mount at /); nothing asks for copies
             for the other mode set INSTALLDEV_VENV_USE_COPIES=true
develop      the dependency group dev
python       /usr/bin/python3 (Python 3.11.7)
             the interpreter running installdev (3.11.7) satisfies >=3.10
             the project accepts: >=3.10
installer    uv
creator      uv: uv installs into a symlinks venv without pip
venv         /src/app/venv: up to date (built with symlinks: symlinks work in /src/app)
verdict      install-dev would succeed"""


def _report(**changes) -> dict:
    report = copy.deepcopy(HEALTHY)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(report.get(key), dict):
            report[key].update(value)
        else:
            report[key] = value
    return report


def _line(text: str, label: str) -> str:
    (found,) = [line for line in text.splitlines() if line.startswith(f"{label} ")]
    return found


def test_a_healthy_report():
    assert render_text(HEALTHY) == HEALTHY_TEXT


def test_a_report_with_a_decision_error_and_a_python_error():
    decision_error = "the destination /mnt/fat allows neither symlinks (ENOSYS) nor executable copies (EACCES)"
    python_error = "--python python3.8: Python 3.8.18 is older than the project accepts (>=3.10)"
    report = _report(
        ok=False, exit_code=8,
        problems=[{"check": "destination", "exit_code": 8, "message": decision_error},
                  {"check": "python", "exit_code": 9, "message": python_error}],
        probe={"directory": "/mnt/fat", "writable": True, "symlink_error": "ENOSYS", "exec_error": "EACCES"},
        host={"mount": {"mount_point": "/mnt/fat", "fstype": "vfat", "source": "/dev/sdb1", "options": ["noexec", "rw"]}},
        decision={"mode": None, "reasons": [], "override": "", "error": decision_error},
        python={"requested": "python3.8", "path": None, "version": None, "reasons": [], "error": python_error},
        venv="/mnt/fat/venv", venv_state={"state": "missing", "reasons": []},
        creator={"name": None, "reason": None},
    )
    assert render_text(report) == f"""\
project      /src/app
host         linux
destination  /mnt/fat: vfat mount at /mnt/fat (noexec,rw)
probe        write ok; symlink fails (ENOSYS); follow ok; copied executable fails (EACCES)
mode         none: {decision_error}
develop      the dependency group dev
python       {python_error}
             the project accepts: >=3.10
installer    uv
venv         /mnt/fat/venv: missing
problem      {decision_error} (exit 8)
problem      {python_error} (exit 9)
verdict      install-dev would fail (exit 8)"""


def test_a_report_whose_settings_failed_has_only_project_problems_and_verdict():
    message = "pyproject.toml: unknown [tool.installdev] key 'venv-dir'; known keys: venv"
    report = {"schema": 1, "ok": False, "exit_code": 2, "project": "some/dir", "venv": None,
              "problems": [{"check": "settings", "exit_code": 2, "message": message}],
              "host": None, "probe": None, "decision": None, "development": None, "python": None, "installer": None,
              "venv_state": None}
    assert render_text(report) == (
        "project      some/dir\n"
        f"problem      {message} (exit 2)\n"
        "verdict      install-dev would fail (exit 2)")


def test_an_up_to_date_venv_whose_rebuild_would_fail():
    message = "uv was asked for (--installer uv) but is not installed: pip install 'installdev[uv]'"
    report = _report(problems=[{"check": "installer", "exit_code": 8, "message": message}],
                     installer={"name": None, "error": message})
    text = render_text(report)
    assert _line(text, "installer") == f"installer    {message}"
    assert text.splitlines()[-2:] == [
        f"problem      {message} (exit 8)",
        "verdict      install-dev would succeed: the venv is up to date (a rebuild would fail with exit 8)",
    ]


def test_the_first_problem_gives_the_rebuild_exit_code():
    report = _report(problems=[{"check": "venv", "exit_code": 7, "message": "a"},
                               {"check": "python", "exit_code": 9, "message": "b"}])
    assert render_text(report).endswith("(a rebuild would fail with exit 7)")


@pytest.mark.parametrize(("host", "expected"), [
    ({"container": "docker"}, "host         linux; container: docker (hint only)"),
    ({"wsl": True}, "host         linux; WSL"),
    ({"nix_shell": True}, "host         linux; in nix-shell"),
    ({"nixos": True}, "host         linux; NixOS"),
    ({"container": "podman", "wsl": True, "nix_shell": True, "nixos": True},
     "host         linux; container: podman (hint only), WSL, in nix-shell, NixOS"),
])
def test_host_hints(host, expected):
    assert _line(render_text(_report(host=host)), "host") == expected


def test_an_unknown_mount_and_no_override():
    report = _report(host={"platform": "darwin", "mount": None},
                     decision={"mode": "copies", "reasons": ["asked by --copies"], "override": "", "error": None})
    text = render_text(report)
    assert _line(text, "host") == "host         darwin"
    assert _line(text, "destination") == "destination  /src/app: unknown mount"
    assert "for the other mode" not in text
    assert _line(text, "mode") == "mode         copies: asked by --copies"


def test_a_stale_venv_lists_its_reasons_and_a_development_error_replaces_the_reason():
    report = _report(venv_state={"state": "stale", "reasons": ["pyproject.toml changed", "python3 was upgraded"]},
                     development={"error": "extra 'docs' is not declared"})
    text = render_text(report)
    assert _line(text, "venv") == "venv         /src/app/venv: stale (pyproject.toml changed; python3 was upgraded)"
    assert _line(text, "develop") == "develop      extra 'docs' is not declared"


def test_a_python_without_accepts_has_no_accepts_line():
    text = render_text(_report(python={"accepts": None}))
    assert "the project accepts" not in text
    assert _line(text, "python") == "python       /usr/bin/python3 (Python 3.11.7)"


@pytest.mark.parametrize("fallback, otherwise", [
    (None, "else it fails with exit 6"),
    ("requirements-dev.txt (a conventional development requirements file)",
     "else it installs requirements-dev.txt (a conventional development requirements file) instead"),
])
def test_an_extra_only_the_build_declares_makes_the_verdict_conditional(fallback, otherwise):
    """A setup.py project's dev extra is known only from its built metadata: doctor must not promise success that
    install-dev then refuses with exit 6."""
    report = _report(venv_state={"state": "missing", "reasons": []},
                     development={"reason": "dev extra, if the build declares it (setup.py decides)",
                                  "unverified_extras": ["dev"], "fallback": fallback})
    assert _line(render_text(report), "verdict") == (
        "verdict      install-dev would succeed if the build provides extra dev (known only after it is installed); "
        + otherwise)
    up_to_date = _report(development={"unverified_extras": ["dev"], "fallback": fallback})
    assert _line(render_text(up_to_date), "verdict") == "verdict      install-dev would succeed"
