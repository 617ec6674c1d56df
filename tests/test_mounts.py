"""Mounts from /proc/self/mountinfo text: parsing (escapes, optional fields, super options), the mount holding a path,
and the nearest existing ancestor a probe runs in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from installdev.host.facts import Mount, existing_ancestor, mount_of, parse_mountinfo

# Real mountinfo lines (proc(5)): ID, parent ID, major:minor, root, mount point, mount options, optional fields,
# "-", filesystem type, source, super options.
ROOT_LINE = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro"
PROC_LINE = "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw"


def _mount(point: str, fstype: str = "tmpfs") -> Mount:
    return Mount(point, fstype, fstype)


def test_a_plain_line_gives_point_type_source_and_both_option_sets():
    assert parse_mountinfo(ROOT_LINE) == [
        Mount("/", "ext4", "/dev/sda1", frozenset({"rw", "relatime", "errors=remount-ro"})),
    ]


def test_optional_fields_before_the_separator_are_not_options():
    line = "36 35 98:0 /mnt1 /mnt/data rw,noatime shared:5 master:1 propagate_from:2 - ext3 /dev/root rw,errors=continue"
    (mount,) = parse_mountinfo(line)
    assert mount.mount_point == "/mnt/data"
    assert (mount.fstype, mount.source) == ("ext3", "/dev/root")
    assert mount.options == frozenset({"rw", "noatime", "errors=continue"})


def test_super_options_are_merged_with_the_mount_options():
    (mount,) = parse_mountinfo("40 22 0:40 / /mnt/ro ro,nosuid - tmpfs tmpfs rw,size=524288k,mode=755")
    assert mount.options == frozenset({"ro", "nosuid", "rw", "size=524288k", "mode=755"})


def test_a_line_without_super_options_keeps_the_mount_options():
    (mount,) = parse_mountinfo("41 22 0:41 / /mnt/x rw,noexec - fuse.sshfs host:/srv")
    assert (mount.fstype, mount.source) == ("fuse.sshfs", "host:/srv")
    assert mount.options == frozenset({"rw", "noexec"})


def test_octal_escapes_in_mount_point_and_source_are_decoded():
    text = r"50 22 0:50 / /mnt/my\040disk/tab\011here\134back rw - tmpfs none\040at\040all rw"
    (mount,) = parse_mountinfo(text)
    assert mount.mount_point == "/mnt/my disk/tab\there\\back"
    assert mount.source == "none at all"


def test_unescaped_non_ascii_mount_points_stay_as_they_are():
    # the kernel escapes only space, tab, newline and backslash; other bytes come through as UTF-8 text
    (mount,) = parse_mountinfo("51 22 0:51 / /mnt/été/日本 rw - tmpfs tmpfs rw")
    assert mount.mount_point == "/mnt/été/日本"


def test_lines_that_are_not_mount_records_are_skipped():
    text = "\n".join(["", "garbage", "1 2 3 4 5 - ext4", ROOT_LINE, "24 22 0:22 / /sys rw", PROC_LINE])
    assert [mount.mount_point for mount in parse_mountinfo(text)] == ["/", "/proc"]


def test_mounts_keep_the_order_of_the_file():
    text = "\n".join([ROOT_LINE, PROC_LINE, "60 22 0:60 / /home rw - xfs /dev/sdb1 rw"])
    assert [mount.mount_point for mount in parse_mountinfo(text)] == ["/", "/proc", "/home"]


MOUNTS = [_mount("/", "ext4"), _mount("/mnt"), _mount("/mnt/a", "xfs"), _mount("/mnt/a/b", "vfat")]


@pytest.mark.parametrize(("path", "expected"), [
    ("/mnt/a/b/c/venv", "/mnt/a/b"),
    ("/mnt/a/x", "/mnt/a"),
    ("/mnt/other", "/mnt"),
    ("/usr/lib", "/"),
])
def test_the_longest_mount_point_prefix_wins(path, expected):
    assert mount_of(path, MOUNTS).mount_point == expected


def test_the_longest_prefix_wins_whatever_the_listing_order():
    assert mount_of("/mnt/a/b/c", list(reversed(MOUNTS))).mount_point == "/mnt/a/b"


def test_a_path_equal_to_a_mount_point_is_on_that_mount():
    assert mount_of("/mnt/a", MOUNTS).fstype == "xfs"
    assert mount_of("/", MOUNTS).fstype == "ext4"


def test_a_path_outside_every_other_mount_falls_back_to_root():
    assert mount_of("/srv/project/venv", MOUNTS).mount_point == "/"


def test_no_root_mount_and_no_match_gives_none():
    assert mount_of("/srv/x", [_mount("/mnt"), _mount("/home")]) is None


def test_a_mount_point_is_no_prefix_of_a_longer_name():
    mounts = [_mount("/", "ext4"), _mount("/mnt/a", "xfs")]
    assert mount_of("/mnt/ab", mounts).fstype == "ext4"
    assert mount_of("/mnt/ab/venv", mounts).fstype == "ext4"
    assert mount_of("/mnt/a/b", mounts).fstype == "xfs"


def test_a_tie_goes_to_the_last_listed_mount():
    # mounting over a mount point hides the earlier mount: the later line is the one in effect
    first, second = Mount("/data", "ext4", "/dev/sdb1"), Mount("/data", "tmpfs", "tmpfs")
    assert mount_of("/data/venv", [_mount("/"), first, second]) is second
    assert mount_of("/data/venv", [_mount("/"), second, first]) is first


def test_mount_of_works_on_parsed_escaped_mount_points():
    mounts = parse_mountinfo("\n".join([ROOT_LINE, r"70 22 0:70 / /mnt/my\040disk rw - tmpfs tmpfs rw"]))
    assert mount_of("/mnt/my disk/venv", mounts).fstype == "tmpfs"
    assert mount_of("/mnt/my", mounts).fstype == "ext4"


def test_existing_ancestor_of_an_existing_directory_is_itself(tmp_path):
    assert existing_ancestor(tmp_path) == Path(os.path.realpath(tmp_path))


def test_existing_ancestor_walks_up_to_the_nearest_existing_parent(tmp_path):
    (tmp_path / "a").mkdir()
    assert existing_ancestor(tmp_path / "a" / "b" / "c" / "venv") == Path(os.path.realpath(tmp_path / "a"))


def test_existing_ancestor_resolves_symbolic_links(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert existing_ancestor(tmp_path / "link" / "missing" / "venv") == Path(os.path.realpath(tmp_path / "real"))


def test_existing_ancestor_skips_a_dangling_link(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert existing_ancestor(tmp_path / "dangling") == Path(os.path.realpath(tmp_path))


def test_existing_ancestor_of_a_relative_path_is_taken_from_the_cwd(tmp_path, monkeypatch):
    (tmp_path / "proj").mkdir()
    monkeypatch.chdir(tmp_path / "proj")
    assert existing_ancestor(Path("venv")) == Path(os.path.realpath(tmp_path / "proj"))
    assert existing_ancestor(Path("../missing/venv")) == Path(os.path.realpath(tmp_path))


def test_existing_ancestor_stops_at_the_root():
    missing = Path("/") / f"installdev-missing-{os.getpid()}" / "venv"
    assert not missing.parent.exists()
    assert existing_ancestor(missing) == Path("/")
