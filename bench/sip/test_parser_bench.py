"""SIP core hot path: what the registrar does per REGISTER, timed with pytest-benchmark.

    pytest bench/sip --benchmark-only

Each timed call handles one message. The "flow" benchmarks replay what a registrar sees: per
phone a REGISTER, then the same REGISTER with Authorization (new branch and CSeq, same From,
To, Contact and Call-ID), over 10,000 phones in turn. "cold" parses only first sightings, so no
parsed value is ever reused. Results and the command go in docs/benchmarks.md ("SIP core").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from autoprov.sip import Request, make_response, parse_message, serialize

PHONES = 10_000


def register(phone: int, *, authenticated: bool) -> bytes:
    """A REGISTER as a Polycom VVX sends it (field order and sizes from a capture)."""
    mac = f"0004f2{phone:06x}"
    ip = f"10.1.{phone // 250}.{phone % 250}"
    cseq = 2 if authenticated else 1
    aor = "sip:~~id~autoprovision@pbx.example.com"
    lines = [
        "REGISTER sip:pbx.example.com SIP/2.0",
        f"Via: SIP/2.0/UDP {ip}:5060;branch=z9hG4bK{phone:08x}{cseq};rport",
        f'From: "ID{phone:05d}-{mac}" <{aor}>;tag={phone:08X}-1D3F',
        f"To: <{aor}>",
        f"CSeq: {cseq} REGISTER",
        f"Call-ID: {phone:08x}-8e4d5f60-9a7b0c1d@{ip}",
        f"Contact: <sip:~~id~autoprovision@{ip};transport=udp>"
        ';methods="INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, '
        'UPDATE, REFER"',
        "User-Agent: PolycomVVX-VVX_410-UA/5.9.5.0614",
        "Accept-Language: en",
    ]
    if authenticated:
        lines.append(
            'Authorization: Digest username="~~id~autoprovision", realm="pbx.example.com", '
            'nonce="AAAAAGVk1n0AAAAAZXhhbXBsZW5vbmNlMTIzNDU2Nzg5", qop=auth, '
            'cnonce="Yj9vZkLm0pQrStUv", nc=00000001, uri="sip:pbx.example.com", '
            'response="6629fae49393a05397450978507c4ef1", algorithm=MD5'
        )
    lines += ["Max-Forwards: 70", "Expires: 3600", "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def _cycle(messages: list[bytes]) -> Iterator[bytes]:
    return itertools.cycle(messages)


@pytest.fixture(scope="module")
def flow() -> list[bytes]:
    return [
        register(phone, authenticated=authenticated)
        for phone in range(PHONES)
        for authenticated in (False, True)
    ]


@pytest.fixture(scope="module")
def cold() -> list[bytes]:
    return [register(phone, authenticated=True) for phone in range(PHONES)]


def test_parse_register_flow(benchmark: BenchmarkFixture, flow: list[bytes]) -> None:
    messages = _cycle(flow)
    benchmark(lambda: parse_message(next(messages)))


def test_parse_register_cold(benchmark: BenchmarkFixture, cold: list[bytes]) -> None:
    messages = _cycle(cold)
    benchmark(lambda: parse_message(next(messages)))


def test_parse_register_and_read_all(benchmark: BenchmarkFixture, flow: list[bytes]) -> None:
    """Parse, then touch every accessor the registrar uses (all cached by the parse)."""
    messages = _cycle(flow)

    def handle() -> None:
        request = parse_message(next(messages))
        assert isinstance(request, Request)
        request.validate()
        _ = (request.via[0].branch, request.from_.tag, request.to.uri, request.call_id)
        _ = (request.cseq.seq, request.contacts[0].uri, request.expires, request.authorization)

    benchmark(handle)


@pytest.fixture(scope="module")
def request_ok() -> Request:
    request = parse_message(register(1, authenticated=True))
    assert isinstance(request, Request)
    return request


CONTACTS = [
    ("Contact", "<sip:~~id~autoprovision@10.1.0.1;transport=udp>;expires=3600"),
    ("Contact", "<sip:~~id~autoprovision@10.1.0.2;transport=udp>;expires=1800"),
]


def test_serialize_ok_with_two_contacts(benchmark: BenchmarkFixture, request_ok: Request) -> None:
    response = make_response(request_ok, 200, headers=CONTACTS, to_tag="a1b2c3")
    data = benchmark(serialize, response)
    assert data.startswith(b"SIP/2.0 200 OK\r\n")


def test_make_response_and_serialize(benchmark: BenchmarkFixture, request_ok: Request) -> None:
    """The registrar's whole answer: echo, To tag, received/rport, Contacts, bytes."""

    def answer() -> bytes:
        response = make_response(
            request_ok, 200, headers=CONTACTS, to_tag="a1b2c3", source=("10.1.0.1", 5060)
        )
        return serialize(response)

    assert b"received=10.1.0.1" in benchmark(answer)
