from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoprov.sip import ParseError, parse_uri
from autoprov.sip.digest import (
    DigestChallenge,
    DigestCredentials,
    NonceKeeper,
    NonceState,
    _compact_params,
    _general_params,
    challenge,
    parse_authorization,
    parse_challenge,
    response_for,
    uri_matches,
    verify,
)

SECRET = b"0123456789abcdef0123456789abcdef"

# RFC 2617 section 3.5
RFC2617 = (
    'Digest username="Mufasa", realm="testrealm@host.com", '
    'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, '
    'nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", '
    'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
)


def rfc7616(algorithm: str, response: str) -> str:
    """RFC 7616 section 3.9.1, with the algorithm's response."""
    return (
        f'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
        f'algorithm={algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        f'nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, '
        f'response="{response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )


def credentials(value: str) -> DigestCredentials:
    parsed = parse_authorization(value)
    assert parsed is not None
    return parsed


def test_rfc2617_example() -> None:
    parsed = credentials(RFC2617)
    assert (parsed.username, parsed.realm, parsed.qop, parsed.nc) == (
        "Mufasa",
        "testrealm@host.com",
        "auth",
        "00000001",
    )
    assert parsed.opaque == "5ccc069c403ebaf9f0171e9517f40e41"
    assert verify(parsed, "Circle Of Life", "GET")
    assert not verify(parsed, "Circle of Life", "GET")
    assert not verify(parsed, "Circle Of Life", "POST")


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_examples(algorithm: str, response: str) -> None:
    parsed = credentials(rfc7616(algorithm, response))
    assert parsed.algorithm == algorithm
    assert verify(parsed, "Circle of Life", "GET")
    assert not verify(parsed, "circle of life", "GET")


def test_other_schemes_are_no_credentials() -> None:
    assert parse_authorization("NoOneKnowsThisScheme opaque-data=here") is None
    assert parse_authorization("Basic dXNlcjpwYXNz") is None
    assert parse_challenge('Basic realm="x"') is None


COMPLETE = 'realm="r", nonce="n", uri="u", response="x"'


@pytest.mark.parametrize(
    "value",
    [
        f"Digest {COMPLETE}",  # no username
        f'Digest username="a", username="b", {COMPLETE}',
        f'Digest username="a", {COMPLETE}, qop=auth',
        f'Digest username="a", {COMPLETE}, qop=auth, nc=1, cnonce="c"',
        f'Digest username="a", {COMPLETE}, junk',
        'Digest username="open, realm="r"',
    ],
)
def test_malformed_digest_credentials(value: str) -> None:
    with pytest.raises(ParseError):
        parse_authorization(value)


@pytest.mark.parametrize(
    "value",
    [
        f'Digest username="a",{COMPLETE.replace(", ", ",")}',  # the compact spelling, and...
        f'Digest username="a", {COMPLETE}',  # ...with spaces
        f'Digest username = "a" ,{COMPLETE.replace(", ", ",")} ,',
        f'Digest username="a\\"b",{COMPLETE.replace(", ", ",")}',  # a quoted-pair
        f'Digest USERNAME="a",{COMPLETE.replace(", ", ",")},opaque="",',
        f'Digest username="a,b=c",{COMPLETE.replace(", ", ",")}',  # "," and "=" quoted
    ],
)
def test_every_spelling_reads_the_same(value: str) -> None:
    credentials = parse_authorization(value)
    assert credentials is not None
    assert (credentials.realm, credentials.nonce, credentials.uri) == ("r", "n", "u")
    assert credentials.username in {"a", 'a"b', "a,b=c"}


@pytest.mark.parametrize(
    "value",
    [
        f'Digest username="a",username="b",{COMPLETE.replace(", ", ",")}',
        f'Digest username="a"x,{COMPLETE.replace(", ", ",")}',
        f'Digest username="a",{COMPLETE.replace(", ", ",")},junk',
    ],
)
def test_malformed_compact_credentials(value: str) -> None:
    with pytest.raises(ParseError):
        parse_authorization(value)


# Parameter lists in the everyday spelling, half of them with one character put somewhere
# that may make them another spelling (blanks around "=" or ",", a quoted-pair, a comma too
# many) or no valid one at all.
_VALUE = st.one_of(
    st.text(alphabet="ab ,=\u00e9", max_size=6).map(lambda text: f'"{text}"'),
    st.text(alphabet="ab0-", min_size=1, max_size=5),
)


@st.composite
def _param_lists(draw: st.DrawFn) -> str:
    names = st.sampled_from(["username", "USERNAME", "Realm", "nc", "x-y", "opaque"])
    text = ""
    for name in draw(st.lists(names, max_size=5, unique_by=str.lower)):
        if text:
            text += draw(st.sampled_from([",", ", ", ",\t"]))
        text += f"{name}={draw(_VALUE)}"
    if draw(st.booleans()):
        where = draw(st.integers(0, len(text)))
        odd = draw(st.sampled_from([" ", "\t", '"', "\\", ",", "=", "\r", "\u00e9", "\x0b"]))
        text = text[:where] + odd + text[where:]
    return text


@settings(max_examples=500, deadline=None)
@given(_param_lists())
def test_the_fast_reading_agrees_with_the_general_one(text: str) -> None:
    compact = _compact_params(text)
    if compact is not None:
        assert compact == _general_params(text)


def test_the_fast_reading_takes_the_everyday_spellings() -> None:
    for separator in (",", ", "):
        text = separator.join(RFC2617.removeprefix("Digest ").split(", "))
        assert _compact_params(text) == _general_params(text)
        assert _compact_params(text) is not None


def test_challenge_text_and_parse() -> None:
    value = challenge("pbx.example.com", "n1", "SHA-256", stale=True, opaque="o")
    assert value == (
        'Digest realm="pbx.example.com", nonce="n1", algorithm=SHA-256, qop="auth", '
        'stale=true, opaque="o"'
    )
    assert parse_challenge(value) == DigestChallenge(
        "pbx.example.com", "n1", "SHA-256", ("auth",), stale=True, opaque="o"
    )
    assert challenge("r", "n", qop=None) == 'Digest realm="r", nonce="n", algorithm=MD5'
    with pytest.raises(ValueError):
        challenge("r", "n", "SHA-1")


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"])
@pytest.mark.parametrize("qop", ["auth", None])
def test_client_answer_verifies(algorithm: str, qop: str | None) -> None:
    value = response_for(
        challenge("pbx.example.com", "nonce-1", algorithm, qop=qop),
        username="1001",
        password="s3cret",
        method="REGISTER",
        uri="sip:pbx.example.com",
        nc=3,
    )
    parsed = credentials(value)
    assert parsed.qop == qop and parsed.uri == "sip:pbx.example.com"
    assert parsed.nc == ("00000003" if qop else None)
    assert verify(parsed, "s3cret", "REGISTER")
    assert not verify(parsed, "s3cret!", "REGISTER")


def test_client_refuses_what_it_cannot_answer() -> None:
    with pytest.raises(ValueError):
        response_for('Basic realm="x"', username="a", password="b", method="M", uri="u")
    with pytest.raises(ValueError):
        response_for(
            'Digest realm="r", nonce="n", qop="auth-int"',
            username="a",
            password="b",
            method="M",
            uri="u",
        )
    with pytest.raises(ValueError):
        response_for(
            'Digest realm="r", nonce="n", algorithm=SHA-1',
            username="a",
            password="b",
            method="M",
            uri="u",
        )


def test_unsupported_qop_or_algorithm_never_verifies() -> None:
    base = credentials(rfc7616("MD5", "8ca523f5e9506fed4657c9700eebdbec"))
    assert not verify(replace(base, qop="auth-int"), "Circle of Life", "GET")
    assert not verify(replace(base, algorithm="SHA-512"), "Circle of Life", "GET")


def test_nonce_lifecycle() -> None:
    keeper = NonceKeeper(SECRET, ttl=300)
    nonce = keeper.make(1000.0)
    assert keeper.make(1000.0) != nonce  # salted
    assert keeper.check(nonce, 1000.0) is NonceState.VALID
    assert keeper.check(nonce, 1300.0) is NonceState.VALID
    assert keeper.check(nonce, 1301.0) is NonceState.STALE
    assert keeper.check(nonce, 900.0) is NonceState.INVALID  # issued in the future
    assert NonceKeeper(SECRET[::-1], ttl=300).check(nonce, 1000.0) is NonceState.INVALID


def test_nonces_of_one_second_are_all_different() -> None:
    # the salts come from the OS in blocks: past the end of one, the next is read
    keeper = NonceKeeper(SECRET, ttl=300)
    nonces = {keeper.make(1000.0) for _ in range(2000)}
    assert len(nonces) == 2000
    assert all(keeper.check(nonce, 1000.0) is NonceState.VALID for nonce in nonces)


@pytest.mark.parametrize("mutation", ["flip", "short", "junk", "empty", "last"])
def test_tampered_nonces_are_invalid(mutation: str) -> None:
    keeper = NonceKeeper(SECRET, ttl=300)
    nonce = keeper.make(1000.0)
    tampered = {
        "flip": nonce[:5] + ("A" if nonce[5] != "A" else "B") + nonce[6:],
        "short": nonce[:-1],
        "junk": nonce[:-1] + "!",
        "empty": "",
        # the final character's spare bits: same bytes, another spelling
        "last": nonce[:-1] + chr(ord(nonce[-1]) ^ 1),
    }[mutation]
    assert keeper.check(tampered, 1000.0) is NonceState.INVALID


def test_nonce_count_replay_is_rejected() -> None:
    keeper = NonceKeeper(SECRET, ttl=300)
    nonce = keeper.make(1000.0)
    assert keeper.accept_nc(nonce, "00000001")
    assert not keeper.accept_nc(nonce, "00000001")
    assert keeper.accept_nc(nonce, 3)
    assert not keeper.accept_nc(nonce, "00000002")
    assert keeper.accept_nc(keeper.make(1000.0), "00000001")  # counts are per nonce
    assert not keeper.accept_nc(nonce, "0000000x")


def test_nonce_count_memory_is_bounded() -> None:
    keeper = NonceKeeper(SECRET, ttl=300, max_tracked=4)
    nonces = [keeper.make(1000.0) for _ in range(5)]
    for nonce in nonces[:2]:
        assert keeper.accept_nc(nonce, 1)
    # a full generation (max_tracked / 2) becomes the previous one, still remembered
    assert not keeper.accept_nc(nonces[0], 1)
    assert keeper.accept_nc(nonces[0], 2)  # used again: in the current generation
    assert keeper.accept_nc(nonces[2], 1)  # the current one is full: nonces[1] goes
    assert not keeper.accept_nc(nonces[0], 2)
    assert not keeper.accept_nc(nonces[2], 1)
    assert keeper.accept_nc(nonces[1], 1)  # forgotten: the price of the bound
    # the max_tracked / 2 most recently used are always remembered
    for nonce in nonces[3:]:
        assert keeper.accept_nc(nonce, 1)
    assert not keeper.accept_nc(nonces[4], 1) and not keeper.accept_nc(nonces[3], 1)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        NonceKeeper(b"short", ttl=1)


@pytest.mark.parametrize(
    ("digest_uri", "request_uri", "realm", "expected"),
    [
        ("sip:pbx.example.com", "sip:pbx.example.com", None, True),
        ("sip:127.0.0.1:5060", "sip:127.0.0.1", None, True),  # SIPp
        ("sip:PBX.example.com;transport=tcp", "sip:pbx.example.com", None, True),
        ("sip:pbx.example.com", "sip:10.0.0.1", "pbx.example.com", True),
        ("sip:other.example.com", "sip:pbx.example.com", "pbx.example.com", False),
        ("sip:pbx.example.com", "tel:+123", None, False),
        ("tel:+123", "tel:+123", None, True),
        ("not a uri", "sip:pbx.example.com", None, False),
    ],
)
def test_uri_matches(digest_uri: str, request_uri: str, realm: str | None, expected: bool) -> None:
    assert uri_matches(digest_uri, request_uri, realm=realm) is expected
    assert uri_matches(digest_uri, parse_uri(request_uri), realm=realm) is expected
