"""Reading pyproject.toml's declaration tables safely: name normalization, typed sub-tables whose errors name the
file, and the small list helpers the declaration readers share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from installdev.errors import ProjectError

DEV = "dev"


def normalize_name(name: str) -> str:
    """One rule (PEP 503/685/735) for extras, groups and distribution names: ``Dev_Tools`` and ``dev-tools`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_path(directory: Path) -> Path:
    return directory / "pyproject.toml"


def subtable(table: dict, key: str, label: str, directory: Path) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ProjectError(f"{pyproject_path(directory)}: {label} must be a table: fix its type")
    return value


def tool_table(pyproject: dict, name: str, directory: Path) -> dict:
    return subtable(subtable(pyproject, "tool", "[tool]", directory), name, f"[tool.{name}]", directory)


def cycle_text(chain: tuple[str, ...], name: str) -> str:
    return " -> ".join((*chain[chain.index(name):], name))


def deduplicated(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(lines))


def listing(names: Iterable[str]) -> str:
    return ", ".join(names)
