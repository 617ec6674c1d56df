"""Shared fixtures: an offline wheelhouse, sample projects, and a way to run the real installdev CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from wheelhouse import add_build_backends, add_pytest, build_wheel, copy_build_backend, write_project

pytest_plugins = ["hostfixtures"]

REPO = Path(__file__).resolve().parent.parent
PLUGIN_DIR = REPO / "plugin"


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """setuptools, pytest and the build backends of ``wheelhouse.BUILD_BACKENDS`` (repacked from this environment;
    a backend that is not installed is left out) and tiny wheels built in this session: ``devtool``, ``testtool``,
    ``reqtool`` 1.0 and 2.0."""
    directory = tmp_path_factory.mktemp("wheelhouse")
    copy_build_backend(directory)
    add_pytest(directory)
    add_build_backends(directory)
    build_wheel(directory, "devtool")
    build_wheel(directory, "testtool")
    build_wheel(directory, "reqtool", "1.0")
    build_wheel(directory, "reqtool", "2.0")
    return directory


@pytest.fixture
def offline_env(wheelhouse: Path, tmp_path: Path) -> dict[str, str]:
    """The process environment for installdev: pip offline on the wheelhouse, no stray flags."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "VIRTUALENV_", "INSTALLDEV_", "DATAHUB_", "UV_"))}
    env.update({
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PYTHONPATH": str(PLUGIN_DIR),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    })
    # virtualenv's app-data cache is shared across tests: seeding from it is what keeps creation fast.
    env["VIRTUALENV_OVERRIDE_APP_DATA"] = str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                              / "installdev-tests-app-data")
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj")


def run_installdev(args: list[str], env: dict[str, str], cwd: Path | None = None,
                   timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installdev", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def install_dev(project: Path, env: dict[str, str], *args: str, expect: int = 0) -> subprocess.CompletedProcess:
    """``installdev install-dev PROJECT ARGS``, which must exit with ``expect``."""
    result = run_installdev(["install-dev", str(project), *args], env)
    assert result.returncode == expect, result.stdout + result.stderr
    return result


def venv_import(venv: Path, statement: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-c", statement], capture_output=True, text=True, timeout=60)


@pytest.fixture
def uv() -> str:
    """uv's executable (the test extra installs it); missing: fails under CI=true, else skips."""
    from hostfixtures import require_host
    from installdev.actions.installer import find_uv

    found = find_uv()
    require_host(found is not None, "uv is not installed: pip install -e '.[test]'")
    return found


@pytest.fixture
def uv_env(offline_env: dict[str, str], wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Offline for pip and for uv's project commands (which read UV_*, not PIP_*), one uv cache for the session."""
    return {**offline_env, "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(wheelhouse), "UV_PYTHON_DOWNLOADS": "never",
            "UV_CACHE_DIR": str(tmp_path_factory.getbasetemp() / "uv-cache")}

