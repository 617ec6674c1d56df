"""Whether a pdm.lock was made from the project's pyproject.toml, decided as pdm decides it, and the lock's and the
project's pdm tables both readers share.

Freshness is pdm's own test (``Project.is_lockfile_fresh``): ``content_hash`` (``ALGORITHM:HEX``) hashes the JSON
(sorted keys) of ``[tool.pdm] source``, ``[project] dependencies``, the development groups (``[dependency-groups]``
merged with ``[tool.pdm.dev-dependencies]``), ``[project] optional-dependencies`` and ``requires-python``, and
``[tool.pdm] resolution``; a workspace root's (``[tool.pdm.workspace]``) hash also covers its members'. A project
that opts in to pdm's ``lock_inputs`` (``[tool.pdm.resolution] lock_inputs = true``) with a lock that does not
record them is stale, as for pdm. Two cases cannot be checked (``LockCheck``): a lock that records ``lock_inputs``
(pdm matches those against a resolution of the project's requirements), and a project without a ``[project]``
table (pdm hashes the metadata it converts from poetry's or flit's tables).
"""

from __future__ import annotations

import enum
import hashlib
import json
from pathlib import Path

from installdev.errors import ProjectError
from installdev.request.project.documents import parse_toml_file, read_lock_document
from installdev.request.project.model import Project


class LockCheck(enum.Enum):
    """Whether a pdm.lock was made from the project's pyproject.toml, as ``pdm install`` decides; the value says why."""

    FRESH = "its content_hash matches pyproject.toml"
    STALE = "its content_hash differs"
    INPUTS_MISSING = "the project sets [tool.pdm.resolution] lock_inputs = true, which the lock does not record"
    LOCK_INPUTS = "it records pdm's lock_inputs, which only pdm can match against the project"
    CONVERTED = "the project has no [project] table, and pdm hashes the metadata it converts from other tools' tables"

    @property
    def checked(self) -> bool:
        """Whether installdev could tell fresh from stale."""
        return self not in (LockCheck.LOCK_INPUTS, LockCheck.CONVERTED)


def lock_document(lock: Path) -> dict:
    """``lock`` parsed, once its ``[metadata] lock_version`` is 4.x. Raises ProjectError otherwise."""
    document = read_lock_document(lock)
    metadata = document.get("metadata")
    version = str(metadata.get("lock_version", "")) if isinstance(metadata, dict) else ""
    if not version:
        raise ProjectError(f"{lock} has no [metadata] lock_version: it is no pdm lock; regenerate it with `pdm lock`")
    if version.split(".")[0] != "4" or not isinstance(document.get("package", []), list):
        raise ProjectError(f"{lock} is lock_version {version}, which installdev does not read (it reads 4.x): "
                           "regenerate it with a current pdm (`pdm lock`)")
    return document


def tool_pdm(pyproject: dict) -> dict:
    tool = pyproject.get("tool")
    pdm = tool.get("pdm") if isinstance(tool, dict) else None
    return pdm if isinstance(pdm, dict) else {}


def resolution(pyproject: dict) -> dict:
    resolution = tool_pdm(pyproject).get("resolution", {})
    return resolution if isinstance(resolution, dict) else {}


def _project_hash(model: Project, algorithm: str) -> str:
    """pdm's ``PyProject.content_hash`` of one project."""
    pyproject = model.pyproject
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else {}
    development = {name: [entry for _, entry in entries] for name, entries in model.declarations.pdm_groups.items()}
    content = {
        "sources": tool_pdm(pyproject).get("source", []),
        "dependencies": project.get("dependencies", []),
        "dev-dependencies": development,
        "optional-dependencies": project.get("optional-dependencies", {}),
        "requires-python": project.get("requires-python", ""),
        "resolution": resolution(pyproject),
    }
    return hashlib.new(algorithm, json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def _workspace_members(directory: Path, pyproject: dict) -> list[Path]:
    """A pdm workspace root's members, as pdm finds them: each ``members`` entry a glob (when it has one of ``*?[``)
    or a path, matching directories holding pyproject.toml; sorted by their path relative to the root."""
    workspace = tool_pdm(pyproject).get("workspace")
    members = workspace.get("members", []) if isinstance(workspace, dict) else []
    root = directory.resolve()
    found: list[Path] = []
    for pattern in (member for member in members if isinstance(member, str)):
        paths = root.glob(pattern) if any(char in pattern for char in "*?[") else [root / pattern]
        for path in (path.resolve() for path in paths):
            if path not in found and path.is_dir() and (path / "pyproject.toml").is_file():
                found.append(path)
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def content_hash(project: Project, algorithm: str = "sha256") -> str:
    """The content_hash pdm writes into pdm.lock for this project's pyproject.toml (hex digest; a workspace root's
    covers each member's own hash too, in pdm's way). Raises ProjectError for a member whose pyproject.toml cannot be
    read."""
    own = _project_hash(project, algorithm)
    if not tool_pdm(project.pyproject).get("workspace"):
        return own
    hasher = hashlib.new(algorithm, own.encode("utf-8"))
    root = project.directory.resolve()
    for member in _workspace_members(project.directory, project.pyproject):
        member_project = Project.of(member, parse_toml_file(member / "pyproject.toml"))
        for part in (b"\0", member.relative_to(root).as_posix().encode("utf-8"), b"\0",
                     _project_hash(member_project, algorithm).encode("utf-8")):
            hasher.update(part)
    return hasher.hexdigest()


def check_lock(lock: Path, project: Project) -> LockCheck:
    """Whether ``lock`` was made from this pyproject.toml, as ``pdm install`` checks before installing. Raises
    ProjectError for a file that is no pdm lock of version 4.x."""
    metadata, pyproject = lock_document(lock)["metadata"], project.pyproject
    if "lock_inputs" in metadata:
        return LockCheck.LOCK_INPUTS
    if resolution(pyproject).get("lock_inputs") is True:
        return LockCheck.INPUTS_MISSING
    if not isinstance(pyproject.get("project"), dict):
        return LockCheck.CONVERTED
    algorithm, _, recorded = str(metadata.get("content_hash", "")).partition(":")
    if not recorded or algorithm not in hashlib.algorithms_available:
        return LockCheck.STALE
    return LockCheck.FRESH if content_hash(project, algorithm) == recorded else LockCheck.STALE
