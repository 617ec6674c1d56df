"""How a venv is made: copies or symlinks, and by virtualenv or uv. Pure functions, facts in, decision and reasons out.

``decide_link_mode`` and ``choose_creator`` are the whole policy. They read no files and run nothing, so every rule is
unit-tested over a table of host facts, probe results and choices.
"""

from __future__ import annotations

from typing import NamedTuple

from installdev.errors import HostUnsupportedError, UsageError
from installdev.host.facts import HostFacts
from installdev.host.probe import ProbeResult
from installdev.request.settings.envflags import ModeRequest
from installdev.vocabulary import CreatorName, InstallerName, LinkMode

COPIES, SYMLINKS = LinkMode.COPIES, LinkMode.SYMLINKS


class Decision(NamedTuple):
    mode: LinkMode
    reasons: tuple[str, ...]
    # An automatic symlinks choice may be retried once with copies when the new venv fails its health check.
    copies_fallback: bool = False
    # The flag a user would set to get the other mode, for messages and `doctor`.
    override_hint: str = ""
    # The reasons that only name a host marker (a container, WSL): they shape the message, the probe decides.
    hints: tuple[str, ...] = ()

    def summary(self) -> str:
        """The mode and the reasons that decided it; the ``hints`` are a detail."""
        return f"{self.mode}: {'; '.join(reason for reason in self.reasons if reason not in self.hints)}"


def _where(facts: HostFacts, probe: ProbeResult) -> str:
    mount = f" ({facts.mount.describe()})" if facts.mount else ""
    return f"{probe.directory}{mount}"


def _hints(facts: HostFacts) -> list[str]:
    hints = []
    if facts.container:
        hints.append(f"container detected ({facts.container})")
    if facts.wsl:
        hints.append("WSL detected")
    return hints


def decide_link_mode(request: ModeRequest, facts: HostFacts, probe: ProbeResult, copies_flag: str) -> Decision:
    """Choose "copies" or "symlinks" for the venv's interpreter, or raise when no venv can live there.

    Rules, in order: an unwritable destination is an error; an explicit request wins unless the probe
    proves it cannot work; Windows gets copies; symlinks that fail or cannot be followed mean copies;
    copies that cannot execute (noexec) mean symlinks; neither working is an error; otherwise symlinks,
    with one retry in copies mode if the new venv fails its health check.
    ``copies_flag`` is the variable name to suggest (``<PREFIX>_VENV_USE_COPIES``).
    """
    where = _where(facts, probe)
    symlink_failure = (
        f"symlink() in {where} failed with {probe.symlink_error}" if probe.symlink_error else
        f"symlinks in {where} cannot be followed ({probe.follow_error})" if probe.follow_error else None
    )
    copies_failure = f"copied executables cannot run in {where} ({probe.exec_error})" if probe.exec_error else None
    elsewhere = "pass --venv with a directory on a local disk"

    if not probe.writable:
        raise HostUnsupportedError(f"cannot create a venv in {where}: it is not writable ({probe.write_error}); {elsewhere}")

    if request.mode:
        failure = symlink_failure if request.mode == SYMLINKS else copies_failure
        if failure:
            raise UsageError(f"{request.source} asks for {request.mode}, but {failure}: unset it, or {elsewhere}")
        return Decision(request.mode, (f"asked by {request.source}",))

    hints = _hints(facts)
    if symlink_failure and copies_failure:
        raise HostUnsupportedError(f"neither symlinks nor copies work: {symlink_failure}, and {copies_failure}; {elsewhere}")
    if facts.platform == "windows":
        return Decision(COPIES, ("Windows: symlinks need a privilege most accounts lack",),
                        override_hint=f"{copies_flag}=false")
    if symlink_failure:
        return Decision(COPIES, (symlink_failure, *hints), hints=tuple(hints))
    if copies_failure:
        return Decision(SYMLINKS, (copies_failure, *hints), hints=tuple(hints))
    hint = (f"{' and '.join(hints)}, but the probe decides",) if hints else ()
    return Decision(SYMLINKS, (f"symlinks work in {where}", *hint), copies_fallback=True,
                    override_hint=f"{copies_flag}=true", hints=hint)


class CreatorChoice(NamedTuple):
    name: CreatorName
    reason: str


def choose_creator(mode: LinkMode, installer: InstallerName | None, seed_pip: bool) -> CreatorChoice:
    """virtualenv makes the venv, except when uv installs into a symlinks venv without pip: then ``uv venv`` makes
    exactly the venv ``uv sync`` would make and keep, without virtualenv's start-up (about 0.2 s, most of a locked
    build's overhead). virtualenv keeps copies (uv venv has no such mode) and seeding pip (offline, from its wheels)."""
    if installer != InstallerName.UV:
        return CreatorChoice(CreatorName.VIRTUALENV, "pip installs")
    if mode != SYMLINKS:
        return CreatorChoice(CreatorName.VIRTUALENV, "the venv gets copies, which uv venv cannot make")
    if seed_pip:
        return CreatorChoice(CreatorName.VIRTUALENV, "pip is seeded (from virtualenv's wheels, offline)")
    return CreatorChoice(CreatorName.UV, "uv installs into a symlinks venv without pip: uv venv makes the venv uv sync "
                                         "would make, faster than virtualenv")
