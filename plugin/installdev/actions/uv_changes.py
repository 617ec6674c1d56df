"""What an exact uv install would change in a venv, asked of uv itself before it changes anything (``--dry-run``).

``uv pip install --dry-run`` and ``uv sync --dry-run`` resolve as the real command would and print, without touching
the venv, one line per distribution that goes (`` - name==1.0``) and per distribution that comes (`` + name==2.0``,
`` + name @ file:///...``); a reinstalled one (the editable project) appears on both. The update step saves what goes
before the real command runs (``installdev.actions.update_journal``) and pins what comes, so the real command removes
nothing the dry run did not name even when the index gains a release in between.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import NamedTuple

_CHANGE_LINE = re.compile(r"^ (?P<sign>[-+~]) (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<rest>.*)$")
_PINNED = re.compile(r"^==(?P<version>[^\s;]+)$")


def canonical_name(name: str) -> str:
    """PEP 503's normalized form (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class UvChanges(NamedTuple):
    """The distributions an exact install removes (canonical names, reinstalls included) and the ``name==version``
    pins of the ones it installs from an index (direct references such as the editable project are not pinned)."""

    removed: frozenset[str]
    pins: tuple[str, ...]
    installed: int

    def describe(self) -> str:
        return f"{len(self.removed)} to remove, {self.installed} to install"


def parse_dry_run(lines: list[str]) -> UvChanges | None:
    """The changes a dry run's output lists, or None when it holds none of uv's summary lines (``Would install``,
    ``Would uninstall``, ``Would make no changes``): an output installdev cannot read is no promise of no change."""
    if not any(line.startswith(("Would install", "Would uninstall", "Would make no changes")) for line in lines):
        return None
    removed, pins, installed = set(), [], 0
    for line in lines:
        match = _CHANGE_LINE.match(line.rstrip("\n"))
        if match is None:
            continue
        name = canonical_name(match["name"])
        if match["sign"] in "-~":
            removed.add(name)
        if match["sign"] in "+~":
            installed += 1
            pinned = _PINNED.match(match["rest"].strip())
            if pinned:
                pins.append(f"{name}=={pinned['version']}")
    return UvChanges(frozenset(removed), tuple(pins), installed)


def ask_uv(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> UvChanges | None:
    """Run the uv ``command`` with ``--dry-run`` and read its changes; None when it fails or says nothing readable (the
    real command then reports the failure in its own words)."""
    try:
        result = subprocess.run([*command, "--dry-run"], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return parse_dry_run((result.stderr + result.stdout).splitlines())
