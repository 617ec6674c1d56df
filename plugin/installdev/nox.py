"""nox sessions that follow installdev's policy: copies of the interpreter exactly where installdev would copy.

nox creates session venvs in its envdir (``.nox`` beside the noxfile, or ``--envdir``) with symlinks,
whatever the filesystem; on exFAT/FAT, CIFS, VirtualBox shares or WSL's Windows drives that fails. This
helper runs installdev's decision for the envdir (the same probe, host facts and flags as
``installdev install-dev``: ``--copies`` aside, ``<PREFIX>_VENV_USE_COPIES``,
``INSTALLDEV_VENV_USE_COPIES``, ``VIRTUALENV_COPIES``...) and applies it per backend:

- ``virtualenv`` (nox's default): ``VIRTUALENV_COPIES=1`` is exported, which nox's ``python -m virtualenv``
  reads (as do virtualenv runs inside the sessions);
- ``venv``: ``venv_params=["--copies"]``; refused where symlinks fail on Linux, because ``python -m venv
  --copies`` still creates the ``lib64 -> lib`` symlink there (CPython issue 98975);
- ``uv``: refused when copies are required (``uv venv`` always symlinks the interpreter on Unix); a
  fallback list such as ``"uv|virtualenv"`` drops ``uv`` instead.

Usage, in a noxfile (installdev importable: installed, or ``sys.path`` pointing at a vendored ``plugin/``)::

    import nox
    import installdev.nox

    installdev.nox.configure()          # decide once for nox's envdir; exports VIRTUALENV_COPIES=1 if copies

    @installdev.nox.session(python=["3.11", "3.12"])        # nox.session, with the right venv_params
    def tests(session): ...

    @nox.session(venv_backend="venv", venv_params=installdev.nox.venv_params("venv"))   # or by hand
    def docs(session): ...

A session that cannot follow the policy (uv where copies are required) fails with the reason when it
runs, while the other sessions run; ``configure()`` stops nox at once (exit 2) when the forced or default
backend is uv. ``describe()`` returns the decision as one line, for a session to log. nox does not
notice a changed mode on ``--reuse-venv``; delete the envdir after changing a flag.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installdev.errors import InstalldevError, UsageError
from installdev.vocabulary import LinkMode, Word

DEFAULT_ENVDIR = ".nox"


class NoxBackend(Word):
    """nox's names of the backends this helper knows (``venv_backend``, ``-db`` / ``-fb``; ``A|B`` is a fallback list)."""

    UV = "uv"
    VENV = "venv"
    VIRTUALENV = "virtualenv"


class CopiesUnsupportedError(UsageError):
    """The backend cannot create a copies venv where installdev's policy requires one."""


@dataclass(frozen=True)
class NoxDecision:
    """installdev's decision for the envdir."""

    envdir: Path
    mode: LinkMode
    reasons: tuple[str, ...]
    symlinks_fail: bool  # symlink() fails or cannot be followed there (not merely "copies were asked for")
    linux: bool

    @property
    def copies(self) -> bool:
        return self.mode == LinkMode.COPIES

    def summary(self) -> str:
        return f"installdev: nox venvs in {self.envdir} use {self.mode}: {'; '.join(self.reasons)}"


_decisions: dict[tuple[str, str | None], NoxDecision] = {}
_configured: NoxDecision | None = None


# --------------------------------------------------------------------------------------------------
# what nox was asked for: its command line (parsed by nox only after the noxfile loaded) and nox.options


def _argv_option(names: Sequence[str], argv: Sequence[str]) -> str | None:
    value = None
    for index, argument in enumerate(argv):
        if argument == "--":
            break
        for name in names:
            if argument == name and index + 1 < len(argv):
                value = argv[index + 1]
            elif name.startswith("--") and argument.startswith(name + "="):
                value = argument.split("=", 1)[1]
    return value


def nox_envdir(argv: Sequence[str] | None = None) -> Path:
    """nox's envdir as nox will use it: ``--envdir``, else ``nox.options.envdir``, else ``.nox``.

    A relative envdir is relative to the noxfile's directory, the working directory while nox loads
    the noxfile and runs sessions.
    """
    argv = sys.argv[1:] if argv is None else argv
    value = _argv_option(["--envdir"], argv)
    if value is None:
        try:
            import nox

            value = os.fspath(nox.options.envdir) if getattr(nox.options, "envdir", None) else None
        except ImportError:  # pragma: no cover - used from a noxfile, nox is there
            value = None
    return Path(os.path.abspath(value or DEFAULT_ENVDIR))


def nox_backends(session_backend: str | None = None, argv: Sequence[str] | None = None,
                 env: Mapping[str, str] | None = None) -> list[str]:
    """The backends nox will try for a session (its resolution order: forced, the session's, default)."""
    argv = sys.argv[1:] if argv is None else argv
    env = os.environ if env is None else env
    if "--no-venv" in argv:
        return ["none"]
    forced = _argv_option(["-fb", "--force-venv-backend"], argv)
    default = _argv_option(["-db", "--default-venv-backend"], argv) or env.get("NOX_DEFAULT_VENV_BACKEND")
    if not forced or not default:
        try:
            import nox

            forced = forced or getattr(nox.options, "force_venv_backend", None)
            default = default or getattr(nox.options, "default_venv_backend", None)
        except ImportError:  # pragma: no cover
            pass
    return (forced or session_backend or default or NoxBackend.VIRTUALENV).split("|")


# --------------------------------------------------------------------------------------------------
# the decision


def decide(envdir: str | os.PathLike[str] | None = None, *, flag_prefix: str | None = None,
           env: Mapping[str, str] | None = None) -> NoxDecision:
    """installdev's symlinks/copies decision for venvs in ``envdir`` (default: nox's envdir).

    Raises an InstalldevError (UsageError, HostUnsupportedError) when installdev would refuse: a bad
    flag value, a flag asking for a mode that cannot work there, or an envdir that cannot hold venvs.
    """
    from installdev.plan import plan_host
    from installdev.request.settings.envflags import requested_mode, resolve_flag_prefix

    env = os.environ if env is None else env
    location = Path(os.path.abspath(envdir)) if envdir is not None else nox_envdir()
    key = (str(location), flag_prefix)
    if key in _decisions and env is os.environ:
        return _decisions[key]
    prefix = resolve_flag_prefix(flag_prefix, env, None)
    host = plan_host(location / "session", requested_mode(None, env, prefix), prefix)
    if host.problem:
        raise host.problem.error
    result = NoxDecision(location, host.decision.mode, host.decision.reasons, not host.probe.symlinks_work,
                         host.facts.platform == "linux")
    if env is os.environ:
        _decisions[key] = result
    return result


def configure(envdir: str | os.PathLike[str] | None = None, *, flag_prefix: str | None = None) -> NoxDecision:
    """Decide for nox's envdir and export ``VIRTUALENV_COPIES=1`` when copies are required. Call it at the top.

    Stops nox with exit status 2 and a one-line reason when the decision is impossible (see ``decide``), or
    when copies are required and the forced or default backend is uv alone; a default of ``"uv|virtualenv"``
    becomes ``"virtualenv"``.
    """
    global _configured
    try:
        decision = decide(envdir, flag_prefix=flag_prefix)
        if decision.copies:
            os.environ["VIRTUALENV_COPIES"] = "1"
            _drop_uv_from_defaults(decision)
    except InstalldevError as error:
        sys.stderr.write(f"installdev: error: {error}\n")
        raise SystemExit(int(error.exit_code)) from None
    _configured = decision
    return decision


def _drop_uv_from_defaults(decision: NoxDecision) -> None:
    import nox

    for attribute in ("default_venv_backend", "force_venv_backend"):
        value = getattr(nox.options, attribute, None)
        if value and NoxBackend.UV in value.split("|") and value != NoxBackend.UV:
            setattr(nox.options, attribute, "|".join(item for item in value.split("|") if item != NoxBackend.UV))
    backends = nox_backends(None)
    forced = (_argv_option(["-fb", "--force-venv-backend"], sys.argv[1:]) or "").split("|")
    if backends == [NoxBackend.UV] or forced == [NoxBackend.UV]:
        raise CopiesUnsupportedError(_uv_message(decision))


def _current(decision: NoxDecision | None) -> NoxDecision:
    return decision or _configured or decide()


def _uv_message(decision: NoxDecision) -> str:
    return (f"nox's uv backend cannot make the copies venvs required in {decision.envdir} "
            f"({'; '.join(decision.reasons)}): `uv venv` always symlinks the interpreter. Use venv_backend=\"virtualenv\" "
            "(or \"uv|virtualenv\"), or pass --envdir on a local disk")


def _venv_message(decision: NoxDecision) -> str:
    return (f"nox's venv backend cannot make venvs in {decision.envdir} ({'; '.join(decision.reasons)}): "
            "`python -m venv --copies` still creates a lib64 -> lib symlink on Linux. Use venv_backend=\"virtualenv\", "
            "or pass --envdir on a local disk")


def check_backend(backend: str, decision: NoxDecision | None = None) -> None:
    """Raise CopiesUnsupportedError when ``backend`` cannot follow the decision."""
    decision = _current(decision)
    if backend == NoxBackend.UV and decision.copies:
        raise CopiesUnsupportedError(_uv_message(decision))
    if backend == NoxBackend.VENV and decision.copies and decision.symlinks_fail and decision.linux:
        raise CopiesUnsupportedError(_venv_message(decision))


def venv_params(backend: str = NoxBackend.VIRTUALENV, decision: NoxDecision | None = None) -> list[str]:
    """The ``venv_params`` for a session on ``backend`` that follow the decision (raises CopiesUnsupportedError)."""
    decision = _current(decision)
    check_backend(backend, decision)
    if decision.copies and backend in (NoxBackend.VIRTUALENV, NoxBackend.VENV):
        return ["--copies"]
    return []


def pick_backend(backend: str | None, decision: NoxDecision | None = None) -> str | None:
    """``backend`` without ``uv`` in a fallback list (``"uv|virtualenv"``) when copies are required."""
    decision = _current(decision)
    if backend and "|" in backend and decision.copies:
        kept = [item for item in backend.split("|") if item != NoxBackend.UV]
        return "|".join(kept) or backend
    return backend


def session(*args: Any, **kwargs: Any) -> Any:
    """``nox.session`` with the policy applied: ``venv_params`` added, uv dropped from fallbacks.

    A session whose backend cannot follow the policy (uv or, where symlinks fail on Linux, venv, when
    copies are required) is registered without a venv and fails with the reason when it runs.
    """
    import nox

    if args and callable(args[0]) and len(args) == 1 and not kwargs:
        return session()(args[0])

    def decorate(func: Callable[..., Any]) -> Any:
        decision = _current(None)
        chosen = pick_backend(kwargs.get("venv_backend"), decision)
        backend = nox_backends(chosen)[0]
        options = dict(kwargs)
        if chosen is not None:
            options["venv_backend"] = chosen
        try:
            extra = venv_params(backend, decision)
        except CopiesUnsupportedError as error:
            message = f"installdev: {error}"

            @functools.wraps(func)
            def refused(nox_session: Any) -> None:
                nox_session.error(message)

            options["venv_backend"] = "none"
            options.pop("venv_params", None)
            return nox.session(*args, **options)(refused)
        user_params = list(options.get("venv_params") or ())
        options["venv_params"] = [*extra, *(param for param in user_params if param not in extra)]
        return nox.session(*args, **options)(func)

    return decorate


def describe(decision: NoxDecision | None = None) -> str:
    """One line saying which mode nox venvs get and why (for ``session.log``)."""
    return _current(decision).summary()
