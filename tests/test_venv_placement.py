"""A project's own file places its venv inside the project (or its uv or bootstrap workspace root); anywhere else takes
the command line (which Gradle and Make use), and the refusal says so: exit 2, one line, nothing created or deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_installdev
from installdev.errors import UsageError
from installdev.request.settings.options import Options
from installdev.workspace.config import WorkspaceProject
from installdev.workspace.members import member_settings
from wheelhouse import write_project


def marked_venv(path: Path) -> Path:
    """A directory installdev would take for one of its venvs (its marker), which clean-venv deletes."""
    path.mkdir(parents=True)
    (path / ".installdev-venv").write_text("made by installdev\n")
    return path


def escaping_values(root: Path) -> list[str]:
    return ["../../../x", str(root / "x"), "venv/../../x"]


@pytest.mark.parametrize("which", range(3), ids=["dot-dot", "absolute", "normalised"])
@pytest.mark.parametrize("command", ["install-dev", "doctor", "inputs", "clean-venv"])
def test_a_venv_the_project_file_places_outside_the_project_is_refused(which, command, tmp_path, offline_env):
    root = tmp_path / "a" / "b" / "c"
    project = write_project(root / "proj")
    outside = marked_venv(tmp_path / "a" / "x" if which == 0 else root / "x")
    (outside / "keep").write_text("not the project's to delete")
    write_project(project, tool_table=f"venv = {escaping_values(root)[which]!r}".replace("'", '"'))
    result = run_installdev([command, str(project)], offline_env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    fragment = (f"venv = {escaping_values(root)[which]!r} places the venv at {outside}, outside the project ({project}): "
                f"a project's own settings keep its venv inside it; to put it there, pass --venv {outside}")
    if command == "doctor":
        assert fragment in result.stdout, output
    else:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("installdev: error:") and fragment in lines[0], output
    assert (outside / "keep").is_file(), "clean-venv deleted a venv the project's file placed outside it"
    assert sorted(path.name for path in outside.iterdir()) == [".installdev-venv", "keep"]


def test_the_command_line_places_it_anywhere_and_the_file_anywhere_inside(tmp_path, offline_env):
    project = write_project(tmp_path / "proj")
    outside = tmp_path / "elsewhere" / "venv"
    write_project(project, tool_table='venv = "../elsewhere/venv"')
    given = run_installdev(["inputs", str(project), "--venv", str(outside), "--format", "json"], offline_env, timeout=60)
    assert given.returncode == 0, given.stderr
    assert f'"venv": "{outside}"' in given.stdout
    write_project(project, tool_table=f'venv = "{project / "envs" / ".." / "venv-abs"}"')
    inside = run_installdev(["inputs", str(project), "--format", "json"], offline_env, timeout=60)
    assert inside.returncode == 0, inside.stderr
    assert f'"venv": "{project / "venv-abs"}"' in inside.stdout


def test_a_uv_workspace_member_may_place_its_venv_in_the_workspace_root(tmp_path, offline_env):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    member = write_project(root / "packages" / "one", name="one", tool_table='venv = "../../.venv"')
    result = run_installdev(["inputs", str(member), "--format", "json"], offline_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f'"venv": "{root / ".venv"}"' in result.stdout
    write_project(member, name="one", tool_table='venv = "../../../.venv"')
    refused = run_installdev(["inputs", str(member)], offline_env, timeout=60)
    assert refused.returncode == 2 and "outside the project and its workspace" in refused.stderr, refused.stderr


def test_a_bootstrap_member_may_place_its_venv_in_the_workspace_root_only(tmp_path):
    root = tmp_path / "ws"
    directory = root / "apps" / "app"
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text('[project]\nname = "app"\n')
    inside = WorkspaceProject("apps/app", directory, {"venv": "../../venvs/app"})
    assert member_settings(inside, Options(), env={}).venv == root / "venvs" / "app"
    outside = WorkspaceProject("apps/app", directory, {"venv": "../../../venvs/app"})
    with pytest.raises(UsageError, match="outside the project and its workspace"):
        member_settings(outside, Options(), env={})
