from __future__ import annotations

import asyncio

import pytest

from autoprov.simulate.sip_client import SipEndpoint, SipTimeout
from autoprov.simulate.timers import SipTimers
from autoprov.sip import NameAddr, Request, Response, SipURI, Via, build_request, make_response
from tests.simulate.udp_peer import udp_peer

FAST = SipTimers(t1=0.02, t2=0.08)


def _options(port: int, branch: str = "z9hG4bKabc") -> Request:
    uri = SipURI("sip", None, None, "127.0.0.1", port)
    return build_request(
        "OPTIONS",
        uri,
        via=Via("SIP/2.0", "UDP", "127.0.0.1", 5999, (("branch", branch),)),
        from_=NameAddr(None, uri, (("tag", "1"),)),
        to=NameAddr(None, uri),
        call_id="c1",
        cseq=1,
    )


def _notify(port: int, event: str, branch: str = "z9hG4bKnotify1") -> Request:
    uri = SipURI("sip", "~~id~autoprovision", None, "127.0.0.1", port)
    pbx = SipURI("sip", "pbx", None, "127.0.0.1", 5060)
    return build_request(
        "NOTIFY",
        uri,
        via=Via("SIP/2.0", "UDP", "127.0.0.1", 5060, (("branch", branch),)),
        from_=NameAddr(None, pbx, (("tag", "a1"),)),
        to=NameAddr(None, uri),
        call_id="n1@127.0.0.1",
        cseq=1,
        headers=[("Event", event)],
    )


async def test_request_is_retransmitted_until_answered() -> None:
    def answer_third(message: Request | Response, count: int) -> Response | None:
        assert isinstance(message, Request)
        return make_response(message, 200) if count == 3 else None

    async with udp_peer(answer_third) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        try:
            response = await endpoint.send_request(
                _options(peer.port), ("127.0.0.1", peer.port), FAST
            )
        finally:
            endpoint.close()
    assert response.status_code == 200
    assert len(peer.received) == 3
    assert endpoint.port > 0


async def test_provisional_answers_do_not_end_the_transaction() -> None:
    def trying_then_ok(message: Request | Response, count: int) -> Response:
        assert isinstance(message, Request)
        return make_response(message, 100 if count == 1 else 403)

    async with udp_peer(trying_then_ok) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        try:
            response = await endpoint.send_request(
                _options(peer.port), ("127.0.0.1", peer.port), FAST
            )
        finally:
            endpoint.close()
    assert response.status_code == 403


async def test_silence_is_a_timeout_after_64_t1() -> None:
    async with udp_peer(lambda _m, _c: None) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        try:
            with pytest.raises(SipTimeout):
                await endpoint.send_request(_options(peer.port), ("127.0.0.1", peer.port), FAST)
        finally:
            endpoint.close()
    # T1 doubling to T2 within 64*T1: 0.02, 0.04, 0.08, 0.08 ... about 17 sends.
    assert 10 <= len(peer.received) <= 20


async def test_check_sync_is_answered_once_and_reported_once() -> None:
    calls: list[int] = []
    async with udp_peer(lambda _m, _c: None) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: calls.append(1))
        try:
            notify = _notify(endpoint.port, "check-sync")
            peer.send(notify, ("127.0.0.1", endpoint.port))
            first = await peer.next_message()
            peer.send(notify, ("127.0.0.1", endpoint.port))  # a retransmission
            second = await peer.next_message()
        finally:
            endpoint.close()
    assert isinstance(first, Response) and isinstance(second, Response)
    assert first.status_code == 200
    assert first.to.tag is not None and first.to.tag == first.to.tag.upper()
    assert (second.status_code, second.to.tag) == (200, first.to.tag)
    assert calls == [1]


@pytest.mark.parametrize(
    ("method_event", "status"), [("NOTIFY:message-summary", 489), ("NOTIFY:", 489)]
)
async def test_other_events_are_refused(method_event: str, status: int) -> None:
    calls: list[int] = []
    event = method_event.split(":", 1)[1]
    async with udp_peer(lambda _m, _c: None) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: calls.append(1))
        try:
            peer.send(_notify(endpoint.port, event or "x;"), ("127.0.0.1", endpoint.port))
            answer = await peer.next_message()
        finally:
            endpoint.close()
    assert isinstance(answer, Response) and answer.status_code == status
    assert calls == []


async def test_garbage_gets_a_400_when_it_can_be_answered() -> None:
    async with udp_peer(lambda _m, _c: None) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        try:
            bad = (
                "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{peer.port};branch=z9hG4bKbad\r\n"
                "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\n"
                "Call-ID: g1\r\nCSeq: banana OPTIONS\r\nContent-Length: 0\r\n\r\n"
            ).encode()
            peer.send(bad, ("127.0.0.1", endpoint.port))
            async with asyncio.timeout(5):
                await peer.arrived.wait()
        finally:
            endpoint.close()
    assert peer.raw[0].startswith(b"SIP/2.0 400 ")
