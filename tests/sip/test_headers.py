from __future__ import annotations

import pytest

from autoprov.sip import Headers
from autoprov.sip.headers import COMPACT_FORMS, canonical_name, check_field, split_list


def test_compact_forms_and_case_are_one_name() -> None:
    headers = Headers(
        [("v", "SIP/2.0/UDP a"), ("VIA", "SIP/2.0/UDP b"), ("i", "x@y"), ("k", "path")]
    )
    assert headers.fields == (
        ("Via", "SIP/2.0/UDP a"),
        ("Via", "SIP/2.0/UDP b"),
        ("Call-ID", "x@y"),
        ("Supported", "path"),
    )
    assert headers.get("via") == "SIP/2.0/UDP a"
    assert headers.get_all("V") == ["SIP/2.0/UDP a", "SIP/2.0/UDP b"]
    assert headers.get("CALL-ID") == headers.get("i") == "x@y"
    assert "Supported" in headers and "k" in headers and "Require" not in headers


def test_every_compact_form_maps_to_its_full_name() -> None:
    for short, full in COMPACT_FORMS.items():
        assert canonical_name(short) == (full, full.lower())
        assert canonical_name(short.upper()) == (full, full.lower())


def test_unknown_names_keep_their_spelling_and_match_in_any_case() -> None:
    headers = Headers([("X-Polycom-Thing", "1")])
    assert list(headers) == [("X-Polycom-Thing", "1")]
    assert headers.get("x-polycom-thing") == "1"
    assert headers.get("X-Other") is None and headers.get_all("X-Other") == []


def test_list_headers_split_outside_quotes_and_angle_brackets() -> None:
    headers = Headers(
        [
            ("Contact", '"Doe, J" <sip:a@b;x=1,2>;methods="INVITE, BYE", <sip:c@d>'),
            ("Contact", "sip:e@f"),
            ("Supported", "path, outbound ,gruu"),
            ("Supported", ""),
        ]
    )
    assert headers.get_all("m") == [
        '"Doe, J" <sip:a@b;x=1,2>;methods="INVITE, BYE"',
        "<sip:c@d>",
        "sip:e@f",
    ]
    assert headers.get_all("Supported") == ["path", "outbound", "gruu"]
    assert headers.fields_of("Supported") == ["path, outbound ,gruu", ""]


def test_authorization_is_never_split() -> None:
    value = 'Digest username="a", realm="b", nonce="c", uri="sip:d", response="e"'
    headers = Headers([("Authorization", value), ("WWW-Authenticate", value)])
    assert headers.get_all("Authorization") == [value]
    assert headers.get_all("www-authenticate") == [value]


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a , b ,", ["a", "b", ""]),
        ('"x\\",y", z', ['"x\\",y"', "z"]),
        ('"open, quote', ['"open, quote']),
        ("<a,b>, <c", ["<a,b>", "<c"]),
    ],
)
def test_split_list(value: str, items: list[str]) -> None:
    assert split_list(value) == items


@pytest.mark.parametrize(
    ("name", "value"),
    [("Bad Name", "x"), ("", "x"), ("X", "a\r\nInjected: 1"), ("X", "a\nb"), ("Na:me", "x")],
)
def test_caller_fields_are_checked(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        check_field(name, value)
    with pytest.raises(ValueError):
        Headers([(name, value)])


def test_equality_ignores_the_index_and_values_are_stripped() -> None:
    assert Headers([("To", " sip:a@b ")]) == Headers([("t", "sip:a@b")])
    assert Headers([("To", "sip:a@b")]) != Headers([("To", "sip:a@c")])
    assert len(Headers([("A", "1"), ("a", "2")])) == 2
    assert Headers([("Via", "x")]).by_key("via") == ["x"]
