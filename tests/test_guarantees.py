"""Issue 5's stress and fault tests: nothing is ever lost to kill -9, a failed rebuild, a signal or a race.

Every test here builds real venvs (virtualenv + pip, offline from the session wheelhouse). To keep
builds short they use ``tinyproj``: a project whose in-tree PEP 660 backend (``backend-path``, no build
requirements) writes an editable wheel holding one ``.pth`` file, so pip's editable build costs
milliseconds instead of setuptools' seconds, while everything installdev does stays real.

The chaos trial count comes from ``INSTALLDEV_CHAOS_TRIALS`` (default 30, the CI figure; 200 for a
soak) and the seed from ``INSTALLDEV_CHAOS_SEED``.
"""

from __future__ import annotations

import collections
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import run_installdev
from wheelhouse import build_wheel

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHAOS_TRIALS = int(os.environ.get("INSTALLDEV_CHAOS_TRIALS", "30"))
CHAOS_SEED = os.environ.get("INSTALLDEV_CHAOS_SEED", "installdev-chaos-1")
# independent project+venv pairs killed in parallel, one per core of the CI machine: one installs with the default
# backend (uv when installed), the other with pip
CHAOS_LANES = (("auto", []), ("pip", ["--installer", "pip"]))

_BACKEND = '''\
"""A minimal in-tree PEP 517/660 backend: the editable wheel is one .pth file pointing at src/."""
import base64, hashlib, os, zipfile

NAME, VERSION = {name!r}, "0.1"
METADATA = (f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{VERSION}}\\nProvides-Extra: dev\\n"
            'Requires-Dist: devtool; extra == "dev"\\n')


def _wheel(directory, files):
    dist_info = f"{{NAME}}-{{VERSION}}.dist-info"
    files = {{**files, f"{{dist_info}}/METADATA": METADATA,
             f"{{dist_info}}/WHEEL": "Wheel-Version: 1.0\\nGenerator: tinybackend\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}}
    name = f"{{NAME}}-{{VERSION}}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for path, text in files.items():
            data = text.encode()
            archive.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{{path}},sha256={{digest}},{{len(data)}}")
        archive.writestr(f"{{dist_info}}/RECORD", "\\n".join([*record, f"{{dist_info}}/RECORD,,"]) + "\\n")
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    import time
    hold = os.environ.get("TINYBACKEND_HOLD")  # tests: "FILE [SECONDS]": say the installer is building, then wait
    if hold:
        path, _, seconds = hold.partition(" ")
        open(path, "w").close()
        time.sleep(float(seconds or 60))
    barrier = os.environ.get("TINYBACKEND_BARRIER")  # tests: "DIR N": wait (30 s at most) until N builds got here
    if barrier:
        directory, count = barrier.rsplit(" ", 1)
        open(os.path.join(directory, str(os.getpid())), "w").close()
        deadline = time.monotonic() + 30
        while len(os.listdir(directory)) < int(count) and time.monotonic() < deadline:
            time.sleep(0.01)
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
    return _wheel(wheel_directory, {{f"__editable__.{{NAME}}.pth": src + "\\n"}})


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise NotImplementedError("tinybackend builds editable wheels only")


def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("tinybackend builds editable wheels only")
'''


def write_tiny_project(directory: Path, name: str = "tinyproj") -> Path:
    """A project installable editable in well under a second: extra ``dev`` = devtool, in-tree backend."""
    (directory / "src" / name).mkdir(parents=True)
    (directory / "src" / name / "__init__.py").write_text("GREETING = 'hello'\n")
    (directory / "tinybackend.py").write_text(_BACKEND.format(name=name))
    (directory / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = []
        build-backend = "tinybackend"
        backend-path = ["."]

        [project]
        name = "{name}"
        version = "0.1"

        [project.optional-dependencies]
        dev = ["devtool"]
        """))
    return directory


def touch_input(project: Path, note: str) -> None:
    """Change an input (pyproject.toml's digest) so that the next install-dev must rebuild."""
    with (project / "pyproject.toml").open("a") as handle:
        handle.write(f"# {note}\n")


def installdev_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "installdev", "install-dev", *args]


def stamp_text(venv: Path) -> str:
    return (venv / ".installdev-stamp.json").read_text()


def imports_ok(venv: Path, modules: str = "tinyproj, devtool") -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-c", f"import {modules}"],
                          capture_output=True, text=True, timeout=60)


def leftovers(venv: Path) -> list[str]:
    """Everything an interrupted run may leave and a finished one must not."""
    found = [venv.with_name(venv.name + ".installdev-previous")]
    found += venv.parent.glob(f"{venv.name}.installdev-*")  # set-aside or half-deleted venvs under any name
    found += venv.parent.glob(".installdev-probe-*")  # the mode probe's private temp directories
    found += venv.parent.glob(f"{venv.name}.lock.owner.*.tmp")  # the owner note's temp file
    if venv.is_dir():
        found += venv.glob(".installdev-stamp-*.tmp")
    return sorted({str(path) for path in found if os.path.lexists(path)})


def lock_is_free(venv: Path) -> bool:
    lock = venv.with_name(venv.name + ".lock")
    if not lock.exists():
        return True
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def processes_using(path: Path) -> list[str]:
    """Live processes whose command line mentions ``path`` (e.g. a pip child left running)."""
    needle = str(path).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if needle in cmdline:
                found.append(entry.name + ": " + cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def assert_healthy_and_clean(venv: Path, args: list[str], env: dict[str, str]) -> None:
    """The venv imports the project and its dev tool, the next run is a no-op, and nothing is left over."""
    check = imports_ok(venv)
    assert check.returncode == 0, check.stderr
    again = run_installdev(["install-dev", *args], env, timeout=120)
    assert again.returncode == 0 and "is up to date" in again.stderr, again.stdout + again.stderr
    assert leftovers(venv) == []
    assert lock_is_free(venv)


# --------------------------------------------------------------------------------------------------
# chaos: kill -9 at random moments


def kill_phase(output: str) -> str:
    """Where a run was when it died, from the progress lines it had printed (each written and flushed at once)."""
    lines = [line for line in output.splitlines() if line.startswith("installdev: ")]
    def printed(start: str, done: bool = False) -> bool:
        return any(line.startswith(start) and (": done in" in line) == done for line in lines)
    if any("ready in" in line for line in lines):
        return "7 after ready"
    if printed("installdev: installing ", done=True):
        return "6 stamp + delete previous"
    if printed("installdev: installing "):
        return "5 install (pip or uv)"
    if printed("installdev: creating venv", done=True) or printed("installdev: saving what the update", done=True):
        return "4 health check"
    if printed("installdev: asking uv what the update"):
        return "3 dry run, undo journal (update)"
    if printed("installdev: creating venv"):
        return "3 virtualenv"
    if printed("installdev: building "):
        return "2 set aside + claim"
    return "1 plan, probe, lock, recover"


class Lane:
    """One project and venv on which trials run one after another; lanes run in parallel."""

    def __init__(self, number: int, root: Path, env: dict[str, str]) -> None:
        self.number = number
        self.installer, options = CHAOS_LANES[number]
        self.project = write_tiny_project(root / f"lane{number}")
        self.venv = self.project / "venv"
        self.args = [str(self.project), *options]
        self.env = env
        self.rng = random.Random(f"{CHAOS_SEED}-{number}")
        self.durations: dict[str, float] = {}
        self.records: list[dict] = []
        self.failures: list[str] = []
        self.edits = 0

    def timed_build(self, kind: str) -> subprocess.CompletedProcess:
        """Run install-dev to the end; a full build updates the lane's estimate of how long one takes."""
        started = time.monotonic()
        result = run_installdev(["install-dev", *self.args], self.env, timeout=180)
        duration = time.monotonic() - started
        if result.returncode == 0 and "ready in" in result.stderr:
            self.durations[kind] = duration if kind not in self.durations else (self.durations[kind] + duration) / 2
        return result

    def prepare(self, kind: str) -> None:
        if kind == "first":
            shutil.rmtree(self.venv)  # a venv installdev made, healthy: start again from nothing
        else:
            self.edits += 1
            touch_input(self.project, f"lane {self.number} edit {self.edits}")

    def kill_run(self, kind: str, trial: int, attempt: int) -> dict:
        """Start install-dev and kill -9 it at a seeded random moment.

        Most kills fall uniformly over a whole build; the rest are anchored on a progress line and land within a
        fraction of a second after it, so the short windows (setting the old venv aside, stamping and deleting it)
        are hit too. Half the kills take the whole process group (a CI cancel), half only installdev itself (an IDE
        or Gradle destroying the process it started), leaving its installer (pip or uv) to run on as an orphan.
        """
        anchor = self.rng.choices(["start", "building", "installed"], weights=[6, 2, 2])[0]
        delay = self.rng.uniform(0, 0.95 * self.durations[kind]) if anchor == "start" else self.rng.uniform(0, 0.05)
        target = self.rng.choice(["group", "process"])
        line = {"start": None, "building": "installdev: building ", "installed": ": done in"}[anchor]
        log = self.project.parent / f"lane{self.number}-trial{trial}-{attempt}.log"
        with log.open("w") as output:
            started = time.monotonic()
            process = subprocess.Popen(installdev_command(*self.args), env=self.env, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
            anchored = started
            while line and process.poll() is None:
                text = log.read_text()
                if line in text and (anchor != "installed" or "installdev: installing " in text.split(line)[-2]
                                     .rsplit("\n", 1)[-1]):
                    anchored = time.monotonic()
                    break
                time.sleep(0.002)
            try:
                process.wait(timeout=max(0.0, anchored + delay - time.monotonic()))
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
                if target == "group":
                    os.killpg(process.pid, signal.SIGKILL)
                else:
                    os.kill(process.pid, signal.SIGKILL)
                process.wait()
            elapsed = time.monotonic() - started
        text = log.read_text()
        return {"lane": self.number, "trial": trial, "kind": kind, "attempt": attempt, "anchor": anchor,
                "delay": delay, "target": target, "elapsed": elapsed,
                "phase": "0 finished before the kill" if finished else kill_phase(text),
                "returncode": process.returncode, "output": text}

    def trial(self, trial: int, kind: str) -> None:
        self.prepare("first" if kind == "first" else "rebuild")
        duration_kind = "first" if kind == "first" else "rebuild"
        kills = [self.kill_run(duration_kind, trial, 1)]
        if kind == "rebuild, killed twice":  # the second run, repairing the first one's mess, dies too
            kills.append(self.kill_run(duration_kind, trial, 2))
        self.records.extend(kills)
        recovery = self.timed_build(duration_kind)
        try:
            assert recovery.returncode == 0, recovery.stdout + recovery.stderr
            assert "ready in" in recovery.stderr or "up to date" in recovery.stderr, recovery.stderr
            assert_healthy_and_clean(self.venv, self.args, self.env)
        except AssertionError as error:
            history = "\n".join(f"--- killed run {k['attempt']} after {k['elapsed']:.2f}s in {k['phase']}:\n{k['output']}"
                                for k in kills)
            self.failures.append(f"lane {self.number} trial {trial} ({kind}): {error}\n{history}\n"
                                 f"--- recovery run:\n{recovery.stdout}{recovery.stderr}")
            self.repair()

    def repair(self) -> None:
        """After a failed trial, get back to a known state so the remaining trials still mean something."""
        for path in [self.venv, *map(Path, leftovers(self.venv))]:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.lexists(path):
                path.unlink()
        assert self.timed_build("first").returncode == 0

    def run(self, next_trial) -> None:
        try:
            assert self.timed_build("first").returncode == 0
            touch_input(self.project, "calibration")
            assert self.timed_build("rebuild").returncode == 0
            kinds = ("first", "rebuild", "rebuild, killed twice")
            index = 0
            while (trial := next_trial()) is not None:
                self.trial(trial, kinds[index % len(kinds)])
                index += 1
        except BaseException as error:  # reported by the test thread
            self.failures.append(f"lane {self.number} crashed: {error!r}")


def test_chaos_kill_9_at_random_moments_never_loses_the_venv(tmp_path, offline_env):
    """Kill -9 install-dev (with its children) at seeded random moments spread over a whole build, on first builds
    and on rebuilds (some killed twice in a row); after each, one run must give a healthy, up-to-date venv and no
    leftovers."""
    lanes = [Lane(number, tmp_path, offline_env) for number in range(len(CHAOS_LANES))]
    trials = iter(range(CHAOS_TRIALS))
    guard = threading.Lock()

    def next_trial() -> int | None:  # a shared queue: the faster lane (uv) runs more of the trials
        with guard:
            return next(trials, None)

    threads = [threading.Thread(target=lane.run, args=(next_trial,)) for lane in lanes]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = [record for lane in lanes for record in lane.records]
    failures = [failure for lane in lanes for failure in lane.failures]

    phases = collections.Counter(record["phase"] for record in records)
    trials_run = len({record["trial"] for record in records})
    per_lane = ", ".join(f"lane {lane.number} ({lane.installer}): {len({r['trial'] for r in lane.records})} trials, "
                         + ", ".join(f"{kind} build {seconds:.1f}s" for kind, seconds in lane.durations.items())
                         for lane in lanes)
    summary = [f"chaos: {trials_run} trials, {len(records)} kills, {len(failures)} failed, seed {CHAOS_SEED!r}, "
               f"{time.monotonic() - started:.0f}s; {per_lane}"]
    summary += [f"  {phase:<30} {count}" for phase, count in sorted(phases.items())]
    summary += ["  kill targets: " + str(dict(collections.Counter(record["target"] for record in records))) + ", anchors: "
                + str(dict(collections.Counter(record["anchor"] for record in records)))]
    buckets = collections.Counter(min(int(record["elapsed"] / 0.5), 9) for record in records)
    summary += ["  kill time: " + ", ".join(f"{b * 0.5:.1f}-{b * 0.5 + 0.5:.1f}s: {buckets[b]}" for b in sorted(buckets))]
    print("\n".join(summary))
    report = os.environ.get("INSTALLDEV_CHAOS_REPORT")
    if report:
        Path(report).write_text(json.dumps({"summary": summary, "kills": [
            {k: v for k, v in record.items() if k != "output"} for record in records], "failures": failures}, indent=1))

    assert not failures, "\n\n".join(failures)
    assert trials_run == CHAOS_TRIALS
    # the kills really were spread over the build: creation, install and stamping were all hit
    if CHAOS_TRIALS >= 30:
        for phase in ("3 virtualenv", "5 install (pip or uv)"):
            assert phases[phase] > 0, summary


# --------------------------------------------------------------------------------------------------
# the exact states a kill -9 can leave at each step of a rebuild or an update, made deterministically


def _set_aside(venv: Path, previous: Path) -> None:
    os.rename(venv, previous)


def _set_aside_then_mkdir(venv: Path, previous: Path) -> None:
    os.rename(venv, previous)
    venv.mkdir()  # killed inside claim(): the directory exists, the marker not yet


def _set_aside_then_partial(venv: Path, previous: Path) -> None:
    os.rename(venv, previous)
    venv.mkdir()
    (venv / ".installdev-venv").write_text("managed by installdev\n")
    (venv / "bin").mkdir()
    (venv / "pyvenv.cfg").write_text("home = /nowhere\n")
    (venv / ".installdev-stamp-0123456789abcdef.tmp").write_text("{")  # killed inside write_stamp, even


def _complete_with_old_still_aside(venv: Path, previous: Path) -> None:
    shutil.copytree(venv, previous, symlinks=True)  # the stamp was written; deleting the old venv had not begun


def _complete_with_old_half_deleted(venv: Path, previous: Path) -> None:
    shutil.copytree(venv, previous, symlinks=True)
    (previous / ".installdev-stamp.json").unlink()  # deletion goes stamp first, marker last
    shutil.rmtree(previous / "lib")


def _complete_with_old_emptied(venv: Path, previous: Path) -> None:
    previous.mkdir()  # deleting the old venv was killed after its marker, before its directory


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python*/site-packages"))


def _update_killed_while_saving(venv: Path, previous: Path) -> None:
    (venv / ".installdev-update" / "saved" / "lib").mkdir(parents=True)  # no journal.json yet, the stamp in place


def _update_killed_while_installing(venv: Path, previous: Path) -> None:
    from installdev.actions.update_journal import UpdateJournal

    UpdateJournal.open(venv, frozenset({"devtool"}))
    site = _site_packages(venv)
    for entry in site.iterdir():  # uv had removed devtool and was linking newtool in
        if entry.name.startswith("devtool"):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    (site / "newtool").mkdir()
    (site / "newtool" / "__init__.py").write_text("")


def _update_killed_after_its_stamp(venv: Path, previous: Path) -> None:
    from installdev.actions.update_journal import UpdateJournal

    stamp = (venv / ".installdev-stamp.json").read_text()
    UpdateJournal.open(venv, frozenset({"devtool"}))
    (venv / ".installdev-stamp.json").write_text(stamp)  # the updated venv's stamp written, the journal not dropped


CRASH_STATES = {
    "update killed while saving its journal": (_update_killed_while_saving, "removed .installdev-update"),
    "update killed while installing": (_update_killed_while_installing, "rolled back an interrupted update"),
    "update killed after its stamp": (_update_killed_after_its_stamp, "removed .installdev-update"),
    "old set aside, new not started": (_set_aside, "restored the previous venv"),
    "new directory made, not yet marked": (_set_aside_then_mkdir, "restored the previous venv"),
    "new venv half built": (_set_aside_then_partial, "restored the previous venv"),
    "new venv complete, old not yet deleted": (_complete_with_old_still_aside, "removed venv.installdev-previous"),
    "new venv complete, old half deleted": (_complete_with_old_half_deleted, "removed venv.installdev-previous"),
    "new venv complete, old deleted but its directory": (_complete_with_old_emptied, "removed the empty venv.installdev-previous"),
}


@pytest.mark.parametrize("state", list(CRASH_STATES))
def test_the_next_run_repairs_every_crash_state(tmp_path, offline_env, state):
    """Never two venvs, never none: whatever step a rebuild died at, the next run keeps exactly one working venv."""
    project = write_tiny_project(tmp_path / "proj")
    venv = project / "venv"
    assert run_installdev(["install-dev", str(project)], offline_env).returncode == 0
    stamp = stamp_text(venv)
    make_state, message = CRASH_STATES[state]
    make_state(venv, venv.with_name("venv.installdev-previous"))

    result = run_installdev(["install-dev", str(project)], offline_env)
    assert not (venv / ".installdev-update").exists()
    assert result.returncode == 0, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert "ready in" not in result.stderr, "the surviving complete venv is kept, not rebuilt"
    assert stamp_text(venv) == stamp
    assert_healthy_and_clean(venv, [str(project)], offline_env)


# --------------------------------------------------------------------------------------------------
# a failed rebuild keeps the previous venv


@pytest.fixture
def tiny_project(tmp_path) -> Path:
    return write_tiny_project(tmp_path / "proj")


@pytest.mark.parametrize("refresh", ["update", "rebuild"])
def test_failed_rebuild_missing_requirement_keeps_the_old_venv(tiny_project, offline_env, refresh):
    venv = tiny_project / "venv"
    assert run_installdev(["install-dev", str(tiny_project)], offline_env).returncode == 0
    before = stamp_text(venv)
    requirements = tiny_project / "requirements.txt"
    requirements.write_text("no-such-package-anywhere\n")
    args = [str(tiny_project), "-r", str(requirements), *(["--force"] if refresh == "rebuild" else [])]
    result = run_installdev(["install-dev", *args], offline_env)
    assert result.returncode == 5, result.stdout + result.stderr
    assert ("updating it in place" if refresh == "update" else "building from nothing: --force") in result.stderr
    assert "previous venv is still in place" in result.stderr
    assert stamp_text(venv) == before
    assert imports_ok(venv).returncode == 0
    assert leftovers(venv) == [] and lock_is_free(venv)


def _fat_requirement(project: Path, tmp_path: Path, size: int) -> Path:
    """A requirements file naming ``fatwheel``, a wheel of its own links folder whose module is ``size`` bytes of
    random text (the wheel cannot shrink it)."""
    links = tmp_path / "fat-links"
    links.mkdir()
    payload = os.urandom(size * 3 // 4).hex()[:size]
    build_wheel(links, "fatwheel", module_source=f"DATA = {payload!r}\n")
    requirements = project / "requirements.txt"
    requirements.write_text(f"--find-links {links}\nfatwheel\n")
    return requirements


@pytest.mark.hosts
def test_failed_rebuild_on_a_full_disk_keeps_the_old_venv(tiny_project, offline_env, tmpfs_dir, tmp_path):
    """The venv on a 40 MB tmpfs: the first build fits; the rebuild (old venv set aside, new venv, plus a fat wheel
    sized from the free space actually left) cannot, so pip hits ENOSPC."""
    disk = tmpfs_dir("size=40m")
    venv = disk / "venv"
    first = run_installdev(["install-dev", str(tiny_project), "--venv", str(venv)], offline_env)
    assert first.returncode == 0, first.stdout + first.stderr
    before = stamp_text(venv)
    free = shutil.disk_usage(disk).free
    used_by_venv = shutil.disk_usage(disk).used
    assert free > used_by_venv + 2_000_000, "the rebuild's new venv itself must fit, so that pip is what fails"

    requirements = _fat_requirement(tiny_project, tmp_path, free - used_by_venv + 4_000_000)  # fits only if the old
    # venv were deleted first
    result = run_installdev(["install-dev", str(tiny_project), "--venv", str(venv), "-r", str(requirements), "--force"],
                            offline_env)
    assert result.returncode in (4, 5), result.stdout + result.stderr
    assert "building from nothing: --force" in result.stderr
    assert "No space left on device" in result.stdout + result.stderr
    assert "previous venv is still in place" in result.stderr
    assert stamp_text(venv) == before
    assert imports_ok(venv).returncode == 0
    assert imports_ok(venv, "fatwheel").returncode != 0
    assert leftovers(venv) == [] and lock_is_free(venv)
    assert shutil.disk_usage(disk).used <= used_by_venv + 1_000_000, "the partial venv is gone"


@pytest.mark.hosts
def test_failed_update_on_a_full_disk_keeps_the_old_venv(tiny_project, offline_env, tmpfs_dir, tmp_path):
    """The venv on a 40 MB tmpfs, updated in place: uv's dry run plans a fat wheel larger than the space left, the
    install hits ENOSPC, the update is rolled back, and the rebuild from nothing it falls back to cannot fit either."""
    disk = tmpfs_dir("size=40m")
    venv = disk / "venv"
    first = run_installdev(["install-dev", str(tiny_project), "--venv", str(venv)], offline_env)
    assert first.returncode == 0, first.stdout + first.stderr
    before = stamp_text(venv)
    used_by_venv = shutil.disk_usage(disk).used
    requirements = _fat_requirement(tiny_project, tmp_path, shutil.disk_usage(disk).free + 4_000_000)

    result = run_installdev(["install-dev", str(tiny_project), "--venv", str(venv), "-r", str(requirements)],
                            offline_env)
    output = result.stdout + result.stderr
    assert result.returncode in (4, 5), output
    assert "updating it in place" in output and "saving what the update replaces" in output
    assert "No space left on device" in output
    assert "previous venv is still in place" in output
    assert stamp_text(venv) == before
    assert imports_ok(venv).returncode == 0
    assert imports_ok(venv, "fatwheel").returncode != 0
    assert leftovers(venv) == [] and lock_is_free(venv) and not (venv / ".installdev-update").exists()
    assert shutil.disk_usage(disk).used <= used_by_venv + 1_000_000, "what the update wrote is gone"


# --------------------------------------------------------------------------------------------------
# signals during a rebuild


@pytest.mark.parametrize("refresh", ["update", "rebuild"])
@pytest.mark.parametrize(("signum", "target", "code"), [
    (signal.SIGTERM, "process", 143),
    (signal.SIGINT, "process", 130),
    (signal.SIGINT, "group", 130),  # Ctrl-C in a terminal: the installer gets it too
])
def test_signal_during_rebuild_restores_the_old_venv(tiny_project, offline_env, signum, target, code, refresh):
    venv = tiny_project / "venv"
    assert run_installdev(["install-dev", str(tiny_project)], offline_env).returncode == 0
    before = stamp_text(venv)
    touch_input(tiny_project, "signal")
    log = tiny_project.parent / "interrupted.log"
    building = tiny_project.parent / "pip-is-building"
    env = {**offline_env, "TINYBACKEND_HOLD": str(building)}  # the installer's editable build then waits 60 s
    with log.open("w") as output:
        process = subprocess.Popen(installdev_command(str(tiny_project), *(["--force"] if refresh == "rebuild" else [])),
                                   env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            wait_until(lambda: building.exists() or process.poll() is not None, 60, "the installer to start building")
            assert process.poll() is None, log.read_text()
            if refresh == "rebuild":  # the installer fills the new venv while the old one waits aside
                assert (venv.with_name("venv.installdev-previous") / ".installdev-stamp.json").is_file()
            else:  # the installer updates the venv where it stands, its stamp kept in the undo journal
                assert (venv / ".installdev-update" / "stamp.json").is_file(), log.read_text()
            started = time.monotonic()
            if target == "group":
                os.killpg(process.pid, signum)
            else:
                os.kill(process.pid, signum)
            process.wait(timeout=60)
            assert time.monotonic() - started < 30, "pip was stopped, not waited for"
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    text = log.read_text()
    assert process.returncode == code, text
    assert "previous venv is still in place" in text
    assert stamp_text(venv) == before
    assert imports_ok(venv).returncode == 0
    assert leftovers(venv) == []
    assert lock_is_free(venv), "the lock was released"
    assert processes_using(venv) == [], "pip was stopped"
    # a follow-up run does not wait for anyone: with no patience at all it takes the lock and rebuilds
    follow_up = run_installdev(["install-dev", str(tiny_project), "--lock-timeout", "0"], offline_env)
    assert follow_up.returncode == 0 and "ready in" in follow_up.stderr, follow_up.stdout + follow_up.stderr
    assert "waiting for" not in follow_up.stderr
    assert_healthy_and_clean(venv, [str(tiny_project)], offline_env)


def test_an_orphaned_installer_keeps_the_venv_locked(tiny_project, offline_env):
    """kill -9 of installdev alone (an IDE or Gradle destroying the process it started) orphans its installer, which
    goes on writing into the venv. The next run must not rebuild under it: it waits for the orphan, then repairs."""
    venv = tiny_project / "venv"
    assert run_installdev(["install-dev", str(tiny_project)], offline_env).returncode == 0
    touch_input(tiny_project, "orphan")
    building = tiny_project.parent / "installer-is-building"
    env = {**offline_env, "TINYBACKEND_HOLD": f"{building} 4"}
    process = subprocess.Popen(installdev_command(str(tiny_project)), env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: building.exists() or process.poll() is not None, 60, "the installer to start building")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert processes_using(venv), "the installer outlived installdev"

    result = run_installdev(["install-dev", str(tiny_project)], offline_env)
    assert result.returncode == 0 and "ready in" in result.stderr, result.stdout + result.stderr
    assert "waiting for" in result.stderr, "the orphan still held the venv's lock"
    assert processes_using(venv) == []
    assert_healthy_and_clean(venv, [str(tiny_project)], offline_env)


# --------------------------------------------------------------------------------------------------
# concurrency


def run_all(commands: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    """Start every command at once, then collect them all."""
    processes = [subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for command in commands]
    results = []
    for command, process in zip(commands, processes, strict=True):
        stdout, stderr = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    return results


def test_eight_concurrent_runs_on_one_venv_build_exactly_once(tiny_project, offline_env):
    venv = tiny_project / "venv"
    tally = []
    for repetition in range(10):
        if repetition:
            touch_input(tiny_project, f"repetition {repetition}")  # the next round must rebuild
        results = run_all([installdev_command(str(tiny_project))] * 8, offline_env)
        outputs = [result.stdout + result.stderr for result in results]
        assert [result.returncode for result in results] == [0] * 8, outputs
        builders = sum("ready in" in result.stderr for result in results)
        waited = sum("just built by another process" in result.stderr for result in results)
        tally.append((builders, waited))
        assert builders == 1, outputs
        assert all("ready in" in r.stderr or "just built by another process" in r.stderr or "is up to date" in r.stderr
                   for r in results), outputs
        assert leftovers(venv) == [] and lock_is_free(venv)
        assert imports_ok(venv).returncode == 0
    print(f"8 concurrent x 10: builders per round {[b for b, _ in tally]}, "
          f"waited-then-up-to-date per round {[w for _, w in tally]}")


def test_four_venvs_build_in_parallel(offline_env, tmp_path):
    """Each build's start is its venv's marker (written when the build claims the directory, under its lock) and its
    end the stamp (written last): every build started before any finished, so all four ran at the same time.

    The project's build backend waits (30 s at most) until all four installs reach it, so that builds of a few tenths
    of a second still overlap when nothing serializes them; if anything did, the timestamps show it."""
    projects = [write_tiny_project(tmp_path / f"proj-{number}") for number in range(4)]
    venvs = [project / "venv" for project in projects]
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = {**offline_env, "TINYBACKEND_BARRIER": f"{barrier} 4"}
    results = run_all([installdev_command(str(project)) for project in projects], env)
    assert [result.returncode for result in results] == [0] * 4, [r.stdout + r.stderr for r in results]
    assert all("ready in" in result.stderr and "waiting for" not in result.stderr for result in results)
    starts = [(venv / ".installdev-venv").stat().st_mtime_ns for venv in venvs]
    ends = [(venv / ".installdev-stamp.json").stat().st_mtime_ns for venv in venvs]
    print(f"4 venvs: last start {(max(starts) - min(starts)) / 1e9:.2f}s after the first, "
          f"first end {(min(ends) - min(starts)) / 1e9:.2f}s after the first start")
    assert max(starts) < min(ends)
    for venv in venvs:
        assert imports_ok(venv).returncode == 0


# --------------------------------------------------------------------------------------------------
# lock timeout


def test_lock_timeout_names_the_lock_file_pid_and_host(tiny_project, offline_env):
    venv = tiny_project / "venv"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import time; from pathlib import Path; from installdev.actions.locking import venv_lock\n"
            "from installdev.report import Reporter\n"
            f"with venv_lock(Path({str(venv)!r}), 5, Reporter()):\n"
            "    print('held', flush=True); time.sleep(60)\n"
        )], env=offline_env, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_installdev(["install-dev", str(tiny_project), "--lock-timeout", "0.3"], offline_env)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stdout + result.stderr
    message, = (line for line in result.stderr.splitlines() if not line.startswith("installdev: waiting for "))
    assert message.startswith("installdev: error: ")
    assert str(tiny_project / "venv.lock") in message
    assert f"pid {holder.pid} on {socket.gethostname()}" in message
    assert not venv.exists(), "a run that never got the lock builds nothing"
