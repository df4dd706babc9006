from __future__ import annotations

import asyncio

import pytest

from autoprov.polycom.useragent import parse_user_agent
from autoprov.simulate.lines import LineConfig
from autoprov.simulate.registration import LineRegistration, RegistrationError
from autoprov.simulate.sip_client import SipEndpoint
from autoprov.simulate.timers import SipTimers
from tests.simulate.fake_registrar import FakeRegistrar
from tests.simulate.udp_peer import udp_peer

AGENT = "PolycomVVX-VVX_410-UA/5.9.5.0614"
FAST = SipTimers(t1=0.02, t2=0.08, register_attempts=3, retry_delay=0.02)


def _line(port: int, password: str = "pw", expires: int = 120, overlap: int = 60) -> LineConfig:
    return LineConfig(
        index=1,
        user="~~id~autoprovision",
        domain="127.0.0.1",
        auth_user="~~id~autoprovision",
        password=password,
        display_name="K7QX-0004f2aabbcc",
        server_host="127.0.0.1",
        server_port=port,
        expires=expires,
        overlap=overlap,
    )


async def _register(registrar: FakeRegistrar, **line_args: object) -> LineRegistration:
    changes: list[bool] = []
    async with udp_peer(registrar) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        registration = LineRegistration(
            endpoint,
            _line(peer.port, **line_args),  # type: ignore[arg-type]
            AGENT,
            port=peer.port,
            timers=FAST,
            on_change=lambda: changes.append(True),
        )
        try:
            await registration.register()
        finally:
            endpoint.close()
    return registration


async def test_register_answers_the_md5_challenge_like_a_vvx() -> None:
    registrar = FakeRegistrar({"~~id~autoprovision": "pw"}, granted=90)
    registration = await _register(registrar)
    assert registration.registered
    assert registration.granted == 90
    first, second = registrar.registers
    assert first.authorization == ()
    assert "algorithm=MD5" in second.authorization[0]
    assert second.cseq.seq == first.cseq.seq + 1
    assert second.call_id == first.call_id and len(first.call_id) == 32
    tag = first.from_.tag
    assert tag is not None and tag == tag.upper() and len(tag) == 17
    branch = first.via[0].branch
    assert branch is not None and branch.startswith("z9hG4bK") and branch[7:] == branch[7:].upper()
    assert first.from_.display_name == "K7QX-0004f2aabbcc"
    assert str(first.uri) == "sip:127.0.0.1;transport=udp"
    (contact,) = first.contacts
    assert contact.uri.user == "~~id~autoprovision"  # type: ignore[union-attr]
    assert contact.param("methods") is not None
    assert first.headers.get("Accept-Language") == "en"
    agent = parse_user_agent(first.user_agent or "")
    assert agent is not None and (agent.model, agent.version) == ("VVX_410", "5.9.5.0614")


async def test_stale_nonce_is_answered_again() -> None:
    registrar = FakeRegistrar({"~~id~autoprovision": "pw"}, stale_once=True)
    registration = await _register(registrar)
    assert registration.registered
    assert len(registrar.registers) == 3


async def test_wrong_password_fails_after_the_attempts() -> None:
    registrar = FakeRegistrar({"~~id~autoprovision": "right"})
    with pytest.raises(RegistrationError, match="credentials refused"):
        await _register(registrar, password="wrong")
    assert len(registrar.registers) == 2 * FAST.register_attempts


async def test_forbidden_is_final() -> None:
    with pytest.raises(RegistrationError, match="403"):
        await _register(FakeRegistrar({}, refuse=403))


async def test_a_registrar_that_comes_late_is_waited_for() -> None:
    registrar = FakeRegistrar({"~~id~autoprovision": "pw"}, silent_for=3)
    registration = await _register(registrar)
    assert registration.registered


async def test_refresh_comes_before_expiry_with_the_same_call_id() -> None:
    registrar = FakeRegistrar({"~~id~autoprovision": "pw"}, granted=2)
    async with udp_peer(registrar) as peer:
        endpoint = await SipEndpoint.open("127.0.0.1", lambda: None)
        registration = LineRegistration(
            endpoint,
            _line(peer.port, expires=2, overlap=60),
            AGENT,
            port=peer.port,
            timers=FAST,
            on_change=lambda: None,
        )
        try:
            await registration.register()
            registration.keep_fresh()
            async with asyncio.timeout(5):
                while len(registrar.registers) < 4:
                    await peer.next_message()
        finally:
            registration.stop()
            endpoint.close()
    assert {request.call_id for request in registrar.registers} == {registrar.registers[0].call_id}
    assert not registration.registered
