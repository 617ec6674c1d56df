#!/usr/bin/env python3
"""Benchmarks that print medians and ratios (never run as tests): `python scripts/bench.py noop|cold|locked|lock|update`.

noop: the whole-process wall time of `installdev install-dev` on an up-to-date project from every documented install
route (`pip install` into a venv, `pipx install` and `uv tool install` of a wheel built from the checkout, `python -m
installdev`, `plugin/run_installdev.py`) and of `installdev run -- python -c pass`, next to `uv sync` and `uv run python
-c pass` on the same project, `installdev bootstrap` of an up-to-date workspace of 20 projects and the interpreter floor,
interleaved, with the ratios the targets are set on. The timed runs are offline, from wheels it builds itself
(installdev's own dependencies, and pipx, come from the package index while the routes are installed).

cold: a project whose dev extra is a realistic tool set (requests, pydantic, pytest, pytest-cov,
black, isort, flake8, mypy), built from nothing by the DataHub recipe, installdev with pip and
installdev with uv, plus creation alone in copies and symlinks mode; interleaved, median of --runs.
The wheels are downloaded once from the package index into --wheels (the only network use), then
every run is offline.

locked: `installdev install-dev` cold next to `uv sync` cold on uv-locked projects, both as a developer runs them
(no --locked, no --frozen): "small" (requests and pydantic as dependencies, pytest, pytest-cov, black, isort, flake8
and mypy as its dev group) and "large" (the same plus the dev group of a real project: sphinx, tox, pre-commit,
hypothesis, nox, build, twine, ipython, pytest-xdist, pytest-mock). installdev runs from a venv of its own, as noop
installs it, and finds the uv of its [uv] extra; the uv sync rows run that same uv binary. Each project is locked by
`uv lock --no-index` against the wheel folder, for the running platform and Python version only (so every locked
package comes from the folder and is installed), and every run is offline (UV_OFFLINE, UV_PYTHON set to the base
interpreter, uv's cache warm). Per project: one untimed warm-up round, --runs interleaved cold rounds (each venv
deleted after its run and the disk synced), then 30 interleaved no-op runs of each; beside them a Python program that
does nothing but run `uv sync` (the floor of any Python entry point: interpreter start, subprocess, uv), and for the
small project installdev on the same project without its uv.lock (resolving), the picture before locks were read.
Printed: per project the medians, the ratio installdev cold / uv sync cold (target <= 1.3), installdev's own time
(the difference of the medians) and how much of it the floor is, and the no-op ratio (target <= 1.0). --under /dev/shm
makes the projects and uv's cache on a tmpfs: the disk out, the tools' own time in.

lock: what the venv lock costs a build, in fresh processes that have imported what a build has by the time it takes
the lock: taking and releasing installdev's lock for the first time (its import included), next to `import filelock`
alone (what moving the lock onto filelock would add at least; README, "The lock and filelock"); interleaved, median
and minimum of --runs (default 30).

update: one change to a venv that exists (a requirement added, one removed, a dependency group switched on, a pin
bumped; each made and then undone, both timed), on a small project (requests, pytest, pytest-cov, black, mypy, flake8)
and a large one (the locked benchmark's large set): `installdev install-dev` updating in place, `installdev --force`
rebuilding from nothing (what every change did before updates) and `uv pip install --exact` making the same change
in a twin venv, interleaved, median of --runs rounds (target: installdev <= 1.5x uv).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

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


def wall_times(commands: dict[str, list[str]], env_for: Callable[[list[str]], dict[str, str]],
               runs: int) -> dict[str, list[float]]:
    """Run each command once, untimed (it makes what the later runs find up to date), then ``runs`` times,
    interleaved, and return the wall times in seconds. Each command runs with the environment ``env_for`` gives."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        for name, argv in commands.items():
            started = time.perf_counter()
            completed = subprocess.run(argv, env=env_for(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if round_:
                times[name].append(time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(f"{name} failed: {completed.stderr.decode(errors='replace')}")
    return times


def print_table(times: dict[str, list[float]], reference: str) -> None:
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"{'what':<52} {'median':>10} {'time / first row':>17} {'speed-up':>9}")
    for name, median in medians.items():
        print(f"{name:<52} {median * 1000:>8.1f}ms {median / medians[reference]:>16.3f}x {medians[reference] / median:>8.1f}x")


class Tool(NamedTuple):
    """installdev as users install it, and the uv it finds."""

    python: str  # the tool venv's interpreter
    installdev: str  # its console script
    uv: str  # the uv installdev finds there (its [uv] extra): the benchmarks' uv rows run this same binary
    uv_version: str
    env: dict[str, str]  # the offline environment without PYTHONPATH: nothing from the checkout is importable
    wheel: Path  # installdev's wheel, built from the checkout: what the other install routes install
    pip_version: str  # the pip that installed it (its console-script wrapper is that pip's)


def tool_venv(directory: Path, env: dict[str, str]) -> Tool:
    """installdev's wheel built from the checkout, installed with its ``[uv]`` extra by pip into a virtualenv of its own
    at ``directory``: `pip install` into a venv, its bytecode compiled by pip, run through its console script. Its
    dependencies come from the package index (noop's only network use besides the other routes'; locked's besides the
    one wheel download)."""
    python = os.path.realpath(sys.executable)
    subprocess.run([python, "-m", "virtualenv", "-q", str(directory)], env=env, check=True)
    tool_python = str(directory / "bin" / "python")
    online = {k: v for k, v in env.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS", "PYTHONPATH")}
    source = directory / "source"  # a copy, so that the build's egg-info and build/ stay out of the checkout
    shutil.copytree(REPO / "plugin", source / "plugin", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    subprocess.run([tool_python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(directory / "built"), str(source)], env=online, check=True)
    (wheel,) = (directory / "built").glob("installdev-*.whl")
    subprocess.run([tool_python, "-m", "pip", "install", "-q", f"{wheel}[uv]"], env=online, check=True)
    tool_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    found = subprocess.run([tool_python, "-c", "from installdev.actions.installer import find_uv; print(find_uv() or '')"],
                           env=tool_env, capture_output=True, text=True, check=True).stdout.strip()
    if not found:
        raise SystemExit(f"installdev in {directory} finds no uv, although its [uv] extra is installed")
    version = subprocess.run([found, "--version"], env=tool_env, capture_output=True, text=True, check=True).stdout.split()[1]
    pip_version = subprocess.run([tool_python, "-m", "pip", "--version"], env=tool_env, capture_output=True, text=True,
                                 check=True).stdout.split()[1]
    return Tool(tool_python, str(directory / "bin" / "installdev"), found, version, tool_env, wheel, pip_version)


def installed_routes(root: Path, tool: Tool) -> dict[str, list[str]]:
    """installdev's command from each documented install route besides `pip install` (``tool``): `pipx install` and
    `uv tool install` of the same wheel (their dependencies from the index), `python -m installdev` in pip's venv, and
    the vendored `plugin/run_installdev.py` of the checkout, run by that venv's python (a base interpreter's own start
    is the machine's: the floor rows show it)."""
    online = {k: v for k, v in tool.env.items() if k not in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}  # no PYTHONPATH there
    pipx_venv = root / "pipx-venv"
    subprocess.run([tool.python, "-m", "virtualenv", "-q", str(pipx_venv)], env=online, check=True)
    subprocess.run([str(pipx_venv / "bin" / "python"), "-m", "pip", "install", "-q", "pipx"], env=online, check=True)
    pipx_bin = root / "pipx-bin"
    subprocess.run([str(pipx_venv / "bin" / "pipx"), "install", "--python", os.path.realpath(sys.executable),
                    str(tool.wheel)], env={**online, "PIPX_HOME": str(root / "pipx-home"), "PIPX_BIN_DIR": str(pipx_bin),
                                          "PIPX_MAN_DIR": str(root / "pipx-man")}, check=True, stdout=subprocess.DEVNULL)
    uv_bin = root / "uv-tool-bin"
    subprocess.run([tool.uv, "tool", "install", "-q", "--python", os.path.realpath(sys.executable), str(tool.wheel)],
                   env={**online, "UV_TOOL_DIR": str(root / "uv-tools"), "UV_TOOL_BIN_DIR": str(uv_bin)}, check=True)
    return {
        f"pip install (pip {tool.pip_version}'s wrapper)": [tool.installdev],
        "pipx install": [str(pipx_bin / "installdev")],
        "uv tool install": [str(uv_bin / "installdev")],
        "python -m installdev": [tool.python, "-m", "installdev"],
        "plugin/run_installdev.py": [tool.python, str(REPO / "plugin" / "run_installdev.py")],
    }


WORKSPACE_PROJECTS = 20


def bench_noop(runs: int) -> None:
    """No-op of install-dev from every install route, and of run, against uv's on the same project, and the interpreter
    floor, interleaved.

    The project declares a dev group; uv has its own .venv and uv.lock beside installdev's venv. uv is the one
    installdev's [uv] extra installed. Every route answers the same invocation, so from the same quick record.
    """
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        root = Path(temp)
        wheels = root / "wheels"
        wheels.mkdir()
        copy_build_backend(wheels)
        build_wheel(wheels, "devtool")
        project = write_project(root / "proj", extras={})
        with open(project / "pyproject.toml", "a") as handle:
            handle.write('\n[dependency-groups]\ndev = ["devtool"]\n')
        python = os.path.realpath(sys.executable)
        tool = tool_venv(root / "tool", offline_environment(wheels))
        routes = installed_routes(root, tool)
        uv, installdev, tool_env = tool.uv, tool.installdev, tool.env
        uv_env = {**tool_env, "UV_OFFLINE": "1", "UV_FIND_LINKS": str(wheels), "UV_NO_INDEX": "1"}
        install_dev = ["install-dev", str(project), "--python", python, "-q"]
        subprocess.run([installdev, *install_dev], env=tool_env, check=True)
        subprocess.run([uv, "sync", "-q", "--python", python], env=uv_env, cwd=project, check=True)
        workspace = root / "workspace"
        for index in range(WORKSPACE_PROJECTS):
            write_project(workspace / "libs" / f"lib{index:02}", name=f"lib{index:02}")
        (workspace / "pyproject.toml").write_text('[tool.installdev.workspace]\nprojects = ["libs/*"]\n')
        bootstrap = [installdev, "bootstrap", str(workspace), "--python", python, "-q"]
        subprocess.run(bootstrap, env=tool_env, check=True)
        route_rows = {f"install-dev no-op from {route}": [*command, *install_dev] for route, command in routes.items()}
        commands = {
            "uv sync (no-op)": [uv, "sync", "-q", "--project", str(project)],
            **route_rows,
            "uv run python -c pass": [uv, "run", "-q", "--project", str(project), "python", "-c", "pass"],
            "installdev run -- python -c pass": [installdev, "run", str(project), "--python", python, "-q", "--",
                                                 "python", "-c", "pass"],
            f"installdev bootstrap, {WORKSPACE_PROJECTS} projects up to date": bootstrap,
            "pip's venv python -c pass (the floor)": [tool.python, "-c", "pass"],
            "the base interpreter's python -c pass": [python, "-c", "pass"],
        }
        times = wall_times(commands, lambda argv: uv_env if argv[0] == uv else tool_env, runs)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"no-op benchmark: {runs} interleaved runs each, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
              f"uv {tool.uv_version}")
        for name, median in medians.items():
            print(f"{name:<60} {median * 1000:>8.1f}ms")
        uv_sync = medians["uv sync (no-op)"]
        for name in route_rows:
            print(f"{name} / uv sync no-op: {medians[name] / uv_sync:.2f}x (target <= 1.0)")
        ratio = medians["installdev run -- python -c pass"] / medians["uv run python -c pass"]
        print(f"installdev run / uv run: {ratio:.2f}x (target <= 1.2)")
        workspace_noop = medians[f"installdev bootstrap, {WORKSPACE_PROJECTS} projects up to date"]
        ratio = workspace_noop / medians[next(iter(route_rows))]
        print(f"bootstrap of {WORKSPACE_PROJECTS} / one project's no-op: {ratio:.2f}x (target <= 3)")


DEV_TOOLS = ["requests", "pydantic", "pytest", "pytest-cov", "black", "isort", "flake8", "mypy"]
DATAHUB_RECIPE = ("{python} -m venv venv && venv/bin/python -m pip install -q --upgrade pip wheel setuptools && "
                  "venv/bin/pip install -q -e '.[dev]'")


# the large locked project's dev group adds what real projects carry: docs, test runners, release and hook tools
LARGE_DEV_GROUP_EXTRA = ["sphinx", "tox", "pre-commit", "hypothesis", "nox", "build", "twine", "ipython", "pytest-xdist",
                         "pytest-mock"]
DOWNLOADED = [*DEV_TOOLS, *LARGE_DEV_GROUP_EXTRA, "pip", "setuptools", "wheel"]


def download_wheels(wheels: Path, python: str) -> None:
    """Every wheel cold and locked install, from the package index into ``wheels``, in one resolution for the running
    Python; once: the marker names the set downloaded, so only a changed set downloads again (into the same folder)."""
    marker = wheels / ".complete"
    wanted = "\n".join(DOWNLOADED) + "\n"
    if marker.exists() and marker.read_text() == wanted:
        return
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([python, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(wheels), *DOWNLOADED],
                   check=True)
    marker.write_text(wanted)


def timed(argv: list[str] | str, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(argv, env=env, cwd=cwd, shell=isinstance(argv, str), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{argv} failed: {completed.stderr.decode(errors='replace')}")
    return elapsed


def cold_rounds(commands: dict[str, list[str] | str], venvs: dict[str, Path], env: dict[str, str], cwd: Path,
                runs: int) -> dict[str, list[float]]:
    """One untimed round that warms the caches, then ``runs`` interleaved rounds, in reverse order every other round
    (a command never always follows the same one, nor the deletion of the same venv); each command's venv (``venvs``)
    is deleted after each of its runs, so every run builds from nothing. The disk is synced after each deletion: a run's
    writes and their deletion are flushed before the next run starts, not charged to it."""

    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(runs + 1):
        order = list(commands) if round_ % 2 else list(reversed(commands))
        for name in order:
            elapsed = timed(commands[name], env, cwd)
            if round_:
                times[name].append(elapsed)
            shutil.rmtree(venvs[name])
            os.sync()
    return times


def bench_cold(runs: int, wheels: Path) -> None:
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
        times = cold_rounds(commands, dict.fromkeys(commands, project / "venv"), env, project, runs)
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
dev = [{dev}]

[tool.setuptools.packages.find]
where = ["src"]

[tool.uv]
environments = ["{environment}"]
"""
LOCKED_DEPENDENCIES = DEV_TOOLS[:2]
LOCKED_DEV_GROUPS = {"small": DEV_TOOLS[2:], "large": [*DEV_TOOLS[2:], *LARGE_DEV_GROUP_EXTRA]}


def locked_project(directory: Path, dev_group: list[str], env: dict[str, str], uv: str) -> tuple[Path, int]:
    """A project with requests and pydantic as dependencies and ``dev_group``, locked by ``uv lock`` against the wheel
    folder alone (no index). The lock is limited (``tool.uv.environments``) to the running platform and Python version,
    the ones the folder has wheels for: a universal lock would need packages of other platforms and Pythons
    (pywin32-ctypes on Windows, tomli on 3.10), which are neither downloaded nor installed. Returns the project and
    its number of locked packages (the project included): all of them are installed."""
    (directory / "src" / "lockedproj").mkdir(parents=True)
    (directory / "src" / "lockedproj" / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(LOCKED_PYPROJECT.format(
        environment=f"sys_platform == '{sys.platform}' and python_version == '{sys.version_info[0]}.{sys.version_info[1]}'",
        dev=", ".join(f'"{name}"' for name in dev_group)))
    subprocess.run([uv, "lock", "-q", "--no-index"], cwd=directory, env=env, check=True)
    lock = (directory / "uv.lock").read_text()
    if "registry = \"http" in lock:
        raise SystemExit(f"{directory / 'uv.lock'} names a package index: the locked projects must come from the wheel folder")
    return directory, lock.splitlines().count("[[package]]")


LOCKED_NOOP_RUNS = 30
# the least any Python entry point that runs `uv sync` costs: its interpreter starts, imports subprocess, runs uv
PYTHON_FLOOR = "import subprocess, sys; sys.exit(subprocess.run([sys.argv[1], 'sync', '-q', '--project', sys.argv[2]]).returncode)"


def bench_locked(runs: int, wheels: Path, under: Path | None) -> None:
    """installdev cold vs ``uv sync`` cold on a small and a large locked project, then the no-op of each. With ``under``
    the projects and uv's cache are made there (a tmpfs takes the disk out of the comparison)."""

    python = os.path.realpath(sys.executable)
    download_wheels(wheels, python)
    with tempfile.TemporaryDirectory(prefix="installdev-bench-", dir=under) as temp:
        root = Path(temp)
        offline = offline_environment(wheels)
        offline.pop("XDG_CACHE_HOME", None)  # uv's and virtualenv's caches stay warm, as on a developer machine
        if under is not None:
            offline["UV_CACHE_DIR"] = str(root / "uv-cache")  # warmed by uv lock and the untimed round
        tool = tool_venv(root / "tool", offline)
        env = {**tool.env, "UV_OFFLINE": "1", "UV_FIND_LINKS": str(wheels), "UV_PYTHON": python,
               "UV_PYTHON_DOWNLOADS": "never"}  # installdev passes these to the uv sync it runs
        projects = {size: locked_project(root / size, dev_group, env, tool.uv)
                    for size, dev_group in LOCKED_DEV_GROUPS.items()}
        print(f"locked projects: {runs} cold and {LOCKED_NOOP_RUNS} no-op interleaved runs each, {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, uv {tool.uv_version} (installdev's, from its [uv] extra, in every row), "
              f"locked packages: {', '.join(f'{size} {count}' for size, (_, count) in projects.items())}; "
              "installdev from a venv of its own, offline from a local wheel folder, warm uv cache"
              + (f", projects and uv cache under {under}" if under else ""), flush=True)
        for size, (project, count) in projects.items():
            commands: dict[str, list[str] | str] = {
                "uv sync": [tool.uv, "sync", "-q", "--project", str(project)],
                "installdev": [tool.installdev, "install-dev", str(project), "-q"],
                "python running uv sync (a Python entry point's floor)": [tool.python, "-c", PYTHON_FLOOR, tool.uv,
                                                                          str(project)],
            }
            venvs = {"uv sync": project / ".venv", "installdev": project / "venv",
                     "python running uv sync (a Python entry point's floor)": project / ".venv"}
            if size == "small":  # the same project without its lock: what installdev did before it read locks
                unlocked = root / "small-unlocked"
                shutil.copytree(project, unlocked, ignore=shutil.ignore_patterns("uv.lock"))
                commands["installdev, lock ignored (resolving)"] = [tool.installdev, "install-dev", str(unlocked), "-q"]
                venvs["installdev, lock ignored (resolving)"] = unlocked / "venv"
            lock = (project / "uv.lock").read_bytes()
            cold = cold_rounds(commands, venvs, env, project, runs)
            noop_commands = {name: commands[name] for name in ("uv sync", "installdev")}
            noop = wall_times(noop_commands, lambda argv: env, LOCKED_NOOP_RUNS)  # its first, untimed run builds
            if (project / "uv.lock").read_bytes() != lock:
                raise SystemExit(f"{project / 'uv.lock'} was re-locked during the runs: the comparison is void")
            group = LOCKED_DEV_GROUPS[size]
            print(f"\n{size} project, {count} locked packages: dependencies {', '.join(LOCKED_DEPENDENCIES)} + dev group "
                  f"{', '.join(group)}")
            print_table({f"{name}, cold": values for name, values in cold.items()}, "uv sync, cold")
            installdev_cold, uv_cold, floor_cold = (statistics.median(cold[name]) for name in (
                "installdev", "uv sync", "python running uv sync (a Python entry point's floor)"))
            print(f"installdev cold / uv sync cold: {installdev_cold / uv_cold:.2f}x (target <= 1.3); "
                  f"installdev's own time: {(installdev_cold - uv_cold) * 1000:+.0f} ms, of which the floor "
                  f"{(floor_cold - uv_cold) * 1000:+.0f} ms (floor / uv sync: {floor_cold / uv_cold:.2f}x)")
            print_table({f"{name}, no-op": values for name, values in noop.items()}, "uv sync, no-op")
            installdev_noop, uv_noop = (statistics.median(noop[name]) for name in ("installdev", "uv sync"))
            print(f"install-dev no-op / uv sync no-op: {installdev_noop / uv_noop:.2f}x (target <= 1.0)", flush=True)


_BUILD_PATH_MODULES = ("installdev.install_dev", "installdev.plan", "installdev.actions.replace",
                       "installdev.actions.installer", "json", "pathlib")


def bench_lock(runs: int) -> None:
    prelude = f"import sys, time; import {', '.join(_BUILD_PATH_MODULES)}; from pathlib import Path; " \
              "from installdev.report import Reporter; started = time.perf_counter()\n"
    report = "\nprint((time.perf_counter() - started) * 1000)\n"
    venv = Path(tempfile.mkdtemp(prefix="bench-lock-")) / "venv"
    programs = {
        "installdev's venv_lock, first take and release": prelude + "from installdev.actions.locking import venv_lock\n"
        f"with venv_lock(Path({str(venv)!r}), 5, Reporter()): pass" + report,
        "import filelock": prelude + "import filelock" + report,
    }
    # with bytecode caches, as an installed installdev has them: the first (untimed) round writes them
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO / "plugin")
    times: dict[str, list[float]] = {name: [] for name in programs}
    for round_number in range(runs + 1):
        for name, program in programs.items():
            completed = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
            if round_number:
                times[name].append(float(completed.stdout))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.1f} ms, min {min(values):.1f} ms ({runs} runs)")


UPDATE_PROJECTS = {"small": ["requests", "pytest", "pytest-cov", "black", "mypy", "flake8"],
                   "large": [*DEV_TOOLS, *LARGE_DEV_GROUP_EXTRA]}
UPDATE_BUMP = ("requests==2.31.0", "requests")  # a pin bumped: the old release is downloaded besides
UPDATE_GROUP = "lint"  # the selection switched on and off: a dependency group holding isort
UPDATE_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "updateproj"
version = "0.1"

[dependency-groups]
lint = ["isort"]

[tool.setuptools.packages.find]
where = ["src"]
"""


def update_changes(tools: list[str]) -> list[tuple[str, list[str], list[str], bool]]:
    """The changes timed, each made and then undone: (name, requirement lines before, after, with the group after)."""
    kept = [tool for tool in tools if tool != "isort"]
    bumped = [UPDATE_BUMP[0] if tool == "requests" else tool for tool in kept]
    return [("one requirement added (isort)", kept, [*kept, "isort"], False),
            ("one requirement removed (flake8)", kept, [tool for tool in kept if tool != "flake8"], False),
            (f"selection switched (--group {UPDATE_GROUP})", kept, kept, True),
            ("a pin bumped (requests 2.31.0 -> newest)", bumped, kept, False)]


def bench_update(runs: int, wheels: Path) -> None:
    """installdev updating a venv after one change, next to `uv pip install --exact` making the same change in a twin
    venv (uv's incremental, exact update) and installdev rebuilding from nothing (--force: what every change did before
    updates), interleaved, per project and change (each made, then undone)."""
    python = os.path.realpath(sys.executable)
    download_wheels(wheels, python)
    subprocess.run([python, "-m", "pip", "download", "-q", "--only-binary=:all:", "--no-deps", "-d", str(wheels),
                    UPDATE_BUMP[0]], check=True)
    with tempfile.TemporaryDirectory(prefix="installdev-bench-") as temp:
        env = offline_environment(wheels)
        env.pop("XDG_CACHE_HOME", None)
        tool = tool_venv(Path(temp) / "tool", env)
        env = {**tool.env, "UV_OFFLINE": "1"}
        print(f"update: {runs} interleaved rounds per change (made, then undone: both timed), {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, uv {tool.uv_version}, offline from a local wheel folder, warm caches")
        for size, tools in UPDATE_PROJECTS.items():
            projects = {}
            for who in ("installdev", "rebuild", "uv"):
                project = Path(temp) / f"{size}-{who}"
                (project / "src" / "updateproj").mkdir(parents=True)
                (project / "src" / "updateproj" / "__init__.py").write_text("")
                (project / "pyproject.toml").write_text(UPDATE_PYPROJECT)
                projects[who] = project
            uv_venv = projects["uv"] / "venv"
            subprocess.run([tool.uv, "venv", "-q", "--python", python, str(uv_venv)], env=env, check=True)
            for name, before, after, group in update_changes(tools):
                times: dict[str, list[float]] = {"installdev install-dev": [], "installdev --force (rebuild, as before)": [],
                                                 "uv pip install --exact": []}
                states = [(before, False), (after, group)]
                for round_ in range(2 * runs + 1):
                    lines, with_group = states[(round_ + 1) % 2]
                    commands = {
                        "installdev install-dev": [tool.installdev, "install-dev", str(projects["installdev"]), "-q",
                                                   "-r", "requirements-dev.txt",
                                                   *(["--group", UPDATE_GROUP] if with_group else [])],
                        "installdev --force (rebuild, as before)": [
                            tool.installdev, "install-dev", str(projects["rebuild"]), "-q", "--force", "-r",
                            "requirements-dev.txt", *(["--group", UPDATE_GROUP] if with_group else [])],
                        "uv pip install --exact": [tool.uv, "pip", "install", "-q", "--exact", "--no-index", "--find-links",
                                                   str(wheels), "--python",
                                                   str(uv_venv / "bin" / "python"), "-e", ".", "-r",
                                                   "requirements-dev.txt",
                                                   *(["--group", f"pyproject.toml:{UPDATE_GROUP}"] if with_group else [])],
                    }
                    order = list(commands) if round_ % 2 else list(reversed(commands))
                    for who in order:
                        project = projects["rebuild" if "--force" in who else "installdev" if who.startswith("installdev")
                                           else "uv"]
                        (project / "requirements-dev.txt").write_text("\n".join(lines) + "\n")
                        elapsed = timed(commands[who], env, project)
                        if round_:  # the first round brings both venvs to the state the changes start from
                            times[who].append(elapsed)
                print(f"\n{size} project ({len(tools)} tools), {name}:")
                print_table(times, "uv pip install --exact")
        bench_locked_updates(tool, env, Path(temp), runs)


def bench_locked_updates(tool: Tool, env: dict[str, str], root: Path, runs: int) -> None:
    """installdev updating the venv of a project locked by uv.lock (``uv sync`` into it) next to ``uv sync`` making
    the same change to its own ``.venv``, interleaved: a pin bumped in the lock alone (pyproject.toml unchanged, so
    neither rebuilds the editable project), and the dev group switched off and on."""
    env = {**env, "UV_FIND_LINKS": env["PIP_FIND_LINKS"], "UV_PYTHON": os.path.realpath(sys.executable),
           "UV_PYTHON_DOWNLOADS": "never"}
    for size, dev_group in LOCKED_DEV_GROUPS.items():
        projects = {who: locked_project(root / f"locked-{size}-{who}", dev_group, env, tool.uv)[0]
                    for who in ("installdev", "uv sync")}
        newest = (projects["uv sync"] / "uv.lock").read_text()
        subprocess.run([tool.uv, "lock", "-q", "--no-index", "--upgrade-package", UPDATE_BUMP[0]], cwd=projects["uv sync"],
                       env=env, check=True)
        bumped = (projects["uv sync"] / "uv.lock").read_text()
        if bumped == newest:
            raise SystemExit(f"uv lock --upgrade-package {UPDATE_BUMP[0]} changed nothing: the comparison is void")
        changes = [("a pin bumped in uv.lock (requests 2.31.0 -> newest)", (bumped, ()), (newest, ())),
                   ("selection switched (--no-dev)", (newest, ()), (newest, ("--no-dev",)))]
        project_of = {"installdev install-dev": projects["installdev"], "uv sync": projects["uv sync"]}
        for name, before, after in changes:
            times: dict[str, list[float]] = {who: [] for who in project_of}
            for round_ in range(2 * runs + 1):
                lock, flags = (before, after)[(round_ + 1) % 2]
                commands = {"installdev install-dev": [tool.installdev, "install-dev", str(projects["installdev"]), "-q",
                                                       *flags],
                            "uv sync": [tool.uv, "sync", "-q", *flags, "--project", str(projects["uv sync"])]}
                for who in (list(commands) if round_ % 2 else list(reversed(commands))):
                    (project_of[who] / "uv.lock").write_text(lock)
                    elapsed = timed(commands[who], env, project_of[who])
                    if round_:  # the first round brings both venvs to the state the changes start from
                        times[who].append(elapsed)
            print(f"\n{size} locked project ({len(dev_group)} tools in its dev group), {name}:")
            print_table(times, "uv sync")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["noop", "cold", "locked", "lock", "update"], help="which benchmark")
    parser.add_argument("--runs", type=int, help="timed runs per command: noop's no-op runs and lock's runs (default "
                        "30), cold's and locked's cold rounds (default 5 and 10; locked's no-op runs are always 30), "
                        "update's rounds (default 5)")
    parser.add_argument("--wheels", type=Path, default=Path.home() / ".cache" / "installdev-bench-wheels",
                        help="where cold and locked keep the wheels they download once (one folder for both)")
    parser.add_argument("--under", type=Path, help="locked: make the projects and uv's cache in this directory (e.g. "
                        "/dev/shm, to take the disk out of the comparison) instead of the temp dir and uv's own cache")
    args = parser.parse_args()
    if args.what == "noop":
        bench_noop(args.runs or 30)
    elif args.what == "lock":
        bench_lock(args.runs or 30)
    elif args.what == "locked":
        bench_locked(args.runs or 10, args.wheels, args.under)
    elif args.what == "update":
        bench_update(args.runs or 5, args.wheels)
    else:
        bench_cold(args.runs or 5, args.wheels)


if __name__ == "__main__":
    main()
