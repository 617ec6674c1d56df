"""uv's workspace discovery, rule by rule (uv's crates/uv-workspace/src/workspace.rs ``find_workspace``): the project's
own ``[tool.uv.workspace]``, the first ancestor holding a pyproject.toml deciding, directories without one skipped,
an intermediate project or a file with neither table stopping the search, members and exclude globs matched against
the path as uv's glob crate matches them, and no stop at ``.git``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from installdev.errors import ProjectError
from installdev.request.project.uv_workspace import (
    UvSearchOutcome,
    search_uv_workspace,
    uv_glob_matches,
    uv_workspace_members,
    uv_workspace_table,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path.parent


def project(directory: Path, name: str) -> Path:
    return write(directory / "pyproject.toml", f'[project]\nname = "{name}"\nversion = "0.1"\n')


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path / "ws" / "pyproject.toml", """\
        [project]
        name = "root"
        version = "0.1"

        [tool.uv.workspace]
        members = ["packages/*", "examples/*"]
        exclude = ["packages/own"]
        """)


def test_a_project_declaring_the_workspace_is_its_root(root: Path):
    search = search_uv_workspace(root)

    assert search.outcome is UvSearchOutcome.ROOT and search.workspace.root == root
    assert search.reason == "its pyproject.toml declares [tool.uv.workspace]: it is the uv workspace's root"


def test_a_member_matched_by_a_members_glob_belongs_to_the_workspace(root: Path):
    member = project(root / "packages" / "a", "a")

    search = search_uv_workspace(member)

    assert search.outcome is UvSearchOutcome.MEMBER and search.workspace.root == root and search.decided_by == root


def test_an_excluded_project_is_its_own_workspace(root: Path):
    own = project(root / "packages" / "own", "own")

    search = search_uv_workspace(own)

    assert search.outcome is UvSearchOutcome.EXCLUDED and search.workspace is None
    assert search.reason == f"listed by the exclude of [tool.uv.workspace] in {root / 'pyproject.toml'}: it is its own uv project"


def test_a_project_no_members_glob_matches_is_its_own_workspace(root: Path):
    other = project(root / "tools" / "t", "t")

    assert search_uv_workspace(other).outcome is UvSearchOutcome.NOT_LISTED


def test_directories_without_a_pyproject_are_skipped(root: Path):
    """``packages/*`` matches ``packages/deep/x`` in uv (``*`` crosses ``/``), and packages/deep has no pyproject.toml."""
    deep = project(root / "packages" / "deep" / "x", "x")

    search = search_uv_workspace(deep)

    assert search.outcome is UvSearchOutcome.MEMBER and search.decided_by == root


def test_an_intermediate_project_stops_the_search(root: Path):
    """uv's albatross-in-example: examples/pyproject.toml is a project, so examples/ex1 is its own workspace although the
    root's ``examples/*`` matches it."""
    project(root / "examples", "examples")
    example = project(root / "examples" / "ex1", "ex1")

    search = search_uv_workspace(example)

    assert search.outcome is UvSearchOutcome.INTERMEDIATE and search.workspace is None
    assert search.decided_by == root / "examples"
    assert search.reason == (f"{root / 'examples' / 'pyproject.toml'} above is a project without [tool.uv.workspace]: uv's "
                             "workspace search stops there, so it is its own uv project")


def test_a_pyproject_with_neither_table_stops_the_search_too(root: Path):
    write(root / "examples" / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    example = project(root / "examples" / "ex1", "ex1")

    search = search_uv_workspace(example)

    assert search.outcome is UvSearchOutcome.NEITHER and search.workspace is None


def test_the_search_does_not_stop_at_git(root: Path):
    member = project(root / "packages" / "a", "a")
    (root / "packages" / "a" / ".git").mkdir()
    (root / "packages" / ".git").mkdir()

    assert search_uv_workspace(member).workspace.root == root


def test_nothing_above(tmp_path: Path):
    alone = project(tmp_path / "alone", "alone")

    search = search_uv_workspace(alone)

    assert search.outcome is UvSearchOutcome.NOTHING_ABOVE and search.workspace is None and search.decided_by is None


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("packages/*", "packages/a", True),
    ("packages/*", "packages/a/b", True),  # uv's default MatchOptions: * crosses /
    ("packages/?", "packages/a", True),
    ("packages/?", "packages/ab", False),
    ("packages/**/x", "packages/x", True),
    ("packages/**/x", "packages/a/b/x", True),
    ("packages/**/x", "packages/ax", False),
    ("packages/**", "packages/a/b", True),
    ("**/x", "x", True),
    ("lib[ab]", "liba", True),
    ("lib[!ab]", "liba", False),
    ("lib[a-c]", "libb", True),
    ("packages/a", "packages/a", True),
    ("packages/a", "packages/A", False),
    ("./packages/a", "packages/a", False),  # uv joins the glob to the root's path without normalizing it
    ("packages/a/", "packages/a", False),
])
def test_globs_match_as_uv_matches_them(tmp_path: Path, pattern: str, path: str, matches: bool):
    assert uv_glob_matches(tmp_path, pattern, tmp_path / path) is matches


@pytest.mark.parametrize("pattern", ["a/***", "a**/b", "a/**b", "lib[ab"])
def test_a_glob_uv_cannot_read_is_a_project_error(tmp_path: Path, pattern: str):
    with pytest.raises(ProjectError, match="invalid glob"):
        uv_glob_matches(tmp_path, pattern, tmp_path / "a" / "b")


def test_members_as_uv_collects_them(root: Path):
    """The root first (a project), each glob's matches sorted, excluded and hidden directories skipped; the projects
    below an intermediate project are listed too: uv's ``uv lock`` at the root collects them."""
    for name in ("b", "a", "own"):
        project(root / "packages" / name, name)
    (root / "packages" / ".hidden").mkdir()
    (root / "packages" / "README.md").write_text("not a directory\n")
    project(root / "examples" / "ex1", "ex1")

    members = uv_workspace_members(uv_workspace_table(root))

    assert members == [root, root / "packages" / "a", root / "packages" / "b", root / "examples" / "ex1"]


def test_a_matched_directory_without_pyproject_is_refused_as_uv_refuses_it(root: Path):
    (root / "packages" / "empty").mkdir(parents=True)

    with pytest.raises(ProjectError, match=r"has no pyproject\.toml, which uv refuses"):
        uv_workspace_members(uv_workspace_table(root))


def test_a_virtual_root_is_no_member(tmp_path: Path):
    virtual = write(tmp_path / "pyproject.toml", '[tool.uv.workspace]\nmembers = ["libs/*"]\n')
    one = project(virtual / "libs" / "one", "one")

    assert uv_workspace_members(uv_workspace_table(virtual)) == [one]
