"""What a door tells the resolver about a request: the path as sent, the method, the client.

``Client`` and ``FileRequest`` are named tuples rather than frozen dataclasses: both are built
at every request, and a frozen dataclass costs several times as much to build.
"""

from __future__ import annotations

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


class Client(NamedTuple):
    ip: str
    door: Door
    auth: Auth = Auth.NONE
    user_agent: str | None = None
    """HTTP only; FTP and TFTP carry none."""


class FileRequest(NamedTuple):
    path: str
    """As the client sent it: percent-encoded for HTTP, literal for FTP and TFTP."""
    method: Method
    client: Client
