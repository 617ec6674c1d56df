"""Options declared once: the argparse declarations every subcommand shares, and their conversion to Options."""

from __future__ import annotations

import argparse
import sys

from installdev.errors import EXIT_CODE_MEANINGS, ExitCode
from installdev.report import NORMAL, QUIET, VERBOSE
from installdev.request.settings.options import Options
from installdev.vocabulary import InstallerName, LinkMode

EXIT_CODES_HELP = "exit codes:\n" + "\n".join(f"  {int(code):<4} {meaning}" for code, meaning in EXIT_CODE_MEANINGS.items())


# The options that take one value and may be repeated: a second value after one is an unrecognized argument.
_ONE_VALUE_OPTIONS = {"--extra": "name", "--group": "name", "--no-group": "name", "--only-group": "name",
                      "-r": "file", "--requirement": "file", "-c": "file", "--constraint": "file",
                      "--build-constraint": "file"}


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one ``installdev: error:`` line and exit 2."""

    def error(self, message: str) -> None:
        self.exit(ExitCode.USAGE, f"installdev: error: {message} (see `{self.prog} --help`)\n")

    def parse_args(self, args: list[str] | None = None, namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        """As argparse's, with a hint when the first unrecognized argument is a second value given to an option that
        takes one (``--extra a b``)."""
        args = sys.argv[1:] if args is None else list(args)
        namespace, unknown = self.parse_known_args(args, namespace)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}{repeat_hint(args, unknown[0])}")
        return namespace


def repeat_hint(args: list[str], first_unknown: str) -> str:
    """``; --extra takes one name: repeat the option or separate ...`` when ``first_unknown`` follows such an option's
    value in ``args``; else empty."""
    at = args.index(first_unknown) if first_unknown in args else -1
    option = args[at - 2] if at >= 2 else None
    if option not in _ONE_VALUE_OPTIONS:
        return ""
    kind, value = _ONE_VALUE_OPTIONS[option], args[at - 1]
    if kind == "file":
        return f"; {option} takes one file: repeat it ({option} {value} {option} {first_unknown})"
    return (f"; {option} takes one name: repeat it ({option} {value} {option} {first_unknown}) or separate the names "
            f"with commas ({option} {value},{first_unknown})")


def new_parser(prog: str, description: str, epilog: str) -> Parser:
    return Parser(prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)


def add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR",
                        help="the project holding pyproject.toml or setup.py (default: the current directory)")
    parser.add_argument("--venv", metavar="PATH", help="where the venv lives (default: PROJECT_DIR/venv)")


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, default=NORMAL,
                       help="print errors only")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE,
                       help="also print the commands run")


def add_mode(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--copies", dest="link_mode", action="store_const", const=LinkMode.COPIES,
                      help="copy the interpreter into the venv (overrides every flag)")
    mode.add_argument("--symlinks", dest="link_mode", action="store_const", const=LinkMode.SYMLINKS,
                      help="symlink the interpreter (overrides every flag)")


def add_flag_prefix(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--flag-prefix", metavar="NAME", help="read NAME_VENV_USE_COPIES (e.g. DATAHUB)")


def _installer(text: str) -> InstallerName:
    try:
        return InstallerName(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid choice {text!r} (choose from auto, pip, uv)") from None


def add_installer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--installer", type=_installer, metavar="{auto,pip,uv}",
                        help="what installs into the venv (default: auto = uv when installed, else pip)")


def add_python(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY",
                        help="interpreter to base the venv on: a version (3.12, >=3.12, cpython@3.12) found by installdev, "
                             "a name on PATH or a path (default: one the project accepts, the running one if it fits)")


def add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lock-timeout", type=float, metavar="SECONDS",
                        help="how long to wait for another build of the same venv, and before changing it for the "
                        "commands running in it (default: 900; 0: do not wait)")


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """What decides the venv's content and mode: shared by install-dev and doctor."""
    add_python(parser)
    add_selection(parser)
    parser.add_argument("-r", "--requirement", dest="requirements", action="append", metavar="FILE",
                        help="also install from this requirements file (repeatable)")
    parser.add_argument("-c", "--constraint", dest="constraints", action="append", metavar="FILE",
                        help="constrain versions with this file (repeatable)")
    parser.add_argument("--build-constraint", dest="build_constraints", action="append", metavar="FILE",
                        help="constrain the build dependencies of source builds (pip >= 25.3, uv; repeatable)")
    add_mode(parser)
    parser.add_argument("--system-site-packages", action="store_true", default=None,
                        help="let the venv see the base interpreter's packages")
    add_flag_prefix(parser)
    add_installer(parser)
    parser.add_argument("--seed-pip", action=argparse.BooleanOptionalAction,
                        help="put pip into the venv (default: yes with pip, no with uv)")
    add_lock_checks(parser)


def _replaced_extras(text: str) -> str:
    raise argparse.ArgumentTypeError("--extras is gone: --extra NAME (repeatable, or comma-separated) adds extras to the "
                                     "default development set, as uv sync --extra; --no-default-groups installs the "
                                     "project alone")


def add_selection(parser: argparse.ArgumentParser) -> None:
    """The selection flags, in uv sync's words (``installdev.request.settings.selection_flags``)."""
    parser.add_argument("--extra", dest="extras", action="append", metavar="NAME",
                        help="also install this extra (repeatable, or comma-separated)")
    parser.add_argument("--all-extras", action="store_true", default=None, help="also install every extra")
    parser.add_argument("--group", dest="groups", action="append", metavar="NAME",
                        help="also install this dependency group (PEP 735, poetry or pdm; repeatable, or comma-separated)")
    parser.add_argument("--all-groups", action="store_true", default=None, help="also install every group")
    parser.add_argument("--no-group", dest="no_groups", action="append", metavar="NAME",
                        help="do not install this group, even if --group or --all-groups names it (repeatable, or comma-separated)")
    parser.add_argument("--no-dev", action="store_true", default=None,
                        help="do not install the dev group (or the default development set, when it is not groups)")
    parser.add_argument("--no-default-groups", action="store_true", default=None,
                        help="leave out the default development set (the project, --group and -r files stay)")
    parser.add_argument("--only-group", dest="only_groups", action="append", metavar="NAME",
                        help="install only this group: not the default set, not the project (repeatable, or comma-separated)")
    parser.add_argument("--extras", type=_replaced_extras, help=argparse.SUPPRESS)


def add_lock_checks(parser: argparse.ArgumentParser) -> None:
    """--locked / --frozen: how a project's lock file (uv.lock, pdm.lock, pylock.toml, poetry.lock) is trusted."""
    checks = parser.add_mutually_exclusive_group()
    checks.add_argument("--locked", action="store_true", default=None,
                        help="fail (nothing built) when the lock is out of date with pyproject.toml, as uv sync --locked")
    checks.add_argument("--frozen", action="store_true", default=None,
                        help="install the lock as it is, without checking it against pyproject.toml")


_REPEATABLE = ("extras", "groups", "no_groups", "only_groups", "requirements", "constraints", "build_constraints")


def options_from(args: argparse.Namespace) -> Options:
    """The typed options of a parsed command line; an option the subcommand does not declare is "not given"."""
    given = vars(args)
    return Options(**{
        name: tuple(given[name] or ()) if name in _REPEATABLE else given[name]
        for name in Options._fields if name in given
    })
