"""install-dev end to end: real virtualenv, real pip, offline from wheels built in this session."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import run_installdev, venv_import
from wheelhouse import write_project

pytestmark = pytest.mark.e2e


def stamp_of(venv: Path) -> dict:
    return json.loads((venv / ".installdev-stamp.json").read_text())


def test_first_build_then_noop(project, offline_env):
    first = run_installdev(["install-dev", str(project), "--installer", "pip"], offline_env)
    assert first.returncode == 0, first.stdout + first.stderr
    venv = project / "venv"
    assert "building" in first.stderr and "ready in" in first.stderr
    assert f"(installed with pip): . {venv}/bin/activate" in first.stderr  # absolute: the venv is not below the cwd
    check = venv_import(venv, "import setuptools, pip, sampleproj, devtool; print(sampleproj.__file__)")
    assert check.returncode == 0, check.stderr
    assert str(project / "src" / "sampleproj") in check.stdout  # editable: the source tree itself
    assert stamp_of(venv)["decision"]["mode"] == "symlinks"
    assert (venv / "bin" / "python").is_symlink()
    assert not (project / "venv.lock").exists(), "a finished build leaves nothing beside the venv"
    console_script = "import sys; from installdev.cli import main; sys.exit(main())"  # what `installdev` runs
    second = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", console_script, "install-dev", str(project), "--installer", "pip"],
        env=offline_env, capture_output=True, text=True, timeout=60,
    )
    assert second.returncode == 0
    assert "is up to date (symlinks)" in second.stderr
    imported = {line.split("|")[-1].strip() for line in second.stderr.splitlines() if line.startswith("import time")}
    assert "installdev.quickcheck" in imported  # the import log is real: the quick record answered
    startup = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"], env=offline_env, capture_output=True,
                             text=True, timeout=60).stderr
    baseline = {line.split("|")[-1].strip() for line in startup.splitlines() if line.startswith("import time")}
    assert imported - baseline <= {"installdev", "installdev.cli", "installdev.quickcheck", "installdev.environment",
                                   "marshal", "zlib", "_sha2", "_sha256"}, imported - baseline
    assert not (project / "venv.lock").exists(), "the no-op path must not take the lock"


@pytest.mark.slow
def test_rebuild_triggers(project, offline_env):
    venv = project / "venv"
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0

    def rebuilds(reason: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        result = run_installdev(["install-dev", str(project), *args], env or offline_env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"building {venv}" in result.stderr and reason in result.stderr, result.stderr
        return result

    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# a comment changes the hash\n")
    rebuilds("pyproject.toml changed")

    (project / "setup.cfg").write_text("[metadata]\n")
    rebuilds("setup.cfg is new")

    pyproject.write_text(pyproject.read_text().replace('dev = ["devtool"]', 'dev = ["devtool"]\ntest = ["testtool"]'))
    rebuilds("pyproject.toml changed")
    rebuilds("selection changed (the project's default -> --extra dev --extra test)", "--extra", "dev,test")
    assert venv_import(venv, "import testtool").returncode == 0

    rebuilds("mode request changed (automatic -> copies, asked by INSTALLDEV_VENV_USE_COPIES=true)", "--extra", "dev,test",
             env={**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"})
    assert not (venv / "bin" / "python").is_symlink()
    assert stamp_of(venv)["decision"] == {"mode": "copies", "reasons": ["asked by INSTALLDEV_VENV_USE_COPIES=true"]}

    (venv / ".installdev-stamp.json").unlink()
    rebuilds("no valid stamp", "--extra", "dev,test", env={**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"})

    # the base interpreter vanished: bin/python is a dangling link
    python = venv / "bin" / "python"
    python.unlink()
    python.symlink_to(project / "no-such-python")
    rebuilds("dangling link", "--extra", "dev,test", env={**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"})
    assert venv_import(venv, "import sampleproj").returncode == 0

    rebuilds("--force", "--extra", "dev,test", "--force", env={**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"})
    assert not list(project.glob("*.installdev-previous")), "a finished rebuild leaves nothing aside"


def test_datahub_style_flag_gives_copies(project, offline_env):
    env = {**offline_env, "INSTALLDEV_FLAG_PREFIX": "DATAHUB", "DATAHUB_VENV_USE_COPIES": "true"}
    result = run_installdev(["install-dev", str(project)], env)
    assert result.returncode == 0, result.stdout + result.stderr
    python = project / "venv" / "bin" / "python"
    assert python.is_file() and not python.is_symlink()
    assert "asked by DATAHUB_VENV_USE_COPIES=true" in result.stderr
    assert venv_import(project / "venv", "import sampleproj, devtool").returncode == 0


@pytest.mark.parametrize(("env", "args", "fragment"), [
    ({"INSTALLDEV_FLAG_PREFIX": "DATAHUB", "DATAHUB_VENV_USE_COPIES": "maybe"}, [], "DATAHUB_VENV_USE_COPIES='maybe'"),
    ({"INSTALLDEV_VENV_USE_COPIES": "ture"}, [], "INSTALLDEV_VENV_USE_COPIES='ture'"),
    ({"VIRTUALENV_COPIES": "sure"}, [], "VIRTUALENV_COPIES='sure'"),
    ({"INSTALLDEV_FLAG_PREFIX": "data-hub"}, [], "not a valid variable prefix"),
    ({}, ["--copies", "--symlinks"], "not allowed with argument"),
    ({}, ["--lock-timeout", "soon"], "invalid float value"),
    ({}, ["--no-such-option"], "unrecognized arguments"),
])
def test_bad_flags_exit_2_and_create_nothing(project, offline_env, env, args, fragment):
    result = run_installdev(["install-dev", str(project), *args], {**offline_env, **env})
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, "one line"
    assert not (project / "venv").exists()


@pytest.mark.slow
def test_requirements_constraints_and_nested_includes(project, offline_env):
    (project / "requirements-dev.txt").write_text("-r requirements-common.txt\n")
    (project / "requirements-common.txt").write_text("reqtool\n")
    (project / "constraints.txt").write_text("reqtool==1.0\n")
    args = ["install-dev", str(project), "-r", str(project / "requirements-dev.txt"),
            "-c", str(project / "constraints.txt")]
    assert run_installdev(args, offline_env).returncode == 0
    version = venv_import(project / "venv", "import reqtool; print(reqtool.VERSION)")
    assert version.stdout.strip() == "1.0"

    (project / "constraints.txt").write_text("reqtool==2.0\n")
    result = run_installdev(args, offline_env)
    assert "constraints.txt changed" in result.stderr
    assert venv_import(project / "venv", "import reqtool; print(reqtool.VERSION)").stdout.strip() == "2.0"

    (project / "requirements-common.txt").write_text("reqtool\ntesttool\n")
    result = run_installdev(args, offline_env)
    assert "requirements-common.txt changed" in result.stderr, "an included file is an input too"
    assert venv_import(project / "venv", "import testtool").returncode == 0


@pytest.mark.slow
def test_settings_from_pyproject_and_cli_precedence(tmp_path, offline_env):
    project = write_project(tmp_path / "proj", extras={"dev": ["devtool"], "test": ["testtool"]},
                            tool_table='venv = ".venv-dev"\nextras = ["test"]\nflag-prefix = "ACME"')
    env = {**offline_env, "ACME_VENV_USE_COPIES": "yes"}
    result = run_installdev(["install-dev", str(project)], env)
    assert result.returncode == 0, result.stdout + result.stderr
    venv = project / ".venv-dev"
    assert venv_import(venv, "import testtool").returncode == 0
    assert venv_import(venv, "import devtool").returncode == 0, "the table's extras add to the default dev extra"
    assert not (venv / "bin" / "python").is_symlink()

    result = run_installdev(["install-dev", str(project), "--no-dev", "--extra", "test", "--flag-prefix", "OTHER"], env)
    assert result.returncode == 0
    assert venv_import(venv, "import devtool").returncode != 0
    assert venv_import(venv, "import testtool").returncode == 0
    assert (venv / "bin" / "python").is_symlink()


@pytest.mark.slow
def test_extras_none_installs_just_the_project(project, offline_env):
    result = run_installdev(["install-dev", str(project), "--no-default-groups"], offline_env)
    assert result.returncode == 0
    assert venv_import(project / "venv", "import sampleproj").returncode == 0
    assert venv_import(project / "venv", "import devtool").returncode != 0


def test_failed_rebuild_keeps_the_previous_venv(project, offline_env):
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    before = stamp_of(project / "venv")
    (project / "requirements.txt").write_text("no-such-package-anywhere\n")
    result = run_installdev(["install-dev", str(project), "-r", str(project / "requirements.txt")], offline_env)
    assert result.returncode == 5
    assert "pip install failed" in result.stderr and "previous venv is still in place" in result.stderr
    assert stamp_of(project / "venv") == before
    assert venv_import(project / "venv", "import sampleproj, devtool").returncode == 0
    assert not list(project.glob("*.installdev-previous"))


@pytest.mark.slow
def test_failed_first_build_leaves_nothing(project, offline_env):
    (project / "requirements.txt").write_text("no-such-package-anywhere\n")
    result = run_installdev(["install-dev", str(project), "-r", str(project / "requirements.txt")], offline_env)
    assert result.returncode == 5
    assert not (project / "venv").exists()


@pytest.mark.slow
def test_two_concurrent_runs_build_once(project, offline_env):
    results: list[subprocess.CompletedProcess] = []

    def run() -> None:
        results.append(run_installdev(["install-dev", str(project)], offline_env))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
    outputs = [r.stderr for r in results]
    assert sum("ready in" in out for out in outputs) == 1, outputs
    waiter = next(out for out in outputs if "ready in" not in out)
    assert "just built by another process" in waiter or "is up to date" in waiter


@pytest.mark.slow
@pytest.mark.parametrize("name", ["with space", "ñandú-ünïcode"])
def test_paths_with_spaces_and_non_ascii(tmp_path, offline_env, name):
    project = write_project(tmp_path / name)
    result = run_installdev(["install-dev", str(project), "--venv", str(tmp_path / f"{name} env")], offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert venv_import(tmp_path / f"{name} env", "import sampleproj, devtool").returncode == 0


@pytest.mark.slow
def test_clean_venv_removes_only_what_installdev_made(project, offline_env):
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    result = run_installdev(["clean-venv", str(project)], offline_env)
    assert result.returncode == 0 and "removed" in result.stderr
    assert not (project / "venv").exists()
    assert run_installdev(["clean-venv", str(project)], offline_env).stderr.startswith("installdev: nothing to remove")

    foreign = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(foreign)], check=True)
    result = run_installdev(["clean-venv", str(project)], offline_env)
    assert result.returncode == 7 and "did not make" in result.stderr
    assert (foreign / "pyvenv.cfg").exists()


def test_json_result_and_malformed_stamp_rebuilds(tmp_path, offline_env):
    project = write_project(tmp_path / "my proj")
    venv = project / "venv"
    first = run_installdev(["install-dev", "--json", "my proj"], offline_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    document = json.loads(first.stdout)  # stdout is the document alone; progress went to stderr
    assert "installdev: building" in first.stderr
    assert document["schema"] == 1 and document["result"] == "built" and document["exit_code"] == 0
    assert document["venv"] == str(venv) and document["mode"] == "symlinks"
    assert document["activate"] == ". 'my proj/venv/bin/activate'"  # relative to the cwd, quoted for the shell
    assert document["changes"] == ["no venv yet"] and document["python_version"].count(".") == 2

    again = json.loads(run_installdev(["install-dev", "--json", str(project)], offline_env).stdout)
    assert again["result"] == "up to date" and again["changes"] == []

    stamp = stamp_of(venv)
    stamp["inputs"] = "x"
    (venv / ".installdev-stamp.json").write_text(json.dumps(stamp))
    rebuilt = run_installdev(["install-dev", "--json", str(project)], offline_env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["result"] == "rebuilt"
    assert f"building {venv}: it has no valid stamp (the stamp is invalid: inputs is not a dict)" in rebuilt.stderr

    failed = run_installdev(["install-dev", "--json", str(project), "--extra", "nope"], offline_env)
    assert failed.returncode == 6
    failure = json.loads(failed.stdout)
    assert failure["result"] == "failed" and failure["exit_code"] == 6 and "declares no extra nope" in failure["error"]
    assert failed.stderr.strip().splitlines() == [f"installdev: error: {failure['error']}"]
