"""The stamp type: round trip, validation of every field, and reading that never raises."""

from __future__ import annotations

import json

import pytest
from installdev.actions.stamp import STAMP_SCHEMA, InvalidStamp, Stamp, read_stamp, write_stamp
from installdev.vocabulary import LinkMode

VALID = Stamp(
    installdev="0.1.0", inputs={"python": "python3", "files": {"/p/pyproject.toml": ["ab" * 32, 10, 123]}},
    python_requested="python3", python_path="/usr/bin/python3", python_version="3.11.7", mode=LinkMode.COPIES,
    mode_reasons=("asked by --copies",), installer="uv", built_at="2026-11-23T10:00:00+0000",
)


def test_round_trip_through_json():
    document = json.loads(json.dumps(VALID.to_json()))
    assert document["schema"] == STAMP_SCHEMA
    assert document["decision"] == {"mode": "copies", "reasons": ["asked by --copies"]}
    assert Stamp.from_json(document) == VALID
    assert "need" not in document["base_python"]  # only a venv whose requirements needed more of Python records one


def test_the_python_need_round_trips_under_base_python():
    needing = VALID._replace(python_need=[["newtool", "1.0", ">=3.12"], ["sphinx", None, ">=3.11"]])
    document = json.loads(json.dumps(needing.to_json()))
    assert document["base_python"]["need"] == [["newtool", "1.0", ">=3.12"], ["sphinx", None, ">=3.11"]]
    assert Stamp.from_json(document) == needing


def _broken(change) -> dict:
    document = json.loads(json.dumps(VALID.to_json()))
    change(document)
    return document


MALFORMED = [
    ("not an object", lambda d: d.clear() or d.update({"x": 1}), "schema"),
    ("no schema", lambda d: d.pop("schema"), "schema is None"),
    ("future schema", lambda d: d.update(schema=2), "schema is 2"),
    ("inputs a string", lambda d: d.update(inputs="x"), "inputs is not a dict"),
    ("files missing", lambda d: d["inputs"].pop("files"), "inputs.files is missing"),
    ("file record short", lambda d: d["inputs"]["files"].update({"/x": ["ab", 1]}), "inputs.files['/x']"),
    ("file size a bool", lambda d: d["inputs"]["files"].update({"/x": ["ab", True, 1]}), "inputs.files['/x']"),
    ("decision missing", lambda d: d.pop("decision"), "decision is missing"),
    ("mode unknown", lambda d: d["decision"].update(mode="hardlinks"), "neither copies nor symlinks"),
    ("reasons not strings", lambda d: d["decision"].update(reasons=[1]), "decision.reasons"),
    ("python_version abc", lambda d: d.update(python_version="abc"), "'abc' is not a version"),
    ("python_version a number", lambda d: d.update(python_version=3.11), "python_version is not a str"),
    ("base path missing", lambda d: d["base_python"].pop("path"), "base_python.path is missing"),
    ("installer null", lambda d: d.update(installer=None), "installer is missing"),
    ("need a string", lambda d: d["base_python"].update(need=">=3.12"), "base_python.need is not a list"),
    ("need entry short", lambda d: d["base_python"].update(need=[["newtool", ">=3.12"]]), "base_python.need is not a list"),
]


@pytest.mark.parametrize(("case", "change", "fragment"), MALFORMED, ids=[case for case, _, _ in MALFORMED])
def test_malformed_stamps_are_rejected_with_the_field_named(case, change, fragment):
    with pytest.raises(InvalidStamp) as raised:
        Stamp.from_json(_broken(change))
    assert fragment in str(raised.value)


def test_a_top_level_list_is_not_a_stamp():
    with pytest.raises(InvalidStamp, match="not a JSON object"):
        Stamp.from_json([1, 2])


def test_reading_never_raises(tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    assert read_stamp(venv) == (None, None)
    stamp_file = venv / ".installdev-stamp.json"
    stamp_file.write_text("{not json")
    assert read_stamp(venv).problem == "the stamp is not valid JSON"
    stamp_file.write_text(json.dumps(_broken(lambda d: d.update(inputs="x"))))
    assert read_stamp(venv).problem == "the stamp is invalid: inputs is not a dict"
    stamp_file.unlink()
    stamp_file.mkdir()
    assert read_stamp(venv).problem.startswith("the stamp cannot be read: ")


def test_write_then_read(tmp_path):
    write_stamp(tmp_path, VALID)
    assert read_stamp(tmp_path).stamp == VALID
    assert [path.name for path in tmp_path.iterdir()] == [".installdev-stamp.json"]  # no temp file left


def _inputs(**changes) -> dict:
    return {"installdev": "0.1.0", "environment": {}, "mode": "symlinks", "files": {}, **changes}


@pytest.mark.parametrize(("recorded", "expected", "change"), [
    ({"PIP_INDEX_URL": "a" * 64}, {"PIP_INDEX_URL": "b" * 64, "UV_PRERELEASE": "c" * 64},
     "environment changed (PIP_INDEX_URL, UV_PRERELEASE)"),
    ({"PIP_PRE": "a" * 64}, {}, "environment changed (PIP_PRE)"),
    ("d" * 64, {"PIP_PRE": "a" * 64}, "environment changed (the installer variables; the previous build recorded no names)"),
    ("", {}, None),  # a stamp of before the names, and no variable set then or now
    ({"PIP_PRE": "a" * 64}, {"PIP_PRE": "a" * 64}, None),
], ids=["changed-and-set", "unset", "older-stamp", "older-stamp-none", "same"])
def test_an_environment_change_names_the_variables(recorded, expected, change):
    from installdev.actions.freshness import input_changes

    changes = input_changes(_inputs(environment=recorded), _inputs(environment=expected))
    assert changes == ([change] if change else [])
    assert not any("a" * 64 in text or "b" * 64 in text for text in changes)


def test_a_recorded_file_still_there_is_no_longer_an_input_and_a_missing_one_is_gone(tmp_path):
    from installdev.actions.freshness import input_changes

    kept = tmp_path / "extra.txt"
    kept.write_text("x\n")
    recorded = _inputs(files={str(kept): ["ab" * 32, 2, 1], str(tmp_path / "removed.txt"): ["cd" * 32, 2, 1]})
    assert input_changes(recorded, _inputs()) == [f"{kept} is no longer an input", f"{tmp_path / 'removed.txt'} is gone"]
