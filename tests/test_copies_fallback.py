"""The copies fallback end to end: an automatic symlinks venv that fails its health check is rebuilt once with copies.

The host is errnofs ``--outside-targets-dangle`` (``dangling_links_dir``): a share that keeps symlinks but resolves
them where the files are, so a link to the client's own disk points nowhere. installdev's probe links to a file beside
it and follows the link, so it finds symlinks working and decides symlinks by itself; the venv's ``bin/python`` then
points at the base interpreter outside the mount and dangles, the health check fails, and installdev must rebuild the
venv with copies. An explicit ``--symlinks`` must not fall back: it is a clear error that leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import run_installdev, venv_import
from errnofs import UNREACHABLE
from hostfixtures import mount_info
from installdev.errors import ExitCode
from test_guarantees import leftovers, lock_is_free

pytestmark = pytest.mark.hosts
end_to_end = [pytest.mark.e2e, pytest.mark.slow]  # real venvs, built twice: about 3-15 s each

FALLBACK_WARNING = ("the symlinks venv failed its health check", "rebuilding it once with copies")


def install_dev(project: Path, venv: Path, env: dict, *args: str):
    return run_installdev(["install-dev", str(project), "--venv", str(venv), *args], env)


def stamp_of(venv: Path) -> dict:
    return json.loads((venv / ".installdev-stamp.json").read_text())


def output_of(result) -> str:
    return f"exit status {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def test_dangling_links_dir_keeps_links_but_only_those_inside_the_mount_resolve(dangling_links_dir: Path):
    from installdev.host.probe import probe_directory

    d = dangling_links_dir
    assert list(d.iterdir()) == []
    assert mount_info(d).fstype == "fuse.errnofs"
    (d / "target").write_text("inside")
    os.symlink("target", d / "relative")
    os.symlink(d / "target", d / "absolute-inside")
    outside = os.path.realpath(sys.executable)
    os.symlink(outside, d / "outside")
    # the kernel follows each link through errnofs' readlink: inside ones resolve, the outside one dangles
    assert (d / "relative").read_text() == "inside" and (d / "absolute-inside").read_text() == "inside"
    assert os.readlink(d / "outside") == UNREACHABLE + outside
    assert os.lstat(d / "outside").st_size == len(os.fsencode(UNREACHABLE + outside))
    assert (d / "outside").is_symlink() and not (d / "outside").exists()
    with pytest.raises(FileNotFoundError):
        os.stat(d / "outside")
    assert os.path.exists(outside)
    # so installdev's probe (a link to a file beside it) finds symlinks working: the decision is automatic symlinks
    probe = probe_directory(d)
    assert probe.symlinks_work and probe.exec_error is None, probe


@pytest.mark.parametrize("installer", [pytest.param(name, marks=end_to_end) for name in ("uv", "pip")])
def test_automatic_symlinks_venv_that_fails_its_health_check_is_rebuilt_with_copies(
        dangling_links_dir, installer, project, offline_env, request):
    if installer == "uv":
        request.getfixturevalue("uv")  # uv missing: fails under CI=true
    venv = dangling_links_dir / "venv"
    result = install_dev(project, venv, offline_env, "--installer", installer)
    assert result.returncode == 0, output_of(result)
    assert any(line.startswith("installdev: mode symlinks: symlinks work in") for line in result.stderr.splitlines()), \
        output_of(result)
    warnings = [line for line in result.stderr.splitlines() if all(part in line for part in FALLBACK_WARNING)]
    assert len(warnings) == 1 and warnings[0].startswith("installdev: warning: "), output_of(result)
    assert "does not start" in warnings[0], warnings[0]  # bin/python dangles
    assert "(symlinks, " in result.stderr and "(copies, virtualenv)" in result.stderr, output_of(result)
    assert f"(installed with {installer})" in result.stderr, output_of(result)

    python = venv / "bin" / "python"
    assert python.is_file() and not python.is_symlink()
    stamp = stamp_of(venv)
    assert stamp["decision"] == {"mode": "copies", "reasons": ["the symlinks venv failed its health check"]}, stamp
    assert stamp["installer"] == installer, stamp
    imported = venv_import(venv, "import sys, sampleproj, devtool; print(sys.prefix)")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == str(venv)

    again = install_dev(project, venv, offline_env, "--installer", installer)
    assert again.returncode == 0, output_of(again)
    assert f"{venv} is up to date (copies)" in again.stderr, output_of(again)
    assert not any(FALLBACK_WARNING[0] in line for line in again.stderr.splitlines())
    assert leftovers(venv) == [] and lock_is_free(venv)


@pytest.mark.parametrize("installer", [pytest.param(name, marks=end_to_end) for name in ("uv", "pip")])
def test_explicit_symlinks_does_not_fall_back_and_leaves_no_venv(dangling_links_dir, installer, project, offline_env,
                                                                   request):
    if installer == "uv":
        request.getfixturevalue("uv")
    venv = dangling_links_dir / "venv"
    result = install_dev(project, venv, offline_env, "--installer", installer, "--symlinks")
    assert result.returncode == ExitCode.CREATE_FAILED == 4, output_of(result)
    assert "installdev: mode symlinks: asked by --symlinks" in result.stderr, output_of(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("installdev: error:")]
    assert len(errors) == 1, output_of(result)
    assert f"the new venv {venv} failed its health check" in errors[0] and "does not start" in errors[0], errors[0]
    assert FALLBACK_WARNING[1] not in result.stdout + result.stderr
    assert not os.path.lexists(venv)
    assert leftovers(venv) == [] and lock_is_free(venv)
    # nothing else either: at most the lock file beside the venv
    assert {p.name for p in dangling_links_dir.iterdir()} <= {"venv.lock"}

