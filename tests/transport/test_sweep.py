"""Finished server transactions are forgotten as Timer J fires, and after a burst the memory
their answers held is handed back to the system, not while the flow is steady."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from autoprov.transport import server
from autoprov.transport.endpoint import SipEndpoint
from autoprov.transport.peer import Peer


class NoHandler:
    def handle_request(self, *args: object) -> None:
        raise AssertionError("no request is handled here")


def answered(endpoint: SipEndpoint, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        endpoint.server_transactions.answered(f"key-{n}", Peer("udp", "192.0.2.1", 5060), b"x")


async def sweep_for(endpoint: SipEndpoint, seconds: float, ahead: float = 0.0) -> None:
    clock = lambda: time.monotonic() + ahead  # noqa: E731
    task = asyncio.create_task(server.sweep_transactions(endpoint, clock))
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
def trims(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(server, "release_free_memory", lambda: calls.append(1))
    monkeypatch.setattr(server, "SWEEP_INTERVAL", 0.05)
    return calls


async def test_memory_is_handed_back_after_a_burst(trims: list[int]) -> None:
    endpoint = SipEndpoint(NoHandler())  # type: ignore[arg-type]
    answered(endpoint, 3 * server.TRIM_EVERY)
    await sweep_for(endpoint, 0.3, ahead=3600)  # Timer J has fired for all of them
    assert len(endpoint.server_transactions) == 0
    assert trims == [1]


async def test_a_steady_flow_keeps_its_memory(trims: list[int]) -> None:
    endpoint = SipEndpoint(NoHandler())  # type: ignore[arg-type]
    answered(endpoint, 3 * server.TRIM_EVERY)  # alive for Timer J (32 s): none end
    await sweep_for(endpoint, 0.3)
    assert len(endpoint.server_transactions) == 3 * server.TRIM_EVERY
    assert trims == []
