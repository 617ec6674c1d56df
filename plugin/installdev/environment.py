"""The environment variables that can change a venv, named once: the copies flags and installdev's and virtualenv's own
variables (by prefix and suffix), and the installer variables that change what pip or uv installs.

Imports nothing: the quick up-to-date check reads it before anything else is loaded.
"""

FLAG_PREFIXES = ("INSTALLDEV_", "VIRTUALENV_")
COPIES_FLAG_SUFFIX = "_VENV_USE_COPIES"

# What changes what pip or uv installs (indexes, constraints, groups, resolution). Stamps and quick records keep
# only a digest of their values, so a changed index URL rebuilds without its credentials being written down.
INSTALL_VARIABLES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_CONSTRAINT", "PIP_BUILD_CONSTRAINT",
    "PIP_GROUP", "PIP_PRE", "PIP_ONLY_BINARY", "PIP_NO_BINARY", "PIP_UPGRADE_STRATEGY", "PIP_NO_BUILD_ISOLATION",
    "PIP_NO_DEPS", "PIP_CONFIG_FILE", "UV_CONFIG_FILE",
    "UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX", "UV_EXTRA_INDEX_URL", "UV_FIND_LINKS", "UV_NO_INDEX",
    "UV_CONSTRAINT", "UV_BUILD_CONSTRAINT", "UV_OVERRIDE", "UV_PRERELEASE", "UV_RESOLUTION", "UV_EXCLUDE_NEWER",
    "UV_INDEX_STRATEGY", "UV_NO_BUILD_ISOLATION",
)


def matters(name):
    """Whether the variable ``name`` can change a venv installdev builds."""
    return name.startswith(FLAG_PREFIXES) or name.endswith(COPIES_FLAG_SUFFIX) or name in INSTALL_VARIABLES


def relevant_variables(env):
    """The set variables that matter, sorted: ``[(name, value)]``."""
    return sorted((name, value) for name, value in env.items() if value and matters(name))


def install_variables(env):
    """The set INSTALL_VARIABLES, sorted: ``[(name, value)]``."""
    return sorted((name, env[name]) for name in INSTALL_VARIABLES if env.get(name))


def sha256_hex(data):
    """SHA-256 of ``data`` (bytes, or text as UTF-8) without hashlib's OpenSSL load where the builtin module exists (it
    costs ~4 ms)."""
    try:
        from _sha2 import sha256  # 3.12+
    except ImportError:
        try:
            from _sha256 import sha256
        except ImportError:
            from hashlib import sha256
    return sha256(data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")).hexdigest()


def digest(pairs):
    """One digest of ``[(name, value)]``; empty for none."""
    return sha256_hex("\0".join(f"{name}={value}" for name, value in pairs)) if pairs else ""
