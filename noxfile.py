"""Our own automation: `nox -s tests` (every available CPython 3.10-3.13), `nox -s lint`, `nox -s bench`,
`nox -s soak` (the chaos test with 200 kill -9 trials instead of CI's 30, the mixed soak for 240 s instead of 60).

The full suite, with the hostile-host fixtures (root, FUSE, loop devices, mounts) and real Gradle and
Make, runs on the primary Python; the other Pythons run the unit tests and the core end-to-end tests.
Under CI=true a fixture that is unavailable fails its test instead of skipping it.

Interpreters are found, never downloaded: on PATH, among pyenv's versions (made visible below) and, on Windows, the
ones the py launcher lists (their PEP 514 registrations, which nox reads). One that is not there skips its session
with nox's one line, or fails it when CI is set (nox's own default).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.11", "3.10", "3.12", "3.13"]
PRIMARY = PYTHONS[0]


def newest_pyenv_versions(wanted: list[str], installed: list[str]) -> list[str]:
    """The newest installed final release of each wanted minor version: ["3.10"], ["3.10.2", "3.10.13"] -> ["3.10.13"]."""
    newest = []
    for minor in wanted:
        releases = [name for name in installed if name.startswith(minor + ".") and name[len(minor) + 1:].isdigit()]
        if releases:
            newest.append(max(releases, key=lambda name: int(name[len(minor) + 1:])))
    return newest


def make_pyenv_versions_visible() -> None:
    """pyenv's shims run only the versions pyenv selects, so a python3.12 pyenv has is invisible to nox until selected:
    select the newest of each version the sessions want after the current selection (which keeps `python3`)."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return
    current = os.environ.get("PYENV_VERSION") or subprocess.run(
        [pyenv, "version-name"], capture_output=True, text=True).stdout.strip()
    if not current:  # pyenv selects a version it does not have: its shims fail anyway, and python3 must not change
        return
    versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    installed = sorted(entry.name for entry in versions.iterdir()) if versions.is_dir() else []
    selected = current.split(":")
    selected_minors = {".".join(name.split(".")[:2]) for name in selected}
    added = [name for name in newest_pyenv_versions(PYTHONS, installed) if name.rsplit(".", 1)[0] not in selected_minors]
    os.environ["PYENV_VERSION"] = ":".join(selected + added)


make_pyenv_versions_visible()
nox.options.sessions = ["lint", "tests"]
nox.options.download_python = "never"
# uv makes the session venvs and installs into them when it is there (README's command installs it): seconds instead of
# half a minute per session
nox.options.default_venv_backend = "uv|virtualenv"


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """pytest; extra arguments go to pytest (e.g. `nox -s tests-3.11 -- -k concurrent`)."""
    no_tests_is_fine = [0, 5] if session.posargs else [0]  # a -k given may select nothing in one of the two runs
    if session.python == PRIMARY:
        session.install("-e", ".[test]", "pytest-xdist")
        # everything, in two runs: the tests that share nothing beyond a process spread over the CPUs; the hostile-host
        # fixtures (root, mounts, second users) and real Gradle and Make one at a time
        session.run("pytest", "-m", "not hosts and not buildtools and not soak", "-n", "auto", *session.posargs,
                    success_codes=no_tests_is_fine)
        session.run("pytest", "-m", "(hosts or buildtools) and not soak", *session.posargs, success_codes=no_tests_is_fine)
        return
    # the unit tests and the core end-to-end ones, spread over the CPUs (they share no fixture beyond a process)
    session.install("-e", ".[test]", "pytest-xdist")
    session.run("pytest", "-m", "not hosts and not buildtools and not slow", "-n", "auto", *session.posargs)


@nox.session(python=PRIMARY)
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "plugin", "tests", "scripts", "noxfile.py")


@nox.session(python=PRIMARY)
def soak(session: nox.Session) -> None:
    """The crash test and the mixed soak at soak length: `nox -s soak -- 500 600` for 500 kill trials and a 600 s mixed
    soak (default 200 and 240)."""
    session.install("-e", ".[test]")
    trials, seconds = (list(session.posargs) + ["200", "240"][len(session.posargs):])[:2]
    session.run("pytest", "tests/test_guarantees.py", "-k", "chaos", env={"INSTALLDEV_CHAOS_TRIALS": trials})
    session.run("pytest", "-s", "-m", "soak", "tests/test_soak.py", env={"INSTALLDEV_SOAK_SECONDS": seconds})


@nox.session(python=PRIMARY)
def bench(session: nox.Session) -> None:
    """Benchmarks that print medians and ratios (never run as tests): `nox -s bench -- noop --runs 50`."""
    session.install("-e", ".[uv]")
    session.run("python", "scripts/bench.py", *(session.posargs or ["noop"]))
