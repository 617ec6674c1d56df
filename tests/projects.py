"""Fixture projects of every shape real projects come in, written inside the test session.

Each writer makes a complete, buildable project in ``directory`` (one importable package named after the project)
and returns ``directory``. Their dependencies are the tiny tools of the session wheelhouse (``devtool``,
``testtool``, ``reqtool`` 1.0 and 2.0, see tests/conftest.py), and their build backends are the ones it holds, so
every project installs offline.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections.abc import Collection
from pathlib import Path


def _package(directory: Path, name: str) -> None:
    package = directory / "src" / name
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(f'"""The {name} fixture project."""\n\n__version__ = "0.1"\n')


def _pyproject(directory: Path, header: str, tables: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(textwrap.dedent(header) + textwrap.dedent(tables))
    return directory


def pep621_project(directory: Path, backend: str, name: str, tables: str = "", requires_python: str | None = None) -> Path:
    """A ``[project]`` project built by ``backend`` (flit, hatchling, pdm, poetry or setuptools), ``tables`` appended."""
    build_system = {
        "flit": ('["flit_core>=3.4"]', "flit_core.buildapi"),
        "hatchling": ('["hatchling"]', "hatchling.build"),
        "pdm": ('["pdm-backend"]', "pdm.backend"),
        "poetry": ('["poetry-core>=2"]', "poetry.core.masonry.api"),
        "setuptools": ('["setuptools>=64"]', "setuptools.build_meta"),
    }[backend]
    _package(directory, name)
    python_line = f'requires-python = "{requires_python}"' if requires_python else ""
    return _pyproject(directory, f"""\
        [build-system]
        requires = {build_system[0]}
        build-backend = "{build_system[1]}"

        [project]
        name = "{name}"
        version = "0.1"
        description = "A {backend} fixture project"
        {python_line}
        """, tables)


def poetry_project(directory: Path, name: str, tables: str) -> Path:
    """A classic poetry project (``[tool.poetry]`` metadata, no ``[project]`` table) built by poetry-core."""
    _package(directory, name)
    return _pyproject(directory, f"""\
        [build-system]
        requires = ["poetry-core>=1.0"]
        build-backend = "poetry.core.masonry.api"

        [tool.poetry]
        name = "{name}"
        version = "0.1"
        description = "A poetry fixture project"
        authors = ["Fixture <fixture@example.invalid>"]
        packages = [{{ include = "{name}", from = "src" }}]

        [tool.poetry.dependencies]
        python = "^3.9"
        """, tables)


def setup_py_project(directory: Path, name: str, extras_require: dict[str, list[str]]) -> Path:
    """A project with only a setup.py (no pyproject.toml): its extras are known only once it is built."""
    _package(directory, name)
    (directory / "setup.py").write_text(textwrap.dedent(f"""\
        from setuptools import find_packages, setup

        setup(
            name="{name}",
            version="0.1",
            package_dir={{"": "src"}},
            packages=find_packages("src"),
            extras_require={extras_require!r},
        )
        """))
    return directory


def build_recording_project(directory: Path, name: str) -> Path:
    """A setuptools project whose build writes the setuptools version it ran with to ``built-with.txt``.

    So a test can tell which backend version a build constraint made the installer use.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "setup.py").write_text(textwrap.dedent("""\
        from pathlib import Path

        import setuptools

        Path(__file__).with_name("built-with.txt").write_text(setuptools.__version__)
        setuptools.setup()
        """))
    return pep621_project(directory, "setuptools", name, """
        [tool.setuptools.packages.find]
        where = ["src"]
        """)

# A python -c script printing {distribution name (lowercase): version} of a venv, as JSON.
INSTALLED_VERSIONS = ("import json; from importlib import metadata; "
                      "print(json.dumps({d.metadata['Name'].lower(): d.version for d in metadata.distributions()}))")


def installed_versions(venv: Path, among: Collection[str]) -> dict[str, str]:
    """The distributions named ``among`` (lowercase) installed in ``venv``, with their versions."""
    completed = subprocess.run([str(venv / "bin" / "python"), "-c", INSTALLED_VERSIONS], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0, completed.stderr
    return {name: version for name, version in json.loads(completed.stdout).items() if name in among}
