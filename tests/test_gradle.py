"""End to end with real Gradle (Debian's 4.4.1, the only Gradle run here), with and without its daemon.

Each test builds a copy of gradle-example/ (two Python projects, appdemo installing libdemo by path)
offline, through plugin/installdev.gradle and the entry point plugin/run_installdev.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from buildtools import (
    BUILD_TIMEOUT,
    PLUGIN_DIR,
    add_hold_check,
    copy_example,
    fake_calls,
    gradle_command,
    is_copied_python,
    require_tool,
    run_gradle,
    stamp_of,
    stop_gradle_daemons,
    task_outcomes,
    write_fake_installdev,
)
from buildtools import build_env as _build_env

pytestmark = [pytest.mark.buildtools, pytest.mark.skipif(sys.platform == "win32", reason="POSIX build scripts")]

LIB, APP = ":libdemo:installDev", ":appdemo:installDev"
STALE_DAEMON = "installdev: this Gradle daemon ran an earlier build"
STARTING_DAEMON = "Starting a Gradle Daemon"


@pytest.fixture(scope="session")
def gradle_user_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Gradle user home for the session: compiled build scripts are reused between builds."""
    return tmp_path_factory.mktemp("gradle-user-home")


@pytest.fixture
def gradle_env(offline_env: dict[str, str], tmp_path: Path, gradle_user_home: Path) -> dict[str, str]:
    require_tool("java")
    require_tool("gradle")
    env = _build_env(offline_env, tmp_path, "gradle", "java")
    env["GRADLE_USER_HOME"] = str(gradle_user_home)
    env.pop("GRADLE_OPTS", None)
    return env


@pytest.fixture
def example(tmp_path: Path) -> Path:
    example = copy_example(tmp_path / "work")
    add_hold_check(example)
    return example


def test_install_dev_up_to_date_rebuild_on_change_copies_flag_parallel_test_and_clean(example, gradle_env):
    lib_venv, app_venv = example / "libdemo" / "venv", example / "appdemo" / "venv"

    # Run from the example's directory: installdev runs there too, so its activate hint reads from there.
    first = run_gradle(example, gradle_env, "installDev", cwd=example)
    assert task_outcomes(first.stdout)[LIB] == task_outcomes(first.stdout)[APP] == "EXECUTED", first.stdout
    output = first.stdout + first.stderr
    assert ": . libdemo/venv/bin/activate" in output and ": . appdemo/venv/bin/activate" in output
    assert stamp_of(lib_venv).is_file() and stamp_of(app_venv).is_file()
    used = subprocess.run([str(app_venv / "bin" / "python"), "-m", "appdemo", "Gradle"], capture_output=True,
                          text=True, timeout=60)
    assert used.stdout.strip() == "Hello, Gradle, from libdemo 0.1.0", used.stderr
    libdemo_location = subprocess.run([str(app_venv / "bin" / "python"), "-c", "import libdemo; print(libdemo.__file__)"],
                                      capture_output=True, text=True, timeout=60).stdout.strip()
    assert Path(libdemo_location).resolve() == (example / "libdemo" / "src" / "libdemo" / "__init__.py").resolve()

    second = run_gradle(example, gradle_env, "installDev")
    assert task_outcomes(second.stdout)[LIB] == task_outcomes(second.stdout)[APP] == "UP-TO-DATE", second.stdout
    assert "installdev:" not in second.stdout  # not even started

    # `test`: pytest from each venv (the PATH offers no other pytest, and the tests import the editable projects).
    tested = run_gradle(example, gradle_env, "test")
    outcomes = task_outcomes(tested.stdout)
    assert (outcomes[":libdemo:test"], outcomes[":appdemo:test"], outcomes[LIB]) == ("EXECUTED", "EXECUTED", "UP-TO-DATE")
    assert tested.stdout.count("1 passed") == 2, tested.stdout
    held = run_gradle(example, dict(gradle_env, HOLD_CHECK_VALUE="gradle"), ":appdemo:held")
    assert "hold-check: held gradle set" in held.stdout, held.stdout  # through `installdev run`, holding the venv

    # An edit of libdemo's pyproject.toml re-runs libdemo and appdemo, whose venv installs it (its stamp lists the file,
    # and `installdev inputs` with it); --info runs installdev with -v.
    with (example / "libdemo" / "pyproject.toml").open("a") as handle:
        handle.write("# edited\n")
    edited = run_gradle(example, gradle_env, "--info", "installDev")
    outcomes = task_outcomes(edited.stdout)
    assert (outcomes[LIB], outcomes[APP]) == ("EXECUTED", "EXECUTED"), edited.stdout
    assert "installdev: running " in edited.stdout + edited.stderr  # installdev's verbose detail

    # Flipping the copies flag re-runs both (built in parallel) and yields copies.
    flagged = dict(gradle_env, INSTALLDEV_VENV_USE_COPIES="true")
    copies = run_gradle(example, flagged, "--parallel", "installDev")
    assert task_outcomes(copies.stdout)[LIB] == task_outcomes(copies.stdout)[APP] == "EXECUTED", copies.stdout
    assert is_copied_python(lib_venv) and is_copied_python(app_venv)
    assert json.loads(stamp_of(app_venv).read_text())["decision"]["mode"] == "copies"

    again = run_gradle(example, flagged, "installDev", ":libdemo:venvDoctor")
    assert task_outcomes(again.stdout)[LIB] == task_outcomes(again.stdout)[APP] == "UP-TO-DATE", again.stdout
    assert task_outcomes(again.stdout)[":libdemo:venvDoctor"] == "EXECUTED"  # `installdev doctor`, never up to date
    assert str(lib_venv) in again.stdout, again.stdout

    # `clean` depends on cleanVenv, which removes the venvs installdev made; nothing left is not an error.
    run_gradle(example, gradle_env, "clean")
    assert not lib_venv.exists() and not app_venv.exists()


def test_two_concurrent_gradle_builds_of_one_venv_both_succeed_and_build_it_once(example, gradle_env):
    command = gradle_command(example, ":libdemo:installDev")
    processes = [subprocess.Popen(command, env=gradle_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  stdin=subprocess.DEVNULL) for _ in range(2)]
    outputs = [process.communicate(timeout=BUILD_TIMEOUT)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
    builds = sum(output.count("installdev: building ") for output in outputs)
    assert builds == 1, "\n".join(outputs)
    assert stamp_of(example / "libdemo" / "venv").is_file()


def test_failing_install_fails_the_build_with_installdevs_message(example, gradle_env):
    with (example / "appdemo" / "requirements-dev.txt").open("a") as handle:
        handle.write("no-such-package-for-installdev-tests==1.0 and not a requirement\n")
    failed = run_gradle(example, gradle_env, "-q", ":appdemo:installDev", check=False)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0, output
    assert "installdev: error: pip install failed" in output
    assert "no-such-package-for-installdev-tests" in output  # pip's own reason, replayed by installdev -q
    assert "Invalid requirement" in output
    assert "installdev: building" not in output  # Gradle's --quiet ran installdev with -q
    assert "Execution failed for task ':appdemo:installDev'" in output
    assert not stamp_of(example / "appdemo" / "venv").exists()


def test_settings_inputs_from_installdev_env_flags_and_dangling_python(example, gradle_env, tmp_path):
    """With a stand-in installdev (its `inputs` is the real one): what the plugin passes, and what re-runs installDev."""
    fake = write_fake_installdev(tmp_path)
    log, lib = tmp_path / "calls.jsonl", example / "libdemo"
    # A requirement file named only in [tool.installdev], which includes another with -r.
    with (lib / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.installdev]\nrequirements = ["extra.txt"]\n')
    (lib / "extra.txt").write_text("-r more.txt\n")
    (lib / "more.txt").write_text("# nothing yet\n")
    env = dict(gradle_env, FAKE_INSTALLDEV_LOG=str(log), FAKE_INSTALLDEV_REAL=str(example.parent / "plugin" / "run_installdev.py"))
    settings = [f"-PinstalldevCommand={sys.executable},{fake}", "-PinstalldevExtras=dev", "-PinstalldevGroups=dev",
                "-PinstalldevNoDev=true", "-PinstalldevCopies=true",
                "-PinstalldevFlagPrefix=DATAHUB", "-PinstalldevLockTimeout=30", "-PinstalldevVenv=.venv"]
    venv = lib / ".venv"

    def build(*args: str, environment: dict[str, str] = env) -> dict[str, str]:
        """In one daemon: from the second build on, one that Gradle 4.4 on Java 9+ cannot give the command's environment."""
        completed = run_gradle(example, environment, *settings, *args, ":libdemo:installDev", cwd=tmp_path, daemon=True)
        return {task: outcome for task, outcome in task_outcomes(completed.stdout).items() if task == LIB}

    stop_gradle_daemons(env)  # the builds below start the daemon they reuse
    try:
        assert build("-q", ":libdemo:venvDoctor") == {}
        calls = {call["args"][0]: call for call in fake_calls(log)}
        shared = [str(lib), "--venv", str(venv), "--extra", "dev", "--group", "dev", "--no-dev", "--copies", "--flag-prefix",
                  "DATAHUB"]
        listing = example / ".gradle" / "installdev" / "libdemo" / "inputs.json"
        assert calls["inputs"]["args"] == ["inputs", *shared, "--lock-timeout", "30", "--format", "json", "--output", str(listing)]
        assert calls["install-dev"]["args"] == ["install-dev", *shared, "--lock-timeout", "30", "-q"]
        assert calls["doctor"]["args"] == ["doctor", *shared]
        assert {Path(call["cwd"]) for call in calls.values()} == {tmp_path}  # where Gradle was started
        assert str(lib / "more.txt") in json.loads(listing.read_text())["files"]

        assert build() == {LIB: "UP-TO-DATE"}
        assert fake_calls(log) == []  # no Python at all: not even `installdev inputs`
        # Any *_VENV_USE_COPIES, INSTALLDEV_* or VIRTUALENV_* variable is an input: its value, not a rule.
        assert build(environment=dict(env, DATAHUB_VENV_USE_COPIES="1")) == {LIB: "EXECUTED"}
        assert build(environment=dict(env, PIP_INDEX_URL="https://example.invalid/simple")) == {LIB: "EXECUTED"}
        assert build() == {LIB: "EXECUTED"}  # both unset again
        # Files installdev lists: one named only in [tool.installdev], one it includes with -r, one that appears.
        (lib / "extra.txt").write_text("-r more.txt\n# edited\n")
        assert build() == {LIB: "EXECUTED"}
        (lib / "more.txt").write_text("# edited\n")
        assert build() == {LIB: "EXECUTED"}
        (lib / "requirements-dev.txt").write_text("# a conventional file appears\n")
        assert build() == {LIB: "EXECUTED"}
        assert build() == {LIB: "UP-TO-DATE"}
        # A venv whose python dangles (its base interpreter was removed) is rebuilt, not reported up to date.
        (venv / "bin" / "python").unlink()
        (venv / "bin" / "python").symlink_to(tmp_path / "removed-python3")
        assert build() == {LIB: "EXECUTED"}
        assert [call["args"][0] for call in fake_calls(log)].count("install-dev") == 7

    finally:
        stop_gradle_daemons(env)

def _daemon_outcomes(example: Path, env: dict[str, str], *args: str) -> tuple[dict[str, str], str]:
    """The task outcomes and output of a build in the daemon of ``env``'s Gradle user home, which must already run (so
    every build here is one in a reused daemon, which Gradle 4.4 on Java 9+ cannot give the command's environment)."""
    completed = run_gradle(example, env, *args, daemon=True, check=False)
    output = completed.stdout + completed.stderr
    assert STARTING_DAEMON not in output, output
    return task_outcomes(completed.stdout), output


@pytest.mark.slow
def test_a_reused_daemon_builds_with_each_commands_environment(example, gradle_env):
    """The plugin reads the command's environment where the reused daemon cannot give it, and gives it to installdev:
    a second build is UP-TO-DATE, a set, changed or unset flag reaches installdev, a bad one fails as installdev says."""
    lib_venv = example / "libdemo" / "venv"
    stop_gradle_daemons(gradle_env)  # this test's builds start the daemon they reuse
    try:
        first = run_gradle(example, gradle_env, "installDev", daemon=True)
        assert STARTING_DAEMON in first.stdout + first.stderr
        assert task_outcomes(first.stdout)[LIB] == task_outcomes(first.stdout)[APP] == "EXECUTED", first.stdout

        outcomes, output = _daemon_outcomes(example, gradle_env, "installDev")
        assert (outcomes[LIB], outcomes[APP]) == ("UP-TO-DATE", "UP-TO-DATE"), output
        assert "installdev:" not in output

        flagged = dict(gradle_env, INSTALLDEV_VENV_USE_COPIES="true")
        outcomes, output = _daemon_outcomes(example, flagged, LIB)
        assert outcomes[LIB] == "EXECUTED" and "asked by INSTALLDEV_VENV_USE_COPIES=true" in output, output
        assert is_copied_python(lib_venv)
        outcomes, output = _daemon_outcomes(example, flagged, LIB)
        assert outcomes[LIB] == "UP-TO-DATE", output

        # Unset again: the daemon still holds INSTALLDEV_VENV_USE_COPIES=true, installdev sees it unset.
        outcomes, output = _daemon_outcomes(example, gradle_env, LIB)
        assert outcomes[LIB] == "EXECUTED" and not is_copied_python(lib_venv), output
        assert json.loads(stamp_of(lib_venv).read_text())["decision"]["mode"] == "symlinks"

        outcomes, output = _daemon_outcomes(example, dict(gradle_env, INSTALLDEV_VENV_USE_COPIES="maybe"), LIB)
        assert outcomes[LIB] == "FAILED", output
        assert "INSTALLDEV_VENV_USE_COPIES='maybe' is not a yes/no value" in output

        outcomes, output = _daemon_outcomes(example, gradle_env, "installDev")
        assert (outcomes[LIB], outcomes[APP]) == ("UP-TO-DATE", "UP-TO-DATE"), output

        # A venv task gets this command's environment too, with what its configuration sets.
        for value in ("first", "second"):
            outcomes, output = _daemon_outcomes(example, dict(gradle_env, HOLD_CHECK_VALUE=value), ":appdemo:held")
            assert f"hold-check: held {value} set" in output, output
    finally:
        stop_gradle_daemons(gradle_env)


def _listening_port(pid: str) -> int:
    """The TCP port the process ``pid`` listens on (a Gradle daemon has one), from Linux's /proc."""
    sockets = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            sockets.add(os.readlink(descriptor))
    ports = {int(fields[1].rsplit(":", 1)[1], 16)
             for table in ("/proc/net/tcp", "/proc/net/tcp6") if Path(table).is_file()
             for fields in (line.split() for line in Path(table).read_text().splitlines()[1:])
             if fields[3] == "0A" and f"socket:[{fields[9]}]" in sockets}  # 0A: LISTEN
    (port,) = ports
    return port


@pytest.mark.slow
def test_a_reused_daemon_that_cannot_tell_the_commands_environment_stops_the_build_with_one_line(example, gradle_env):
    """When the command's environment cannot be read (here: two clients are connected to the daemon, so which one is
    this build's is not known), a build that needs installdev stops with one line and the fix; others still run."""
    stop_gradle_daemons(gradle_env)
    try:
        run_gradle(example, gradle_env, "help", daemon=True)  # starts the daemon
        status = subprocess.run(["gradle", "--status"], env=gradle_env, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL).stdout
        (pid,) = re.findall(r"^\s*(\d+)\s+IDLE\b", status, re.MULTILINE)
        with socket.create_connection(("localhost", _listening_port(pid)), timeout=30):  # another client, silent
            outcomes, output = _daemon_outcomes(example, gradle_env, "installDev")
            assert outcomes.get(LIB) is None and outcomes.get(APP) is None, output
            assert [line.startswith(STALE_DAEMON) for line in output.splitlines()].count(True) == 1, output  # 2 projects
            assert re.search(r"cannot give it this command's environment \(2 clients are connected to it\).*"
                             r"run with --no-daemon, or run gradle --stop first$", output, re.MULTILINE), output
            assert "installdev: building" not in output
            outcomes, output = _daemon_outcomes(example, gradle_env, ":libdemo:tasks")  # nothing of installdev's runs
            assert outcomes[":libdemo:tasks"] == "EXECUTED", output
        outcomes, output = _daemon_outcomes(example, gradle_env, LIB)  # one client again
        assert outcomes[LIB] == "EXECUTED", output
    finally:
        stop_gradle_daemons(gradle_env)


def _closure_bodies(code: str, opener: str) -> list[str]:
    """The text of each brace-delimited block that starts at ``opener`` (which ends with its opening brace)."""
    bodies = []
    for match in re.finditer(re.escape(opener), code):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(code[index], 0)
            index += 1
        bodies.append(code[match.end():index - 1])
    return bodies


def test_plugin_keeps_to_the_gradle_4_4_to_9_subset():
    """The API rules of shared/notes/gradle-compat.md that a Gradle 4.4 run alone cannot catch."""
    code = "\n".join(line.split("//")[0] for line in (PLUGIN_DIR / "installdev.gradle").read_text().splitlines())
    for forbidden in ("project.exec", " exec {", "exec(", "ExecOperations", "!in ", " var ", "->>", ".orElse(",
                      ".flatMap(", ".zip(", "subprojects", "allprojects"):
        assert forbidden not in code, forbidden
    assert not re.search(r"\bbuildDir\b", code)  # deprecated in Gradle 8: layout.buildDirectory (4.3+)
    assert "tasks.register(" in code and "GradleVersion.current()" in code
    assert "project.afterEvaluate" in code and "project.state.executed" in code
    # providers.environmentVariable exists from 6.1 on: only through the provider factory taken behind that version check.
    assert code.count(".environmentVariable(") == code.count("installdevProviders.environmentVariable(") == 1
    assert "installdevGradle >= GradleVersion.version('6.1') ? project.providers : null" in code
    # Every task the plugin makes (installDevInputs, installDev, venvDoctor, cleanVenv, each installdevVenvExec) stays
    # out of the build cache: a venv holds absolute paths.
    assert code.count("outputs.cacheIf { false }") == 5
    # Nothing that runs at execution time touches the Project.
    for opener in (".doFirst { ", ".upToDateWhen {", "providers.provider {", "inputs.files({", "whenReady { "):
        bodies = _closure_bodies(code, opener)
        assert bodies, opener
        for body in bodies:
            assert "project" not in body, body
    # The venv exec tasks: no shell, the command given to `installdev run ... --` (which activates the venv and holds it).
    (exec_setup,) = _closure_bodies(code, "def installdevConfigureVenvExec = { String name ->")
    assert "installdevVenv.run.drop(1) + installdevVerbosity() + ['--'] + commandLine" in exec_setup
    assert "installdevVenv.run = command + ['run'] + buildArgs" in code and "dependsOn('installDev')" in exec_setup
    assert not re.search(r"['\"](/bin/)?(bash|sh|cmd|cmd\.exe)['\"]", exec_setup)
