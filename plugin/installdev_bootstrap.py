"""The work behind ``plugin/run_installdev.py``: make installdev and its dependencies importable, then run it.

Gradle (``plugin/installdev.gradle``) and Make (``plugin/installdev.mk``) run ``run_installdev.py`` from a
checkout of installdev or from a vendored copy of ``plugin/`` when no ``installdev`` command is on PATH.
It needs nothing installed but Python >= 3.10 and, on first use, pip:

1. The ``installdev`` package is imported from ``plugin/``.
2. When this interpreter can import installdev's dependencies at usable versions (virtualenv >= 21.4.3,
   filelock >= 3.20.3, platformdirs, packaging, tomli before 3.11), they are used as they are.
3. Otherwise the pinned dependencies of ``tool-requirements.txt`` are used from a private tool directory
   in the user's cache, ``<cache>/installdev/tool-<version>-py3X-<digest>`` (cache: ``$XDG_CACHE_HOME`` or
   ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%\\installdev\\Cache`` on Windows).
   The first run fills it with ``pip install --target`` into a temporary directory beside it, then
   renames that into place in one step: builds that bootstrap at the same time each install their own
   copy, the first rename wins and the others discard theirs. Nothing is ever installed into this
   interpreter or into a project's venv.
4. ``installdev.cli.main(argv)`` runs and its exit status is the program's.

Before step 2, an ``install-dev`` that a quick record vouches for (``installdev.quickcheck``) is answered at once.

Exit status 9 (installdev's "bad python") when this interpreter cannot run installdev: too old, or no
pip to fetch the dependencies with; 5 (an install failed) when pip could not install them, from an
unreachable package index or otherwise; the one error line says how to fix it. Its messages go to
stderr, so that stdout carries only the command's result (``--json``).

This runs on every build, so the path with dependencies present stays cheap: it lives in a module
(compiled once, unlike a script) and imports no third-party module and reads no package metadata
beyond one directory listing per dependency; virtualenv is imported by installdev only
when it has work to do. Keep its syntax to Python 3.6 (no walrus, no match statement) so that a
too-old interpreter gets the message instead of a SyntaxError.
"""

import os
import sys

EXIT_INSTALL_FAILED = 5
EXIT_BAD_PYTHON = 9
MINIMUM_PYTHON = (3, 10)
REQUIREMENTS_FILE = "tool-requirements.txt"
TOOL_MARKER = "installdev-tool.txt"
PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
STALE_TEMP_SECONDS = 3600

# What this interpreter's own packages must offer to be used instead of the tool directory: the lower
# bounds of [project] dependencies in pyproject.toml, as (import name, distribution name, minimum).
MINIMUM_VERSIONS = (
    ("virtualenv", "virtualenv", (21, 4, 3)),
    ("filelock", "filelock", (3, 20, 3)),
    ("packaging", "packaging", (22,)),
    ("platformdirs", "platformdirs", (3,)),
)
MINIMUM_VERSIONS_BEFORE_311 = (("tomli", "tomli", (1, 1)),)


def _say(message):
    sys.stderr.write("installdev: " + message + "\n")
    sys.stderr.flush()


class _Stopped(Exception):
    """installdev cannot start: ``message`` for its error line, ``status`` its exit status."""

    def __init__(self, message, status=EXIT_BAD_PYTHON):
        super().__init__(message)
        self.message, self.status = message, status


def _dotted(numbers):
    return ".".join(str(number) for number in numbers)


def _version_tuple(text):
    """Leading numeric release of a version string: '21.15.8' -> (21, 15, 8), '20.17.1+ds' -> (20, 17, 1)."""
    numbers = []
    for part in text.split("+", 1)[0].split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(numbers)


def _installed_version(spec, distribution):
    """The version of ``distribution`` installed beside the module ``spec`` found, or None if unknown.

    Reads only the name of its ``.dist-info``/``.egg-info`` entry: importlib.metadata would cost more
    than the rest of this file together.
    """
    origin = spec.origin or ""
    if spec.submodule_search_locations:
        origin = os.path.dirname(origin) if origin and origin != "namespace" else ""
    if not origin:
        return None
    directory = os.path.dirname(origin)
    try:
        entries = os.listdir(directory)
    except OSError:
        return None
    prefix = distribution.replace("-", "_").lower() + "-"
    for entry in entries:
        lowered = entry.lower()
        if lowered.startswith(prefix) and lowered.endswith((".dist-info", ".egg-info")):
            version = _version_tuple(entry[len(prefix):].rsplit(".", 1)[0])
            if version:
                return version
    return None


def dependency_problems():
    """What keeps installdev's dependencies from being imported from sys.path: [] when all are usable."""
    from importlib.util import find_spec

    needed = [*MINIMUM_VERSIONS, *(MINIMUM_VERSIONS_BEFORE_311 if sys.version_info < (3, 11) else ())]
    problems = []
    for module, distribution, minimum in needed:
        try:
            spec = find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            problems.append(distribution + " is missing")
            continue
        version = _installed_version(spec, distribution)
        if version is not None and version < minimum:
            problems.append(f"{distribution} {_dotted(version)} is older than {_dotted(minimum)}")
    return problems


def cache_root():
    """installdev's directory in the user's cache (the same one platformdirs gives installdev itself)."""
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        return os.path.join(os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local"),
                            "installdev", "Cache")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "installdev")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return os.path.join(xdg if os.path.isabs(xdg) else os.path.join(home, ".cache"), "installdev")


def tool_dir_name(plugin_dir):
    """``tool-<installdev version>-<python tag>-<digest of the pins>``: one directory per interpreter
    minor version and set of pins, so upgrading either never reuses a stale directory."""
    import hashlib

    import installdev

    with open(os.path.join(plugin_dir, REQUIREMENTS_FILE), "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:12]
    implementation = "py" if sys.implementation.name == "cpython" else sys.implementation.name
    major, minor = sys.version_info[:2]
    return f"tool-{installdev.__version__}-{implementation}{major}{minor}-{digest}"


def _is_complete(tool_dir):
    return os.path.isfile(os.path.join(tool_dir, TOOL_MARKER))


def _host_kind():
    if os.name == "nt":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    if (os.path.realpath(sys.executable).startswith("/nix/store/") or os.environ.get("IN_NIX_SHELL")
            or os.path.exists("/etc/NIXOS")):
        return "nix"
    if os.path.exists("/etc/debian_version"):
        return "debian"
    if os.path.exists("/etc/fedora-release") or os.path.exists("/etc/redhat-release"):
        return "fedora"
    return "other"


_PIP_FIXES = (
    ("debian", "Debian/Ubuntu:  sudo apt install python3-pip"),
    ("fedora", "Fedora/RHEL:    sudo dnf install python3-pip"),
    ("macos", "macOS:          brew install python (Homebrew's python3 has pip), or python3 -m ensurepip --user"),
    ("nix", "Nix:            python3.withPackages (ps: [ ps.pip ]), or run the build in "
            "nix-shell -p python3 python3Packages.pip"),
    ("windows", "Windows:        py -m ensurepip --upgrade"),
    ("other", "elsewhere:      python3 -m ensurepip --user"),
)


def no_pip_message(problems, tool_dir):
    kind = _host_kind()
    fixes = sorted(_PIP_FIXES, key=lambda fix: fix[0] != kind)
    lines = [
        f"{sys.executable} (Python {_dotted(sys.version_info[:2])}) cannot run installdev: {'; '.join(problems)}, "
        f"and it has no pip to install installdev's pinned dependencies into its private tool directory {tool_dir}.",
        "Install pip for this interpreter, then run the build again:",
    ]
    lines += ["  " + text + ("    <- this machine" if name == kind else "") for name, text in fixes]
    lines.append("Or install installdev itself (e.g. pipx install <installdev checkout>) so that `installdev` is on "
                 "PATH: builds use it as it is.")
    return "\n".join(lines)


# What pip's output holds when it could not connect to the index at all (urllib3's and requests' wording)
_UNREACHABLE_INDEX_SIGNS = ("NewConnectionError", "Failed to establish a new connection", "ConnectTimeoutError",
                            "ProxyError", "Temporary failure in name resolution", "Name or service not known",
                            "nodename nor servname provided")


def _index_url():
    return os.environ.get("PIP_INDEX_URL") or "the index pip is configured with (https://pypi.org/simple by default)"


def _remove_stale_temporaries(root):
    import shutil
    import time

    try:
        entries = os.listdir(root)
    except OSError:
        return
    for entry in entries:
        if entry.startswith(".tmp-tool-"):
            path = os.path.join(root, entry)
            try:
                if time.time() - os.stat(path).st_mtime > STALE_TEMP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass


def _pip_environment():
    """The user's pip settings (index, proxy, certificates) apply; settings that contradict --target do not."""
    env = dict(os.environ)
    for name in ("PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_EDITABLE", "PIP_REQUIREMENT", "PIP_CONSTRAINT"):
        env.pop(name, None)
    env["PIP_USER"] = "0"
    env["PIP_REQUIRE_VIRTUALENV"] = "0"
    env["PIP_NO_INPUT"] = "1"
    env["PYTHONNOUSERSITE"] = "1"
    return env


def bootstrap(plugin_dir, tool_dir, problems, quiet, verbose):
    """Fill ``tool_dir`` with the pinned dependencies. Raises _Stopped."""
    import shutil
    import subprocess
    import tempfile
    from importlib.util import find_spec

    if find_spec("pip") is None:
        raise _Stopped(no_pip_message(problems, tool_dir))
    requirements = os.path.join(plugin_dir, REQUIREMENTS_FILE)
    root = os.path.dirname(tool_dir)
    try:
        os.makedirs(root, exist_ok=True)
        _remove_stale_temporaries(root)
        temp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(tool_dir) + "-", dir=root)
    except OSError as error:
        raise _Stopped(f"cannot create installdev's tool directory in {root}: {error.strerror or error}; "
                     "point XDG_CACHE_HOME (Linux) at a writable directory") from None
    try:
        if not quiet:
            _say(f"this Python cannot run installdev yet ({'; '.join(problems)}): "
                 f"installing its pinned dependencies into {tool_dir} ...")
        command = [sys.executable, "-m", "pip", "install", "--target", temp, "--only-binary=:all:",
                   "--disable-pip-version-check", "--no-warn-script-location", "-r", requirements]
        if not verbose:
            command.append("--quiet")
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=_pip_environment())
        output = completed.stdout.decode("utf-8", "replace")
        if completed.returncode != 0:
            if any(sign in output for sign in _UNREACHABLE_INDEX_SIGNS):
                if verbose:
                    sys.stderr.write(output)
                raise _Stopped(f"pip cannot reach the package index {_index_url()} to install installdev's pinned "
                             f"dependencies into {tool_dir}: connect to the network, point PIP_INDEX_URL (or pip.conf) "
                             "at an index you can reach, or install installdev so that `installdev` is on PATH",
                             EXIT_INSTALL_FAILED)
            sys.stderr.write(output)
            raise _Stopped(f"pip could not install installdev's dependencies into {tool_dir} (exit status "
                         f"{completed.returncode}, its output is above): check {requirements} and your pip "
                         "settings (PIP_INDEX_URL, pip.conf), or install installdev so that `installdev` is on PATH",
                         EXIT_INSTALL_FAILED)
        if verbose:
            sys.stderr.write(output)
        missing = [module for module, _, _ in MINIMUM_VERSIONS
                   if not os.path.isdir(os.path.join(temp, module))]
        if missing:
            raise _Stopped(f"pip finished but {temp} holds no {', '.join(missing)}: check {requirements}")
        with open(os.path.join(temp, TOOL_MARKER), "w") as handle:
            handle.write(f"installdev's dependencies for {sys.executable}, from {requirements}\n")
        try:
            os.rename(temp, tool_dir)
        except OSError:
            if not _is_complete(tool_dir):  # not a lost race: a stray directory is in the way
                raise _Stopped(f"cannot move the new tool directory into place: {tool_dir} exists and is not "
                             "complete; delete it and run again") from None
            # Another build won the race: its directory is complete, ours is discarded below.
        else:
            if not quiet:
                _say("installed installdev's dependencies into " + tool_dir)
        return None
    finally:
        if os.path.isdir(temp):
            shutil.rmtree(temp, ignore_errors=True)


def prepare(argv):
    """Make ``installdev`` and its dependencies importable. Raises _Stopped."""
    if sys.version_info[:2] < MINIMUM_PYTHON:
        raise _Stopped(f"installdev needs Python >= {_dotted(MINIMUM_PYTHON)}, but {sys.executable} is Python "
                     f"{_dotted(sys.version_info[:2])}: put a newer python3 first on PATH")
    plugin_dir = PLUGIN_DIR
    if plugin_dir not in sys.path:
        sys.path.insert(0, plugin_dir)
    problems = dependency_problems()
    if not problems:
        return None
    tool_dir = os.path.join(cache_root(), tool_dir_name(plugin_dir))
    if not _is_complete(tool_dir):
        quiet = "-q" in argv or "--quiet" in argv
        verbose = "-v" in argv or "--verbose" in argv
        bootstrap(plugin_dir, tool_dir, problems, quiet, verbose)
    sys.path.insert(sys.path.index(plugin_dir) + 1, tool_dir)
    remaining = dependency_problems()
    if remaining:
        raise _Stopped(f"installdev's tool directory {tool_dir} is incomplete ({'; '.join(remaining)}): "
                     "delete it and run again")
    return None


def _print_json_failure(argv, status, message):
    """Under ``--json``, the command's failure document on stdout, so that what reads it parses one: installdev's own,
    or, on a Python too old to import installdev, the part every failure document shares (schema, exit_code, error)."""
    if sys.version_info[:2] >= MINIMUM_PYTHON:
        from installdev.cli import json_failure_document

        document = json_failure_document(argv, status, message)
    elif any(len(argument) > 3 and "--json".startswith(argument) for argument in argv[1:]):
        document = {"schema": 1, "exit_code": status, "error": message}
    else:
        document = None
    if document is not None:
        import json

        sys.stdout.write(json.dumps(document, indent=2) + "\n")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if sys.version_info[:2] >= MINIMUM_PYTHON:
        if PLUGIN_DIR not in sys.path:
            sys.path.insert(0, PLUGIN_DIR)
        from installdev.cli import quick_noop, quick_run  # the standard library only: before the dependency check

        if quick_noop(argv):
            return 0
        quick_run(argv)
    try:
        prepare(argv)
    except _Stopped as stopped:
        _say("error: " + stopped.message)
        _print_json_failure(argv, stopped.status, stopped.message)
        return stopped.status
    from installdev.cli import main as installdev_main

    return installdev_main(argv)
