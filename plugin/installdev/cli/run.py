"""``installdev run [PROJECT_DIR] [options] -- COMMAND [ARGS...]``: bring the venv up to date, then run a command in it.

When the venv is up to date this costs install-dev's up-to-date check (``actions.freshness.assess``: no plan, host probe
or virtualenv is imported) and prints nothing; then the command replaces installdev (``os.execvpe`` on POSIX), so its
exit status, signals and terminal are its own. On Windows the command runs as a child and its exit status is returned.
"""

from __future__ import annotations

import argparse
import os
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
            parse_options(argv, namespace)  # --help, or an option error, is reported as for any command
            parser.error("give the command after --, e.g. `installdev run -- pytest`")
        split = argv.index("--")
        args = parse_options(argv[:split], namespace)
        args.command = argv[split + 1:]
        if not args.command:
            parser.error("no command after --")
        return args

    parser.parse_args = parse_args


def run(args: argparse.Namespace) -> int:
    from installdev.actions.freshness import assess
    from installdev.request.settings.resolve import load_settings

    settings = load_settings(arguments.options_from(args), os.environ)
    # The check install_dev starts with; made here so that an up-to-date venv prints nothing before the command.
    freshness = assess(settings)
    if not freshness.up_to_date:
        from installdev.install_dev import install_dev
        from installdev.report import Reporter

        freshness = install_dev(settings, Reporter(args.verbosity)).freshness
    if freshness is not None and freshness.up_to_date:
        _remember_noop(args.argv, settings, freshness)
    return run_in_venv(settings.venv, args.command)


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
