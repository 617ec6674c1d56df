"""A failed build says its cause (#22, item 6): the first real error line of the build backend, picked from pip's and
uv's output (verbatim captures in tests/build_outputs, see its README), and the one error line of install-dev for
real failing builds made here with pip and uv, offline."""

from __future__ import annotations

import re
import shutil
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from conftest import install_dev
from hostfixtures import require_host
from installdev.failure_cause import CAUSE_LENGTH, BuildFailure, failure_line

OUTPUTS = Path(__file__).parent / "build_outputs"
MISSING_SOURCE = "cc1: fatal error: cdemo/_speedups.c: No such file or directory"
NO_SETUPTOOLS_SCM = "ModuleNotFoundError: No module named 'setuptools_scm'"
SUBMODULES = "Install submodules when building from git clone"
UNSATISFIABLE = ("Because only setuptools<=84.2.1 is available and you require setuptools>=999, we can conclude that your "
                 "requirements are unsatisfiable.")


def read(lines) -> BuildFailure:
    failure = BuildFailure()
    for line in lines:
        failure.feed(line)
    return failure


@pytest.mark.parametrize(("sample", "name", "directory", "expected"), [
    ("pip-26.3-missing-c-source.txt", "cdemo", "/tmp/bt/cproj", f"failed building the project: {MISSING_SOURCE}"),
    ("uv-0.6.7-missing-c-source.txt", "cdemo", "/tmp/bt/cproj", f"failed building the project: {MISSING_SOURCE}"),
    ("uv-0.13.9-c-compile-error.txt", "cdemo", "/tmp/bt/c2", "failed building the project: cdemo/_speedups.c:2:27: "
     "error: ‘undefined_name’ undeclared (first use in this function)"),
    ("pip-23.2.1-setuptools-scm-missing.txt", "pdemo", "/tmp/bt/pyproj", f"failed building the project: {NO_SETUPTOOLS_SCM}"),
    ("pip-26.3-setuptools-scm-missing.txt", "pdemo", "/tmp/bt/pyproj", f"failed building the project: {NO_SETUPTOOLS_SCM}"),
    ("uv-0.6.7-setuptools-scm-missing.txt", "pdemo", "/tmp/bt/pyproj", f"failed building the project: {NO_SETUPTOOLS_SCM}"),
    ("uv-0.13.9-file-not-found.txt", "fdemo", "/tmp/bt/fproj",
     "failed building the project: FileNotFoundError: [Errno 2] No such file or directory: 'VERSION'"),
    ("uv-0.13.9-build-requires-unsatisfiable.txt", "pdemo", "/tmp/bt/r2", f"failed building the project: {UNSATISFIABLE}"),
    ("uv-0.6.7-build-requires-unsatisfiable.txt", "pdemo", "/tmp/bt/r2", f"failed building the project: {UNSATISFIABLE}"),
    ("uv-0.13.9-backend-says-why.txt", "aiohttp", "/tmp/real/aiohttp", f"failed building the project: {SUBMODULES}"),
    ("pip-26.3-backend-says-why.txt", "aiohttp", "/tmp/real/aiohttp", f"failed building the project: {SUBMODULES}"),
])
def test_the_cause_in_real_installer_output(sample, name, directory, expected):
    failure = read((OUTPUTS / sample).read_text(encoding="utf-8").splitlines())
    assert failure_line("pip install", failure, name, Path(directory)) == f"pip install {expected} (the full output is above)"


def test_another_distribution_is_named_and_an_unknown_one_is_a_package():
    named = read((OUTPUTS / "uv-0.6.7-setuptools-scm-missing.txt").read_text(encoding="utf-8").splitlines())
    assert failure_line("uv pip install", named, "app", Path("/tmp/bt/app")) == (
        f"uv pip install failed building pdemo: {NO_SETUPTOOLS_SCM} (the full output is above)")
    located = read((OUTPUTS / "pip-23.2.1-setuptools-scm-missing.txt").read_text(encoding="utf-8").splitlines())
    assert failure_line("pip install", located, "app", Path("/tmp/bt/app")) == (
        f"pip install failed building file:///tmp/bt/pyproj: {NO_SETUPTOOLS_SCM} (the full output is above)")
    unknown = read(["error: subprocess-exited-with-error", "", "× Getting requirements to build wheel did not run "
                    "successfully.", "│ exit code: 1", "╰─> See above for output.", "note: This error originates from a "
                    "subprocess, and is likely not a problem with pip."])
    assert failure_line("pip install", unknown, "app", Path("/tmp/bt/app")) == (
        "pip install failed building a package (the full output is above)"), "pip's wrapper lines are no cause"


def test_what_failed_is_the_build_that_failed_not_one_that_went_well_before():
    failure = read(["Processing ./lib", "  Building wheel for lib (pyproject.toml): started",
                    "  Building wheel for lib (pyproject.toml): finished with status 'done'",
                    "  Building editable for cdemo (pyproject.toml): started",
                    "  Building editable for cdemo (pyproject.toml): finished with status 'error'",
                    "  error: subprocess-exited-with-error", "ERROR: Failed building editable for cdemo"])
    assert (failure.failed, failure.subject) == (True, "cdemo")
    assert failure_line("pip install", failure, "cdemo", Path("/p")) == (
        "pip install failed building the project (the full output is above)")


@pytest.mark.parametrize("sample", ["pip-23.2.1-no-such-distribution.txt", "uv-0.13.9-no-such-distribution.txt"])
def test_a_failure_that_is_no_build_gives_no_build_line(sample):
    failure = read((OUTPUTS / sample).read_text(encoding="utf-8").splitlines())
    assert failure.failed is False
    assert failure_line("pip install", failure, "cdemo", Path("/tmp/bt/cproj")) is None
    assert failure_line("pip install", None, "cdemo", Path("/tmp/bt/cproj")) is None


def test_the_cause_is_found_far_above_the_end_in_bounded_memory():
    lines = ["Building wheel for big (pyproject.toml): started", "  src/a.c:10:3: error: expected ';' before '}' token",
             *(f"  gcc -c src/file{index}.c -o build/file{index}.o" for index in range(10_000)),
             "  error: command '/usr/bin/gcc' failed with exit code 1", "ERROR: Failed building wheel for big"]
    failure = read(lines)
    assert failure.cause == "src/a.c:10:3: error: expected ';' before '}' token"
    assert failure.subject == "big"
    assert len(vars(failure)) == 8, "a few fields, not the lines"


def test_the_most_specific_kind_wins_then_the_first_of_it():
    failure = read(["error: file 'cdemo/version.txt' does not exist",
                    "error: Command '['gcc', '-c', 'x.c']' returned non-zero exit status 1.",
                    "x.c:1:1: error: first", "x.c:2:1: error: second", "note: not a cause: error: no"])
    assert failure.cause == "x.c:1:1: error: first"
    assert read(["error: file 'cdemo/version.txt' does not exist", "error: Command 'gcc' returned non-zero exit "
                 "status 1."]).cause == "error: file 'cdemo/version.txt' does not exist"
    assert read(["error: Command '['gcc']' returned non-zero exit status 1."]).cause == (
        "error: Command '['gcc']' returned non-zero exit status 1."), "what failed, when nothing says why"
    assert read(["hint: error: no", "warning: error: no", "WARNING: error: no"]).cause is None


def test_a_traceback_gives_its_exception_line_not_its_frames():
    failure = read(textwrap.dedent("""\
          Traceback (most recent call last):
            File "setup.py", line 3, in <module>
              raise_error("error: in a frame")
            File "setup.py", line 1, in raise_error
          RuntimeError: the real cause
          [end of output]
        error: later
        """).splitlines())
    assert failure.cause == "RuntimeError: the real cause"


def test_colours_are_removed_and_the_cause_is_cut_to_its_length():
    coloured = read(["\x1b[1m\x1b[31merror\x1b[39m\x1b[0m\x1b[1m:\x1b[0m Failed to build `cdemo @ file:///p`",
                     "  \x1b[1m\x1b[31mcause\x1b[39m\x1b[0m\x1b[1m:\x1b[0m The build backend returned an error",
                     f"  {MISSING_SOURCE}"])
    assert (coloured.failed, coloured.subject, coloured.cause) == (True, "cdemo", MISSING_SOURCE)
    long = read([f"x.c:1:1: error: {'y' * 500}"]).cause
    assert len(long) == CAUSE_LENGTH and long.endswith("…")


C_SETUP = """\
    from setuptools import Extension, setup

    setup(ext_modules=[Extension("cdemo._speedups", ["cdemo/_speedups.c"])])
    """
IMPORT_SETUP = """\
    import sys

    print("\\n".join(f"a long build log, line {number}" for number in range(100)), file=sys.stderr)
    import setuptools_scm
    from setuptools import setup

    setup()
    """


def setuptools_project(directory: Path, name: str, setup_py: str) -> Path:
    (directory / name).mkdir(parents=True)
    (directory / name / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "0.1"
        """))
    (directory / "setup.py").write_text(textwrap.dedent(setup_py))
    (directory / "requirements-dev.txt").write_text("reqtool\n")
    return directory


@pytest.fixture(params=["pip", "uv"])
def installer(request) -> str:
    if request.param == "uv":
        request.getfixturevalue("uv")  # fails under CI=true when uv is missing, else skips
    return request.param


def the_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("installdev: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="setuptools' compiler on Windows is MSVC")
def test_a_c_extension_whose_source_is_missing_names_the_missing_file(tmp_path, uv_env, installer):
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    require_host(shutil.which(compiler) is not None, f"no C compiler ({compiler}) to build the extension with")
    project = setuptools_project(tmp_path / "cproj", "cdemo", C_SETUP)

    narrow = {**uv_env, "COLUMNS": "40"}  # uv wraps its lines, the compiler's too, at COLUMNS: installdev widens it
    result = install_dev(project, narrow, "--installer", installer, expect=5)

    command = "pip install" if installer == "pip" else "uv pip install"
    line = the_error_line(result.stderr)
    assert re.fullmatch(rf"installdev: error: {command} failed building the project: \S*: (?:fatal )?error: "
                        r"(?:cdemo/_speedups\.c: No such file or directory|no such file or directory: "
                        r"'cdemo/_speedups\.c') \(the full output is above\): fix the cause and re-run", line), line
    assert not (project / "venv").exists(), "the failed build leaves no venv"


@pytest.mark.e2e
@pytest.mark.slow
def test_a_build_script_exception_is_quoted_however_long_the_log(tmp_path, uv_env, installer):
    project = setuptools_project(tmp_path / "pyproj", "pdemo", IMPORT_SETUP)

    result = install_dev(project, uv_env, "--installer", installer, expect=5)

    command = "pip install" if installer == "pip" else "uv pip install"
    assert the_error_line(result.stderr) == (f"installdev: error: {command} failed building the project: "
                                             f"{NO_SETUPTOOLS_SCM} (the full output is above): fix the cause and re-run")
    assert "retrying once with pip" not in result.stderr, "pip would fail the same way"
