"""What can be said: `Request` and `Response`, immutable, with typed header accessors.

The typed accessors (``via``, ``from_``, ``to``, ``call_id``, ``cseq``, ``contacts``...) parse
their header on first use and keep the result on the message. They raise `ParseError` (400)
when the header is malformed, and for the single-value headers also when it is missing or
repeated (RFC 4475 3.3.8): such messages still parse, and whoever handles them decides, which
`validate()` does in one call. The parser reads every header that is present once as soon as
the message is framed, so a malformed one is rejected at parse time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from autoprov.sip import grammar
from autoprov.sip.accessors import HeaderCache, SingleHeader, computed
from autoprov.sip.errors import ParseError
from autoprov.sip.headers import Headers, split_values
from autoprov.sip.uri import AbsoluteURI, SipURI
from autoprov.sip.values import (
    CSeq,
    NameAddr,
    Via,
    parse_call_id,
    parse_contact,
    parse_content_length,
    parse_cseq,
    parse_delta_seconds,
    parse_max_forwards,
    parse_name_addr,
    parse_option_tags,
    parse_via,
)

_TOKEN: Final = re.compile(grammar.TOKEN)


def _cseq_method_matches(message: _Message, cseq: CSeq) -> None:
    # RFC 4475 3.1.2.17-18: a CSeq method other than the request's is a 400
    if isinstance(message, Request) and cseq.method != message.method:
        raise ParseError(f"CSeq method {cseq.method} does not match {message.method}")


_FROM: Final = SingleHeader("From", parse_name_addr, required=True)
_TO: Final = SingleHeader("To", parse_name_addr, required=True)
_CALL_ID: Final = SingleHeader("Call-ID", parse_call_id, required=True)
_CSEQ: Final = SingleHeader("CSeq", parse_cseq, _cseq_method_matches, required=True)
_EXPIRES: Final = SingleHeader("Expires", parse_delta_seconds)
_MAX_FORWARDS: Final = SingleHeader("Max-Forwards", parse_max_forwards)
_SINGLE_VALUED: Final[tuple[SingleHeader[Any], ...]] = (
    _FROM,
    _TO,
    _CALL_ID,
    _CSEQ,
    _MAX_FORWARDS,
    _EXPIRES,
)


class _Message(HeaderCache):
    """The accessors requests and responses share."""

    __slots__ = ()
    body: bytes

    @property
    def from_(self) -> NameAddr:
        return _FROM.value(self)

    @property
    def to(self) -> NameAddr:
        return _TO.value(self)

    @property
    def call_id(self) -> str:
        return _CALL_ID.value(self)

    @property
    def cseq(self) -> CSeq:
        return _CSEQ.value(self)

    @property
    def expires(self) -> int | None:
        """The Expires header in seconds (see `parse_delta_seconds`)."""
        return _EXPIRES.get(self)

    @property
    def max_forwards(self) -> int | None:
        return _MAX_FORWARDS.get(self)

    @property
    def via(self) -> tuple[Via, ...]:
        return computed(self, "via", _read_vias)

    @property
    def _contact_list(self) -> tuple[bool, tuple[NameAddr, ...]]:
        return computed(self, "contact", _read_contact_list)

    @property
    def contacts(self) -> tuple[NameAddr, ...]:
        """Every Contact value in order; empty for ``Contact: *``."""
        return self._contact_list[1]

    @property
    def contact_star(self) -> bool:
        """``Contact: *`` (remove all bindings, RFC 3261 10.2.2)."""
        return self._contact_list[0]

    @property
    def content_length(self) -> int | None:
        """The declared body length; two different values are an error (RFC 4475 3.3.9)."""
        return computed(self, "content-length", _read_content_length)

    @property
    def user_agent(self) -> str | None:
        return self.headers.get("User-Agent")

    @property
    def authorization(self) -> tuple[str, ...]:
        """Raw Authorization values, one per field (see `autoprov.sip.digest`)."""
        return tuple(self.headers.fields_of("Authorization"))

    @property
    def www_authenticate(self) -> tuple[str, ...]:
        return tuple(self.headers.fields_of("WWW-Authenticate"))

    @property
    def supported(self) -> tuple[str, ...]:
        return computed(self, "supported", _read_supported)

    @property
    def require(self) -> tuple[str, ...]:
        return computed(self, "require", _read_require)

    def validate(self) -> None:
        """Raise the `ParseError` (400) a server answers with when Via, From, To, Call-ID or
        CSeq is missing, repeated or malformed, or the framing headers disagree (RFC 3261
        8.1.1, RFC 4475 3.3.8-3.3.9). Max-Forwards may be absent (RFC 2543 peers)."""
        if _VALID in self._cache:
            return
        if not self.via:
            raise ParseError("Missing Via header")
        _ = (self.from_, self.to, self.call_id, self.cseq, self.max_forwards, self.expires)
        _ = (self.content_length, self._contact_list)

    def _check_present(self) -> None:
        """Parse what is there once, for the parser: malformed headers fail here, absent or
        repeated ones are left to the accessors (and `validate`). The values go straight into
        the cache, and a message found complete is marked valid, so that `validate` and the
        accessors afterwards only read the cache (this runs for every message received)."""
        index = self.headers._values
        cache = self._cache
        vias = cache["via"] = _vias(index.get("via", ()))
        cache["contact"] = _contact_list(index.get("contact", ()))
        complete = bool(vias)
        for header in _SINGLE_VALUED:
            values = index.get(header.key)
            if values is None:
                complete = complete and not header.required
            elif len(values) == 1:
                cache[header.key] = header.read(self, values)
            else:
                complete = False
        lengths = index.get("content-length")
        if lengths is None:
            cache["content-length"] = None
        elif len(lengths) == 1:
            cache["content-length"] = parse_content_length(lengths[0])
        else:
            complete = False  # left to the accessor, which tells agreeing from conflicting
        if "require" not in index:
            cache["require"] = ()
        if complete:
            cache[_VALID] = True


_VALID: Final = "_valid"
"""Cache key: `validate` has nothing to say about this message. The values read from headers
are kept under the headers' lower-cased names."""


def _read_vias(message: _Message) -> tuple[Via, ...]:
    return _vias(message.headers.by_key("via"))


def _read_contact_list(message: _Message) -> tuple[bool, tuple[NameAddr, ...]]:
    return _contact_list(message.headers.by_key("contact"))


def _read_content_length(message: _Message) -> int | None:
    lengths = {parse_content_length(v) for v in message.headers.by_key("content-length")}
    if len(lengths) > 1:
        raise ParseError("Conflicting Content-Length values")
    return lengths.pop() if lengths else None


def _read_supported(message: _Message) -> tuple[str, ...]:
    return parse_option_tags(message.headers.get_all("Supported"))


def _read_require(message: _Message) -> tuple[str, ...]:
    return parse_option_tags(message.headers.get_all("Require"))


def _vias(values: Sequence[str]) -> tuple[Via, ...]:
    return tuple([parse_via(value) for value in split_values(values)])


def _contact_list(values: Sequence[str]) -> tuple[bool, tuple[NameAddr, ...]]:
    """``(star, contacts)`` from the Contact fields."""
    items = split_values(values)
    if "*" not in items:
        return False, tuple([parse_contact(item) for item in items])
    if len(items) > 1:
        raise ParseError("Contact: * must be the only contact")
    return True, ()


_NO_HEADERS: Final = Headers()


@dataclass(frozen=True, slots=True, init=False)
class Request(_Message):
    method: str
    uri: SipURI | AbsoluteURI
    headers: Headers
    body: bytes
    _cache: dict[str, object] = field(init=False, repr=False, compare=False)

    # explicit, so that mypyc compiles it: the __init__ `dataclass` writes stays interpreted
    # (twenty times slower), and a message is made for every datagram
    def __init__(
        self,
        method: str,
        uri: SipURI | AbsoluteURI,
        headers: Headers = _NO_HEADERS,
        body: bytes = b"",
    ) -> None:
        if not _TOKEN.fullmatch(method):
            raise ValueError(f"invalid method {method!r}")
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "uri", uri)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "_cache", {})


@dataclass(frozen=True, slots=True, init=False)
class Response(_Message):
    status_code: int
    reason: str
    headers: Headers
    body: bytes
    _cache: dict[str, object] = field(init=False, repr=False, compare=False)

    # explicit, so that mypyc compiles it (see `Request`)
    def __init__(
        self, status_code: int, reason: str, headers: Headers = _NO_HEADERS, body: bytes = b""
    ) -> None:
        if not 100 <= status_code <= 699:
            raise ValueError(f"status code {status_code} out of range")
        if "\r" in reason or "\n" in reason:
            raise ValueError("reason phrase spans lines")
        object.__setattr__(self, "status_code", status_code)
        object.__setattr__(self, "reason", reason)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "_cache", {})


Message = Request | Response
