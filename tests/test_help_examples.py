"""The examples `installdev inputs --help` gives run as written, from the directory they name (gradle-example)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, run_installdev


def test_every_inputs_help_example_runs_from_gradle_example(tmp_path: Path, offline_env: dict[str, str]) -> None:
    example = tmp_path / "gradle-example"
    shutil.copytree(REPO / "gradle-example", example, ignore=shutil.ignore_patterns("venv", ".venv", ".gradle", "build"))
    helped = run_installdev(["inputs", "--help"], offline_env)
    text = helped.stdout
    assert "examples (from gradle-example/):" in text
    examples = [line.strip() for line in text.split("examples (from gradle-example/):")[1].split("\n\n")[0].splitlines()
                if line.strip().startswith("installdev inputs ")]
    assert len(examples) == 2
    for line in examples:
        ran = run_installdev(line.split()[1:], offline_env, cwd=example)
        assert ran.returncode == 0, f"{line}: {ran.stdout}{ran.stderr}"
    assert (example / "appdemo" / ".venv.mk").is_file()
