"""Installing the project (editable, with extras) and its requirement files into the venv: pip or uv.

The backend only installs, into the venv installdev made (``installdev.actions.creator``; uv gets
``--python VENV/bin/python``, so it never creates an environment of its own nor writes beside the
base interpreter). ``auto`` picks uv when it is installed (the ``uv`` extra, or ``uv``
on PATH), else pip. A uv failure is retried once with pip, saying so, unless pip would fail the same way.

Both run in the project directory (pip reads ``-e ../lib`` in requirement files from there). pip
honours the user's ``PIP_*`` environment itself; for uv, ``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``,
``PIP_FIND_LINKS`` and ``PIP_NO_INDEX`` become the matching options unless a ``UV_*`` variable says
otherwise. Output is streamed line by line, indented, and unwrapped (the tools get a wide ``COLUMNS``); in quiet
mode, and on a terminal (where it is one line redrawn in place), it is kept and replayed only on failure. When the
venv has no pip (uv venvs are not seeded by default), pip runs from virtualenv's bundled wheel.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from installdev.actions.needed_python import read_python_need
from installdev.actions.venvdir import venv_python
from installdev.errors import InstallError, UsageError
from installdev.failure_cause import failure_line
from installdev.host.interpreter import BasePython
from installdev.report import Reporter
from installdev.request.project.requirements import uses_hashes
from installdev.vocabulary import InstallerName

if TYPE_CHECKING:
    from installdev.actions.uv_changes import UvChanges

PIP, UV = InstallerName.PIP, InstallerName.UV


class InstallerChoice(NamedTuple):
    """The backend that will install, and for uv its executable."""

    name: InstallerName
    uv: str | None = None


_FIND_UV_LOCK = threading.Lock()


def find_uv() -> str | None:
    """uv's executable, or None. Looked up once per process, under a lock: uv's own finder reads
    ``sysconfig``, whose lazy first read is not thread-safe (parallel ``bootstrap`` builds)."""
    with _FIND_UV_LOCK:
        return _locate_uv()


@functools.cache
def _locate_uv() -> str | None:
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return shutil.which("uv")


def choose_installer(requested: InstallerName) -> InstallerChoice:
    """The backend for ``requested``: ``auto`` is uv when it is installed, else pip. Raises UsageError for uv without uv."""
    if requested in (InstallerName.AUTO, UV):
        uv = find_uv()
        if uv:
            return InstallerChoice(UV, uv)
        if requested == UV:
            raise UsageError("--installer uv, but uv is not installed: pip install 'installdev[uv]', or put uv on PATH")
    return InstallerChoice(PIP)


class ExactUpdateFailed(InstallError):
    """uv failed updating a venv in a way pip would not share; pip cannot update exactly, so the venv is built from
    nothing instead (``installdev.install_dev``)."""


class InstallSpec(NamedTuple):
    """What to install into the venv: the project editable with its extras, and the rest of the development set."""

    project_dir: Path
    extras: tuple[str, ...]
    requirement_files: tuple[Path, ...]
    requirement_lines: tuple[str, ...]  # resolved dependency-group lines, given to the installer in a private file
    constraint_files: tuple[Path, ...]
    build_constraint_files: tuple[Path, ...]
    editable_project: bool = True  # False: the requirement files alone (a lock's packages, -r files after uv sync)
    options: tuple[str, ...] = ()  # e.g. --no-deps --require-hashes for a lock's packages
    dependency_groups: tuple[str, ...] = ()  # the PEP 735 groups requirement_lines are: uv gets them by name (--group)
    project_name: str | None = None  # normalized; the files' own pins of it give way (installdev.actions.own_pins)
    exact: bool = False  # an update: remove what the set no longer names (uv's --exact; pip has no such mode)

    def summary(self) -> str:
        """E.g. ``-e .[dev] -r requirements-dev.txt + 5 group requirements``, for progress lines."""
        parts = ["-e ." + (f"[{','.join(self.extras)}]" if self.extras else "")] if self.editable_project else []
        parts += list(self.options)
        parts += [f"-r {path.name}" for path in self.requirement_files]
        parts += [f"-c {path.name}" for path in self.constraint_files]
        parts += [f"--build-constraint {path.name}" for path in self.build_constraint_files]
        if self.requirement_lines:
            parts.append(f"+ {len(self.requirement_lines)} group requirement(s)")
        return " ".join(parts)


def _targets(spec: InstallSpec, lines_file: Path | None, groups_by_name: bool = False) -> list[str]:
    """The installer's arguments for ``spec``; its group lines come from ``lines_file``, or with ``groups_by_name``
    (uv) as ``--group pyproject.toml:NAME`` when they are PEP 735 groups, so uv applies ``[tool.uv.sources]``."""
    target = str(spec.project_dir) + (f"[{','.join(spec.extras)}]" if spec.extras else "")
    arguments = [*spec.options, *(["-e", target] if spec.editable_project else [])]
    if groups_by_name and spec.dependency_groups:
        lines_file = None
        for group in spec.dependency_groups:
            arguments += ["--group", f"{spec.project_dir / 'pyproject.toml'}:{group}"]
    for requirement in (*spec.requirement_files, *([lines_file] if lines_file else [])):
        arguments += ["-r", str(requirement)]
    for constraint in spec.constraint_files:
        arguments += ["-c", str(constraint)]
    for constraint in spec.build_constraint_files:
        arguments += ["--build-constraint", str(constraint)]
    return arguments


def pip_command(venv: Path, base: BasePython, spec: InstallSpec, lines_file: Path | None,
                after_uv: bool = False) -> list[str]:
    """pip's install command for ``spec``; ``after_uv``: retrying after uv failed part way, so what uv left half
    installed is reinstalled rather than taken as satisfied (``--force-reinstall``)."""
    python = str(venv_python(venv))
    if (venv_python(venv).parent / "pip").exists():
        runner = [python, "-m", "pip"]
    else:
        from virtualenv.seed.wheels.embed import get_embed_wheel

        runner = [python, str(get_embed_wheel("pip", f"{base.version[0]}.{base.version[1]}").path / "pip")]
    return [*runner, "install", "--disable-pip-version-check", *(["--force-reinstall"] if after_uv else []),
            *_targets(spec, lines_file)]


# pip's variables that change what is installed, the uv option each becomes, and the uv variables that take precedence
_PIP_TO_UV = (
    ("PIP_INDEX_URL", "--index-url", ("UV_INDEX_URL", "UV_DEFAULT_INDEX")),
    ("PIP_EXTRA_INDEX_URL", "--extra-index-url", ("UV_EXTRA_INDEX_URL", "UV_INDEX")),
    ("PIP_FIND_LINKS", "--find-links", ("UV_FIND_LINKS",)),
    ("PIP_CONSTRAINT", "--constraint", ("UV_CONSTRAINT",)),
    ("PIP_BUILD_CONSTRAINT", "--build-constraint", ("UV_BUILD_CONSTRAINT",)),
    ("PIP_GROUP", "--group", ()),
    ("PIP_ONLY_BINARY", "--only-binary", ("UV_ONLY_BINARY",)),
    ("PIP_NO_BINARY", "--no-binary", ("UV_NO_BINARY",)),
)


def uv_command(uv: str, venv: Path, spec: InstallSpec, lines_file: Path | None, env: dict[str, str]) -> list[str]:
    command = [uv, "pip", "install", "--python", str(venv_python(venv))]
    for pip_variable, option, uv_variables in _PIP_TO_UV:
        if env.get(pip_variable) and not any(env.get(name) for name in uv_variables):
            for value in env[pip_variable].split():
                command += [option, value]
    if env.get("PIP_NO_INDEX", "").strip().lower() in ("1", "true", "yes", "on"):
        command.append("--no-index")
    if env.get("PIP_PRE", "").strip().lower() in ("1", "true", "yes", "on") and not env.get("UV_PRERELEASE"):
        command += ["--prerelease", "allow"]
    if spec.exact:
        command.append("--exact")
    return [*command, *_targets(spec, lines_file, groups_by_name=True)]


# What uv prints when the requirements themselves cannot be met, or their host cannot be reached: pip would fail the
# same way, so no retry.
_UV_FAILURES_PIP_SHARES = (
    "No solution found when resolving",
    "not found in the package registry",
    "not found in the provided package locations",
    "was not found in the",
    "Failed to build",
    "Distribution not found",
    "Failed to parse",
    "Git operation failed",
    "Could not resolve host",
    "dns error",
)


def uv_failure_pip_shares(output_tail: list[str]) -> str | None:
    """uv's ``error:`` line when its failure is one pip would share (unsatisfiable, missing, unbuildable), else None."""
    text = "\n".join(output_tail)
    if not any(marker in text for marker in _UV_FAILURES_PIP_SHARES):
        return None
    errors = [line.strip() for line in output_tail if line.strip().startswith("error:")]
    return (errors[-1] if errors else output_tail[-1].strip()) if output_tail else "uv failed"


def _without_home_cache(env: dict[str, str]) -> dict[str, str]:
    """``env``, telling pip and uv to use no cache when there is no home directory to keep one in (HOME unset, no
    passwd entry): both would fail looking for it."""
    if env.get("HOME") or os.name == "nt" or os.path.isabs(os.path.expanduser("~")):
        return env
    return {"PIP_NO_CACHE_DIR": "1", "UV_NO_CACHE": "1", **env}


def _unwrapped(env: dict[str, str]) -> dict[str, str]:
    """``env`` with a wide ``COLUMNS``: uv wraps every line it prints at that width, a build's own output too, which
    would cut the line that says why a build failed in two (installdev indents the lines; the terminal wraps them)."""
    return {**env, "COLUMNS": "10000"}


def run_streaming(command: list[str], reporter: Reporter, cwd: Path, env: dict[str, str] | None = None) -> int:
    """Run ``command`` in ``cwd`` (with ``env``, default ours), streaming its output through ``reporter``; stop it if
    we are interrupted. Returns its exit status; raises InstallError when it cannot be started."""
    from installdev.actions.locking import held_lock_fds

    reporter.detail("running " + " ".join(command))
    reporter.tool_started()
    environment = _unwrapped(_without_home_cache(env if env is not None else dict(os.environ)))
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=() if os.name == "nt" else held_lock_fds(),  # an orphaned installer keeps the venv locked
            text=True, encoding="utf-8", errors="replace",
        )
    except OSError as error:  # the venv's python (pip's runner) or uv cannot be started
        raise InstallError(f"cannot start {command[0]}: {error.strerror or error}") from None
    try:
        for line in process.stdout:
            reporter.tool_output(line)
        return process.wait()
    except BaseException:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    finally:
        process.stdout.close()
        reporter.tool_finished()


def _write_requirement_lines(lines: tuple[str, ...]) -> Path | None:
    """The resolved group lines as a requirements file in a private temp directory (mode 0700), or None."""
    if not lines:
        return None
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="installdev-groups-"))
    path = directory / "dependency-groups.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def newer_python_hint(output_tail) -> str | None:
    """When the installer says a requirement needs another Python, which (``a requirement needs Python >=3.12 (sphinx
    9.1 requires it)``); else None. It names no interpreter to pass: only install-dev knows which fit the project
    (``installdev.install_dev``)."""
    need = read_python_need(output_tail)
    return need.sentence if need else None


def install_project(venv: Path, base: BasePython, spec: InstallSpec, installer: InstallerChoice,
                    reporter: Reporter) -> InstallerName:
    """Install ``spec`` into ``venv`` with the chosen backend; return the backend that succeeded.

    Its files' pins of the project itself give way to the editable project (``installdev.actions.own_pins``). A uv
    failure is retried once with pip, unless pip would fail the same way (unsatisfiable or missing requirements, a
    build error). Raises InstallError naming the installer that failed.
    """
    from installdev.actions.own_pins import own_pins_dropped

    with own_pins_dropped(spec, base.version, reporter) as installed:
        return _install_with(venv, base, installed, installer, reporter)


def uv_install_changes(venv: Path, base: BasePython, spec: InstallSpec, installer: InstallerChoice) -> UvChanges | None:
    """What ``install_project`` with uv would change in ``venv`` (``installdev.actions.uv_changes``), asked with the
    same command and files and ``--dry-run``; None when uv cannot say."""
    from installdev.actions.own_pins import own_pins_dropped
    from installdev.actions.uv_changes import ask_uv
    from installdev.report import QUIET

    with own_pins_dropped(spec, base.version, Reporter(QUIET)) as asked:
        lines_file = _write_requirement_lines(asked.requirement_lines)
        try:
            env = dict(os.environ)
            return ask_uv(uv_command(installer.uv, venv, asked, lines_file, env), asked.project_dir,
                          _unwrapped(_without_home_cache(env)))
        finally:
            if lines_file:
                shutil.rmtree(lines_file.parent, ignore_errors=True)


def _install_with(venv: Path, base: BasePython, spec: InstallSpec, installer: InstallerChoice,
                  reporter: Reporter) -> InstallerName:
    lines_file = _write_requirement_lines(spec.requirement_lines)
    try:
        if installer.name == UV:
            returncode = run_streaming(uv_command(installer.uv, venv, spec, lines_file, dict(os.environ)), reporter,
                                       spec.project_dir)
            if returncode == 0:
                return UV
            raise_if_unreachable("uv pip install", reporter)
            built = failure_line("uv pip install", reporter.build_failure, spec.project_name, spec.project_dir)
            shared = built or uv_failure_pip_shares(list(reporter.tool_tail))
            if shared:
                reporter.replay_tool_tail()
                advice = "fix the cause and re-run" if built else "fix the requirements and re-run"
                raise InstallError(f"{built or f'uv pip install failed ({shared}); its output is above'}: "
                                   f"{newer_python_hint(reporter.tool_tail) or advice}")
            if spec.exact:
                raise ExactUpdateFailed(f"uv failed with exit status {returncode} updating {venv}")
            reporter.warning(f"uv failed with exit status {returncode}; retrying once with pip")
        for part in _hash_checked_first(spec):
            command = pip_command(venv, base, part, lines_file if part.requirement_lines else None,
                                  after_uv=installer.name == UV)
            returncode = run_streaming(command, reporter, spec.project_dir)
            if returncode != 0:
                raise_if_unreachable("pip install", reporter)
                reporter.replay_tool_tail()
                built = failure_line("pip install", reporter.build_failure, spec.project_name, spec.project_dir)
                raise InstallError(f"{built or f'pip install failed with exit status {returncode} (its output is above)'}: "
                                   f"{newer_python_hint(reporter.tool_tail) or 'fix the cause and re-run'}")
        return PIP
    finally:
        if lines_file:
            shutil.rmtree(lines_file.parent, ignore_errors=True)


def raise_if_unreachable(installer: str, reporter: Reporter) -> None:
    """InstallError in one line when the installer's output says a package index cannot be reached: neither the
    requirements nor the other installer can help, and its output (retries, then "not found") would only mislead."""
    from installdev.actions.unreachable_index import unreachable_index

    unreachable = unreachable_index(reporter.tool_tail)
    if unreachable:
        raise InstallError(unreachable.sentence(installer))


def _hash_checked_first(spec: InstallSpec) -> list[InstallSpec]:
    """``spec`` as pip installs it: requirement files with ``--hash`` alone first (in hash-checking mode pip refuses
    anything unhashed, the editable project included), then the rest. uv checks the hashes it is given and installs
    the rest alongside, in one run."""
    hashed = tuple(path for path in spec.requirement_files if uses_hashes(path))
    if not hashed or (not spec.editable_project and hashed == spec.requirement_files and not spec.requirement_lines):
        return [spec]
    first = InstallSpec(spec.project_dir, (), hashed, (), (), spec.build_constraint_files, editable_project=False,
                        options=spec.options)
    rest = spec._replace(requirement_files=tuple(path for path in spec.requirement_files if path not in hashed))
    return [first, rest] if rest.editable_project or rest.requirement_files or rest.requirement_lines else [first]
