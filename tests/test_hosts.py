"""install-dev and doctor on real hostile hosts: FUSE exFAT/FAT32, errno-injecting FUSE, tmpfs options,
read-only bind mounts and a simulated read-only Nix store. No flags set: the probe must decide."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_installdev, venv_import

pytestmark = [pytest.mark.hosts, pytest.mark.e2e]


def install_dev(project: Path, venv: Path, env: dict, *args: str):
    return run_installdev(["install-dev", str(project), "--venv", str(venv), *args], env)


def doctor(project: Path, venv: Path, env: dict, *args: str) -> tuple[int, dict]:
    result = run_installdev(["doctor", str(project), "--venv", str(venv), "--json", *args], env)
    return result.returncode, json.loads(result.stdout)


def assert_copies_venv(project: Path, venv: Path, env: dict, errno_name: str) -> None:
    result = install_dev(project, venv, env)
    assert result.returncode == 0, result.stdout + result.stderr
    mode_line = next(line for line in result.stderr.splitlines() if line.startswith("installdev: mode "))
    assert mode_line.startswith("installdev: mode copies: symlink() in") and f"failed with {errno_name}" in mode_line
    python = venv / "bin" / "python"
    assert python.is_file() and not python.is_symlink()
    assert venv_import(venv, "import sampleproj, devtool").returncode == 0
    code, report = doctor(project, venv, env)
    assert code == 0 and report["ok"]
    assert report["decision"]["mode"] == "copies" and errno_name in report["decision"]["reasons"][0]
    assert report["probe"]["symlink_error"] == errno_name
    assert report["venv_state"]["state"] == "up to date"
    again = install_dev(project, venv, env)
    assert "is up to date (copies)" in again.stderr


def test_exfat_gets_copies(exfat_dir, project, offline_env):
    assert_copies_venv(project, exfat_dir / "venv", offline_env, "ENOSYS")


@pytest.mark.parametrize("errno_name", ["EPERM", "EOPNOTSUPP", "EPROTO"])
def test_symlink_failures_like_vfat_cifs_vboxsf_get_copies(errno_fs, errno_name, project, offline_env):
    assert_copies_venv(project, errno_fs(errno_name) / "venv", offline_env, errno_name)


def test_fat32_without_symlinks_or_chmod_is_a_clear_error_leaving_nothing(fat32_dir, project, offline_env):
    venv = fat32_dir / "sub" / "venv"
    result = install_dev(project, venv, offline_env)
    assert result.returncode == 8, result.stdout + result.stderr
    message = result.stderr.strip()
    assert "neither symlinks nor copies work" in message and "fusefat" in message and "--venv" in message
    assert list(fat32_dir.iterdir()) == []
    code, report = doctor(project, venv, offline_env)
    assert code == 8 and not report["ok"] and report["decision"]["mode"] is None
    assert report["probe"]["symlink_error"] == "ENOSYS" and report["probe"]["exec_error"] == "ENOSYS"
    assert list(fat32_dir.iterdir()) == []


def test_nosymfollow_gets_copies(tmpfs_dir, project, offline_env):
    venv = tmpfs_dir("nosymfollow") / "venv"
    result = install_dev(project, venv, offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installdev: mode copies: symlinks in" in result.stderr and "cannot be followed (ELOOP)" in result.stderr
    assert not (venv / "bin" / "python").is_symlink()
    assert venv_import(venv, "import sampleproj, devtool").returncode == 0
    code, report = doctor(project, venv, offline_env)
    assert code == 0 and report["decision"]["mode"] == "copies" and report["probe"]["follow_error"] == "ELOOP"


def test_noexec_gets_symlinks(tmpfs_dir, project, offline_env):
    venv = tmpfs_dir("noexec") / "venv"
    result = install_dev(project, venv, offline_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installdev: mode symlinks: copied executables cannot run in" in result.stderr
    assert "(EACCES)" in result.stderr
    assert (venv / "bin" / "python").is_symlink()
    assert venv_import(venv, "import sampleproj, devtool").returncode == 0
    code, report = doctor(project, venv, offline_env)
    assert code == 0 and report["decision"]["mode"] == "symlinks" and report["probe"]["exec_error"] == "EACCES"


def test_explicit_copies_on_noexec_is_refused_with_the_way_out(tmpfs_dir, project, offline_env):
    venv = tmpfs_dir("noexec") / "venv"
    result = install_dev(project, venv, {**offline_env, "INSTALLDEV_VENV_USE_COPIES": "true"})
    assert result.returncode == 2
    assert "INSTALLDEV_VENV_USE_COPIES=true asks for copies" in result.stderr and "--venv" in result.stderr
    assert not venv.exists()


def test_read_only_destination_is_refused_before_anything_is_created(readonly_dir, project, offline_env):
    before = sorted(p.name for p in readonly_dir.iterdir())
    result = install_dev(project, readonly_dir / "venv", offline_env)
    assert result.returncode == 8
    assert "not writable (EROFS)" in result.stderr and "--venv" in result.stderr
    assert sorted(p.name for p in readonly_dir.iterdir()) == before
    code, report = doctor(project, readonly_dir / "venv", offline_env)
    assert code == 8 and report["probe"]["write_error"] == "EROFS"
    assert "ro" in report["host"]["mount"]["options"]


def _tree(directory: Path) -> list[str]:
    return sorted(str(Path(root, name)) for root, dirs, files in os.walk(directory) for name in dirs + files)


@pytest.mark.parametrize("variant", ["legacy_old", "legacy_new", "modern"])
def test_nix_env_python_gives_a_venv_that_owns_its_prefix(nix_store, variant, project, offline_env, tmp_path):
    env_dir = nix_store.envs[variant]
    env = {**offline_env, "INSTALLDEV_NIX_STORE": str(nix_store.store_dir),
           "PYTHONUSERBASE": str(tmp_path / "userbase"), "PYTHONNOUSERSITE": "1"}
    store_before = _tree(nix_store.store_dir)
    venv = project / "venv"
    result = install_dev(project, venv, env, "--python", str(nix_store.python(env_dir)), "--system-site-packages")
    assert result.returncode == 0, result.stdout + result.stderr
    if variant.startswith("legacy"):
        assert "is a wrapper environment" in result.stderr and str(nix_store.store_dir) in result.stderr
    prefix = venv_import(venv, "import sys; print(sys.prefix)")
    assert Path(prefix.stdout.strip()) == venv
    imports = venv_import(venv, f"import sampleproj, devtool, {nix_store.package_name}")
    assert imports.returncode == 0, imports.stderr
    assert _tree(nix_store.store_dir) == store_before, "nothing written to the store"
    assert not (tmp_path / "userbase").exists()
    code, report = doctor(project, venv, env, "--python", str(nix_store.python(env_dir)), "--system-site-packages")
    assert code == 0 and report["venv_state"]["state"] == "up to date"


def test_lock_falls_back_to_the_cache_dir_when_the_venv_parent_is_read_only(readonly_dir, tmp_path, monkeypatch):
    from installdev.actions.locking import lock_path_for, venv_lock
    from installdev.errors import HostUnsupportedError
    from installdev.report import Reporter

    venv = readonly_dir / "venv"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lock_path = lock_path_for(venv)
    assert lock_path.parent == tmp_path / "cache" / "installdev" / "locks"
    with venv_lock(venv, 1, Reporter()) as held:
        assert held == lock_path and held.exists()
    assert lock_path_for(venv) == lock_path, "every process derives the same lock for the same venv"

    # no fallback either: the cache is read-only too
    monkeypatch.setenv("XDG_CACHE_HOME", str(readonly_dir / "cache"))
    with pytest.raises(HostUnsupportedError, match="cannot take the lock") as caught:
        with venv_lock(venv, 1, Reporter()):
            pass
    assert caught.value.exit_code == 8
