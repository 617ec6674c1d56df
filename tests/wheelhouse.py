"""Tiny projects and wheels made inside the test session, so no test ever needs a package index."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import textwrap
import zipfile
from pathlib import Path

import virtualenv


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(directory: Path, name: str, version: str = "1.0", requires: tuple[str, ...] = (),
                module_source: str | None = None, requires_python: str | None = None) -> Path:
    """Write a real, installable pure-Python wheel ``name-version`` with one module named ``name``; ``requires_python``
    is its METADATA's Requires-Python, which the installer checks against the venv's interpreter."""
    dist_info = f"{name}-{version}.dist-info"
    python_line = [f"Requires-Python: {requires_python}"] if requires_python else []
    metadata = "\n".join(
        ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *python_line,
         *(f"Requires-Dist: {r}" for r in requires)]
    ) + "\n"
    files = {
        f"{name}/__init__.py": (module_source or f"VERSION = {version!r}\n").encode(),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: installdev-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


def wheel_from_installed(directory: Path, name: str) -> Path:
    """Repack the installed pure-Python distribution ``name`` (e.g. pytest, from the test environment itself) into a
    wheel, so that example projects can declare real tools and still install offline. Scripts are left out: the
    installer regenerates them from entry_points.txt."""
    from importlib import metadata

    dist = metadata.distribution(name)
    root = Path(dist.locate_file(""))
    dist_info = next(path.parts[0] for path in map(Path, dist.files) if path.parts[0].endswith(".dist-info"))
    files = {}
    for relative in dist.files:
        posix = Path(relative).as_posix()
        if posix.startswith("..") or "__pycache__" in posix or posix.endswith(".pyc"):
            continue
        if posix in (f"{dist_info}/RECORD", f"{dist_info}/INSTALLER", f"{dist_info}/direct_url.json", f"{dist_info}/REQUESTED"):
            continue
        files[posix] = (root / relative).read_bytes()
    record = [_record_line(path, data) for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    wheel = directory / f"{re.sub(r'[-_.]+', '_', dist.metadata['Name']).lower()}-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


# pytest and what it needs on every Python this suite runs on; all pure Python
PYTEST_CLOSURE = ("pytest", "pluggy", "iniconfig", "packaging", "pygments", "exceptiongroup", "tomli")


def add_pytest(directory: Path) -> None:
    """Wheels of the pytest this test session runs on, and of its dependencies that are installed here."""
    from importlib import metadata

    for name in PYTEST_CLOSURE:
        try:
            wheel_from_installed(directory, name)
        except metadata.PackageNotFoundError:
            continue  # a backport this Python does not need


# The PEP 517 backends fixture projects are built with, and what they need beyond the pytest closure; all pure Python
BUILD_BACKENDS = ("flit_core", "hatchling", "editables", "pathspec", "trove-classifiers", "tomlkit", "pdm-backend", "poetry-core")


def add_build_backends(directory: Path) -> list[str]:
    """Wheels of the build backends installed here (the ``test`` extra); returns the names that are not installed."""
    from importlib import metadata

    missing = []
    for name in BUILD_BACKENDS:
        try:
            wheel_from_installed(directory, name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    return missing


def copy_build_backend(directory: Path) -> None:
    """setuptools, from virtualenv's bundled wheels: what pip's isolated build of an editable project needs."""
    embed = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    for wheel in embed.glob("setuptools-*.whl"):
        shutil.copy2(wheel, directory)


def write_project(directory: Path, name: str = "sampleproj", extras: dict[str, list[str]] | None = None,
                  tool_table: str = "", dependencies: tuple[str, ...] = ()) -> Path:
    """A setuptools project with a src layout, editable-installable offline."""
    extras = {"dev": ["devtool"]} if extras is None else extras
    package = directory / "src" / name
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("GREETING = 'hello'\n")
    extras_toml = "\n".join(f"{key} = {value!r}".replace("'", '"') for key, value in extras.items())
    deps = ", ".join(f'"{d}"' for d in dependencies)
    (directory / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "0.1"
        dependencies = [{deps}]

        [project.optional-dependencies]
        """) + extras_toml + "\n" + (f"\n[tool.installdev]\n{tool_table}\n" if tool_table else ""))
    return directory
