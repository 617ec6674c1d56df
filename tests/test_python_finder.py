"""Choosing the base Python: request parsing and the choice over synthetic candidates (pure), then discovery and
choice on this machine's real pyenv interpreters (CPython 2.7, 3.6-3.13), reached through PATH, PYENV_ROOT and
UV_PYTHON_INSTALL_DIR trees built in tmp_path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from installdev.errors import BadPythonError, ExitCode, ProjectError
from installdev.host.python_finder import (
    FoundPython,
    InstallTool,
    PythonCandidate,
    choose_among,
    choose_python,
    find_python_candidates,
    parse_py_list_paths,
    probe_python,
)
from installdev.request.project.python_request import (
    MINIMUM_SEEDABLE,
    PythonRequest,
    RequiresPython,
    check_requested_python,
    parse_version_request,
    python_request,
)
from installdev.request.project.python_specifier import PythonSpecifier
from pythons import real_python

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="builds PATH and pyenv trees from symlinks and exec bits")
VERSION_FILE = Path("/proj/.python-version")


def make_request(requires_python: str | None = None, pin: str | None = None) -> PythonRequest:
    return PythonRequest(
        RequiresPython(requires_python, PythonSpecifier(requires_python)) if requires_python else None,
        VERSION_FILE if pin is not None else None,
        parse_version_request(pin) if pin is not None else None,
    )


def found(version: str, source: str = "PATH", implementation: str = "cpython", free_threaded: bool = False) -> FoundPython:
    numbers = tuple(int(part) for part in version.split("."))
    suffix = "t" if free_threaded else ""
    return FoundPython(f"/{source}/{implementation}{version}{suffix}/python", source, numbers, implementation, free_threaded)


class Probe:
    """A probe over synthetic interpreters that records which candidates were run."""

    def __init__(self, *pythons: FoundPython) -> None:
        self.pythons = {python.path: python for python in pythons}
        self.ran: list[str] = []

    def __call__(self, candidate: PythonCandidate) -> FoundPython | None:
        self.ran.append(candidate.path)
        return self.pythons.get(candidate.path)


def candidate(python: FoundPython, hint: tuple[int, ...] | None = None) -> PythonCandidate:
    return PythonCandidate(python.path, python.source, hint)


# --------------------------------------------------------------------------------------
# .python-version request lines


@pytest.mark.parametrize(("text", "implementation", "version", "specifier", "free_threaded"), [
    ("3.12", None, (3, 12), None, None),
    ("3.12.1", None, (3, 12, 1), None, None),
    ("3", None, (3,), None, None),
    ("312", None, (3, 12), None, None),
    ("python3.11", None, (3, 11), None, None),
    ("cpython-3.12", "cpython", (3, 12), None, None),
    ("cpython-3.12.3-macos-aarch64-none", "cpython", (3, 12, 3), None, None),
    ("cpython-3.13.0+freethreaded-linux-x86_64-gnu", "cpython", (3, 13, 0), None, True),
    ("cpython@3.12", "cpython", (3, 12), None, None),
    ("CPython3.12", "cpython", (3, 12), None, None),
    ("cp312", "cpython", (3, 12), None, None),
    ("pypy3.10", "pypy", (3, 10), None, None),
    ("pp@3.10", "pypy", (3, 10), None, None),
    ("pypy", "pypy", (), None, None),
    ("3.13t", None, (3, 13), None, True),
    ("3.13+freethreaded", None, (3, 13), None, True),
    ("3.14+gil", None, (3, 14), None, False),
    (">=3.11", None, (), ">=3.11", None),
    ("cpython>=3.12,<3.13", "cpython", (), "<3.13,>=3.12", None),
    ("any", None, (), None, None),
])
def test_version_request_forms_that_uv_documents(text, implementation, version, specifier, free_threaded) -> None:
    pin = parse_version_request(text)
    assert pin.unsupported is None
    assert (pin.implementation, pin.version, pin.free_threaded) == (implementation, version, free_threaded)
    assert (str(pin.specifier) if pin.specifier is not None else None) == specifier


@pytest.mark.parametrize("text", ["system", "my-virtualenv", "pypy3.10-7.3.12", "/opt/homebrew/bin/python3", "3.13d",
                                  "3.12+debug", "@3.12", "python", ">=three"])
def test_request_lines_installdev_cannot_apply_are_kept_as_unsupported(text: str) -> None:
    pin = parse_version_request(text)
    assert pin.unsupported
    assert (pin.implementation, pin.version, pin.specifier) == (None, (), None)


# --------------------------------------------------------------------------------------
# python_request: requires-python and the version file


def test_requires_python_is_parsed_and_kept_as_written(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    request = python_request({"project": {"requires-python": ">=3.10, <4"}}, tmp_path)
    assert request.requires_python.text == ">=3.10, <4"
    assert request.requires_python.specifier.contains((3, 12, 1))
    assert not request.requires_python.specifier.contains((4, 0, 0))
    assert (request.version_file, request.pin) == (None, None)


@pytest.mark.parametrize(("constraint", "inside", "outside"), [
    ("^3.8", (3, 12, 1), (4, 0, 0)),
    ("~3.9", (3, 9, 18), (3, 10, 0)),
    (">=3.7,<3.11", (3, 10, 2), (3, 11, 0)),
    ("^3.9 || ^4.0", (4, 1, 0), (5, 0, 0)),
])
def test_classic_poetrys_python_dependency_is_its_requires_python(tmp_path: Path, constraint, inside, outside) -> None:
    """rich and other classic poetry projects state their Pythons only as poetry's python dependency."""
    (tmp_path / ".git").mkdir()
    request = python_request({"tool": {"poetry": {"dependencies": {"python": constraint}}}}, tmp_path)
    assert request.requires_python.specifier.contains(inside) and not request.requires_python.specifier.contains(outside)
    assert request.describe().startswith(f"[tool.poetry.dependencies] python {constraint} (pyproject.toml)")
    version = ".".join(map(str, outside))
    assert request.mismatch(outside, "cpython", None) == (
        f"Python {version} does not satisfy [tool.poetry.dependencies] python {constraint} (pyproject.toml)")


def test_requires_python_wins_over_poetrys_python_and_poetrys_any_is_no_constraint(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    both = {"project": {"requires-python": ">=3.11"}, "tool": {"poetry": {"dependencies": {"python": "^3.8"}}}}
    assert python_request(both, tmp_path).requires_python.text == ">=3.11"
    assert python_request({"tool": {"poetry": {"dependencies": {"python": "*"}}}}, tmp_path).requires_python is None


def test_an_unreadable_poetry_python_constraint_is_a_project_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(ProjectError, match=re.escape("poetry dependency 'python' has version '>>3.8'")):
        python_request({"tool": {"poetry": {"dependencies": {"python": ">>3.8"}}}}, tmp_path)


@pytest.mark.parametrize("pyproject", [{}, {"project": {}}, {"project": {"requires-python": "  "}}, {"tool": {}}])
def test_no_requires_python_means_no_constraint(tmp_path: Path, pyproject: dict) -> None:
    (tmp_path / ".git").mkdir()
    assert python_request(pyproject, tmp_path).requires_python is None


@pytest.mark.parametrize("value", [">=3.x", "3.12", 312])
def test_invalid_requires_python_is_a_one_line_project_error(tmp_path: Path, value) -> None:
    with pytest.raises(ProjectError) as raised:
        python_request({"project": {"requires-python": value}}, tmp_path)
    message = str(raised.value)
    assert "\n" not in message
    assert str(tmp_path / "pyproject.toml") in message
    assert '">=3.10"' in message
    assert raised.value.exit_code == ExitCode.BAD_PROJECT


def test_version_file_is_found_in_a_parent_and_its_first_request_line_is_used(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".python-version").write_text("# pinned for the team\n\n  3.11  \n3.12\n")
    project = tmp_path / "services" / "api"
    project.mkdir(parents=True)
    request = python_request({}, project)
    assert request.version_file == tmp_path.resolve() / ".python-version"
    assert request.pin.text == "3.11"
    assert request.pin.version == (3, 11)


def test_version_file_lookup_stops_after_the_directory_holding_git(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.10\n")
    repository = tmp_path / "repo"
    (repository / "pkg").mkdir(parents=True)
    (repository / ".git").write_text("gitdir: ../elsewhere\n")  # a worktree's .git is a file
    assert python_request({}, repository / "pkg").version_file is None
    (repository / ".python-version").write_text("3.12\n")
    assert python_request({}, repository / "pkg").pin.version == (3, 12)


def test_singular_version_file_wins_and_the_plural_is_read_when_alone(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".python-versions").write_text("3.13\n3.12\n")
    assert python_request({}, tmp_path).pin.version == (3, 13)
    (tmp_path / ".python-version").write_text("3.11\n")
    request = python_request({}, tmp_path)
    assert (request.version_file.name, request.pin.version) == (".python-version", (3, 11))


def test_version_file_without_a_request_is_recorded_but_narrows_nothing(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".python-version").write_text("# nothing yet\n\n")
    request = python_request({}, tmp_path)
    assert request.version_file == tmp_path.resolve() / ".python-version"
    assert request.pin is None
    assert request.mismatch((3, 9, 0), "cpython", False) is None


def test_version_file_that_is_not_utf8_is_a_project_error(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".python-version").write_bytes(b"3.12\xff\n")
    with pytest.raises(ProjectError, match=r"\.python-version cannot be read as UTF-8 text .*: rewrite it"):
        python_request({}, tmp_path)


@pytest.mark.parametrize(("requires_python", "pin", "text"), [
    (">=3.12", "3.12", "requires-python >=3.12 (pyproject.toml), .python-version 3.12 (/proj/.python-version)"),
    (None, None, "no requires-python, no .python-version"),
    (">=3.10", "system", "requires-python >=3.10 (pyproject.toml), .python-version system (/proj/.python-version) "
                         "ignored: not a Python version request installdev understands (e.g. 3.12)"),
])
def test_describe(requires_python, pin, text) -> None:
    assert make_request(requires_python, pin).describe() == text


def test_describe_a_version_file_naming_no_version() -> None:
    request = PythonRequest(None, VERSION_FILE, None)
    assert request.describe() == "no requires-python, .python-version (/proj/.python-version) names no version"


# --------------------------------------------------------------------------------------
# check_requested_python: an explicit --python


@pytest.mark.parametrize(("version", "implementation", "request_args", "free_threaded", "reason"), [
    ((3, 12, 1), "cpython", (">=3.12", "3.12"), None, None),
    ((3, 11, 7), "CPython", (">=3.12", None), None,
     "Python 3.11.7 does not satisfy requires-python >=3.12 (pyproject.toml)"),
    # as with uv, an explicit interpreter overrides .python-version: only requires-python holds it
    ((3, 12, 1), "cpython", (">=3.10", "3.11"), None, None),
    ((3, 10, 14), "cpython", (None, "pypy3.10"), None, None),
    ((3, 12, 1), "cpython", (None, ">=3.11,<3.12"), None, None),
    ((3, 8, 18), "cpython", (">=3.8", None), None, "Python 3.8.18 is older than 3.9, the oldest virtualenv 21 can seed"),
    ((3, 13, 0), "cpython", (None, "3.13t"), False, None),
    ((3, 13, 0), "cpython", (None, "3.13t"), None, None),  # the build is unknown: not held against it
    ((3, 13, 0), "cpython", (None, "system"), None, None),  # an unsupported pin narrows nothing
])
def test_check_requested_python(version, implementation, request_args, free_threaded, reason) -> None:
    assert check_requested_python(version, implementation, make_request(*request_args), free_threaded) == reason


# --------------------------------------------------------------------------------------
# choose_among: the choice over synthetic candidates


def test_running_interpreter_that_fits_is_kept_without_running_anything() -> None:
    probe = Probe()
    chosen = choose_among(make_request(">=3.10"), found("3.11.7", "running interpreter"),
                          [candidate(found("3.13.0"), (3, 13))], probe)
    assert chosen.python.version == (3, 11, 7)
    assert chosen.reason == "the running interpreter (3.11.7) satisfies requires-python >=3.10 (pyproject.toml)"
    assert probe.ran == []


def test_running_interpreter_without_constraints() -> None:
    chosen = choose_among(make_request(), found("3.11.7", "running interpreter"), [], Probe())
    assert chosen.reason == "the running interpreter (3.11.7): the project sets no requires-python or .python-version"


def test_newest_fitting_candidate_is_chosen_and_hopeless_ones_are_never_run() -> None:
    py310, py312, py313, unnamed = found("3.10.13"), found("3.12.1", "pyenv"), found("3.13.0", "uv-managed"), found("3.12.7")
    probe = Probe(py310, py312, py313, unnamed)
    candidates = [candidate(py310, (3, 10)), candidate(py312, (3, 12, 1)), candidate(unnamed), candidate(py313, (3, 13, 0))]
    chosen = choose_among(make_request(">=3.12"), found("3.11.7", "running interpreter"), candidates, probe)
    assert chosen.python == py313
    assert chosen.reason == (f"Python 3.13.0 at {py313.path} (uv-managed) is the newest found that satisfies "
                             "requires-python >=3.12 (pyproject.toml); the running interpreter 3.11.7 does not")
    assert probe.ran == [py313.path, unnamed.path]  # 3.12.1 is older than 3.13.0 by its name, 3.10 cannot fit


def test_a_candidate_whose_name_tells_nothing_can_still_be_the_newest() -> None:
    named, unnamed = found("3.12.1"), found("3.14.0")
    chosen = choose_among(make_request(">=3.12"), None, [candidate(named, (3, 12)), candidate(unnamed)], Probe(named, unnamed))
    assert chosen.python == unnamed


def test_version_file_narrows_the_choice_even_against_the_running_interpreter() -> None:
    py311, py312 = found("3.11.9"), found("3.12.1")
    probe = Probe(py311, py312)
    chosen = choose_among(make_request(">=3.10", "3.11"), found("3.13.0", "running interpreter"),
                          [candidate(py312, (3, 12)), candidate(py311, (3, 11))], probe)
    assert chosen.python == py311
    assert "satisfies requires-python >=3.10 (pyproject.toml) and .python-version 3.11 (/proj/.python-version)" in chosen.reason
    assert probe.ran == [py311.path]


def test_implementation_pin_picks_pypy_over_a_newer_cpython() -> None:
    cpython, pypy = found("3.10.14"), found("3.10.14", "pyenv", "pypy")
    chosen = choose_among(make_request(None, "pypy3.10"), None, [candidate(cpython), candidate(pypy)], Probe(cpython, pypy))
    assert chosen.python == pypy


def test_free_threaded_313_is_chosen_only_when_the_pin_asks_for_it() -> None:
    gil, free = found("3.12.1"), found("3.13.0", free_threaded=True)
    candidates = [candidate(gil, (3, 12)), candidate(free, (3, 13))]
    assert choose_among(make_request(">=3.12"), None, candidates, Probe(gil, free)).python == gil
    assert choose_among(make_request(">=3.12", "3.13t"), None, candidates, Probe(gil, free)).python == free


def test_at_equal_versions_the_gil_build_wins_and_a_lone_free_threaded_314_is_accepted() -> None:
    free, gil = found("3.14.0", free_threaded=True), found("3.14.0", "pyenv")
    assert choose_among(make_request(">=3.14"), None, [candidate(free), candidate(gil)], Probe(free, gil)).python == gil
    assert choose_among(make_request(">=3.14"), None, [candidate(free)], Probe(free)).python == free


def test_candidate_that_is_the_running_interpreter_is_not_run_again() -> None:
    running = found("3.11.7", "running interpreter")
    probe = Probe()
    with pytest.raises(BadPythonError):
        choose_among(make_request(">=3.12"), running, [PythonCandidate(running.path, "PATH", None)], probe)
    assert probe.ran == []


def test_nothing_fits_is_one_line_naming_constraint_findings_and_fix() -> None:
    py38, broken = found("3.8.18", "pyenv"), found("3.13.0")
    with pytest.raises(BadPythonError) as raised:
        choose_among(make_request(">=3.12"), found("3.11.7", "running interpreter"),
                     [candidate(py38, (3, 8, 18)), candidate(broken)], Probe(py38), InstallTool.PYENV)
    message = str(raised.value)
    assert raised.value.exit_code == ExitCode.BAD_PYTHON
    assert "\n" not in message
    assert message == (
        "no Python 3.9+ satisfies requires-python >=3.12 (pyproject.toml): found 3.11.7 (running interpreter), "
        f"3.8.18 (pyenv {py38.path}), {broken.path} (PATH) is not a working Python 3: "
        "install it with pyenv install 3.12, or pass --python with the path of one"
    )


def test_python_38_is_never_chosen_even_when_requires_python_allows_it() -> None:
    py38 = found("3.8.18")
    probe = Probe(py38)
    with pytest.raises(BadPythonError, match=r"found 3\.8\.18 \(PATH /PATH/cpython3\.8\.18/python\): "
                                             r"no Python 3\.9 to 3\.15 fits requires-python >=3\.8,<3\.9"):
        choose_among(make_request(">=3.8,<3.9"), None, [candidate(py38)], probe)
    assert probe.ran == [py38.path]  # its name told nothing, so it was run, and refused on its real version
    assert MINIMUM_SEEDABLE == (3, 9)


@pytest.mark.parametrize(("request_args", "tool", "fix"), [
    ((">=3.11", "3.13t"), InstallTool.UV, "install it with uv python install 3.13t, or pass --python with the path of one"),
    ((None, "pypy3.10"), InstallTool.PYENV, "install it with pyenv install pypy3.10, or pass --python with the path of one"),
    ((None, "pypy"), InstallTool.UV, "install it with uv python install pypy3.9, or pass --python with the path of one"),
    ((">=3.12.2", None), InstallTool.NONE,
     "install Python 3.12 (from python.org or your OS's packages), or pass --python with the path of one"),
    ((">=3.12", "3.10"), InstallTool.PYENV, "no Python 3.9 to 3.15 fits requires-python >=3.12 (pyproject.toml), "
                                            ".python-version 3.10 (/proj/.python-version): change them, or pass --python"),
])
def test_the_fix_names_what_to_install_with_this_machines_tool_or_what_to_change(request_args, tool, fix) -> None:
    with pytest.raises(BadPythonError) as raised:
        choose_among(make_request(*request_args), None, [], Probe(), tool)
    assert str(raised.value).endswith(f": found none: {fix}")


# --------------------------------------------------------------------------------------
# find_python_candidates over fake trees (nothing is run)


def fake_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return path


def discovery_env(tmp_path: Path, *path_entries: Path | str, **extra: str) -> dict[str, str]:
    return {"PATH": os.pathsep.join(map(str, path_entries)), "HOME": str(tmp_path / "home"),
            "PYENV_ROOT": str(tmp_path / "pyenv"), "UV_PYTHON_INSTALL_DIR": str(tmp_path / "uv"), **extra}


@POSIX_ONLY
def test_path_candidates_skip_shims_and_relative_entries_and_are_deduplicated(tmp_path: Path) -> None:
    bin_directory, other = tmp_path / "bin", tmp_path / "other"
    real = fake_executable(bin_directory / "python3.11")
    (bin_directory / "python3").symlink_to("python3.11")
    fake_executable(bin_directory / "python3.13t")
    fake_executable(bin_directory / "python3.8")  # PATH is searched from 3.9 up
    (bin_directory / "python3.12").write_text("not executable")
    other.mkdir()
    (other / "python").symlink_to(real)
    fake_executable(tmp_path / "pyenv" / "shims" / "python3.12")
    env = discovery_env(tmp_path, "relative/bin", tmp_path / "pyenv" / "shims", bin_directory, other)
    assert [(Path(c.path).name, c.source, c.version_hint) for c in find_python_candidates(env)] == [
        ("python3.11", "PATH", (3, 11)),
        ("python3.13t", "PATH", (3, 13)),
    ]


@POSIX_ONLY
def test_python3_on_path_takes_its_hint_from_the_file_it_links_to(tmp_path: Path) -> None:
    target = fake_executable(tmp_path / "opt" / "python3.12")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python3").symlink_to(target)
    [only] = find_python_candidates(discovery_env(tmp_path, tmp_path / "bin"))
    assert (only.path, only.version_hint) == (str(tmp_path / "bin" / "python3"), (3, 12))


@POSIX_ONLY
def test_pyenv_candidates_take_the_full_version_from_the_directory_name(tmp_path: Path) -> None:
    versions = tmp_path / "pyenv" / "versions"
    fake_executable(versions / "3.12.1" / "bin" / "python3.12")
    fake_executable(versions / "3.12.1" / "bin" / "python3.12-config")
    fake_executable(versions / "2.7.18" / "bin" / "python2.7")
    fake_executable(versions / "team-env" / "bin" / "python3.11")
    fake_executable(versions / "pypy3.10-7.3.12" / "bin" / "python3.10")
    candidates = find_python_candidates(discovery_env(tmp_path))
    assert [(Path(c.path).relative_to(versions).as_posix(), c.source, c.version_hint) for c in candidates] == [
        ("2.7.18/bin/python2.7", "pyenv", (2, 7, 18)),
        ("3.12.1/bin/python3.12", "pyenv", (3, 12, 1)),
        ("pypy3.10-7.3.12/bin/python3.10", "pyenv", (3, 10)),
        ("team-env/bin/python3.11", "pyenv", (3, 11)),
    ]


@POSIX_ONLY
def test_uv_candidates_keep_minor_version_links_and_find_free_threaded_builds(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    uv_python = data_home / "uv" / "python"
    fake_executable(uv_python / "cpython-3.12.1-linux-x86_64-gnu" / "bin" / "python3.12")
    (uv_python / "cpython-3.12-linux-x86_64-gnu").symlink_to("cpython-3.12.1-linux-x86_64-gnu")
    fake_executable(uv_python / "cpython-3.13.0+freethreaded-linux-x86_64-gnu" / "bin" / "python3.13t")
    fake_executable(uv_python / ".cache" / "bin" / "python3")
    (uv_python / ".lock").write_text("")
    env = discovery_env(tmp_path, XDG_DATA_HOME=str(data_home))
    del env["UV_PYTHON_INSTALL_DIR"]
    assert [(Path(c.path).relative_to(uv_python).as_posix(), c.source, c.version_hint) for c in find_python_candidates(env)] == [
        ("cpython-3.12-linux-x86_64-gnu/bin/python3.12", "uv-managed", (3, 12)),
        ("cpython-3.13.0+freethreaded-linux-x86_64-gnu/bin/python3.13t", "uv-managed", (3, 13, 0)),
    ]


def test_py_launcher_listing_in_both_formats() -> None:
    output = (
        " -V:3.13t         C:\\Python313\\python3.13t.exe\n"
        " -V:3.12 *        C:\\Program Files\\Python312\\python.exe\n"
        " -V:ContinuumAnalytics/Anaconda39-64 C:\\Anaconda3\\python.exe\n"
        "Installed Pythons found by py Launcher for Windows\n"
        " -3.9-64        C:\\Python39\\python.exe *\n"
    )
    assert [(c.path, c.source, c.version_hint) for c in parse_py_list_paths(output)] == [
        ("C:\\Python313\\python3.13t.exe", "py launcher", (3, 13)),
        ("C:\\Program Files\\Python312\\python.exe", "py launcher", (3, 12)),
        ("C:\\Anaconda3\\python.exe", "py launcher", None),
        ("C:\\Python39\\python.exe", "py launcher", (3, 9)),
    ]


# --------------------------------------------------------------------------------------
# real interpreters from this machine's pyenv


def path_of_links(directory: Path, *minors: str) -> Path:
    """A PATH directory of ``python3.X`` symlinks to real interpreters."""
    directory.mkdir(parents=True, exist_ok=True)
    for minor in minors:
        (directory / f"python{minor}").symlink_to(real_python(minor))
    return directory


@POSIX_ONLY
def test_probe_reads_a_real_interpreter() -> None:
    path = real_python("3.13")
    python = probe_python(PythonCandidate(str(path), "pyenv", None))
    assert python is not None
    assert python.version[:2] == (3, 13)
    assert (python.implementation, python.free_threaded, python.path) == ("cpython", False, str(path))


@POSIX_ONLY
def test_probe_refuses_python2_and_missing_files(tmp_path: Path) -> None:
    assert probe_python(PythonCandidate(str(real_python("2.7")), "pyenv", None)) is None
    assert probe_python(PythonCandidate(str(tmp_path / "python3"), "PATH", None)) is None


@POSIX_ONLY
def test_real_requires_python_312_picks_the_newest_on_path(tmp_path: Path) -> None:
    bin_directory = path_of_links(tmp_path / "bin", "3.9", "3.10", "3.11", "3.12", "3.13")
    request = make_request(">=3.12")
    chosen = choose_among(request, None, find_python_candidates(discovery_env(tmp_path, bin_directory)), probe_python)
    assert chosen.python.version[:2] == (3, 13)
    assert chosen.path == str(bin_directory / "python3.13")
    assert chosen.reason.startswith(f"Python {chosen.python.version_text} at {bin_directory / 'python3.13'} (PATH) is the newest")


@POSIX_ONLY
def test_real_choose_python_with_the_running_interpreter(tmp_path: Path) -> None:
    bin_directory = path_of_links(tmp_path / "bin", "3.12", "3.13")
    chosen = choose_python(make_request(">=3.12"), discovery_env(tmp_path, bin_directory))
    assert chosen.python.version >= (3, 12)
    expected_source = "running interpreter" if sys.version_info >= (3, 12) else "PATH"
    assert chosen.python.source == expected_source


@POSIX_ONLY
def test_real_version_file_310_picks_310(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".python-version").write_text("3.10\n")
    request = python_request({"project": {"requires-python": ">=3.9"}}, project)
    bin_directory = path_of_links(tmp_path / "bin", "3.9", "3.10", "3.12", "3.13")
    chosen = choose_python(request, discovery_env(tmp_path, bin_directory))
    assert chosen.python.version[:2] == (3, 10)
    assert f".python-version 3.10 ({project.resolve() / '.python-version'})" in chosen.reason


@POSIX_ONLY
def test_real_pyenv_root_and_uv_install_dir_are_searched(tmp_path: Path) -> None:
    versions = tmp_path / "pyenv" / "versions"
    versions.mkdir(parents=True)
    py312 = real_python("3.12")
    (versions / py312.parent.parent.name).symlink_to(py312.parent.parent)
    (tmp_path / "uv").mkdir()
    py313 = real_python("3.13")
    uv_name = f"cpython-{py313.parent.parent.name}-linux-x86_64-gnu"
    (tmp_path / "uv" / uv_name).symlink_to(py313.parent.parent)
    env = discovery_env(tmp_path)
    from_pyenv = choose_among(make_request(None, "cpython@3.12"), None, find_python_candidates(env), probe_python)
    assert (from_pyenv.python.source, from_pyenv.python.version[:2]) == ("pyenv", (3, 12))
    from_uv = choose_among(make_request(">=3.12"), None, find_python_candidates(env), probe_python)
    assert (from_uv.python.source, from_uv.path) == ("uv-managed", str(tmp_path / "uv" / uv_name / "bin" / "python3.13"))


@POSIX_ONLY
def test_real_38_only_setup_is_a_one_line_bad_python_error(tmp_path: Path) -> None:
    py38 = real_python("3.8")
    bin_directory = tmp_path / "bin"
    bin_directory.mkdir()
    (bin_directory / "python3").symlink_to(py38)
    (tmp_path / "pyenv" / "versions").mkdir(parents=True)
    (tmp_path / "pyenv" / "versions" / py38.parent.parent.name).symlink_to(py38.parent.parent)
    env = discovery_env(tmp_path, bin_directory)
    with pytest.raises(BadPythonError) as raised:
        choose_among(make_request(">=3.10"), None, find_python_candidates(env), probe_python)
    message = str(raised.value)
    assert "\n" not in message
    # PATH's python3 and pyenv's python3.8 are one interpreter, listed once, by the version its real name tells
    assert message.startswith("no Python 3.9+ satisfies requires-python >=3.10 (pyproject.toml): "
                              f"found 3.8 (PATH {bin_directory / 'python3'}): ")
    assert message.endswith("install Python 3.10 (from python.org or your OS's packages), or pass --python with the path of one")
    # with the real running interpreter too: it is named among what was found
    if sys.version_info < (3, 13):
        running = rf"found {sys.version_info[0]}\.{sys.version_info[1]}\.\d+ \(running interpreter\)"
        with pytest.raises(BadPythonError, match=running):
            choose_python(make_request(">=3.13"), env)


@POSIX_ONLY
def test_virtualenv_cannot_seed_38_which_is_why_the_minimum_is_39(tmp_path: Path) -> None:
    py38 = real_python("3.8")
    completed = subprocess.run([sys.executable, "-m", "virtualenv", "-p", str(py38), str(tmp_path / "venv")],
                               capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert completed.returncode != 0
    assert "the oldest supported target is Python 3.9" in completed.stdout + completed.stderr
