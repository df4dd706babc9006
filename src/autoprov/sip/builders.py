"""Building messages: responses to requests (RFC 3261 8.2.6) and requests for clients.

Also the random identifiers a sender needs: branch (with the RFC 3261 magic cookie), tag and
Call-ID. Randomness comes from `secrets`; nothing here reads a clock or a socket.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Final

from autoprov.sip import grammar
from autoprov.sip.errors import SIPError
from autoprov.sip.events import Request, Response
from autoprov.sip.headers import Headers, check_field, split_values
from autoprov.sip.reasons import reason_phrase
from autoprov.sip.uri import AbsoluteURI, SipURI, parse_uri
from autoprov.sip.values import NameAddr, Via, parse_name_addr, parse_via

MAGIC_COOKIE: Final = "z9hG4bK"
"""RFC 3261 8.1.1.7: branches that start with it were made unique by an RFC 3261 sender."""

_TOKEN: Final = grammar.TOKEN_RE
# RFC 3261 8.2.6.2: copied from the request (the first field of each, as received)
_ECHOED: Final = (("From", "from"), ("To", "to"), ("Call-ID", "call-id"), ("CSeq", "cseq"))


def new_branch() -> str:
    return MAGIC_COOKIE + secrets.token_hex(10)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(12)}@{host}"


def make_response(
    request: Request,
    status_code: int,
    reason: str | None = None,
    *,
    headers: Iterable[tuple[str, str]] = (),
    to_tag: str | None = None,
    body: bytes = b"",
    source: tuple[str, int] | None = None,
) -> Response:
    """A response echoing Via (all), From, To, Call-ID and CSeq (RFC 3261 8.2.6.2), then
    ``headers``. ``to_tag`` is added when the To has none. ``source`` is the address the
    request came from: the top Via gets ``received`` and, when asked for, ``rport`` (RFC 3261
    18.2.1, RFC 3581). Works on requests with broken headers too (copies them as they are)."""
    try:
        vias: tuple[Via, ...] | None = request.via
    except SIPError:
        vias = None
    try:
        to: NameAddr | None = request.to
    except SIPError:
        to = None
    fields = _echoed(request.headers, vias, to, to_tag, source)
    return _response(fields, status_code, reason, headers, body)


def make_error_response(
    error: SIPError, *, to_tag: str | None = None, source: tuple[str, int] | None = None
) -> Response | None:
    """The answer to a request that failed to parse, or None when it cannot be answered (a
    response, or a request whose header section could not be read)."""
    headers = error.request_headers
    if headers is None:
        return None
    try:
        vias: tuple[Via, ...] | None = tuple(parse_via(v) for v in headers.get_all("Via"))
    except SIPError:
        vias = None
    raw_to = headers.get("To")
    try:
        to = None if raw_to is None else parse_name_addr(raw_to)
    except SIPError:
        to = None
    fields = _echoed(headers, vias, to, to_tag, source)
    return _response(fields, error.status_code, error.reason, (), b"")


def _response(
    fields: list[tuple[str, str]],
    status_code: int,
    reason: str | None,
    extra: Iterable[tuple[str, str]],
    body: bytes,
) -> Response:
    fields += [check_field(name, value) for name, value in extra]
    reason = reason_phrase(status_code) if reason is None else reason
    return Response(status_code, reason, Headers._trusted(fields), body)


def _echoed(
    headers: Headers,
    vias: tuple[Via, ...] | None,
    to: NameAddr | None,
    to_tag: str | None,
    source: tuple[str, int] | None,
) -> list[tuple[str, str]]:
    fields = [("Via", value) for value in split_values(headers.by_key("via"))]
    if source is not None and vias:
        fields[0] = ("Via", _stamped_text(fields[0][1], vias[0], *source))
    for name, key in _ECHOED:
        values = headers.by_key(key)
        if not values:
            continue
        value = values[0]
        if key == "to" and to_tag is not None and to is not None and to.tag is None:
            if not _TOKEN.fullmatch(to_tag):
                raise ValueError(f"invalid tag {to_tag!r}")
            value = f"{value};tag={to_tag}"
        fields.append((name, value))
    return fields


def _stamped_text(text: str, via: Via, host: str, port: int) -> str:
    """`stamp_via` as text: the parameters added to the Via as received when it allows (the
    usual ``...;rport`` at the end, no ``received`` yet), rather than the Via written anew."""
    if via.received is None:
        if not via.has_param("rport"):
            return text if host == via.host else f"{text};received={host}"
        if via.rport is None and text.endswith(";rport"):
            return f"{text}={port};received={host}"
    return str(stamp_via(via, host, port))


def stamp_via(via: Via, host: str, port: int) -> Via:
    """The Via as a server returns it: ``received`` when the packet came from another address
    than sent-by (RFC 3261 18.2.1) or whenever ``rport`` was asked for, which then gets the
    source port (RFC 3581 4)."""
    if via.has_param("rport"):
        return via.with_params(received=host, rport=str(port))
    if host != via.host:
        return via.with_params(received=host)
    return via


def build_request(
    method: str,
    uri: SipURI | AbsoluteURI | str,
    *,
    via: Via | Iterable[Via],
    from_: NameAddr,
    to: NameAddr,
    call_id: str,
    cseq: int,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    max_forwards: int = 70,
) -> Request:
    """A request with the headers RFC 3261 8.1.1 requires, then ``headers``."""
    target = parse_uri(uri) if isinstance(uri, str) else uri
    vias = (via,) if isinstance(via, Via) else tuple(via)
    fields = [("Via", str(v)) for v in vias]
    fields += [
        ("Max-Forwards", str(max_forwards)),
        ("From", str(from_)),
        ("To", str(to)),
        check_field("Call-ID", call_id),
        ("CSeq", f"{cseq} {method}"),
    ]
    fields += [check_field(name, value) for name, value in headers]
    return Request(method, target, Headers._trusted(fields), body)
