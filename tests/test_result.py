"""install-dev's result: the --json documents (schema 1) of a success and of a failure, and the activate command
(POSIX form; the Windows form is left to review: faking os.name breaks pathlib)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from installdev.errors import BadPythonError, LockTimeoutError
from installdev.result import InstallResult, Outcome, activate_command, failure_json
from installdev.vocabulary import InstallerName, LinkMode

DOCUMENTED_KEYS = {"schema", "result", "exit_code", "error", "project", "venv", "python_executable", "activate", "mode",
                   "mode_reasons", "base_python", "python_version", "installer", "changes", "seconds"}


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _result(venv: Path, **changes) -> InstallResult:
    fields = {"outcome": Outcome.REBUILT, "project": venv.parent, "venv": venv, "mode": LinkMode.COPIES,
              "mode_reasons": ("asked by --copies",), "base_python": "/usr/bin/python3.11", "python_version": "3.11.7",
              "installer": InstallerName.UV, "seconds": 12.345678, "changes": ("pyproject.toml changed",)}
    return InstallResult(**{**fields, **changes})


def test_to_json_of_a_rebuild(cwd):
    venv = cwd / "venv"
    assert _result(venv).to_json() == {
        "schema": 1, "result": "rebuilt", "exit_code": 0, "error": None, "project": str(cwd), "venv": str(venv),
        "python_executable": str(venv / "bin" / "python"), "activate": ". venv/bin/activate", "mode": "copies",
        "mode_reasons": ["asked by --copies"], "base_python": "/usr/bin/python3.11", "python_version": "3.11.7",
        "installer": "uv", "changes": ["pyproject.toml changed"], "seconds": 12.346,
    }


def test_to_json_of_an_up_to_date_venv_survives_json(cwd):
    document = _result(cwd / "venv", outcome=Outcome.UP_TO_DATE, changes=(), mode="symlinks", installer="pip").to_json()
    assert json.loads(json.dumps(document)) == document
    assert (document["result"], document["changes"], document["mode"], document["installer"]) == (
        "up to date", [], "symlinks", "pip")
    assert set(document) == DOCUMENTED_KEYS


def test_failure_json_carries_the_error_and_its_exit_code(tmp_path):
    error = BadPythonError("--python python9: not found")
    assert failure_json(tmp_path, tmp_path / "venv", error.exit_code, str(error), 1.23456) == {
        "schema": 1, "result": "failed", "exit_code": 9, "error": "--python python9: not found", "project": str(tmp_path),
        "venv": str(tmp_path / "venv"), "python_executable": None, "activate": None, "mode": None, "mode_reasons": [],
        "base_python": None, "python_version": None, "installer": None, "changes": [], "seconds": 1.235,
    }


def test_failure_json_before_the_project_is_known():
    error = LockTimeoutError("waited 1s")
    document = failure_json(None, None, error.exit_code, str(error), 1.0)
    assert (document["project"], document["venv"], document["exit_code"]) == (None, None, 3)
    assert set(document) == DOCUMENTED_KEYS


def test_activate_is_relative_below_the_cwd(cwd):
    assert activate_command(cwd / "venv") == ". venv/bin/activate"
    assert activate_command(cwd / "sub" / ".venv") == ". sub/.venv/bin/activate"


def test_activate_of_the_cwd_itself(cwd):
    assert activate_command(cwd) == ". ./bin/activate"


def test_activate_is_absolute_outside_the_cwd(cwd, monkeypatch):
    (cwd / "proj").mkdir()
    monkeypatch.chdir(cwd / "proj")
    venv = cwd / "elsewhere" / "venv"
    assert activate_command(venv) == f". {venv}/bin/activate"


@pytest.mark.parametrize("name", ["my venv", "it's", "$HOME", "a;b"])
def test_activate_quotes_a_path_the_shell_would_split_or_expand(cwd, monkeypatch, name):
    assert activate_command(cwd / name) == f". {shlex.quote(name + '/bin/activate')}"
    (cwd / "proj").mkdir()
    monkeypatch.chdir(cwd / "proj")
    command = activate_command(cwd / name)
    assert shlex.split(command) == [".", f"{cwd / name}/bin/activate"]
    assert command != f". {cwd / name}/bin/activate"


def test_activate_of_a_dot_dot_named_venv_below_the_cwd_is_relative(cwd):
    assert activate_command(cwd / "..venv") == ". ..venv/bin/activate"
