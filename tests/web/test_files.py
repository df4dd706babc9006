from __future__ import annotations

import os
from pathlib import Path

from autoprov.web.files import confined_file, list_files


def test_lists_regular_files_newest_first(tmp_path: Path) -> None:
    (tmp_path / "old.log").write_text("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "new.log").write_text("bbb")
    os.utime(tmp_path / "old.log", (1_000_000, 1_000_000))
    (tmp_path / "link.log").symlink_to(tmp_path / "old.log")
    assert [(e.name, e.size) for e in list_files(tmp_path, recursive=True)] == [
        ("sub/new.log", 3),
        ("old.log", 1),
    ]
    assert [e.name for e in list_files(tmp_path)] == ["old.log"]
    assert list_files(tmp_path / "absent") == []


def test_confined_file_stays_inside(tmp_path: Path) -> None:
    root = tmp_path / "uploads" / "0004f2aabbcc"
    root.mkdir(parents=True)
    (root / "app.log").write_text("x")
    (tmp_path / "uploads" / "secret").write_text("no")
    (root / "escape").symlink_to(tmp_path / "uploads" / "secret")
    assert confined_file(root, "app.log") == root / "app.log"
    for name in ("../secret", "escape", "", ".", "/etc/passwd", "a\x00b", "missing.log"):
        assert confined_file(root, name) is None, name
