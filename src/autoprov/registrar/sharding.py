"""Which registrar process owns an address of record, and which requests need the owner
(no I/O).

With several registrar processes, each AOR belongs to exactly one of them, which holds its
bindings, its transactions and its nonce-counts. Ownership is a stable hash of the AOR (the To
URI's user part, as `Registrar` reads it), the same in every process and across restarts.
Every REGISTER goes to its AOR's owner, so that its retransmissions meet the transaction that
answered it.

The question is asked of every datagram, by the process that read it, so it must cost far
less than parsing it. `aor_hint` reads the AOR straight from the bytes when the To header has
its everyday form, and gives up (None) on anything else: the caller then parses the message.
Giving up is always safe; a hint that differed from what the parser reads would not be.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from autoprov.sip import ParseError, Request, SipURI
from autoprov.sip.parser import find_blank_line

# "\r\nTo:" or "\r\nt:" (any case), an optional display name (a quoted string without
# escapes, or plain words), then a sip/sips URI whose user part has no escape, parameter or
# password. Anything unusual (folding, bare LF line ends, escapes) fails to match.
_TO_USER = re.compile(
    rb'\r\n(?:[Tt][Oo]|[Tt])[ \t]*:[ \t]*(?:"[^"\\\r\n]*"[ \t]*|[^"<>\r\n:]*?)'
    rb"<?[Ss][Ii][Pp][Ss]?:([^@:;?<>%\s\"]+)@"
)
_REGISTER = b"REGISTER "


def shard_of(aor: str, shards: int) -> int:
    """The index of the process that owns ``aor``, out of ``shards``."""
    return zlib.crc32(aor.encode("utf-8", "surrogateescape")) % shards


def aor_hint(datagram: bytes) -> str | None:
    """The AOR of a REGISTER read without parsing it, or None (not a REGISTER, or a To header
    in a form only the parser should read)."""
    if not datagram.startswith(_REGISTER):
        return None
    # only the header section, where the parser sees it end (a bare LF ends lines too)
    found = find_blank_line(datagram, 0)
    match = _TO_USER.search(datagram, 0, len(datagram) if found is None else found[0])
    if match is None:
        return None
    return match[1].decode("utf-8", "surrogateescape")


def aor_of(request: Request) -> str | None:
    """The AOR of a parsed REGISTER as `Registrar` reads it, or None where it has none."""
    if request.method != "REGISTER":
        return None
    try:
        uri = request.to.uri
    except ParseError:
        return None
    return uri.user if isinstance(uri, SipURI) else None


@dataclass(frozen=True, slots=True)
class Shard:
    """This process's place among the registrar's processes."""

    index: int = 0
    count: int = 1

    def owns(self, aor: str) -> bool:
        return self.count == 1 or shard_of(aor, self.count) == self.index
