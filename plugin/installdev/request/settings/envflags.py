"""Environment flags, parsed strictly, and what they ask for.

A flag value is one of ``1/true/yes/on`` or ``0/false/no/off`` (case-insensitive, trimmed); an
empty value counts as unset; anything else is a usage error naming the variable, because a typo
must never silently mean "false".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from installdev.errors import UsageError
from installdev.vocabulary import LinkMode

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_FLAG_PREFIX = "INSTALLDEV"
FLAG_PREFIX_VARIABLE = "INSTALLDEV_FLAG_PREFIX"
COPIES_FLAG_SUFFIX = "_VENV_USE_COPIES"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# virtualenv's own variables for its --copies/--symlinks options, with the mode a *true* value asks for.
# A false value asks for nothing: it means "virtualenv's default", which installdev decides itself.
_VIRTUALENV_MODE_VARIABLES = (
    ("VIRTUALENV_COPIES", LinkMode.COPIES),
    ("VIRTUALENV_ALWAYS_COPY", LinkMode.COPIES),
)
# VIRTUALENV_SYMLINKS=0 means copies to virtualenv; =1 is its default and asks for nothing.
_VIRTUALENV_SYMLINKS_VARIABLE = "VIRTUALENV_SYMLINKS"


def parse_flag(name: str, raw: str | None) -> bool | None:
    """Return True/False for a set flag, None for an unset or empty one; raise UsageError otherwise."""
    if raw is None:
        return None
    value = raw.strip().lower()
    if not value:
        return None
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise UsageError(
        f"{name}={raw!r} is not a yes/no value: use one of 1/true/yes/on or 0/false/no/off, or leave it empty"
    )


def validate_flag_prefix(prefix: str, origin: str) -> str:
    if not (prefix.isascii() and prefix[:1].isalpha() and prefix.upper() == prefix
            and prefix.replace("_", "").isalnum()):
        raise UsageError(
            f"flag prefix {prefix!r} from {origin} is not a valid variable prefix: use capitals, digits and '_', "
            "e.g. DATAHUB"
        )
    return prefix


def resolve_flag_prefix(cli_prefix: str | None, env: Mapping[str, str], config_prefix: str | None) -> str:
    """The prefix of ``<PREFIX>_VENV_USE_COPIES``: --flag-prefix, then $INSTALLDEV_FLAG_PREFIX, then the setting."""
    if cli_prefix:
        return validate_flag_prefix(cli_prefix, "--flag-prefix")
    env_prefix = env.get(FLAG_PREFIX_VARIABLE, "").strip()
    if env_prefix:
        return validate_flag_prefix(env_prefix, FLAG_PREFIX_VARIABLE)
    if config_prefix:
        return validate_flag_prefix(config_prefix, "[tool.installdev] flag-prefix")
    return DEFAULT_FLAG_PREFIX


class ModeRequest(NamedTuple):
    """What the user asked for: ``mode`` is a LinkMode, or None for an automatic decision.

    ``source`` names what asked (``--copies``, ``DATAHUB_VENV_USE_COPIES=true``) so the decision can say why.
    """

    mode: LinkMode | None
    source: str | None = None


AUTOMATIC = ModeRequest(None)


def copies_flag_names(prefix: str) -> list[str]:
    """The ``*_VENV_USE_COPIES`` variables read for ``prefix``, highest precedence first."""
    names = [prefix + COPIES_FLAG_SUFFIX]
    default_name = DEFAULT_FLAG_PREFIX + COPIES_FLAG_SUFFIX
    if default_name not in names:
        names.append(default_name)
    return names


def requested_mode(cli_mode: LinkMode | None, env: Mapping[str, str], prefix: str) -> ModeRequest:
    """Resolve the link mode asked for, by precedence.

    --copies/--symlinks > ``<PREFIX>_VENV_USE_COPIES`` > ``INSTALLDEV_VENV_USE_COPIES`` >
    ``VIRTUALENV_COPIES`` / ``VIRTUALENV_ALWAYS_COPY`` / ``VIRTUALENV_SYMLINKS=0`` > automatic.
    Every variable is parsed even when a higher one wins, so a typo anywhere is reported.
    """
    readings = [(name, parse_flag(name, env.get(name))) for name in copies_flag_names(prefix)]
    virtualenv_readings = [(name, parse_flag(name, env.get(name)), mode) for name, mode in _VIRTUALENV_MODE_VARIABLES]
    symlinks_value = parse_flag(_VIRTUALENV_SYMLINKS_VARIABLE, env.get(_VIRTUALENV_SYMLINKS_VARIABLE))

    if cli_mode:
        return ModeRequest(LinkMode(cli_mode), f"--{cli_mode}")
    for name, value in readings:
        if value is not None:
            return ModeRequest(LinkMode.COPIES if value else LinkMode.SYMLINKS, f"{name}={'true' if value else 'false'}")
    for name, value, mode in virtualenv_readings:
        if value:
            return ModeRequest(mode, f"{name}=true")
    if symlinks_value is False:
        return ModeRequest(LinkMode.COPIES, f"{_VIRTUALENV_SYMLINKS_VARIABLE}=false")
    return AUTOMATIC
