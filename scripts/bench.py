#!/usr/bin/env python3
"""Benchmarks that print medians and ratios (never run as tests): `python scripts/bench.py noop`.

noop: the whole-process wall time of installdev's up-to-date path on an unchanged project, next to
`python -c pass` (the floor) and pip's own no-op (`pip install -e '.[dev]'` again), measured
interleaved. Runs offline from wheels it builds itself.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "plugin"))

from wheelhouse import build_wheel, copy_build_backend, write_project  # noqa: E402


def offline_environment(wheels: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "VIRTUALENV_", "INSTALLDEV_", "UV_")) and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_CONFIG_FILE=os.devnull,
               PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONPATH=str(REPO / "plugin"))
    return env


def wall_times(commands: dict[str, list[str]], env: dict[str, str], runs: int, tool_env: dict[str, str],
               tool_dir: Path) -> dict[str, list[float]]:
    """Run each command ``runs`` times, interleaved, and return the wall times in seconds.

    Commands whose program lives in ``tool_dir`` run with ``tool_env`` (no PYTHONPATH to the checkout)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            run_env = tool_env if argv[0].startswith(str(tool_dir)) else env
            started = time.perf_counter()
            completed = subprocess.run(argv, env=run_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            times[name].append(time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(f"{name} failed: {completed.stderr.decode(errors='replace')}")
    return times


def print_table(times: dict[str, list[float]], reference: str) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'what':<48} {'median':>10} {'vs ' + reference:>16}")
    for name, median in medians.items():
        print(f"{name:<48} {median * 1000:>8.1f}ms {medians[reference] / median:>15.1f}x")


def bench_noop(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        root = Path(temp)
        wheels = root / "wheels"
        wheels.mkdir()
        copy_build_backend(wheels)
        build_wheel(wheels, "devtool")
        project = write_project(root / "proj")
        env = offline_environment(wheels)
        python = os.path.realpath(sys.executable)
        build = [python, "-m", "installdev", "install-dev", str(project), "--python", python, "--installer", "pip", "-q"]
        subprocess.run(build, env=env, check=True)
        venv_python = str(project / "venv" / "bin" / "python")
        # installdev installed in a venv of its own, as pipx or a tool install has it: its site does not run
        # the base interpreter's .pth hooks. The no-op path needs none of installdev's dependencies.
        tool = root / "tool"
        subprocess.run([python, "-m", "virtualenv", "-q", str(tool)], env=env, check=True)
        subprocess.run([str(tool / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        str(REPO)], env=env, check=True)
        tool_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        commands = {
            "pip install -e '.[dev]' again (pip's no-op)":
                [venv_python, "-m", "pip", "install", "-q", "-e", f"{project}[dev]"],
            "python -m installdev install-dev (up to date)": build,
            "python plugin/run_installdev.py install-dev": [python, str(REPO / "plugin" / "run_installdev.py"),
                                                            *build[3:]],
            "python -c pass (interpreter start, the floor)": [python, "-c", "pass"],
            "installdev install-dev, installed in its own venv": [str(tool / "bin" / "installdev"), *build[3:]],
            "its venv's python -c pass (the floor there)": [str(tool / "bin" / "python"), "-c", "pass"],
        }
        if not (REPO / "plugin" / "run_installdev.py").exists():
            del commands["python plugin/run_installdev.py install-dev"]
        times = wall_times(commands, env, runs, tool_env=tool_env, tool_dir=tool)
        print(f"no-op benchmark: {runs} interleaved runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print_table(times, "pip install -e '.[dev]' again (pip's no-op)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["noop"], help="which benchmark")
    parser.add_argument("--runs", type=int, default=30, help="runs per command (default 30)")
    args = parser.parse_args()
    bench_noop(args.runs)


if __name__ == "__main__":
    main()
