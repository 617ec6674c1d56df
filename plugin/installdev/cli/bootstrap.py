"""``installdev bootstrap [ROOT]``: build every venv of a workspace, in parallel."""

from __future__ import annotations

import argparse

from installdev.cli import arguments
from installdev.cli.outcome import Failure, failure_of, print_json

DESCRIPTION = ("Build the development venv of every project listed in ROOT's [tool.installdev.workspace], in parallel, "
               "with live progress and a summary table; without that table, the one venv of ROOT's uv workspace.")
EPILOG = """\
the workspace, in ROOT/pyproject.toml (or ROOT/installdev.toml):
  [tool.installdev.workspace]
  projects = ["libs/*", "apps/app"]        # paths and globs, relative to ROOT (default: [tool.uv.workspace] members)
  exclude = []                             # optional
  jobs = 4                                 # optional default for --jobs
  extras = ["dev"]    groups = ["test"]    python = "python3.12"    requirements = ["requirements-dev.txt"]
                                           # optional defaults for every project (requirements relative to ROOT;
                                           # any selection key: no-groups, only-groups, all-extras, ...)

  [tool.installdev.workspace.overrides."apps/app"]
  venv = ".venv"    extras = ["dev"]    requirements = ["requirements-dev.txt"]    python = "python3.12"

Without that table, ROOT/pyproject.toml's [tool.uv.workspace] gets one venv at ROOT holding every member, as
`uv sync --all-packages` fills it (with uv and ROOT/uv.lock: that command, --locked unless --frozen).
With the table and no projects, each uv workspace member gets its own venv (uv sync --package NAME at ROOT).
Precedence: the command line, then overrides, then the project's own [tool.installdev], then the defaults.
A project that installs another one by path (-e ../lib, name @ file:../lib, a [tool.uv.sources] path or
workspace member, a local package of its lock) is built after it. Two projects with one venv: exit 2.
Exit status: 0 when every venv is ready, else the exit code of the first failure (see install-dev --help),
after the other builds have finished (--fail-fast: no new build starts after a failure).
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("root", nargs="?", default=".", metavar="ROOT",
                        help="the directory holding the workspace's pyproject.toml or installdev.toml (default: .)")
    parser.add_argument("-j", "--jobs", type=_positive_int, metavar="N",
                        help="build at most N venvs at once (default: the workspace's jobs, else the CPU count)")
    parser.add_argument("--only", action="append", metavar="NAME/GLOB",
                        help="build only the projects whose path or directory name matches (repeatable)")
    parser.add_argument("--fail-fast", action="store_true", help="start no new build after a failure")
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (schema 1) on stdout; progress and the table go to stderr")
    parser.add_argument("--python", metavar="PY", help="base every venv on this interpreter (wins over the settings)")
    arguments.add_selection(parser)
    parser.add_argument("-r", "--requirement", dest="requirements", action="append", metavar="FILE",
                        help="also install this requirements file into every venv (repeatable)")
    arguments.add_lock_checks(parser)
    arguments.add_mode(parser)
    arguments.add_flag_prefix(parser)
    arguments.add_installer(parser)
    arguments.add_lock_timeout(parser)
    parser.add_argument("--force", action="store_true", help="rebuild every venv even if it is up to date")
    arguments.add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    from installdev.workspace.run import BootstrapRequest, run_bootstrap

    request = BootstrapRequest(root=args.root, options=arguments.options_from(args), only=tuple(args.only or ()),
                               jobs=args.jobs, fail_fast=args.fail_fast, as_json=args.json, verbosity=args.verbosity)
    try:
        exit_code = run_bootstrap(request)
    except BaseException as stopped:
        failure = failure_of(stopped)
        if args.json and failure is not None:
            print_json(json_failure(args.root, failure))
        raise
    if exit_code == 0 and not (args.json or args.force):
        _remember_noop(args.argv, request)
    return exit_code


def json_failure(root: str | None, failure: Failure) -> dict:
    """The ``--json`` document of a bootstrap stopped by ``failure`` before its projects' results were known: a rejected
    command line (``root`` None), a workspace that cannot be read, an interruption."""
    from installdev.workspace.run import JSON_SCHEMA

    return {"schema": JSON_SCHEMA, "root": root, "workspace_file": None, "jobs": None, "exit_code": int(failure.exit_code),
            "error": failure.message, "projects": []}


def _remember_noop(argv: list[str], request) -> None:
    """Write the quick record that lets the same bootstrap answer "all up to date" by stat alone next time: what every
    member's no-op rests on, plus the workspace file, the root and every member's parent directory (a project that
    appears or disappears changes a directory; the root's own parent is not watched). Skipped when a member is not
    up to date."""
    import os
    from pathlib import Path

    from installdev import quickcheck
    from installdev.actions.freshness import assess, noop_dependencies, stat_vouches
    from installdev.workspace.config import load_workspace, select_projects
    from installdev.workspace.members import member_settings

    workspace = load_workspace(Path(request.root))
    members = select_projects(workspace, request.only)
    present = [(workspace.origin, True), (workspace.root, True),
               *((member.directory.parent, True) for member in members if member.directory != workspace.root)]
    absent: list[Path] = []
    variables: set[str] = set()
    for member in members:
        settings = member_settings(member, request.options, defaults=workspace.defaults)
        freshness = assess(settings)
        if not freshness.up_to_date or not stat_vouches(freshness):
            return
        member_present, member_absent, member_variables = noop_dependencies(settings, freshness)
        present += member_present
        absent += member_absent
        variables |= member_variables
    quickcheck.write_record(quickcheck.invocation_key(argv, os.environ), present, absent, variables,
                            f"bootstrap {workspace.root}: all {len(members)} venvs are up to date", workspace.root)
