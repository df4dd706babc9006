"""What a door tells the resolver about a request: the path as sent, the method, the client."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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


@dataclass(frozen=True, slots=True)
class Client:
    ip: str
    door: Door
    auth: Auth = Auth.NONE
    user_agent: str | None = None
    """HTTP only; FTP and TFTP carry none."""


@dataclass(frozen=True, slots=True)
class FileRequest:
    path: str
    """As the client sent it: percent-encoded for HTTP, literal for FTP and TFTP."""
    method: Method
    client: Client
