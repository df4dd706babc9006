from __future__ import annotations

import pytest

from autoprov.sip import AbsoluteURI, ParseError, SipURI, parse_uri


def sip(text: str) -> SipURI:
    uri = parse_uri(text)
    assert isinstance(uri, SipURI)
    return uri


def test_all_components() -> None:
    uri = sip("sips:alice:secret@Example.COM:5061;transport=tcp;lr;Maddr=10.0.0.1?Subject=hi&X=")
    assert (uri.scheme, uri.user, uri.password) == ("sips", "alice", "secret")
    assert (uri.host, uri.port, uri.host_port) == ("Example.COM", 5061, "Example.COM:5061")
    assert uri.params == (("transport", "tcp"), ("lr", None), ("maddr", "10.0.0.1"))
    assert uri.param("MADDR") == "10.0.0.1"
    assert uri.param("lr") is None and uri.has_param("lr") and not uri.has_param("ttl")
    assert uri.headers == (("Subject", "hi"), ("X", ""))
    assert (
        str(uri)
        == "sips:alice:secret@Example.COM:5061;transport=tcp;lr;maddr=10.0.0.1?Subject=hi&X="
    )


def test_scheme_is_case_insensitive_and_host_only_uris_parse() -> None:
    uri = sip("SIP:pbx.example.com")
    assert (uri.scheme, uri.user, uri.port) == ("sip", None, None)
    assert str(uri) == "sip:pbx.example.com"


def test_escapes_are_decoded_and_written_back() -> None:
    uri = sip("sip:%61lice%00%40x;n%61me=v%25@host")
    assert uri.user == "alice\x00@x;name=v%"
    assert str(uri) == "sip:alice%00%40x;name=v%25@host"
    assert sip(str(uri)) == uri


def test_escapes_that_are_not_utf8_round_trip() -> None:
    uri = sip("sip:%FF%FE@host")
    assert str(uri) == "sip:%FF%FE@host"


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("sip:[2001:db8::1]", "[2001:db8::1]", None),
        ("sip:u@[2001:db8::1]:5070", "[2001:db8::1]", 5070),
        ("sip:[::ffff:192.0.2.1];lr", "[::ffff:192.0.2.1]", None),
        ("sip:192.0.2.1:5060", "192.0.2.1", 5060),
        ("sip:host.example.com.", "host.example.com.", None),
    ],
)
def test_hosts(text: str, host: str, port: int | None) -> None:
    uri = sip(text)
    assert (uri.host, uri.port) == (host, port)


@pytest.mark.parametrize(
    "text",
    [
        "sip:2001:db8::10",  # IPv6 without brackets: RFC 5118 4.2
        "sip:host:65536",
        "sip:host:",
        "sip:",
        "sip:user@",
        "sip:us er@host",
        "sip:user@host;",
        "sip:user@host;a=",
        "sip:%4@host",
        "sip:%zz@host",
        "sip:user@-host",
        "sip:user@host?",
        "<sip:user@host>",
        "sip:user@host ",
        "no-scheme",
        ":opaque",
        "1tel:123",
        "http:",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(ParseError):
        parse_uri(text)


def test_other_schemes_are_absolute_uris() -> None:
    uri = parse_uri("TEL:+1-201-555-0123;phone-context=example.com")
    assert uri == AbsoluteURI("tel", "+1-201-555-0123;phone-context=example.com")
    assert str(uri) == "tel:+1-201-555-0123;phone-context=example.com"
    assert parse_uri("soap.beep://192.0.2.103:3002") == AbsoluteURI(
        "soap.beep", "//192.0.2.103:3002"
    )


def test_user_part_may_hold_semicolons_and_question_marks() -> None:
    uri = sip("sip:user;par=u%40example.net?x@example.com;lr")
    assert uri.user == "user;par=u@example.net?x"
    assert uri.params == (("lr", None),)
