"""Host facts: cheap, read-only observations about the machine and the venv's destination.

Facts are hints that shape the default and the wording of reasons; the probe (``probe.py``) and the
post-creation health check decide. Nothing here writes anywhere.

On Linux the destination's mount comes from ``/proc/self/mountinfo`` (longest mount-point prefix);
on macOS and Windows it is unknown (None) and the probe alone speaks for the filesystem.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

DEFAULT_NIX_STORE = "/nix/store"
NIX_STORE_VARIABLE = "INSTALLDEV_NIX_STORE"


class Mount(NamedTuple):
    mount_point: str
    fstype: str
    source: str
    options: frozenset[str] = frozenset()

    def describe(self) -> str:
        return f"{self.fstype} mount at {self.mount_point}"


class HostFacts(NamedTuple):
    platform: str  # "linux", "darwin", "windows" or another sys.platform value
    wsl: bool = False
    container: str | None = None  # "docker", "podman", "kubernetes", "container=<name>"
    nix_shell: bool = False
    nixos: bool = False
    nix_store: str = DEFAULT_NIX_STORE
    mount: Mount | None = None


def host_name() -> str:
    """This machine's name as ``socket.gethostname()`` gives it (from ``os.uname`` where it exists: the same value,
    without loading the socket module)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _platform() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    if sys.platform.startswith("linux"):
        return "linux"
    return sys.platform


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def _unescape_mountinfo(field_text: str) -> str:
    # mountinfo escapes space, tab, newline and backslash as octal (\040 ...)
    return field_text.encode("latin-1", "backslashreplace").decode("unicode_escape")


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        left, _, right = line.partition(" - ")
        left_fields, right_fields = left.split(), right.split()
        if len(left_fields) < 6 or len(right_fields) < 2:
            continue
        options = set(left_fields[5].split(","))
        if len(right_fields) >= 3:
            options.update(right_fields[2].split(","))
        mounts.append(
            Mount(_unescape_mountinfo(left_fields[4]), right_fields[0], _unescape_mountinfo(right_fields[1]),
                  frozenset(options))
        )
    return mounts


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount holding ``path``: the longest matching mount point, the last one listed on a tie."""
    best = None
    for mount in mounts:
        point = mount.mount_point
        inside = point == "/" or path == point or path.startswith(point + "/")
        if inside and (best is None or len(point) >= len(best.mount_point)):
            best = mount
    return best


def existing_ancestor(path: Path) -> Path:
    """``path`` or its nearest existing parent, resolved: where a probe for a future ``path`` runs."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return Path(os.path.realpath(path))


def _container(env: Mapping[str, str]) -> str | None:
    if os.path.exists("/run/.containerenv"):
        return "podman"
    if os.path.exists("/.dockerenv"):
        return "docker"
    if env.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    if env.get("container"):
        return f"container={env['container']}"
    cgroup = _read("/proc/1/cgroup")
    for marker in ("docker", "kubepods", "containerd", "libpod"):
        if marker in cgroup:
            return marker
    return None


def gather_host_facts(destination: Path, env: Mapping[str, str] | None = None) -> HostFacts:
    """Observe the host and the filesystem that will hold ``destination`` (which need not exist yet)."""
    env = os.environ if env is None else env
    platform = _platform()
    anchor = str(existing_ancestor(destination))
    mount = None
    wsl = False
    if platform == "linux":
        mount = mount_of(anchor, parse_mountinfo(_read("/proc/self/mountinfo")))
        wsl = bool(env.get("WSL_DISTRO_NAME")) or "microsoft" in _read("/proc/sys/kernel/osrelease").lower()
    return HostFacts(
        platform=platform,
        wsl=wsl,
        container=_container(env) if platform == "linux" else None,
        nix_shell=bool(env.get("IN_NIX_SHELL")),
        nixos=os.path.exists("/etc/NIXOS"),
        nix_store=env.get(NIX_STORE_VARIABLE) or DEFAULT_NIX_STORE,
        mount=mount,
    )
