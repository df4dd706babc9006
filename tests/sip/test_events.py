from __future__ import annotations

import dataclasses

import pytest

from autoprov.sip import (
    CSeq,
    Headers,
    ParseError,
    Request,
    Response,
    SipURI,
    parse_message,
    parse_uri,
)
from tests.sip.messages import OK, REGISTER, with_header, without_header


def request(data: bytes = REGISTER) -> Request:
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


def test_typed_accessors() -> None:
    message = request()
    assert message.method == "REGISTER"
    assert message.uri == parse_uri("sip:pbx.example.com")
    (via,) = message.via
    assert (via.host, via.port, via.branch, via.has_param("rport")) == (
        "192.168.1.57",
        5060,
        "z9hG4bK4d5f1e8a",
        True,
    )
    assert message.from_.display_name == "DJ7K3M-0004f2aabbcc"
    assert message.from_.tag == "9C5E4B2A"
    assert isinstance(message.to.uri, SipURI) and message.to.uri.user == "~~id~autoprovision"
    assert message.call_id == "6f3a1b2c-8e4d5f60@192.168.1.57"
    assert message.cseq == CSeq(2, "REGISTER")
    (contact,) = message.contacts
    assert contact.instance == "<urn:uuid:0004f2aa-bbcc>"
    assert contact.param("methods") == "INVITE, ACK, BYE"
    assert not message.contact_star
    assert message.expires == 3600
    assert message.max_forwards == 70
    assert message.user_agent == "PolycomVVX-VVX_410-UA/5.9.5.0614"
    assert message.authorization[0].startswith('Digest username="~~id~autoprovision"')
    assert message.supported == ("path", "gruu")
    assert message.require == ()
    assert message.content_length == 0
    message.validate()


def test_typed_values_are_parsed_once() -> None:
    message = request()
    assert message.from_ is message.from_
    assert message.via is message.via


@pytest.mark.parametrize("name", [b"From", b"To", b"Call-ID", b"CSeq", b"Via"])
def test_missing_mandatory_header_parses_but_does_not_validate(name: bytes) -> None:
    message = request(without_header(REGISTER, name))
    with pytest.raises(ParseError, match="Missing"):
        message.validate()


def test_missing_optional_headers_are_none() -> None:
    message = request(without_header(without_header(REGISTER, b"Expires"), b"Max-Forwards"))
    assert message.expires is None and message.max_forwards is None
    assert message.user_agent is not None
    message.validate()


@pytest.mark.parametrize(
    "line",
    [b"To: <sip:x@y>", b"Call-ID: other", b"CSeq: 2 REGISTER", b"Max-Forwards: 70", b"Expires: 0"],
)
def test_repeated_single_value_header_is_a_400_left_to_the_handler(line: bytes) -> None:
    message = request(with_header(REGISTER, line))
    with pytest.raises(ParseError, match="appears 2 times") as caught:
        message.validate()
    assert caught.value.status_code == 400


def test_contact_star() -> None:
    data = with_header(without_header(REGISTER, b"Contact"), b"Contact: *")
    message = request(data)
    assert message.contact_star and message.contacts == ()
    # RFC 3261 20.10: STAR / contact-param list, never both
    with pytest.raises(ParseError, match=r"\*") as caught:
        parse_message(with_header(REGISTER, b"Contact: *"))
    assert caught.value.request_headers is not None


def test_several_contacts_in_one_field_and_across_fields() -> None:
    data = with_header(REGISTER, b'm: "A, B" <sip:a@h>;expires=10, sip:b@h;q=0.1')
    contacts = request(data).contacts
    assert [contact.display_name for contact in contacts] == [None, "A, B", None]
    assert [contact.expires for contact in contacts] == [None, 10, None]
    assert contacts[2].q == 0.1


def test_cseq_method_must_match() -> None:
    with pytest.raises(ParseError, match="CSeq method"):
        parse_message(REGISTER.replace(b"CSeq: 2 REGISTER", b"CSeq: 2 INVITE"))


def test_constructed_messages_parse_headers_lazily() -> None:
    headers = Headers([("To", "<broken"), ("CSeq", "1 OPTIONS")])
    message = Request("OPTIONS", parse_uri("sip:a@b"), headers)
    assert message.cseq == CSeq(1, "OPTIONS")
    with pytest.raises(ParseError):
        _ = message.to
    with pytest.raises(ParseError, match="CSeq method"):
        _ = Request("INFO", parse_uri("sip:a@b"), headers).cseq


def test_construction_checks() -> None:
    with pytest.raises(ValueError):
        Request("BAD METHOD", parse_uri("sip:a@b"))
    with pytest.raises(ValueError):
        Response(99, "Too Low")
    with pytest.raises(ValueError):
        Response(200, "OK\r\nX: y")


def test_messages_are_immutable_values() -> None:
    first, second = request(), request()
    assert first == second and hash(first) == hash(second)
    _ = first.via  # the cache is not part of the value
    assert first == second
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.method = "INVITE"  # type: ignore[misc]


def test_response_accessors() -> None:
    message = parse_message(OK)
    assert isinstance(message, Response)
    assert (message.status_code, message.reason) == (200, "OK")
    assert message.to.tag == "srv1"
    assert message.via[0].rport == 5060
    assert message.contacts[0].expires == 3600
    message.validate()
