from __future__ import annotations

import pytest

from autoprov.sip import (
    CSeq,
    NameAddr,
    ParseError,
    SipURI,
    Via,
    parse_name_addr,
    parse_uri,
    parse_via,
)
from autoprov.sip.values import (
    MAX_SEQ,
    parse_call_id,
    parse_contact,
    parse_content_length,
    parse_cseq,
    parse_delta_seconds,
    parse_max_forwards,
    parse_option_tags,
)


def test_name_addr_with_quoted_display_name() -> None:
    value = parse_name_addr(' "A \\"B\\" C" <sip:a@b;transport=udp> ; tag = x1 ;foo')
    assert value.display_name == 'A "B" C'
    assert value.uri == parse_uri("sip:a@b;transport=udp")
    assert value.params == (("tag", "x1"), ("foo", None))
    assert value.tag == "x1"
    assert str(value) == '"A \\"B\\" C" <sip:a@b;transport=udp>;tag=x1;foo'
    assert parse_name_addr(str(value)) == value


def test_name_addr_with_token_display_name_and_no_space() -> None:
    assert parse_name_addr("Bob Smith<sip:b@c>").display_name == "Bob Smith"
    assert parse_name_addr("<sip:b@c>").display_name is None
    assert parse_name_addr('""<sip:b@c>').display_name == ""


def test_addr_spec_parameters_belong_to_the_header() -> None:
    value = parse_name_addr("sip:+1972@gw.example.net;user=phone;tag=7")
    assert value.uri == parse_uri("sip:+1972@gw.example.net")
    assert value.params == (("user", "phone"), ("tag", "7"))
    assert str(value) == "<sip:+1972@gw.example.net>;user=phone;tag=7"


@pytest.mark.parametrize(
    "text",
    [
        '"open <sip:a@b>',
        '"name" sip:a@b',
        "<sip:a@b",
        "< sip:a@b >",
        "Bell, Alexander <sip:a@b>",
        "sip:a@b?Route=x",
        "sip:a@b,sip:c@d",
        "<sip:a@b> garbage",
        "<sip:a@b>;;",
        "",
    ],
)
def test_invalid_name_addrs(text: str) -> None:
    with pytest.raises(ParseError):
        parse_name_addr(text)


def test_contact_parameters() -> None:
    contact = parse_contact(
        '<sip:u@192.0.2.1:5060>;expires=3600;q=0.5;+sip.instance="<urn:uuid:00000000-0000-1000>"'
    )
    assert contact.expires == 3600
    assert contact.q == 0.5
    assert contact.instance == "<urn:uuid:00000000-0000-1000>"
    assert parse_contact("<sip:u@h>").expires is None
    assert parse_contact("<sip:u@h>").q is None
    assert parse_contact("<sip:u@h>;expires=99999999999999999999").expires == MAX_SEQ


def test_malformed_expires_counts_as_an_hour() -> None:
    # RFC 3261 20.10: "Malformed values SHOULD be treated as equivalent to 3600"
    assert parse_contact("<sip:u@h>;expires=soon").expires == 3600
    assert parse_delta_seconds("-1") == 3600


@pytest.mark.parametrize("params", [";expires=", ";q=2", ";q=0.5555", ";q=x"])
def test_invalid_contact_parameters(params: str) -> None:
    with pytest.raises(ParseError):
        parse_contact("<sip:u@h>" + params)


def test_with_param_replaces_or_appends() -> None:
    value = NameAddr(None, parse_uri("sip:a@b"), (("tag", "1"), ("x", None)))
    assert value.with_param("TAG", "2").params == (("x", None), ("tag", "2"))
    assert value.with_param("q", "1").param("q") == "1"


def test_via() -> None:
    via = parse_via("SIP / 2.0 / udp 192.0.2.1 : 5062 ; branch=z9hG4bK1 ;rport;received=10.0.0.1")
    assert via == Via(
        "SIP/2.0",
        "UDP",
        "192.0.2.1",
        5062,
        (("branch", "z9hG4bK1"), ("rport", None), ("received", "10.0.0.1")),
    )
    assert (via.branch, via.received, via.rport, via.sent_by) == (
        "z9hG4bK1",
        "10.0.0.1",
        None,
        "192.0.2.1:5062",
    )
    assert via.has_param("rport")
    assert str(via) == "SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bK1;rport;received=10.0.0.1"
    assert parse_via(str(via)) == via


def test_via_with_params_sets_in_place_then_appends() -> None:
    via = parse_via("SIP/2.0/TCP [2001:db8::1];rport;branch=z9hG4bKx")
    stamped = via.with_params(rport="5070", received="2001:db8::1")
    assert stamped.params == (
        ("rport", "5070"),
        ("branch", "z9hG4bKx"),
        ("received", "2001:db8::1"),
    )
    assert stamped.rport == 5070


@pytest.mark.parametrize(
    "text",
    [
        "SIP/2.0 host",
        "SIP/2.0/UDP",
        "SIP/2.0/UDP host;;",
        "SIP/2.0/UDP host:99999",
        "SIP/2.0/UDP host;rport=x",
        "SIP/2.0/UDP host;rport=70000",
        "SIP/2.0/UDP host junk",
    ],
)
def test_invalid_via(text: str) -> None:
    with pytest.raises(ParseError):
        parse_via(text)


def test_cseq() -> None:
    assert parse_cseq("0009 INVITE") == CSeq(9, "INVITE")
    assert parse_cseq(f"{MAX_SEQ} REGISTER").seq == MAX_SEQ
    assert str(CSeq(1, "REGISTER")) == "1 REGISTER"
    for bad in [f"{MAX_SEQ + 1} REGISTER", "1", "REGISTER 1", "-1 REGISTER", "1 REG ISTER"]:
        with pytest.raises(ParseError):
            parse_cseq(bad)


def test_scalars() -> None:
    assert parse_max_forwards("0070") == 70
    assert parse_delta_seconds("0") == 0
    assert parse_delta_seconds("1" + "0" * 5000) == MAX_SEQ
    assert parse_content_length("0") == 0
    assert parse_call_id("a.b-c@192.0.2.1") == "a.b-c@192.0.2.1"
    assert parse_option_tags(["path", "", "gruu"]) == ("path", "gruu")
    for parse, bad in [
        (parse_max_forwards, "256"),
        (parse_max_forwards, "0" * 5000 + "300"),
        (parse_content_length, "1.5"),
        (parse_call_id, "a b"),
        (parse_call_id, "a@b@c"),
    ]:
        with pytest.raises(ParseError):
            parse(bad)
    with pytest.raises(ParseError):
        parse_option_tags(["a b"])


def test_uri_of_a_name_addr_may_be_any_scheme() -> None:
    value = parse_name_addr("<tel:+12015550123>;tag=1")
    assert not isinstance(value.uri, SipURI)
    assert str(value) == "<tel:+12015550123>;tag=1"
