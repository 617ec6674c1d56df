"""``installdev run [PROJECT_DIR] [options] -- COMMAND [ARGS...]``: bring the venv up to date, then run a command in it.

When the venv is up to date this costs install-dev's up-to-date check (``actions.freshness.assess``: no plan, host probe
or virtualenv is imported) and prints nothing; then the command replaces installdev (``os.execvpe`` on POSIX), so its
exit status, signals and terminal are its own. On Windows the command runs as a child and its exit status is returned.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from installdev.actions.venvdir import venv_python
from installdev.cli import arguments
from installdev.errors import UsageError
from installdev.venv_exec import activated_environment, replace_process

USAGE = "installdev run [PROJECT_DIR] [options] -- COMMAND [ARGS...]"
DESCRIPTION = ("Make PROJECT_DIR's venv up to date, exactly as install-dev does (nothing to do: nothing printed), then run "
               "COMMAND in it: the venv's bin (Scripts on Windows) first on PATH, VIRTUAL_ENV set, PYTHONHOME unset, in "
               "the current directory. Exits with COMMAND's exit status.")
EPILOG = f"""\
COMMAND is looked up in the venv first, then on PATH, as after `source venv/bin/activate`:
`installdev run -- pytest` runs the venv's pytest, `installdev run -- python -m build` its python.
installdev's own progress and errors go to stderr; COMMAND's output is untouched.

exit status:
  COMMAND's own, once it runs. Before that, installdev's codes below (a build that fails, bad options);
  a COMMAND that cannot be started (not found, not executable) is a usage error (2).

examples:
  installdev run -- pytest -q
  installdev run metadata-ingestion --venv /tmp/mi-venv -- python -m pip list
  installdev run . --group lint -- ruff check .

{arguments.EXIT_CODES_HELP}
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.usage = USAGE
    arguments.add_project(parser)
    arguments.add_build_options(parser)
    arguments.add_lock_timeout(parser)
    arguments.add_verbosity(parser)
    _split_at_double_dash(parser)


def _split_at_double_dash(parser: argparse.ArgumentParser) -> None:
    """Parse what precedes ``--`` as installdev's options and keep what follows as the command, verbatim.

    argparse alone cannot tell an optional PROJECT_DIR from the command's first word around ``--`` (and its handling of
    ``--`` differs between Python versions), so the split is made here, before argparse sees anything.
    """
    parse_options = parser.parse_args

    def parse_args(argv: list[str] | None = None, namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        argv = list(sys.argv[1:] if argv is None else argv)
        if "--" not in argv:
            _, unknown = parser.parse_known_args(argv, namespace)  # --help, or an option's error, as for any command
            if unknown:
                hint = arguments.repeat_hint(argv, unknown[0])  # a second value (--extra a b)
                if not unknown[0].startswith("-"):  # or the command, given without --: where the -- goes
                    at = argv.index(unknown[0])
                    fixed = shlex.join(["installdev", "run", *argv[:at], "--", *argv[at:]])
                    hint += f"{'; or' if hint else ':'} give the command after --: `{fixed}`"
                parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
            parser.error("give the command after --, e.g. `installdev run -- pytest`")
        split = argv.index("--")
        args = parse_options(argv[:split], namespace)
        args.command = argv[split + 1:]
        if not args.command:
            parser.error("no command after --")
        return args

    parser.parse_args = parse_args


def run(args: argparse.Namespace) -> int:
    from installdev.report import Reporter
    from installdev.request.settings.resolve import load_settings

    settings = load_settings(arguments.options_from(args), os.environ)
    freshness, held = _held_up_to_date(settings, Reporter(args.verbosity))
    _remember_noop(args.argv, settings, freshness)
    try:
        return run_in_venv(settings.venv, args.command)
    finally:
        if held is not None:  # Windows, or a command that could not start; on POSIX the command holds it now
            os.close(held)


_BUILDS = 3
_POLL_SECONDS = 0.05


def _held_up_to_date(settings, reporter) -> tuple:
    """The venv made up to date (as install-dev does) and held for the command (``installdev.actions.venv_use``):
    the hold is taken first and the venv checked under it, so no change can come between the check and the command;
    a build happens without the hold, then the hold and the check again. Returns the up-to-date Freshness and the held
    descriptor (None where no hold can be had). Raises InstalldevError, or LockTimeoutError after ``--lock-timeout``
    spent waiting for a change of the venv, or when its inputs changed during each of three builds."""
    import time

    from installdev.actions.freshness import assess
    from installdev.actions.venv_use import NotHeld, share
    from installdev.errors import LockTimeoutError

    venv = settings.venv
    deadline, announced, builds, built = time.monotonic() + settings.lock_timeout, False, 0, None
    while True:
        missing = False
        try:
            held = share(venv)
        except NotHeld as not_held:
            if not_held.retry:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(f"gave up after {settings.lock_timeout:g}s waiting for the change of {venv} "
                                           "to finish: wait for that build, or raise --lock-timeout") from None
                if not announced:
                    reporter.info(f"waiting for the change of {venv} to finish (up to {settings.lock_timeout:g}s)")
                    announced = True
                time.sleep(_POLL_SECONDS)
                continue
            held, missing = None, not_held.missing
        # This call's own build, unchanged since: its verdict stands (no second check of the same venv).
        freshness = built[1] if built is not None and built[0] == _stamp_identity(venv) else assess(settings)
        if freshness.up_to_date and not (missing and _add_use_lock(settings, reporter)):
            return freshness, held
        if held is not None:
            os.close(held)
        if freshness.up_to_date:
            continue  # its use lock was just made: hold it
        if builds == _BUILDS:
            raise LockTimeoutError(f"the inputs of {venv} changed during each of {_BUILDS} builds: run again once "
                                   "they stop changing")
        from installdev.install_dev import install_dev

        freshness = install_dev(settings, reporter).freshness
        builds, built = builds + 1, (_stamp_identity(venv), freshness)


def _stamp_identity(venv: Path) -> tuple | None:
    from installdev.actions.venvdir import stamp_path
    from installdev.quickcheck import identity

    return identity(str(stamp_path(venv)), follow=False)


def _add_use_lock(settings, reporter) -> bool:
    """Give an up-to-date venv made before installdev kept a use lock its lock (under the venv's lock, when it is still
    installdev's, complete and trusted). Returns whether it was made (else the command runs without a hold)."""
    from installdev.actions.locking import venv_lock
    from installdev.actions.venv_use import create_use_lock
    from installdev.actions.venvdir import VenvKind, classify, stamp_path, trust_problem

    venv = settings.venv
    with venv_lock(venv, settings.lock_timeout, reporter):
        if classify(venv) != VenvKind.OURS or trust_problem(venv) or not stamp_path(venv).is_file():
            return False
        try:
            create_use_lock(venv)
        except OSError:
            return False
    return True


def quick_key_arguments(argv: list[str]) -> list[str]:
    """What identifies a ``run`` invocation for its quick record: everything before ``--`` (not the command)."""
    return argv[:argv.index("--")] if "--" in argv else argv


def _remember_noop(argv: list[str], settings, freshness) -> None:
    from installdev.actions.freshness import record_noop

    record_noop(quick_key_arguments(argv), settings, freshness, f"{settings.venv} is up to date")


def run_in_venv(venv: Path, command: list[str]) -> int:
    """Run ``command`` with ``venv`` active. POSIX: the command replaces this process, so this returns only on Windows,
    with the command's exit status. Raises UsageError when the command cannot be started."""
    environment = activated_environment(venv, dict(os.environ))
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        if os.name == "nt":
            return _wait_for(command, environment)
        replace_process(command, environment)
    except OSError as error:
        why = f"not found in {venv_python(venv).parent} or on PATH" if isinstance(error, FileNotFoundError) else (
            error.strerror or str(error))
        raise UsageError(f"cannot run {command[0]!r}: {why}") from None


def _wait_for(command: list[str], environment: dict[str, str]) -> int:
    """Windows: start ``command`` (resolved with the new PATH and PATHEXT) and return its exit status."""
    import shutil
    import subprocess

    path_name = next(name for name in environment if name.upper() == "PATH")
    executable = shutil.which(command[0], path=environment[path_name])
    if executable is None:
        raise FileNotFoundError(command[0])
    process = subprocess.Popen([executable, *command[1:]], env=environment)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # the console sent Ctrl+C to the command too: its exit status tells what it did
            continue
