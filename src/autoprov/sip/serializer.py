"""`Request` / `Response` to bytes (RFC 3261 section 7), one join per message.

The serializer writes Content-Length itself, from the body, and drops any Content-Length the
headers carry, so a message can never announce a length other than its own.
"""

from __future__ import annotations

from autoprov.sip.events import Request, Response


def serialize(message: Request | Response) -> bytes:
    if isinstance(message, Request):
        parts = [f"{message.method} {message.uri} SIP/2.0\r\n"]
    else:
        parts = [f"SIP/2.0 {message.status_code} {message.reason}\r\n"]
    for name, value in message.headers.fields:
        if name != "Content-Length":
            parts.append(f"{name}: {value}\r\n")
    parts.append(f"Content-Length: {len(message.body)}\r\n\r\n")
    return "".join(parts).encode("utf-8", "surrogateescape") + message.body
