"""The bootstrap scheduler with a stand-in for install_dev: order, the jobs bound, --fail-fast, cycles, exit codes."""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from pathlib import Path

import pytest
from installdev.errors import ProjectError
from installdev.report import NORMAL, QUIET
from installdev.request.settings.options import Options
from installdev.result import InstallResult, Outcome
from installdev.vocabulary import LinkMode
from installdev.workspace import run as bootstrap
from installdev.workspace.run import BootstrapRequest, run_bootstrap


class FakeInstallDev:
    """Records when each project's build ran; fails the ``failing`` ones, raises a bug in the ``buggy`` ones."""

    def __init__(self, failing: tuple[str, ...] = (), buggy: tuple[str, ...] = ()) -> None:
        self.failing, self.buggy = failing, buggy
        self.intervals: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, settings, reporter) -> InstallResult:
        name = settings.project.directory.name
        started = time.monotonic()
        reporter.info(f"building {name}")
        time.sleep(0.05)
        with self._lock:
            self.intervals[name] = (started, time.monotonic())
        if name in self.failing:
            raise ProjectError(f"{name} is broken")
        if name in self.buggy:
            raise KeyError(name)
        return InstallResult(Outcome.BUILT, settings.project.directory, settings.venv, LinkMode.SYMLINKS, ("fake",),
                             sys.executable, "3.12.0", "pip", 0.05)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeInstallDev:
    stand_in = FakeInstallDev()
    monkeypatch.setattr(bootstrap, "install_dev", stand_in)
    return stand_in


def make_workspace(root: Path, projects: dict[str, str]) -> Path:
    """``root`` listing ``projects`` (name -> the requirement lines it installs) in that order."""
    listed = ", ".join(f'"{name}"' for name in projects)
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(f"[tool.installdev.workspace]\nprojects = [{listed}]\n")
    for name, requirements in projects.items():
        (root / name).mkdir()
        (root / name / "requirements.txt").write_text(requirements)
        (root / name / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\n[tool.installdev]\nrequirements = ["requirements.txt"]\nextras = []\n')
    return root


def run_json(root: Path, capsys: pytest.CaptureFixture, **request) -> tuple[int, dict, str]:
    exit_code = run_bootstrap(BootstrapRequest(root=str(root), options=Options(), as_json=True,
                                               **{"verbosity": QUIET, **request}))
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["schema"] == 1 and document["exit_code"] == exit_code
    return exit_code, {project["name"]: project for project in document["projects"]}, err


def test_a_project_waits_for_the_one_it_installs_by_path(tmp_path: Path, fake: FakeInstallDev, capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"app": "-e ../lib\n", "lib": "", "other": ""})

    exit_code, projects, _ = run_json(root, capsys, jobs=3)

    assert exit_code == 0
    assert fake.intervals["app"][0] >= fake.intervals["lib"][1]
    assert fake.intervals["other"][0] < fake.intervals["lib"][1]  # the free worker was used meanwhile
    assert projects["app"]["depends_on"] == ["lib"] and projects["app"]["started"] >= projects["lib"]["finished"]
    assert [project["result"] for project in projects.values()] == ["built"] * 3
    assert "installdev: building app" in projects["app"]["log"]


def test_jobs_bounds_the_builds_at_once(tmp_path: Path, fake: FakeInstallDev, capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"a": "", "b": "", "c": ""})

    run_json(root, capsys, jobs=1)

    starts_and_ends = sorted(fake.intervals.values())
    assert all(later[0] >= earlier[1] for earlier, later in itertools.pairwise(starts_and_ends))


def test_a_cycle_is_built_in_any_order_with_a_warning(tmp_path: Path, fake: FakeInstallDev, capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"a": "-e ../b\n", "b": "../a\n", "c": "-e ../a\n"})

    exit_code, projects, err = run_json(root, capsys, jobs=2)

    assert exit_code == 0 and sorted(fake.intervals) == ["a", "b", "c"]
    assert "installdev: warning: projects a, b, c install each other by path; building them in any order" in err
    assert [projects[name]["depends_on"] for name in "abc"] == [["b"], ["a"], ["a"]]


def test_failures_let_the_others_finish_and_the_first_one_sets_the_exit_code(tmp_path: Path, fake: FakeInstallDev,
                                                                              capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"a": "", "b": "", "c": ""})
    fake.failing, fake.buggy = ("a",), ("b",)

    exit_code, projects, err = run_json(root, capsys, jobs=1)

    assert exit_code == 6
    assert [(projects[name]["result"], projects[name]["exit_code"]) for name in "abc"] == [
        ("failed", 6), ("failed", 1), ("built", 0)]
    assert projects["b"]["error"] == "internal error: KeyError: 'b'" and "Traceback" in projects["b"]["log"]
    assert "installdev: a failed (exit 6); its output:\n    installdev: building a\n" in err
    assert "    installdev: error: a is broken\n" in err
    assert "installdev: b failed (exit 1); its output:" in err
    assert "\nproject  result  mode and why" in err  # failures show the table even when quiet


def test_fail_fast_skips_what_has_not_started(tmp_path: Path, fake: FakeInstallDev, capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"a": "", "b": "", "c": ""})
    fake.failing = ("a",)

    exit_code, projects, _ = run_json(root, capsys, jobs=1, fail_fast=True)

    assert exit_code == 6 and list(fake.intervals) == ["a"]
    assert [projects[name]["result"] for name in "abc"] == ["failed", "skipped", "skipped"]
    assert projects["b"]["error"] == "not started (--fail-fast)" and projects["b"]["started"] is None


def test_unreadable_settings_fail_before_any_build(tmp_path: Path, fake: FakeInstallDev, capsys) -> None:
    root = make_workspace(tmp_path / "ws", {"a": "", "b": ""})
    (root / "b" / "pyproject.toml").write_text('[project]\nname = "b"\n[tool.installdev]\nvenvs = "env"\n')

    exit_code, projects, _ = run_json(root, capsys)
    assert exit_code == 2 and list(fake.intervals) == ["a"]
    assert projects["b"]["result"] == "failed" and "unknown [tool.installdev] key 'venvs'" in projects["b"]["error"]

    fast_exit_code, projects, _ = run_json(root, capsys, fail_fast=True)
    assert fast_exit_code == 2 and projects["a"]["result"] == "skipped"


def test_the_normal_output(tmp_path: Path, fake: FakeInstallDev, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_workspace(tmp_path / "ws", {"app": "-e ../lib\n", "lib": ""})
    monkeypatch.chdir(root)

    assert run_bootstrap(BootstrapRequest(root=str(root), options=Options(), jobs=2, verbosity=NORMAL)) == 0

    out, err = capsys.readouterr()
    assert out == ""  # progress, the table and the activate lines go to stderr: stdout is for --json alone
    lines = err.splitlines()
    assert lines[:2] == [f"installdev: bootstrap {root}: 2 project(s) from the [tool.installdev.workspace] of "
                         f"{root / 'pyproject.toml'}, up to 2 at a time",
                         "installdev: app is built after lib (installs it by path)"]
    assert [re.sub(r"\d+\.\ds", "Ns", line) for line in lines[2:6]] == [
        "installdev: lib: started", "installdev: lib: built in Ns (symlinks)",
        "installdev: app: started", "installdev: app: built in Ns (symlinks)"]
    assert lines[-3:] == ["installdev: activate a venv with:", "    . app/venv/bin/activate    # app",
                          "    . lib/venv/bin/activate    # lib"]
