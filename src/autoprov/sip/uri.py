"""SIP and SIPS URIs (RFC 3261 19.1) and absolute URIs of other schemes.

Components are stored unescaped, so ``sip:%00@host`` has the one-character user ``"\\x00"``
(RFC 4475 3.1.1.4: a registrar must not truncate at the NUL) and ``str(uri)`` escapes them
again. Escapes that do not decode as UTF-8 survive as surrogates and round-trip unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Final
from urllib.parse import quote, unquote

from autoprov.sip import grammar
from autoprov.sip.errors import ParseError, excerpt
from autoprov.sip.params import Params, find_param, has_param

_SIP_REST: Final = re.compile(grammar.SIP_URI_REST)
_USERINFO: Final = re.compile(grammar.USERINFO)
_ABSOLUTE: Final = re.compile(grammar.ABSOLUTE_URI)
_BAD_ESCAPE: Final = re.compile(grammar.BAD_ESCAPE)

# Characters that need no escape in each component (grammar.*_SAFE without regex escapes).
_USER_SAFE: Final = "-_.!~*'()&=+$,;?/"
_PASSWORD_SAFE: Final = "-_.!~*'()&=+$,"  # noqa: S105 - a character set, no secret
_PARAM_SAFE: Final = "-_.!~*'()[]/:&+$"
_HNV_SAFE: Final = "-_.!~*'()[]/?:+$"


def _unescape(text: str) -> str:
    return unquote(text, errors="surrogateescape") if "%" in text else text


@cache
def _plain(safe: str) -> re.Pattern[str]:
    """Text that `quote` would leave as it is (its always-safe set plus ``safe``)."""
    return re.compile(rf"[A-Za-z0-9_.~\-{re.escape(safe)}]*")


def _escape(text: str, safe: str) -> str:
    if _plain(safe).fullmatch(text):  # the usual case, and far cheaper than quote()
        return text
    return quote(text, safe=safe, errors="surrogateescape")


@dataclass(frozen=True, slots=True, init=False)
class SipURI:
    scheme: str
    """``"sip"`` or ``"sips"``, lower case."""
    user: str | None
    password: str | None
    host: str
    """A host name, an IPv4 address, or an IPv6 reference with its brackets."""
    port: int | None
    params: Params
    """URI parameters, names lower-cased, values unescaped; ``None`` for a bare flag."""
    headers: tuple[tuple[str, str], ...]
    _text: str | None = field(init=False, repr=False, compare=False)
    """`str` of this URI once asked: parsed URIs are cached and shared (`parse_uri`), so a
    server writes the same few (its phones' contacts) over and over."""

    # explicit, so that mypyc compiles it: the __init__ `dataclass` writes stays interpreted
    # (twenty times slower), and URIs are made for every message
    def __init__(
        self,
        scheme: str,
        user: str | None,
        password: str | None,
        host: str,
        port: int | None,
        params: Params = (),
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        object.__setattr__(self, "scheme", scheme)
        object.__setattr__(self, "user", user)
        object.__setattr__(self, "password", password)
        object.__setattr__(self, "host", host)
        object.__setattr__(self, "port", port)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "headers", headers)
        object.__setattr__(self, "_text", None)

    def param(self, name: str) -> str | None:
        """The value of a URI parameter (``None`` when absent or a bare flag like ``lr``)."""
        return find_param(self.params, name)

    def has_param(self, name: str) -> bool:
        return has_param(self.params, name)

    @property
    def host_port(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = _sip_uri_text(self)
            object.__setattr__(self, "_text", text)
        return text


def _sip_uri_text(uri: SipURI) -> str:
    """The text of a SIP URI, components escaped again."""
    parts = [uri.scheme, ":"]
    if uri.user is not None:
        parts.append(_escape(uri.user, _USER_SAFE))
        if uri.password is not None:
            parts += [":", _escape(uri.password, _PASSWORD_SAFE)]
        parts.append("@")
    parts.append(uri.host_port)
    for name, value in uri.params:
        parts += [";", _escape(name, _PARAM_SAFE)]
        if value is not None:
            parts += ["=", _escape(value, _PARAM_SAFE)]
    if uri.headers:
        parts.append("?")
        parts.append(
            "&".join(f"{_escape(n, _HNV_SAFE)}={_escape(v, _HNV_SAFE)}" for n, v in uri.headers)
        )
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class AbsoluteURI:
    """A URI of any scheme but sip/sips, kept as text (the registrar answers 416 to it)."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


URI: Final = SipURI | AbsoluteURI


@lru_cache(maxsize=4096)
def parse_uri(text: str) -> SipURI | AbsoluteURI:
    """Parse a URI; raise `ParseError` when it is not one (whitespace, ``<>``, bad escapes).

    Results are immutable and cached: a server sees its own Request-URI in every request,
    and a phone's AOR in both its From and its To."""
    if "%" in text and _BAD_ESCAPE.search(text):
        raise ParseError(f"Invalid escape in URI {excerpt(text)}")
    scheme, colon, rest = text.partition(":")
    lowered = scheme.lower()
    if colon and (lowered == "sip" or lowered == "sips"):
        return _parse_sip(lowered, rest, text)
    match = _ABSOLUTE.fullmatch(text)
    if match is None:
        raise ParseError(f"Invalid URI {excerpt(text)}")
    return AbsoluteURI(scheme=lowered, value=match["value"])


def _parse_sip(scheme: str, rest: str, text: str) -> SipURI:
    user = password = None
    # user and password never hold an unescaped "@", so the first one ends the userinfo
    at = rest.find("@")
    if at >= 0:
        userinfo = _USERINFO.fullmatch(rest, 0, at)
        if userinfo is None:
            raise ParseError(f"Invalid user part in URI {excerpt(text)}")
        user = _unescape(userinfo["user"])
        if userinfo["password"] is not None:
            password = _unescape(userinfo["password"])
    match = _SIP_REST.fullmatch(rest, at + 1)
    if match is None:
        raise ParseError(f"Invalid SIP URI {excerpt(text)}")
    port = match["port"]
    if port is not None and int(port) > 65535:
        raise ParseError(f"Port out of range in URI {excerpt(text)}")
    params = match["params"]
    headers = match["headers"]
    return SipURI(
        scheme,
        user,
        password,
        match["host"],
        None if port is None else int(port),
        _parse_params(params) if params else (),
        _parse_headers(headers) if headers else (),
    )


def _parse_params(text: str) -> Params:
    params: list[tuple[str, str | None]] = []
    for item in text[1:].split(";"):
        name, equals, value = item.partition("=")
        params.append((_unescape(name).lower(), _unescape(value) if equals else None))
    return tuple(params)


def _parse_headers(text: str) -> tuple[tuple[str, str], ...]:
    pairs = (item.partition("=") for item in text.split("&"))
    return tuple((_unescape(name), _unescape(value)) for name, _, value in pairs)
