"""Running a venv's python once: the health check of a new venv, and the liveness check of an existing one.

One isolated run (``-I``, with its site) reports ``sys.prefix``, ``sys.base_prefix``, the version and the files that
prove the venv without running it again: the interpreter it resolves to, the base's ``os.py``, the libpython it
actually loaded (``/proc/self/maps``: an ``$ORIGIN`` rpath can pick another one than sysconfig names; elsewhere the one
sysconfig names), and directories borrowed through a ``.pth`` (a Nix env).

A new venv is healthy when its python starts, ``sys.prefix`` is the venv, differs from ``sys.base_prefix`` (so it really
is a venv, not the base or a store environment), and it runs the base interpreter's exact version (copies of a python
that finds libpython via an rpath can silently load another one). The check is started as soon as the venv exists and
collected after the install it runs beside (``start_check``, ``VenvCheck.health``).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import NamedTuple

from installdev.actions.venvdir import venv_python

_SCRIPT = """
import json, os, sys, sysconfig
try:
    with open("/proc/self/maps") as maps:
        libraries = {line.split(None, 5)[5].strip() for line in maps if "/libpython" in line and len(line.split(None, 5)) == 6}
except OSError:
    libraries = {os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("LDLIBRARY") or "")}
found = [os.path.realpath(sys.executable), os.__file__] + sorted(os.path.realpath(lib) for lib in libraries if os.path.isfile(lib))
found += [entry for entry in sys.path if entry and os.path.isdir(entry)
          and not entry.startswith((sys.prefix, sys.base_prefix))]
print(json.dumps([sys.prefix, sys.base_prefix, list(sys.version_info[:3]), found]))
"""


class VenvReport(NamedTuple):
    """What one run of a venv's python said; ``problem`` set (and the rest empty) when it did not start or answer."""

    problem: str | None
    prefix: str = ""
    base_prefix: str = ""
    version: tuple[int, ...] = ()
    identities: tuple[str, ...] = ()


class VenvCheck:
    """A run of a venv's python, started (``start_check``) and not yet collected."""

    def __init__(self, venv: Path, timeout: float) -> None:
        self.venv, self._timeout = venv, timeout
        self._python = venv_python(venv)
        self._process: subprocess.Popen | None = None
        self._start_error: str | None = None
        try:
            self._process = subprocess.Popen([str(self._python), "-I", "-c", _SCRIPT], stdin=subprocess.DEVNULL,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except OSError as error:
            self._start_error = f"{self._python} does not start ({error.strerror or error})"

    def report(self) -> VenvReport:
        """Wait for the run (at most the timeout, from now) and return what it said."""
        if self._process is None:
            return VenvReport(self._start_error)
        try:
            stdout, stderr = self._process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            return VenvReport(f"{self._python} did not finish starting within {self._timeout:g}s")
        if self._process.returncode != 0:
            last_line = (stderr.strip().splitlines() or ["no message"])[-1]
            return VenvReport(f"{self._python} exits with status {self._process.returncode} ({last_line})")
        try:
            prefix, base_prefix, version, identities = json.loads(stdout.strip().splitlines()[-1])
            return VenvReport(None, prefix, base_prefix, tuple(version), tuple(identities))
        except (ValueError, IndexError, TypeError):
            return VenvReport(f"{self._python} printed no report (its site printed {stdout[-200:]!r}?)")

    def stop(self) -> None:
        """Kill the run if it is still going (the build it ran beside failed)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()

    def health(self, expected_version: tuple[int, int, int]) -> VenvReport:
        """The report of a new venv, its ``problem`` set when the venv is not healthy."""
        report = self.report()
        if report.problem:
            return report
        if os.path.realpath(report.prefix) != os.path.realpath(self.venv):
            return report._replace(problem=f"its sys.prefix is {report.prefix}, not the venv")
        if report.prefix == report.base_prefix:
            return report._replace(problem="its sys.prefix equals sys.base_prefix, so it is not a venv")
        if report.version != tuple(expected_version):
            return report._replace(problem=f"it runs Python {'.'.join(map(str, report.version))} but the base is "
                                           f"{'.'.join(map(str, expected_version))} (a copied binary loaded another libpython)")
        return report


def start_check(venv: Path, timeout: float = 120) -> VenvCheck:
    """Start one run of ``venv``'s python; collect it with ``report`` or ``health``."""
    return VenvCheck(venv, timeout)
