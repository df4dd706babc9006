from __future__ import annotations

from autoprov.sip import (
    BadExtension,
    MessageTooLarge,
    ParseError,
    SIPError,
    UnsupportedURIScheme,
    VersionNotSupported,
)
from autoprov.sip.errors import excerpt


def test_each_error_carries_its_answer() -> None:
    cases = [
        (SIPError("x"), 400, "Bad Request"),
        (ParseError("x"), 400, "Bad Request"),
        (VersionNotSupported("x"), 505, "Version Not Supported"),
        (UnsupportedURIScheme("x"), 416, "Unsupported URI Scheme"),
        (MessageTooLarge("x"), 413, "Request Entity Too Large"),
        (BadExtension("x"), 420, "Bad Extension"),
        (SIPError("x", status_code=503), 503, "Service Unavailable"),
    ]
    for error, status, reason in cases:
        assert (error.status_code, error.reason, str(error)) == (status, reason, "x")
        assert error.request_headers is None


def test_details_quote_peer_text_briefly() -> None:
    assert excerpt("short") == "'short'"
    assert excerpt("x" * 100, 10) == repr("x" * 10 + "...")
