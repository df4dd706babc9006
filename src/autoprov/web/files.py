"""Files the UI lists and hands out: a phone's uploaded logs and the firmware directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from autoprov.provisioning.paths import confine


@dataclass(frozen=True, slots=True)
class FileEntry:
    name: str
    size: int
    modified: datetime


def list_files(directory: Path, *, recursive: bool = False) -> list[FileEntry]:
    """Regular files under ``directory`` (names relative to it), newest first; [] if absent."""
    if not directory.is_dir():
        return []
    found = []
    candidates = directory.rglob("*") if recursive else directory.iterdir()
    for path in candidates:
        if not path.is_file() or path.is_symlink():
            continue
        stat = path.stat()
        found.append(
            FileEntry(
                name=path.relative_to(directory).as_posix(),
                size=stat.st_size,
                modified=datetime.fromtimestamp(stat.st_mtime, UTC),
            )
        )
    found.sort(key=lambda entry: (entry.modified, entry.name), reverse=True)
    return found


def confined_file(directory: Path, name: str) -> Path | None:
    """``directory/name`` if it is a regular file that stays inside ``directory`` (``..`` and
    symbolic links included), else None."""
    if not name or "\x00" in name:
        return None
    path = confine(directory, name)
    return path if path is not None and path.is_file() else None
