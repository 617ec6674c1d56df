"""The quick up-to-date record: round trip in a private cache, validity by stat alone, the records it must ignore, and
the invocation key (what changes it, what does not, and that it holds no variable's raw value)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostfixtures import NOBODY, require_root
from installdev import quickcheck
from installdev.quickcheck import invocation_key, read_record, still_valid, write_record

SECRET = "s3cr3t-token"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    directory = tmp_path / "proj"
    directory.mkdir()
    (directory / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (directory / "venv").mkdir()
    (directory / "python").symlink_to(directory / "pyproject.toml")
    return {"pyproject": directory / "pyproject.toml", "link": directory / "python", "venv": directory / "venv",
            "absent": directory / "setup.py"}


def _key(name: str = "a") -> tuple:
    return ("/work/proj", ("installdev", "install-dev", name), "/usr/bin/python3", "")


def _write(key: tuple, inputs: dict[str, Path], env: dict[str, str]) -> None:
    present = [(inputs["pyproject"], True), (inputs["link"], False)]
    write_record(key, present, [inputs["absent"]], {"REQS_ROOT"}, "venv is up to date", inputs["venv"], env)


def _record_files(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["XDG_CACHE_HOME"]) / "installdev" / "quick").iterdir())


def test_a_written_record_reads_back_and_is_valid(inputs, env):
    _write(_key(), inputs, env)
    record = read_record(_key(), env)
    assert record is not None
    assert (record["key"], record["message"], record["venv"]) == (_key(), "venv is up to date", str(inputs["venv"]))
    assert record["absent"] == [str(inputs["absent"])]
    assert [(path, follow) for path, follow, _ in record["present"]] == [
        (str(inputs["pyproject"]), True), (str(inputs["link"]), False)]
    assert still_valid(record, env)


def test_the_record_lives_in_the_xdg_cache_in_a_private_directory(inputs, env):
    _write(_key(), inputs, env)
    (record_file,) = _record_files(env)
    assert not record_file.parent.stat().st_mode & 0o077
    assert not record_file.stat().st_mode & 0o022


def test_a_changed_content_invalidates(inputs, env):
    _write(_key(), inputs, env)
    inputs["pyproject"].write_text("[project]\nname = 'demo'\nversion = '2'\n")
    assert not still_valid(read_record(_key(), env), env)


def test_a_changed_mtime_alone_invalidates(inputs, env):
    _write(_key(), inputs, env)
    status = inputs["pyproject"].stat()
    os.utime(inputs["pyproject"], ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    assert not still_valid(read_record(_key(), env), env)


def test_a_replaced_file_with_the_same_size_and_mtime_invalidates(inputs, env):
    _write(_key(), inputs, env)
    status = inputs["pyproject"].stat()
    replacement = inputs["pyproject"].with_name("new.toml")
    replacement.write_text(inputs["pyproject"].read_text())
    os.utime(replacement, ns=(status.st_atime_ns, status.st_mtime_ns))
    os.replace(replacement, inputs["pyproject"])  # a new inode
    assert not still_valid(read_record(_key(), env), env)


def test_a_retargeted_link_invalidates_what_was_recorded_without_following(inputs, env):
    _write(_key(), inputs, env)
    inputs["link"].unlink()
    inputs["link"].symlink_to(inputs["venv"])
    assert not still_valid(read_record(_key(), env), env)


def test_an_absent_path_that_appears_invalidates(inputs, env):
    _write(_key(), inputs, env)
    inputs["absent"].write_text("from setuptools import setup\n")
    assert not still_valid(read_record(_key(), env), env)


def test_an_absent_path_that_appears_as_a_dangling_link_invalidates(inputs, env):
    _write(_key(), inputs, env)
    inputs["absent"].symlink_to(inputs["absent"].with_name("nowhere"))
    assert not still_valid(read_record(_key(), env), env)


def test_a_present_file_that_disappears_invalidates(inputs, env):
    _write(_key(), inputs, env)
    inputs["pyproject"].unlink()
    assert not still_valid(read_record(_key(), env), env)


@pytest.mark.parametrize("record", [{}, {"present": 3, "absent": []}, {"present": [("/x",)], "absent": []}])
def test_a_malformed_record_is_not_valid(record):
    assert still_valid(record, env) is False


def test_a_record_of_another_key_is_not_returned(inputs, env):
    _write(_key("a"), inputs, env)
    assert read_record(_key("b"), env) is None


def test_a_record_file_holding_another_keys_record_is_ignored(inputs, env):
    _write(_key("a"), inputs, env)
    (file_a,) = _record_files(env)
    _write(_key("b"), inputs, env)
    (file_b,) = [path for path in _record_files(env) if path != file_a]
    assert read_record(_key("b"), env) is not None
    file_b.write_bytes(file_a.read_bytes())
    assert read_record(_key("b"), env) is None
    assert read_record(_key("a"), env)["key"] == _key("a")


def test_a_record_of_another_installdev_version_is_ignored(inputs, env, monkeypatch):
    _write(_key(), inputs, env)
    monkeypatch.setattr(quickcheck, "__version__", "999.0")
    assert read_record(_key(), env) is None


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_record_others_can_write_is_ignored(inputs, env, mode):
    _write(_key(), inputs, env)
    (record_file,) = _record_files(env)
    record_file.chmod(mode)
    assert read_record(_key(), env) is None


def test_a_record_of_another_user_is_ignored(inputs, env):
    require_root("giving the record file to another user")
    _write(_key(), inputs, env)
    (record_file,) = _record_files(env)
    os.chown(record_file, NOBODY, NOBODY)
    assert read_record(_key(), env) is None


@pytest.mark.parametrize("content", [b"", b"garbage\x00\xff", b"\xe9" + b"x" * 20])
def test_a_corrupt_record_file_is_ignored(inputs, env, content):
    _write(_key(), inputs, env)
    (record_file,) = _record_files(env)
    record_file.write_bytes(content)
    assert read_record(_key(), env) is None


def test_a_missing_record_is_none(env):
    assert read_record(_key(), env) is None


def test_a_record_that_is_a_symlink_is_ignored(inputs, env, tmp_path):
    _write(_key(), inputs, env)
    (record_file,) = _record_files(env)
    moved = tmp_path / "elsewhere"
    os.replace(record_file, moved)
    record_file.symlink_to(moved)
    assert read_record(_key(), env) is None


def test_an_unwritable_cache_costs_only_the_record(inputs, tmp_path):
    (tmp_path / "file").write_text("")
    env = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "file")}
    _write(_key(), inputs, env)
    assert read_record(_key(), env) is None


BASE_ENV = {"PATH": "/usr/bin", "HOME": "/home/u"}


def test_the_key_is_stable_for_the_same_invocation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invocation_key(["install-dev", "."], dict(BASE_ENV)) == invocation_key(["install-dev", "."], dict(BASE_ENV))


def test_the_key_changes_with_the_arguments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invocation_key(["install-dev", "."], BASE_ENV) != invocation_key(["install-dev", ".", "--copies"], BASE_ENV)


def test_the_key_changes_with_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    in_a = invocation_key(["install-dev", "."], BASE_ENV)
    monkeypatch.chdir(tmp_path / "b")
    assert invocation_key(["install-dev", "."], BASE_ENV) != in_a


@pytest.mark.parametrize(("name", "value"), [
    ("INSTALLDEV_VENV_USE_COPIES", "1"),
    ("DATAHUB_VENV_USE_COPIES", "yes"),
    ("VIRTUALENV_COPIES", "1"),
    ("PIP_INDEX_URL", f"https://user:{SECRET}@pypi.example/simple"),
    ("UV_INDEX_URL", "https://pypi.example/simple"),
])
def test_the_key_changes_with_a_relevant_variable(tmp_path, monkeypatch, name, value):
    monkeypatch.chdir(tmp_path)
    assert invocation_key(["install-dev"], {**BASE_ENV, name: value}) != invocation_key(["install-dev"], BASE_ENV)


def test_the_key_changes_with_a_relevant_variables_value(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one = invocation_key(["install-dev"], {**BASE_ENV, "PIP_INDEX_URL": "https://a.example/simple"})
    assert invocation_key(["install-dev"], {**BASE_ENV, "PIP_INDEX_URL": "https://b.example/simple"}) != one


@pytest.mark.parametrize(("name", "value"), [("EDITOR", "vim"), ("TERM", "xterm"), ("INSTALLDEV_VENV_USE_COPIES", "")])
def test_the_key_ignores_an_irrelevant_or_empty_variable(tmp_path, monkeypatch, name, value):
    monkeypatch.chdir(tmp_path)
    assert invocation_key(["install-dev"], {**BASE_ENV, name: value}) == invocation_key(["install-dev"], BASE_ENV)


def test_the_key_and_the_record_never_hold_an_index_urls_raw_value(tmp_path, monkeypatch, inputs, env):
    monkeypatch.chdir(tmp_path)
    url = f"https://user:{SECRET}@pypi.example/simple"
    key = invocation_key(["install-dev"], {**BASE_ENV, "PIP_INDEX_URL": url})
    assert SECRET not in repr(key)
    assert "pypi.example" not in repr(key)
    _write(key, inputs, env)
    (record_file,) = _record_files(env)
    assert SECRET.encode() not in record_file.read_bytes()
    assert read_record(key, env)["key"] == key


def test_a_variable_the_requirement_files_name_invalidates_the_record_when_it_changes(inputs, env):
    _write(_key(), inputs, {**env, "REQS_ROOT": "/here"})
    record = read_record(_key(), env)
    assert still_valid(record, {**env, "REQS_ROOT": "/here"})
    assert not still_valid(record, {**env, "REQS_ROOT": "/elsewhere"})
    assert not still_valid(record, env)  # unset
