"""The decision table: host facts and probe results in, mode and reasons out (pure logic, no I/O)."""

from __future__ import annotations

import pytest
from installdev.errors import HostUnsupportedError, UsageError
from installdev.host.facts import HostFacts, Mount
from installdev.host.probe import ProbeResult
from installdev.policy import choose_creator, decide_link_mode
from installdev.request.settings.envflags import ModeRequest
from installdev.vocabulary import CreatorName, InstallerName, LinkMode

AUTO = ModeRequest(None)
FLAG = "INSTALLDEV_VENV_USE_COPIES"


def linux(fstype: str = "ext4", mount_point: str = "/", options: frozenset[str] = frozenset(), **facts) -> HostFacts:
    return HostFacts(platform="linux", mount=Mount(mount_point, fstype, "dev", options), **facts)


def probe(**errors) -> ProbeResult:
    return ProbeResult("/work/proj", **errors)


@pytest.mark.parametrize(("facts", "result", "mode", "reason_fragments"), [
    (linux(), probe(), "symlinks", ["symlinks work in /work/proj (ext4 mount at /)"]),
    (HostFacts(platform="windows"), probe(), "copies", ["Windows"]),
    (HostFacts(platform="windows"), probe(symlink_error="WinError 1314"), "copies", ["Windows"]),
    (HostFacts(platform="darwin"), probe(), "symlinks", ["symlinks work in /work/proj"]),
    # WSL: the Windows drive fails the probe, the Linux side does not
    (linux("9p", "/mnt/c", wsl=True), probe(symlink_error="EPERM"), "copies",
     ["symlink() in /work/proj (9p mount at /mnt/c) failed with EPERM", "WSL detected"]),
    (linux(wsl=True), probe(), "symlinks", ["WSL detected, but the probe decides"]),
    (linux("cifs", "/mnt/share"), probe(symlink_error="EOPNOTSUPP"), "copies",
     ["symlink() in /work/proj (cifs mount at /mnt/share) failed with EOPNOTSUPP"]),
    (linux("vboxsf", "/media/sf_x"), probe(symlink_error="EPROTO"), "copies", ["failed with EPROTO"]),
    (linux("fuseblk", "/mnt/usb"), probe(symlink_error="ENOSYS"), "copies", ["failed with ENOSYS"]),
    (linux("vfat", "/boot/efi"), probe(symlink_error="EPERM"), "copies", ["vfat mount"]),
    # a container is only a hint: a working probe keeps symlinks
    (linux("overlay", container="docker"), probe(), "symlinks", ["container detected (docker), but the probe decides"]),
    (linux("overlay", container="kubernetes"), probe(symlink_error="EPERM"), "copies",
     ["failed with EPERM", "container detected (kubernetes)"]),
    # nosymfollow: links are made but cannot be followed
    (linux("tmpfs", "/mnt/t", frozenset({"nosymfollow"})), probe(follow_error="ELOOP"), "copies",
     ["cannot be followed (ELOOP)"]),
    # noexec: copied binaries cannot run, symlinks to the base can
    (linux("tmpfs", "/mnt/t", frozenset({"noexec"})), probe(exec_error="EACCES"), "symlinks",
     ["copied executables cannot run in /work/proj (tmpfs mount at /mnt/t) (EACCES)"]),
])
def test_automatic_decision(facts, result, mode, reason_fragments):
    decision = decide_link_mode(AUTO, facts, result, FLAG)
    assert decision.mode == mode
    text = "; ".join(decision.reasons)
    for fragment in reason_fragments:
        assert fragment in text


def test_only_an_automatic_symlinks_choice_may_fall_back_to_copies():
    assert decide_link_mode(AUTO, linux(), probe(), FLAG).copies_fallback
    assert decide_link_mode(AUTO, linux(), probe(), FLAG).override_hint == f"{FLAG}=true"
    assert not decide_link_mode(ModeRequest("symlinks", "--symlinks"), linux(), probe(), FLAG).copies_fallback
    assert not decide_link_mode(AUTO, linux(), probe(symlink_error="ENOSYS"), FLAG).copies_fallback


@pytest.mark.parametrize(("request_", "result"), [
    (ModeRequest("copies", "DATAHUB_VENV_USE_COPIES=true"), probe()),
    (ModeRequest("symlinks", "INSTALLDEV_VENV_USE_COPIES=false"), probe(exec_error="EACCES")),
    (ModeRequest("copies", "--copies"), probe(symlink_error="ENOSYS")),
])
def test_an_explicit_request_wins_where_it_can_work(request_, result):
    decision = decide_link_mode(request_, linux(), result, FLAG)
    assert decision.mode == request_.mode
    assert decision.reasons == (f"asked by {request_.source}",)


@pytest.mark.parametrize(("request_", "result", "fragment"), [
    (ModeRequest("symlinks", "--symlinks"), probe(symlink_error="ENOSYS"), "failed with ENOSYS"),
    (ModeRequest("copies", "VIRTUALENV_COPIES=true"), probe(exec_error="EACCES"), "cannot run"),
])
def test_an_explicit_request_the_probe_disproves_is_refused_with_the_way_out(request_, result, fragment):
    with pytest.raises(UsageError) as caught:
        decide_link_mode(request_, linux(), result, FLAG)
    assert request_.source in str(caught.value) and fragment in str(caught.value)


def test_read_only_destination_is_an_error_before_anything_else():
    with pytest.raises(HostUnsupportedError, match=r"not writable \(EROFS\).*--venv"):
        decide_link_mode(ModeRequest("copies", "--copies"), linux("ext4", "/ro", frozenset({"ro"})),
                         probe(write_error="EROFS"), FLAG)


def test_neither_mode_working_is_an_error_naming_both_failures():
    with pytest.raises(HostUnsupportedError) as caught:
        decide_link_mode(AUTO, linux("fuse", "/mnt/fat"), probe(symlink_error="ENOSYS", exec_error="ENOSYS"), FLAG)
    message = str(caught.value)
    assert "failed with ENOSYS" in message and "cannot run" in message and "fuse mount at /mnt/fat" in message


@pytest.mark.parametrize(("mode", "installer", "seed_pip", "creator", "fragment"), [
    (LinkMode.SYMLINKS, InstallerName.UV, False, CreatorName.UV, "uv venv makes the venv uv sync would make"),
    (LinkMode.COPIES, InstallerName.UV, False, CreatorName.VIRTUALENV, "copies, which uv venv cannot make"),
    (LinkMode.SYMLINKS, InstallerName.UV, True, CreatorName.VIRTUALENV, "pip is seeded"),
    (LinkMode.SYMLINKS, InstallerName.PIP, True, CreatorName.VIRTUALENV, "pip installs"),
    (LinkMode.COPIES, InstallerName.PIP, False, CreatorName.VIRTUALENV, "pip installs"),
    (LinkMode.SYMLINKS, None, False, CreatorName.VIRTUALENV, "pip installs"),
])
def test_uv_makes_only_symlinks_venvs_without_pip_that_uv_fills(mode, installer, seed_pip, creator, fragment):
    choice = choose_creator(mode, installer, seed_pip)
    assert choice.name == creator and fragment in choice.reason
