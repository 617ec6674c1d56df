"""One line naming what a project declares for development (extras, dependency groups, poetry groups, pdm dev groups,
requirement files, hatch environments), for the messages that say why nothing was chosen. It only lists names, so it
can describe a project whose declarations fail to resolve."""

from __future__ import annotations

from pathlib import Path

from installdev.errors import ProjectError
from installdev.request.project.conventions import CONVENTIONAL_REQUIREMENT_FILES
from installdev.request.project.documents import parse_toml
from installdev.request.project.input_file import read_input_file
from installdev.request.project.tables import DEV, listing, normalize_name


def _requirement_files(directory: Path) -> list[str]:
    found = {path.relative_to(directory).as_posix() for pattern in ("requirements*.txt", "requirements/*.txt")
             for path in directory.glob(pattern) if path.is_file()}
    found.update(name for name in CONVENTIONAL_REQUIREMENT_FILES if (directory / name).is_file())
    return sorted(found, key=lambda name: ("/" in name, name))




def declared_summary(pyproject: dict, directory: Path, extras: tuple[str, ...] | None, why_not_default: bool = False) -> str:
    """One line listing what the project declares: extras, dependency groups, poetry groups, pdm dev groups (of
    ``[tool.pdm.dev-dependencies]``), requirement files. ``why_not_default``: say after each why none of it is a
    default development set (for a project ``Declarations.dev_sources`` found none in: no extra is ``dev``, no dependency group
    is uv's default, every poetry group is optional, no requirement file has a conventional development name).

    ``extras``: the static extras (``static_extras``; None when the build decides). Tolerates malformed tables.
    """
    parts = []
    if extras is None:
        parts.append("extras: decided by the build")
    elif extras:
        parts.append(f"extras: {listing(extras)}" + (", none is dev" if why_not_default else ""))

    def names(table: object) -> list[str]:
        return list(dict.fromkeys(map(normalize_name, table))) if isinstance(table, dict) else []

    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    uv = tool.get("uv", {}) if isinstance(tool.get("uv"), dict) else {}
    groups = names(pyproject.get("dependency-groups"))
    if "dev-dependencies" in uv and DEV not in groups:
        groups.append(DEV)
    if groups:
        why = ", [tool.uv] default-groups is empty" if uv.get("default-groups") == [] else ", none is uv's default dev"
        parts.append(f"dependency groups: {listing(groups)}" + (why if why_not_default else ""))
    poetry = tool.get("poetry", {}) if isinstance(tool.get("poetry"), dict) else {}
    poetry_table = poetry.get("group", {}) if isinstance(poetry.get("group"), dict) else {}
    poetry_group_options = {normalize_name(name): isinstance(config, dict) and config.get("optional") is True
                     for name, config in poetry_table.items()}
    if poetry.get("dev-dependencies"):
        poetry_group_options.setdefault(DEV, False)
    if poetry_group_options:
        named = listing(name + (" (optional)" if optional else "") for name, optional in poetry_group_options.items())
        parts.append(f"poetry groups: {named}")
    pdm = tool.get("pdm", {}) if isinstance(tool.get("pdm"), dict) else {}
    pdm_names = names(pdm.get("dev-dependencies"))
    if pdm_names:
        parts.append(f"pdm dev groups: {listing(pdm_names)}")
    files = _requirement_files(directory)
    if files:
        why = ", none is a conventional development file" if why_not_default else ""
        parts.append(f"requirement files: {listing(files)}{why}")
    hatch = _hatch_environments(tool, directory)
    if hatch:
        why = ", the default one declares nothing to install" if why_not_default else ""
        parts.append(f"hatch environments: {listing(hatch)}{why}")
    return "; ".join(parts) or "no extras, dependency groups, poetry groups, pdm dev groups or requirement files"


def _hatch_environments(tool: dict, directory: Path) -> list[str]:
    """The names of hatch's environments (``[tool.hatch.envs]``, or ``[envs]`` in hatch.toml), for the summary only: what
    hatch installs in them (its internal ``hatch-test`` defaults, templates, matrices) is hatch's own."""
    hatch = tool.get("hatch", {}) if isinstance(tool.get("hatch"), dict) else {}
    envs = hatch.get("envs") if isinstance(hatch.get("envs"), dict) else {}
    try:
        hatch_toml = parse_toml(directory / "hatch.toml", read_input_file(directory / "hatch.toml"))
    except (OSError, ProjectError):
        hatch_toml = {}
    if isinstance(hatch_toml.get("envs"), dict):
        envs = {**envs, **hatch_toml["envs"]}
    return list(envs)
