"""Path dependencies between workspace members, read from what each build installs; the order they impose."""

from __future__ import annotations

from pathlib import Path

from installdev.request.settings.options import Options
from installdev.workspace.config import WorkspaceProject
from installdev.workspace.graph import blocked_by_cycle, member_dependencies, path_dependencies, ready_to_start
from installdev.workspace.members import member_settings


def settings_of(root: Path, name: str, pyproject: str, files: dict[str, str] | None = None, overrides: dict | None = None):
    directory = root / name
    directory.mkdir(parents=True)
    (directory / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n' + pyproject)
    for file, text in (files or {}).items():
        (directory / file).write_text(text)
    return member_settings(WorkspaceProject(name, directory, overrides or {}), Options(), env={})


def test_the_default_development_set_is_read(tmp_path: Path) -> None:
    by_file = settings_of(tmp_path, "by-file", "", {"requirements-dev.txt": "-e ../lib\n"})
    by_group = settings_of(tmp_path, "by-group", '[dependency-groups]\ndev = ["lib @ file:../lib", "reqtool"]\n')
    by_extra = settings_of(tmp_path, "by-extra", '[project.optional-dependencies]\nDev = ["lib @ file:///abs/lib"]\n')

    assert path_dependencies(by_file) == {tmp_path / "lib"}
    assert path_dependencies(by_group) == {tmp_path / "lib"}
    assert path_dependencies(by_extra) == {Path("/abs/lib")}


def test_explicit_choices_and_constraints(tmp_path: Path) -> None:
    chosen = settings_of(tmp_path, "chosen", '[project.optional-dependencies]\ndev = ["a @ file:../a"]\ndocs = ["b @ file:../b"]\n',
                         {"constraints.txt": "c @ file:../c\n", "requirements-dev.txt": "-e ../d\n"},
                         {"extras": ["docs"], "no-dev": True, "constraints": ["constraints.txt"]})
    assert path_dependencies(chosen) == {tmp_path / "b", tmp_path / "c"}


def test_members_depend_only_on_other_members(tmp_path: Path) -> None:
    app = settings_of(tmp_path, "app", "", {"requirements-dev.txt": "-e ../lib\n-e ../outside\n-e .\nreqtool==1.0\n"})
    lib = settings_of(tmp_path, "lib", "[project.optional-dependencies]\ndev = []\n")

    assert member_dependencies({"app": tmp_path / "app", "lib": tmp_path / "lib"}, {"app": app, "lib": lib}) == {
        "app": frozenset({"lib"}), "lib": frozenset()}
    assert member_dependencies({"app": tmp_path / "app"}, {"app": app}) == {"app": frozenset()}  # lib not selected


def test_readiness_and_cycles() -> None:
    waiting = {"app": {"lib"}, "lib": set(), "tool": {"app", "lib"}}
    assert ready_to_start(waiting, set()) == ["lib"]
    assert ready_to_start({"app": {"lib"}, "tool": {"app", "lib"}}, {"lib"}) == ["app"]
    assert not blocked_by_cycle(waiting, set(), running=0)

    cycle = {"a": {"b"}, "b": {"a"}}
    assert blocked_by_cycle(cycle, set(), running=0)
    assert not blocked_by_cycle(cycle, set(), running=1)  # what runs may still unblock them
    assert not blocked_by_cycle({}, set(), running=0)


def test_paths_mean_what_they_mean_to_pip(tmp_path: Path) -> None:
    """pip runs in the project directory: an ``-e`` path is relative to it (pip and uv alike), while an ``-r`` include
    is relative to the file naming it."""
    nested = settings_of(tmp_path, "nested", "", {"requirements-dev.txt": "-r requirements/dev.txt\n"})
    (nested.project.directory / "requirements").mkdir()
    (nested.project.directory / "requirements" / "dev.txt").write_text("-r ../../shared.txt\n-e ../lib\n")
    (tmp_path / "shared.txt").write_text("-e ./nested/tools\n")

    assert path_dependencies(nested) == {tmp_path / "lib", tmp_path / "nested" / "nested" / "tools"}


def test_uv_sources_and_workspace_members_count(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["*"]\n\n'
                                             '[tool.uv.sources]\nb = { workspace = true }\n')
    app = settings_of(tmp_path, "app", 'dependencies = ["b", "c>=1"]\n[tool.uv.sources]\nc = { path = "../libs/c" }\n')
    settings_of(tmp_path, "b", "")

    assert path_dependencies(app) == {tmp_path / "b", tmp_path / "libs" / "c"}
