"""Bytes to `Request` / `Response` (RFC 3261 section 7), for one whole message.

Framing: over a datagram the message is the datagram; octets past Content-Length are ignored
and a Content-Length beyond the datagram is an error (RFC 3261 18.3). Without Content-Length
the body is the rest of the datagram. Streams need Content-Length (`StreamConnection` does the
buffering; ``datagram=False`` parses one already delimited stream message).

Everything wrong raises a `SIPError` subclass; when the header section of a request could be
read, the error carries it in ``request_headers`` so the sender can still be answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from autoprov.sip import grammar
from autoprov.sip.errors import (
    MessageTooLarge,
    ParseError,
    SIPError,
    VersionNotSupported,
    excerpt,
)
from autoprov.sip.events import Request, Response
from autoprov.sip.headers import SPELLINGS, Headers, canonical_name
from autoprov.sip.uri import parse_uri
from autoprov.sip.values import parse_content_length


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what a peer may make us hold."""

    max_header_fields: int = 128
    max_line_length: int = 8192
    """Longest start line or (unfolded) header field, in characters."""
    max_head_size: int = 65536
    """Bytes a stream may send before the empty line that ends the header section."""
    max_body_size: int = 65536


DEFAULT_LIMITS: Final = Limits()

_FOLDING: Final = re.compile(grammar.FOLDING)
_TOKEN: Final = re.compile(grammar.TOKEN)
_SIP_VERSION: Final = re.compile(grammar.SIP_VERSION)
_STATUS_CODE: Final = re.compile(grammar.STATUS_CODE)
_BLANK_LINE: Final = re.compile(rb"\n\r?\n")


@dataclass(frozen=True, slots=True, init=False)
class Head:
    """A start line and a header section, before the body is known."""

    start_line: str
    headers: Headers

    # explicit, so that mypyc compiles it (see `autoprov.sip.events.Request`)
    def __init__(self, start_line: str, headers: Headers) -> None:
        object.__setattr__(self, "start_line", start_line)
        object.__setattr__(self, "headers", headers)

    @property
    def is_request(self) -> bool:
        return self.start_line[:4].upper() != "SIP/"

    def declared_length(self, *, required: bool) -> int | None:
        """Content-Length; None when absent (an error if ``required``) or, on a datagram,
        when two fields disagree (the body is then the rest and `validate` reports it)."""
        values = self.headers.by_key("content-length")
        if not values:
            if required:
                raise ParseError("Content-Length is required on stream transports")
            return None
        lengths = {parse_content_length(value) for value in values}
        if len(lengths) > 1:
            if required:
                raise ParseError("Conflicting Content-Length values")
            return None
        return lengths.pop()

    def build(self, body: bytes) -> Request | Response:
        message: Request | Response
        if self.is_request:
            method, uri_text = _request_line(self.start_line)
            message = Request(method, parse_uri(uri_text), self.headers, body)
        else:
            status_code, reason = _status_line(self.start_line)
            message = Response(status_code, reason, self.headers, body)
        message._check_present()
        return message

    def annotate(self, error: SIPError) -> None:
        """Attach the header section to an error about a request, so it can be answered."""
        if self.is_request and error.request_headers is None:
            error.request_headers = self.headers


def parse_message(
    data: bytes, *, datagram: bool = True, limits: Limits = DEFAULT_LIMITS
) -> Request | Response:
    """Parse one message; ``datagram=False`` demands Content-Length and nothing after."""
    start = skip_blank_lines(data, 0)
    found = find_blank_line(data, start)
    if found is not None:
        head_end, body_start = found
    elif datagram:
        # no empty line: the header section ends with the datagram (RFC 5118 4.10 archives)
        body_start = len(data)
        head_end = body_start - (2 if data.endswith(b"\r\n") else 1 if data.endswith(b"\n") else 0)
        # blank lines only: an empty head, not one that ends before it starts (a compiled
        # bytes slice does not forgive an end before its start)
        head_end = max(head_end, start)
    else:
        raise ParseError("Header section is not terminated by an empty line")
    head = parse_head(data[start:head_end], limits)
    try:
        available = len(data) - body_start
        length = head.declared_length(required=not datagram)
        if length is None:
            length = available
        elif length > available:
            raise ParseError(f"Content-Length {length} exceeds the {available} octets received")
        elif not datagram and length < available:
            raise ParseError("Octets after the end of the message")
        if length > limits.max_body_size:
            raise MessageTooLarge(f"Body of {length} octets exceeds {limits.max_body_size}")
        return head.build(data[body_start : body_start + length])
    except SIPError as error:
        head.annotate(error)
        raise


def skip_blank_lines(data: bytes | bytearray, start: int) -> int:
    """RFC 3261 7.5: CRLFs before the start line (keep-alives) are ignored."""
    end = len(data)
    while start < end and data[start] in b"\r\n":
        start += 1
    return start


def find_blank_line(data: bytes | bytearray, start: int) -> tuple[int, int] | None:
    """``(end of the header section, start of the body)``, or None while no empty line has
    come. RFC 3261 7.5 asks to accept a bare LF as a line end, so the empty line is the first
    LF followed by LF or CRLF, found in one pass (this runs on every message)."""
    found = _BLANK_LINE.search(data, start)
    if found is None:
        return None
    line_end = found.start()
    if line_end > 0 and data[line_end - 1] == 0x0D:
        line_end -= 1
    return line_end, found.end()


def parse_head(head: bytes | bytearray, limits: Limits) -> Head:
    """Split a header section (without its final empty line) into start line and headers."""
    text = head.decode("utf-8", "surrogateescape")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            raise ParseError("Bare CR in the header section")
    parsed = _split_head(text, limits)
    if parsed is None:
        # a line began with a blank: folding (RFC 3261 7.3.1), undone before reading again
        parsed = _split_head(_FOLDING.sub(" ", text), limits)
        assert parsed is not None  # no line begins with a blank any more
    return parsed


def _split_head(text: str, limits: Limits) -> Head | None:
    """The header section read line by line; None when a line continues the one before
    (found where a name is looked up, so that unfolded messages pay nothing for it)."""
    lines = text.split("\n")
    if len(lines) > limits.max_header_fields + 1:
        if "\n " in text or "\n\t" in text:
            return None  # fields are counted once unfolded
        raise ParseError(f"More than {limits.max_header_fields} header fields")
    if len(text) > limits.max_line_length and max(map(len, lines)) > limits.max_line_length:
        raise ParseError(f"Line longer than {limits.max_line_length} characters")
    fields: list[tuple[str, str]] = []
    index: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        known = SPELLINGS.get(name)
        if known is None:
            if name.startswith((" ", "\t")):
                return None
            known = _field_name(name, colon)
        value = value.strip(" \t")
        fields.append((known[0], value))
        values = index.get(known[1])
        if values is None:
            index[known[1]] = [value]
        else:
            values.append(value)
    if not lines[0]:
        raise ParseError("Empty start line")
    return Head(lines[0], Headers._trusted(fields, index))


def _field_name(name: str, colon: str) -> tuple[str, str]:
    """The slow way to a field name: odd case, space before the colon, unknown or invalid."""
    if not colon:
        raise ParseError(f"Header line without a colon: {excerpt(name, 40)}")
    name = name.rstrip(" \t")
    if not _TOKEN.fullmatch(name):
        raise ParseError(f"Invalid header name {excerpt(name, 40)}")
    return canonical_name(name)


def _check_version(version: str) -> None:
    if version == "SIP/2.0" or version.upper() == "SIP/2.0":
        return
    if _SIP_VERSION.fullmatch(version):
        raise VersionNotSupported(f"SIP version {version} is not supported")
    raise ParseError(f"Invalid SIP version {excerpt(version, 20)}")


def _request_line(line: str) -> tuple[str, str]:
    """Request-Line = Method SP Request-URI SP SIP-Version (single spaces, RFC 3261 25.1)."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise ParseError(f"Malformed request line {excerpt(line)}")
    method, uri, version = parts
    _check_version(version)
    if not _TOKEN.fullmatch(method):
        raise ParseError(f"Invalid method {excerpt(method, 40)}")
    return method, uri


def _status_line(line: str) -> tuple[int, str]:
    """Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (the phrase may be empty)."""
    version, _, rest = line.partition(" ")
    _check_version(version)
    code, _, reason = rest.partition(" ")
    if not _STATUS_CODE.fullmatch(code):
        raise ParseError(f"Invalid status code {excerpt(code, 20)}")
    return int(code), reason
