"""Typed header values: name-addr (From, To, Contact), Via, CSeq and the scalar headers.

Each ``parse_*`` function takes one unfolded header value and raises `ParseError` when it
does not follow its RFC 3261 rule; each value's ``str()`` writes it back in canonical form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from autoprov.sip import grammar
from autoprov.sip.errors import ParseError, excerpt
from autoprov.sip.params import (
    Params,
    find_param,
    format_params,
    has_param,
    parse_params,
    quote_string,
    unquote_string,
)
from autoprov.sip.uri import AbsoluteURI, SipURI, parse_uri

MAX_SEQ: Final = 2**32 - 1
"""RFC 3261 8.1.1.5: a CSeq number (and a delta-seconds value) fits in 32 bits."""
MALFORMED_EXPIRES: Final = 3600

_TOKEN: Final = re.compile(grammar.TOKEN)
_DISPLAY_TOKENS: Final = re.compile(rf"{grammar.TOKEN}(?:[ \t]+{grammar.TOKEN})*")
_QUOTED: Final = re.compile(grammar.QUOTED_STRING)
_VIA: Final = re.compile(grammar.VIA_PARM)
_CSEQ: Final = re.compile(grammar.CSEQ)
_CALL_ID: Final = re.compile(grammar.CALL_ID)
_DIGITS: Final = re.compile(r"[0-9]+")
# RFC 3261 25.1  qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
_QVALUE: Final = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")


def _number(digits: str) -> int:
    """A decimal number, saturating just above 2**32-1 so a huge one stays cheap to read."""
    significant = digits.lstrip("0")
    return MAX_SEQ + 1 if len(significant) > 10 else int(significant or "0")


@dataclass(frozen=True, slots=True, init=False)
class NameAddr:
    """From, To and Contact values: an optional display name, a URI and header parameters."""

    display_name: str | None
    uri: SipURI | AbsoluteURI
    params: Params

    # explicit, so that mypyc compiles it (see `Via`)
    def __init__(
        self, display_name: str | None, uri: SipURI | AbsoluteURI, params: Params = ()
    ) -> None:
        object.__setattr__(self, "display_name", display_name)
        object.__setattr__(self, "uri", uri)
        object.__setattr__(self, "params", params)

    def param(self, name: str) -> str | None:
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        return has_param(self.params, name)

    @property
    def tag(self) -> str | None:
        return find_param(self.params, "tag")

    @property
    def expires(self) -> int | None:
        """Contact ``expires`` parameter in seconds (see `parse_delta_seconds`)."""
        value = find_param(self.params, "expires")
        return None if value is None else parse_delta_seconds(value)

    @property
    def q(self) -> float | None:
        """Contact preference 0..1 (RFC 3261 20.10)."""
        value = find_param(self.params, "q")
        if value is None:
            return None
        if not _QVALUE.fullmatch(value):
            raise ParseError(f"Invalid q value {excerpt(value)}")
        return float(value)

    @property
    def instance(self) -> str | None:
        """``+sip.instance`` (RFC 5626 4.1), unquoted, e.g. ``<urn:uuid:...>``."""
        return find_param(self.params, "+sip.instance")

    def with_param(self, name: str, value: str | None) -> NameAddr:
        """A copy with the parameter set (replacing any value it had)."""
        key = name.lower()
        params = (*(p for p in self.params if p[0] != key), (key, value))
        return NameAddr(self.display_name, self.uri, params)

    def __str__(self) -> str:
        display = "" if self.display_name is None else quote_string(self.display_name) + " "
        return f"{display}<{self.uri}>{format_params(self.params)}"


@dataclass(frozen=True, slots=True, init=False)
class Via:
    """One Via value (RFC 3261 20.42): who sent the request and where to answer."""

    protocol: str
    """``"SIP/2.0"``."""
    transport: str
    """Upper case: ``UDP``, ``TCP``, ``TLS``, ``SCTP``, ``WS``..."""
    host: str
    port: int | None
    params: Params

    # explicit, so that mypyc compiles it: the __init__ `dataclass` writes stays interpreted
    # (twenty times slower), and these are made for every message
    def __init__(
        self, protocol: str, transport: str, host: str, port: int | None, params: Params = ()
    ) -> None:
        object.__setattr__(self, "protocol", protocol)
        object.__setattr__(self, "transport", transport)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port)
        object.__setattr__(self, "params", params)

    def param(self, name: str) -> str | None:
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        return has_param(self.params, name)

    @property
    def branch(self) -> str | None:
        return find_param(self.params, "branch")

    @property
    def received(self) -> str | None:
        return find_param(self.params, "received")

    @property
    def rport(self) -> int | None:
        """The ``rport`` value (RFC 3581); ``has_param("rport")`` tells a bare request flag."""
        value = find_param(self.params, "rport")
        return None if value is None else _number(value)

    @property
    def sent_by(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def with_params(self, **values: str | None) -> Via:
        """A copy with these parameters set, in place when present, appended otherwise."""
        params = [(name, values.pop(name, value)) for name, value in self.params]
        params += values.items()
        return Via(self.protocol, self.transport, self.host, self.port, tuple(params))

    def __str__(self) -> str:
        return f"{self.protocol}/{self.transport} {self.sent_by}{format_params(self.params)}"


@dataclass(frozen=True, slots=True, init=False)
class CSeq:
    seq: int
    method: str

    # explicit, so that mypyc compiles it (see `Via`)
    def __init__(self, seq: int, method: str) -> None:
        object.__setattr__(self, "seq", seq)
        object.__setattr__(self, "method", method)

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


@lru_cache(maxsize=4096)
def parse_name_addr(text: str) -> NameAddr:
    """``name-addr / addr-spec`` followed by header parameters (From, To, Contact).

    Without ``<>`` every ``;param`` belongs to the header, not the URI (RFC 3261 20.10), and a
    URI with ``?`` or ``,`` must be bracketed (RFC 4475 3.1.2.13).

    Results are immutable and cached: a registrar sees the same From, To and Contact again in
    the authenticated retry of every REGISTER and in each refresh.
    """
    text = text.strip(" \t")
    if text.startswith('"'):
        quoted = _QUOTED.match(text)
        if quoted is None:
            raise ParseError(f"Unterminated quoted display name in {excerpt(text)}")
        lt = quoted.end()
        while text.startswith((" ", "\t"), lt):
            lt += 1
        if not text.startswith("<", lt):
            raise ParseError(f"Expected <URI> after the display name in {excerpt(text)}")
        return _bracketed(text, unquote_string(quoted.group()), lt)
    lt = text.find("<")
    if lt >= 0:
        display = text[:lt].rstrip(" \t")
        if display and not _DISPLAY_TOKENS.fullmatch(display):
            raise ParseError(f"Invalid display name in {excerpt(text)}")
        return _bracketed(text, display or None, lt)
    semi = text.find(";")
    uri_text = (text if semi < 0 else text[:semi]).rstrip(" \t")
    if "?" in uri_text or "," in uri_text:
        raise ParseError(f"A URI with headers or commas needs <> in {excerpt(text)}")
    params = () if semi < 0 else parse_params(text, semi)
    return NameAddr(None, parse_uri(uri_text), params)


def _bracketed(text: str, display: str | None, lt: int) -> NameAddr:
    gt = text.find(">", lt)
    if gt < 0:
        raise ParseError(f"Unterminated <URI> in {excerpt(text)}")
    return NameAddr(display, parse_uri(text[lt + 1 : gt]), parse_params(text, gt + 1))


def parse_contact(text: str) -> NameAddr:
    """One Contact value (not ``*``), with its ``q`` checked."""
    contact = parse_name_addr(text)
    _ = contact.q
    return contact


def parse_via(text: str) -> Via:
    semi = text.find(";")  # sent-by holds no ";", so the first one starts the parameters
    if semi < 0:
        protocol, transport, host, port = _sent_protocol_and_by(text)
        return Via(protocol, transport, host, port)
    protocol, transport, host, port = _sent_protocol_and_by(text[:semi])
    params = parse_params(text, semi)
    rport = find_param(params, "rport")
    if rport is not None and (not _DIGITS.fullmatch(rport) or _number(rport) > 65535):
        raise ParseError(f"Invalid rport in Via {excerpt(text)}")
    return Via(protocol, transport, host, port, params)


@lru_cache(maxsize=4096)
def _sent_protocol_and_by(text: str) -> tuple[str, str, str, int | None]:
    """``sent-protocol LWS sent-by``: the part of a Via before its parameters, the same in
    every request from one sender (only the branch changes), hence the cache."""
    match = _VIA.fullmatch(text)
    if match is None:
        raise ParseError(f"Invalid Via {excerpt(text)}")
    port = match["port"]
    if port is not None and int(port) > 65535:
        raise ParseError(f"Port out of range in Via {excerpt(text)}")
    return (
        f"{match['name'].upper()}/{match['version']}",
        match["transport"].upper(),
        match["host"],
        None if port is None else int(port),
    )


@lru_cache(maxsize=4096)
def parse_cseq(text: str) -> CSeq:
    match = _CSEQ.fullmatch(text)
    if match is None:
        raise ParseError(f"Invalid CSeq {excerpt(text)}")
    seq = _number(match["seq"])
    if seq > MAX_SEQ:
        raise ParseError("CSeq number exceeds 2**32-1")
    return CSeq(seq, match["method"])


@lru_cache(maxsize=4096)
def parse_call_id(text: str) -> str:
    if not _CALL_ID.fullmatch(text):
        raise ParseError(f"Invalid Call-ID {excerpt(text)}")
    return text


@lru_cache(maxsize=4096)
def parse_delta_seconds(text: str) -> int:
    """Expires header and Contact ``expires``: seconds, capped at 2**32-1 (RFC 3261 20.19,
    RFC 4475 3.1.2.4); a malformed value counts as 3600, as RFC 3261 20.10 and 20.19 ask."""
    if not _DIGITS.fullmatch(text):
        return MALFORMED_EXPIRES
    return min(_number(text), MAX_SEQ)


@lru_cache(maxsize=4096)
def parse_max_forwards(text: str) -> int:
    """RFC 3261 8.1.1.6: an integer in the range 0-255."""
    value = _number(text) if _DIGITS.fullmatch(text) else 256
    if value > 255:
        raise ParseError(f"Invalid Max-Forwards {excerpt(text)}")
    return value


@lru_cache(maxsize=4096)
def parse_content_length(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise ParseError(f"Invalid Content-Length {excerpt(text)}")
    return _number(text)


def parse_option_tags(values: list[str]) -> tuple[str, ...]:
    """Supported / Require / Proxy-Require items: option tags (tokens)."""
    tags: list[str] = []
    for value in values:
        if not value:
            continue
        if not _TOKEN.fullmatch(value):
            raise ParseError(f"Invalid option tag {excerpt(value)}")
        tags.append(value)
    return tuple(tags)
