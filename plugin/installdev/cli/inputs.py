"""``installdev inputs``: what the venv depends on, for a build tool to declare (``installdev.actions.inputs``)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from installdev.cli import arguments
from installdev.report import emit

FORMATS = ("json", "make", "lines")
DESCRIPTION = ("List what PROJECT_DIR's venv depends on, for a build tool's up-to-date check: the files whose change "
               "re-runs install-dev, the files whose appearance would, the environment variables installdev reads, "
               "the stamp and the venv's python. Reads only; takes install-dev's options, so a build can pass the same.")
EPILOG = f"""\
formats:
  json   one document (schema 1): project, venv, stamp, python, files (existing inputs: pyproject.toml,
         setup files, the requirement/constraint closure, conventional dev requirement files,
         .python-version, lock files, installdev's own version file), absent (paths whose appearance
         changes the inputs), variables (exact names) and variable_patterns (globs such as INSTALLDEV_*).
  make   a makefile for -include: the stamp's prerequisites (files and the venv's python, each with an
         empty rule, so a vanished file or a dangling python counts as changed), a forced rebuild when an
         absent path appears, and INSTALLDEV_VARIABLES_REGEX (an ERE for `env | grep -E`) on the stamp.
  lines  the input files, one per line (e.g. for a file watcher).

examples (from gradle-example/):
  installdev inputs appdemo --format json
  installdev inputs appdemo --venv appdemo/.venv -r appdemo/requirements-dev.txt --format make --output appdemo/.venv.mk

{arguments.EXIT_CODES_HELP}
"""


def configure(parser: argparse.ArgumentParser) -> None:
    arguments.add_project(parser)
    arguments.add_build_options(parser)
    arguments.add_lock_timeout(parser)
    parser.add_argument("--force", action="store_true", help="accepted for install-dev's sake; changes no input")
    parser.add_argument("--format", choices=FORMATS, default="json", help="what to print (default: json)")
    parser.add_argument("--output", metavar="FILE",
                        help="write to FILE (replaced in one step, its directory created) instead of stdout")
    arguments.add_verbosity(parser)


def run(args: argparse.Namespace) -> int:
    from installdev.actions import inputs
    from installdev.request.settings.resolve import load_settings

    listed = inputs.venv_inputs(load_settings(arguments.options_from(args), os.environ))
    if args.format == "json":
        text = json.dumps(inputs.to_json(listed), indent=2) + "\n"
    else:
        text = inputs.to_make(listed) if args.format == "make" else inputs.to_lines(listed)
    if args.output:
        _replace(args.output, text)
    else:
        emit(sys.stdout, text)
    return 0


def _replace(path: str, text: str) -> None:
    """Write ``path`` through a temporary file beside it, so a reader never sees half of it. When it already holds
    ``text`` it is only touched (its time is what build tools compare): two builds listing the same venv at once then
    never replace the file under each other's checksum (Gradle fails a build whose output it cannot hash)."""
    import tempfile

    from installdev.errors import UsageError

    directory = os.path.dirname(os.path.abspath(path))
    try:
        if _holds(path, text):
            os.utime(path)
            return
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".installdev-inputs-")
        try:
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide a listing that holds no secret
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise UsageError(f"cannot write --output {path}: {error.strerror or error}") from None


def _holds(path: str, text: str) -> bool:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read() == text
    except (OSError, UnicodeDecodeError):
        return False
