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
    """The chosen command's module and its parsed arguments. Exits 2 (or 0 for --help) like argparse; a rejected command
    line that asks for ``--json`` still gets its one document on stdout (the command's ``json_failure``)."""
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
    if not (hasattr(module, "json_failure") and _asks_for_json(argv[1:])):
        return module, parser.parse_args(argv[1:])
    import contextlib
    import io

    from installdev.cli.outcome import print_json
    from installdev.report import emit

    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            return module, parser.parse_args(argv[1:])
    except SystemExit as rejected:
        emit(sys.stderr, said.getvalue())
        if rejected.code:
            message = said.getvalue().strip().removeprefix("installdev: error: ")
            print_json(json_failure_document(argv, ExitCode(rejected.code), message))
        raise


def json_failure_document(argv: list[str], exit_code: int, message: str) -> dict | None:
    """The ``--json`` document of command line ``argv`` stopped before it ran, with ``exit_code`` and ``message``; None
    when ``argv`` does not ask for one (or its command has no ``--json``)."""
    import importlib

    from installdev.cli.outcome import Failure

    if not argv or argv[0] not in COMMANDS or not _asks_for_json(argv[1:]):
        return None
    module = importlib.import_module(f"installdev.cli.{COMMANDS[argv[0]][0]}")
    if not hasattr(module, "json_failure"):
        return None
    return module.json_failure(None, Failure(exit_code, message))


def _asks_for_json(arguments: list[str]) -> bool:
    """Whether the command line names ``--json`` (argparse takes a prefix of it, ``--js``, for it too)."""
    return any(len(argument) > 3 and "--json".startswith(argument) for argument in arguments)


def _raise_on_sigterm(signum: int, frame: object) -> None:
    from installdev.errors import ExitCode, Interrupted

    raise Interrupted(ExitCode.TERMINATED)


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
        try:
            sys.stderr.write(f"installdev: {record['message']}\n")
            sys.stderr.flush()
        except BrokenPipeError:  # nobody reads it: the answer is the exit status
            pass
    return True


def quick_run(argv: list[str]) -> None:
    """``installdev run ... -- COMMAND``: when a quick record vouches for the venv, exec COMMAND in it now (POSIX),
    holding the venv for it (``installdev.actions.venv_use``). Returns only when the full path must decide (no record,
    a change, a venv being changed or without its use lock, Windows, or a command that cannot start)."""
    if argv[:1] != ["run"] or "--" not in argv or os.name == "nt":
        return
    split = argv.index("--")
    command = argv[split + 1:]
    if not command or any(flag in argv[:split] for flag in ("--force", "-h", "--help")):
        return
    from installdev import quickcheck

    record = quickcheck.read_record(quickcheck.invocation_key(argv[:split], os.environ))
    if record is None:
        return
    from installdev.actions.venv_use import NotHeld, share

    try:
        held = share(record["venv"])  # before the check: a change waits for the command from here on
    except NotHeld:
        return
    if not quickcheck.still_valid(record):
        os.close(held)
        return
    from installdev.venv_exec import activated_environment, replace_process

    sys.stdout.flush()
    try:
        replace_process(command, activated_environment(record["venv"], os.environ))
    except OSError:
        os.close(held)
        return  # the full path reports it in one line


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if quick_noop(argv):
        return 0
    quick_run(argv)
    import signal

    from installdev.cli.outcome import failure_of, report_error
    from installdev.errors import ExitCode

    module, args = parse(argv)
    args.argv = argv
    previous_handler = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        return int(module.run(args) or ExitCode.OK)
    except BaseException as stopped:
        failure = failure_of(stopped)
        if failure is None or failure.is_bug:
            raise
        report_error(failure.message)
        return int(failure.exit_code)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


if __name__ == "__main__":
    sys.exit(main())
