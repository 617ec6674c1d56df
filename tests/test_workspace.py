"""``installdev bootstrap``: every venv of a workspace, in parallel, in dependency order, with a summary."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, venv_import
from wheelhouse import write_project

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

def bootstrap(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "installdev", "bootstrap", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def bootstrap_json(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict]:
    completed = bootstrap([*args, "--json"], env)
    try:
        document = json.loads(completed.stdout)
    except ValueError:
        pytest.fail(f"no JSON on stdout:\n{completed.stdout}\n{completed.stderr}")
    return completed, document


def by_name(document: dict) -> dict[str, dict]:
    return {project["name"]: project for project in document["projects"]}


def workspace(root: Path, table: str, projects: dict[str, str] | None = None) -> Path:
    """``root`` with pyproject.toml holding ``table`` and a sample project per name (value: its [tool.installdev])."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(table))
    for name, tool_table in (projects or {}).items():
        write_project(root / name, name=name.replace("/", "_").replace("-", "_"), tool_table=tool_table)
    return root


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of gradle-example: libdemo, and appdemo which installs ../libdemo by path."""
    copy = tmp_path / "gradle-example"
    shutil.copytree(REPO / "gradle-example", copy, ignore=shutil.ignore_patterns("venv", "*.lock", ".gradle", "build",
                                                                                  "*.egg-info", "__pycache__"))
    root_toml = copy / "pyproject.toml"
    if not root_toml.exists() or "[tool.installdev.workspace]" not in root_toml.read_text():
        root_toml.write_text('[tool.installdev.workspace]\nprojects = ["libdemo", "appdemo"]\n\n'
                                             '[tool.installdev.workspace.overrides.appdemo]\n'
                                             'requirements = ["requirements-dev.txt"]\n')
    return copy


@pytest.mark.slow
def test_gradle_example_in_dependency_order_then_up_to_date(example: Path, offline_env: dict[str, str]) -> None:
    completed = bootstrap([str(example)], offline_env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stderr
    assert "appdemo is built after libdemo (installs it by path)" in out
    header = next(line for line in out.splitlines() if line.startswith("project"))
    assert header.split() == ["project", "result", "mode", "and", "why", "interpreter", "time"]
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("libdemo ", "appdemo "))}
    assert "built" in rows["libdemo"] and "symlinks: symlinks work in" in rows["appdemo"], out
    assert f". {example}/appdemo/venv/bin/activate" in out
    assert venv_import(example / "appdemo" / "venv", "import appdemo, libdemo").returncode == 0

    again, document = bootstrap_json([str(example)], offline_env)
    assert again.returncode == 0 and document["exit_code"] == 0, again.stderr
    projects = by_name(document)
    assert [projects[name]["result"] for name in ("libdemo", "appdemo")] == ["up to date", "up to date"]
    assert projects["appdemo"]["depends_on"] == ["libdemo"] and projects["libdemo"]["depends_on"] == []
    assert projects["appdemo"]["venv"] == str(example / "appdemo" / "venv")
    assert projects["appdemo"]["mode"] == "symlinks" and projects["appdemo"]["python_version"]
    assert "up to date" in again.stderr  # the table goes to stderr with --json

    forced, document = bootstrap_json([str(example), "--force"], offline_env)
    assert forced.returncode == 0, forced.stderr
    projects = by_name(document)
    assert projects["appdemo"]["started"] >= projects["libdemo"]["finished"]  # waited although 2 workers were free
    assert all(project["result"] == "built" for project in projects.values())


@pytest.mark.slow
def test_independent_projects_build_in_parallel_and_jobs_bounds_it(tmp_path: Path, offline_env: dict[str, str]) -> None:
    root = workspace(tmp_path / "ws", """\
        [tool.installdev.workspace]
        projects = ["libs/*", "apps/app"]
        exclude = ["libs/skipped"]
        [tool.installdev.workspace.overrides."apps/app"]
        venv = ".venv"
        no-default-groups = true
        """, {"libs/one": "", "libs/two": "", "libs/skipped": "", "apps/app": ""})
    completed, document = bootstrap_json([str(root), "--jobs", "3"], offline_env)
    assert completed.returncode == 0, completed.stderr
    projects = by_name(document)
    assert sorted(projects) == ["apps/app", "libs/one", "libs/two"]
    assert document["jobs"] == 3
    intervals = [(project["started"], project["finished"]) for project in projects.values()]
    # all three ran at once: each started before any of them finished
    assert max(start for start, _ in intervals) < min(end for _, end in intervals), intervals
    assert projects["apps/app"]["venv"] == str(root / "apps" / "app" / ".venv")
    assert venv_import(root / "apps" / "app" / ".venv", "import devtool").returncode != 0  # no-default-groups override
    assert venv_import(root / "libs" / "one" / "venv", "import devtool, libs_one").returncode == 0

    serial, document = bootstrap_json([str(root), "--jobs", "1", "--force", "--only", "libs/*"], offline_env)
    assert serial.returncode == 0, serial.stderr
    runs = sorted((project["started"], project["finished"]) for project in document["projects"])
    assert [project["name"] for project in document["projects"]] == ["libs/one", "libs/two"]
    assert runs[1][0] >= runs[0][1], runs  # one at a time


@pytest.mark.slow
def test_failures_finish_the_others_and_fail_fast_stops(tmp_path: Path, offline_env: dict[str, str]) -> None:
    root = workspace(tmp_path / "ws", """\
        [tool.installdev.workspace]
        projects = ["a-broken", "b-ok", "c-nopython"]
        [tool.installdev.workspace.overrides.c-nopython]
        python = "python2.0-installdev-missing"
        """, {"a-broken": 'requirements = ["requirements-missing.txt"]', "b-ok": "", "c-nopython": ""})
    completed = bootstrap([str(root), "--jobs", "1"], offline_env)
    assert completed.returncode == 6, completed.stdout + completed.stderr  # the first failure: a missing requirement file
    assert "a-broken failed (exit 6); its output:" in completed.stderr
    assert "requirements-missing.txt does not exist" in completed.stderr
    assert "c-nopython failed (exit 9)" in completed.stderr
    rows = {line.split()[0]: line for line in completed.stderr.splitlines() if line.startswith(("a-", "b-", "c-"))}
    assert rows["a-broken"].split()[1] == "failed" and rows["b-ok"].split()[1] == "built"
    assert rows["c-nopython"].split()[1] == "failed" and "is not on PATH" in rows["c-nopython"]

    fast, document = bootstrap_json([str(root), "--jobs", "1", "--fail-fast", "--force"], offline_env)
    assert fast.returncode == 6 and document["exit_code"] == 6
    results = {name: project["result"] for name, project in by_name(document).items()}
    assert results == {"a-broken": "failed", "b-ok": "skipped", "c-nopython": "skipped"}


@pytest.mark.parametrize(("table", "message"), [
    ('projects = ["p"]\nparallel = 2', "unknown [tool.installdev.workspace] key 'parallel'"),
    ('projects = "p"', "projects must be a list of project paths or globs"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.q]\nvenv = "v"', "names no workspace project"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.p]\nvenvs = "v"', "unknown [tool.installdev] key 'venvs'"),
    ('projects = ["p"]\n[tool.installdev.workspace.overrides.p]\nextras = [1]', "extras must be a list of extra names"),
    ('projects = ["libs/*"]', "'libs/*' matches no directory"),
    ('projects = ["../p"]', "leaves the workspace root"),
    ('projects = []', "needs projects = [...]"),
    ('projects = ["p"]\njobs = 0', "jobs must be a positive number"),
])
def test_workspace_table_is_validated_strictly(tmp_path: Path, offline_env: dict[str, str], table: str, message: str) -> None:
    root = workspace(tmp_path / "ws", "[tool.installdev.workspace]\n" + table + "\n", {"p": ""})
    completed = bootstrap([str(root)], offline_env)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stderr.startswith("installdev: error: ") and message in completed.stderr, completed.stderr
    assert not (root / "p" / "venv").exists()


def test_usage_errors_and_installdev_toml(tmp_path: Path, offline_env: dict[str, str]) -> None:
    root = tmp_path / "ws"
    write_project(root / "p", name="p")
    missing = bootstrap([str(root)], offline_env)
    assert missing.returncode == 6 and "declares no workspace" in missing.stderr
    (root / "installdev.toml").write_text('[tool.installdev.workspace]\nprojects = ["p"]\n')
    only = bootstrap([str(root), "--only", "nothing*"], offline_env)
    assert only.returncode == 2 and "--only nothing* matches no workspace project; projects: p" in only.stderr
    (root / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["p"]\n')
    both = bootstrap([str(root)], offline_env)
    assert both.returncode == 2 and "keep one" in both.stderr
    jobs = bootstrap([str(root), "--jobs", "0"], offline_env)
    assert jobs.returncode == 2 and "--jobs" in jobs.stderr


def test_path_dependencies_are_found(tmp_path: Path) -> None:
    from installdev.request.settings.options import Options
    from installdev.workspace.config import load_workspace
    from installdev.workspace.graph import path_dependencies
    from installdev.workspace.members import member_settings

    root = workspace(tmp_path / "ws", """\
        [tool.installdev.workspace]
        projects = ["lib", "tool", "app"]
        [tool.installdev.workspace.overrides.app]
        requirements = ["requirements.txt"]
        """, {"lib": "", "tool": "", "app": ""})
    (root / "app" / "requirements.txt").write_text("-r more.txt\nreqtool==1.0\n")
    (root / "app" / "more.txt").write_text("--editable=../lib[dev]  # the library\n")
    pyproject = root / "tool" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("dependencies = []", 'dependencies = ["lib @ file:../lib"]'))
    ws = load_workspace(root)
    found = {member.name: path_dependencies(member_settings(member, Options(), {})) for member in ws.projects}
    assert found == {"lib": set(), "tool": {root / "lib"}, "app": {root / "lib"}}


def test_an_up_to_date_workspace_is_answered_by_one_quick_record(tmp_path: Path, offline_env: dict[str, str]) -> None:
    root = workspace(tmp_path / "ws", '[tool.installdev.workspace]\nprojects = ["libs/*"]\n',
                     {"libs/one": "", "libs/two": "", "libs/three": ""})
    args = [str(root), "--installer", "uv"]
    assert bootstrap(args, offline_env).returncode == 0
    console_script = "import sys; from installdev.cli import main; sys.exit(main())"
    quick = subprocess.run([sys.executable, "-X", "importtime", "-c", console_script, "bootstrap", *args], env=offline_env,
                           capture_output=True, text=True, timeout=120)
    assert quick.returncode == 0 and f"bootstrap {root}: all 3 venvs are up to date" in quick.stderr, quick.stderr
    assert "installdev.workspace" not in quick.stderr, "one record answered for the whole workspace"

    pyproject = root / "libs" / "two" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# changed\n")
    changed = bootstrap(args, offline_env)
    assert changed.returncode == 0 and "all 3 venvs are up to date" not in changed.stderr
    assert "libs/two" in changed.stderr and "built" in changed.stderr, changed.stderr

    write_project(root / "libs" / "four", name="four")  # a project that appears is part of the workspace at once
    grown = bootstrap(args, offline_env)
    assert grown.returncode == 0 and "libs/four" in grown.stderr, grown.stderr
    assert (root / "libs" / "four" / "venv" / ".installdev-stamp.json").is_file()
