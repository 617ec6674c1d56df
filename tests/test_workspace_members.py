"""A member's settings: its own [tool.installdev] minus ``workspace``, the workspace overrides on top, options over both."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from installdev.errors import UsageError
from installdev.request.settings.options import Options
from installdev.workspace.config import WorkspaceProject
from installdev.workspace.members import member_settings, merge_overrides


def test_overrides_replace_the_projects_keys_whole_and_workspace_is_dropped() -> None:
    own = {"venv": "env", "extras": ["dev", "test"], "requirements": ["a.txt"], "workspace": {"projects": ["."]}}
    overrides = {"extras": ["docs"], "python": "python3.12"}

    assert merge_overrides(own, overrides) == {"venv": "env", "extras": ["docs"], "requirements": ["a.txt"],
                                               "python": "python3.12"}
    assert own["extras"] == ["dev", "test"] and "workspace" in own  # the project's table is left alone
    assert merge_overrides({}, overrides) == overrides
    assert merge_overrides({"workspace": {}}, {}) == {}


def test_workspace_defaults_are_under_the_projects_own_table_and_the_overrides() -> None:
    defaults = {"extras": ["dev"], "groups": ["test"], "python": "python3.12"}

    merged = merge_overrides({"groups": ["lint"], "workspace": {}}, {"python": "python3.13"}, defaults)

    assert merged == {"extras": ["dev"], "groups": ["lint"], "python": "python3.13"}


def test_a_value_that_is_no_table_is_left_for_validation_to_report() -> None:
    assert merge_overrides("venv", {"venv": ".venv"}) == "venv"


def member(root: Path, tool_table: str, overrides: dict, name: str = "p") -> WorkspaceProject:
    directory = root / name if name != "." else root
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.installdev]\n{tool_table}\n')
    return WorkspaceProject(name, directory, overrides)


def test_member_settings_merge_the_table_the_overrides_and_the_options(tmp_path: Path) -> None:
    project = member(tmp_path, 'venv = "env"\nextras = ["dev"]\nrequirements = ["own.txt"]\nlock-timeout = 5',
                     {"extras": [], "requirements": ["ws.txt"], "python": "bin/python"})

    settings = member_settings(project, Options(project_dir="/elsewhere"), env={})

    assert settings.project.directory == project.directory
    assert settings.venv == project.directory / "env"
    assert settings.selection.extras == ()
    assert settings.requirements == (project.directory / "ws.txt",)  # override paths are relative to the project
    assert settings.python == str(project.directory / "bin" / "python")
    assert settings.lock_timeout == 5.0

    from_command_line = member_settings(project, Options(python=sys.executable, lock_timeout=9), env={})
    assert from_command_line.python == sys.executable and from_command_line.lock_timeout == 9.0


def test_workspace_default_requirements_stay_relative_to_the_root(tmp_path: Path) -> None:
    project = member(tmp_path, 'venv = "env"', {})
    shared = str(tmp_path / "requirements" / "shared.txt")  # load_workspace made it absolute

    settings = member_settings(project, Options(), env={}, defaults={"requirements": [shared], "extras": ["dev"]})

    assert settings.requirements == (Path(shared),) and settings.selection.extras == ("dev",)


def test_the_root_project_may_be_a_member(tmp_path: Path) -> None:
    root = member(tmp_path, '[tool.installdev.workspace]\nprojects = ["."]', {}, name=".")
    assert member_settings(root, Options(), env={}).venv == tmp_path / "venv"


def test_a_bad_table_is_still_reported(tmp_path: Path) -> None:
    project = member(tmp_path, 'venvs = "env"', {"extras": []})
    with pytest.raises(UsageError, match=r"unknown \[tool.installdev\] key 'venvs'"):
        member_settings(project, Options(), env={})
