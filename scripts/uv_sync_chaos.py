#!/usr/bin/env python3
"""What a kill -9 in the middle of `uv sync` leaves in the environment it updates in place (not a test: uv is not ours).

A project (requests, pytest, pytest-cov, black, mypy, flake8; sphinx, ipython and hypothesis added and removed in
turn) is locked and synced offline from bench.py's wheel folder (`python scripts/bench.py update` downloads it). Each
trial changes the dependencies, re-locks, starts `uv sync` and kills its process group at a seeded random moment
within the time a whole update takes, then looks at `.venv`: do the base tools import, does `uv pip check` pass, and
does the next `uv sync` bring back an environment that imports and passes `uv pip check` (if not, `.venv` is
deleted and synced anew before the next trial). Prints a line per trial
and the counts. The README's safety section quotes them next to installdev's chaos test.

Usage: python scripts/uv_sync_chaos.py [--trials N] [--uv PATH] [--wheels DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = ["requests", "pytest", "pytest-cov", "black", "mypy", "flake8"]
ADDED = ["sphinx", "ipython", "hypothesis"]
PYPROJECT = """\
[project]
name = "uvchaos"
version = "0.1"
requires-python = ">=3.11"
dependencies = {dependencies}

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.uv]
environments = ["sys_platform == 'linux' and python_version == '{python}'"]
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--uv", default=shutil.which("uv") or "uv")
    parser.add_argument("--wheels", type=Path, default=Path.home() / ".cache" / "installdev-bench-wheels")
    args = parser.parse_args()
    env = {**os.environ, "UV_NO_INDEX": "1", "UV_FIND_LINKS": str(args.wheels), "UV_PYTHON": os.path.realpath(sys.executable)}
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    with tempfile.TemporaryDirectory(prefix="uv-sync-chaos-") as temp:
        root = Path(temp) / "proj"
        (root / "src" / "uvchaos").mkdir(parents=True)
        (root / "src" / "uvchaos" / "__init__.py").write_text("")

        def lock(dependencies: list[str]) -> None:
            (root / "pyproject.toml").write_text(PYPROJECT.format(dependencies=dependencies, python=python))
            subprocess.run([args.uv, "lock", "-q"], cwd=root, env=env, check=True)

        def sync() -> bool:
            return subprocess.run([args.uv, "sync", "-q"], cwd=root, env=env, capture_output=True).returncode == 0

        def imports() -> bool:
            code = "import requests, pytest, black, mypy, flake8"
            return subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", code], capture_output=True).returncode == 0

        def checks() -> bool:
            return subprocess.run([args.uv, "pip", "check", "--python", str(root / ".venv" / "bin" / "python")], env=env,
                                  capture_output=True).returncode == 0

        durations = []
        for dependencies in (BASE + ADDED, BASE, BASE + ADDED, BASE):
            lock(dependencies)
            started = time.monotonic()
            assert sync()
            durations.append(time.monotonic() - started)
        rng = random.Random("uv-sync-chaos-1")
        killed = broken = unchecked = unrepaired = 0
        for trial in range(args.trials):
            lock(BASE + ADDED if trial % 2 == 0 else BASE)
            process = subprocess.Popen([args.uv, "sync", "-q"], cwd=root, env=env, start_new_session=True)
            delay = rng.uniform(0, max(durations))
            time.sleep(delay)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                killed += 1
            process.wait()
            imported, checked = imports(), checks()
            repaired = sync() and imports() and checks()
            broken += not imported
            unchecked += not checked
            unrepaired += not repaired
            if not repaired:  # start the next trial from a whole environment again
                shutil.rmtree(root / ".venv")
                assert sync()
            print(f"trial {trial}: kill after {delay:.2f}s, imports {imported}, uv pip check {checked}, "
                  f"repaired by the next uv sync {repaired}", flush=True)
        print(f"{args.trials} trials, {killed} killed in the middle (a whole update: "
              f"{', '.join(f'{d:.1f}s' for d in durations)}); after the kill: base tools not importable {broken}, "
              f"uv pip check failing {unchecked}; not repaired by the next uv sync {unrepaired}")


if __name__ == "__main__":
    main()
