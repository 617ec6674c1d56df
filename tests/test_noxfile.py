"""The project's noxfile finds the Pythons its sessions want (pyenv's too) and never downloads one: a missing one skips
its session with nox's one line, or fails it under CI. Real nox on the real noxfile, in a pyenv tree holding only
3.12."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nox  # noqa: F401  (the test extra installs nox: missing, collection fails, never skips)
import pytest
from conftest import REPO
from pythons import broken_shim, executable, pyenv_root, tree_python

# nox finds the interpreter running it: on the primary Python only, so that 3.12 and 3.13 are not that one
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def only_312(tmp_path: Path) -> dict[str, str]:
    """A machine whose pyenv has a working 3.12 alone and selects none of it (`pyenv version-name` says system), its
    shims failing as pyenv's do for a version not selected; beside it an older 3.12, a 3.13 pre-release and a dev build
    that are not to be picked (empty); uv's Python downloads pointed at a closed port."""
    root = pyenv_root(tmp_path / "pyenv", "3.12")
    for not_picked in ("3.12.0", "3.13.0rc1", "3.13-dev"):
        (root / "versions" / not_picked).mkdir()
    for name in ("python3.12", "python3.13"):
        broken_shim(root, name)
    tools = tmp_path / "tools"
    executable(tools / "pyenv", "#!/bin/sh\necho system\n")
    return {"HOME": str(tmp_path), "PATH": os.pathsep.join([str(tools), str(root / "shims"), "/usr/bin", "/bin"]),
            "PYENV_ROOT": str(root), "UV_PYTHON_INSTALL_DIR": str(tmp_path / "downloaded"),
            "UV_PYTHON_INSTALL_MIRROR": "http://127.0.0.1:9"}


def run_nox(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), "--envdir", str(tmp_path / "envs"),
                           *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_pyenv_version_not_selected_is_found(only_312: dict[str, str], tmp_path: Path) -> None:
    code = ("import os, runpy, sys; runpy.run_path(sys.argv[1]); from nox.virtualenv import _find_python; "
            "print(os.environ['PYENV_VERSION'], _find_python('3.12'), _find_python('3.13'))")
    found = subprocess.run([sys.executable, "-c", code, str(REPO / "noxfile.py")], env=only_312, capture_output=True,
                           text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    python312 = tree_python(Path(only_312["PYENV_ROOT"]), "3.12")
    assert found.stdout.split() == [f"system:{python312.parent.parent.name}", str(python312), "None"]


def test_a_missing_python_is_skipped_in_one_line_never_downloaded(only_312: dict[str, str], tmp_path: Path) -> None:
    skipped = run_nox(only_312, tmp_path, "-s", "tests-3.13")
    assert skipped.returncode == 0, skipped.stderr
    assert "nox > Session tests-3.13 skipped: Python interpreter 3.13 not found" in skipped.stderr
    assert "127.0.0.1:9" not in skipped.stderr and not Path(only_312["UV_PYTHON_INSTALL_DIR"]).exists()


def test_under_ci_a_missing_python_fails(only_312: dict[str, str], tmp_path: Path) -> None:
    failed = run_nox({**only_312, "CI": "true"}, tmp_path, "-s", "tests-3.13")
    assert failed.returncode == 1, failed.stderr
    assert "nox > Session tests-3.13 failed: Python interpreter 3.13 not found" in failed.stderr
    assert "127.0.0.1:9" not in failed.stderr
