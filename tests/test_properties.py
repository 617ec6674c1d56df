"""Property: whatever settings table, stamp, requirement file, flag value or path it is given, install-dev and doctor end
with an exit code from the documented table (never 1, the "internal error" code) and, on failure, exactly one
``installdev: error:`` line and no traceback. The requirement file may be a named pipe or a link to /dev/zero and
pyproject.toml nested past the TOML parser's depth (both refused, never read: a read would block or never end); the
table's venv may escape the project (refused, nothing created there).

In-process (``installdev.cli.main`` with captured output), bounded to a few dozen generated examples per command. The
project is the tiny in-tree-backend one; a generated case that gets as far as building really builds (offline).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from installdev.cli import main
from installdev.errors import ExitCode
from test_guarantees import write_tiny_project

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

DOCUMENTED = frozenset(int(code) for code in ExitCode) - {int(ExitCode.INTERNAL)}
INSTALL_DEV_ONLY = frozenset({"--force", "--lock-timeout"})
KNOWN_KEYS = ["venv", "python", "extras", "groups", "no-default-groups", "requirements", "constraints", "build-constraints",
              "flag-prefix", "lock-timeout", "system-site-packages", "installer", "seed-pip"]

# -- values ---------------------------------------------------------------------------------------------------------

short_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
path_segment = st.one_of(
    st.sampled_from(["venv", ".venv", "a b", "ñandú", "x:y", "..", ".", "-", "--copies", "v" * 250, "v" * 256,
                     "venv.lock", "venv.installdev-previous", "\udcff", "new\nline", "$HOME", "~"]),
    st.text(st.characters(blacklist_characters="/\0"), min_size=1, max_size=10),
)
toml_scalar = st.one_of(st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True), short_text)
toml_value = st.one_of(toml_scalar, st.lists(st.one_of(short_text, st.integers(0, 3)), max_size=3))
requirement_line = st.one_of(
    st.sampled_from(["-r more.txt", "-c more.txt", "--requirement=more.txt", "-rmore.txt", '-r "a b.txt"', "-r ${IDT_DIR}/x.txt",
                     "-r https://example.invalid/r.txt", "-r file:///nonexistent/r.txt", "-r", "# comment", "\\", "-r '",
                     "-e .", "devtool", "no-such-package-anywhere", "-r /", "-c nothing-here.txt", "--index-url x"]),
    short_text,
)
requirement_file = st.one_of(
    st.lists(requirement_line, max_size=5).map(lambda lines: "\n".join(lines).encode("utf-8")),
    st.binary(max_size=64),
    st.sampled_from(["\ufeff-r more.txt\n".encode("utf-16"), b"# -*- coding: latin-1 -*-\ncaf\xe9\n",
                     b"# coding: no-such-codec\n", b"\xff\xfe\x00"]),
)
requirement_kind = st.sampled_from(["regular", "regular", "fifo", "dev-zero"])
deep_toml = st.sampled_from(["deep = " + "[" * 5000 + "]" * 5000 + "\n", "deep = " + "{a = " * 2000 + "1" + "}" * 2000 + "\n",
                             "deep = " + "[" * 900 + "]" * 900 + "\n"])
OUTSIDE = "<outside>"  # materialized as an absolute path beside the project
table_venv = st.sampled_from(["../escaped", "../../escaped", "venv/../../escaped", "~/escaped", OUTSIDE, "sub/venv",
                              "venv/../inside"])
flag_value = st.one_of(st.sampled_from(["", "1", "true", "No", " on ", "perhaps", "0"]),
                       short_text.filter(lambda value: "\0" not in value))  # no environment holds a NUL
stamp_document = st.one_of(
    st.binary(max_size=40),
    st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), short_text),
                 lambda children: st.one_of(st.lists(children, max_size=3),
                                            st.dictionaries(st.sampled_from(["schema", "inputs", "files", "python_version",
                                                                             "decision", "mode", "base_python"]),
                                                            children, max_size=4)),
                 max_leaves=8).map(lambda document: json.dumps(document).encode()),
)


def toml_literal(value) -> str:
    """A TOML rendering of the generated value (tomllib has no writer)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True)


@st.composite
def cases(draw) -> dict:
    table = draw(st.dictionaries(st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(["venvs", "Extras"])), toml_value,
                                 max_size=2))
    arguments = draw(st.lists(st.sampled_from([
        ["--copies"], ["--symlinks"], ["--no-default-groups"], ["--extra", "dev,nope"], ["--group", "dev"], ["--no-default-groups"],
        ["--installer", "pip"], ["--lock-timeout", "nan"], ["--lock-timeout", "-1"], ["--lock-timeout", "0"],
        ["--python", "/bin/false"], ["--force"], ["--system-site-packages"], ["--flag-prefix", "X-Y"],
    ]), max_size=3))
    return {
        "table": table,
        "broken_toml": draw(st.sampled_from(["", "", "", "", "", "[tool.installdev\n", "x = \"\\q\"\n"])),
        "deep_toml": draw(st.one_of(st.just(""), st.just(""), st.just(""), deep_toml)),
        "table_venv": draw(st.one_of(st.none(), table_venv)),
        "requirements": draw(st.one_of(st.none(), requirement_file)),
        "requirements_kind": draw(requirement_kind),
        "stamp": draw(st.one_of(st.none(), stamp_document)),
        "venv": draw(st.one_of(st.none(), st.lists(path_segment, min_size=1, max_size=2))),
        "flags": draw(st.dictionaries(st.sampled_from(["INSTALLDEV_VENV_USE_COPIES", "INSTALLDEV_FLAG_PREFIX",
                                                       "VIRTUALENV_COPIES", "VIRTUALENV_SYMLINKS", "X-Y_VENV_USE_COPIES"]),
                                      flag_value, max_size=2)),
        "options": arguments,
    }


# -- running one case -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arena(tmp_path_factory, wheelhouse) -> dict:
    base = tmp_path_factory.mktemp("properties")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "VIRTUALENV_", "INSTALLDEV_", "DATAHUB_", "UV_"))}
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_CONFIG_FILE": os.devnull, "XDG_CACHE_HOME": str(base / "cache"),
                "VIRTUALENV_OVERRIDE_APP_DATA": str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                                                    / "installdev-tests-app-data")})
    return {"base": base, "env": env}


def materialize(case: dict, base: Path, command: str) -> tuple[list[str], dict[str, str]]:
    """Write the case's project (and stamp, requirement file) in a fresh directory; return ``command``'s arguments (doctor
    takes neither --force nor --lock-timeout) and the environment flags."""
    root = Path(tempfile.mkdtemp(dir=base))
    project = write_tiny_project(root / "proj")
    pyproject = project / "pyproject.toml"
    event(f"requirement file {case['requirements_kind'] if case['requirements'] is not None else 'none'}")
    event(f"pyproject nested {'deep' if case['deep_toml'] else 'flat'}; table venv {case['table_venv']}")
    table = dict(case["table"])
    if case["table_venv"] is not None:
        table["venv"] = str(root / "outside" / "venv") if case["table_venv"] == OUTSIDE else case["table_venv"]
    tool = "".join(f"{json.dumps(key)} = {toml_literal(value)}\n" for key, value in table.items())
    pyproject.write_text(case["deep_toml"] + pyproject.read_text() + "\n[tool.installdev]\n" + tool + case["broken_toml"])
    options = [option for option in case["options"] if command == "install-dev" or option[0] not in INSTALL_DEV_ONLY]
    arguments = [command, str(project), *(part for option in options for part in option)]
    if case["requirements"] is not None:
        if case["requirements_kind"] == "fifo":
            os.mkfifo(project / "requirements-dev.txt")
        elif case["requirements_kind"] == "dev-zero":
            (project / "requirements-dev.txt").symlink_to("/dev/zero")
        else:
            (project / "requirements-dev.txt").write_bytes(case["requirements"])
        (project / "more.txt").write_text("")
        arguments += ["-r", str(project / "requirements-dev.txt")]
    if case["venv"] is not None:
        arguments += ["--venv", str(root.joinpath(*case["venv"]))]
    if case["stamp"] is not None:
        venv = project / "venv"
        venv.mkdir()
        (venv / ".installdev-venv").write_text("made by installdev\n")
        (venv / ".installdev-stamp.json").write_bytes(case["stamp"])
    return arguments, {**case["flags"], "IDT_DIR": str(project), "HOME": str(root / "home")}


@contextlib.contextmanager
def environment(values: dict[str, str]):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_in_process(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with environment(env), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help, or a bad command line
            code = exit_.code
    return int(code), stdout.getvalue(), stderr.getvalue()


def check_outcome(case: dict, code: int, stdout: str, stderr: str) -> None:
    """A documented code and no traceback; a failed install-dev (or a command line argparse refuses) says why in exactly
    one error line; a failed doctor ends its report with install-dev's verdict and that code."""
    event(f"exit {code}")
    errors = [line for line in stderr.splitlines() if line.startswith("installdev: error:")]
    context = f"{case!r}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    assert code in DOCUMENTED, context
    assert "Traceback" not in stderr, context
    if code and stdout.startswith("project "):  # doctor's report
        assert f"verdict      install-dev would fail (exit {code})" in stdout, context
    else:
        assert len(errors) == (1 if code else 0), context


BOUNDED = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def check_escapes_refused(case: dict, argv: list[str], code: int) -> None:
    """A table venv outside the project is refused (exit 2, unless an earlier check failed) and nothing is made there;
    one the command line overrides is not the table's."""
    escaping = case["table_venv"] not in (None, "sub/venv", "venv/../inside") and "--venv" not in argv
    if not escaping:
        return
    project = Path(argv[1])
    value = case["table_venv"]
    target = (project.parent / "outside" / "venv" if value == OUTSIDE
              else Path(os.path.abspath(project / value.replace("~", str(project.parent / "home"), 1))))
    assert code != 0, case
    assert not target.exists(), case


@BOUNDED
@given(case=cases())
def test_install_dev_always_ends_with_a_documented_code_and_one_line(arena, case):
    argv, flags = materialize(case, arena["base"], "install-dev")
    code, stdout, stderr = run_in_process(argv, {**arena["env"], **flags})
    check_outcome(case, code, stdout, stderr)
    check_escapes_refused(case, argv, code)


@BOUNDED
@given(case=cases())
def test_doctor_always_ends_with_a_documented_code_and_its_verdict(arena, case):
    argv, flags = materialize(case, arena["base"], "doctor")
    check_outcome(case, *run_in_process(argv, {**arena["env"], **flags}))


# -- same-size edits --------------------------------------------------------------------------------------------------

same_size_edit = st.binary(min_size=1, max_size=64).flatmap(
    lambda before: st.tuples(st.just(before), st.binary(min_size=len(before), max_size=len(before)).filter(
        lambda after: after != before), st.sampled_from(["in place", "renamed over", "utime only"])))


@settings(max_examples=40, deadline=None)
@given(edit=same_size_edit)
def test_an_edit_that_keeps_size_and_mtime_is_a_change_to_both_checks(edit):
    """Whatever bytes an input holds and however it is rewritten keeping its size and modification time (written in
    place, a new file renamed over it), the full check names it changed and the quick record's identity differs; a
    ``touch -r`` alone (content kept) is no change to the full check."""
    from installdev.actions.freshness import file_digests, input_changes
    from installdev.quickcheck import identity

    before, after, how = edit
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "requirements-dev.txt"
        path.write_bytes(before)
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        recorded, seen = {"files": file_digests([path])}, identity(str(path))
        time.sleep(0.01)  # the kernel stamps change times from a clock that ticks every few milliseconds
        if how == "renamed over":
            (Path(directory) / "new").write_bytes(after)
            os.utime(Path(directory) / "new", ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
            os.replace(Path(directory) / "new", path)
        else:
            if how == "in place":
                path.write_bytes(after)
            os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
        assert path.stat().st_size == len(before) and path.stat().st_mtime_ns == 1_700_000_000_000_000_000
        changes = input_changes(recorded, {"files": file_digests([path])})
        assert changes == ([] if how == "utime only" else [f"{os.path.realpath(path)} changed"])
        assert identity(str(path)) != seen  # the change time moved: the quick record asks the full check
