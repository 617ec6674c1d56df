"""This machine's real CPythons from pyenv, and the trees that show installdev's finder only some of them: a
``PYENV_ROOT`` whose ``versions`` link to real pyenv versions, a shim directory, a PATH of tool stubs."""

from __future__ import annotations

import os
from pathlib import Path

from hostfixtures import require_host

PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"


def _release(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.parent.name.split(".") if part.isdigit())


def real_python(minor: str) -> Path:
    """This machine's newest CPython ``minor`` (e.g. "3.12") from pyenv; missing: fails under CI=true, else skips."""
    matches = sorted(PYENV_VERSIONS.glob(f"{minor}.*/bin/python{minor}"), key=_release)
    require_host(bool(matches), f"no CPython {minor} under {PYENV_VERSIONS}: install it with pyenv install {minor}")
    return matches[-1]


def pyenv_root(directory: Path, *minors: str) -> Path:
    """A PYENV_ROOT at ``directory`` whose ``versions`` are links to the real pyenv versions ``minors`` (only those)."""
    versions = directory / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    for minor in minors:
        version_directory = real_python(minor).parent.parent
        (versions / version_directory.name).symlink_to(version_directory)
    return directory


def tree_python(root: Path, minor: str) -> Path:
    """The interpreter of ``minor`` inside the tree made by :func:`pyenv_root`, by the path the finder reports."""
    return root / "versions" / real_python(minor).parent.parent.name / "bin" / f"python{minor}"


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def broken_shim(root: Path, name: str) -> Path:
    """``ROOT/shims/NAME`` as pyenv's shim behaves when the selected version has no such executable."""
    return executable(root / "shims" / name, f'#!/bin/sh\necho "pyenv: {name}: command not found" >&2\nexit 127\n')


def tool_stubs(directory: Path, *tools: str) -> Path:
    """A PATH directory holding stubs of ``tools`` (``pyenv``, ``uv``): installdev only looks them up to name them."""
    directory.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        executable(directory / tool, "#!/bin/sh\nexit 0\n")
    return directory


def finder_env(base: dict[str, str], tmp_path: Path, root: Path, *path_entries: Path) -> dict[str, str]:
    """``base`` with the finder shown only ``root``'s pyenv versions and ``path_entries`` on PATH (no uv-managed
    Pythons: an empty UV_PYTHON_INSTALL_DIR)."""
    (tmp_path / "no-uv-pythons").mkdir(exist_ok=True)
    return {**base, "PATH": os.pathsep.join(map(str, path_entries)), "PYENV_ROOT": str(root),
            "UV_PYTHON_INSTALL_DIR": str(tmp_path / "no-uv-pythons")}
