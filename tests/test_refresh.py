"""Update in place or build from nothing (installdev.refresh): the pure decision, on stand-in plans."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from installdev import __version__
from installdev.actions.stamp import Stamp
from installdev.refresh import Rebuild, choose_refresh
from installdev.request.selection import InstallMethod
from installdev.vocabulary import InstallerName, LinkMode

INPUTS = {"system_site_packages": False, "seed_pip": True, "installer": "auto", "scope": "project", "installdev": __version__,
          "files": {"/p/requirements-dev.txt": ["digest", 1, 2]}}


def stamp(**changes) -> Stamp:
    fields = {"installdev": __version__, "inputs": INPUTS, "python_requested": "auto", "python_path": "/usr/bin/python3.11",
              "python_version": "3.11.7", "mode": LinkMode.SYMLINKS, "mode_reasons": (), "installer": "uv", "built_at": "now"}
    return Stamp(**{**fields, **changes})


def plan(recorded: Stamp | None = None, inputs: dict | None = None, mode: LinkMode = LinkMode.SYMLINKS,
         path: str = "/usr/bin/python3.11", version: tuple = (3, 11, 7), installer: InstallerName = InstallerName.UV,
         locked=None, requirements: tuple = ()) -> SimpleNamespace:
    return SimpleNamespace(
        freshness=SimpleNamespace(reading=SimpleNamespace(stamp=recorded), inputs=inputs or INPUTS),
        base=SimpleNamespace(path=path, version_text=".".join(map(str, version))),
        host=SimpleNamespace(decision=SimpleNamespace(mode=mode)),
        installer=SimpleNamespace(name=installer), locked=locked, settings=SimpleNamespace(requirements=requirements))


def lock(method: InstallMethod) -> SimpleNamespace:
    return SimpleNamespace(is_locked=True, method=method)


@pytest.mark.parametrize(("case", "expected"), [
    (plan(stamp(), inputs={**INPUTS, "files": {}}), None),
    (plan(stamp(), locked=lock(InstallMethod.UV_SYNC)), None),
    (plan(None), Rebuild.NO_VENV),
    (plan(stamp(installdev="0.0.1")), Rebuild.INSTALLDEV),
    (plan(stamp(), path="/opt/python3.11"), Rebuild.BASE_PYTHON),
    (plan(stamp(), version=(3, 11, 8)), Rebuild.BASE_PYTHON),
    (plan(stamp(), mode=LinkMode.COPIES), Rebuild.MODE),
    (plan(stamp(), inputs={**INPUTS, "seed_pip": False}), Rebuild.VENV_OPTIONS),
    (plan(stamp(), inputs={**INPUTS, "installer": "pip"}), Rebuild.VENV_OPTIONS),
    (plan(stamp(), installer=InstallerName.PIP), Rebuild.PIP),
    (plan(stamp(), locked=lock(InstallMethod.PYLOCK)), Rebuild.LOCK_READ),
    (plan(stamp(), locked=lock(InstallMethod.UV_SYNC), requirements=("extra.txt",)), Rebuild.GIVEN_FILES_AFTER_LOCK),
])
def test_the_venv_is_updated_only_when_its_identity_is_unchanged_and_uv_can_make_it_exact(case, expected):
    refresh = choose_refresh(case, force=False)
    assert refresh.rebuild is expected
    assert refresh.updates is (expected is None)
    assert refresh.describe().startswith("updating it in place" if expected is None else "building from nothing: ")


def test_force_always_builds_from_nothing():
    assert choose_refresh(plan(stamp()), force=True).rebuild is Rebuild.FORCED
