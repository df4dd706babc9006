"""The SIP protocol core: bytes in, values out, and back; no sockets, no clock, no asyncio.

`parse_message` reads one datagram, `StreamConnection` frames a TCP/TLS byte stream,
`serialize` writes a message, `make_response` / `build_request` build them. Digest
authentication lives in `autoprov.sip.digest`, transactions in `autoprov.sip.transaction`.
Every error is a `SIPError` carrying the status code to answer with.
"""

from autoprov.sip.builders import (
    MAGIC_COOKIE,
    build_request,
    make_error_response,
    make_response,
    new_branch,
    new_call_id,
    new_tag,
    stamp_via,
)
from autoprov.sip.connection import NEED_DATA, NeedData, StreamConnection
from autoprov.sip.errors import (
    BadExtension,
    MessageTooLarge,
    ParseError,
    SIPError,
    UnsupportedURIScheme,
    VersionNotSupported,
)
from autoprov.sip.events import Message, Request, Response
from autoprov.sip.headers import Headers
from autoprov.sip.parser import DEFAULT_LIMITS, Limits, parse_message
from autoprov.sip.reasons import reason_phrase
from autoprov.sip.serializer import serialize
from autoprov.sip.uri import AbsoluteURI, SipURI, parse_uri
from autoprov.sip.values import CSeq, NameAddr, Via, parse_name_addr, parse_via

__all__ = [
    "DEFAULT_LIMITS",
    "MAGIC_COOKIE",
    "NEED_DATA",
    "AbsoluteURI",
    "BadExtension",
    "CSeq",
    "Headers",
    "Limits",
    "Message",
    "MessageTooLarge",
    "NameAddr",
    "NeedData",
    "ParseError",
    "Request",
    "Response",
    "SIPError",
    "SipURI",
    "StreamConnection",
    "UnsupportedURIScheme",
    "VersionNotSupported",
    "Via",
    "build_request",
    "make_error_response",
    "make_response",
    "new_branch",
    "new_call_id",
    "new_tag",
    "parse_message",
    "parse_name_addr",
    "parse_uri",
    "parse_via",
    "reason_phrase",
    "serialize",
    "stamp_via",
]
