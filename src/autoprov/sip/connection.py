"""Stream framing for SIP over TCP and TLS (RFC 3261 18.3), in the manner of h11.

The caller owns the socket: it feeds received bytes to `receive_data` and calls `next_event`
until it returns `NEED_DATA`. Every stream message must carry Content-Length. A framing error
(no or bad Content-Length, an oversized header section or body) leaves the connection
`broken`: the caller answers if the error allows it (`make_error_response`) and closes. An
error inside a well-framed message (say a bad To) does not break the stream; the caller
answers it and reads on.
"""

from __future__ import annotations

from enum import Enum

from autoprov.sip.errors import MessageTooLarge, ParseError, SIPError
from autoprov.sip.events import Request, Response
from autoprov.sip.parser import (
    DEFAULT_LIMITS,
    Head,
    Limits,
    find_blank_line,
    parse_head,
    skip_blank_lines,
)


class NeedData(Enum):
    NEED_DATA = "NEED_DATA"


NEED_DATA = NeedData.NEED_DATA
"""`next_event` has no whole message yet: feed more bytes."""


class StreamConnection:
    def __init__(self, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._buffer = bytearray()
        # how far the current header section has been searched for its empty line, so a
        # head arriving a byte at a time is not rescanned from the start each time
        self._searched = 0
        self._head: Head | None = None
        self._body_start = 0
        self._body_end = 0
        self._error: SIPError | None = None

    @property
    def broken(self) -> bool:
        """True after a framing error: nothing more can be read, close the connection."""
        return self._error is not None

    @property
    def buffered(self) -> int:
        """Octets received and not yet returned as messages."""
        return len(self._buffer)

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    def next_event(self) -> Request | Response | NeedData:
        if self._error is not None:
            raise self._error
        if self._head is None:
            try:
                if not self._read_head():
                    return NEED_DATA
            except SIPError as error:
                self._error = error
                raise
        if len(self._buffer) < self._body_end:
            return NEED_DATA
        head, self._head = self._head, None
        assert head is not None
        body = bytes(self._buffer[self._body_start : self._body_end])
        del self._buffer[: self._body_end]
        self._searched = 0
        try:
            return head.build(body)
        except SIPError as error:
            head.annotate(error)
            raise

    def _read_head(self) -> bool:
        buffer = self._buffer
        # RFC 3261 7.5: CRLFs between messages (keep-alives) are ignored
        start = skip_blank_lines(buffer, 0)
        if start:
            del buffer[:start]
            self._searched = 0
        found = find_blank_line(buffer, max(0, self._searched - 3))
        max_head = self.limits.max_head_size
        if found is None:
            self._searched = len(buffer)
            if len(buffer) > max_head:
                raise ParseError(f"Header section larger than {max_head} octets")
            return False
        head_end, body_start = found
        if head_end > max_head:
            raise ParseError(f"Header section larger than {max_head} octets")
        head = parse_head(buffer[:head_end], self.limits)
        try:
            length = head.declared_length(required=True)
            assert length is not None
            if length > self.limits.max_body_size:
                raise MessageTooLarge(
                    f"Body of {length} octets exceeds {self.limits.max_body_size}"
                )
        except SIPError as error:
            head.annotate(error)
            raise
        self._head = head
        self._body_start = body_start
        self._body_end = body_start + length
        return True
