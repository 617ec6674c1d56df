"""`installdev inputs`: what a venv depends on, as Gradle and Make declare it (the real command, no venv built)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_installdev
from installdev import __file__ as installdev_init
from installdev.actions.inputs import VenvInputs, to_make
from installdev.environment import INSTALL_VARIABLES
from installdev.request.project.requirements import local_directories
from wheelhouse import write_project


@pytest.fixture
def declared(tmp_path: Path) -> Path:
    """A project whose inputs reach every kind: [tool.installdev] requirements including others with -r and -c, a
    conventional requirement file, a .python-version, a lock file; the repository root holds .git."""
    (tmp_path / ".git").mkdir()
    project = write_project(tmp_path / "proj", tool_table='requirements = ["reqs/dev.txt"]\nflag-prefix = "DATAHUB"')
    (project / "reqs").mkdir()
    (project / "reqs" / "dev.txt").write_text("-r base.txt\n--constraint ../constraints.txt  # pinned\ndevtool\n")
    (project / "reqs" / "base.txt").write_text("testtool\n")
    (project / "constraints.txt").write_text("devtool==1.0\n")
    (project / "requirements-dev.txt").write_text("reqtool\n")
    (tmp_path / ".python-version").write_text("3.11\n")
    (project / "uv.lock").write_text("version = 1\n")
    return project


def inputs_of(project: Path, env: dict[str, str], *args: str) -> dict:
    listed = run_installdev(["inputs", str(project), *args], env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr == ""
    return json.loads(listed.stdout)


def test_json_lists_every_input_file_the_absent_candidates_and_the_variables(declared, offline_env, tmp_path):
    venv = tmp_path / "elsewhere" / "venv"
    document = inputs_of(declared, offline_env, "--venv", str(venv))
    assert document["schema"] == 1
    assert (document["project"], document["venv"]) == (str(declared), str(venv))
    assert (document["stamp"], document["python"]) == (str(venv / ".installdev-stamp.json"), str(venv / "bin" / "python"))
    assert sorted(document["files"]) == sorted(str(path) for path in (
        declared / "pyproject.toml", declared / "requirements-dev.txt", tmp_path / ".python-version",
        declared / "reqs" / "dev.txt", declared / "reqs" / "base.txt", declared / "constraints.txt",
        declared / "uv.lock", Path(installdev_init),
    ))
    absent = {Path(path) for path in document["absent"]}
    assert {declared / "setup.py", declared / "setup.cfg", declared / "dev-requirements.txt", declared / "poetry.lock",
            declared / "pylock.toml", declared / ".python-version"} <= absent
    assert not any(path.exists() for path in absent)
    assert tmp_path.parent / ".python-version" not in absent  # the search stops at the .python-version found
    # The copies flags for the effective prefix (from [tool.installdev]), and what changes what pip or uv installs.
    assert document["variables"][:3] == ["INSTALLDEV_FLAG_PREFIX", "DATAHUB_VENV_USE_COPIES", "INSTALLDEV_VENV_USE_COPIES"]
    assert set(INSTALL_VARIABLES) <= set(document["variables"])
    assert document["variable_patterns"] == ["INSTALLDEV_*", "VIRTUALENV_*", "*_VENV_USE_COPIES"]


def test_lines_and_output_file(declared, offline_env, tmp_path):
    lines = run_installdev(["inputs", str(declared), "--format", "lines"], offline_env)
    assert lines.returncode == 0, lines.stderr
    assert lines.stdout.splitlines() == inputs_of(declared, offline_env)["files"]

    output = tmp_path / "new" / "dir" / "inputs.mk"
    written = run_installdev(["inputs", str(declared), "--format", "make", "--output", str(output)], offline_env)
    assert (written.returncode, written.stdout, written.stderr) == (0, "", "")
    printed = run_installdev(["inputs", str(declared), "--format", "make"], offline_env).stdout
    assert output.read_text() == printed
    assert not [path for path in output.parent.iterdir() if path != output]  # no temporary file left


def test_accepts_install_devs_options_so_a_build_can_pass_the_same(declared, offline_env):
    both = ["--lock-timeout", "30", "--force", "--copies", "-r", str(declared / "constraints.txt"), "-q"]
    assert str(declared / "constraints.txt") in inputs_of(declared, offline_env, *both)["files"]


@pytest.mark.parametrize(("args", "env_update", "code", "message"), [
    (["-r", "missing.txt"], {}, 6, "requirement file"),
    ([], {"INSTALLDEV_VENV_USE_COPIES": "maybe"}, 2, "INSTALLDEV_VENV_USE_COPIES='maybe' is not a yes/no value"),
    (["--format", "yaml"], {}, 2, "invalid choice: 'yaml'"),
])
def test_bad_input_is_one_error_line(declared, offline_env, args, env_update, code, message):
    failed = run_installdev(["inputs", str(declared), *args], dict(offline_env, **env_update), cwd=declared)
    assert failed.returncode == code
    assert failed.stdout == ""
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("installdev: error: ") and message in failed.stderr


def test_unwritable_output_is_one_error_line(declared, offline_env, tmp_path):
    (tmp_path / "file").write_text("")
    failed = run_installdev(["inputs", str(declared), "--output", str(tmp_path / "file" / "inputs.json")], offline_env)
    assert failed.returncode == 2
    assert failed.stderr.startswith("installdev: error: cannot write --output ") and failed.stderr.count("\n") == 1


def test_the_variables_regex_matches_what_env_prints_for_the_variables_that_matter(declared, offline_env, tmp_path):
    """The ERE Make feeds to `grep -E` over `env` (also Java's regex, as Gradle would use it)."""
    output = tmp_path / "inputs.mk"
    assert run_installdev(["inputs", str(declared), "--format", "make", "--output", str(output)], offline_env).returncode == 0
    (regex,) = re.findall(r"INSTALLDEV_VARIABLES_REGEX := (.*)", output.read_text())
    lines = ["INSTALLDEV_VENV_USE_COPIES=1", "DATAHUB_VENV_USE_COPIES=yes", "OTHER_VENV_USE_COPIES=0",
             "VIRTUALENV_SYMLINKS=0", "INSTALLDEV_FLAG_PREFIX=DATAHUB", "PIP_INDEX_URL=https://example.invalid",
             "UV_EXCLUDE_NEWER=2025-01-01",  # matter
             "INSTALLDEV_EMPTY=", "PATH=/usr/bin", "MY_PIP_INDEX_URL=x", "PIP_INDEX_URL_OLD=x", "XINSTALLDEV_A=1"]
    grep = shutil.which("grep")
    matched = subprocess.run([grep, "-E", regex], input="\n".join(lines) + "\n", capture_output=True, text=True,
                             timeout=30, env={"LC_ALL": "C"}).stdout.splitlines()
    assert matched == lines[:7]
    assert [line for line in lines if re.match(regex, line)] == lines[:7]


def test_make_rules_escape_what_make_would_read_as_syntax(tmp_path):
    odd = tmp_path / "a$b#c d:e"
    rules = to_make(VenvInputs(odd, odd / "venv", odd / "venv" / "stamp", odd / "venv" / "bin" / "python",
                               (odd / "pyproject.toml",), (odd / "setup.py",), ("PIP_INDEX_URL",)))
    escaped = str(tmp_path) + "/a$$b\\#c\\ d\\:e"
    assert f"{escaped}/venv/stamp: \\\n  {escaped}/pyproject.toml \\\n  {escaped}/venv/bin/python\n" in rules
    assert f"{escaped}/pyproject.toml:\n" in rules and f"$(wildcard {escaped}/setup.py)" in rules


@pytest.mark.e2e
def test_sibling_projects_the_venv_installs_are_inputs_named_before_and_recorded_after_the_build(offline_env, tmp_path):
    """A sibling named in a requirement file (``-e ../lib``, pip's path from the project directory) is an input before
    any build; one only the build reveals (a direct reference in a dependency group) once the stamp records it. Editing
    either's pyproject.toml must re-run the build step in Gradle and Make, as it makes installdev rebuild."""
    lib = write_project(tmp_path / "lib", name="lib")
    other = write_project(tmp_path / "other", name="other")
    app = write_project(tmp_path / "app", name="app", extras={}, tool_table='requirements = ["reqs/local.txt"]')
    (app / "reqs").mkdir()
    (app / "reqs" / "local.txt").write_text("-e ../lib  # from the project directory, as pip reads it\n")
    with open(app / "pyproject.toml", "a") as handle:
        handle.write(f'\n[dependency-groups]\ndev = ["other @ {other.as_uri()}"]\n')
    before = inputs_of(app, offline_env)
    assert str(lib / "pyproject.toml") in before["files"]
    assert str(other / "pyproject.toml") not in before["files"]

    built = run_installdev(["install-dev", str(app), "--installer", "uv"], offline_env)
    assert built.returncode == 0, built.stdout + built.stderr

    after = inputs_of(app, offline_env)
    assert set(after["files"]) - set(before["files"]) == {str(other / "pyproject.toml")}


def test_local_directories_are_read_as_pip_reads_requirement_lines(tmp_path):
    for name in ("lib", "sub", "spaced lib", "app/vendored"):
        (tmp_path / name).mkdir(parents=True)
    requirements = tmp_path / "app" / "reqs.txt"
    requirements.write_text("\n".join([
        "-e ../lib", "--editable=../sub", f"named @ {(tmp_path / 'spaced lib').as_uri()}",
        "./vendored[extra] ; python_version > '3'",
        "git+https://example.invalid/remote.git#egg=remote", "-e git+https://example.invalid/x.git#egg=x",
        "https://example.invalid/pkg.tar.gz", "../missing-dir", "requests>=2", "-r other.txt", "--index-url https://x",
    ]) + "\n")
    found = local_directories([requirements], tmp_path / "app")
    assert found == [tmp_path / "lib", tmp_path / "sub", tmp_path / "spaced lib", tmp_path / "app" / "vendored"]
