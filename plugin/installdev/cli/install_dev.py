"""``installdev install-dev``: parse, run install_dev, print the result (text, or ``--json``)."""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

from installdev.cli import arguments
from installdev.cli.outcome import Failure, failure_of, print_json
from installdev.report import Reporter

if TYPE_CHECKING:
    from installdev.request.settings.resolve import Settings

DESCRIPTION = ("Create or update PROJECT_DIR's development venv: the project installed editable with what it declares "
               "for development, on an interpreter it accepts; a no-op when nothing changed.")
EPILOG = f"""\
what it does:
  Creates PROJECT_DIR/venv (uv venv or virtualenv) on an interpreter the project
  accepts (requires-python, .python-version), installs the project editable with
  what it declares for development (uv's default dependency groups, non-optional
  poetry groups, pdm's groups, the dev extra, or requirements-dev.txt and friends;
  a lock file it has - uv.lock, pdm.lock, pylock.toml, poetry.lock - is installed
  exactly), plus any -r/-c files, and writes a stamp last. The next run
  with nothing changed is answered by stat alone. Builds of one venv are serialized
  by a lock; a failed rebuild leaves the previous venv in place.

symlinks or copies (first match wins):
  1. --copies / --symlinks
  2. <PREFIX>_VENV_USE_COPIES   PREFIX from --flag-prefix, $INSTALLDEV_FLAG_PREFIX,
                                [tool.installdev] flag-prefix, else INSTALLDEV
  3. INSTALLDEV_VENV_USE_COPIES
  4. VIRTUALENV_COPIES / VIRTUALENV_ALWAYS_COPY = true, VIRTUALENV_SYMLINKS = false
  5. automatic: a probe in the venv's parent directory decides (copies on Windows and
     where symlinks fail; symlinks where copied programs cannot run)
  Flag values: 1/true/yes/on or 0/false/no/off; empty means unset; anything else is
  an error (exit 2).

what goes in: the project (editable) and its default development set (its tool's
  default groups, else a dev extra, a conventional requirements file, tox's or hatch's
  environment); the selection flags change it as they change `uv sync`:
  --extra X / --all-extras add extras, --group X / --all-groups add groups,
  --no-group X / --no-dev remove, --no-default-groups drops the default set,
  --only-group X installs that group alone (not the project).

settings in PROJECT_DIR/pyproject.toml (the command line wins, key by key):
  [tool.installdev]
  venv = "venv"                  extras = ["test"]       groups = ["lint"]
  python = "3.12"                no-groups = []          only-groups = []
  all-extras = false             all-groups = false      no-dev = false   no-default-groups = false
  requirements = ["requirements-dev.txt"]   constraints = []   build-constraints = []
  flag-prefix = "DATAHUB"        lock-timeout = 900      system-site-packages = false
  installer = "auto"             seed-pip = true         locked = false   frozen = false

--json prints one JSON document on stdout, whatever happens (a rejected command line,
  a failure, an interruption: result failed): schema 1, with result (built, rebuilt,
  up to date, failed), exit_code, error, venv, python_executable, activate, mode,
  mode_reasons, base_python, python_version, installer, changes, seconds.

output: stdout carries only the --json document; progress, the installers' output and
  warnings go to stderr (-q: errors only). On a terminal the installer's output is one
  line redrawn in place, shown whole when it fails; -v shows it all. A closed pipe
  (| head -1) drops the output, not the build: the exit code is the build's.

examples:
  installdev install-dev .
  INSTALLDEV_FLAG_PREFIX=DATAHUB DATAHUB_VENV_USE_COPIES=true installdev install-dev metadata-ingestion
  installdev install-dev --extra test --group lint -r requirements-lint.txt --python python3.12

{arguments.EXIT_CODES_HELP}
"""


def configure(parser: argparse.ArgumentParser) -> None:
    arguments.add_project(parser)
    arguments.add_build_options(parser)
    arguments.add_lock_timeout(parser)
    parser.add_argument("--force", action="store_true", help="rebuild even if the venv is up to date")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (schema 1) on stdout")
    arguments.add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    from installdev.install_dev import install_dev
    from installdev.request.settings.resolve import load_settings

    started = time.perf_counter()
    reporter = Reporter(args.verbosity)
    options = arguments.options_from(args)
    settings = None
    try:
        settings = load_settings(options, os.environ)
        result = install_dev(settings, reporter)
    except BaseException as stopped:
        failure = failure_of(stopped)
        if args.json and failure is not None:
            print_json(json_failure(settings, failure, time.perf_counter() - started))
        raise
    if args.json:
        print_json(result.to_json())
    elif not args.force and result.freshness is not None and result.freshness.up_to_date:
        from installdev.actions.freshness import record_noop

        # the same invocation next time confirms "up to date" by stat alone
        record_noop(args.argv, settings, result.freshness, f"{settings.venv} is up to date ({result.mode})")
    return 0


def json_failure(settings: Settings | None, failure: Failure, seconds: float = 0.0) -> dict:
    """The ``--json`` document of a run stopped by ``failure`` (``settings`` None: before they were read)."""
    from installdev.result import failure_json

    return failure_json(settings.project.directory if settings else None, settings.venv if settings else None,
                        failure.exit_code, failure.message, seconds)
