"""HTTP Digest authentication for SIP (RFC 3261 22, RFC 2617, RFC 7616, RFC 8760).

Server side: `NonceKeeper` makes stateless nonces (a timestamp and a salt, signed with a MAC,
so any process holding the secret can check them and none needs to remember them), tells
VALID / STALE (authentic but older than the TTL: answer ``stale=true`` so the phone retries
without asking anyone for a password) / INVALID, and rejects a replayed nonce-count.
`challenge` writes WWW-Authenticate, `parse_authorization` reads Authorization, `verify`
checks the response. Client side: `response_for` answers a challenge.

Algorithms: MD5 and SHA-256, each also as ``-sess``; qop ``auth``, or none for RFC 2069
clients. Which realm, user and URI to accept is the registrar's decision; `uri_matches`
helps with the last one.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from autoprov.sip import grammar
from autoprov.sip.errors import ParseError, excerpt
from autoprov.sip.params import quote_string, unquote_string
from autoprov.sip.uri import AbsoluteURI, SipURI, parse_uri

_HASHES: Final[dict[str, Callable[[bytes], hashlib._Hash]]] = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
}
ALGORITHMS: Final = ("MD5", "MD5-sess", "SHA-256", "SHA-256-sess")

#   auth-param = token "=" ( token / quoted-string ), separated by commas (RFC 7235 2.1)
_AUTH_PARAM_TEXT: Final = (
    rf"[ \t]*({grammar.TOKEN})[ \t]*=[ \t]*({grammar.QUOTED_STRING}|[^\s,\"]+)[ \t]*(?:,|$)"
)
_AUTH_PARAM: Final = re.compile(_AUTH_PARAM_TEXT)
# The whole list, each parameter matched where the previous one ended and never revisited
# (atomic, possessive): exactly the left-to-right reading `findall` then does in one call.
_AUTH_PARAMS: Final = re.compile(rf"(?>{_AUTH_PARAM_TEXT})*+[ \t,]*")
_TOKEN: Final = grammar.TOKEN_RE
_KNOWN_PARAMS: Final = "username realm nonce uri response algorithm qop nc cnonce opaque stale"
_PARAM_KEYS: Final = {
    spelling: name for name in _KNOWN_PARAMS.split() for spelling in (name, name.upper())
}
"""The parameter names clients send, as they spell them: known tokens, no check needed."""
_NC: Final = re.compile(r"[0-9A-Fa-f]{8}")
# base64url of 8 + 8 + 16 bytes (timestamp, salt, MAC), unpadded. The last
# character carries 2 unused bits, which must be zero: only the canonical spelling is
# accepted, so one nonce has one string (the nonce-count memory is keyed by it).
_NONCE: Final = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
_CLOCK_SKEW: Final = 5.0
"""Seconds a nonce's timestamp may lie ahead of ``now`` (processes sharing the secret)."""
_SALT: Final = 8
_SALTS_PER_READ: Final = 512
"""Salts read from the OS at once: one system call per challenge was a tenth of the
registrar's system calls."""


class NonceState(Enum):
    VALID = "valid"
    STALE = "stale"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True, init=False)
class DigestCredentials:
    """An Authorization (or Proxy-Authorization) header with the Digest scheme."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str
    qop: str | None
    nc: str | None
    """Eight hex digits, as sent (the hash covers the text)."""
    cnonce: str | None
    opaque: str | None

    # explicit, so that mypyc compiles it: the __init__ `dataclass` writes stays interpreted
    # (twenty times slower), and credentials are read from every authenticated request
    def __init__(
        self,
        username: str,
        realm: str,
        nonce: str,
        uri: str,
        response: str,
        algorithm: str = "MD5",
        qop: str | None = None,
        nc: str | None = None,
        cnonce: str | None = None,
        opaque: str | None = None,
    ) -> None:
        object.__setattr__(self, "username", username)
        object.__setattr__(self, "realm", realm)
        object.__setattr__(self, "nonce", nonce)
        object.__setattr__(self, "uri", uri)
        object.__setattr__(self, "response", response)
        object.__setattr__(self, "algorithm", algorithm)
        object.__setattr__(self, "qop", qop)
        object.__setattr__(self, "nc", nc)
        object.__setattr__(self, "cnonce", cnonce)
        object.__setattr__(self, "opaque", opaque)


@dataclass(frozen=True, slots=True)
class DigestChallenge:
    """A WWW-Authenticate (or Proxy-Authenticate) header with the Digest scheme."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    stale: bool = False
    opaque: str | None = None


def _auth_params(value: str) -> tuple[str, dict[str, str]] | None:
    """``(scheme, params)`` with lower-cased names and unquoted values; None if not Digest."""
    scheme, _, rest = value.strip(" \t").partition(" ")
    if scheme.lower() != "digest":
        return None
    params = _compact_params(rest)
    return scheme, _general_params(rest) if params is None else params


def _general_params(rest: str) -> dict[str, str]:
    """The parameters in any spelling RFC 7235 allows (blanks around ``=`` and ``,``,
    quoted-pairs, empty list items)."""
    if not _AUTH_PARAMS.fullmatch(rest):
        raise ParseError(f"Malformed Digest parameters in {excerpt(rest, 30)}")
    pairs = _AUTH_PARAM.findall(rest)
    names = [name for name, _ in pairs]
    params = {
        name.lower(): unquote_string(raw) if raw.startswith('"') else raw for name, raw in pairs
    }
    if len(params) < len(names):
        lowered = [name.lower() for name in names]
        twice = next(name for name in lowered if lowered.count(name) > 1)
        raise ParseError(f"Digest parameter {twice} given twice")
    return params


def _compact_params(rest: str) -> dict[str, str] | None:
    """The parameters in their everyday spelling, read with plain string searches: ``name=``
    and a quoted value without quoted-pairs or a plain ASCII value, separated by a comma and
    optional blanks, each name once. None for anything else, which `_general_params` then
    reads (and gives the same result for this spelling)."""
    params: dict[str, str] = {}
    pos, end = 0, len(rest)
    while True:
        equals = rest.find("=", pos)
        if equals <= pos:
            return None
        name = rest[pos:equals]
        key = _PARAM_KEYS.get(name)
        if key is None:
            if not _TOKEN.fullmatch(name):
                return None
            key = name.lower()
        if rest.startswith('"', equals + 1):
            close = rest.find('"', equals + 2)
            if close < 0:
                return None
            value = rest[equals + 2 : close]
            if "\\" in value or "\r" in value or "\n" in value:
                return None
            pos = close + 1
        else:
            comma = rest.find(",", equals + 1)
            pos = end if comma < 0 else comma
            value = rest[equals + 1 : pos]
            # [^\s,"]+ of the general reading, for ASCII (other text goes that way)
            if not (value and value.isascii() and value.isprintable()):
                return None
            if " " in value or '"' in value:
                return None
        if key in params:
            return None
        params[key] = value
        if pos == end:
            return params
        if rest[pos] != ",":
            return None
        pos += 1
        while pos < end and rest[pos] in " \t":
            pos += 1
        if pos == end:
            return None


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if value is None:
        raise ParseError(f"Digest credentials lack {name}")
    return value


def parse_authorization(value: str) -> DigestCredentials | None:
    """Read Digest credentials; None for another scheme (RFC 4475 3.3.7: treat as none).
    Raises `ParseError` when a Digest header lacks what the response needs."""
    parsed = _auth_params(value)
    if parsed is None:
        return None
    params = parsed[1]
    qop = params.get("qop")
    nc = params.get("nc")
    if qop is not None and (nc is None or not _NC.fullmatch(nc) or "cnonce" not in params):
        raise ParseError("Digest qop needs nc (8 hex digits) and cnonce")
    return DigestCredentials(
        username=_required(params, "username"),
        realm=_required(params, "realm"),
        nonce=_required(params, "nonce"),
        uri=_required(params, "uri"),
        response=_required(params, "response"),
        algorithm=params.get("algorithm", "MD5"),
        qop=qop,
        nc=nc,
        cnonce=params.get("cnonce"),
        opaque=params.get("opaque"),
    )


def parse_challenge(value: str) -> DigestChallenge | None:
    """Read a Digest challenge; None for another scheme."""
    parsed = _auth_params(value)
    if parsed is None:
        return None
    params = parsed[1]
    qop = tuple(item.strip() for item in params.get("qop", "").split(",") if item.strip())
    return DigestChallenge(
        realm=_required(params, "realm"),
        nonce=_required(params, "nonce"),
        algorithm=params.get("algorithm", "MD5"),
        qop=qop,
        stale=params.get("stale", "").lower() == "true",
        opaque=params.get("opaque"),
    )


def challenge(
    realm: str,
    nonce: str,
    algorithm: str = "MD5",
    stale: bool = False,
    opaque: str | None = None,
    qop: str | None = "auth",
) -> str:
    """A WWW-Authenticate value. ``qop=None`` challenges RFC 2069 style (no nonce-count)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    parts = [f"Digest realm={quote_string(realm)}", f"nonce={quote_string(nonce)}"]
    parts.append(f"algorithm={algorithm}")
    if qop is not None:
        parts.append(f"qop={quote_string(qop)}")
    if stale:
        parts.append("stale=true")
    if opaque is not None:
        parts.append(f"opaque={quote_string(opaque)}")
    return ", ".join(parts)


def _digest(
    algorithm: str,
    *,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    qop: str | None,
    nc: str | None,
    cnonce: str | None,
) -> str | None:
    """The ``response`` value (RFC 7616 3.4.1); None for what this module does not speak."""
    name = algorithm.upper()
    sess = name.endswith("-SESS")
    hash_factory = _HASHES.get(name.removesuffix("-SESS"))
    if hash_factory is None or (sess and cnonce is None) or qop not in (None, "auth"):
        return None

    def h(text: str) -> str:
        return hash_factory(text.encode("utf-8", "surrogateescape")).hexdigest()

    ha1 = h(f"{username}:{realm}:{password}")
    if sess:
        ha1 = h(f"{ha1}:{nonce}:{cnonce}")
    ha2 = h(f"{method}:{uri}")
    if qop is None:
        return h(f"{ha1}:{nonce}:{ha2}")
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


def verify(credentials: DigestCredentials, password: str, method: str) -> bool:
    """Whether the credentials' response is right for this password and request method."""
    expected = _digest(
        credentials.algorithm,
        username=credentials.username,
        realm=credentials.realm,
        password=password,
        method=method,
        uri=credentials.uri,
        nonce=credentials.nonce,
        qop=credentials.qop,
        nc=credentials.nc,
        cnonce=credentials.cnonce,
    )
    return expected is not None and hmac.compare_digest(expected, credentials.response.lower())


def response_for(
    challenge_value: str | DigestChallenge,
    *,
    username: str,
    password: str,
    method: str,
    uri: str,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """The Authorization value answering a challenge (client side: simulator, tests)."""
    parsed = (
        parse_challenge(challenge_value) if isinstance(challenge_value, str) else challenge_value
    )
    if parsed is None:
        raise ValueError("not a Digest challenge")
    qop = None
    if parsed.qop:
        if "auth" not in parsed.qop:
            raise ValueError(f"no supported qop in {parsed.qop}")
        qop = "auth"
    if qop is not None or parsed.algorithm.endswith("-sess"):
        cnonce = cnonce or secrets.token_hex(8)
    nc_text = f"{nc:08x}" if qop is not None else None
    response = _digest(
        parsed.algorithm,
        username=username,
        realm=parsed.realm,
        password=password,
        method=method,
        uri=uri,
        nonce=parsed.nonce,
        qop=qop,
        nc=nc_text,
        cnonce=cnonce,
    )
    if response is None:
        raise ValueError(f"unsupported digest algorithm {parsed.algorithm!r}")
    parts = [
        f"Digest username={quote_string(username)}",
        f"realm={quote_string(parsed.realm)}",
        f"nonce={quote_string(parsed.nonce)}",
        f"uri={quote_string(uri)}",
        f"response={quote_string(response)}",
        f"algorithm={parsed.algorithm}",
    ]
    if cnonce is not None:
        parts.append(f"cnonce={quote_string(cnonce)}")
    if qop is not None:
        parts += [f"qop={qop}", f"nc={nc_text}"]
    if parsed.opaque is not None:
        parts.append(f"opaque={quote_string(parsed.opaque)}")
    return ", ".join(parts)


def uri_matches(
    digest_uri: str, request_uri: SipURI | AbsoluteURI | str, *, realm: str | None = None
) -> bool:
    """Lenient digest-uri check: equal to the Request-URI, or a SIP URI naming the same host
    or the realm. SIPp sends ``sip:<server ip>:<port>`` instead of the Request-URI, and
    phones differ on ports and parameters; the response hash still binds the URI it used."""
    try:
        digest_target = parse_uri(digest_uri)
        target = parse_uri(request_uri) if isinstance(request_uri, str) else request_uri
    except ParseError:
        return digest_uri == str(request_uri)
    # equal text parses to equal URIs (parsing is cached: cheaper than writing the text)
    if digest_target == target:
        return True
    if not isinstance(digest_target, SipURI):
        return False
    host = digest_target.host.lower()
    if isinstance(target, SipURI) and host == target.host.lower():
        return True
    return realm is not None and host == realm.lower()


# base64url through binascii directly: the `base64` module's wrappers are plain Python
_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")


def _encode(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).translate(_TO_URLSAFE).decode().rstrip("=")


def _decode(text: str) -> bytes:
    """base64url without its padding (``text`` already checked against `_NONCE`), translated
    as bytes: `str.translate` maps one character at a time through a dict."""
    return binascii.a2b_base64((text + "=").encode().translate(_FROM_URLSAFE))


class NonceKeeper:
    """Stateless signed nonces with a lifetime, plus a bounded nonce-count memory.

    A nonce is base64url(timestamp, salt, MAC(secret, timestamp + salt)), the MAC being keyed
    BLAKE2b with a 16-byte digest (RFC 7693: a MAC in itself, and computed natively, where
    HMAC-SHA256 goes through OpenSSL at several times the cost per call).

    The nonce-count memory keeps the highest ``nc`` seen per nonce, for at least the
    ``max_tracked / 2`` most recently used nonces and at most ``max_tracked``: two plain dicts,
    the current one and the one before, which the current one replaces when it is full. A
    nonce pushed out can be replayed until it goes stale, which bounds memory at the price of
    that window. A nonce is remembered by its hash, a number a third the size of its text: two
    nonces in memory sharing a 64-bit hash would only make the second's first use look like a
    replay, answered with a new challenge.
    """

    def __init__(self, secret: bytes, ttl: float, *, max_tracked: int = 100_000) -> None:
        if len(secret) < 16:
            raise ValueError("the nonce secret needs at least 16 bytes")
        # BLAKE2b takes keys up to 64 bytes: a longer secret is hashed down to that
        self._key = secret if len(secret) <= 64 else hashlib.blake2b(secret).digest()
        self.ttl = ttl
        self._generation = max(1, max_tracked // 2)
        self._counts: dict[int, int] = {}
        self._previous: dict[int, int] = {}
        self._salts = b""
        self._next_salt = 0

    def _mac(self, stamp_and_salt: bytes) -> bytes:
        return hashlib.blake2b(stamp_and_salt, key=self._key, digest_size=16).digest()

    def make(self, now: float) -> str:
        start = self._next_salt
        if start >= len(self._salts):
            self._salts, start = os.urandom(_SALT * _SALTS_PER_READ), 0  # what secrets uses
        self._next_salt = start + _SALT
        stamp_and_salt = int(now).to_bytes(8, "big") + self._salts[start : start + _SALT]
        return _encode(stamp_and_salt + self._mac(stamp_and_salt))

    def check(self, nonce: str, now: float) -> NonceState:
        if not _NONCE.fullmatch(nonce):
            return NonceState.INVALID
        raw = _decode(nonce)
        if not hmac.compare_digest(self._mac(raw[:16]), raw[16:]):
            return NonceState.INVALID
        issued = int.from_bytes(raw[:8], "big")
        if issued > now + _CLOCK_SKEW:
            return NonceState.INVALID
        return NonceState.STALE if now - issued > self.ttl else NonceState.VALID

    def accept_nc(self, nonce: str, nc: str | int) -> bool:
        """Record a nonce-count; False when it is not above the last one seen (a replay)."""
        if isinstance(nc, str):
            if not _NC.fullmatch(nc):
                return False
            nc = int(nc, 16)
        counts, key = self._counts, hash(nonce)
        last = counts.get(key)
        if last is None:
            last = self._previous.get(key, 0)
        if nc <= last:
            return False
        counts[key] = nc
        if len(counts) >= self._generation:
            self._previous, self._counts = counts, {}
        return True
