"""The command line: ``installdev install-dev``, ``installdev clean-venv``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from installdev import __version__
from installdev.errors import EXIT_CODE_MEANINGS, ExitCode, InstalldevError, Interrupted
from installdev.report import NORMAL, QUIET, VERBOSE, Reporter
from installdev.settings import INSTALLERS

_EXIT_CODES_HELP = "exit codes:\n" + "\n".join(
    f"  {int(code):<4} {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items()
)

_INSTALL_DEV_EPILOG = f"""\
what it does:
  Creates PROJECT_DIR/venv with virtualenv (pip and setuptools seeded), then runs
  `pip install -e PROJECT_DIR[dev]` plus any -r/-c files, and writes a stamp last.
  A second run with nothing changed only checks the stamp and exits 0 at once.
  Builds of one venv are serialized by a lock file beside it (VENV.lock); a failed
  rebuild leaves the previous venv in place.

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

settings in PROJECT_DIR/pyproject.toml (the command line wins):
  [tool.installdev]
  venv = "venv"                  extras = ["dev"]        python = "python3.12"
  requirements = ["requirements-dev.txt"]                constraints = []
  flag-prefix = "DATAHUB"        lock-timeout = 900      system-site-packages = false

examples:
  installdev install-dev .
  INSTALLDEV_FLAG_PREFIX=DATAHUB DATAHUB_VENV_USE_COPIES=true installdev install-dev metadata-ingestion
  installdev install-dev --extras dev,test -r requirements-lint.txt --python python3.12

{_EXIT_CODES_HELP}
"""


_BOOTSTRAP_EPILOG = """\
the workspace, in ROOT/pyproject.toml (or ROOT/installdev.toml):
  [tool.installdev.workspace]
  projects = ["libs/*", "apps/app"]        # paths and globs, relative to ROOT
  exclude = []                             # optional
  jobs = 4                                 # optional default for --jobs

  [tool.installdev.workspace.overrides."apps/app"]
  venv = ".venv"    extras = ["dev"]    requirements = ["requirements-dev.txt"]    python = "python3.12"

A project that installs another one by path (-e ../lib, name @ file:../lib) is built after it.
Exit status: 0 when every venv is ready, else the exit code of the first failure (see install-dev --help),
after the other builds have finished (--fail-fast: no new build starts after a failure).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and the documented usage exit code
        self.exit(ExitCode.USAGE, f"installdev: error: {message} (see `{self.prog} --help`)\n")


def _add_venv_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                        help="the project holding pyproject.toml or setup.py (default: the current directory)")
    parser.add_argument("--venv", metavar="PATH", help="where the venv lives (default: PROJECT_DIR/venv)")


def _add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, default=NORMAL,
                       help="print errors only")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE,
                       help="also print the commands run")


def _add_mode_options(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--copies", dest="link_mode", action="store_const", const="copies",
                      help="copy the interpreter into the venv (overrides every flag)")
    mode.add_argument("--symlinks", dest="link_mode", action="store_const", const="symlinks",
                      help="symlink the interpreter (overrides every flag)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    """What decides the venv's content and mode: shared by install-dev and doctor."""
    parser.add_argument("--python", metavar="PY",
                         help="interpreter to base the venv on, a path or a name on PATH (default: the one running installdev)")
    parser.add_argument("--extras", metavar="LIST",
                         help="comma-separated extras to install with the project (default: dev; '' for none)")
    parser.add_argument("-r", "--requirement", action="append", metavar="FILE",
                         help="also install from this requirements file (repeatable)")
    parser.add_argument("-c", "--constraint", action="append", metavar="FILE",
                         help="constrain versions with this file (repeatable)")
    _add_mode_options(parser)
    parser.add_argument("--system-site-packages", action="store_true", default=None,
                         help="let the venv see the base interpreter's packages")
    parser.add_argument("--flag-prefix", metavar="NAME", help="read NAME_VENV_USE_COPIES (e.g. DATAHUB)")
    parser.add_argument("--installer", choices=INSTALLERS,
                        help="what installs into the venv (default: auto = uv when installed, else pip)")
    parser.add_argument("--seed-pip", action=argparse.BooleanOptionalAction,
                        help="put pip into the venv (default: yes with pip, no with uv)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="installdev",
        description="Create and maintain a Python project's development virtualenv, fast and safely.",
        epilog=_EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"installdev {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    install = commands.add_parser(
        "install-dev", help="create or update the project's development venv",
        description="Create or update PROJECT_DIR's development venv: seeded pip, the project installed "
                    "editable with its extras, requirement files; a no-op when nothing changed.",
        epilog=_INSTALL_DEV_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_venv_arguments(install)
    _add_build_options(install)
    install.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                         help="how long to wait for another build of the same venv (default: 900; 0: do not wait)")
    install.add_argument("--force", action="store_true", help="rebuild even if the venv is up to date")
    _add_verbosity(install)

    doctor = commands.add_parser(
        "doctor", help="explain what install-dev would do here, and why",
        description="Report the host facts, the probe of the venv's destination, the symlinks/copies decision "
                    "with its reasons and the flag that would change it, the base interpreter, and the state of an "
                    "existing venv. Builds nothing. Exits 0 when install-dev would succeed, else with the exit code "
                    "install-dev would give.",
        epilog=_EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_venv_arguments(doctor)
    _add_build_options(doctor)
    doctor.add_argument("--json", action="store_true", help="print a stable JSON document (schema 1) instead")
    doctor.set_defaults(verbosity=NORMAL)

    bootstrap = commands.add_parser(
        "bootstrap", help="build every venv of a workspace, in parallel",
        description="Build the development venv of every project listed in ROOT's [tool.installdev.workspace], "
                    "in parallel, with live progress and a summary table.",
        epilog=_BOOTSTRAP_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bootstrap.add_argument("root", nargs="?", default=".", metavar="ROOT",
                           help="the directory holding the workspace's pyproject.toml or installdev.toml (default: .)")
    bootstrap.add_argument("-j", "--jobs", type=_positive_int, metavar="N",
                           help="build at most N venvs at once (default: the workspace's jobs, else the CPU count)")
    bootstrap.add_argument("--only", action="append", metavar="NAME/GLOB",
                           help="build only the projects whose path or directory name matches (repeatable)")
    bootstrap.add_argument("--fail-fast", action="store_true", help="start no new build after a failure")
    bootstrap.add_argument("--json", action="store_true",
                           help="print the result as JSON (schema 1) on stdout; progress and the table go to stderr")
    bootstrap.add_argument("--python", metavar="PY", help="base every venv on this interpreter (wins over the settings)")
    _add_mode_options(bootstrap)
    bootstrap.add_argument("--flag-prefix", metavar="NAME", help="read NAME_VENV_USE_COPIES (e.g. DATAHUB)")
    bootstrap.add_argument("--installer", choices=INSTALLERS, help="what installs into the venvs (default: auto)")
    bootstrap.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                           help="how long to wait for another build of a venv (default: 900)")
    bootstrap.add_argument("--force", action="store_true", help="rebuild every venv even if it is up to date")
    _add_verbosity(bootstrap)

    clean = commands.add_parser(
        "clean-venv", help="delete the venv, if installdev made it",
        description="Delete the project's venv. Only a venv installdev made is deleted; anything else is refused "
                    "and left intact. Nothing to delete is not an error.",
        epilog=_EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_venv_arguments(clean)
    clean.add_argument("--lock-timeout", type=float, metavar="SECONDS", default=900.0,
                       help="how long to wait for a build of the venv to finish (default: 900)")
    _add_verbosity(clean)
    return parser


def _load(args: argparse.Namespace):
    from installdev.project import load_project
    from installdev.settings import resolve_settings

    project = load_project(Path(os.path.abspath(args.project_dir)))
    return resolve_settings(args, project, os.environ)


def _run_install_dev(args: argparse.Namespace, reporter: Reporter) -> None:
    from installdev.install_dev import install_dev

    install_dev(_load(args), reporter)


def _run_doctor(args: argparse.Namespace, reporter: Reporter) -> int:
    from installdev.doctor import doctor

    return doctor(_load(args), args.json)


def _run_bootstrap(args: argparse.Namespace, reporter: Reporter) -> int:
    from installdev.workspace import run_bootstrap

    return run_bootstrap(args, reporter)


def _run_clean_venv(args: argparse.Namespace, reporter: Reporter) -> None:
    from installdev.locking import venv_lock
    from installdev.venvdir import check_venv_path, previous_path, remove_own_venv

    settings = _load(args)
    check_venv_path(settings.venv, settings.project.directory)
    with venv_lock(settings.venv, args.lock_timeout, reporter):
        removed = [path for path in (settings.venv, previous_path(settings.venv))
                   if remove_own_venv(path, settings.project.directory)]
    reporter.info(f"removed {', '.join(map(str, removed))}" if removed else f"nothing to remove at {settings.venv}")


_DEPENDENCIES = frozenset({"virtualenv", "filelock", "platformdirs", "tomli"})
_COMMANDS = {"install-dev": _run_install_dev, "doctor": _run_doctor, "bootstrap": _run_bootstrap,
             "clean-venv": _run_clean_venv}


def _raise_on_sigterm(signum: int, frame: object) -> None:
    raise Interrupted(ExitCode.TERMINATED)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    reporter = Reporter(args.verbosity)
    previous_handler = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        exit_code = _COMMANDS[args.command](args, reporter)
    except InstalldevError as error:
        reporter.error(str(error))
        return int(error.exit_code)
    except Interrupted as interruption:
        reporter.error("terminated; any previous venv is left in place")
        return int(interruption.exit_code)
    except ModuleNotFoundError as error:
        if error.name not in _DEPENDENCIES:
            raise
        reporter.error(f"installdev's dependency {error.name} is not installed in {sys.executable}: "
                       "`pip install installdev`, or run the vendored plugin/run_installdev.py, which installs it")
        return int(ExitCode.INTERNAL)
    except KeyboardInterrupt:
        reporter.error("interrupted; any previous venv is left in place")
        return int(ExitCode.INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
    return int(exit_code or ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
