"""Helpers for the end-to-end tests of the build-tool integration: real Gradle, real GNU Make, the entry point.

Every build runs on a copy of ``gradle-example/`` and ``plugin/`` in the test's temporary directory,
with pip offline on the session's wheelhouse and a PATH that offers only a ``python3`` wrapper around
the interpreter running the tests plus the directories of the build tools: so an ``installdev``
installed elsewhere on the machine is never picked up, and the entry point in ``plugin/`` is what runs.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hostfixtures import require_host

REPO = Path(__file__).resolve().parent.parent
PLUGIN_DIR = REPO / "plugin"
EXAMPLE_DIR = REPO / "gradle-example"
BUILD_TIMEOUT = 600

_COPY_IGNORE = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".gradle", "build", "venv", "venv.*", ".venv*", "*.egg-info", ".pytest_cache"
)


def require_tool(name: str) -> str:
    """The path of ``name`` on PATH. Missing: the test fails under CI=true (CI installs it), else it skips."""
    path = shutil.which(name)
    require_host(path is not None, f"{name} is not on PATH; .ci/run installs it (scripts/install-test-deps.sh)")
    return path


def copy_example(destination: Path) -> Path:
    """Copy plugin/ and gradle-example/ side by side into ``destination``; return the example's copy."""
    shutil.copytree(PLUGIN_DIR, destination / "plugin", ignore=_COPY_IGNORE)
    return Path(shutil.copytree(EXAMPLE_DIR, destination / "gradle-example", ignore=_COPY_IGNORE))


_HOLD_CHECK = """\
import fcntl, os
descriptor = os.open(os.path.join(os.environ["VIRTUAL_ENV"], ".installdev-in-use"), os.O_RDONLY | os.O_NOFOLLOW)
try:
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    held = "not held"
except BlockingIOError:
    held = "held"
print("hold-check:", held, os.environ.get("HOLD_CHECK_VALUE"), os.environ.get("FROM_TASK"))
"""


def add_hold_check(example: Path) -> None:
    """Give the example's appdemo a venv task, ``held`` in Gradle and ``held-appdemo`` in Make, printing "hold-check:",
    whether the command holds its venv (an exclusive try on the use lock from another open of it fails), then
    HOLD_CHECK_VALUE and FROM_TASK (the Gradle task sets FROM_TASK=set) as it sees them."""
    (example / "appdemo" / "check_hold.py").write_text(_HOLD_CHECK)
    with (example / "appdemo" / "build.gradle").open("a") as build:
        build.write("\ninstalldevVenvExec('held') {\n    commandLine 'python', 'check_hold.py'\n"
                    "    environment 'FROM_TASK', 'set'\n}\n")
    with (example / "Makefile").open("a") as makefile:
        makefile.write("\nheld-appdemo: install-dev-appdemo\n\t$(call installdev_run,appdemo) python check_hold.py\n")


def tool_path(directory: Path, *tools: str) -> str:
    """A PATH with a ``python3`` wrapper for this interpreter and the directories of ``tools`` (plus /usr/bin, /bin)."""
    directory.mkdir(parents=True, exist_ok=True)
    wrapper = directory / "python3"
    # A wrapper, not a symlink: a symlink to a venv's python outside the venv loses the venv.
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    entries = [str(directory)]
    for tool in tools:
        found = shutil.which(tool)
        if found:
            entries.append(os.path.dirname(os.path.realpath(found)))
            entries.append(os.path.dirname(found))
    entries += ["/usr/bin", "/bin"]
    return os.pathsep.join(dict.fromkeys(entries))


def build_env(offline_env: dict[str, str], tmp_path: Path, *tools: str) -> dict[str, str]:
    """The conftest's offline environment for a build tool: restricted PATH, no PYTHONPATH, no stray flags."""
    env = {key: value for key, value in offline_env.items()
           if not key.endswith("_VENV_USE_COPIES") and key != "PYTHONPATH"}
    env["PATH"] = tool_path(tmp_path / "tool-bin", *tools)
    return env


def stamp_of(venv: Path) -> Path:
    return venv / ".installdev-stamp.json"


def is_copied_python(venv: Path) -> bool:
    python = venv / "bin" / "python"
    return python.is_file() and not python.is_symlink()


# --- Gradle ------------------------------------------------------------------------------------------

_TASK_LINE = re.compile(r"^(?:> Task )?(:[\w:.-]+)(?: (UP-TO-DATE|SKIPPED|NO-SOURCE|FROM-CACHE|FAILED))?\s*$")


def gradle_command(build_dir: Path, *args: str, daemon: bool = False) -> list[str]:
    """A Gradle command line: ``--no-daemon`` unless ``daemon`` (Gradle's default, which tests must stop afterwards)."""
    return ["gradle", *([] if daemon else ["--no-daemon"]), "--offline", "--console=plain", "--stacktrace",
            "-p", str(build_dir), *args]


def run_gradle(build_dir: Path, env: dict[str, str], *args: str, check: bool = True, daemon: bool = False,
               cwd: Path | None = None) -> subprocess.CompletedProcess:
    completed = subprocess.run(gradle_command(build_dir, *args, daemon=daemon), env=env, capture_output=True, text=True,
                               timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL, cwd=cwd)
    if check and completed.returncode != 0:
        pytest.fail(f"gradle {' '.join(args)} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return completed


def stop_gradle_daemons(env: dict[str, str]) -> None:
    """Stop the daemons of ``env``'s GRADLE_USER_HOME (the ones a test started; other homes are left alone)."""
    subprocess.run(["gradle", "--stop"], env=env, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def task_outcomes(output: str) -> dict[str, str]:
    """``{':appdemo:installDev': 'EXECUTED' | 'UP-TO-DATE' | ...}`` from Gradle's plain console output."""
    outcomes = {}
    for line in output.splitlines():
        match = _TASK_LINE.match(line)
        if match:
            outcomes[match.group(1)] = match.group(2) or "EXECUTED"
    return outcomes


# --- a stand-in installdev, for checking what the build tools pass and when they run it ------------------

FAKE_INSTALLDEV = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_INSTALLDEV_LOG"], "a") as handle:
    handle.write(json.dumps({"args": args, "cwd": os.getcwd()}) + "\\n")
if args and args[0] == "inputs":  # what the build tools declare comes from the real installdev
    os.execv(sys.executable, [sys.executable, os.environ["FAKE_INSTALLDEV_REAL"], *args])
if args and args[0] == "install-dev":
    venv = args[args.index("--venv") + 1]
    python = os.path.join(venv, "bin", "python")
    os.makedirs(os.path.dirname(python), exist_ok=True)
    if not os.path.exists(python):
        if os.path.lexists(python):  # a dangling link
            os.unlink(python)
        open(python, "w").close()
    with open(os.path.join(venv, ".installdev-stamp.json"), "w") as handle:
        handle.write("{}")
"""


def write_fake_installdev(directory: Path) -> Path:
    """A stand-in installdev that logs every call (FAKE_INSTALLDEV_LOG) and, for install-dev, makes the venv's python
    and stamp; its ``inputs`` is the real one, from the entry point FAKE_INSTALLDEV_REAL."""
    script = directory / "fake_installdev.py"
    script.write_text(FAKE_INSTALLDEV)
    return script


def fake_calls(log: Path) -> list[dict]:
    import json

    if not log.exists():
        return []
    calls = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    log.unlink()
    return calls


# --- wheels of installed distributions, for bootstrapping offline ----------------------------------------

def _requirement_names(distribution: importlib.metadata.Distribution) -> list[str]:
    """Names of the distribution's unconditional requirements and those whose markers hold here."""
    from packaging.requirements import Requirement

    names = []
    for text in distribution.requires or ():
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.append(requirement.name)
    return names


def installed_closure(roots: list[str]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions ``roots`` need, transitively, keyed by normalized name."""
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(roots)
    while pending:
        name = re.sub(r"[-_.]+", "-", pending.pop()).lower()
        if name in found:
            continue
        found[name] = importlib.metadata.distribution(name)
        pending.extend(_requirement_names(found[name]))
    return found


def wheel_from_installed(distribution: importlib.metadata.Distribution, directory: Path) -> Path:
    """Repack an installed pure-Python distribution as a wheel, from the files its RECORD lists."""
    files = distribution.files
    require_host(bool(files), f"{distribution.metadata['Name']} was installed without a RECORD: cannot repack it offline")
    dist_info = next(file.parent.name for file in files if file.name == "METADATA"
                     and file.parent.name.endswith(".dist-info"))
    stem = re.sub(r"[-_.]+", "_", distribution.metadata["Name"]).lower()
    wheel = directory / f"{stem}-{distribution.version}-py3-none-any.whl"
    rows = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            name = file.as_posix()
            if name.startswith("..") or "__pycache__" in name or name.endswith(".pyc"):
                continue  # scripts outside site-packages, bytecode
            if name.startswith(dist_info + "/") and file.name in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                continue
            data = file.locate().read_bytes()
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{name},sha256={digest},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        archive.writestr(f"{dist_info}/RECORD", "\n".join(rows) + "\n")
    return wheel
