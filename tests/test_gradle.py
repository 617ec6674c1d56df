"""End to end with real Gradle (Debian's 4.4.1 here; the script plugin is written for 4.4 through 9.x).

Each test builds a copy of gradle-example/ (two Python projects, appdemo installing libdemo by path)
offline, through plugin/installdev.gradle and the entry point plugin/run_installdev.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from buildtools import (
    BUILD_TIMEOUT,
    copy_example,
    fake_calls,
    gradle_command,
    is_copied_python,
    require_tool,
    run_gradle,
    stamp_of,
    task_outcomes,
    write_fake_installdev,
)
from buildtools import build_env as _build_env

pytestmark = [pytest.mark.buildtools, pytest.mark.skipif(sys.platform == "win32", reason="POSIX build scripts")]

LIB, APP = ":libdemo:installDev", ":appdemo:installDev"


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
    return copy_example(tmp_path / "work")


def doctor_supported(example: Path, env: dict[str, str]) -> bool:
    """Whether this installdev has its `doctor` command yet (the task exists either way)."""
    helped = subprocess.run([sys.executable, str(example.parent / "plugin" / "run_installdev.py"), "--help"],
                            capture_output=True, text=True, env=env, timeout=60)
    return "doctor" in helped.stdout


def test_install_dev_up_to_date_rebuild_on_change_copies_flag_parallel_and_clean(example, gradle_env):
    lib_venv, app_venv = example / "libdemo" / "venv", example / "appdemo" / "venv"

    first = run_gradle(example, gradle_env, "installDev")
    assert task_outcomes(first.stdout)[LIB] == task_outcomes(first.stdout)[APP] == "EXECUTED", first.stdout
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

    # An edit of one project's pyproject.toml re-runs only that project; --info runs installdev with -v.
    with (example / "libdemo" / "pyproject.toml").open("a") as handle:
        handle.write("# edited\n")
    edited = run_gradle(example, gradle_env, "--info", "installDev")
    outcomes = task_outcomes(edited.stdout)
    assert (outcomes[LIB], outcomes[APP]) == ("EXECUTED", "UP-TO-DATE"), edited.stdout
    assert "installdev: running " in edited.stdout  # installdev's verbose detail

    # Flipping the copies flag re-runs both (built in parallel) and yields copies.
    flagged = dict(gradle_env, INSTALLDEV_VENV_USE_COPIES="true")
    copies = run_gradle(example, flagged, "--parallel", "installDev")
    assert task_outcomes(copies.stdout)[LIB] == task_outcomes(copies.stdout)[APP] == "EXECUTED", copies.stdout
    assert is_copied_python(lib_venv) and is_copied_python(app_venv)
    assert json.loads(stamp_of(app_venv).read_text())["decision"]["mode"] == "copies"

    doctor = [":libdemo:venvDoctor"] if doctor_supported(example, gradle_env) else []
    again = run_gradle(example, flagged, "installDev", *doctor)
    assert task_outcomes(again.stdout)[LIB] == task_outcomes(again.stdout)[APP] == "UP-TO-DATE", again.stdout
    if doctor:  # venvDoctor runs `installdev doctor` (never up to date)
        assert task_outcomes(again.stdout)[":libdemo:venvDoctor"] == "EXECUTED"
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


def test_settings_command_line_inputs_and_env_flags(example, gradle_env, tmp_path):
    """With a stand-in installdev: what the plugin passes, and what makes installDev run again."""
    fake = write_fake_installdev(tmp_path)
    log, recorded = tmp_path / "calls.jsonl", example / "libdemo" / "extra.txt"
    recorded.write_text("one\n")
    env = dict(gradle_env, FAKE_INSTALLDEV_LOG=str(log), FAKE_INSTALLDEV_RECORDED_FILE=str(recorded))
    settings = [f"-PinstalldevCommand={sys.executable},{fake}", "-PinstalldevExtras=dev",
                "-PinstalldevFlagPrefix=DATAHUB", "-PinstalldevLockTimeout=30", "-PinstalldevVenv=.venv"]
    # As if a previous build had recorded extra.txt (e.g. from [tool.installdev] requirements) in its stamp.
    venv = example / "libdemo" / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    stamp_of(venv).write_text(json.dumps({"inputs": {"files": {str(recorded): "digest"}}}))

    def build(*args: str, environment: dict[str, str] = env) -> dict[str, str]:
        return task_outcomes(run_gradle(example, environment, *settings, *args, ":libdemo:installDev").stdout)

    assert build("-q", ":libdemo:venvDoctor") == {}
    doctor, install = sorted(fake_calls(log), key=lambda call: call["args"][0])
    lib = str(example / "libdemo")
    shared = [lib, "--venv", str(venv), "--extras", "dev", "--flag-prefix", "DATAHUB"]
    assert install["args"] == ["install-dev", *shared, "--lock-timeout", "30", "-q"]
    assert doctor["args"] == ["doctor", *shared]
    assert Path(install["cwd"]).resolve() == Path(lib).resolve()

    assert build()[LIB] == "UP-TO-DATE"
    # Any *_VENV_USE_COPIES, INSTALLDEV_* or VIRTUALENV_* variable is an input: its value, not a rule.
    assert build(environment=dict(env, DATAHUB_VENV_USE_COPIES="1"))[LIB] == "EXECUTED"
    # A file the last build recorded in its stamp is an input.
    recorded.write_text("two\n")
    assert build()[LIB] == "EXECUTED"
    # A venv whose python vanished is rebuilt, not reported up to date.
    (venv / "bin" / "python").unlink()
    assert build()[LIB] == "EXECUTED"
    assert len(fake_calls(log)) == 3


def test_plugin_keeps_to_the_gradle_4_4_to_9_subset():
    """The API rules of shared/notes/gradle-compat.md that a Gradle 4.4 run alone cannot catch."""
    from buildtools import PLUGIN_DIR

    code = "\n".join(line.split("//")[0] for line in (PLUGIN_DIR / "installdev.gradle").read_text().splitlines())
    for forbidden in ("project.exec", " exec {", "exec(", "ExecOperations", "providers.environmentVariable",
                      "!in ", " var ", "->>", ".orElse(", ".flatMap(", ".zip("):
        assert forbidden not in code, forbidden
    assert "tasks.register(" in code and "GradleVersion.current()" in code
    assert "project.afterEvaluate" in code and "project.state.executed" in code
