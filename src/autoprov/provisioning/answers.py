"""The resolver's answers. Each door translates them: a refusal of kind NOT_FOUND becomes HTTP
404, FTP 550 or TFTP error 1."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from autoprov.polycom.files import PhoneFileKind


class Refusal(Enum):
    NOT_FOUND = 404
    BAD_REQUEST = 400
    UNAUTHORIZED = 401
    """Answered with a challenge: HTTP asks for credentials, FTP needs the other login."""
    FORBIDDEN = 403
    METHOD_NOT_ALLOWED = 405
    PAYLOAD_TOO_LARGE = 413
    TOO_MANY_REQUESTS = 429
    SERVER_ERROR = 500
    UNAVAILABLE = 503


@dataclass(frozen=True, slots=True)
class Refused:
    refusal: Refusal
    message: str
    """Plain text for the client; never a secret, never HTML."""


@dataclass(frozen=True, slots=True)
class Generated:
    body: bytes
    content_type: str = "application/xml"
    etag: str = field(init=False, compare=False, repr=False)
    """A strong HTTP validator of ``body``. Generated files are cached, so it is computed once
    per rendering, not per request."""

    def __post_init__(self) -> None:
        digest = hashlib.blake2b(self.body, digest_size=12).hexdigest()
        object.__setattr__(self, "etag", f'"{digest}"')


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A regular file inside a served tree; ``path`` is its real path, already confined."""

    path: Path
    size: int
    mtime: float
    content_type: str

    def open(self) -> BinaryIO:
        return self.path.open("rb")


@dataclass(frozen=True, slots=True)
class UploadSlot:
    """An accepted upload: the door delivers at most ``max_bytes`` to ``Resolver.store``."""

    mac: str
    kind: PhoneFileKind
    max_bytes: int


@dataclass(frozen=True, slots=True)
class Stored:
    """An upload was written."""


Answer = Generated | StoredFile | UploadSlot | Refused
