"""The firmware directory: firmware images and the other files an administrator drops there
from a Polycom software distribution (the site directory, license files, localization
folders). It is served read-only, inside the tree only."""

from __future__ import annotations

import mimetypes
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from autoprov.polycom.firmware import image_candidates
from autoprov.provisioning.answers import StoredFile
from autoprov.provisioning.paths import confine

_LISTING_TTL = 5.0


class OutsideTree(LookupError):
    """The name resolves (through a symbolic link) to a file outside the tree."""


class StaticTree:
    def __init__(self, root: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.root = root
        self._clock = clock
        self._listing: frozenset[str] = frozenset()
        self._listed_until = float("-inf")

    def images(self) -> frozenset[str]:
        """Names of the regular files at the top of the tree, re-read every few seconds."""
        if self._clock() >= self._listed_until:
            try:
                with os.scandir(self.root) as entries:
                    names = [e.name for e in entries if e.is_file()]
            except FileNotFoundError:
                names = []
            self._listing = frozenset(names)
            self._listed_until = self._clock() + _LISTING_TTL
        return self._listing

    def find(self, segments: tuple[str, ...]) -> StoredFile | None:
        """The file a phone asking for ``segments`` gets, trying the firmware names a phone
        derives from APP_FILE_PATH (``<part>.<part>.sip.ld`` -> ``<part>.sip.ld`` ->
        ``sip.ld``). Raises ``OutsideTree`` for a name that leads out of the tree."""
        *parents, name = segments
        for candidate in image_candidates(name):
            relative = "/".join([*parents, candidate])
            if not os.path.lexists(os.path.join(self.root, relative)):
                continue
            path = confine(self.root, relative)
            if path is None:
                raise OutsideTree(relative)
            try:
                found = path.stat()
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(found.st_mode):
                continue
            content_type = mimetypes.guess_type(candidate)[0] or "application/octet-stream"
            return StoredFile(path, found.st_size, found.st_mtime, content_type)
        return None
