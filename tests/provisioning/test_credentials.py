from __future__ import annotations

import base64

import pytest

from autoprov.provisioning.credentials import HttpAuth, HttpCredentials, login_matches
from autoprov.provisioning.request import Auth
from autoprov.sip.digest import response_for

SECRET = b"s" * 32
PATH = "/0004f2aabbcc-profile.cfg"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def digest(
    credentials: HttpCredentials, *, password: str = "pw", uri: str = PATH, nc: int = 1
) -> str:
    challenge = credentials.challenges()[0]
    return response_for(challenge, username="prov", password=password, method="GET", uri=uri, nc=nc)


def check(credentials: HttpCredentials, header: str | None) -> HttpAuth:
    return credentials.check(header, "GET", PATH, "prov", "pw")


def test_no_header_is_no_credentials() -> None:
    assert check(HttpCredentials(SECRET), None) == HttpAuth(Auth.NONE)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic("prov", "pw"), Auth.VALID),
        (basic("prov", "wrong"), Auth.INVALID),
        (basic("other", "pw"), Auth.INVALID),
        (basic("prov", "pw:extra"), Auth.INVALID),
        ("Basic !!!not-base64", Auth.INVALID),
        ("Basic " + base64.b64encode(b"no-colon").decode(), Auth.INVALID),
        ('Digest username="prov"', Auth.INVALID),
        ("Bearer token", Auth.INVALID),
    ],
)
def test_basic_and_garbage(header: str, expected: Auth) -> None:
    assert check(HttpCredentials(SECRET), header).auth is expected


def test_digest() -> None:
    credentials = HttpCredentials(SECRET)
    assert check(credentials, digest(credentials)) == HttpAuth(Auth.VALID)
    assert check(credentials, digest(credentials, password="wrong")).auth is Auth.INVALID


def test_digest_answer_is_bound_to_its_path_and_count() -> None:
    credentials = HttpCredentials(SECRET)
    header = digest(credentials, uri="/site.cfg")
    assert check(credentials, header).auth is Auth.INVALID
    header = digest(credentials)
    assert check(credentials, header).auth is Auth.VALID
    assert check(credentials, header).auth is Auth.INVALID  # replayed nonce-count


def test_processes_sharing_the_secret_accept_each_others_nonces() -> None:
    first, second, stranger = (
        HttpCredentials(SECRET),
        HttpCredentials(SECRET),
        HttpCredentials(b"x" * 32),
    )
    header = digest(first)
    assert check(second, header).auth is Auth.VALID
    assert check(stranger, header).auth is Auth.INVALID


def test_stale_nonce_asks_again() -> None:
    clock = Clock()
    credentials = HttpCredentials(SECRET, clock)
    header = digest(credentials)
    clock.now += 3600
    assert check(credentials, header) == HttpAuth(Auth.NONE, stale=True)
    assert "stale=true" in credentials.challenges(stale=True)[0]
    header = digest(credentials, password="wrong")
    clock.now += 3600
    assert check(credentials, header).auth is Auth.INVALID


def test_challenges_offer_digest_then_basic() -> None:
    digest_challenge, basic_challenge = HttpCredentials(SECRET).challenges()
    assert digest_challenge.startswith('Digest realm="autoprov", nonce="')
    assert 'qop="auth"' in digest_challenge and "algorithm=MD5" in digest_challenge
    assert basic_challenge == 'Basic realm="autoprov"'


def test_logins() -> None:
    assert login_matches("PlcmSpIp", "PlcmSpIp", "PlcmSpIp", "PlcmSpIp")
    assert not login_matches("PlcmSpIp", "x", "PlcmSpIp", "PlcmSpIp")
    assert not login_matches("x", "PlcmSpIp", "PlcmSpIp", "PlcmSpIp")
