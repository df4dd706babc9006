from __future__ import annotations

import pytest

from autoprov.sip import (
    Limits,
    MessageTooLarge,
    ParseError,
    Request,
    Response,
    SIPError,
    VersionNotSupported,
    parse_message,
)
from tests.sip.messages import OK, REGISTER, with_header, without_header

OPTIONS = (
    b"OPTIONS sip:pbx.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
    b"From: <sip:a@example.com>;tag=1\r\n"
    b"To: <sip:pbx.example.com>\r\n"
    b"Call-ID: c1\r\n"
    b"CSeq: 1 OPTIONS\r\n"
)


def with_body(body: bytes, length: bytes | None) -> bytes:
    head = OPTIONS if length is None else OPTIONS + b"Content-Length: " + length + b"\r\n"
    return head + b"\r\n" + body


def test_request_and_response() -> None:
    assert isinstance(parse_message(REGISTER), Request)
    response = parse_message(OK)
    assert isinstance(response, Response)
    assert (response.status_code, response.reason) == (200, "OK")


def test_datagram_trailing_octets_are_ignored() -> None:
    message = parse_message(with_body(b"hello, and more", b"5"))
    assert message.body == b"hello"


def test_datagram_without_content_length_takes_the_rest() -> None:
    assert parse_message(with_body(b"v=0\r\n", None)).body == b"v=0\r\n"


def test_datagram_content_length_beyond_the_datagram_is_a_400() -> None:
    with pytest.raises(ParseError, match="exceeds") as caught:
        parse_message(with_body(b"short", b"6"))
    assert caught.value.status_code == 400
    assert caught.value.request_headers is not None


def test_conflicting_content_lengths_parse_over_udp_but_do_not_validate() -> None:
    data = with_body(b"abcdef", b"3").replace(b"\r\n\r\n", b"\r\nl: 4\r\n\r\n", 1)
    message = parse_message(data)
    assert message.body == b"abcdef"
    with pytest.raises(ParseError, match="Conflicting"):
        message.validate()
    with pytest.raises(ParseError, match="Conflicting"):
        parse_message(data, datagram=False)


def test_stream_framing_needs_an_exact_content_length() -> None:
    assert parse_message(with_body(b"abc", b"3"), datagram=False).body == b"abc"
    with pytest.raises(ParseError, match="required"):
        parse_message(with_body(b"abc", None), datagram=False)
    with pytest.raises(ParseError, match="after the end"):
        parse_message(with_body(b"abcd", b"3"), datagram=False)
    with pytest.raises(ParseError, match="not terminated"):
        parse_message(OPTIONS, datagram=False)


def test_leading_blank_lines_bare_lf_and_a_missing_final_empty_line() -> None:
    lf = REGISTER.replace(b"\r\n", b"\n")
    assert parse_message(b"\r\n\r\n" + REGISTER).call_id == parse_message(lf).call_id
    # RFC 5118 4.10 archives end right after the last header line
    assert parse_message(REGISTER[:-2]).call_id == "6f3a1b2c-8e4d5f60@192.168.1.57"
    mixed = REGISTER.replace(b"\r\nTo:", b"\nTo:")
    assert parse_message(mixed).to.tag is None


def test_folded_headers_are_unfolded() -> None:
    data = with_header(
        OPTIONS + b"Content-Length: 0\r\n\r\n", b"Subject: first\r\n  second\r\n\tthird"
    )
    assert parse_message(data).headers.get("Subject") == "first second third"


def test_fields_are_counted_unfolded() -> None:
    message = OPTIONS + b"Content-Length: 0\r\n\r\n"
    fields = len(parse_message(message).headers)
    folded = message
    for number in range(5):
        folded = with_header(folded, b"X-%d: a\r\n b\r\n c" % number)
    limits = Limits(max_header_fields=fields + 5)
    assert parse_message(folded, limits=limits).headers.get("X-4") == "a b c"
    unfolded = with_header(folded, b"X-5: a")
    with pytest.raises(ParseError, match="header fields"):
        parse_message(unfolded, limits=limits)


def test_header_names_and_spacing() -> None:
    data = OPTIONS.replace(b"Call-ID: c1", b"i   :   c1  ") + b"X-Custom : v\r\n\r\n"
    message = parse_message(data)
    assert message.call_id == "c1"
    assert message.headers.get("x-custom") == "v"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"OPTIONS sip:a@b SIP/2.0\r\nFoobar roobar\r\n\r\n", "without a colon"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n", "Invalid header name"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nX: a\rb\r\n\r\n", "Bare CR"),
        (b"OPTIONS  sip:a@b SIP/2.0\r\n\r\n", "request line"),
        (b"OPTIONS sip:a@b SIP/2.0 \r\n\r\n", "request line"),
        (b"OPTIONS sip:a@b\r\n\r\n", "request line"),
        (b"OPTIONS <sip:a@b> SIP/2.0\r\n\r\n", "Invalid URI"),
        (b"OPT:IONS sip:a@b SIP/2.0\r\n\r\n", "Invalid method"),
        (b"OPTIONS sip:a@b HTTP/1.1\r\n\r\n", "Invalid SIP version"),
        (b"SIP/2.0 2000 OK\r\n\r\n", "status code"),
        (b"SIP/2.0 099 Low\r\n\r\n", "status code"),
        (b"SIP/2.0 700 High\r\n\r\n", "status code"),
        (b"", "start line"),
        (b"\r\n\r\n", "start line"),
    ],
)
def test_malformed(data: bytes, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_message(data)


def test_other_sip_versions_get_505() -> None:
    with pytest.raises(VersionNotSupported) as caught:
        parse_message(REGISTER.replace(b" SIP/2.0\r\n", b" SIP/3.0\r\n", 1))
    assert (caught.value.status_code, caught.value.reason) == (505, "Version Not Supported")
    assert caught.value.request_headers is not None
    lower_case = parse_message(REGISTER.replace(b" SIP/2.0\r\n", b" sip/2.0\r\n", 1))
    assert isinstance(lower_case, Request) and lower_case.method == "REGISTER"


def test_response_with_empty_or_missing_reason() -> None:
    for status_line in (b"200 ", b"200"):
        response = parse_message(OK.replace(b"200 OK", status_line))
        assert isinstance(response, Response) and response.reason == ""


def test_errors_about_responses_carry_no_headers_to_answer() -> None:
    with pytest.raises(SIPError) as caught:
        parse_message(OK.replace(b"CSeq: 2 REGISTER", b"CSeq: 99999999999 REGISTER"))
    assert caught.value.request_headers is None


def test_malformed_header_present_once_fails_at_parse_time() -> None:
    for line in [b"Max-Forwards: 300", b"CSeq: x REGISTER", b"Call-ID: a b"]:
        bad = with_header(without_header(REGISTER, line.split(b":")[0]), line)
        with pytest.raises(ParseError):
            parse_message(bad)
    odd = with_header(without_header(REGISTER, b"Expires"), b"Expires: soon")
    assert parse_message(odd).expires == 3600  # RFC 3261 20.19


def test_limits() -> None:
    limits = Limits(max_header_fields=10, max_line_length=100, max_body_size=4)
    with pytest.raises(ParseError, match="header fields"):
        parse_message(REGISTER, limits=limits)
    long_line = with_header(OPTIONS + b"Content-Length: 0\r\n\r\n", b"X: " + b"a" * 120)
    with pytest.raises(ParseError, match="longer than"):
        parse_message(long_line, limits=Limits(max_line_length=100))
    with pytest.raises(MessageTooLarge) as caught:
        parse_message(with_body(b"12345", b"5"), limits=limits)
    assert caught.value.status_code == 413
    with pytest.raises(MessageTooLarge):
        parse_message(with_body(b"12345", None), limits=limits)
    assert parse_message(with_body(b"1234", b"4"), limits=limits).body == b"1234"


def test_header_bytes_that_are_not_utf8_survive() -> None:
    message = parse_message(with_header(REGISTER, b"X-Odd: \xff\xfe"))
    assert message.headers.get("X-Odd") == "\udcff\udcfe"
