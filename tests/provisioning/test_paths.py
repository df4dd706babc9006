from __future__ import annotations

import os
from pathlib import Path

import pytest

from autoprov.provisioning.paths import BadPath, confine, request_segments


@pytest.mark.parametrize(
    ("raw", "segments"),
    [
        ("/000000000000.cfg", ("000000000000.cfg",)),
        ("000000000000.cfg", ("000000000000.cfg",)),
        ("/logs/0004f2aabbcc-app.log", ("logs", "0004f2aabbcc-app.log")),
        ("/", ()),
        ("", ()),
        ("/3111-46162-001.sip.ld", ("3111-46162-001.sip.ld",)),
    ],
)
def test_plain_paths(raw: str, segments: tuple[str, ...]) -> None:
    assert request_segments(raw, percent_encoded=True) == segments
    assert request_segments(raw, percent_encoded=False) == segments


def test_only_http_paths_are_percent_decoded() -> None:
    assert request_segments("/site%2Ecfg", percent_encoded=True) == ("site.cfg",)
    assert request_segments("/site%2Ecfg", percent_encoded=False) == ("site%2Ecfg",)


@pytest.mark.parametrize(
    ("raw", "encoded", "reason"),
    [
        ("/../etc/passwd", True, "traversal"),
        ("/%2e%2e/etc/passwd", True, "traversal"),
        ("/%2E%2E/etc/passwd", True, "traversal"),
        ("/logs/../000000000000.cfg", True, "traversal"),
        ("/./000000000000.cfg", True, "traversal"),
        ("..", False, "traversal"),
        ("/%2e%2e%2fetc%2fpasswd", True, "encoded-separator"),
        ("/logs%2F0004f2aabbcc-app.log", True, "encoded-separator"),
        ("/..%5c..%5cetc%5cpasswd", True, "encoded-separator"),
        ("/sip.ld%00.cfg", True, "encoded-separator"),
        ("/..\\..\\etc\\passwd", True, "backslash"),
        ("..\\sip.ld", False, "backslash"),
        ("/sip.ld\x00.cfg", False, "nul"),
        ("//etc/passwd", True, "absolute"),
        ("//etc/passwd", False, "absolute"),
        ("/C:/Windows/win.ini", True, "absolute"),
        ("/logs//0004f2aabbcc-app.log", True, "empty-segment"),
        ("/logs/", True, "empty-segment"),
        ("/%c3%28", True, "bad-encoding"),
        ("/caf%C3%A9", True, "bad-character"),
        ("/with space", False, "bad-character"),
        ("/tab\there", False, "bad-character"),
        ("/" + "a" * 600, True, "too-long"),
    ],
)
def test_paths_that_could_leave_the_tree(raw: str, encoded: bool, reason: str) -> None:
    with pytest.raises(BadPath) as caught:
        request_segments(raw, percent_encoded=encoded)
    assert caught.value.reason == reason


def test_confine_keeps_paths_inside(tmp_path: Path) -> None:
    root = tmp_path / "tftpboot"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "file").write_text("x")
    assert confine(root, "sub/file") == (root / "sub" / "file").resolve()
    assert confine(root, "") is None
    assert confine(root, "..") is None


def test_confine_refuses_a_sibling_with_the_same_prefix(tmp_path: Path) -> None:
    root = tmp_path / "tftpboot"
    sibling = tmp_path / "tftpboot-old"
    root.mkdir()
    sibling.mkdir()
    (sibling / "secret").write_text("x")
    assert confine(root, "../tftpboot-old/secret") is None
    os.symlink(sibling, root / "old")
    assert confine(root, "old/secret") is None


def test_confine_refuses_symlinks_out_of_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret").write_text("x")
    os.symlink(tmp_path / "secret", root / "link")
    os.symlink("/etc/passwd", root / "passwd")
    assert confine(root, "link") is None
    assert confine(root, "passwd") is None


def test_confine_follows_symlinks_that_stay_inside(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.ld").write_text("x")
    os.symlink("real.ld", root / "alias.ld")
    assert confine(root, "alias.ld") == (root / "real.ld").resolve()
