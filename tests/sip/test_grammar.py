from __future__ import annotations

import re

import pytest

from autoprov.sip import grammar


def full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


def test_token_has_the_rfc_characters() -> None:
    assert full(grammar.TOKEN, "a-.!%*_+`'~Z9")
    for bad in ["", "a b", "a:b", "a,b", 'a"b', "a@b", "a/b"]:
        assert not full(grammar.TOKEN, bad)


def test_token_set_is_the_token_characters() -> None:
    for code in range(0x180):
        assert (chr(code) in grammar.TOKEN_SET) == full(grammar.TOKEN, chr(code)), hex(code)
    assert len(set(grammar.TOKEN_SET)) == len(grammar.TOKEN_SET)


def test_quoted_string_takes_quoted_pairs() -> None:
    assert full(grammar.QUOTED_STRING, r'"a \" b \\"')
    assert full(grammar.QUOTED_STRING, '"\u00e9t\u00e9"')
    assert not full(grammar.QUOTED_STRING, '"open')
    assert not full(grammar.QUOTED_STRING, '"a"b"')


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("example.com", True),
        ("192.0.2.1", True),
        ("[2001:db8::1]", True),
        ("[2001:db8:::192.0.2.1]", True),  # RFC 3261's ABNF admits it (RFC 5118 4.10)
        ("[::1]", True),
        ("[2001]", False),
        ("-bad.example.com", False),
        ("under_score", False),
    ],
)
def test_host(host: str, ok: bool) -> None:
    assert full(grammar.HOST, host) is ok


def test_via_parm_allows_spaces_around_slashes() -> None:
    match = re.match(grammar.VIA_PARM, "SIP  /   2.0 / UDP  host : 5060 ;branch=1")
    assert match is not None
    assert (match["transport"], match["host"], match["port"]) == ("UDP", "host", "5060")
