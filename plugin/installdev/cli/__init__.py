"""The command line: ``installdev COMMAND ...``, one module per subcommand (parse, call, render).

Only the chosen subcommand's module is imported and only its parser is built, so the up-to-date path
of ``install-dev`` pays for one small parser. ``installdev --help`` lists the commands from the table
below without importing them.
"""

import os
import sys

COMMANDS = {
    "install-dev": ("install_dev", "create or update the project's development venv"),
    "doctor": ("doctor", "explain what install-dev would do here, and why"),
    "bootstrap": ("bootstrap", "build every venv of a workspace, in parallel"),
    "clean-venv": ("clean_venv", "delete the venv, if installdev made it"),
    "run": ("run", "run a command in the project's venv, building it first if needed"),
    "inputs": ("inputs", "list what the venv depends on, for build tools"),
}
_DEPENDENCIES = frozenset({"virtualenv", "platformdirs", "tomli", "packaging"})


def _top_level_parser():
    from installdev import __version__
    from installdev.cli import arguments

    parser = arguments.new_parser(
        "installdev", "Create and maintain a Python project's development virtualenv, fast and safely.",
        "commands:\n" + "\n".join(f"  {name:<12} {summary}" for name, (_, summary) in COMMANDS.items())
        + "\n\n`installdev COMMAND --help` explains each.\n\n" + arguments.EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"installdev {__version__}")
    parser.add_argument("command", choices=list(COMMANDS), metavar="COMMAND", help="one of: " + ", ".join(COMMANDS))
    return parser


def parse(argv: list[str]):
    """The chosen command's module and its parsed arguments. Exits 2 (or 0 for --help) like argparse."""
    import importlib

    from installdev.errors import ExitCode

    if not argv or argv[0] not in COMMANDS:
        _top_level_parser().parse_args(argv)  # --help, --version, or an error; a bare known command never gets here
        raise SystemExit(ExitCode.USAGE)
    from installdev.cli import arguments

    name = argv[0]
    module = importlib.import_module(f"installdev.cli.{COMMANDS[name][0]}")
    parser = arguments.new_parser(f"installdev {name}", module.DESCRIPTION, module.EPILOG)
    module.configure(parser)
    return module, parser.parse_args(argv[1:])


def _raise_on_sigterm(signum: int, frame: object) -> None:
    from installdev.errors import ExitCode, Interrupted

    raise Interrupted(ExitCode.TERMINATED)


def _error(message: str) -> None:
    sys.stderr.write(f"installdev: error: {message}\n")
    sys.stderr.flush()


def quick_noop(argv: list[str]) -> bool:
    """Whether a quick record vouches that this exact ``install-dev`` or ``bootstrap`` invocation has nothing to do (then
    say so)."""
    if argv[:1] not in (["install-dev"], ["bootstrap"]) or any(flag in argv for flag in ("--force", "--json", "-h", "--help")):
        return False
    from installdev import quickcheck

    record = quickcheck.read_record(quickcheck.invocation_key(argv, os.environ))
    if record is None or not quickcheck.still_valid(record):
        return False
    if not any(flag in argv for flag in ("-q", "--quiet")):
        sys.stdout.write(f"installdev: {record['message']}\n")
        sys.stdout.flush()
    return True


def quick_run(argv: list[str]) -> None:
    """``installdev run ... -- COMMAND``: when a quick record vouches for the venv, exec COMMAND in it now (POSIX).
    Returns only when the full path must decide (no record, a change, Windows, or a command that cannot start)."""
    if argv[:1] != ["run"] or "--" not in argv or os.name == "nt":
        return
    split = argv.index("--")
    command = argv[split + 1:]
    if not command or any(flag in argv[:split] for flag in ("--force", "-h", "--help")):
        return
    from installdev import quickcheck

    record = quickcheck.read_record(quickcheck.invocation_key(argv[:split], os.environ))
    if record is None or not quickcheck.still_valid(record):
        return
    from installdev.venv_exec import activated_environment, replace_process

    sys.stdout.flush()
    try:
        replace_process(command, activated_environment(record["venv"], os.environ))
    except OSError:
        return  # the full path reports it in one line


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if quick_noop(argv):
        return 0
    quick_run(argv)
    import signal

    from installdev.errors import ExitCode, InstalldevError, Interrupted

    module, args = parse(argv)
    args.argv = argv
    previous_handler = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        return int(module.run(args) or ExitCode.OK)
    except InstalldevError as error:
        _error(str(error))
        return int(error.exit_code)
    except Interrupted as interruption:
        _error("terminated; any previous venv is left in place")
        return int(interruption.exit_code)
    except ModuleNotFoundError as error:
        if error.name not in _DEPENDENCIES:
            raise
        _error(f"installdev's dependency {error.name} is not installed in {sys.executable}: "
               "`pip install installdev`, or run the vendored plugin/run_installdev.py, which installs it")
        return int(ExitCode.INTERNAL)
    except KeyboardInterrupt:
        _error("interrupted; any previous venv is left in place")
        return int(ExitCode.INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


if __name__ == "__main__":
    sys.exit(main())
