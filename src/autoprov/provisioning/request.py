"""What a door tells the resolver about a request: the path as sent, the method, the client.

``Client`` and ``FileRequest`` are named tuples rather than frozen dataclasses: both are built
at every request, and a frozen dataclass costs several times as much to build.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import NamedTuple


class Door(Enum):
    HTTP = "http"
    FTP = "ftp"
    TFTP = "tftp"


class Method(Enum):
    GET = "GET"
    HEAD = "HEAD"
    PUT = "PUT"
    """HTTP PUT, FTP STOR/APPE, TFTP WRQ."""
    OTHER = "OTHER"


class Auth(Enum):
    """Whether the client proved it holds the provisioning credentials."""

    NONE = "none"
    """Presented none (a first HTTP request, the factory FTP login, TFTP)."""
    VALID = "valid"
    INVALID = "invalid"
    """Presented wrong ones: a refusal worth a log line."""


CheckCredentials = Callable[[str, str], Auth]
"""Given the provisioning user and password, what the client proved. HTTP passes one instead
of an ``Auth``: a Digest answer costs a parse and two hashes, and most requests a phone sends
with credentials are for files that need none, so it is checked only when a file does."""


class Client(NamedTuple):
    ip: str
    door: Door
    auth: Auth | CheckCredentials = Auth.NONE
    user_agent: str | None = None
    """HTTP only; FTP and TFTP carry none."""


class FileRequest(NamedTuple):
    path: str
    """As the client sent it: percent-encoded for HTTP, literal for FTP and TFTP."""
    method: Method
    client: Client
