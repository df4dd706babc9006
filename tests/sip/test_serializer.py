from __future__ import annotations

from autoprov.sip import Headers, Request, Response, parse_message, parse_uri, serialize
from tests.sip.messages import OK, REGISTER


def test_round_trip_keeps_the_message() -> None:
    for data in (REGISTER, OK):
        message = parse_message(data)
        again = parse_message(serialize(message))
        assert again == message


def test_canonical_names_and_own_content_length() -> None:
    headers = Headers([("v", "SIP/2.0/UDP h;branch=z9hG4bK1"), ("l", "99"), ("X-A", "b")])
    data = serialize(Request("MESSAGE", parse_uri("sip:a@b"), headers, b"hello"))
    assert data == (
        b"MESSAGE sip:a@b SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        b"X-A: b\r\n"
        b"Content-Length: 5\r\n"
        b"\r\n"
        b"hello"
    )


def test_response_line_and_binary_body() -> None:
    data = serialize(Response(486, "Busy Here", Headers(), b"\x00\xff"))
    assert data == b"SIP/2.0 486 Busy Here\r\nContent-Length: 2\r\n\r\n\x00\xff"


def test_escaped_uri_and_odd_bytes_round_trip() -> None:
    data = REGISTER.replace(b"sip:pbx.example.com SIP", b"sip:a%00b@pbx.example.com SIP", 1)
    data = data.replace(b"User-Agent: ", b"User-Agent: \xff ")
    message = parse_message(data)
    assert parse_message(serialize(message)) == message
    assert b"sip:a%00b@pbx.example.com" in serialize(message)
