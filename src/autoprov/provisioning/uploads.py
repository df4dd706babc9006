"""Files phones upload, kept per phone under ``<data_dir>/uploads/<mac>/``.

Logs are appended. When a log would pass its cap, it is rotated to ``<name>.1`` (one old
generation is kept). Overrides, contacts and call lists replace the previous copy atomically.
Names come from a fixed set, so an upload can never land on a generated file or outside the
phone's own directory.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autoprov.polycom.files import PhoneFile, PhoneFileKind
from autoprov.provisioning.paths import confine

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True, slots=True)
class UploadRule:
    max_bytes: int
    """Largest single upload."""
    xml: bool
    """Must be well-formed XML without a DTD."""
    append: bool
    needs_credentials: bool
    """Overrides are read back into the phone's configuration at the next boot, so a stranger
    must not write them; logs are only ever read by people."""


RULES: dict[PhoneFileKind, UploadRule] = {
    PhoneFileKind.BOOT_LOG: UploadRule(MIB, xml=False, append=True, needs_credentials=False),
    PhoneFileKind.APP_LOG: UploadRule(MIB, xml=False, append=True, needs_credentials=False),
    PhoneFileKind.PHONE_OVERRIDES: UploadRule(
        256 * KIB, xml=True, append=False, needs_credentials=True
    ),
    PhoneFileKind.WEB_OVERRIDES: UploadRule(
        256 * KIB, xml=True, append=False, needs_credentials=True
    ),
    PhoneFileKind.DIRECTORY: UploadRule(MIB, xml=True, append=False, needs_credentials=True),
    PhoneFileKind.CALLS: UploadRule(MIB, xml=True, append=False, needs_credentials=True),
}

LOG_CAP = 2 * MIB
"""A stored log is rotated before it would grow past this."""


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()

    def find(self, phone_file: PhoneFile) -> Path | None:
        """The stored copy, if there is one and it is a regular file inside the tree.

        A few system calls, cheap enough to run on the event loop: most asks are a booting
        phone's for files it never uploaded, answered by one ``lstat``."""
        relative = f"{phone_file.mac}/{phone_file.name}"
        if not os.path.lexists(os.path.join(self.root, relative)):
            return None
        path = confine(self.root, relative)
        return path if path is not None and path.is_file() else None

    def write(self, phone_file: PhoneFile, data: bytes) -> None:
        rule = RULES[phone_file.kind]
        directory = self.root / phone_file.mac
        path = directory / phone_file.name
        with self._lock:
            directory.mkdir(parents=True, exist_ok=True, mode=0o750)
            if rule.append:
                self._append(path, data)
            else:
                self._replace(path, data)

    @staticmethod
    def _append(path: Path, data: bytes) -> None:
        if path.exists() and path.stat().st_size + len(data) > LOG_CAP:
            os.replace(path, path.with_name(path.name + ".1"))
        with path.open("ab") as handle:
            handle.write(data)

    @staticmethod
    def _replace(path: Path, data: bytes) -> None:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
