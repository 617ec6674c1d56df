"""Each hostile-host fixture really behaves as shared/notes/test-hosts.md says (no mocks)."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import nixsim
import pytest
from hostfixtures import mount_info, require_host

pytestmark = pytest.mark.hosts

TRUE = shutil.which("true") or "/bin/true"


def symlink_errno(directory: Path) -> int | None:
    """errno of os.symlink inside ``directory`` (None: it worked)."""
    (directory / "target").write_text("x")
    try:
        os.symlink("target", directory / "link")
    except OSError as exc:
        return exc.errno
    return None


def assert_plain_files_work(directory: Path) -> None:
    (directory / "sub").mkdir()
    (directory / "sub" / "a.txt").write_text("hello")
    os.rename(directory / "sub" / "a.txt", directory / "b.txt")
    assert (directory / "b.txt").read_text() == "hello"
    (directory / "b.txt").unlink()
    (directory / "sub").rmdir()


# --------------------------------------------------------------------------------------
# require_host


def test_require_host_fails_under_ci_and_skips_otherwise(monkeypatch):
    require_host(True, "fine")  # no effect
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no frobnicator"):
        require_host(False, "no frobnicator")
    for value in (None, "false", "1"):
        if value is None:
            monkeypatch.delenv("CI")
        else:
            monkeypatch.setenv("CI", value)
        with pytest.raises(pytest.skip.Exception, match="no frobnicator"):
            require_host(False, "no frobnicator")


# --------------------------------------------------------------------------------------
# FAT family


def test_exfat_dir(exfat_dir: Path):
    assert list(exfat_dir.iterdir()) == []
    info = mount_info(exfat_dir)
    assert info.fstype == "fuseblk"
    assert re.fullmatch(r"/dev/loop\d+", info.source), info
    assert symlink_errno(exfat_dir) == errno.ENOSYS
    assert_plain_files_work(exfat_dir)
    f = exfat_dir / "script"
    f.write_text("#!/bin/sh\n")
    os.chmod(f, 0o755)  # chmod works on exFAT
    assert os.stat(f).st_mode & stat.S_IXUSR


def test_exfat_dir_is_fresh_per_test(exfat_dir: Path):
    assert list(exfat_dir.iterdir()) == []


def test_fat32_dir(fat32_dir: Path):
    assert list(fat32_dir.iterdir()) == []
    info = mount_info(fat32_dir)
    assert info.fstype.startswith("fuse"), info
    assert "rw" in info.options
    assert symlink_errno(fat32_dir) == errno.ENOSYS
    assert_plain_files_work(fat32_dir)
    f = fat32_dir / "script"
    f.write_text("#!/bin/sh\n")
    with pytest.raises(OSError) as exc:
        os.chmod(f, 0o755)
    assert exc.value.errno == errno.ENOSYS


@pytest.mark.parametrize("name", ["EPERM", "EOPNOTSUPP", "EPROTO"])
def test_errno_fs(errno_fs, name: str):
    d = errno_fs(name)
    assert list(d.iterdir()) == []
    assert mount_info(d).fstype == "fuse.errnofs"
    assert symlink_errno(d) == getattr(errno, name)
    assert_plain_files_work(d)
    # hard links, chmod and running a copied executable pass through
    os.link(d / "target", d / "hard")
    assert (d / "hard").read_text() == "x"
    shutil.copy2(TRUE, d / "true")
    os.chmod(d / "true", 0o755)
    assert subprocess.run([str(d / "true")]).returncode == 0
    # a second call gives another fresh directory on the same filesystem
    other = errno_fs(name)
    assert other != d and list(other.iterdir()) == []


def test_errno_fs_rejects_unknown_names(errno_fs):
    with pytest.raises(ValueError):
        errno_fs("ENOTANERRNO")


# --------------------------------------------------------------------------------------
# tmpfs options, read-only bind


def test_tmpfs_nosymfollow(tmpfs_dir):
    d = tmpfs_dir("nosymfollow")
    info = mount_info(d)
    assert info.mountpoint == str(d) and info.fstype == "tmpfs"
    assert "nosymfollow" in info.options and "size=524288k" in info.super_options
    shutil.copy2(TRUE, d / "true")
    os.symlink(d / "true", d / "link")  # creating works
    assert os.readlink(d / "link") == str(d / "true")
    with pytest.raises(OSError) as exc:
        (d / "link").read_bytes()
    assert exc.value.errno == errno.ELOOP
    with pytest.raises(OSError) as exc:
        subprocess.run([str(d / "link")])
    assert exc.value.errno == errno.ELOOP
    assert subprocess.run([str(d / "true")]).returncode == 0  # no symlink, no problem


def test_tmpfs_noexec(tmpfs_dir):
    d = tmpfs_dir("noexec")
    assert "noexec" in mount_info(d).options
    shutil.copy2(TRUE, d / "true")
    with pytest.raises(PermissionError) as exc:
        subprocess.run([str(d / "true")])
    assert exc.value.errno == errno.EACCES
    os.symlink(TRUE, d / "link")  # a symlink to an executable elsewhere still runs
    assert subprocess.run([str(d / "link")]).returncode == 0


def test_tmpfs_size_gives_enospc(tmpfs_dir):
    d = tmpfs_dir("size=20m")
    assert "size=20480k" in mount_info(d).super_options
    chunk = b"\0" * (1024 * 1024)
    with pytest.raises(OSError) as exc, open(d / "big", "wb") as fh:
        for _ in range(30):
            fh.write(chunk)
            fh.flush()
    assert exc.value.errno == errno.ENOSPC


def test_tmpfs_dir_mounts_are_fresh(tmpfs_dir):
    a, b = tmpfs_dir(""), tmpfs_dir("noexec")
    assert a != b and list(a.iterdir()) == [] and list(b.iterdir()) == []
    assert "size=524288k" in mount_info(a).super_options


def test_readonly_dir(readonly_dir: Path):
    assert os.geteuid() == 0
    assert "ro" in mount_info(readonly_dir).options
    files = list(readonly_dir.iterdir())
    assert files and files[0].read_text()
    for attempt in (
        lambda: (readonly_dir / "new.txt").write_text("x"),
        lambda: files[0].write_text("x"),
        lambda: (readonly_dir / "sub").mkdir(),
        lambda: os.symlink("x", readonly_dir / "link"),
        lambda: os.chmod(files[0], 0o600),
    ):
        with pytest.raises(OSError) as exc:
            attempt()
        assert exc.value.errno == errno.EROFS


# --------------------------------------------------------------------------------------
# unprivileged


def test_run_unprivileged(run_unprivileged, world_tmp_path: Path):
    res = run_unprivileged(["id", "-u"])
    assert res.returncode == 0 and res.stdout.strip() == "65534"
    assert run_unprivileged(["id", "-G"]).stdout.split() == ["65534"]
    # root ignores mode bits; uid 65534 does not
    locked = world_tmp_path / "locked"
    locked.mkdir(mode=0o755)
    res = run_unprivileged(["touch", str(locked / "x")])
    assert res.returncode != 0 and "Permission denied" in res.stderr
    assert subprocess.run(["touch", str(locked / "x")]).returncode == 0
    open_dir = world_tmp_path / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    assert run_unprivileged(["touch", str(open_dir / "y")]).returncode == 0
    assert (open_dir / "y").stat().st_uid == 65534


# --------------------------------------------------------------------------------------
# simulated Nix store

_PROBE = (
    "import json, os, sys\n"
    "try:\n"
    "    import {pkg} as m; value = getattr(m, 'VALUE', m.__file__)\n"
    "except ImportError as e:\n"
    "    value = repr(e)\n"
    "print(json.dumps(dict(executable=sys.executable, base_executable=sys._base_executable,"
    " prefix=sys.prefix, base_prefix=sys.base_prefix, value=value,"
    " nix=sorted(k for k in os.environ if k.startswith('NIX_PYTHON')))))\n"
)


def probe(python: Path, env: dict[str, str], package: str) -> dict:
    res = subprocess.run([str(python), "-c", _PROBE.format(pkg=package)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.fixture
def nix_env(tmp_path: Path) -> dict[str, str]:
    # PYTHONUSERBASE: a legacy env's pip falls back to --user; never touch ~/.local
    return nixsim.clean_env({"PYTHONUSERBASE": str(tmp_path / "userbase")})


def test_nix_store_layout_and_read_only(nix_store):
    store = nix_store.store_dir
    assert store.parts[-2:] == ("nix", "store")
    assert mount_info(store).mountpoint == str(store) and "ro" in mount_info(store).options
    for p in (nix_store.base_old, nix_store.base_new, nix_store.legacy_old_env,
              nix_store.legacy_new_env, nix_store.modern_env):
        assert p.parent == store
        assert re.fullmatch(r"[0-9a-df-np-sv-z]{32}-python3-3\.11\.\d+(-env)?", p.name), p.name
    assert len({nix_store.base_old, nix_store.base_new}) == 2
    for target in (store / "x", nix_store.legacy_new_env / "x",
                   nix_store.legacy_new_env / "lib/python3.11/site-packages/x.pth"):
        with pytest.raises(OSError) as exc:
            target.write_text("x")
        assert exc.value.errno == errno.EROFS
    assert not os.stat(nix_store.base_new / "bin/python3.11").st_mode & 0o222  # chmod -R a-w
    for base, variant in ((nix_store.base_old, "old"), (nix_store.base_new, "new")):
        stdlib = base / "lib/python3.11"
        assert "/nix/store" in (stdlib / "EXTERNALLY-MANAGED").read_text()
        custom = (stdlib / "site-packages/sitecustomize.py").read_text()
        assert "NIX_PYTHONPATH" in custom
        assert ("sys._base_executable" in custom) == (variant == "new")
        assert sorted(os.listdir(stdlib / "site-packages")) == ["sitecustomize.py"]
        rpath = subprocess.run(["patchelf", "--print-rpath", str(base / "bin/python3.11")],
                               capture_output=True, text=True)
        assert rpath.stdout.strip() == str(base / "lib")
        ldd = subprocess.run(["ldd", str(base / "bin/python3.11")], capture_output=True, text=True)
        assert f"=> {base}/lib/libpython3.11.so" in ldd.stdout


@pytest.mark.parametrize("kind", ["legacy_old", "legacy_new", "modern"])
def test_nix_env_python_runs_and_imports_package(nix_store, nix_env, kind):
    env_dir = getattr(nix_store, f"{kind}_env")
    base = nix_store.base_old if kind == "legacy_old" else nix_store.base_new
    bindir = env_dir / "bin"
    if kind == "modern":
        assert os.readlink(bindir / "python3") == "python3.11"
    else:
        assert not (bindir / "python3").is_symlink()  # every entry point wrapped
    for name in ("python3.11", "python3", "python"):
        got = probe(bindir / name, nix_env, nix_store.package_name)
        assert got["value"] == nixsim.PACKAGE_VALUE
        assert got["nix"] == []  # sitecustomize popped them
        assert got["prefix"] == str(env_dir)
        assert got["executable"] == str(bindir / name)
    got = probe(bindir / "python3.11", nix_env, nix_store.package_name)
    if kind == "modern":
        assert got["base_prefix"] == str(env_dir)
        assert got["base_executable"] == str(bindir / "python3.11")
    else:
        assert got["base_prefix"] == str(base)
        expected = bindir / "python3.11" if kind == "legacy_new" else base / "bin/python3.11"
        assert got["base_executable"] == str(expected)


def test_nix_legacy_new_venv_fails(nix_store, nix_env, tmp_path):
    """uv issue 4450: the venv's sys.prefix is the store env; ensurepip hits EROFS."""
    python = nix_store.legacy_new_env / "bin/python3.11"
    dest = tmp_path / "venv"
    env = dict(nix_env, PYTHONNOUSERSITE="1")
    res = subprocess.run([str(python), "-m", "venv", str(dest)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "ensurepip" in res.stdout + res.stderr
    cfg = (dest / "pyvenv.cfg").read_text()
    assert f"home = {nix_store.legacy_new_env}/bin" in cfg
    got = probe(dest / "bin/python", env, nix_store.package_name)
    assert got["prefix"] == str(nix_store.legacy_new_env)  # not the venv
    # the cause: pip tries to write into the read-only -env
    res = subprocess.run([str(dest / "bin/python"), "-m", "ensurepip"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "[Errno 30] Read-only file system" in res.stdout + res.stderr
    assert f"{nix_store.legacy_new_env}/lib/python3.11/site-packages" in res.stdout + res.stderr
    assert not list((dest / "lib/python3.11/site-packages").iterdir())


def test_nix_legacy_new_venv_with_user_site_installs_pip_elsewhere(nix_store, nix_env, tmp_path):
    """With a user site enabled, `-m venv` "works" but pip lands in the user site, not the venv."""
    python = nix_store.legacy_new_env / "bin/python3.11"
    dest = tmp_path / "venv"
    res = subprocess.run([str(python), "-m", "venv", str(dest)], env=nix_env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert not list((dest / "lib/python3.11/site-packages").iterdir())
    assert list((tmp_path / "userbase").glob("lib/python3.11/site-packages/pip"))


def test_nix_legacy_old_venv_hides_env_packages(nix_store, nix_env, tmp_path):
    """NixOS PR 297628: the venv is based on the bare interpreter, env packages invisible."""
    python = nix_store.legacy_old_env / "bin/python3.11"
    dest = tmp_path / "venv"
    res = subprocess.run([str(python), "-m", "venv", "--without-pip", "--system-site-packages",
                          str(dest)], env=nix_env, cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert f"home = {nix_store.base_old}/bin" in (dest / "pyvenv.cfg").read_text()
    got = probe(dest / "bin/python", nix_env, nix_store.package_name)
    assert got["prefix"] == str(dest) and got["base_prefix"] == str(nix_store.base_old)
    assert "ModuleNotFoundError" in got["value"]


def test_nix_modern_venv_works(nix_store, nix_env, tmp_path):
    python = nix_store.modern_env / "bin/python3.11"
    dest = tmp_path / "venv"
    res = subprocess.run([str(python), "-m", "venv", str(dest)], env=nix_env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    got = probe(dest / "bin/python", nix_env, "pip")
    assert got["prefix"] == str(dest)
    assert got["base_prefix"] == str(nix_store.modern_env)
    assert got["value"].startswith(f"{dest}/lib/python3.11/site-packages/pip/")
    assert not (tmp_path / "userbase").exists()
