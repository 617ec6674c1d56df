"""pytest plugin: real hostile hosts for tests (no mocks).

Load it with ``pytest_plugins = ["hostfixtures"]`` in tests/conftest.py.

Fixtures (see shared/notes/test-hosts.md for what each reproduces):

``exfat_dir``          empty writable dir on exFAT (loop device + mount.exfat-fuse, fuseblk):
                       symlink() -> ENOSYS, chmod works.
``fat32_dir``          empty writable dir on FAT32 (``fusefat -o rw+``): symlink() and
                       chmod() -> ENOSYS.
``errno_fs(name)``     empty writable dir on a passthrough FUSE fs (tests/errnofs.py) whose
                       symlink() fails with errno ``name`` (EPERM, EOPNOTSUPP, EPROTO, ...).
``dangling_links_dir`` empty writable dir on errnofs ``--outside-targets-dangle``: symlink() works
                       and links inside the mount resolve, but a link to an absolute path outside
                       it dangles (a share whose links point nowhere on the client's own disks).
``tmpfs_dir(opts)``    a fresh tmpfs mount, e.g. "nosymfollow", "noexec", "size=20m"
                       (size=512m is added unless a size is given).
``readonly_dir``       a dir holding ``README.txt`` that is a read-only bind mount (EROFS for root).
``nix_store``          a simulated Nix store (tests/nixsim.py), built once per session and
                       bind-mounted read-only; see :class:`nixsim.NixStore`.
``run_unprivileged``   ``run_unprivileged(cmd, **kw)`` -> CompletedProcess, run as uid/gid 65534.
``world_tmp_path``     a root-owned 0755 temp dir outside pytest's 0700 basetemp, so that
                       uid 65534 can reach it (pytest's tmp_path is not reachable by it).

Anything a fixture needs from the host (root, /dev/fuse, a loop device, a binary, fusepy)
goes through :func:`require_host`: skip locally, fail under ``CI=true``.

Mount points are named ``hostfx-<pid>-<kind>...`` under pytest's tmp dirs; at session start
mounts and loop devices left behind by a dead pytest process are cleaned up.
"""

from __future__ import annotations

import dataclasses
import errno as errno_mod
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ERRNOFS_SCRIPT = HERE / "errnofs.py"
NOBODY = 65534
_MARK = "hostfx-"
_SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


# --------------------------------------------------------------------------------------
# helpers usable from tests


def require_host(ok: bool, why: str) -> None:
    """Skip (locally) or fail (under CI=true) when the host lacks something."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"host requirement not met (CI=true, so this fails): {why}", pytrace=False)
    pytest.skip(why)


def which(name: str) -> str | None:
    """shutil.which that also looks in the sbin directories (mkfs.*, losetup)."""
    path = os.environ.get("PATH", os.defpath)
    extra = [d for d in _SBIN if d not in path.split(os.pathsep)]
    return shutil.which(name, path=os.pathsep.join([path, *extra]))


def require_binary(name: str, package: str) -> str:
    found = which(name)
    require_host(found is not None, f"`{name}` not found (Debian package: {package})")
    return found  # type: ignore[return-value]


def require_root(what: str) -> None:
    require_host(os.geteuid() == 0, f"{what} needs root")


def require_fuse() -> None:
    require_root("FUSE mounts")
    require_host(os.path.exists("/dev/fuse") and os.access("/dev/fuse", os.R_OK | os.W_OK),
                 "/dev/fuse is missing or not usable")


@dataclasses.dataclass(frozen=True)
class MountInfo:
    mountpoint: str
    fstype: str
    source: str
    options: frozenset[str]  # per-mount options (ro, nosymfollow, noexec, ...)
    super_options: frozenset[str]  # filesystem options (size=..., allow_other, ...)


def _unescape(field: str) -> str:
    # /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mounts() -> list[MountInfo]:
    result = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            left, _, right = line.rstrip("\n").partition(" - ")
            lf, rf = left.split(" "), right.split(" ")
            result.append(MountInfo(
                mountpoint=_unescape(lf[4]),
                fstype=rf[0],
                source=_unescape(rf[1]) if len(rf) > 1 else "",
                options=frozenset(lf[5].split(",")),
                super_options=frozenset(rf[2].split(",")) if len(rf) > 2 else frozenset(),
            ))
    return result


def mount_info(path: str | os.PathLike) -> MountInfo:
    """The (last, i.e. visible) mount holding ``path``."""
    real = os.path.realpath(path)
    best = None
    for m in mounts():
        mp = m.mountpoint
        if real == mp or real.startswith(mp.rstrip("/") + "/"):
            if best is None or len(mp) >= len(best.mountpoint):
                best = m
    assert best is not None, path
    return best


def is_mountpoint(path: str | os.PathLike) -> bool:
    real = os.path.realpath(path)
    return any(m.mountpoint == real for m in mounts())


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def _wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def _unmount(path: str | os.PathLike) -> None:
    """Unmount ``path`` (all stacked mounts on it); lazily if it is busy."""
    path = os.path.realpath(path)
    for _ in range(5):
        if not is_mountpoint(path):
            return
        if _run(["umount", path]).returncode != 0:
            _run(["umount", "-l", path])


def _loop_devices() -> list[tuple[str, str]]:
    losetup = which("losetup")
    if losetup is None:
        return []
    out = _run([losetup, "--list", "--noheadings", "--raw", "--output", "NAME,BACK-FILE"])
    devices = []
    for line in out.stdout.splitlines():
        name, _, back = line.partition(" ")
        devices.append((name, back))
    return devices


def _marker(kind: str) -> str:
    return f"{_MARK}{os.getpid()}-{kind}"


def _dead_marker_pid(path: str) -> int | None:
    """pid in a ``hostfx-<pid>-`` path component if that process is gone, else None."""
    for part in path.split("/"):
        if part.startswith(_MARK):
            pid_text = part[len(_MARK):].split("-", 1)[0]
            if pid_text.isdigit():
                pid = int(pid_text)
                if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
                    return pid
    return None


def cleanup_stale() -> list[str]:
    """Unmount mounts and detach loop devices left by a pytest process that died."""
    done = []
    if os.geteuid() != 0:
        return done
    stale = [m.mountpoint for m in mounts() if _dead_marker_pid(m.mountpoint) is not None]
    for mp in sorted(set(stale), key=len, reverse=True):
        _run(["umount", "-l", mp])
        done.append(mp)
    for name, back in _loop_devices():
        if _dead_marker_pid(back) is not None:
            _run(["losetup", "-d", name])
            done.append(name)
    return done


def pytest_sessionstart(session):
    try:
        cleanup_stale()
    except Exception as exc:  # never break a session over housekeeping
        print(f"hostfixtures: stale mount cleanup failed: {exc!r}", file=sys.stderr)


# --------------------------------------------------------------------------------------
# FAT family: one mount per session, a fresh empty directory per test


def _fresh_subdir(mnt: Path) -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix="t", dir=mnt))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _require_mount_alive(mnt: Path, what: str) -> None:
    assert is_mountpoint(mnt), f"{what} mount at {mnt} has gone away"


@pytest.fixture(scope="session")
def _exfat_mount(tmp_path_factory) -> Iterator[Path]:
    require_root("exFAT via a loop device")
    require_fuse()
    require_host(os.path.exists("/dev/loop-control"), "no loop devices (/dev/loop-control)")
    mkfs = require_binary("mkfs.exfat", "exfatprogs")
    mounter = require_binary("mount.exfat-fuse", "exfat-fuse")
    losetup = require_binary("losetup", "mount")
    base = tmp_path_factory.mktemp(_marker("exfat"))
    image, mnt = base / "exfat.img", base / "mnt"
    mnt.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(512 * 1024 * 1024)  # sparse
    res = _run([mkfs, "-L", "HOSTFX", str(image)])
    assert res.returncode == 0, res.stdout + res.stderr
    res = _run([losetup, "--find", "--show", str(image)])
    require_host(res.returncode == 0, f"cannot attach a loop device: {res.stderr.strip()}")
    loop = res.stdout.strip()
    try:
        res = _run([mounter, loop, str(mnt)])
        require_host(res.returncode == 0, f"mount.exfat-fuse failed: {res.stderr.strip()}")
        assert _wait_for(lambda: is_mountpoint(mnt), 10), "exFAT mount did not appear"
        yield mnt
    finally:
        _unmount(mnt)
        _run([losetup, "-d", loop])


@pytest.fixture
def exfat_dir(_exfat_mount) -> Iterator[Path]:
    """An empty writable directory on exFAT (fuseblk): symlink() -> ENOSYS."""
    _require_mount_alive(_exfat_mount, "exFAT")
    yield from _fresh_subdir(_exfat_mount)


@pytest.fixture(scope="session")
def _fat32_mount(tmp_path_factory) -> Iterator[Path]:
    require_fuse()
    mkfs = require_binary("mkfs.vfat", "dosfstools")
    fusefat = require_binary("fusefat", "fusefat")
    base = tmp_path_factory.mktemp(_marker("fat32"))
    image, mnt = base / "fat32.img", base / "mnt"
    mnt.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(256 * 1024 * 1024)
    res = _run([mkfs, "-F", "32", "-n", "HOSTFX", str(image)])
    assert res.returncode == 0, res.stdout + res.stderr
    try:
        # the default fusefat mount is read-only; rw+ makes it writable
        res = _run([fusefat, "-o", "rw+", str(image), str(mnt)])
        require_host(res.returncode == 0, f"fusefat failed: {res.stderr.strip()}")
        assert _wait_for(lambda: is_mountpoint(mnt), 10), "FAT32 mount did not appear"
        yield mnt
    finally:
        _unmount(mnt)


@pytest.fixture
def fat32_dir(_fat32_mount) -> Iterator[Path]:
    """An empty writable directory on FAT32 (fusefat): symlink() and chmod() -> ENOSYS."""
    _require_mount_alive(_fat32_mount, "FAT32")
    yield from _fresh_subdir(_fat32_mount)


# --------------------------------------------------------------------------------------
# errnofs: a passthrough FUSE fs whose symlink() fails with a chosen errno


class _ErrnoMounts:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.mounts: dict[str, tuple[Path, subprocess.Popen]] = {}

    def get(self, name: str) -> Path:
        key = name.upper()
        value = getattr(errno_mod, key, None)
        if not key.startswith("E") or not isinstance(value, int):
            raise ValueError(f"unknown errno name: {name!r}")
        return self._mount(key, ["--errno", key])

    def dangling(self) -> Path:
        """The mount where symlink() works but links to absolute paths outside the mount dangle."""
        return self._mount("DANGLE", ["--outside-targets-dangle"])

    def _mount(self, key: str, options: list[str]) -> Path:
        if key in self.mounts:
            mnt, proc = self.mounts[key]
            if proc.poll() is None and is_mountpoint(mnt):
                return mnt
            self._stop(mnt, proc)
        root = self.base / key
        backing, mnt = root / "backing", root / "mnt"
        backing.mkdir(parents=True, exist_ok=True)
        mnt.mkdir(exist_ok=True)
        log = open(root / "errnofs.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, str(ERRNOFS_SCRIPT), *options, str(backing), str(mnt)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        ok = _wait_for(lambda: proc.poll() is not None or is_mountpoint(mnt), 15)
        if not (ok and proc.poll() is None):
            self._stop(mnt, proc)
            text = (root / "errnofs.log").read_text(errors="replace")
            raise RuntimeError(f"errnofs {key} did not mount (rc={proc.returncode}):\n{text}")
        self.mounts[key] = (mnt, proc)
        return mnt

    @staticmethod
    def _stop(mnt: Path, proc: subprocess.Popen) -> None:
        _unmount(mnt)  # the daemon exits once unmounted
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            _unmount(mnt)

    def close(self) -> None:
        for mnt, proc in self.mounts.values():
            self._stop(mnt, proc)
        self.mounts.clear()


@pytest.fixture(scope="session")
def _errno_mounts(tmp_path_factory) -> Iterator[_ErrnoMounts]:
    require_fuse()
    try:
        import fuse  # fusepy

        usable = hasattr(fuse, "FUSE") and hasattr(fuse, "FuseOSError")
        why = "the `fuse` module is not fusepy"
    except (ImportError, OSError) as exc:  # OSError/EnvironmentError: libfuse2 missing
        usable, why = False, f"fusepy unusable ({exc}); pip install fusepy, apt install libfuse2"
    require_host(usable, why)
    registry = _ErrnoMounts(tmp_path_factory.mktemp(_marker("errnofs")))
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture
def errno_fs(_errno_mounts) -> Iterator[Callable[[str], Path]]:
    """``errno_fs("EPERM")`` -> a fresh empty writable dir whose symlink() fails with EPERM."""
    made: list[Path] = []

    def make(errno_name: str) -> Path:
        mnt = _errno_mounts.get(errno_name)
        d = Path(tempfile.mkdtemp(prefix="t", dir=mnt))
        made.append(d)
        return d

    yield make
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def dangling_links_dir(_errno_mounts) -> Iterator[Path]:
    """An empty writable dir on errnofs --outside-targets-dangle: links to absolute paths outside the mount dangle."""
    mnt = _errno_mounts.dangling()
    yield from _fresh_subdir(mnt)


# --------------------------------------------------------------------------------------
# kernel mounts: tmpfs with options, read-only bind


@pytest.fixture
def tmpfs_dir(tmp_path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs_dir("nosymfollow")`` -> the root of a fresh tmpfs mounted with those options."""
    require_root("tmpfs mounts")
    counter = itertools.count()
    mounted: list[Path] = []

    def make(options: str = "") -> Path:
        opts = [o for o in options.split(",") if o.strip()]
        if not any(o.startswith("size=") for o in opts):
            opts.append("size=512m")
        mnt = tmp_path / f"{_marker('tmpfs')}{next(counter)}"
        mnt.mkdir()
        res = _run(["mount", "-t", "tmpfs", "-o", ",".join(opts), "tmpfs", str(mnt)])
        require_host(res.returncode == 0,
                     f"mount -t tmpfs -o {','.join(opts)} failed: {res.stderr.strip()}")
        mounted.append(mnt)
        return mnt

    yield make
    for mnt in reversed(mounted):
        _unmount(mnt)


@pytest.fixture
def readonly_dir(tmp_path) -> Iterator[Path]:
    """A directory (with README.txt) that is a read-only bind mount: EROFS even for root."""
    require_root("bind mounts")
    d = tmp_path / _marker("readonly")
    d.mkdir()
    (d / "README.txt").write_text("read-only bind mount made by hostfixtures\n")
    res = _run(["mount", "--bind", str(d), str(d)])
    require_host(res.returncode == 0, f"mount --bind failed: {res.stderr.strip()}")
    try:
        res = _run(["mount", "-o", "remount,bind,ro", str(d)])
        assert res.returncode == 0, f"remount read-only failed: {res.stderr}"
        yield d
    finally:
        _unmount(d)


# --------------------------------------------------------------------------------------
# simulated Nix store


@pytest.fixture(scope="session")
def nix_store(tmp_path_factory):
    """A simulated, read-only Nix store (see tests/nixsim.py). Built once per session.

    Attributes: store_dir, base_old, base_new, package, package_name, legacy_old_env,
    legacy_new_env, modern_env (python: ``<env>/bin/python3.11``), version, root.
    Run its pythons with ``nixsim.clean_env({"PYTHONUSERBASE": ...})``: a legacy env's
    pip falls back to a --user install when the store is read-only.
    """
    import nixsim

    require_root("the read-only bind mount of the simulated Nix store")
    gcc = require_binary("gcc", "gcc")
    patchelf = require_binary("patchelf", "patchelf")
    source = nixsim.find_source_prefix()
    require_host(source is not None,
                 f"no CPython {nixsim.PYVER} prefix to copy (pyenv or NIXSIM_PYTHON_PREFIX)")
    root = tmp_path_factory.mktemp(_marker("nix"))
    store = None
    try:
        store = nixsim.build(root, source, gcc=gcc, patchelf=patchelf)
        nixsim.mount_readonly(store.store_dir)
        yield store
    finally:
        if store is not None:
            _unmount(store.store_dir)
        nixsim.destroy(root)


# --------------------------------------------------------------------------------------
# unprivileged execution


@pytest.fixture(scope="session")
def run_unprivileged() -> Callable[..., subprocess.CompletedProcess]:
    """``run_unprivileged(cmd, **kw)``: subprocess.run as uid/gid 65534 (root ignores mode bits).

    Defaults: capture_output=True, text=True (override with kwargs). Remember that the
    command must be able to reach its files as ``nobody``: pytest's basetemp
    (/tmp/pytest-of-root) and /root (so pyenv pythons) are 0700; use ``world_tmp_path``.
    """
    require_root("switching to uid 65534")
    setpriv = require_binary("setpriv", "util-linux")

    def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        if not {"stdout", "stderr", "capture_output"} & kwargs.keys():
            kwargs["capture_output"] = True
        if not {"text", "universal_newlines", "encoding", "errors"} & kwargs.keys():
            kwargs["text"] = True
        full = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
                *[os.fspath(c) for c in cmd]]
        return subprocess.run(full, **kwargs)

    run.uid = run.gid = NOBODY  # type: ignore[attr-defined]
    return run


@pytest.fixture
def world_tmp_path() -> Iterator[Path]:
    """A root-owned 0755 directory directly under the system temp dir (reachable by uid 65534)."""
    d = Path(tempfile.mkdtemp(prefix=_marker("world") + "-"))
    os.chmod(d, 0o755)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
