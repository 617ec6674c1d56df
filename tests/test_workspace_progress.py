"""What bootstrap shows: the summary table, the progress lines, the captured log, each project's JSON entry."""

from __future__ import annotations

import io
import time
from pathlib import Path

from installdev.errors import InstalldevError, ProjectError, UsageError
from installdev.result import InstallResult, Outcome
from installdev.vocabulary import LinkMode
from installdev.workspace.progress import LogCapture, Progress, status, summary_table
from installdev.workspace.project_run import ProjectRun

PY312 = ("/usr/bin/python3.12", "3.12.1")


def finished(name: str, outcome: Outcome, mode: LinkMode, reasons: tuple[str, ...], seconds: float,
             python: tuple[str, str] = PY312) -> ProjectRun:
    directory = Path("/ws") / name
    result = InstallResult(outcome, directory, directory / "venv", mode, reasons, python[0], python[1], "pip", seconds)
    return ProjectRun(name, directory, directory / "venv", result=result, started=100.0, finished=100.0 + seconds)


def failed(name: str, error: InstalldevError, started: bool) -> ProjectRun:
    times = {"started": 100.0, "finished": 101.0} if started else {}
    return ProjectRun(name, Path("/ws") / name, error=error, **times)


def every_kind_of_run() -> list[ProjectRun]:
    return [
        finished("libs/core", Outcome.BUILT, LinkMode.SYMLINKS, ("symlinks work in /ws",), 3.5),
        finished("app", Outcome.REBUILT, LinkMode.COPIES, ("no symlinks on /mnt", "asked by --copies"), 12.0,
                 ("/opt/py/bin/python3.11", "3.11.9")),
        finished("tool", Outcome.UP_TO_DATE, LinkMode.SYMLINKS, (), 0.125),
        failed("broken", ProjectError("requirement file r.txt does not exist"), started=True),
        failed("bad", UsageError("unknown key 'venvs'"), started=False),
        ProjectRun("later", Path("/ws/later"), skipped=True),
    ]


def test_the_summary_table_shows_each_result_with_its_mode_and_why() -> None:
    assert summary_table(every_kind_of_run(), Path("/elsewhere")) == """\
project    result      python  time   mode and why
---------  ----------  ------  -----  -------------------------------------
libs/core  built       3.12.1  3.5s   symlinks: symlinks work in /ws
app        rebuilt     3.11.9  12.0s  copies: no symlinks on /mnt
tool       up to date  3.12.1  0.1s   symlinks
broken     failed              1.0s   requirement file r.txt does not exist
bad        failed              -      unknown key 'venvs'
later      skipped             -      not started (--fail-fast)"""


def test_verbose_shows_the_interpreters_and_every_reason_whole() -> None:
    assert summary_table(every_kind_of_run(), Path("/elsewhere"), whole=True).splitlines()[:4] == [
        "project    result      python                         time   mode and why",
        "---------  ----------  -----------------------------  -----  ----------------------------------------------",
        "libs/core  built       3.12.1 /usr/bin/python3.12     3.5s   symlinks: symlinks work in /ws",
        "app        rebuilt     3.11.9 /opt/py/bin/python3.11  12.0s  copies: no symlinks on /mnt; asked by --copies",
    ]


def test_the_summary_fits_100_columns_with_paths_relative_to_where_the_user_stands() -> None:
    root = Path("/home/someone/src/a-rather-long-checkout-name/workspace")
    deep = "services/payments/backend/adapters/legacy"
    reason = (f"symlinks work in {root / deep} (ext4 mount at /); container detected (docker), but the probe decides",)
    runs = [
        finished("app", Outcome.BUILT, LinkMode.SYMLINKS, (f"symlinks work in {root / 'app'} (ext4 mount at /)",), 1.0),
        finished(deep, Outcome.BUILT, LinkMode.SYMLINKS, reason, 2.0),
        failed("broken", ProjectError(f"{root / 'broken'} declares no default development set (no extras, dependency "
                                      "groups, poetry groups, pdm dev groups or requirement files): pick one with "
                                      "--group NAME, --extra NAME or -r FILE"), started=True),
    ]
    for run in runs:
        run.directory = root / run.name
    lines = summary_table(runs, root / "app").splitlines()
    assert all(len(line) <= 100 for line in lines), [len(line) for line in lines]
    assert lines[2].startswith(". ") and lines[2].endswith("symlinks: symlinks work in . (ext4 mount at /)")
    assert lines[3].startswith(f"...{deep[-27:]}  built")  # the start of a long project path gives way
    assert "/home/someone" in lines[3] and lines[3].endswith("...")  # not below the user: absolute, cut
    assert lines[4].split()[:2] == ["broken", "failed"] and lines[4].endswith("...")

    beside = summary_table(runs, root).splitlines()
    assert "symlinks work in app (ext4" in beside[2] and "symlinks work in services/" in beside[3]
    assert "declares no default" in beside[4] and "/home/someone" not in beside[4]


def test_plain_progress_is_one_line_per_start_and_finish() -> None:
    runs = every_kind_of_run()
    waiting = ProjectRun("waiting", Path("/ws/waiting"))
    building = ProjectRun("building", Path("/ws/building"), started=time.time())
    stream = io.StringIO()

    with Progress([*runs, waiting, building], stream, enabled=True) as progress:
        for run in [building, runs[0], runs[3], runs[5]]:
            progress.event(run)

    assert stream.getvalue() == (
        "installdev: building: started\n"
        "installdev: libs/core: built in 3.5s (symlinks)\n"
        "installdev: broken: failed: requirement file r.txt does not exist\n"
        "installdev: later: skipped: not started (--fail-fast)\n"
    )
    assert status(waiting, live=True) == "waiting"


def test_disabled_progress_prints_nothing() -> None:
    stream = io.StringIO()
    runs = every_kind_of_run()
    with Progress(runs, stream, enabled=False) as progress:
        progress.event(runs[0])
    assert stream.getvalue() == ""


def test_a_live_line_shows_the_elapsed_time_and_the_last_line_the_build_printed() -> None:
    run = ProjectRun("app", Path("/ws/app"), started=time.time() - 7.4)
    capture = LogCapture(run)
    capture.write("installdev: creating venv ...\n")
    capture.write("    Collecting devtool\n    Installing collected packages: devtool\n\n")

    assert status(run, live=True) == "building 7s  Installing collected packages: devtool"
    assert run.log.getvalue() == ("installdev: creating venv ...\n"
                                  "    Collecting devtool\n    Installing collected packages: devtool\n\n")


def test_json_entries_keep_schema_1() -> None:
    built, rebuilt, _, broken, bad, later = every_kind_of_run()
    bad.log.write("installdev: error: unknown key 'venvs'\n")

    assert rebuilt.to_json() == {
        "name": "app", "directory": "/ws/app", "venv": "/ws/app/venv", "python_executable": "/ws/app/venv/bin/python",
        "activate": ". /ws/app/venv/bin/activate", "result": "built", "exit_code": 0, "error": None, "mode": "copies",
        "reasons": ["no symlinks on /mnt", "asked by --copies"], "base_python": "/opt/py/bin/python3.11",
        "python_version": "3.11.9", "started": 100.0, "finished": 112.0, "seconds": 12.0, "log": "", "depends_on": [],
    }
    assert built.to_json()["result"] == "built"
    assert {key: broken.to_json()[key] for key in ("result", "exit_code", "error", "activate", "mode", "seconds")} == {
        "result": "failed", "exit_code": 6, "error": "requirement file r.txt does not exist", "activate": None,
        "mode": None, "seconds": 1.0,
    }
    assert {key: bad.to_json()[key] for key in ("venv", "python_executable", "exit_code", "started", "log")} == {
        "venv": None, "python_executable": None, "exit_code": 2, "started": None,
        "log": "installdev: error: unknown key 'venvs'\n",
    }
    assert {key: later.to_json()[key] for key in ("result", "exit_code", "error")} == {
        "result": "skipped", "exit_code": 0, "error": "not started (--fail-fast)",
    }
