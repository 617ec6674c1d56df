"""The selection flags' arithmetic, as uv sync's: pure decisions, no files."""

from __future__ import annotations

import pytest
from conftest import run_installdev
from installdev.errors import UsageError
from installdev.request.settings.selection_flags import SelectionFlags

DEFAULT = ("dev",)
DECLARED = ("dev", "lint", "docs")


@pytest.mark.parametrize(("flags", "groups"), [
    (SelectionFlags(), ("dev",)),
    (SelectionFlags.of(groups=["lint"]), ("dev", "lint")),
    (SelectionFlags.of(groups=["Lint,DOCS"]), ("dev", "lint", "docs")),
    (SelectionFlags.of(no_groups=["dev"], groups=["lint"]), ("lint",)),
    (SelectionFlags.of(no_dev=True), ()),
    (SelectionFlags.of(all_groups=True), ("dev", "lint", "docs")),
    (SelectionFlags.of(all_groups=True, no_groups=["docs"]), ("dev", "lint")),
    (SelectionFlags.of(groups=["docs"], no_groups=["docs"]), ("dev",)),  # --no-group wins, as in uv
    (SelectionFlags.of(no_default_groups=True), ()),
    (SelectionFlags.of(no_default_groups=True, groups=["lint"]), ("lint",)),
    (SelectionFlags.of(only_groups=["docs"]), ("docs",)),
    (SelectionFlags.of(only_groups=["docs"], groups=["lint"]), ("docs", "lint")),
])
def test_chosen_groups_follow_uv_sync(flags: SelectionFlags, groups: tuple[str, ...]) -> None:
    assert flags.chosen_groups(DEFAULT, DECLARED) == groups


def test_only_group_leaves_the_project_out_and_the_default_set_too() -> None:
    flags = SelectionFlags.of(only_groups=["lint"])
    assert (flags.installs_project, flags.keeps_default_set) == (False, False)
    assert (SelectionFlags().installs_project, SelectionFlags().keeps_default_set) == (True, True)


def test_extras_add_and_all_extras_takes_the_declared_ones() -> None:
    assert SelectionFlags.of(extras=["B", "a,c"]).chosen_extras(("a", "b", "c"), "proj") == ("b", "a", "c")
    assert SelectionFlags.of(all_extras=True, extras=["x"]).chosen_extras(("a", "b"), "proj") == ("a", "b", "x")
    with pytest.raises(UsageError, match=r"^--all-extras: only the build of proj knows its extras"):
        SelectionFlags.of(all_extras=True).chosen_extras(None, "proj")


def test_only_group_with_extras_is_refused() -> None:
    with pytest.raises(UsageError, match=r"^--only-group installs the group alone"):
        SelectionFlags.of(only_groups=["lint"], all_extras=True)


def test_describe_gives_the_flags_in_a_fixed_order_and_nothing_for_the_default() -> None:
    assert SelectionFlags().describe() == "" and SelectionFlags().is_default
    flags = SelectionFlags.of(extras=["test"], groups=["lint"], no_groups=["docs"], no_dev=True, all_extras=False)
    assert flags.describe() == "--group lint --no-group docs --no-dev --extra test"
    assert not flags.is_default


def test_the_old_replacing_extras_option_says_what_replaced_it(tmp_path, offline_env) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    result = run_installdev(["install-dev", str(tmp_path), "--extras", "dev"], offline_env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "installdev: error: argument --extras: --extras is gone: --extra NAME (repeatable, or comma-separated) adds extras "
        "to the default development set, as uv sync --extra; --no-default-groups installs the project alone (see "
        "`installdev install-dev --help`)"]
    assert not (tmp_path / "venv").exists()
