"""Is the venv up to date? The inputs a venv depends on, what changed since its stamp, and proof that its
python still starts.

This is the full check, run when no quick record (``installdev.quickcheck``) vouches for the venv: every input file
is read and its SHA-256 compared with the stamp's (a few small files: well under a millisecond); the venv's own
python is run once, to prove it still starts and is the recorded version, and to name the
files whose identities let the quick check skip that next time. It imports neither virtualenv nor filelock.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Mapping

from installdev import __version__
from installdev.actions.stamp import Stamp, StampReading, read_stamp
from installdev.actions.venvdir import (
    INNER_PREVIOUS,
    INNER_RETURNING,
    interrupted_rebuild,
    previous_path,
    protected_path_error,
    trust_problem,
    venv_python,
)
from installdev.environment import digest as environment_digest
from installdev.environment import install_variables, sha256_hex
from installdev.errors import InstalldevError, ProjectError, UnsafeVenvPathError
from installdev.request.locks.rules import lock_candidates, lock_input_files
from installdev.request.project.conventions import (
    CONVENTIONAL_REQUIREMENT_FILES,
    PROJECT_FILES,
    conventional_requirement_files,
)
from installdev.request.project.input_file import input_file_status, read_input_file
from installdev.request.project.requirements import requirement_file_closure
from installdev.vocabulary import LinkMode

if TYPE_CHECKING:
    from installdev.request.project.model import Project
    from installdev.request.settings.resolve import Settings


def _sha256(path: Path) -> str:
    return sha256_hex(read_input_file(path))


def _file_state(path: Path) -> list[int]:
    status = input_file_status(path)
    return [status.st_size, status.st_mtime_ns]


def file_digests(paths: list[Path]) -> dict[str, list]:
    """``{real path: [sha256, size, mtime_ns]}``, every file read and hashed: a file edited and given back its size and
    modification time (``touch -r``, ``cp -p``, ``rsync -t``, ``tar x``, a tree with normalised times) is a changed
    input all the same. Keyed by the real path: one file reached through a symbolic link or not (Gradle names the
    canonical project directory, a shell the path typed; an include is resolved) is one input."""
    return {os.path.realpath(path): [_sha256(path), *_file_state(path)] for path in paths}


# Times at most this close to the epoch are not real modification times but a normalised tree's (Nix's store and
# reproducible archives use 0 or 1 s): such an input could change keeping its time, so no quick record vouches for it.
_NORMALISED_MTIME_NS = 2_000_000_000


def input_files(settings: Settings) -> list[Path]:
    """Every file the venv's content depends on. Raises ProjectError for a missing requirement or constraint file, and
    for an input that is not a regular file or is too large (``input_file_status``), even one read by others only.

    The project's own files, the conventional development requirement files and the ``.python-version`` that exist
    (whether or not they end up chosen: their appearance can change the choice), and the closure of the requirement,
    constraint and build-constraint files given and of the conventional ones, the lock files that exist
    (``lock_input_files``), and for a venv of a whole uv workspace every member's pyproject.toml.
    """
    project = settings.project
    conventional = conventional_requirement_files(project.directory)
    version_file = project.version_file
    given = requirement_file_closure((*settings.requirements, *settings.constraints, *settings.build_constraints,
                                      *conventional, *_environment_files(project)))
    locks = lock_input_files(project)
    members = _member_files(settings)
    files = list(dict.fromkeys([*settings.project.input_files, *([version_file] if version_file else []), *given, *locks,
                                *members]))
    for path in files:
        input_file_status(path)
    return files


def _environment_files(project: Project) -> tuple[Path, ...]:
    """The ``-r`` and ``-c`` files of the tox environment that is (or backs up) the default development set."""
    from installdev.request.project.declarations import DevSourceKind  # the declarations' readers stay off the quick path

    try:
        sources = project.declarations.dev_sources
    except ProjectError:  # the plan reports it
        return ()
    chosen = sources.fallback or sources
    return (*chosen.requirement_files, *chosen.constraint_files) if chosen.kind is DevSourceKind.TOX_ENV else ()


def _member_files(settings: Settings) -> list[Path]:
    """For a venv of a whole uv workspace, every member's pyproject.toml: a member that appears, goes or changes its
    declarations changes what the venv holds, with or without a lock."""
    if not settings.scope.all_packages:
        return []
    from installdev.request.project.uv_workspace import uv_workspace_members

    return [member / "pyproject.toml" for member in uv_workspace_members(settings.project.uv_workspace)]


def expected_inputs(settings: Settings, recorded: dict | None = None, env: Mapping[str, str] = os.environ) -> dict:
    """Everything a venv's content depends on, as the stamp records it. Raises ProjectError for a missing file.

    ``linked`` are the project files of the local directories the venv installs, as the build recorded them
    (``stamp_inputs``); one that is gone shows as a changed input."""
    from installdev.request.project.development import plainest_request

    recorded = recorded or {}
    linked = list(recorded.get("linked", []))
    selection, requirements = plainest_request(settings)
    return {
        "installdev": __version__,
        "python": settings.python or "auto",
        "selection": selection._replace(**{field: tuple(sorted(value)) for field, value in
                                           selection._asdict().items() if isinstance(value, tuple)}).describe(),
        "requirements": [os.path.realpath(path) for path in requirements],
        "constraints": [os.path.realpath(path) for path in settings.constraints],
        "build_constraints": [os.path.realpath(path) for path in settings.build_constraints],
        "mode": _expected_mode(settings, recorded),
        "system_site_packages": settings.system_site_packages,
        "installer": str(settings.installer),
        "seed_pip": settings.seed_pip,
        "environment": variable_digests(install_variables(env)),
        "locked": settings.locked,
        "frozen": settings.frozen,
        "scope": str(settings.scope.scope),
        "linked": linked,
        "files": file_digests([*input_files(settings), *(Path(path) for path in linked if os.path.isfile(path))]),
    }


AUTOMATIC_MODE = "automatic"


def _expected_mode(settings: Settings, recorded: dict) -> str:
    """The mode the request gives: the one asked for (by whichever flag: ``--symlinks``, Gradle's
    ``-PinstalldevCopies=false``, ``INSTALLDEV_VENV_USE_COPIES=false``), or, when none is, the automatic decision the
    last build recorded for this venv (``automatic_mode``: the probe of its destination does not run here). A build
    that could not tell what the automatic decision gives records none, and then the automatic request rebuilds."""
    asked = settings.mode_request.mode
    return str(asked) if asked else recorded.get("automatic_mode") or AUTOMATIC_MODE


def variable_digests(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``{name: digest}`` of the set installer variables: a change names the variables, never their values."""
    return {name: environment_digest([(name, value)]) for name, value in pairs}


def stamp_inputs(assessed: dict, linked: list[Path], mode: LinkMode, automatic_mode: LinkMode | None) -> dict:
    """The inputs a new stamp records: ``assessed`` before the build (so a file edited during it rebuilds next time),
    plus the ``linked`` project files of the local directories the venv installs, the ``mode`` built and what the
    automatic decision gives here (None: it cannot be told), so that asking for that mode or not asking are alike."""
    files = dict(assessed["files"])
    files.update(file_digests([path for path in linked if path.is_file() and os.path.realpath(path) not in files]))
    return {**assessed, "linked": [str(path) for path in linked if path.is_file()], "files": files, "mode": str(mode),
            "automatic_mode": automatic_mode and str(automatic_mode)}


def _input_text(key: str, value: object) -> str:
    """An input's value as a user reads it: an empty selection is the project's default, an empty list is none."""
    if key == "selection" and value == "":
        return "the project's default"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value if item is not None) or "none"
    return str(value)


def input_changes(recorded: dict, expected: dict) -> list[str]:
    """What differs between the inputs a stamp recorded and the expected ones, one phrase per change."""
    changes = []
    for key, value in expected.items():
        if key == "environment":
            changes.extend(_environment_change(recorded.get(key), value))
        elif key != "files" and recorded.get(key) != value:
            before, after = _input_text(key, recorded.get(key)), _input_text(key, value)
            changes.append(f"{key.replace('_', ' ')} changed ({before} -> {after})")
    recorded_files = recorded.get("files", {})
    for path, (digest, *_) in expected["files"].items():
        if path not in recorded_files:
            changes.append(f"{path} is new")
        elif recorded_files[path][0] != digest:
            changes.append(f"{path} changed")
    changes.extend(f"{path} is {'no longer an input' if os.path.exists(path) else 'gone'}"
                   for path in recorded_files if path not in expected["files"])
    return changes


def _environment_change(recorded: object, expected: dict[str, str]) -> list[str]:
    """The installer variables set, unset or changed since the stamp, by name; a stamp of before the names were
    recorded holds one digest of them all."""
    if not isinstance(recorded, dict):
        return [] if not recorded and not expected else ["environment changed (the installer variables; the previous "
                                                         "build recorded no names)"]
    changed = sorted(name for name in {*recorded, *expected} if recorded.get(name) != expected.get(name))
    return [f"environment changed ({', '.join(changed)})"] if changed else []


LIVENESS_TIMEOUT_SECONDS = 30


class Liveness(NamedTuple):
    """Whether the venv's python starts as the recorded version (``problem`` None), and the files that prove it without
    running it again (``installdev.actions.health``)."""

    problem: str | None
    identities: tuple[str, ...] = ()


def probe_liveness(venv: Path, expected_version: str) -> Liveness:
    """Run the venv's python once (isolated, with its site) to prove it starts as ``expected_version``."""
    python = venv_python(venv)
    if not os.path.exists(python):
        dangling = os.path.lexists(python)
        return Liveness(f"{python} is {'a dangling link (its base interpreter was removed?)' if dangling else 'missing'}")
    from installdev.actions.health import start_check

    report = start_check(venv, LIVENESS_TIMEOUT_SECONDS).report()
    if report.problem:
        return Liveness(report.problem)
    if ".".join(map(str, report.version)) != expected_version:
        return Liveness(f"{python} no longer runs Python {expected_version}, the version it was built with")
    return Liveness(None, report.identities)


def is_empty_or_missing(venv: Path) -> bool:
    """No venv yet: nothing there, or an empty directory (Gradle pre-creates task outputs)."""
    if not os.path.lexists(venv):
        return True
    try:
        return venv.is_dir() and not venv.is_symlink() and not any(os.scandir(venv))
    except OSError:
        return False


def staleness(venv: Path, expected: dict, reading: StampReading) -> tuple[list[str], Liveness | None]:
    """Why ``venv`` must be (re)built given its stamp (an empty list: up to date), and its python's liveness when the
    inputs matched and it was probed."""
    if is_empty_or_missing(venv):
        return ["no venv yet"], None
    if reading.stamp is None:
        return [f"it has no valid stamp ({reading.problem or 'a previous build did not finish'})"], None
    changes = input_changes(reading.stamp.inputs, expected)
    if changes:
        return changes, None
    liveness = probe_liveness(venv, reading.stamp.python_version)
    return ([liveness.problem] if liveness.problem else []), liveness


class Freshness(NamedTuple):
    """The venv against its stamp: the expected inputs, why it must be (re)built, and the stamp as read.

    ``problem`` is set when the inputs cannot even be listed (a requirement file is missing).
    """

    inputs: dict | None
    reasons: tuple[str, ...]
    reading: StampReading
    problem: InstalldevError | None = None
    liveness: Liveness | None = None

    @property
    def up_to_date(self) -> bool:
        return not self.reasons and self.problem is None


def assess(settings: Settings) -> Freshness:
    """Compare ``settings.venv`` with its stamp. Never raises for a missing input or an untrusted venv: that is
    ``problem``. A venv the running user may not trust (another user's, others can write it, a symbolic link) is never
    up to date, and its stamp is not even read nor its python run."""
    protected = protected_path_error(settings.venv, settings.project.directory)
    if protected:
        return Freshness(None, (str(protected),), StampReading(None), protected)
    untrusted = trust_problem(settings.venv)
    if untrusted:
        return Freshness(None, (untrusted,), StampReading(None), UnsafeVenvPathError(untrusted))
    reading = read_stamp(settings.venv)
    try:
        inputs = expected_inputs(settings, reading.stamp.inputs if reading.stamp else None)
    except InstalldevError as error:
        return Freshness(None, (str(error),), reading, error)
    if settings.force:
        return Freshness(inputs, ("--force",), reading)
    if interrupted_rebuild(settings.venv):
        return Freshness(inputs, ("a previous rebuild or update was interrupted",), reading)
    reasons, liveness = staleness(settings.venv, inputs, reading)
    return Freshness(inputs, tuple(reasons), reading, liveness=liveness)


def after_build(stamp: Stamp, identities: tuple[str, ...]) -> Freshness:
    """The freshness of a venv just built and stamped with ``stamp``, whose python's health check named ``identities``:
    up to date, unless an input file changed (size or modification time) while it was built."""
    changed = []
    for path, (_, *state) in stamp.inputs["files"].items():
        try:
            if _file_state(Path(path)) != state:
                changed.append(f"{path} changed during the build")
        except OSError:
            changed.append(f"{path} is gone")
        except ProjectError:  # no longer a regular file: the next run refuses it in its own words
            changed.append(f"{path} changed during the build")
    return Freshness(stamp.inputs, tuple(changed), StampReading(stamp), liveness=Liveness(None, identities))


def stat_vouches(freshness: Freshness) -> bool:
    """Whether a quick record may vouch for ``freshness``'s inputs by their identities: not when one has a normalised
    modification time (the full check, which reads every input, answers each time then)."""
    return all(mtime_ns >= _NORMALISED_MTIME_NS for _, _, mtime_ns in freshness.inputs["files"].values())


def noop_dependencies(settings: Settings, freshness: Freshness) -> tuple[list[tuple[Path, bool]], list[Path], set[str]]:
    """What an up-to-date verdict rests on, for a quick record: ``[(path, follow)]`` whose identity must not change
    (for the venv of a whole uv workspace, the directories holding its members too), paths that must stay absent, and
    the environment variables the requirement files name (pip expands ``${NAME}``). ``freshness`` must be up to date
    (its liveness probed)."""
    import re

    venv, directory = settings.venv, settings.project.directory
    present = [(Path(path), True) for path in freshness.inputs["files"]]  # real paths
    present += [(path, True) for path in settings.project.input_files]  # as reached: a symbolic link retargeted shows
    present += [(venv, False), (venv / ".installdev-stamp.json", False), (venv_python(venv), False), (venv / "pyvenv.cfg", True)]
    present += [(Path(path), True) for path in freshness.liveness.identities]
    present += [(path.parent.parent, True) for path in _member_files(settings)  # a member appearing changes its parent
                if path.parent != directory]
    absent = [directory / name for name in (*PROJECT_FILES, *CONVENTIONAL_REQUIREMENT_FILES) if not (directory / name).exists()]
    absent += settings.project.version_file_search[1]
    absent += [path for path in lock_candidates(settings.project) if not path.exists()]  # a pylock.<name>.toml is not watched
    if venv.name:
        absent += [previous_path(venv), venv / INNER_PREVIOUS, venv / INNER_RETURNING]
    variables = set()
    for path in freshness.inputs["files"]:
        if not path.endswith(("pyproject.toml", ".lock", ".cfg", ".py")):
            variables.update(re.findall(r"\$\{([A-Z0-9_]+)\}", read_input_file(Path(path)).decode("utf-8", errors="replace")))
    return present, absent, variables


def record_noop(key_argv: list[str], settings: Settings, freshness: Freshness, message: str) -> None:
    """Write the quick record for the invocation ``key_argv``: what this up-to-date verdict rests on (``freshness``
    must be up to date), so the same invocation is answered by stat alone next time."""
    from installdev import quickcheck

    if not stat_vouches(freshness):
        return
    present, absent, variables = noop_dependencies(settings, freshness)
    quickcheck.write_record(quickcheck.invocation_key(key_argv, os.environ), present, absent, variables, message,
                            settings.venv)
