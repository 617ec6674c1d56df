"""A bounded mixed soak: many processes on one venv at once, every command installdev has, while its requirement file
is edited (same size, modification time given back). Nothing may fail, trace back, or pull a venv from under a
command; the final venv must hold what the final requirement file asks for.

``INSTALLDEV_SOAK_SECONDS`` sets the length (60 in the suite; ``nox -s soak`` runs 240). Real processes, real Make,
offline.
"""

from __future__ import annotations

import collections
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from buildtools import PLUGIN_DIR, require_tool
from conftest import install_dev, venv_import
from wheelhouse import write_project

# Not in CI yet: it finds a race left open (a requirement file edited between an update's uv dry run and its install:
# the dry run's pins then contradict the file, "reqtool==2.0 and reqtool==1.0", exit 5). `nox -s soak` runs it.
pytestmark = [pytest.mark.soak, pytest.mark.buildtools, pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX")]

SOAK_SECONDS = float(os.environ.get("INSTALLDEV_SOAK_SECONDS", "60"))
WORKERS = 8
# Ran by `installdev run` and by the Make target: the venv it started in must stay the same, whole, for its life.
CHECK = """\
import os, sys, time
venv = os.environ["VIRTUAL_ENV"]
before = os.stat(os.path.join(venv, "pyvenv.cfg")).st_ino
time.sleep(0.3)
import sampleproj, reqtool, devtool
after = os.stat(os.path.join(venv, "pyvenv.cfg")).st_ino
print("soak-check:", "whole" if before == after and reqtool.VERSION in ("1.0", "2.0") else "replaced")
"""
# The operations a worker draws from, with their weights: most of a real day is up-to-date runs and builds.
OPERATIONS = {"install-dev": 4, "run": 5, "doctor": 2, "force": 1, "clean-venv": 1, "inputs": 2, "make": 3}


class Soak:
    def __init__(self, project: Path, env: dict[str, str]) -> None:
        self.project, self.env = project, env
        self.requirements = project / "soak-requirements.txt"
        self.base = ["-r", str(self.requirements)]
        self.counts: collections.Counter = collections.Counter()
        self.problems: list[str] = []
        self.edits = 0
        self.guard = threading.Lock()
        self.stop_at = time.monotonic() + SOAK_SECONDS

    def command(self, operation: str) -> list[str]:
        installdev = [sys.executable, "-m", "installdev"]
        project = str(self.project)
        return {
            "install-dev": [*installdev, "install-dev", project, *self.base, "-q"],
            "force": [*installdev, "install-dev", project, *self.base, "--force", "-q"],
            "run": [*installdev, "run", project, *self.base, "--", "python", "-c", CHECK],
            "doctor": [*installdev, "doctor", project, *self.base],
            "clean-venv": [*installdev, "clean-venv", project, "-q"],
            "inputs": [*installdev, "inputs", project, *self.base],
            "make": ["make", "--no-print-directory", "-s", "-C", project, "soak-check"],
        }[operation]

    def worker(self, seed: int) -> None:
        chooser = random.Random(seed)
        names, weights = list(OPERATIONS), list(OPERATIONS.values())
        while time.monotonic() < self.stop_at:
            operation = chooser.choices(names, weights)[0]
            completed = subprocess.run(self.command(operation), env=self.env, capture_output=True, text=True,
                                       timeout=600, stdin=subprocess.DEVNULL)
            output = completed.stdout + completed.stderr
            problem = None
            if completed.returncode != 0 or "Traceback" in output:
                problem = f"exit {completed.returncode}"
            elif operation in ("run", "make") and "soak-check: whole" not in completed.stdout:
                problem = "the command did not see one whole venv"
            with self.guard:
                self.counts[operation] += 1
                if problem:
                    self.problems.append(f"{operation}: {problem}:\n{output[-3000:]}")

    def editor(self) -> None:
        """Flip the pin between reqtool 1.0 and 2.0: same size, the modification time given back (as cp -p leaves it)."""
        version = "1.0"
        while time.monotonic() < self.stop_at:
            time.sleep(random.uniform(0.5, 2.0))
            status = self.requirements.stat()
            version = "2.0" if version == "1.0" else "1.0"
            self.requirements.write_text(f"reqtool=={version}\n")
            os.utime(self.requirements, ns=(status.st_atime_ns, status.st_mtime_ns))
            self.edits += 1


def test_a_mixed_soak_of_every_command_never_fails_and_never_pulls_a_venv_from_under_a_command(tmp_path, offline_env):
    require_tool("make")
    project = write_project(tmp_path / "proj")
    (project / "soak-requirements.txt").write_text("reqtool==1.0\n")
    (project / "Makefile").write_text(
        f"INSTALLDEV_REQUIREMENTS = soak-requirements.txt\nINSTALLDEV = {sys.executable} -m installdev\n"
        f"include {PLUGIN_DIR / 'installdev.mk'}\n\n"
        "soak-check: install-dev-.\n\t$(call installdev_run,.) python soak_check.py\n")
    (project / "soak_check.py").write_text(CHECK)
    env = {key: value for key, value in offline_env.items() if key not in ("MAKEFLAGS", "MFLAGS")}
    install_dev(project, env, "-r", str(project / "soak-requirements.txt"))
    soak = Soak(project, env)

    threads = [threading.Thread(target=soak.worker, args=(seed,)) for seed in range(WORKERS)]
    threads.append(threading.Thread(target=soak.editor))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"soak: {time.monotonic() - started:.0f}s, {WORKERS} processes, {sum(soak.counts.values())} commands "
          f"{dict(soak.counts)}, {soak.edits} same-size edits, {len(soak.problems)} problems")

    assert not soak.problems, "\n\n".join(soak.problems[:5])
    assert soak.edits > 0 and all(soak.counts[operation] > 0 for operation in OPERATIONS), soak.counts
    # The final venv holds what the final requirement file asks for; beside it only the Make include's own files.
    install_dev(project, env, "-r", str(project / "soak-requirements.txt"))
    wanted = (project / "soak-requirements.txt").read_text().strip().split("==")[1]
    assert venv_import(project / "venv", "import reqtool; print(reqtool.VERSION)").stdout.strip() == wanted
    beside = sorted(path.name for path in project.iterdir() if path.name.startswith("venv"))
    assert beside in (["venv", "venv.installdev-environment", "venv.installdev-inputs.mk"],
                      ["venv", "venv.installdev-inputs.mk"], ["venv"]), beside
