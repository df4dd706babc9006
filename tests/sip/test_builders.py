from __future__ import annotations

import pytest

from autoprov.sip import (
    MAGIC_COOKIE,
    NameAddr,
    ParseError,
    Request,
    Response,
    SIPError,
    build_request,
    make_error_response,
    make_response,
    new_branch,
    new_call_id,
    new_tag,
    parse_message,
    parse_uri,
    parse_via,
    serialize,
    stamp_via,
)
from tests.sip.messages import REGISTER, with_header, without_header


def request(data: bytes = REGISTER) -> Request:
    message = parse_message(data)
    assert isinstance(message, Request)
    return message


def test_response_echoes_the_transaction_headers() -> None:
    incoming = request(with_header(REGISTER, b"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKp"))
    response = make_response(
        incoming, 200, headers=[("Contact", "<sip:a@b>;expires=60"), ("Date", "x")], to_tag="t1"
    )
    assert (response.status_code, response.reason) == (200, "OK")
    names = [name for name, _ in response.headers]
    assert names == ["Via", "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Date"]
    assert response.headers.get_all("Via") == incoming.headers.get_all("Via")
    assert response.from_ == incoming.from_
    assert response.to.tag == "t1" and response.to.uri == incoming.to.uri
    assert (response.call_id, response.cseq) == (incoming.call_id, incoming.cseq)
    assert parse_message(serialize(response)).headers.fields[:-1] == response.headers.fields


def test_an_existing_to_tag_is_kept() -> None:
    incoming = request(
        REGISTER.replace(b"To: <sip:~~id~autoprovision@pbx.example.com>", b"t: sip:x@y;tag=old")
    )
    response = make_response(incoming, 481, to_tag="new")
    assert response.headers.get("To") == "sip:x@y;tag=old"
    assert response.reason == "Call/Transaction Does Not Exist"


def test_source_address_goes_into_the_top_via() -> None:
    incoming = request()
    stamped = make_response(incoming, 200, source=("203.0.113.7", 61000)).via[0]
    assert (stamped.received, stamped.rport, stamped.branch) == (
        "203.0.113.7",
        61000,
        "z9hG4bK4d5f1e8a",
    )


def test_stamp_via() -> None:
    plain = parse_via("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1")
    assert stamp_via(plain, "192.0.2.1", 5060) == plain  # RFC 3261 18.2.1: same host
    assert stamp_via(plain, "192.0.2.9", 5060).received == "192.0.2.9"
    asked = parse_via("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1")
    stamped = stamp_via(asked, "192.0.2.1", 4000)  # RFC 3581: received even when equal
    assert (
        str(stamped) == "SIP/2.0/UDP 192.0.2.1:5060;rport=4000;branch=z9hG4bK1;received=192.0.2.1"
    )


@pytest.mark.parametrize(
    "via",
    [
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport",  # added to the text as received
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
        "SIP/2.0/UDP phone.example.com;branch=z9hG4bK1",
        "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK1",  # written anew
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;RPORT",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport=7",
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=198.51.100.1;rport",
        "sip/2.0/udp 192.0.2.1 ; branch=z9hG4bK1",
    ],
)
@pytest.mark.parametrize("source", [("192.0.2.1", 5060), ("203.0.113.7", 61000), ("::1", 9)])
def test_the_answered_via_is_the_stamped_via(via: str, source: tuple[str, int]) -> None:
    incoming = request(with_header(without_header(REGISTER, b"Via"), f"Via: {via}".encode()))
    answered = make_response(incoming, 200, source=source).via[0]
    assert answered == stamp_via(parse_via(via), *source)


def test_invalid_to_tag_is_refused() -> None:
    with pytest.raises(ValueError):
        make_response(request(), 200, to_tag="bad tag\r\nX: 1")


def test_response_to_a_request_with_broken_headers() -> None:
    broken = request(with_header(REGISTER, b"To: <sip:other@pbx.example.com>"))
    with pytest.raises(ParseError):
        broken.validate()
    response = make_response(broken, 400, to_tag="t")
    assert response.headers.fields_of("To") == ["<sip:~~id~autoprovision@pbx.example.com>"]


def test_error_response_for_an_unparsable_request() -> None:
    with pytest.raises(SIPError) as caught:
        parse_message(REGISTER.replace(b"CSeq: 2 REGISTER", b"CSeq: 2 INVITE"))
    response = make_error_response(caught.value, to_tag="t", source=("192.0.2.1", 1))
    assert isinstance(response, Response)
    assert (response.status_code, response.reason) == (400, "Bad Request")
    assert response.headers.get("CSeq") == "2 INVITE"
    assert response.to.tag == "t"
    assert response.via[0].rport == 1


def test_no_error_response_without_readable_headers() -> None:
    with pytest.raises(SIPError) as caught:
        parse_message(b"REGISTER sip:a SIP/2.0\r\nno colon\r\n\r\n")
    assert make_error_response(caught.value) is None


def test_build_request() -> None:
    via = parse_via(f"SIP/2.0/UDP 192.0.2.5:5062;branch={new_branch()};rport")
    built = build_request(
        "NOTIFY",
        "sip:1001@192.0.2.5:5062",
        via=via,
        from_=NameAddr(None, parse_uri("sip:pbx.example.com"), (("tag", new_tag()),)),
        to=NameAddr(None, parse_uri("sip:1001@pbx.example.com")),
        call_id=new_call_id("pbx.example.com"),
        cseq=7,
        headers=[("Event", "check-sync"), ("Subscription-State", "terminated")],
    )
    parsed = parse_message(serialize(built))
    assert isinstance(parsed, Request)
    assert parsed.headers.fields[:-1] == built.headers.fields  # plus Content-Length
    assert parsed.method == "NOTIFY" and parsed.cseq.seq == 7 and parsed.max_forwards == 70
    assert parsed.headers.get("o") == "check-sync"
    parsed.validate()
    with pytest.raises(ValueError):
        build_request(
            "X", "sip:a@b", via=via, from_=parsed.from_, to=parsed.to, call_id="a\nb", cseq=1
        )


def test_identifiers() -> None:
    assert new_branch().startswith(MAGIC_COOKIE) and new_branch() != new_branch()
    assert new_tag() != new_tag()
    assert new_call_id("h").endswith("@h")
