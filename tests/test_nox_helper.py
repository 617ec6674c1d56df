"""installdev.nox with real nox, offline: a sample noxfile whose sessions report the venv nox made for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nox  # noqa: F401  (the test extra installs nox: missing, collection fails, never skips)
import pytest
from conftest import PLUGIN_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

NOXFILE = """\
import json, os, sys
sys.path.insert(0, {plugin!r})
import nox
import installdev.nox

DECISION = installdev.nox.configure()
WHEELHOUSE = {wheelhouse!r}
REPORT = {report!r}


def report(session, name):
    python = os.path.join(session.virtualenv.location, "bin", "python")
    session.install("--no-index", "--find-links", WHEELHOUSE, "devtool")
    imported = session.run("python", "-c", "import devtool, sys; print(devtool.VERSION, sys.prefix)", silent=True)
    with open(os.path.join(REPORT, name + ".json"), "w") as handle:
        json.dump({{"symlink": os.path.islink(python), "mode": DECISION.mode, "summary": installdev.nox.describe(),
                   "imported": imported.strip(), "location": session.virtualenv.location,
                   "VIRTUALENV_COPIES": os.environ.get("VIRTUALENV_COPIES")}}, handle)


@installdev.nox.session
def plain(session):
    report(session, "plain")


@installdev.nox.session(venv_backend="venv", venv_params=["--without-pip"])
def stdvenv(session):
    python = os.path.join(session.virtualenv.location, "bin", "python")
    with open(os.path.join(REPORT, "stdvenv.json"), "w") as handle:
        json.dump({{"symlink": os.path.islink(python), "mode": DECISION.mode}}, handle)


@installdev.nox.session(venv_backend="uv")
def withuv(session):
    with open(os.path.join(REPORT, "withuv.json"), "w") as handle:
        json.dump({{"ran": True}}, handle)


@nox.session(venv_backend=installdev.nox.pick_backend("uv|virtualenv"), venv_params=installdev.nox.venv_params("virtualenv"))
def byhand(session):
    report(session, "byhand")
"""


def _nox_env(offline_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {key: value for key, value in offline_env.items() if not key.startswith("NOX")}
    env.pop("PYTHONPATH", None)  # the noxfile puts plugin/ on sys.path itself, as a vendoring repo would
    env.update(extra)
    return env


def _run_nox(tmp_path: Path, wheelhouse: Path, envdir: Path, env: dict[str, str], *sessions: str,
             extra_args: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess, Path]:
    report = tmp_path / "report"
    report.mkdir(exist_ok=True)
    noxfile = tmp_path / "noxfile.py"
    noxfile.write_text(NOXFILE.format(plugin=str(PLUGIN_DIR), wheelhouse=str(wheelhouse), report=str(report)))
    command = [sys.executable, "-m", "nox", "-f", str(noxfile), "--envdir", str(envdir), *extra_args, "-s", *sessions]
    completed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240,
                               stdin=subprocess.DEVNULL)
    return completed, report


def _read(report: Path, name: str) -> dict:
    return json.loads((report / f"{name}.json").read_text())


def test_symlinks_where_symlinks_work(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str]) -> None:
    completed, report = _run_nox(tmp_path, wheelhouse, tmp_path / ".nox", _nox_env(offline_env), "plain", "stdvenv")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    plain = _read(report, "plain")
    assert plain["mode"] == "symlinks" and plain["symlink"] is True, plain
    assert plain["VIRTUALENV_COPIES"] is None
    assert plain["imported"].startswith("1.0 ") and plain["location"] in plain["imported"]
    assert "symlinks work in" in plain["summary"]
    assert _read(report, "stdvenv")["symlink"] is True


def test_flag_asks_for_copies_on_a_normal_dir(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str]) -> None:
    """DATAHUB-style flag: the venv backend gets --copies (stdlib venv can copy where symlinks work)."""
    env = _nox_env(offline_env, INSTALLDEV_FLAG_PREFIX="DATAHUB", DATAHUB_VENV_USE_COPIES="true")
    completed, report = _run_nox(tmp_path, wheelhouse, tmp_path / ".nox", env, "plain", "stdvenv")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    plain = _read(report, "plain")
    assert plain["mode"] == "copies" and plain["symlink"] is False and plain["VIRTUALENV_COPIES"] == "1", plain
    assert "asked by DATAHUB_VENV_USE_COPIES=true" in plain["summary"]
    assert _read(report, "stdvenv")["symlink"] is False


def test_uv_refused_when_copies_are_required(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str]) -> None:
    env = _nox_env(offline_env, INSTALLDEV_VENV_USE_COPIES="1")
    completed, report = _run_nox(tmp_path, wheelhouse, tmp_path / ".nox", env, "withuv", "byhand")
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "uv backend cannot make the copies venvs required" in output and "`uv venv` always symlinks" in output
    assert not (report / "withuv.json").exists()
    byhand = _read(report, "byhand")  # "uv|virtualenv" by hand with venv_params: virtualenv makes copies
    assert byhand["symlink"] is False, byhand


def test_uv_default_backend_stops_nox(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str]) -> None:
    env = _nox_env(offline_env, INSTALLDEV_VENV_USE_COPIES="1")
    completed, _ = _run_nox(tmp_path, wheelhouse, tmp_path / ".nox", env, "plain", extra_args=("-db", "uv"))
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "installdev: error: nox's uv backend cannot make the copies venvs" in completed.stderr


def test_bad_flag_stops_nox(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str]) -> None:
    env = _nox_env(offline_env, INSTALLDEV_VENV_USE_COPIES="maybe")
    completed, _ = _run_nox(tmp_path, wheelhouse, tmp_path / ".nox", env, "plain")
    assert completed.returncode == 2
    assert "INSTALLDEV_VENV_USE_COPIES='maybe' is not a yes/no value" in completed.stderr


@pytest.mark.hosts
@pytest.mark.slow
def test_copies_where_symlinks_fail(tmp_path: Path, wheelhouse: Path, offline_env: dict[str, str], errno_fs) -> None:
    """envdir on a filesystem whose symlink() fails with EPERM (like vfat or WSL drvfs): copies, uv and venv refused."""
    envdir = errno_fs("EPERM") / "nox-envs"
    completed, report = _run_nox(tmp_path, wheelhouse, envdir, _nox_env(offline_env), "plain", "stdvenv", "withuv")
    output = completed.stdout + completed.stderr
    plain = _read(report, "plain")
    assert plain["mode"] == "copies" and plain["symlink"] is False and plain["VIRTUALENV_COPIES"] == "1", plain
    assert "symlink() in" in plain["summary"] and "EPERM" in plain["summary"]
    assert plain["imported"].startswith("1.0 ")
    assert completed.returncode != 0
    assert "lib64 -> lib symlink" in output and "`uv venv` always symlinks" in output
    assert not (report / "stdvenv.json").exists() and not (report / "withuv.json").exists()


def test_helper_api_without_nox_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import installdev.nox as helper

    env = {"INSTALLDEV_VENV_USE_COPIES": "true"}
    decision = helper.decide(tmp_path / ".nox", env=env)
    assert decision.copies and decision.reasons == ("asked by INSTALLDEV_VENV_USE_COPIES=true",)
    assert helper.venv_params("virtualenv", decision) == ["--copies"]
    assert helper.venv_params("venv", decision) == ["--copies"]  # symlinks work here: stdlib venv copies fine
    assert helper.pick_backend("uv|virtualenv", decision) == "virtualenv"
    with pytest.raises(helper.CopiesUnsupportedError, match="always symlinks"):
        helper.venv_params("uv", decision)
    symlinks = helper.decide(tmp_path / ".nox", env={})
    assert symlinks.mode == "symlinks" and helper.venv_params("uv", symlinks) == []
    assert helper.pick_backend("uv|virtualenv", symlinks) == "uv|virtualenv"
    assert helper.nox_envdir(["--envdir", "x/envs", "-s", "t"]) == Path(os.path.abspath("x/envs"))
    assert helper.nox_backends("venv", ["-fb", "uv|virtualenv"], {}) == ["uv", "virtualenv"]
    assert helper.nox_backends(None, [], {"NOX_DEFAULT_VENV_BACKEND": "venv"}) == ["venv"]
    assert textwrap.dedent(helper.__doc__ or "").count("VIRTUALENV_COPIES") >= 1
