"""Request paths: decode once and reject anything that could climb out of a served tree.

A path passes only as plain relative segments of printable ASCII without spaces: no ``.`` or
``..``, no empty segment, no backslash, no NUL, and no encoded slash, backslash or NUL. Files
are then looked up with ``confine``. It resolves the real path, symbolic links included, and
checks it with ``os.path.commonpath``, so a sibling such as ``/srv/tftpboot-old`` does not
pass as ``/srv/tftpboot``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

MAX_PATH = 512
_ENCODED_FORBIDDEN = re.compile(r"%(?:2f|5c|00)", re.IGNORECASE)
_PRINTABLE_ASCII = re.compile(r"[\x21-\x7e]*")
_DRIVE = re.compile(r"[A-Za-z]:")


class BadPath(ValueError):
    """A path that could name something outside the tree; ``reason`` goes to the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def request_segments(raw: str, *, percent_encoded: bool) -> tuple[str, ...]:
    """The segments of a request path relative to the served root; () for the root itself.

    ``/logs/0004f2aabbcc-app.log`` -> ``("logs", "0004f2aabbcc-app.log")``. One leading slash
    is the root; TFTP clients often send none.
    """
    if len(raw) > MAX_PATH:
        raise BadPath("too-long")
    if percent_encoded:
        if _ENCODED_FORBIDDEN.search(raw):
            raise BadPath("encoded-separator")
        try:
            raw = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise BadPath("bad-encoding") from None
    if "\x00" in raw:
        raise BadPath("nul")
    if "\\" in raw:
        raise BadPath("backslash")
    relative = raw.removeprefix("/")
    if relative == "":
        return ()
    if not _PRINTABLE_ASCII.fullmatch(relative):
        raise BadPath("bad-character")
    if relative.startswith("/") or _DRIVE.match(relative):
        raise BadPath("absolute")
    segments = tuple(relative.split("/"))
    for segment in segments:
        if segment in {".", ".."}:
            raise BadPath("traversal")
        if segment == "":
            raise BadPath("empty-segment")
    return segments


def confine(root: Path, relative: str) -> Path | None:
    """The real path of ``root/relative`` if it stays inside ``root``, else None."""
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(real_root, relative))
    if target == real_root or os.path.commonpath([real_root, target]) != real_root:
        return None
    return Path(target)
