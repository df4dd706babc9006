"""Errors the SIP core raises, each carrying the status code a server answers with.

The parser and the typed accessors raise only `SIPError` subclasses; any other exception
escaping them is a bug. A server answers a request-side error with ``status_code`` and
``reason`` (RFC 3261 8.2) when it can build a response, and drops responses it cannot read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from autoprov.sip.reasons import reason_phrase

if TYPE_CHECKING:
    from autoprov.sip.headers import Headers


def excerpt(text: str, size: int = 60) -> str:
    """A peer's text quoted for an error detail, cut short: details end up in logs."""
    return repr(text if len(text) <= size else text[:size] + "...")


class SIPError(Exception):
    """A message the core cannot accept. ``str(error)`` is the detail for logs."""

    default_status: ClassVar[int] = 400

    def __init__(self, detail: str, *, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = self.default_status if status_code is None else status_code
        self.reason = reason_phrase(self.status_code)
        self.request_headers: Headers | None = None
        """The header section of the offending request when it could be read, so a server
        can still answer it (`autoprov.sip.builders.make_error_response`)."""


class ParseError(SIPError):
    """Malformed syntax or a broken framing: 400 Bad Request."""


class VersionNotSupported(SIPError):
    """A SIP version other than 2.0 in the start line: 505."""

    default_status = 505


class UnsupportedURIScheme(SIPError):
    """A Request-URI scheme the server does not handle: 416."""

    default_status = 416


class MessageTooLarge(SIPError):
    """A body larger than the configured cap: 413."""

    default_status = 413


class BadExtension(SIPError):
    """A Require option tag the server does not support: 420 (with Unsupported)."""

    default_status = 420
