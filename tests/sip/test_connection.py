from __future__ import annotations

import pytest

from autoprov.sip import (
    NEED_DATA,
    Limits,
    MessageTooLarge,
    ParseError,
    Request,
    Response,
    SIPError,
    StreamConnection,
    make_error_response,
)
from tests.sip.messages import OK, REGISTER, without_header

BODY = REGISTER.replace(b"Content-Length: 0", b"Content-Length: 5") + b"hello"


def drain(connection: StreamConnection) -> list[Request | Response]:
    events: list[Request | Response] = []
    while (event := connection.next_event()) is not NEED_DATA:
        assert isinstance(event, Request | Response)
        events.append(event)
    return events


def test_several_messages_in_one_read() -> None:
    connection = StreamConnection()
    connection.receive_data(REGISTER + BODY + OK)
    events = drain(connection)
    assert [type(event) for event in events] == [Request, Request, Response]
    assert events[1].body == b"hello"
    assert connection.buffered == 0


def test_a_byte_at_a_time() -> None:
    connection = StreamConnection()
    events: list[Request | Response] = []
    for byte in BODY + REGISTER:
        connection.receive_data(bytes([byte]))
        events += drain(connection)
    assert [event.body for event in events] == [b"hello", b""]


def test_body_that_arrives_later_and_keepalives_between_messages() -> None:
    connection = StreamConnection()
    head, body = BODY[:-5], BODY[-5:]
    connection.receive_data(b"\r\n\r\n" + head)
    assert connection.next_event() is NEED_DATA
    connection.receive_data(body + b"\r\n\r\n")
    assert drain(connection)[0].body == b"hello"
    assert connection.next_event() is NEED_DATA
    assert connection.buffered == 0


def test_missing_content_length_breaks_the_stream() -> None:
    connection = StreamConnection()
    connection.receive_data(without_header(REGISTER, b"Content-Length") + OK)
    with pytest.raises(ParseError, match="required") as caught:
        connection.next_event()
    assert connection.broken
    # the request's headers were readable, so it can still be answered before closing
    assert make_error_response(caught.value) is not None
    with pytest.raises(ParseError):
        connection.next_event()


@pytest.mark.parametrize(
    ("replacement", "error"),
    [(b"Content-Length: -1", ParseError), (b"Content-Length: 999999", MessageTooLarge)],
)
def test_bad_content_length_breaks_the_stream(replacement: bytes, error: type[SIPError]) -> None:
    connection = StreamConnection()
    connection.receive_data(REGISTER.replace(b"Content-Length: 0", replacement))
    with pytest.raises(error):
        connection.next_event()
    assert connection.broken


def test_oversized_header_section_breaks_the_stream() -> None:
    connection = StreamConnection(limits=Limits(max_head_size=200))
    connection.receive_data(REGISTER[:150])
    assert connection.next_event() is NEED_DATA
    connection.receive_data(REGISTER[150:300])
    with pytest.raises(ParseError, match="larger than 200"):
        connection.next_event()
    assert connection.broken


def test_a_bad_message_with_good_framing_does_not_break_the_stream() -> None:
    connection = StreamConnection()
    bad = REGISTER.replace(b"CSeq: 2 REGISTER", b"CSeq: 2 INVITE")
    connection.receive_data(bad + REGISTER)
    with pytest.raises(ParseError, match="CSeq method"):
        connection.next_event()
    assert not connection.broken
    assert len(drain(connection)) == 1
