"""The ``[tool.installdev.workspace]`` table: what a valid one yields, and the error for each way it can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from installdev.errors import ProjectError, UsageError
from installdev.workspace.config import WorkspaceProject, load_workspace, select_projects


def make_root(root: Path, table: str, projects: tuple[str, ...] = ("p",), file: str = "pyproject.toml") -> Path:
    """``root`` whose ``file`` holds ``table``, with a minimal project in each of ``projects``."""
    for name in projects:
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "pyproject.toml").write_text(f'[project]\nname = "{name.replace("/", "-")}"\n')
    root.mkdir(parents=True, exist_ok=True)
    (root / file).write_text(table)
    return root


def test_a_valid_table_expands_globs_excludes_and_normalizes_overrides(tmp_path: Path) -> None:
    root = make_root(tmp_path, """\
[tool.installdev.workspace]
projects = ["apps/app", "libs/*", "./apps/app/"]
exclude = ["libs/skipped"]
jobs = 3
[tool.installdev.workspace.overrides."./apps/app/"]
venv = ".venv"
extras = []
""", ("apps/app", "libs/two", "libs/one", "libs/skipped"))
    (root / "libs" / "notaproject").mkdir()

    workspace = load_workspace(root)

    assert workspace.root == root and workspace.origin == root / "pyproject.toml" and workspace.jobs == 3
    assert workspace.projects == [
        WorkspaceProject("apps/app", root / "apps" / "app", {"venv": ".venv", "extras": []}),
        WorkspaceProject("libs/one", root / "libs" / "one", {}),
        WorkspaceProject("libs/two", root / "libs" / "two", {}),
    ]


def test_the_root_itself_and_installdev_toml(tmp_path: Path) -> None:
    root = make_root(tmp_path, '[tool.installdev.workspace]\nprojects = [".", "p"]\n', file="installdev.toml")
    (root / "setup.py").write_text("")

    workspace = load_workspace(root)

    assert workspace.origin == root / "installdev.toml" and workspace.jobs is None
    assert [(project.name, project.directory) for project in workspace.projects] == [(".", root), ("p", root / "p")]


@pytest.mark.parametrize(("table", "error", "message"), [
    ('projects = ["p"]\nparallel = 2', UsageError, "unknown [tool.installdev.workspace] key 'parallel'"),
    ('projects = "p"', UsageError, "projects must be a list of project paths or globs, not 'p'"),
    ('projects = ["p"]\nexclude = "p"', UsageError, "exclude must be a list of project paths or globs"),
    ('projects = ["p"]\njobs = "2"', UsageError, "jobs must be a positive number of parallel builds"),
    ('projects = ["p"]\njobs = true', UsageError, "jobs must be a positive number of parallel builds"),
    ('projects = ["p"]\noverrides = []', UsageError, "overrides must be a table of per-project tables"),
    ("projects = []", UsageError, "needs projects = [...]"),
    ("exclude = []", UsageError, "needs projects = [...]"),
    ('projects = ["p", 1]', UsageError, "projects must be a list of non-empty path strings"),
    ('projects = ["p", " "]', UsageError, "projects must be a list of non-empty path strings"),
    ('projects = ["p"]\nexclude = [""]', UsageError, "exclude must be a list of non-empty path strings"),
    ('projects = ["/p"]', UsageError, "workspace path '/p' must be relative to the workspace root"),
    ('projects = ["~/p"]', UsageError, "must be relative to the workspace root"),
    ('projects = ["p/../../q"]', UsageError, "workspace path 'p/../../q' leaves the workspace root"),
    ('projects = ["p"]\njobs = 0', UsageError, "jobs must be a positive number, not 0"),
    ('projects = ["libs/*"]', UsageError, "workspace pattern 'libs/*' matches no directory holding pyproject.toml or setup.py"),
    ('projects = ["missing"]', ProjectError, "workspace project 'missing' does not exist"),
    ('projects = ["p/src"]', ProjectError, "workspace project 'p/src' has neither pyproject.toml nor setup.py"),
    ('projects = ["p"]\nexclude = ["*"]', UsageError, "exclude leaves no project"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.q]\nvenv = "v"',
     UsageError, "[tool.installdev.workspace.overrides.'q'] names no workspace project; projects: p"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides]\np = "v"',
     UsageError, "[tool.installdev.workspace.overrides.'p'] must be a table"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.p]\nvenvs = "v"',
     UsageError, "(overrides for p): unknown [tool.installdev] key 'venvs'"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.p]\nextras = [1]',
     UsageError, "[tool.installdev] extras must be a list of extra names"),
])
def test_each_mistake_in_the_table_is_reported(tmp_path: Path, table: str, error: type, message: str) -> None:
    root = make_root(tmp_path, "[tool.installdev.workspace]\n" + table + "\n")
    (root / "p" / "src").mkdir()

    with pytest.raises(error) as raised:
        load_workspace(root)

    assert str(raised.value).startswith(str(root / "pyproject.toml"))
    assert message in str(raised.value)


def test_a_table_that_is_not_a_table(tmp_path: Path) -> None:
    root = make_root(tmp_path, "[tool.installdev]\nworkspace = 1\n")
    with pytest.raises(UsageError, match=r"\[tool.installdev.workspace\] must be a table"):
        load_workspace(root)


def test_where_the_table_is_looked_for(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"workspace root .* does not exist"):
        load_workspace(tmp_path / "missing")

    root = make_root(tmp_path / "none", '[project]\nname = "p"\n')
    with pytest.raises(ProjectError, match=r"declares no workspace \(neither \[tool.installdev.workspace\] nor "
                                           r"\[tool.uv.workspace\]\): add a"):
        load_workspace(root)

    (root / "pyproject.toml").write_text('[tool.installdev.workspace\nprojects = ["p"]\n')
    with pytest.raises(ProjectError, match="is not valid TOML"):
        load_workspace(root)

    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["p"]\n')
    (root / "installdev.toml").write_text('[tool.installdev.workspace]\nprojects = ["p"]\n')
    with pytest.raises(UsageError, match=r"declare .* keep one"):
        load_workspace(root)

    (root / "installdev.toml").write_text('[project]\nname = "root"\n[tool.black]\n')
    with pytest.raises(UsageError, match=r"installdev.toml: unknown key\(s\) project, black; it holds only"):
        load_workspace(root)


def test_only_selects_by_path_or_directory_name_in_workspace_order(tmp_path: Path) -> None:
    root = make_root(tmp_path, '[tool.installdev.workspace]\nprojects = ["libs/*", "apps/app"]\n',
                     ("libs/one", "libs/two", "apps/app"))
    workspace = load_workspace(root)

    def names(*only: str) -> list[str]:
        return [project.name for project in select_projects(workspace, only)]

    assert names() == ["libs/one", "libs/two", "apps/app"]
    assert names("app", "libs/t*/", "two") == ["libs/two", "apps/app"]
    message = r"^--only nothing\* matches no workspace project; projects: libs/one, libs/two, apps/app$"
    with pytest.raises(UsageError, match=message):
        names("libs/*", "nothing*")


def test_without_an_installdev_table_the_uv_workspace_is_one_project_at_its_root(tmp_path: Path) -> None:
    root = make_root(tmp_path, '[project]\nname = "root"\n[tool.uv.workspace]\nmembers = ["libs/*"]\nexclude = ["libs/old"]\n',
                     ("libs/b", "libs/a", "libs/old"))

    workspace = load_workspace(root)

    assert [(project.name, project.directory) for project in workspace.projects] == [(".", root)]
    assert workspace.source == (f"[tool.uv.workspace] of {root / 'pyproject.toml'}: one venv for the whole uv workspace "
                                "(there is no [tool.installdev.workspace])")
    assert workspace.defaults == {} and workspace.jobs is None


def test_an_installdev_table_without_projects_gives_each_uv_member_its_venv(tmp_path: Path) -> None:
    root = make_root(tmp_path, '[project]\nname = "root"\n[tool.uv.workspace]\nmembers = ["libs/*"]\nexclude = ["libs/old"]\n'
                     '[tool.installdev.workspace]\njobs = 2\n', ("libs/b", "libs/a", "libs/old"))

    workspace = load_workspace(root)

    assert [(project.name, project.directory) for project in workspace.projects] == [
        (".", root), ("libs/a", root / "libs" / "a"), ("libs/b", root / "libs" / "b")]
    assert "a venv per project" in workspace.source


def test_workspace_wide_defaults_and_uv_members_under_an_installdev_table(tmp_path: Path) -> None:
    root = make_root(tmp_path, """\
[tool.uv.workspace]
members = ["libs/*"]

[tool.installdev.workspace]
jobs = 2
extras = ["dev"]
groups = ["test"]
python = "python3.12"
requirements = ["requirements/shared.txt"]

[tool.installdev.workspace.overrides."libs/a"]
extras = []
""", ("libs/a", "libs/b"))

    workspace = load_workspace(root)

    assert [project.name for project in workspace.projects] == ["libs/a", "libs/b"], "projects from [tool.uv.workspace]"
    assert workspace.projects[0].overrides == {"extras": []} and workspace.jobs == 2
    assert workspace.defaults == {"extras": ["dev"], "groups": ["test"], "python": "python3.12",
                                  "requirements": [str(root / "requirements" / "shared.txt")]}, "relative to ROOT"

    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["libs/*"]\ngroups = "test"\n')
    with pytest.raises(UsageError, match=r"groups must be a list of dependency group names"):
        load_workspace(root)
    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\ngroups = ["test"]\n')
    with pytest.raises(UsageError, match=r"needs projects = \[...\]"):
        load_workspace(root)
