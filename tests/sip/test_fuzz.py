"""Mutated torture messages: the core answers with a message or a `SIPError`, nothing else.

Like h11's AFL harness: byte flips, truncation, insertion and splicing of the RFC 4475 / 5118
messages, through `parse_message` (both framings), the typed accessors, `validate`, the
serializer, and `StreamConnection` fed in random chunks.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoprov.sip import (
    NEED_DATA,
    Request,
    Response,
    SIPError,
    StreamConnection,
    make_error_response,
    make_response,
    parse_message,
    serialize,
)
from autoprov.sip.digest import parse_authorization
from autoprov.sip.parser import Limits
from autoprov.sip.transaction import TransactionKey
from tests.sip.corpus import torture_dir, torture_names

FUZZ = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# small caps so the limits are exercised too
LIMITS = Limits(max_header_fields=40, max_line_length=600, max_head_size=2048, max_body_size=700)


def _load() -> list[bytes]:
    try:
        directory: Path = torture_dir()
    except pytest.skip.Exception:
        return []
    return [(directory / name).read_bytes() for name in torture_names(directory)]


CORPUS = _load()
pytestmark = pytest.mark.skipif(not CORPUS, reason="torture messages not found")

INTERESTING = [
    *(bytes([char]) for char in b'\r\n \t:;,"\\<>%@\x00\xff=[]'),
    b"SIP/2.0",
    b"Content-Length: 99999999999\r\n",
    b"l: -1\r\n",
    b"Via: SIP/2.0/UDP [::1]\r\n",
    b"Contact: *\r\n",
    b"9" * 50,
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)) if CORPUS else b"")
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "splice"]))
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[position:]
        elif kind == "insert":
            piece = draw(st.one_of(st.sampled_from(INTERESTING), st.binary(min_size=1, max_size=8)))
            data[position:position] = piece
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        else:
            other = draw(st.sampled_from(CORPUS))
            data[position:] = other[draw(st.integers(0, len(other))) :]
    return bytes(data)


def _exercise(message: Request | Response) -> None:
    """Touch everything a registrar reads; only SIPError may come out."""
    for step in (
        message.validate,
        lambda: message.contacts,
        lambda: message.supported,
        lambda: message.require,
        lambda: [parse_authorization(value) for value in message.authorization],
        lambda: [str(via) for via in message.via],
        lambda: str(message.to) + str(message.from_),
    ):
        with contextlib.suppress(SIPError):
            step()
    assert isinstance(serialize(message), bytes)
    if isinstance(message, Request):
        with contextlib.suppress(SIPError):
            TransactionKey.for_request(message)
        response = make_response(message, 400, to_tag="x", source=("192.0.2.1", 5060))
        assert serialize(response).startswith(b"SIP/2.0 400 ")


@FUZZ
@given(data=mutated(), datagram=st.booleans())
def test_parse_message_raises_only_sip_errors(data: bytes, datagram: bool) -> None:
    try:
        message = parse_message(data, datagram=datagram, limits=LIMITS)
    except SIPError as error:
        assert 400 <= error.status_code <= 599
        answer = make_error_response(error, to_tag="x")
        if answer is not None:
            serialize(answer)
        return
    _exercise(message)


@FUZZ
@given(
    messages=st.lists(mutated(), min_size=1, max_size=3),
    cuts=st.lists(st.integers(1, 400), min_size=1, max_size=20),
)
def test_stream_connection_raises_only_sip_errors(messages: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(messages)
    connection = StreamConnection(limits=LIMITS)
    position = 0
    chunks = iter(cuts)
    while position < len(stream) and not connection.broken:
        size = next(chunks, len(stream))
        connection.receive_data(stream[position : position + size])
        position += size
        while not connection.broken:
            try:
                event = connection.next_event()
            except SIPError:
                continue
            if event is NEED_DATA:
                break
            assert isinstance(event, Request | Response)
            _exercise(event)
    assert connection.buffered <= len(stream)
