"""The health check every new venv must pass before anything is installed into it.

Its python must start, report ``sys.prefix`` = the venv, differ from ``sys.base_prefix`` (so it really
is a venv, not the base or a store environment), and run the base interpreter's exact version
(copies of a python that finds libpython via an rpath can silently load another one).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from installdev.actions.venvdir import venv_python

_SCRIPT = "import json, sys; print(json.dumps([sys.prefix, sys.base_prefix, list(sys.version_info[:3])]))"


def health_problem(venv: Path, expected_version: tuple[int, int, int]) -> str | None:
    """What is wrong with the new venv at ``venv``, or None when it is healthy."""
    python = venv_python(venv)
    try:
        completed = subprocess.run(
            [str(python), "-I", "-c", _SCRIPT], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"its python does not start ({error})"
    if completed.returncode != 0:
        last_line = (completed.stderr.strip().splitlines() or ["no message"])[-1]
        return f"its python exits with status {completed.returncode} ({last_line})"
    prefix, base_prefix, version = json.loads(completed.stdout.strip().splitlines()[-1])
    if os.path.realpath(prefix) != os.path.realpath(venv):
        return f"its sys.prefix is {prefix}, not the venv"
    if prefix == base_prefix:
        return "its sys.prefix equals sys.base_prefix, so it is not a venv"
    if tuple(version) != tuple(expected_version):
        return (f"it runs Python {'.'.join(map(str, version))} but the base is "
                f"{'.'.join(map(str, expected_version))} (a copied binary loaded another libpython)")
    return None
