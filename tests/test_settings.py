"""resolve_settings: the command line over [tool.installdev] over the defaults, key by key; where relative paths are
taken from; and the one-line usage errors of a bad table or value."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from installdev.errors import ExitCode, UsageError
from installdev.request.project.model import Project
from installdev.request.settings.envflags import AUTOMATIC, ModeRequest
from installdev.request.settings.options import Options
from installdev.request.settings.resolve import resolve_settings, validate_tool_table
from installdev.request.settings.selection_flags import SelectionFlags
from installdev.vocabulary import InstallerName, LinkMode

KNOWN_KEYS = ("all-extras, all-groups, build-constraints, constraints, extras, flag-prefix, frozen, groups, installer, "
              "lock-timeout, locked, no-default-groups, no-dev, no-groups, only-groups, python, requirements, seed-pip, "
              "system-site-packages, venv")


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "proj"
    directory.mkdir()
    return directory


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def _project(directory: Path, table: str = "") -> Project:
    text = "[project]\nname = 'demo'\nversion = '1.0'\n" + (f"\n[tool.installdev]\n{table}\n" if table else "")
    (directory / "pyproject.toml").write_text(text)
    return Project(directory, text.encode())


def _usage_error(options: Options, project: Project, env: dict | None = None) -> str:
    with pytest.raises(UsageError) as caught:
        resolve_settings(options, project, env or {})
    assert caught.value.exit_code == ExitCode.USAGE
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_without_a_table_or_options(project_dir, cwd):
    settings = resolve_settings(Options(), _project(project_dir), {})
    assert settings.venv == project_dir / "venv"
    assert settings.python is None
    assert settings.selection == SelectionFlags() and settings.selection.is_default
    assert (settings.requirements, settings.constraints, settings.build_constraints) == ((), (), ())
    assert settings.flag_prefix == "INSTALLDEV"
    assert settings.mode_request == AUTOMATIC
    assert settings.lock_timeout == 900.0
    assert settings.system_site_packages is False
    assert settings.installer == InstallerName.AUTO
    assert settings.seed_pip is None
    assert (settings.locked, settings.frozen) == (False, False)


def test_a_project_without_pyproject_gets_the_defaults(project_dir, cwd):
    settings = resolve_settings(Options(), Project(project_dir), {})
    assert settings.venv == project_dir / "venv"
    assert settings.python is None and settings.selection.is_default


def test_python_and_extras_stay_unset_when_the_table_does_not_give_them(project_dir, cwd):
    settings = resolve_settings(Options(), _project(project_dir, 'venv = ".venv"\ngroups = ["dev"]'), {})
    assert (settings.python, settings.selection) == (None, SelectionFlags(groups=("dev",)))
    assert settings.venv == project_dir / ".venv"


# key, TOML value, command-line options, Settings attribute, expected from the table, expected from the command line.
# A callable expectation is given (project directory, cwd).
PRECEDENCE = [
    ("venv", '"envs/dev"', {"venv": "cli-env"}, "venv",
     lambda project, cwd: project / "envs" / "dev", lambda project, cwd: cwd / "cli-env"),
    ("python", '"python3.12"', {"python": "python3.13"}, "python", "python3.12", "python3.13"),
    ("extras", '["dev", "Test_Tools"]', {"extras": ("docs,lint",)}, "selection",
     SelectionFlags(extras=("dev", "test-tools")), SelectionFlags(extras=("docs", "lint"))),
    ("all-extras", "true", {"all_extras": False}, "selection", SelectionFlags(all_extras=True), SelectionFlags()),
    ("groups", '["typing"]', {"groups": ("lint", "docs")}, "selection",
     SelectionFlags(groups=("typing",)), SelectionFlags(groups=("lint", "docs"))),
    ("all-groups", "true", {"all_groups": False}, "selection", SelectionFlags(all_groups=True), SelectionFlags()),
    ("no-groups", '["docs"]', {"no_groups": ("lint",)}, "selection",
     SelectionFlags(no_groups=("docs",)), SelectionFlags(no_groups=("lint",))),
    ("no-dev", "true", {"no_dev": False}, "selection", SelectionFlags(no_dev=True), SelectionFlags()),
    ("no-default-groups", "true", {"no_default_groups": False}, "selection", SelectionFlags(no_default_groups=True),
     SelectionFlags()),
    ("only-groups", '["lint"]', {"only_groups": ("docs",)}, "selection",
     SelectionFlags(only_groups=("lint",)), SelectionFlags(only_groups=("docs",))),
    ("requirements", '["req/dev.txt", "extra.txt"]', {"requirements": ("r.txt",)}, "requirements",
     lambda project, cwd: (project / "req" / "dev.txt", project / "extra.txt"), lambda project, cwd: (cwd / "r.txt",)),
    ("constraints", '["c.txt"]', {"constraints": ("sub/c.txt",)}, "constraints",
     lambda project, cwd: (project / "c.txt",), lambda project, cwd: (cwd / "sub" / "c.txt",)),
    ("build-constraints", '["b.txt"]', {"build_constraints": ("cli-b.txt",)}, "build_constraints",
     lambda project, cwd: (project / "b.txt",), lambda project, cwd: (cwd / "cli-b.txt",)),
    ("flag-prefix", '"DATAHUB"', {"flag_prefix": "ACME"}, "flag_prefix", "DATAHUB", "ACME"),
    ("lock-timeout", "30", {"lock_timeout": 0.0}, "lock_timeout", 30.0, 0.0),
    ("system-site-packages", "true", {"system_site_packages": False}, "system_site_packages", True, False),
    ("installer", '"pip"', {"installer": InstallerName.UV}, "installer", InstallerName.PIP, InstallerName.UV),
    ("seed-pip", "false", {"seed_pip": True}, "seed_pip", False, True),
]
PRECEDENCE_IDS = [case[0] for case in PRECEDENCE]


def _expected(value, project_dir: Path, cwd: Path):
    return value(project_dir, cwd) if callable(value) else value


@pytest.mark.parametrize(("key", "toml", "options", "attribute", "from_table", "from_cli"), PRECEDENCE, ids=PRECEDENCE_IDS)
def test_the_table_wins_over_the_default(project_dir, cwd, key, toml, options, attribute, from_table, from_cli):
    settings = resolve_settings(Options(), _project(project_dir, f"{key} = {toml}"), {})
    assert getattr(settings, attribute) == _expected(from_table, project_dir, cwd)


@pytest.mark.parametrize(("key", "toml", "options", "attribute", "from_table", "from_cli"), PRECEDENCE, ids=PRECEDENCE_IDS)
def test_the_command_line_wins_over_the_table(project_dir, cwd, key, toml, options, attribute, from_table, from_cli):
    settings = resolve_settings(Options(**options), _project(project_dir, f"{key} = {toml}"), {})
    assert getattr(settings, attribute) == _expected(from_cli, project_dir, cwd)


@pytest.mark.parametrize(("key", "toml", "options", "attribute", "from_table", "from_cli"), PRECEDENCE, ids=PRECEDENCE_IDS)
def test_the_command_line_wins_over_the_default(project_dir, cwd, key, toml, options, attribute, from_table, from_cli):
    settings = resolve_settings(Options(**options), _project(project_dir), {})
    assert getattr(settings, attribute) == _expected(from_cli, project_dir, cwd)


def test_the_table_lock_timeout_is_a_float(project_dir, cwd):
    settings = resolve_settings(Options(), _project(project_dir, "lock-timeout = 30"), {})
    assert type(settings.lock_timeout) is float


def test_extras_as_a_string_in_the_table_is_refused_as_groups_is(project_dir, cwd):
    message = _usage_error(Options(), _project(project_dir, 'extras = "dev"'))
    assert message == f"{project_dir / 'pyproject.toml'}: [tool.installdev] extras must be a list of extra names, not 'dev'"


def test_extras_on_the_command_line_split_at_commas_and_repeat(project_dir, cwd):
    settings = resolve_settings(Options(extras=("a,B", "c")), _project(project_dir), {})
    assert settings.selection.extras == ("a", "b", "c")


def test_only_group_with_an_extra_is_a_usage_error(project_dir, cwd):
    message = _usage_error(Options(only_groups=("lint",), extras=("x",)), _project(project_dir))
    assert message.startswith("--only-group installs the group alone, without the project, so --extra and --all-extras")


def test_a_python_path_from_the_table_is_taken_from_the_project(project_dir, cwd):
    settings = resolve_settings(Options(), _project(project_dir, 'python = "tools/py/bin/python"'), {})
    assert settings.python == str(project_dir / "tools" / "py" / "bin" / "python")


def test_a_python_path_from_the_command_line_is_taken_from_the_cwd(project_dir, cwd):
    settings = resolve_settings(Options(python="./bin/python3"), _project(project_dir, 'python = "other"'), {})
    assert settings.python == str(cwd / "bin" / "python3")


@pytest.mark.parametrize(("option", "field"), [("-r", "requirements"), ("-c", "constraints"),
                                                ("--build-constraint", "build_constraints")])
def test_a_command_line_path_missing_here_but_in_the_project_says_which_to_pass(project_dir, cwd, option, field):
    """starlette's developer, one directory up, types -r requirements.txt as the exit-6 line listed it."""
    (project_dir / "requirements.txt").write_text("devtool\n")
    message = _usage_error(Options(**{field: ("requirements.txt",)}), _project(project_dir))
    assert message == (f"{option} requirements.txt: no such file in the current directory ({cwd}); paths on the command line "
                       f"are relative to it, as pip reads them: pass {option} ../proj/requirements.txt for the project's file")
    (cwd / "requirements.txt").write_text("devtool\n")
    assert getattr(resolve_settings(Options(**{field: ("requirements.txt",)}), _project(project_dir), {}), field) == (
        cwd / "requirements.txt",), "a file here is the one meant"
    missing_everywhere = resolve_settings(Options(**{field: ("absent.txt",)}), _project(project_dir), {})
    assert getattr(missing_everywhere, field) == (cwd / "absent.txt",), "reported later, as a missing input, exit 6"


def test_a_python_name_stays_a_name(project_dir, cwd):
    assert resolve_settings(Options(python="python3.11"), _project(project_dir), {}).python == "python3.11"


def test_a_relative_venv_from_the_command_line_may_leave_the_cwd(project_dir, cwd):
    settings = resolve_settings(Options(venv="../envs/x"), _project(project_dir), {})
    assert settings.venv == cwd.parent / "envs" / "x"


def test_absolute_paths_are_kept(tmp_path, project_dir, cwd):
    table = f'venv = "{project_dir / "abs-env"}"\nrequirements = ["{tmp_path / "r.txt"}"]'
    settings = resolve_settings(Options(), _project(project_dir, table), {})
    assert settings.venv == project_dir / "abs-env"
    assert settings.requirements == (tmp_path / "r.txt",)


def test_a_home_relative_venv_in_the_table_is_expanded_and_refused_outside_the_project(tmp_path, project_dir, cwd,
                                                                                       monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(UsageError, match=f"places the venv at {tmp_path / 'home' / 'venvs' / 'demo'}, outside the project"):
        resolve_settings(Options(), _project(project_dir, 'venv = "~/venvs/demo"'), {})
    monkeypatch.setenv("HOME", str(project_dir))
    assert resolve_settings(Options(), _project(project_dir, 'venv = "~/venvs/demo"'), {}).venv == project_dir / "venvs" / "demo"


def test_the_flag_prefix_variable_sits_between_the_command_line_and_the_table(project_dir, cwd):
    project = _project(project_dir, 'flag-prefix = "DATAHUB"')
    env = {"INSTALLDEV_FLAG_PREFIX": "FROMENV"}
    assert resolve_settings(Options(), project, env).flag_prefix == "FROMENV"
    assert resolve_settings(Options(flag_prefix="ACME"), project, env).flag_prefix == "ACME"


def test_the_table_flag_prefix_names_the_copies_variable_read(project_dir, cwd):
    settings = resolve_settings(Options(), _project(project_dir, 'flag-prefix = "DATAHUB"'), {"DATAHUB_VENV_USE_COPIES": "yes"})
    assert settings.mode_request == ModeRequest(LinkMode.COPIES, "DATAHUB_VENV_USE_COPIES=true")


def test_an_invalid_flag_prefix_in_the_table_is_a_usage_error(project_dir, cwd):
    assert "[tool.installdev] flag-prefix" in _usage_error(Options(), _project(project_dir, 'flag-prefix = "datahub"'))


def test_an_unknown_key_lists_the_known_keys(project_dir, cwd):
    message = _usage_error(Options(), _project(project_dir, 'venv-dir = "x"'))
    assert message == (f"{project_dir / 'pyproject.toml'}: unknown [tool.installdev] key 'venv-dir'; known keys: {KNOWN_KEYS}")


@pytest.mark.parametrize(("line", "expected"), [
    ("venv = 1", "[tool.installdev] venv must be a path string, not 1"),
    ("python = ['python3']",
     "[tool.installdev] python must be an interpreter: a version such as 3.12, a name on PATH or a path, not ['python3']"),
    ("lock-timeout = true", "[tool.installdev] lock-timeout must be a number of seconds, not True"),
    ('lock-timeout = "30"', "[tool.installdev] lock-timeout must be a number of seconds, not '30'"),
    ("system-site-packages = 1", "[tool.installdev] system-site-packages must be true or false, not 1"),
    ('seed-pip = "yes"', "[tool.installdev] seed-pip must be true or false, not 'yes'"),
    ('requirements = "dev.txt"', "[tool.installdev] requirements must be a list of requirement file paths, not 'dev.txt'"),
    ('groups = "dev"', "[tool.installdev] groups must be a list of dependency group names, not 'dev'"),
    ('constraints = ["c.txt", 2]', "[tool.installdev] constraints must be a list of constraint file paths, not ['c.txt', 2]"),
    ("extras = [true]", "[tool.installdev] extras must be a list of extra names, not [True]"),
    ("build-constraints = [['b.txt']]", "[tool.installdev] build-constraints must be a list of build constraint file paths"),
])
def test_a_value_of_the_wrong_type_is_a_usage_error(project_dir, cwd, line, expected):
    message = _usage_error(Options(), _project(project_dir, line))
    assert message.startswith(f"{project_dir / 'pyproject.toml'}: {expected}")


def test_a_tool_installdev_that_is_not_a_table_is_a_usage_error(project_dir, cwd):
    text = "[tool]\ninstalldev = 'yes'\n"
    message = _usage_error(Options(), Project(project_dir, text.encode()))
    assert message == f"{project_dir / 'pyproject.toml'}: [tool.installdev] must be a table"


def test_validate_tool_table_returns_a_valid_table():
    table = {"venv": ".venv", "lock-timeout": 2.5, "extras": ["dev"], "seed-pip": True}
    assert validate_tool_table(table, "pyproject.toml") == table


@pytest.mark.parametrize("toml", ["nan", "inf", "-1", "-0.5"])
def test_a_lock_timeout_in_the_table_that_is_not_finite_and_non_negative_is_a_usage_error(project_dir, cwd, toml):
    message = _usage_error(Options(), _project(project_dir, f"lock-timeout = {toml}"))
    assert "[tool.installdev] lock-timeout must be a number of seconds, 0 or more" in message


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_a_lock_timeout_on_the_command_line_that_is_not_finite_and_non_negative_is_a_usage_error(project_dir, cwd, value):
    message = _usage_error(Options(lock_timeout=value), _project(project_dir))
    assert message.startswith("--lock-timeout must be a number of seconds, 0 or more")


def test_a_zero_lock_timeout_is_valid(project_dir, cwd):
    assert resolve_settings(Options(), _project(project_dir, "lock-timeout = 0"), {}).lock_timeout == 0.0


@pytest.mark.parametrize("value", ["conda", "UV", "pip3"])
def test_an_installer_other_than_auto_pip_uv_is_a_usage_error(project_dir, cwd, value):
    message = _usage_error(Options(), _project(project_dir, f'installer = "{value}"'))
    assert message == f"{project_dir / 'pyproject.toml'}: [tool.installdev] installer must be one of auto, pip, uv, not {value!r}"


@pytest.mark.parametrize("key", ["installer", "python", "venv", "flag-prefix"])
def test_an_empty_string_setting_is_a_usage_error(project_dir, cwd, key):
    assert f"[tool.installdev] {key}" in _usage_error(Options(), _project(project_dir, f'{key} = ""'))


@pytest.mark.parametrize("option", ["venv", "python", "flag_prefix"])
def test_an_empty_command_line_value_is_a_usage_error(project_dir, cwd, option):
    assert "is empty" in _usage_error(Options(**{option: ""}), _project(project_dir, ""))


def test_locked_and_frozen_exclude_each_other(project_dir, cwd):
    assert "exclude each other" in _usage_error(Options(frozen=True), _project(project_dir, "locked = true"))
