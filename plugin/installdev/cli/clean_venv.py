"""``installdev clean-venv``: delete the venv (and a set-aside previous one), only if installdev made it."""

from __future__ import annotations

import argparse
import os

from installdev.cli import arguments
from installdev.report import Reporter

DESCRIPTION = ("Delete the project's venv. Only a venv installdev made is deleted; anything else is refused and left intact. "
               "Nothing to delete is not an error.")
EPILOG = arguments.EXIT_CODES_HELP


def configure(parser: argparse.ArgumentParser) -> None:
    arguments.add_project(parser)
    parser.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                        help="how long to wait for a build of the venv, and for commands running in it, to finish "
                        "(default: 900)")
    arguments.add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    from installdev.actions.locking import venv_lock
    from installdev.actions.venv_use import ChangesWaitForCommands
    from installdev.actions.venvdir import check_venv_path, previous_path, remove_own_venv
    from installdev.request.settings.resolve import load_settings

    reporter = Reporter(args.verbosity)
    settings = load_settings(arguments.options_from(args), os.environ)
    check_venv_path(settings.venv, settings.project.directory)
    with venv_lock(settings.venv, settings.lock_timeout, reporter), \
            ChangesWaitForCommands(settings.venv, settings.lock_timeout, reporter):
        removed = [path for path in (settings.venv, previous_path(settings.venv))
                   if _remove(path, settings.project.directory, remove_own_venv)]
    reporter.info(f"removed {', '.join(map(str, removed))}" if removed else f"nothing to remove at {settings.venv}")
    return 0


_ATTEMPTS = 3


def _remove(path, project_dir, remove_own_venv) -> bool:
    """``remove_own_venv``, tried again when something outside the lock writes into the venv while it is deleted (a
    ``touch`` of its stamp by another terminal's Make: "Directory not empty"). Raises HostUnsupportedError in one line
    when it still cannot be removed."""
    from installdev.errors import HostUnsupportedError

    for attempt in range(_ATTEMPTS):
        try:
            return remove_own_venv(path, project_dir)
        except OSError as error:
            if attempt == _ATTEMPTS - 1:
                raise HostUnsupportedError(f"cannot remove {path}: {error.strerror or error} (something else writes into "
                                           "it, or it is not yours to delete): stop that, then run clean-venv again"
                                           ) from None
    return False
