"""The project is read once: a cold plan works out each fact a single time, however many roles ask for it.

Counted in-process, by code object, while ``installdev doctor`` makes a cold plan of a pdm project with a pdm.lock that
is a member of a uv workspace (no uv.lock, so pdm's lock applies and pdm's reading of the groups): each TOML file is
parsed once, the uv workspace and the ``.python-version`` are searched for once, and the lock, the groups' owner, the
development set and the installer are each decided once.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import pytest
from installdev.actions import installer
from installdev.cli import main
from installdev.request import selection
from installdev.request.locks import rules
from installdev.request.project import documents, model, python_request, uv_workspace
from test_pdm_lock import lock_text, pdm_hash

PYPROJECT = {"project": {"name": "app", "version": "0.1", "requires-python": ">=3.9", "dependencies": []},
             "dependency-groups": {"test": ["pytest"]}}
COUNTED = {
    uv_workspace.search_uv_workspace.__code__: "uv workspace search",
    python_request.version_file_search.__code__: ".python-version search",
    model.Project.groups_owner.func.__code__: "groups owner decision",
    rules.find_lock.__code__: "lock decision",
    selection.chosen_development.__code__: "development set",
    installer.choose_installer.__code__: "installer choice",
}


@pytest.fixture
def workspace_member(tmp_path: Path) -> Path:
    """``root/`` (a git checkout declaring a uv workspace of ``packages/*``, pinning Python 3.11) holding
    ``packages/app``, a project with a dependency group and a fresh pdm.lock."""
    root = tmp_path / "root"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["packages/*"]\n')
    (root / ".python-version").write_text("3.11\n")
    app = root / "packages" / "app"
    app.mkdir(parents=True)
    (app / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.9"\ndependencies = []\n'
        '[dependency-groups]\ntest = ["pytest"]\n')
    (app / "pdm.lock").write_text(lock_text([{"name": "pytest", "version": "8.0.0", "groups": ["test"]}],
                                            groups=["default", "test"], digest=f"sha256:{pdm_hash(PYPROJECT)}"))
    return app


def counted_doctor(arguments: list[str], capsys) -> tuple[dict, collections.Counter, collections.Counter]:
    """Run ``installdev doctor --json ARGUMENTS`` in this process; its report, the counted calls, the parses per file."""
    calls: collections.Counter = collections.Counter()
    parses: collections.Counter = collections.Counter()

    def profile(frame, event, _argument):
        if event != "call":
            return
        if frame.f_code in COUNTED:
            calls[COUNTED[frame.f_code]] += 1
        elif frame.f_code is documents.parse_toml.__code__:
            parses[str(frame.f_locals["path"])] += 1

    sys.setprofile(profile)
    try:
        code = main(["doctor", "--json", *arguments])
    finally:
        sys.setprofile(None)
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["problems"]
    return report, calls, parses


@pytest.mark.parametrize("selection_arguments", [[], ["--group", "test"]], ids=["default selection", "a group asked for"])
def test_a_cold_plan_reads_each_fact_once(workspace_member: Path, selection_arguments: list[str], capsys) -> None:
    root = workspace_member.parent.parent
    report, calls, parses = counted_doctor([*selection_arguments, "--venv", str(root / "venv"), str(workspace_member)],
                                           capsys)
    assert report["development"]["reason"].startswith(f"{workspace_member / 'pdm.lock'}: read by installdev")
    assert parses == {str(root / "pyproject.toml"): 1, str(workspace_member / "pyproject.toml"): 1,
                      str(workspace_member / "pdm.lock"): 1}
    assert dict(calls) == {label: 1 for label in COUNTED.values()}
