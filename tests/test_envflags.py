"""Strict flag parsing and the precedence of everything that asks for a link mode."""

from __future__ import annotations

import pytest
from installdev.errors import UsageError
from installdev.request.settings.envflags import ModeRequest, parse_flag, requested_mode, resolve_flag_prefix


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("On", True),
    ("0", False), ("false", False), ("No", False), ("off", False), (" OFF\n", False),
    ("", None), ("   ", None), (None, None),
])
def test_parse_flag_accepts_the_documented_words(raw, expected):
    assert parse_flag("X_VENV_USE_COPIES", raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "ture", "2", "y", "enable", "truee", "-1"])
def test_parse_flag_rejects_anything_else_naming_the_variable(raw):
    with pytest.raises(UsageError) as caught:
        parse_flag("DATAHUB_VENV_USE_COPIES", raw)
    assert "DATAHUB_VENV_USE_COPIES" in str(caught.value)
    assert "1/true/yes/on" in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(("cli_mode", "env", "prefix", "expected"), [
    # nothing set: automatic
    (None, {}, "INSTALLDEV", ModeRequest(None)),
    # the CLI beats every variable
    ("symlinks", {"INSTALLDEV_VENV_USE_COPIES": "true", "VIRTUALENV_COPIES": "1"}, "INSTALLDEV",
     ModeRequest("symlinks", "--symlinks")),
    ("copies", {"INSTALLDEV_VENV_USE_COPIES": "false"}, "INSTALLDEV", ModeRequest("copies", "--copies")),
    # the prefixed flag beats INSTALLDEV_VENV_USE_COPIES
    (None, {"DATAHUB_VENV_USE_COPIES": "true", "INSTALLDEV_VENV_USE_COPIES": "false"}, "DATAHUB",
     ModeRequest("copies", "DATAHUB_VENV_USE_COPIES=true")),
    (None, {"DATAHUB_VENV_USE_COPIES": "no", "INSTALLDEV_VENV_USE_COPIES": "yes"}, "DATAHUB",
     ModeRequest("symlinks", "DATAHUB_VENV_USE_COPIES=false")),
    # an empty prefixed flag is unset, so the next one decides
    (None, {"DATAHUB_VENV_USE_COPIES": " ", "INSTALLDEV_VENV_USE_COPIES": "on"}, "DATAHUB",
     ModeRequest("copies", "INSTALLDEV_VENV_USE_COPIES=true")),
    # a flag for another prefix is ignored
    (None, {"DATAHUB_VENV_USE_COPIES": "true"}, "INSTALLDEV", ModeRequest(None)),
    # INSTALLDEV flags beat virtualenv's variables; an explicit false overrides the automatic decision
    (None, {"INSTALLDEV_VENV_USE_COPIES": "0", "VIRTUALENV_COPIES": "1"}, "INSTALLDEV",
     ModeRequest("symlinks", "INSTALLDEV_VENV_USE_COPIES=false")),
    # virtualenv's own variables are honoured
    (None, {"VIRTUALENV_COPIES": "1"}, "INSTALLDEV", ModeRequest("copies", "VIRTUALENV_COPIES=true")),
    (None, {"VIRTUALENV_ALWAYS_COPY": "yes"}, "INSTALLDEV", ModeRequest("copies", "VIRTUALENV_ALWAYS_COPY=true")),
    (None, {"VIRTUALENV_SYMLINKS": "0"}, "INSTALLDEV", ModeRequest("copies", "VIRTUALENV_SYMLINKS=false")),
    # ... but their false values only mean "virtualenv's default", which installdev decides
    (None, {"VIRTUALENV_COPIES": "0", "VIRTUALENV_SYMLINKS": "1"}, "INSTALLDEV", ModeRequest(None)),
])
def test_precedence(cli_mode, env, prefix, expected):
    assert requested_mode(cli_mode, env, prefix) == expected


@pytest.mark.parametrize("env", [
    {"INSTALLDEV_VENV_USE_COPIES": "maybe"},
    {"VIRTUALENV_COPIES": "bogus"},
    {"VIRTUALENV_SYMLINKS": "nope"},
])
def test_a_typo_in_a_lower_precedence_flag_is_still_an_error(env):
    with pytest.raises(UsageError, match=next(iter(env))):
        requested_mode("copies", env, "INSTALLDEV")


@pytest.mark.parametrize(("cli", "env", "config", "expected"), [
    (None, {}, None, "INSTALLDEV"),
    (None, {}, "ACME", "ACME"),
    (None, {"INSTALLDEV_FLAG_PREFIX": "DATAHUB"}, "ACME", "DATAHUB"),
    ("CLI", {"INSTALLDEV_FLAG_PREFIX": "DATAHUB"}, "ACME", "CLI"),
    (None, {"INSTALLDEV_FLAG_PREFIX": ""}, None, "INSTALLDEV"),
])
def test_flag_prefix_precedence(cli, env, config, expected):
    assert resolve_flag_prefix(cli, env, config) == expected


@pytest.mark.parametrize("bad", ["datahub", "1ABC", "A-B", "A B"])
def test_bad_flag_prefix_is_a_usage_error(bad):
    with pytest.raises(UsageError, match="not a valid variable prefix"):
        resolve_flag_prefix(bad, {}, None)
