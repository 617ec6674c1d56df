"""The project's own distribution name, as its metadata declares it statically.

Read from ``[project] name``, else a classic poetry project's ``[tool.poetry] name``, else setup.cfg's ``[metadata]
name``. A name that only a setup.py computes (``setup(name=...)``) or that is declared dynamic is not known: None.
"""

from __future__ import annotations

from pathlib import Path

from installdev.request.project.tables import normalize_name


def _table_name(pyproject: dict, *keys: str) -> str | None:
    table: object = pyproject
    for key in keys:
        table = table.get(key) if isinstance(table, dict) else None
    name = table.get("name") if isinstance(table, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _setup_cfg_name(directory: Path) -> str | None:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(directory / "setup.cfg", encoding="utf-8")
        name = parser.get("metadata", "name", fallback=None)
    except (configparser.Error, UnicodeDecodeError):
        return None
    return name.strip() if name and name.strip() and "attr:" not in name and "file:" not in name else None


def own_distribution_name(pyproject: dict, directory: Path) -> str | None:
    """The project's distribution name, normalized (PEP 503), or None when it declares none statically."""
    name = _table_name(pyproject, "project") or _table_name(pyproject, "tool", "poetry") or _setup_cfg_name(directory)
    return normalize_name(name.strip()) if name else None
