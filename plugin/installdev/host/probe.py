"""The decisive probe: can this directory hold symlinks that resolve, and run copied executables?

It works in a fresh private temp directory (``tempfile.mkdtemp``, mode 0700) inside the directory
that will hold the venv, and removes it afterwards. Each step records the errno name of its failure
(on Windows the WinError number, because errno maps privilege errors to EINVAL):

1. write a file;
2. ``os.symlink`` to it (ENOSYS on exFAT/FAT FUSE, EPERM on vfat/drvfs, EOPNOTSUPP on CIFS, WinError 1314
   on Windows without the privilege);
3. follow the link (``os.path.samefile``; ELOOP on ``nosymfollow`` mounts);
4. copy a tiny executable and run it (POSIX only: EACCES on ``noexec`` mounts, ENOSYS when chmod is
   missing as on ``fusefat``).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from installdev.actions.venvdir import PROBE_PREFIX
from installdev.environment import sha256_hex
from installdev.host.facts import host_name

_SCRIPT = "#!/bin/sh\nexit 0\n"
# Linux gives ENOTSUP and EOPNOTSUPP one number; CIFS users know it by the socket name.
_PREFERRED_NAMES = {errno.EOPNOTSUPP: "EOPNOTSUPP"}


class ProbeResult(NamedTuple):
    directory: str
    write_error: str | None = None
    symlink_error: str | None = None
    follow_error: str | None = None
    exec_error: str | None = None

    @property
    def writable(self) -> bool:
        return self.write_error is None

    @property
    def symlinks_work(self) -> bool:
        return self.writable and self.symlink_error is None and self.follow_error is None


def describe_os_error(error: OSError) -> str:
    winerror = getattr(error, "winerror", None)
    if winerror:
        return f"WinError {winerror}"
    if error.errno in errno.errorcode:
        return _PREFERRED_NAMES.get(error.errno, errno.errorcode[error.errno])
    return error.strerror or type(error).__name__




def _host_tag() -> str:
    return sha256_hex(host_name())[:8]


def _remove_stale_probes(directory: Path, host: str) -> None:
    """Delete probe directories left in ``directory`` by a probe on this host whose process is gone (kill -9)."""
    try:
        names = [entry.name for entry in os.scandir(directory) if entry.name.startswith(PROBE_PREFIX)]
    except OSError:
        return
    for name in names:
        pid, _, rest = name[len(PROBE_PREFIX):].partition("-")
        if not pid.isdigit() or not rest.startswith(host + "-") or int(pid) == os.getpid():
            continue  # another host's, or one made before probes carried their pid: not ours to judge
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(directory / name, ignore_errors=True)
        except OSError:
            pass  # alive (EPERM: another user's process)


def probe_directory(directory: Path) -> ProbeResult:
    """Probe ``directory`` (which must exist). Never raises for filesystem failures: they are the result."""
    host = _host_tag()
    _remove_stale_probes(directory, host)
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f"{PROBE_PREFIX}{os.getpid()}-{host}-", dir=directory))
    except OSError as error:
        return ProbeResult(str(directory), write_error=describe_os_error(error))
    try:
        return ProbeResult(str(directory), **_probe_inside(workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _probe_inside(workdir: Path) -> dict[str, str | None]:
    target = workdir / "target"
    try:
        target.write_text(_SCRIPT)
    except OSError as error:
        return {"write_error": describe_os_error(error)}
    result: dict[str, str | None] = {"exec_error": _exec_error(workdir)}
    link = workdir / "link"
    try:
        os.symlink(target.name, link)
    except OSError as error:
        result["symlink_error"] = describe_os_error(error)
        return result
    try:
        if not os.path.samefile(link, target):
            result["follow_error"] = "resolves elsewhere"
    except OSError as error:
        result["follow_error"] = describe_os_error(error)
    return result


def _exec_error(workdir: Path) -> str | None:
    if sys.platform.startswith("win"):
        return None
    executable = workdir / "probe-exec"
    try:
        executable.write_text(_SCRIPT)
        os.chmod(executable, stat.S_IRWXU)
        completed = subprocess.run([str(executable)], stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    except OSError as error:
        return describe_os_error(error)
    except subprocess.TimeoutExpired:
        return "timed out"
    return None if completed.returncode == 0 else f"exit status {completed.returncode}"
