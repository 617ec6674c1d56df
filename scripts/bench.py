#!/usr/bin/env python3
"""Benchmarks that print medians and ratios (never run as tests): `python scripts/bench.py noop|cold`.

noop: the whole-process wall time of `installdev install-dev` and `installdev run -- python -c pass` on an
up-to-date project (installdev installed in a venv of its own, as pipx or `uv tool install` gives it) next to
`uv sync` and `uv run python -c pass` on the same project, `installdev bootstrap` of an up-to-date workspace of 20
projects and the interpreter floor, interleaved, with the three ratios the targets are set on. Runs offline from
wheels it builds itself (installdev's own dependencies come from the package index once).

cold: a project whose dev extra is a realistic tool set (requests, pydantic, pytest, pytest-cov,
black, isort, flake8, mypy), built from nothing by the DataHub recipe, installdev with pip and
installdev with uv, plus creation alone in copies and symlinks mode; interleaved, median of --runs.
The wheels are downloaded once from the package index into --wheels (the only network use), then
every run is offline.

locked: the same tool set as a uv-locked project (requests and pydantic as dependencies, the tools
as its dev group): installdev (uv) cold vs `uv sync` cold on the same uv.lock and wheel folder,
interleaved (median of --runs), then the no-op of each (30 runs); both as a developer runs them,
without --locked or --frozen.
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
    print(f"{'what':<52} {'median':>10} {'time / first row':>17} {'speed-up':>9}")
    for name, median in medians.items():
        print(f"{name:<52} {median * 1000:>8.1f}ms {median / medians[reference]:>16.3f}x {medians[reference] / median:>8.1f}x")


WORKSPACE_PROJECTS = 20


def bench_noop(runs: int) -> None:
    """No-op of install-dev and run against uv's on the same project, and the interpreter floor, interleaved.

    installdev runs as users install it: in a venv of its own (as pipx or `uv tool install` makes), through its
    console script. The project declares a dev group; uv has its own .venv and uv.lock beside installdev's venv.
    """
    import shutil

    uv = shutil.which("uv") or _uv_from_package()
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        root = Path(temp)
        wheels = root / "wheels"
        wheels.mkdir()
        copy_build_backend(wheels)
        build_wheel(wheels, "devtool")
        project = write_project(root / "proj", extras={})
        with open(project / "pyproject.toml", "a") as handle:
            handle.write('\n[dependency-groups]\ndev = ["devtool"]\n')
        env = offline_environment(wheels)
        python = os.path.realpath(sys.executable)
        tool = root / "tool"
        subprocess.run([python, "-m", "virtualenv", "-q", str(tool)], env=env, check=True)
        subprocess.run([str(tool / "bin" / "python"), "-m", "pip", "install", "-q", "--no-build-isolation", f"{REPO}[uv]"],
                       env={k: v for k, v in env.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}, check=True)
        tool_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        installdev = str(tool / "bin" / "installdev")
        uv_env = {**tool_env, "UV_OFFLINE": "1", "UV_FIND_LINKS": str(wheels), "UV_NO_INDEX": "1"}
        subprocess.run([installdev, "install-dev", str(project), "--python", python, "-q"], env=tool_env, check=True)
        subprocess.run([uv, "sync", "-q", "--python", python], env=uv_env, cwd=project, check=True)
        workspace = root / "workspace"
        for index in range(WORKSPACE_PROJECTS):
            write_project(workspace / "libs" / f"lib{index:02}", name=f"lib{index:02}")
        (workspace / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["libs/*"]\n')
        bootstrap = [installdev, "bootstrap", str(workspace), "--python", python, "-q"]
        subprocess.run(bootstrap, env=tool_env, check=True)
        commands = {
            "uv sync (no-op)": [uv, "sync", "-q", "--project", str(project)],
            "installdev install-dev (no-op)": [installdev, "install-dev", str(project), "--python", python, "-q"],
            "uv run python -c pass": [uv, "run", "-q", "--project", str(project), "python", "-c", "pass"],
            "installdev run -- python -c pass": [installdev, "run", str(project), "--python", python, "-q", "--",
                                                 "python", "-c", "pass"],
            f"installdev bootstrap, {WORKSPACE_PROJECTS} projects up to date": bootstrap,
            "installdev's own python -c pass (the floor)": [str(tool / "bin" / "python"), "-c", "pass"],
        }
        for argv in commands.values():  # the first run of each writes its quick record
            subprocess.run(argv, env=uv_env if argv[0] == uv else tool_env, check=True, stdout=subprocess.DEVNULL)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, argv in commands.items():
                started = time.perf_counter()
                subprocess.run(argv, env=uv_env if argv[0] == uv else tool_env, check=True, stdout=subprocess.DEVNULL)
                times[name].append(time.perf_counter() - started)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"no-op benchmark: {runs} interleaved runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        for name, median in medians.items():
            print(f"{name:<48} {median * 1000:>8.1f}ms")
        print(f"install-dev no-op / uv sync no-op: {medians['installdev install-dev (no-op)'] / medians['uv sync (no-op)']:.2f}x "
              "(target <= 1.0)")
        ratio = medians["installdev run -- python -c pass"] / medians["uv run python -c pass"]
        print(f"installdev run / uv run: {ratio:.2f}x (target <= 1.2)")
        workspace_noop = medians[f"installdev bootstrap, {WORKSPACE_PROJECTS} projects up to date"]
        ratio = workspace_noop / medians["installdev install-dev (no-op)"]
        print(f"bootstrap of {WORKSPACE_PROJECTS} / one project's no-op: {ratio:.2f}x (target <= 3)")


def _uv_from_package() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


DEV_TOOLS = ["requests", "pydantic", "pytest", "pytest-cov", "black", "isort", "flake8", "mypy"]
DATAHUB_RECIPE = ("{python} -m venv venv && venv/bin/python -m pip install -q --upgrade pip wheel setuptools && "
                  "venv/bin/pip install -q -e '.[dev]'")


def download_wheels(wheels: Path, python: str) -> None:
    marker = wheels / ".complete"
    if marker.exists():
        return
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(wheels),
                    *DEV_TOOLS, "pip", "setuptools", "wheel"], check=True)
    marker.touch()


def timed(argv: list[str] | str, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, shell=isinstance(argv, str), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def bench_cold(runs: int, wheels: Path) -> None:
    import shutil

    python = os.path.realpath(sys.executable)
    download_wheels(wheels, python)
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        project = write_project(Path(temp) / "proj", extras={"dev": DEV_TOOLS})
        env = offline_environment(wheels)
        env.pop("XDG_CACHE_HOME", None)  # uv's and virtualenv's caches stay warm, as on a developer machine
        installdev = [python, "-m", "installdev", "install-dev", str(project), "--python", python, "-q"]
        create_only = [python, "-c", "import sys; from installdev.cli import main; sys.exit(main(sys.argv[1:]))",
                       "install-dev", str(project), "--python", python, "-q", "--extras", "", "--installer", "uv"]
        commands: dict[str, list[str] | str] = {
            "DataHub recipe (venv + pip upgrade + pip -e .[dev])": DATAHUB_RECIPE.format(python=python),
            "installdev, pip": [*installdev, "--installer", "pip"],
            "installdev, uv": [*installdev, "--installer", "uv"],
            "creation + -e . only, symlinks": [*create_only, "--symlinks"],
            "creation + -e . only, copies": [*create_only, "--copies"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm the caches once, untimed
            timed(argv, env, project)
            shutil.rmtree(project / "venv")
        for _ in range(runs):
            for name, argv in commands.items():
                times[name].append(timed(argv, env, project))
                shutil.rmtree(project / "venv")
        print(f"cold build: {runs} interleaved runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"dev extra = {', '.join(DEV_TOOLS)}, offline from a local wheel folder, warm caches")
        print_table(times, "DataHub recipe (venv + pip upgrade + pip -e .[dev])")


LOCKED_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "lockedproj"
version = "0.1"
requires-python = ">=3.10"
dependencies = ["requests", "pydantic"]

[dependency-groups]
dev = ["pytest", "pytest-cov", "black", "isort", "flake8", "mypy"]

[tool.setuptools.packages.find]
where = ["src"]
"""


def locked_project(directory: Path, env: dict[str, str], uv: str) -> Path:
    """A project whose dependencies and ``dev`` group are the cold benchmark's tool set, locked by ``uv lock``."""
    (directory / "src" / "lockedproj").mkdir(parents=True)
    (directory / "src" / "lockedproj" / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(LOCKED_PYPROJECT)
    subprocess.run([uv, "lock", "-q"], cwd=directory, env=env, check=True)
    return directory


def bench_locked(runs: int, noop_runs: int, wheels: Path) -> None:
    """installdev cold vs ``uv sync`` cold on one locked project and wheel folder, then the no-op of each."""
    import shutil

    from installdev.actions.installer import find_uv

    uv = find_uv()
    if uv is None:
        raise SystemExit("the locked benchmark needs uv: pip install 'installdev[uv]'")
    python = os.path.realpath(sys.executable)
    download_wheels(wheels, python)
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        env = offline_environment(wheels)
        env.pop("XDG_CACHE_HOME", None)  # uv's and virtualenv's caches stay warm, as on a developer machine
        env.update(UV_NO_INDEX="1", UV_FIND_LINKS=str(wheels), UV_PYTHON=python, UV_PYTHON_DOWNLOADS="never",
                   PATH=os.pathsep.join([os.path.dirname(uv), env.get("PATH", "")]))  # installdev finds the same uv
        project = locked_project(Path(temp) / "proj", env, uv)
        unlocked = Path(temp) / "unlocked"  # the same project without its lock: what installdev did before
        shutil.copytree(project, unlocked, ignore=shutil.ignore_patterns("uv.lock"))
        venvs = {"uv sync": project / ".venv", "installdev": project / "venv",
                 "installdev, lock ignored (resolving)": unlocked / "venv"}
        commands = {
            "uv sync": [uv, "sync", "-q", "--project", str(project)],
            "installdev": [python, "-m", "installdev", "install-dev", str(project), "-q"],
            "installdev, lock ignored (resolving)": [python, "-m", "installdev", "install-dev", str(unlocked), "-q"],
        }
        cold: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(runs + 1):  # the first round warms the caches, untimed
            for name, argv in commands.items():
                elapsed = timed(argv, env, project)
                if round_:
                    cold[name].append(elapsed)
                shutil.rmtree(venvs[name])
        del commands["installdev, lock ignored (resolving)"]
        for argv in commands.values():  # the venvs the no-ops find
            timed(argv, env, project)
        noop = wall_times(commands, env, noop_runs, tool_env=env, tool_dir=Path(temp) / "none")
        uv_version = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.split()[1]
        print(f"locked project: {runs} cold and {noop_runs} no-op interleaved runs each, {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, uv {uv_version}, "
              f"dependencies requests, pydantic + dev group {', '.join(DEV_TOOLS[2:])}, offline from a local wheel folder")
        print_table({f"{name}, cold": values for name, values in cold.items()}, "uv sync, cold")
        print_table({f"{name}, no-op": values for name, values in noop.items()}, "uv sync, no-op")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["noop", "cold", "locked"], help="which benchmark")
    parser.add_argument("--runs", type=int, help="runs per command (default: 30 for noop, 5 for cold, 10 for locked)")
    parser.add_argument("--wheels", type=Path, default=Path.home() / ".cache" / "installdev-bench-wheels",
                        help="where cold keeps the downloaded wheels")
    args = parser.parse_args()
    if args.what == "noop":
        bench_noop(args.runs or 30)
    elif args.what == "locked":
        bench_locked(args.runs or 10, 30, args.wheels)
    else:
        bench_cold(args.runs or 5, args.wheels)


if __name__ == "__main__":
    main()
